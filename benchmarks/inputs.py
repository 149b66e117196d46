"""MIDI input (issue 17): how exactly what is played in lands in the take,
and how fast thru plays it, beside a hand-written python-rtmidi thru loop.

A hand-written player (tests/support/clock_sender.py, a process of its own)
sends notes on a JACK port at exact times and logs when each left: a note
every 50 ms for TJ_INPUT_SECONDS (default 8) in each part.

1. Into the take: an Engine (a track playing, cps 1) records the player's
   port with input(port). The error of a note is when the take says it was
   played (its cycle, through the engine's clock) minus when the player sent
   it: as stamped (exact: the journal's millionth of a cycle), and in
   recording.mid (ticks: at cps 1 a tick is 0.52 ms, rounded to the nearest).
2. Thru: the real live engine (its sending process, as the REPL plays)
   plays the player's port through a track, while a hand-written rtmidi
   loop (benchmarks/rtmidi_thru.py: send from rtmidi's callback) gets the
   same messages from the same port. Latency = the output's send minus the
   input's arrival, in each; and end to end, the player's send to a
   receiver's arrival (each through its own receiver; both cross JACK twice,
   each crossing up to one 1.33 ms period).

3. Idle (issue 20): an open TrackJammer input and a bare python-rtmidi JACK
   input (benchmarks/idle_input.py, a process each, nothing played to
   either), side by side for TJ_IDLE_SECONDS (default 10, in two rounds,
   the one started first swapped): the CPU time of
   each (every thread of its process and of the processes it started, as
   the kernel counts it on the CPU: /proc's schedstat, to the nanosecond)
   over the wall time. Target: TrackJammer's within 0.2 percentage points
   of the bare input's. The JACK server's own share (one client's process
   cycle each) is alike for both and not counted.

The dummy server runs without realtime priority: xruns delay messages and
are counted. Figures only for 1 and 2; a target for 3.

    scripts/bench input
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from fractions import Fraction
from pathlib import Path

from tests.support.clock_sender import ClockSender
from tests.support.jack_receiver import JackReceiver, jack_connections
from tests.support.smf_reader import read_smf
from tests.support.xruns import xruns
from trackjammer.engine.live import Engine, open_live
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.output import MemoryOutput
from trackjammer.project.takes import RenderTakes
from trackjammer.session import Session

DEFAULT_SECONDS = 8.0
IDLE_SECONDS = 10.0
IDLE_TARGET = 0.2  # percentage points of a core above the bare rtmidi input's, at most
EVERY = 0.05  # seconds between notes
REPO = Path(__file__).resolve().parents[1]


class Notes:
    """A plan for the player: a note every 50 ms, each (note, velocity) once."""

    def __init__(self, seconds: float) -> None:
        self.events = []
        for k in range(int(seconds / EVERY)):
            note, velocity = 36 + k % 60, 1 + k // 60
            self.events += [(0.05 + k * EVERY, [0x90, note, velocity]), (0.075 + k * EVERY, [0x80, note, 0])]


def figures(values: list[float]) -> str:
    ms = sorted(abs(v) * 1e3 for v in values)
    if not ms:
        return "nothing measured"
    return f"{statistics.median(ms):.3f} / {ms[int(len(ms) * 0.99)]:.3f} / {ms[-1]:.3f}"


def wait_connected(port: str, count: int = 1) -> None:
    deadline = time.monotonic() + 5
    while len(jack_connections(port)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing connected to {port}")
        time.sleep(0.01)
    time.sleep(0.05)


def into_the_take(seconds: float) -> tuple[list[float], list[float], int, int]:
    """(errors as stamped, errors in the file, notes sent, xruns)."""
    home = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="trackjammer-bench-input.") as folder:
        os.chdir(folder)  # the take goes there
        try:
            return _into_the_take(seconds, Path(folder))
        finally:
            os.chdir(home)


def _into_the_take(seconds: float, folder: Path) -> tuple[list[float], list[float], int, int]:
    session = Session(out=lambda text: None)
    Interpreter(session).execute("cps(1); let a = MidiTrack(1); a << [C4*8]")
    said: list[str] = []
    engine = Engine(session, MemoryOutput("bench"), report=said.append, backend="jack", takes=RenderTakes())
    before = xruns()
    with ClockSender(Notes(seconds)) as player:
        engine.commit()
        engine.input(player.port)
        wait_connected(player.port)
        engine.start()
        time.sleep(0.5)
        sent = player.go(timeout=seconds * 10)
        time.sleep(1.2)  # a whole cycle after the last note: played_notes takes whole cycles
        engine.stop()
        cycles = int(engine.stopped_at)
        stamped = engine.played_notes(cycles)
        engine.close()
    during = xruns() - before
    sent_on = {(d[1], d[2]): ns / 1e9 for d, ns in sent if d[0] == 0x90}
    begin = Fraction(int(engine.stopped_at) - cycles)
    exact = [engine.clock.time_of(begin + start) - sent_on[(note, velocity)]
             for start, _, note, velocity in stamped if (note, velocity) in sent_on]
    (path,) = folder.glob("renders/*/*/recording.mid")
    smf = read_smf(path)
    track = smf.tracks[-1]  # the input's, after the channels'
    in_file = [engine.clock.time_of(Fraction(e[0], 1920)) - sent_on[(e[3], e[4])]
               for e in track if e[1] == "note_on" and (e[3], e[4]) in sent_on]
    problems = [line for line in said if not line.startswith("recorded: ")]
    if problems:
        print("\n".join(problems), file=sys.stderr)
    return exact, in_file, len(sent_on), during


def thru(seconds: float) -> dict[str, list[float]]:
    home = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="trackjammer-bench-thru.") as folder:
        os.chdir(folder)
        try:
            return _thru(seconds, Path(folder))
        finally:
            os.chdir(home)


def _thru(seconds: float, folder: Path) -> dict[str, list[float]]:
    session = Session(out=lambda text: None)
    interpreter = Interpreter(session)
    interpreter.execute("cps(1); let a = MidiTrack(1); a << [C4*8]; let lead = MidiTrack(2)")
    said: list[str] = []
    log = folder / "loop.jsonl"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)}
    loop = subprocess.Popen([sys.executable, "-m", "benchmarks.rtmidi_thru", "--out", str(log),
                             "--client-name", f"tj-thru-{uuid.uuid4().hex[:8]}"],
                            cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        ready, loop_in, loop_out = loop.stdout.readline().split()
        assert ready == "ready"
        with JackReceiver() as rx_tj, JackReceiver() as rx_loop, ClockSender(Notes(seconds)) as player:
            engine, _ = open_live(session, rx_tj.port, "jack", said.append, takes=RenderTakes())
            session.engine = engine
            arrivals: list[tuple[bytes, float]] = []
            sends: list[tuple[bytes, float]] = []
            delivered = engine.sender.on_sent_now

            def sent_now(data: bytes, at: float) -> None:
                sends.append((bytes(data), at))
                delivered(data, at)

            engine.sender.on_sent_now = sent_now
            try:
                engine.commit()
                engine.input(player.port, session.names["lead"])
                engine.midi_in.opened[0].port.listen(lambda data, stamp: arrivals.append((data, stamp)))
                for source, target in ((player.port, loop_in), (loop_out, rx_loop.port)):
                    subprocess.run(["jack_connect", source, target], check=True, capture_output=True, timeout=10)
                wait_connected(player.port, 2)
                rx_tj.wait_connected()
                rx_loop.wait_connected()
                engine.start()
                time.sleep(0.5)
                sent = player.go(timeout=seconds * 10)
                time.sleep(0.3)
            finally:
                engine.close()
        loop.stdin.close()
        loop.wait(timeout=10)
    finally:
        if loop.poll() is None:
            loop.kill()
            loop.wait()
    played = {(d[1], d[2]): ns / 1e9 for d, ns in sent if d[0] == 0x90}
    arrived = {(d[1], d[2]): at for d, at in arrivals if d[0] == 0x90}
    tj_sent = {(d[1], d[2]): at for d, at in sends if d[0] == 0x91}
    loop_log = [json.loads(line) for line in log.read_text().splitlines()]
    loop_ons = {(e["data"][1], e["data"][2]): e for e in loop_log if e["data"][0] == 0x90}
    heard_tj = {(m.data[1], m.data[2]): m.time_ns / 1e9 for m in rx_tj.messages if m.data[0] == 0x91}
    heard_loop = {(m.data[1], m.data[2]): m.time_ns / 1e9 for m in rx_loop.messages if m.data[0] == 0x90}
    problems = [line for line in said if not line.startswith("recorded: ")]
    if problems:
        print("\n".join(problems), file=sys.stderr)
    return {
        "tj inside": [tj_sent[k] - arrived[k] for k in tj_sent if k in arrived],
        "loop inside": [(e["sent_ns"] - e["arrived_ns"]) / 1e9 for e in loop_ons.values()],
        "tj end to end": [heard_tj[k] - played[k] for k in heard_tj if k in played],
        "loop end to end": [heard_loop[k] - played[k] for k in heard_loop if k in played],
        "sent": [len(played)],
    }


def _tree(pid: int) -> list[int]:
    """`pid` and every process it started (and they started), as /proc has them now."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                todo += [int(child) for child in Path(f"/proc/{current}/task/{task}/children").read_text().split()]
            except OSError:
                pass
    return found


