"""Where renders go and what goes beside them; which route "auto" takes;
the progress bar of long renders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pexpect

from tests.audio.conftest import RATE, read_wav, run
from trackjammer.audio import fluid
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session

SONG = """cps(0.55); seed(3); project("night drive");
let bass = MidiTrack(1, 90); bass << [C2 <G1 Bb1>].sometimes(transpose(12));
let drums = MidiTrack(10); drums << [C2 F#2 [D2 C2] F#2];
let keys = MidiTrack(4); keys << [C4,E4,G4]; keys.cc(10) << Sine(0.5);
"""


def test_an_automatic_render_gets_a_folder_with_the_wav_a_snapshot_and_render_json(in_tmp, monkeypatch):
    monkeypatch.setattr(fluid, "SEARCH", [])  # no SoundFont: the built-in synthesizer
    value, printed = run(SONG + "render(#[bass, drums, keys], 2)")
    path = Path(value)
    assert path.name == "render.wav" and path.parent.parent == Path("renders/night_drive") and printed == []
    assert sorted(p.name for p in path.parent.iterdir()) == ["render.json", "render.wav", "snapshot.tj"]
    described = json.loads((path.parent / "render.json").read_text())
    frames = round(2 / 0.55 * RATE) + 2 * RATE
    assert {k: described[k] for k in (
        "kind", "what", "file", "cycles", "synth", "soundfont", "sample_rate", "bits", "channels", "frames",
        "loop_frames", "tail_seconds", "cps", "bpm", "seed", "project", "tracks",
    )} == {
        "kind": "render", "what": "#[bass, drums, keys]", "file": "render.wav", "cycles": 2, "synth": "builtin",
        "soundfont": None, "sample_rate": 44100, "bits": 16, "channels": 2, "frames": frames,
        "loop_frames": round(2 / 0.55 * RATE), "tail_seconds": 2, "cps": 0.55, "bpm": 132, "seed": 3,
        "project": "night drive",
        "tracks": [{"name": "bass", "channel": 1}, {"name": "drums", "channel": 10}, {"name": "keys", "channel": 4}],
    }
    assert read_wav(path).frames == frames
    snapshot = (path.parent / "snapshot.tj").read_text()
    assert "// rendered: render(#[bass, drums, keys], 2)" in snapshot.splitlines()

    again = Session(out=lambda text: None)
    Interpreter(again).execute(snapshot)
    remade = Path(Interpreter(again).execute("render(#[bass, drums, keys], 2)"))
    assert remade != path and remade.read_bytes() == path.read_bytes()


def test_an_audio_render_carries_the_project_meta_like_every_render_json(in_tmp):
    value, _ = run('project("night drive"); meta(title: "Night Drive", author: "Ada", tempo: 132);'
                   ' render([C4 E4], 1, synth: "builtin", tail: 0)')
    described = json.loads(Path(value).with_name("render.json").read_text(encoding="utf-8"))
    assert described["meta"] == {"title": "Night Drive", "author": "Ada", "tempo": 132}
    assert (described["kind"], described["file"], described["project"]) == ("render", "render.wav", "night drive")


def test_a_second_render_in_the_same_second_gets_its_own_folder(in_tmp):
    first, _ = run('render([C4], 1, synth: "builtin", tail: 0)')
    session = Session(out=lambda text: None)
    second = Interpreter(session).execute('render([C4], 1, synth: "builtin", tail: 0)')
    assert first != second and Path(first).is_file() and Path(second).is_file()


def test_auto_takes_the_builtin_synthesizer_without_a_soundfont(in_tmp, monkeypatch):
    monkeypatch.setattr(fluid, "SEARCH", [str(in_tmp / "nothing-here")])
    value, printed = run('print(soundfont()); render([C4 E4], 1)')
    assert printed == ["none"]
    assert json.loads(Path(value).with_name("render.json").read_text())["synth"] == "builtin"


def test_the_default_soundfont_is_the_first_found(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "Zebra.sf2").write_bytes(b"")
    (tmp_path / "b" / "Alpha.sf3").write_bytes(b"")
    monkeypatch.setattr(fluid, "SEARCH", [str(tmp_path / "none"), str(tmp_path / "a"), str(tmp_path / "b")])
    assert fluid.default_soundfont() == tmp_path / "b" / "Alpha.sf3"
    (tmp_path / "b" / "FluidR3_GM.sf2").write_bytes(b"")
    assert fluid.default_soundfont() == tmp_path / "b" / "FluidR3_GM.sf2"  # a GM default by name first


LONG = 'let t = MidiTrack(3); t << [C4*16].chord("maj7"); t.cc(74) << Sine(0.25);\nrender(t, 160, "long.wav", synth: "builtin");\n'
SHORT = 'render([C4], 1, "short.wav", synth: "builtin");\n'


def _spawn(tmp_path: Path, text: str) -> pexpect.spawn:
    script = tmp_path / "song.tj"
    script.write_text(text)
    return pexpect.spawn(
        sys.executable, ["-m", "trackjammer", "run", "--offline", str(script)], cwd=tmp_path,
        env={**os.environ, "COLUMNS": "80"}, encoding="utf-8", timeout=120,
    )


def test_a_long_render_shows_a_bar_in_a_terminal_and_wipes_it(tmp_path):
    child = _spawn(tmp_path, LONG)
    child.expect(r"render \[[#-]+\] \d+/321 steps")
    child.expect(r"\r\x1b\[K")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert read_wav(tmp_path / "long.wav").frames == 320 * RATE + 2 * RATE


def test_a_short_render_shows_no_bar(tmp_path):
    child = _spawn(tmp_path, SHORT)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and "render [" not in child.before
    assert (tmp_path / "short.wav").is_file()


def test_no_bar_when_the_output_goes_to_a_pipe(tmp_path):
    (tmp_path / "song.tj").write_text(LONG)
    done = subprocess.run([sys.executable, "-m", "trackjammer", "run", "--offline", "song.tj"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""
