"""`send` round trip: code sent through the door → evaluated by the REPL on
its own thread → the reply back, with the REPL in a pseudo-terminal as a
performer runs it (--no-midi, its clock playing a track).

Two measures: the door alone (the protocol from this process, what an
editor plugin speaking to the socket would see), and the whole
`trackjammer send -` command an editor runs (which adds the interpreter's
start). Targets: a door round trip under 20 ms at the median (a key press
should feel immediate; the change itself waits for the next cycle anyway),
and the whole command under 80 ms at the median (issue 20: a socket client
that loads almost nothing).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRACKJAMMER = Path(sys.executable).with_name("trackjammer")
ROUND_TRIPS = 300
COMMANDS = 15
NOTES = ("C5", "D5", "E5", "F5", "G5", "A5", "B5")
TARGET = 0.020  # seconds, median of the door's round trip
COMMAND_TARGET = 0.080  # seconds, median of the whole `trackjammer send -`


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run() -> bool:
    import pexpect  # the benchmark drives a real terminal

    from trackjammer.repl.door import send_code

    home = tempfile.mkdtemp(prefix="tj-bench-")
    runtime = tempfile.mkdtemp(prefix="tj-", dir="/tmp")  # a socket path must be short
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=home, XDG_CONFIG_HOME=f"{home}/config", XDG_DATA_HOME=f"{home}/data", XDG_RUNTIME_DIR=runtime,
               TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1")
    saved = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = runtime
    child = pexpect.spawn(str(TRACKJAMMER), ["--no-midi", "--project", "bench"], env=env, cwd=home,
                          dimensions=(30, 120), encoding="utf-8", timeout=20)
    try:
        child.expect_exact("listening for editors")
        assert send_code("let t = MidiTrack(1); t << [C4 E4 G4 B4]*4")[0]
        door, command = [], []
        for number in range(ROUND_TRIPS):
            start = time.perf_counter()
            ok, said = send_code(f"t << [C4 E4 G4 {NOTES[number % len(NOTES)]}]*4")
            door.append(time.perf_counter() - start)
            assert ok, said
            child.expect_exact("*4", timeout=5)  # keep the terminal's output drained
        for _ in range(COMMANDS):
            start = time.perf_counter()
            subprocess.run([str(TRACKJAMMER), "send", "-"], input="t << [C4 G4]", env=env, check=True,
                           capture_output=True, text=True)
            command.append(time.perf_counter() - start)
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        if child.isalive():
            child.terminate(force=True)
        if saved is None:
            os.environ.pop("XDG_RUNTIME_DIR", None)
        else:
            os.environ["XDG_RUNTIME_DIR"] = saved
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(runtime, ignore_errors=True)
    print(f"send round trip (send → evaluated in the REPL → reply), a REPL in a pty playing a track")
    print(f"  door ({ROUND_TRIPS} sends):           median {statistics.median(door) * 1000:6.2f} ms   "
          f"p99 {_percentile(door, 0.99) * 1000:6.2f} ms   max {max(door) * 1000:6.2f} ms")
    print(f"  trackjammer send - ({COMMANDS} runs):  median {statistics.median(command) * 1000:6.1f} ms   "
          f"p99 {_percentile(command, 0.99) * 1000:6.1f} ms")
    ok = statistics.median(door) < TARGET
    print(f"  target: door median under {TARGET * 1000:.0f} ms: {'met' if ok else 'MISSED'}")
    command_ok = statistics.median(command) < COMMAND_TARGET
    print(f"  target: trackjammer send - median under {COMMAND_TARGET * 1000:.0f} ms: {'met' if command_ok else 'MISSED'}")
    return ok and command_ok