def _cpu_ns(pid: int) -> dict[tuple[int, int], int]:
    """Nanoseconds on the CPU of every thread of `pid`'s processes, by (process, thread)."""
    times = {}
    for process in _tree(pid):
        try:
            tasks = os.listdir(f"/proc/{process}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                times[(process, int(task))] = int(Path(f"/proc/{process}/task/{task}/schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return times


def idle(seconds: float) -> dict[str, float]:
    """Percent of a core used by each idle input, over the same `seconds`:
    two rounds of half as long, the one started first swapped (the JACK
    server wakes its clients in order; measured alone, either order moved
    each by ±0.1 points)."""
    used = {"trackjammer": 0.0, "rtmidi": 0.0}
    wall = 0.0
    for order in (("trackjammer", "rtmidi"), ("rtmidi", "trackjammer")):
        cpu, took = _idle_round(order, seconds / 2)
        wall += took
        for kind in used:
            used[kind] += cpu[kind]
    return {kind: cpu / wall * 100 for kind, cpu in used.items()}


def _idle_round(order: tuple[str, str], seconds: float) -> tuple[dict[str, float], float]:
    """CPU seconds of each idle input over `seconds` (started in `order`), and the wall time."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)}
    processes = {}
    try:
        for kind in order:
            processes[kind] = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.idle_input", kind, "--client-name", f"tj-idle-{uuid.uuid4().hex[:8]}"],
                cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            line = processes[kind].stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"the idle {kind} input did not open ({line!r})")
        time.sleep(1.0)  # past the start's own work
        before = {kind: _cpu_ns(p.pid) for kind, p in processes.items()}
        began = time.monotonic()
        time.sleep(seconds)
        after = {kind: _cpu_ns(p.pid) for kind, p in processes.items()}
        wall = time.monotonic() - began
    finally:
        for process in processes.values():
            process.stdin.close()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    # a thread that began during the window counts from 0; one that ended is not seen (none end while idle)
    return {kind: sum(ns - before[kind].get(key, 0) for key, ns in after[kind].items()) / 1e9
            for kind in processes}, wall


def run() -> bool:
    seconds = float(os.environ.get("TJ_INPUT_SECONDS", DEFAULT_SECONDS))
    print(f"input: MIDI played into TrackJammer over JACK (dummy -r 48000 -p 64), a note every 50 ms for {seconds:g} s",
          flush=True)
    before = xruns()
    exact, in_file, count, take_xruns = into_the_take(seconds)
    print("  into the take: when the take says a note was played − when the player sent it, |error| in ms,")
    print("  median / p99 / max (JACK hands a message over at its next 1.33 ms period: up to that is the rig's)")
    print(f"  {'as stamped (exact cycles)':32} {figures(exact):>24}  {len(exact)} of {count} notes, {take_xruns} xruns")
    print(f"  {'in recording.mid (ticks)':32} {figures(in_file):>24}  {len(in_file)} notes")
    found = thru(seconds)
    during = xruns() - before - take_xruns
    print("  thru: the note out − the note in, in ms, median / p99 / max, side by side in one run")
    print(f"  {'TrackJammer: arrival → sent':32} {figures(found['tj inside']):>24}  {len(found['tj inside'])} notes"
          " (the input's stamp → the sending process's send)")
    print(f"  {'rtmidi loop: callback → sent':32} {figures(found['loop inside']):>24}  "
          f"{len(found['loop inside'])} notes")
    print(f"  {'TrackJammer: player → receiver':32} {figures(found['tj end to end']):>24}  "
          f"{len(found['tj end to end'])} of {found['sent'][0]} notes")
    print(f"  {'rtmidi loop: player → receiver':32} {figures(found['loop end to end']):>24}  "
          f"{len(found['loop end to end'])} of {found['sent'][0]} notes, {during} xruns")
    idle_seconds = float(os.environ.get("TJ_IDLE_SECONDS", IDLE_SECONDS))
    cost = idle(idle_seconds)
    tj, bare = cost["trackjammer"], cost["rtmidi"]
    difference = tj - bare
    meets = difference <= IDLE_TARGET
    print(f"  idle: an open input, nothing played to it, {idle_seconds:g} s side by side: % of a core (user + sys)")
    print(f"  {'TrackJammer input':32} {tj:>8.2f} %  (its process and the processes it started)")
    print(f"  {'bare python-rtmidi JACK input':32} {bare:>8.2f} %")
    ratio = f"{tj / bare:.2f}x" if bare > 0 else "n/a"
    print(f"  {'difference (target ≤ 0.2 points)':32} {difference:>+8.2f}    {'meets' if meets else 'MISSES'}, ratio {ratio}")
    return meets


if __name__ == "__main__":
    sys.exit(0 if run() else 1)
