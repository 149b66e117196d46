"""Faults while recording: what a take loses, what is left sounding, and memory over a long run.

Opt-in (minutes): `scripts/bench faults`. On a private JACK server (dummy
driver), a receiving process (tests/support/jack_receiver.py) hears every
trial; the machine is kept busy by TJ_FAULT_BUSY processes spinning on a
core each (default 2: this machine's cores), as on a loaded laptop.

- main killed: `trackjammer run song.tj` is killed with SIGKILL at a random
  moment 1–2 s into its take; the next start (once its sending process has
  gone) recovers the take. Lost: the time from the first message that
  sounded but is not in the take (no message of the same bytes within 0.3 s
  of it: `missing_from_take`) to the kill, 0 when the take holds everything
  that sounded; beside it, as it was counted before (by bytes alone, which
  a message the receiver reports twice makes look like seconds lost). Left
  sounding: note-ons the receiver heard with no note-off after them.
- sender killed: an engine plays a dense pattern (44 notes a second) and its
  sending process is killed at a random moment; the process started in its
  place plays on. Gap: the longest silence at the receiver around the kill
  (the pattern's own spacing is at most 42 ms). Missing: note-ons heard but
  not in the take.
- soak: `trackjammer run` plays eight tracks and two CC lanes into its own
  virtual port for TJ_SOAK_SECONDS (default 600), recording; RSS of the main
  and the sending process after 5 s and at the end.

    scripts/bench faults                                  10 + 10 trials, 10-minute soak
    TJ_FAULT_TRIALS=3 TJ_SOAK_SECONDS=30 scripts/bench faults   a short try
    TJ_FAULT_PARTS=main scripts/bench faults              only the main kills (main, sender, soak)

A trial that loses time prints what it lost: the first message that
sounded and is not in the take, how long before the kill it sounded, and
how the take ends.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SONG = """cps(1);
let a = MidiTrack(1); a << [C4 [E4 G4]](3,8); a.cc(74) << Sine(1);
let b = MidiTrack(2, 90); b << [C2 ~ C2@2].gate(1/2); b.vel << [60 100];
"""
DENSE = "cps(1); let a = MidiTrack(1); a << [C4*24]; let b = MidiTrack(2); b << [E4*20]"
# seconds: a message heard is in the take when the take has the same bytes
# this close to when it was heard: wide enough for the delay of an xrun at
# the receiver, narrow beside a cycle (1 s in SONG), after which the same
# notes come again. Losing 250 ms of the take loses notes, which show.
NEAR = 0.3
SOAK = "cps(1/2);\n" + "".join(
    f"let t{i} = MidiTrack({i}); t{i} << [{n}*16];\n" for i, n in enumerate("C4 D4 E4 F4 G4 A4 B4 C5".split(), 1)
) + "t1.cc(74) << Sine(0.25); t2.cc(1) << Saw(1).range(20, 100);\n"


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT)}


def _burners(count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.kill()
        process.wait()


def _left_sounding(messages: list[bytes]) -> int:
    sounding: set[tuple[int, int]] = set()
    for data in messages:
        key = (data[0] & 0x0F, data[1])
        if data[0] & 0xF0 == 0x90 and data[2] > 0:
            sounding.add(key)
        elif data[0] & 0xF0 in (0x80, 0x90):
            sounding.discard(key)
    return len(sounding)


def _take_messages(path: Path) -> list[bytes]:
    from tests.engine.test_recorder_jack import recorded
    from tests.midi.conftest import read_midi

    return [data for _, data in recorded(read_midi(path))]


def _take_times(path: Path) -> list[tuple[float, bytes]]:
    """(seconds from the take's start, bytes) of every channel message of a take."""
    from tests.engine.test_recorder_jack import recorded, seconds_of
    from tests.midi.conftest import read_midi

    midi = read_midi(path)
    seconds = seconds_of(midi)
    return [(seconds(tick), data) for tick, data in recorded(midi)]


def missing_from_take(heard: list, take: list[tuple[float, bytes]]) -> list:
    """The messages heard that the take does not hold: none of the same bytes
    within NEAR of when it was heard (the take's times put on the receiver's
    clock by the median offset). Matching by time, not by counting bytes:
    under load the receiver (rtmidi's input queue) now and then reports one
    message twice in place of the next, and a count charged the missing copy
    to the first message of those bytes in the take, a second or more before
    the kill (the outliers of 543, 698, 918, 1101 and 1578 ms)."""
    if not take:
        return list(heard)
    times: dict[bytes, list[float]] = {}
    for at, data in take:
        times.setdefault(data, []).append(at)
    first = next((m for m in heard if m.data in times), None)
    if first is None:
        return list(heard)
    offset = first.time_ns / 1e9 - times[first.data][0]

    def nearest(message) -> float:
        return min((abs(message.time_ns / 1e9 - offset - at) for at in times.get(message.data, [])),
                   default=math.inf)

    drift = sorted(message.time_ns / 1e9 - offset - min(times[message.data], key=lambda at: abs(
        message.time_ns / 1e9 - offset - at)) for message in heard if message.data in times)
    offset += drift[len(drift) // 2]  # the median: what a late first message cannot skew
    return [message for message in heard if nearest(message) > NEAR]


def main_killed(folder: Path, busy: int) -> tuple[float, int, int, int, str, float]:
    """One trial: (ms lost, notes left sounding at the receiver, and in the take, xruns, what was lost,
    ms lost as counted before: by bytes)."""
    from tests.support.jack_receiver import JackReceiver
    from tests.support.xruns import xruns

    before = xruns()

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "song.tj").write_text(SONG)
    (folder / "nothing.tj").write_text("// nothing\n")
    with JackReceiver() as rx:
        child = subprocess.Popen([sys.executable, "-m", "trackjammer", "run", "song.tj", "--backend", "jack",
                                  "--port", rx.port], cwd=folder, env=_env(),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rx.wait_for(4, timeout=20)
        senders = _children(child.pid)
        burners = _burners(busy)
        try:
            time.sleep(random.uniform(1.0, 2.0))
            killed_at = time.monotonic_ns()
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        finally:
            _stop(burners)
        deadline = time.monotonic() + 5  # the sending process ends every note, journals them, and goes
        while any(Path(f"/proc/{pid}").exists() and _state(pid) not in "ZX" for pid in senders):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        time.sleep(0.1)
    subprocess.run([sys.executable, "-m", "trackjammer", "run", "--offline", "nothing.tj"], cwd=folder,
                   env=_env(), capture_output=True, timeout=60)
    heard = rx.messages
    takes = list(folder.glob("renders/song/*/recording.mid"))
    in_take = _take_messages(takes[0]) if takes else []
    missing = missing_from_take(heard, _take_times(takes[0]) if takes else [])
    lost = max([0.0] + [(killed_at - m.time_ns) / 1e6 for m in missing])
    what = "" if not missing else (
        f"{len(missing)} heard, not in the take: " + ", ".join(
            f"{m.data.hex()} {(m.time_ns - killed_at) / 1e6:+.1f} ms" for m in missing[:8])
        + f"; {len(heard)} heard, {len(in_take)} in the take, which ends "
        + " ".join(d.hex() for d in in_take[-4:]) + f"; {len(takes)} takes")
    taken = Counter(in_take)
    counted_at = None
    for message in reversed(heard):  # as counted before: the earliest heard whose bytes the take has too few of
        if taken[message.data] > 0:
            taken[message.data] -= 1
        else:
            counted_at = message.time_ns
    counted = 0.0 if counted_at is None else max(0.0, (killed_at - counted_at) / 1e6)
    return lost, _left_sounding([m.data for m in heard]), _left_sounding(in_take), xruns() - before, what, counted


def sender_killed(folder: Path, busy: int) -> tuple[float, int, int, int, int]:
    """One trial: (ms of silence around the kill, note-ons heard but not in the take, left sounding at
    the receiver and in the take, xruns)."""
    import trackjammer.core  # noqa: F401
    from tests.support.xruns import xruns
    from tests.support.jack_receiver import JackReceiver
    from trackjammer.engine.live import open_live
    from trackjammer.lang.evaluator import Interpreter
    from trackjammer.project.takes import RenderTakes
    from trackjammer.session import Session

    before = xruns()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    session = Session(out=lambda text: None)
    Interpreter(session).execute(DENSE)
    with JackReceiver() as rx:
        engine, _ = open_live(session, rx.port, "jack", lambda text: None, takes=RenderTakes(folder))
        rx.wait_connected()
        burners = _burners(busy)
        try:
            engine.start(until=4)
            time.sleep(random.uniform(1.0, 2.5))
            killed_at = time.monotonic_ns()
            os.kill(engine.sender.process.pid, signal.SIGKILL)
            engine.finished.wait(15)
        finally:
            engine.close()
            _stop(burners)
        time.sleep(0.1)
    heard = rx.messages
    times = [m.time_ns for m in heard]
    around = [t for t in times if killed_at - 200_000_000 <= t <= killed_at + 3_000_000_000]
    gap = max((b - a for a, b in zip(around, around[1:])), default=0) / 1e6
    (take,) = folder.glob("renders/*/*/recording.mid")
    in_take = _take_messages(take)
    taken = Counter(d for d in in_take if d[0] & 0xF0 == 0x90)
    missing = (Counter(m.data for m in heard if m.data[0] & 0xF0 == 0x90) - taken).total()
    return gap, missing, _left_sounding([m.data for m in heard]), _left_sounding(in_take), xruns() - before


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "X"


def soak(folder: Path, seconds: float) -> tuple[tuple[int, int], tuple[int, int]]:
    """((main RSS start, end), (sender RSS start, end)) in KiB. It plays into
    its own virtual port: a receiver holding ten minutes of MIDI would be
    measured as much as TrackJammer."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "soak.tj").write_text(SOAK)
    child = subprocess.Popen([sys.executable, "-m", "trackjammer", "run", "soak.tj", "--backend", "jack"],
                             cwd=folder, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(5)
        sender = min(_children(child.pid), default=0)  # the first started: the one playing (the other waits)
        start = (_rss_kb(child.pid), _rss_kb(sender))
        time.sleep(max(0.0, seconds - 5))
        end = (_rss_kb(child.pid), _rss_kb(sender))
    finally:
        child.terminate()
        child.wait(timeout=30)
    return (start[0], end[0]), (start[1], end[1])


def _summary(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]
    return f"median {ordered[len(ordered) // 2]:.0f}, p99 {p99:.0f}, max {ordered[-1]:.0f}"


def run() -> bool:
    trials = int(os.environ.get("TJ_FAULT_TRIALS", "10"))
    busy = int(os.environ.get("TJ_FAULT_BUSY", "2"))
    seconds = float(os.environ.get("TJ_SOAK_SECONDS", "600"))
    parts = os.environ.get("TJ_FAULT_PARTS", "main,sender,soak").split(",")
    server = None
    if not os.environ.get("JACK_DEFAULT_SERVER"):  # run directly, not from scripts/bench
        from tests.support.jack_server import PrivateJackServer

        server = PrivateJackServer(name=f"trackjammer-bench-{os.getpid()}").start()
        os.environ.update(JACK_DEFAULT_SERVER=server.name, JACK_NO_START_SERVER="1", JACK_NO_AUDIO_RESERVATION="1")
    root = Path(tempfile.mkdtemp(prefix="trackjammer-faults-"))
    ok = True
    try:
        print(f"faults: {trials} kills of each process, {busy} busy processes beside them, a {seconds:g} s soak",
              flush=True)
        main, sent = [], []
        if "main" in parts:
            rig = 0
            while len(main) < trials:
                try:
                    main.append(main_killed(root / "main", busy))
                except RuntimeError as error:  # the receiver crashed (it segfaults now and then): the rig's
                    rig += 1
                    print(f"    a trial again: {error}", flush=True)
                    continue
                if main[-1][4] or main[-1][5]:
                    print(f"    trial {len(main)}: {main[-1][0]:.0f} ms lost ({main[-1][5]:.0f} as counted by bytes);"
                          f" {main[-1][4] or 'nothing missing'}", flush=True)
            lost = [m[0] for m in main] or [0.0]
            print(f"  main process killed (SIGKILL), {trials} trials: ms lost {_summary(lost)}"
                  f" (counted by bytes, as before: {_summary([m[5] for m in main] or [0.0])}); notes left sounding:"
                  f" at the receiver {sum(m[1] for m in main)}, in the take {sum(m[2] for m in main)}"
                  f" (xruns logged {sum(m[3] for m in main)}: an xrun drops MIDI at the receiver;"
                  f" {rig} trials again: the receiver crashed)", flush=True)
        if "sender" in parts:
            sent = [sender_killed(root / "sender", busy) for _ in range(trials)]
            print(f"  sending process killed, {trials} trials: gap ms {_summary([s[0] for s in sent] or [0.0])};"
                  f" notes missing from the take {sum(s[1] for s in sent)}; notes left sounding: at the receiver"
                  f" {sum(s[2] for s in sent)}, in the take {sum(s[3] for s in sent)} (xruns {sum(s[4] for s in sent)})",
                  flush=True)
        if "soak" in parts:
            (main_start, main_end), (sender_start, sender_end) = soak(root / "soak", seconds)
            print(f"  soak {seconds:g} s, eight tracks and two CC lanes: RSS main {main_start / 1024:.1f} → "
                  f"{main_end / 1024:.1f} MiB, sending process {sender_start / 1024:.1f} → {sender_end / 1024:.1f} MiB")
        ok = max([m[0] for m in main], default=0) <= 250 and not any(m[2] for m in main) and not any(
            s[1] or s[3] for s in sent)
        verdict = "met" if ok else "MISSED"
        print(f"  target: ≤ 250 ms lost, no note left sounding in a take, no note missing: {verdict}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
        if server is not None:
            server.stop()
    return ok


if __name__ == "__main__":
    sys.exit(0 if run() else 1)
