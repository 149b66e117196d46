"""snapshot.tj recreates what was exported: running it and making the same
export again gives a byte-identical file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session

SONG = """
cps(0.55); beats_per_cycle(3); seed(11); project("night drive");
let root = [C2 <G1 Bb1>];
let bass = MidiTrack(1, 80);
bass << root.every(2, fast(2)).sometimes(transpose(12));
bass.vel << Saw(1).range(60, 110);
bass.gate(1/2);
let lead = MidiTrack(2, 110, name: "Lead \\"1\\"");
let alias = lead;
lead << [0 2 4 <7 9>].scale("dorian", C4).off(1/8, transpose(7)) + [0 12]?;
lead.cc(74) << Sine(0.25);
lead.cc(1) << [0 64 <127 32>];
lead.transpose(-12);
let root = [D2];
let fast = 3;
"""

CALLS = ["midi_export(#[bass, lead], 8)", "midi_export(lead, 5)", "midi_export(root.fast(2), 3)"]
RENDERED = {  # the call, as snapshot.tj's first lines name it: values written out in full
    CALLS[0]: "midi_export(#[bass, lead], 8)",
    CALLS[1]: "midi_export(lead, 5)",
    CALLS[2]: "midi_export([D2].fast(2), 3)",
}


def _export(session: Session, call: str) -> Path:
    return Path(Interpreter(session).execute(call))


@pytest.mark.parametrize("call", CALLS)
def test_running_the_snapshot_then_the_same_export_gives_the_same_bytes(call, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = Session(out=lambda text: None)
    Interpreter(first).execute(SONG)
    original = _export(first, call)
    folder = original.parent
    assert original.name == "export.mid" and folder.parent == Path("renders/night_drive")
    snapshot = (folder / "snapshot.tj").read_text()
    code = [line for line in snapshot.splitlines() if not line.startswith("//")]
    assert not [line for line in code if "midi_export" in line or "print" in line]  # nothing but the state
    assert [line for line in snapshot.splitlines() if line.startswith("// rendered: ")] == [
        f"// rendered: {RENDERED[call]}"
    ]

    again = Session(out=lambda text: None)
    Interpreter(again).execute(snapshot)
    remade = _export(again, call)
    assert remade != original
    assert remade.read_bytes() == original.read_bytes()


def test_through_the_command_line(tmp_path):
    """`trackjammer run --offline …/snapshot.tj` followed by the same export."""
    song = tmp_path / "song.tj"
    song.write_text(SONG + "midi_export(#[bass, lead], 8);\n")
    run = [sys.executable, "-m", "trackjammer", "run", "--offline"]
    assert subprocess.run([*run, str(song)], cwd=tmp_path, capture_output=True, timeout=60).returncode == 0
    (original,) = tmp_path.glob("renders/night_drive/*/export.mid")
    snapshot = original.parent / "snapshot.tj"
    replay = tmp_path / "replay.tj"
    replay.write_text(snapshot.read_text() + '\nmidi_export(#[bass, lead], 8, "replayed.mid");\n')
    done = subprocess.run([*run, str(replay)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "replayed.mid").read_bytes() == original.read_bytes()
    done = subprocess.run([*run, str(snapshot)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")  # the snapshot alone writes and prints nothing
    assert len(list(tmp_path.glob("renders/*/*/export.mid"))) == 1


def test_render_json_says_what_was_rendered(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    session = Session(out=lambda text: None)
    Interpreter(session).execute(SONG)
    path = _export(session, "midi_export(#[bass, lead], 8)")
    info = json.loads((path.parent / "render.json").read_text())
    assert info["what"] == "#[bass, lead]"
    assert (info["file"], info["stems"], info["type"], info["cycles"], info["loop"]) == ("export.mid", [], 1, 8, True)
    assert (info["cps"], info["bpm"], info["beats_per_cycle"], info["ppqn"]) == (0.55, 99, 3, 480)
    assert (info["ticks_per_cycle"], info["end_tick"], info["seed"]) == (1440, 8 * 1440, 11)
    assert info["tempo_microseconds_per_beat"] == 606061  # 60,000,000 / 99, rounded
    assert info["tracks"] == [{"name": "bass", "channel": 1}, {"name": 'Lead "1"', "channel": 2}]
    assert info["project"] == "night drive" and info["skipped"] == []
    assert info["trackjammer"] == trackjammer.__version__
    assert info["time"][:4] == path.parent.name[:4]
