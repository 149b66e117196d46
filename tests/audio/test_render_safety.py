"""render() writes a .wav only where nothing is, or over a regular file
with overwrite: true (issue 15, items 2 and 3); every node is made in tmp_path."""

from __future__ import annotations

import os
import stat

import pytest

from tests.audio.test_render_errors import answer
from trackjammer.audio import wav as wav_module

REFUSED = "is not a regular file (a link, a device, a pipe or a socket); it is not replaced"


def test_a_file_that_appears_while_the_render_plays_is_never_replaced(in_tmp, monkeypatch):
    real = wav_module.wav_bytes

    def meanwhile(*args, **kwargs):
        (in_tmp / "take.wav").write_bytes(b"theirs")  # after every check, before any write
        return real(*args, **kwargs)

    monkeypatch.setattr(wav_module, "wav_bytes", meanwhile)
    assert answer('render(t, 1, "take.wav", synth: "builtin")') == (
        'error: line 1, column 1: take.wav already exists\n  render(t, 1, "take.wav", synth: "builtin")\n  ^\n'
        "hint: choose another name")
    assert (in_tmp / "take.wav").read_bytes() == b"theirs"
    assert sorted(p.name for p in in_tmp.iterdir()) == ["take.wav"]


@pytest.mark.parametrize("overwrite", ["", ", overwrite: true"])
def test_overwrite_never_replaces_a_device_or_a_pipe(in_tmp, overwrite):
    os.mknod(in_tmp / "dev.wav", stat.S_IFCHR | 0o600, os.stat("/dev/null").st_rdev)
    os.mkfifo(in_tmp / "pipe.wav")
    for name in ("dev.wav", "pipe.wav"):
        line = f'render(t, 1, "{name}", synth: "builtin"{overwrite})'
        assert answer(line) == f"error: line 1, column 1: {name} {REFUSED}\n  {line}\n  ^\nhint: choose another name"
    assert stat.S_ISCHR(os.lstat(in_tmp / "dev.wav").st_mode) and stat.S_ISFIFO(os.lstat(in_tmp / "pipe.wav").st_mode)


def test_overwrite_keeps_the_mode(in_tmp):
    (in_tmp / "take.wav").write_bytes(b"mine")
    os.chmod(in_tmp / "take.wav", 0o640)
    assert answer('render(t, 1, "take.wav", synth: "builtin", overwrite: true)') == '"take.wav"'
    assert stat.S_IMODE(os.stat(in_tmp / "take.wav").st_mode) == 0o640
    assert (in_tmp / "take.wav").read_bytes()[:4] == b"RIFF"
