"""`trackjammer run --watch song.tj`: a real process playing over JACK,
its file saved three times (one save with an error)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

SONG = 'let m = [C4 E4];\nlet t = MidiTrack(1);\nt << m;\nprint(m);\nprint("hi");\n'


def _lines(process: subprocess.Popen, stream, count: int, timeout: float = 15.0) -> list[str]:
    got, deadline = [], time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        line = stream.readline()
        if line:
            got.append(line.rstrip("\n"))
    return got


def test_run_watch_follows_three_saves(tmp_path: Path, jack_server):
    song = tmp_path / "song.tj"
    song.write_text(SONG)
    import os

    env = dict(os.environ, JACK_DEFAULT_SERVER=jack_server, PYTHONUNBUFFERED="1")  # lines as printed
    process = subprocess.Popen([sys.executable, "-m", "trackjammer", "run", "--watch", str(song), "--backend", "jack"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env,
                               bufsize=1)
    try:
        assert _lines(process, process.stdout, 2) == ["pattern: 0 C4, 1/2 E4", "hi"]
        time.sleep(0.3)
        song.write_text(SONG.replace("E4", "G4"))  # save 1: the melody and what uses it
        assert _lines(process, process.stdout, 1) == ["pattern: 0 C4, 1/2 G4"]
        song.write_text(SONG.replace("[C4 E4]", "[C4 B4"))  # save 2: does not parse, nothing changes
        time.sleep(0.5)
        song.write_text(SONG.replace("E4", "G4").replace('"hi"', '"again"'))  # save 3: only the print
        assert _lines(process, process.stdout, 1) == ["again"]
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    assert stdout == ""  # nothing more was printed: save 2 ran nothing
    said = [line for line in stderr.splitlines() if line.startswith(str(song))]
    assert said == [
        f"{song}: saved, 3 of 5 statements run",
        f"{song}: error: line 1, column 15: expected a note, a number, a rest (~), a group ([ < {{), '(' or ']'; "
        "found ';'",
        f"{song}: not applied: nothing changed",
        f"{song}: saved, 1 of 5 statements run",
    ]
    assert process.returncode == 143


def test_watch_needs_a_file_and_a_clock(tmp_path: Path):
    result = subprocess.run([sys.executable, "-m", "trackjammer", "run", "--watch", "-", "--offline"], input="",
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr == ("error: --watch follows the saves of a file while it plays\n"
                             "hint: name the file, and leave out --offline: trackjammer run --watch song.tj\n")
