"""The editor set-ups in editors/ send what they should through the door:
Vim and Emacs run for real (headless) against a door in this process,
which records what arrives. Skipped where the editor is not installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.repl.test_door import runtime  # noqa: F401 - a fixture
from trackjammer.repl.door import Door

EDITORS = Path(__file__).resolve().parents[2] / "editors"
SONG = "let a = MidiTrack(1);\na << [C4 E4];\n\nprint(a.channel);\nprint(5)\n\na << [C4 X4]\n"


def _received(run) -> list[str]:
    got: list[str] = []

    def answer(request):
        got.append(request.code)
        request.reply("X4" not in request.code, "said")

    door = Door("untitled", answer)
    try:
        run()
    finally:
        door.close()
    return got


def _env() -> dict[str, str]:
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")


@pytest.mark.skipif(shutil.which("vim") is None, reason="vim is not installed (apt-get install vim-nox)")
def test_vim_sends_the_paragraph_and_the_selection(tmp_path, runtime):  # noqa: F811 - the fixture
    song = tmp_path / "song.tj"
    song.write_text(SONG)

    def run():
        subprocess.run(["vim", "-Es", "-u", "NONE", "-N", "-c", f"source {EDITORS / 'trackjammer.vim'}",
                        "-c", "5", "-c", "TrackJammerSendParagraph", "-c", "1,2TrackJammerSend",
                        "-c", "qa!", str(song)], env=_env(), timeout=60, check=False)

    assert _received(run) == ["print(a.channel);\nprint(5)\n", "let a = MidiTrack(1);\na << [C4 E4];\n"]


@pytest.mark.skipif(shutil.which("emacs") is None, reason="emacs is not installed (apt-get install emacs-nox)")
def test_emacs_sends_the_paragraph_and_the_buffer(tmp_path, runtime):  # noqa: F811 - the fixture
    song = tmp_path / "song.tj"
    song.write_text(SONG)

    def run():
        subprocess.run(["emacs", "--batch", "-Q", "-l", str(EDITORS / "trackjammer.el"), str(song), "--eval",
                        "(progn (goto-char (point-min)) (forward-line 4) (trackjammer-send-dwim)"
                        " (trackjammer-send-buffer))"], env=_env(), timeout=60, check=False, capture_output=True)

    assert _received(run) == ["print(a.channel);\nprint(5)\n", SONG]
