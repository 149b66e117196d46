"""MIDI input over a real JACK server: what a hand-written player sends into
TrackJammer's input is in the take at the time it was played, plays
through a track, teaches a knob, and loops as layers.

The player is tests/support/clock_sender.py (a process of its own that
sends any plan of messages at exact times and logs when each left); the
receiver (tests/support/jack_receiver.py) hears TrackJammer's output. The
dummy server drops, delays or doubles MIDI around its xruns
(tests/support/xruns.py), on the way in as on the way out: what was heard
(by the receiver, or by TrackJammer: its take) is matched to what was sent
by bytes and time (tests/support/heard.py), and a double, a loss or a late
message is excused only near a logged xrun. A failing attempt with xruns
is retried.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from fractions import Fraction as F
from pathlib import Path

import pytest

import trackjammer.core  # noqa: F401
from tests.engine.test_inputs import ALL_KINDS, messages
from tests.midi.conftest import read_midi
from tests.support.clock_sender import ClockSender
from tests.support.heard import Hearing, assert_heard
from tests.support.jack_receiver import JackReceiver, jack_connections
from tests.support.xruns import Xruns, retry_on_xrun, xruns
from trackjammer.core.knobs import KNOBS
from trackjammer.engine.live import CHUNK, FAR_LOOKAHEAD, SENDER_LOOKAHEAD, open_live
from trackjammer.lang.evaluator import Interpreter
from trackjammer.project.takes import RenderTakes
from trackjammer.session import Session

pytestmark = pytest.mark.jack

WITHIN = 0.002  # seconds: a message is in the take within 2 ms of when it was played
THRU_WITHIN = 0.005  # seconds: played through, out again within 5 ms (in, then out: two JACK periods and more)
TICKS = 1920  # a cycle at 4 beats: at cps 1 a tick is 0.52 ms
REPO = Path(__file__).resolve().parents[2]


class Phrase:
    """A plan for the player: (seconds after its start, bytes)."""

    def __init__(self) -> None:
        self.events: list[tuple[float, list[int]]] = []

    def at(self, t: float, *data: int) -> Phrase:
        self.events.append((t, list(data)))
        return self


def played_in() -> Phrase:
    """A phrase of five notes, a CC 74 sweep, a pitch bend sweep, with MIDI
    clock between them (not recorded), over 1.2 s."""
    p = Phrase()
    for k, note in enumerate((60, 62, 64, 65, 67)):
        p.at(0.05 + 0.2 * k, 0x90, note, 70 + 10 * k).at(0.15 + 0.2 * k, 0x80, note, 0)
    for k in range(16):
        p.at(0.07 + 0.05 * k, 0xB0, 74, 8 * k + 7)
    for k in range(9):  # 5 ms or more from any other message: at one tick, a take orders them by kind
        p.at(0.635 + 0.06 * k, 0xE0, 0, 8 * k + 32)
    p.at(0.3, 0xF8).at(1.2, 0xF8)
    p.events.sort(key=lambda e: e[0])
    return p


@dataclass(frozen=True)
class Heard:
    """A message as heard: its bytes and when (CLOCK_MONOTONIC ns)."""
    data: bytes
    time_ns: int


STATUS = {"note_on": 0x90, "note_off": 0x80, "control_change": 0xB0, "pitchwheel": 0xE0}


def taken(midi, track: int, engine) -> list[Heard]:
    """What TrackJammer heard, as its take holds it: each message at its tick's time on the engine's clock."""
    return [Heard(bytes([STATUS[kind] | channel, *fields]), round(engine.clock.time_of(F(tick, TICKS)) * 1e9))
            for tick, kind, channel, *fields in messages(midi, track)]


PAIR_NS = 20_000_000  # an arrival is paired with a message of its bytes sent this close (then timed: within_ns)


def heard_on_time(arrived, sent: list[tuple[int, bytes]], xruns: Xruns, within_ns: float) -> Hearing:
    """What arrived is what was sent ((CLOCK_MONOTONIC ns, bytes)): with no xrun message for message in
    order; each within `within_ns` of its own time on the common clock (not only of the others); in
    sending order; a double, a loss or a late one only near an xrun (tests/support/heard.py). Paired
    within PAIR_NS of the start heard.py finds (an arrival early of it by more than its tolerance would be
    "never sent"), timed here against the common clock."""
    hearing = assert_heard(arrived, [(ns / 1e9, data) for ns, data in sent], xruns, max(within_ns, PAIR_NS))
    late = [(r.data.hex(" "), round((r.time_ns - sent[i][0]) / 1e6, 2)) for r, i, _ in hearing.pairs
            if abs(r.time_ns - sent[i][0]) > within_ns and not xruns.near(r.time_ns)]
    assert len(late) <= 2 * xruns.count, f"beyond {within_ns / 1e6:g} ms of when they were sent (ms): {late}"
    order = [i for _, i, _ in hearing.pairs]
    swapped = [r.data.hex(" ") for (r, i, _), before in zip(hearing.pairs[1:], order)
               if i < before and not xruns.near(r.time_ns)]
    assert not swapped, f"heard out of order: {swapped}"
    return hearing


def wait_connected(port: str, server: str, count: int = 1) -> None:
    deadline = time.monotonic() + 5
    while len(jack_connections(port, server)) < count:
        assert time.monotonic() < deadline, f"nothing connected to {port}"
        time.sleep(0.01)
    time.sleep(0.05)


def the_take(base: Path):
    (path,) = sorted(base.glob("renders/*/*/recording.mid"))
    return read_midi(path, ALL_KINDS)


def live(program: str, rx: JackReceiver, said: list[str]):
    session = Session(out=said.append)
    interpreter = Interpreter(session)
    engine, _ = open_live(session, rx.port, "jack", said.append, takes=RenderTakes())
    session.engine = engine
    interpreter.execute(program)
    engine.commit()
    return engine, interpreter


def test_a_phrase_cc_sweeps_and_bends_played_in_are_in_the_take_within_2_ms_beside_the_pattern(jack_server, tmp_path):
    retry_on_xrun(lambda: _played_in(jack_server, tmp_path))


def _played_in(jack_server, tmp_path):
    shutil.rmtree(tmp_path / "renders", ignore_errors=True)
    xr = Xruns()
    said: list[str] = []
    with JackReceiver(server=jack_server) as rx, ClockSender(played_in(), jack_server) as player:
        engine, _ = live("cps(1); let a = MidiTrack(1); a << [C4 E4 G4 C5]", rx, said)
        try:
            assert engine.input(player.port) == player.port
            wait_connected(player.port, jack_server)
            rx.wait_connected()
            engine.start(until=3)
            time.sleep(max(0.0, engine.clock.time_of(F(1, 2)) - time.monotonic()))
            sent = player.go(timeout=10)
            assert engine.finished.wait(10)
        finally:
            engine.close()
    midi = the_take(tmp_path)
    assert [midi.track_name(i) for i in range(1, len(midi.tracks))] == ["a", player.port]
    # the pattern, exactly, beside the input
    assert [(t, n) for t, kind, _, n, _ in midi.channel_events(1) if kind == "note_on"] == [
        (480 * k, (60, 64, 67, 72)[k % 4]) for k in range(12)]
    # every message played (MIDI clock aside), in order, each at the time it was played (the player's send
    # time on the engine's clock) within 2 ms; with no xrun message for message
    played = [(ns, data) for data, ns in sent if data[0] < 0xF0]
    assert len(played) == 5 * 2 + 16 + 9
    heard_on_time(taken(midi, 2, engine), played, xr, WITHIN * 1e9)
    assert [m for m in said if not m.startswith("recorded: ")] == []


def test_thru_plays_the_transposed_note_on_the_tracks_channel_and_the_take_holds_it_once(jack_server, tmp_path):
    retry_on_xrun(lambda: _thru(jack_server, tmp_path))


def _thru(jack_server, tmp_path):
    shutil.rmtree(tmp_path / "renders", ignore_errors=True)
    xr = Xruns()
    said: list[str] = []
    phrase = Phrase()
    for k, note in enumerate((60, 64, 67)):
        phrase.at(0.05 + 0.1 * k, 0x90, note, 100 - k).at(0.1 + 0.1 * k, 0x80, note, 0)
    with JackReceiver(server=jack_server) as rx, ClockSender(phrase, jack_server) as player:
        engine, interpreter = live("cps(1); let lead = MidiTrack(3); lead.transpose(12)", rx, said)
        try:
            interpreter.execute(f'input("{player.port}", thru: lead)')
            wait_connected(player.port, jack_server)
            rx.wait_connected()
            engine.start(until=1)
            time.sleep(0.1)
            sent = player.go(timeout=10)
            assert engine.finished.wait(10)
        finally:
            engine.close()
    through = [(0x92, 72, 100), (0x82, 72, 0), (0x92, 76, 99), (0x82, 76, 0), (0x92, 79, 98), (0x82, 79, 0)]
    # played in at these times, each comes out transposed on lead's channel
    played = [(ns, bytes(t)) for (data, ns), t in zip(sent, through, strict=True)]
    heard = [m for m in rx.messages if m.data[0] & 0x0F == 2]
    assert heard[-1].data == bytes([0xB2, 123, 0])  # closing ends the channel
    heard_on_time(heard[:-1], played, xr, THRU_WITHIN * 1e9)
    midi = the_take(tmp_path)
    assert len(midi.tracks) == 2 and midi.track_name(1) == "channel 3"  # once: no track of the input beside it
    # a bounded take ends at its cycle: CC 123 after it
    heard_on_time(taken(midi, 1, engine), played, xr, WITHIN * 1e9)


def test_learn_binds_the_controller_moved_and_the_knob_drives_the_lane(jack_server, tmp_path):
    retry_on_xrun(lambda: _learn(jack_server, tmp_path))


def _learn(jack_server, tmp_path):
    KNOBS.forget()
    xr = Xruns()
    said: list[str] = []
    phrase = Phrase().at(0.05, 0x90, 40, 1).at(0.06, 0x80, 40, 0).at(0.2, 0xB3, 16, 99).at(0.6, 0xB3, 16, 20)
    with JackReceiver(server=jack_server) as rx, ClockSender(phrase, jack_server) as player:
        engine, interpreter = live("cps(1); let lead = MidiTrack(1); lead << [C4]", rx, said)
        try:
            interpreter.execute(f'input("{player.port}"); lead.cc(74).learn()')
            engine.commit()
            wait_connected(player.port, jack_server)
            rx.wait_connected()
            engine.start(until=2)
            time.sleep(0.1)
            sent = player.go(timeout=10)
            assert engine.finished.wait(10)
        finally:
            engine.close()
    assert said[:2] == ["learn: move a controller; it will drive lead.cc(74)",
                        f"learned: lead.cc(74) follows CC 16 on '{player.port}' (knob(16, \"{player.port}\"))"]
    # each move of the knob drives the lane once, in order; the transport may lose or double one near an xrun
    moved = [(ns, bytes([0xB0, 74, data[2]])) for data, ns in sent if data[0] == 0xB3]
    ccs = [m for m in rx.messages if m.data[0] == 0xB0 and m.data[1] == 74]
    if xr.count == 0:
        assert [m.data for m in ccs] == [data for _, data in moved]
    once = [m for k, m in enumerate(ccs) if k == 0 or m.data != ccs[k - 1].data]
    doubled = [m for k, m in enumerate(ccs) if k and m.data == ccs[k - 1].data]
    rest = iter([data for _, data in moved])
    assert all(m.data in rest for m in once), [m.data.hex(" ") for m in ccs]  # in the order moved
    unheard = [ns for ns, data in moved if data not in [m.data for m in once]]
    assert all(xr.near(ns) for ns in unheard) and all(xr.near(m.time_ns) for m in doubled), (
        [m.data.hex(" ") for m in ccs], xr.count)


def test_while_an_input_is_open_what_plays_is_handed_over_only_a_short_way_ahead(jack_server, tmp_path, monkeypatch):
    """A knob or a note played in changes what plays between two inputs of
    the performer's, with nothing to take back what was handed over: with
    an input open the engine asks 150 ms ahead, not 650 (engine/live.py)."""
    monkeypatch.chdir(tmp_path)  # the take goes under renders/ here
    said: list[str] = []
    with JackReceiver(server=jack_server) as rx:
        engine, interpreter = live("cps(1); let lead = MidiTrack(1); lead << [C4*8]", rx, said)
        scheduler = engine.scheduler
        ahead = lambda: scheduler.horizon - scheduler.position()  # noqa: E731
        try:
            engine.start()
            time.sleep(0.3)
            assert (scheduler.chunk, scheduler.lookahead) == (CHUNK, FAR_LOOKAHEAD)
            deadline = time.monotonic() + 1
            while ahead() < 0.3 and time.monotonic() < deadline:
                time.sleep(0.005)
            interpreter.execute("input()")  # the virtual input, "TrackJammer in"
            engine.commit()
            assert (scheduler.chunk, scheduler.lookahead) == (CHUNK, SENDER_LOOKAHEAD)
            assert ahead() < SENDER_LOOKAHEAD + 0.01  # what was handed over further was taken back
            time.sleep(0.5)
            assert ahead() < SENDER_LOOKAHEAD + 0.01
            interpreter.execute('input("TrackJammer in", off: true)')
            engine.commit()
            assert (scheduler.chunk, scheduler.lookahead) == (CHUNK, FAR_LOOKAHEAD)
        finally:
            engine.close()


def test_three_overdub_passes_give_three_layers_with_exact_notes(jack_server, tmp_path):
    retry_on_xrun(lambda: _overdub(jack_server, tmp_path))


PASSES = [((0.25, 60, 90), (0.5, 64, 91)), ((0.375, 67, 92),), ((0.625, 72, 93),)]


def _overdub(jack_server, tmp_path):
    xr = Xruns()
    said: list[str] = []
    phrase = Phrase()
    for k, notes in enumerate(PASSES):
        for at, note, velocity in notes:
            phrase.at(k + at, 0x90, note, velocity).at(k + at + 0.1, 0x80, note, 0)
    with JackReceiver(server=jack_server) as rx, ClockSender(phrase, jack_server) as player:
        engine, interpreter = live("cps(1); let lead = MidiTrack(1)", rx, said)
        try:
            interpreter.execute(f'input("{player.port}")')
            wait_connected(player.port, jack_server)
            rx.wait_connected()
            engine.start(until=5)
            interpreter.execute("loop_record(lead, 1)")
            engine.commit()
            start = engine.midi_in.loops.recording(interpreter.session.names["lead"])[0]
            # the player starts 10 ms after it is told to go
            time.sleep(max(0.0, engine.clock.time_of(start) - 0.01 - time.monotonic()))
            sent = player.go(timeout=10)
            assert engine.finished.wait(10)
            layers = engine.midi_in.loops.layers(interpreter.session.names["lead"])
        finally:
            engine.close()
    assert said[0] == f"loop: lead records passes of 1 cycle from cycle {start}"
    # a layer per pass, of the notes played in it, each where it was played within 2 ms (a cycle is a
    # second), held as long as it was
    ons = [(ns, bytes(data)) for data, ns in sent if data[0] == 0x90]
    assert [data for _, data in ons] == [bytes([0x90, n, v]) for notes in PASSES for _, n, v in notes]
    if xr.count == 0:
        assert [layer.origin for layer in layers] == [start, start + 1, start + 2]
        assert [[(n, v) for _, _, n, v in layer.notes] for layer in layers] == [
            [(n, v) for _, n, v in notes] for notes in PASSES]
    in_layers = [Heard(bytes([0x90, n, v]), round(engine.clock.time_of(layer.origin + begin) * 1e9))
                 for layer in layers for begin, _, n, v in layer.notes]
    hearing = heard_on_time(in_layers, ons, xr, WITHIN * 1e9)
    # (each at its time: so in its own pass's layer) one layer a pass, in order
    assert [layer.origin for layer in layers] == sorted({layer.origin for layer in layers})
    assert {layer.origin for layer in layers} <= {start, start + 1, start + 2}
    for layer in layers:
        for begin, end, note, _ in layer.notes:
            t = engine.clock.time_of(layer.origin + begin)
            held = None if end is None else float(end - begin)  # None: its note-off never came
            assert (held is not None and abs(held - 0.1) <= 2 * WITHIN) or xr.near(t * 1e9), (note, held)
    # each layer plays from the pass after its own (pass 2 has layer 1, pass 3 layers 1 and 2, pass 4 all
    # three), as it was recorded, each note within 5 ms
    played_back = sorted((round(engine.clock.time_of(F(start + k) + begin) * 1e9), bytes([0x90, n, v]))
                         for layer in layers for k in range(int(layer.origin - start) + 1, 4)
                         for begin, _, n, v in layer.notes)
    heard_on_time([m for m in rx.messages if m.data[0] == 0x90], played_back, xr, 0.005e9)


def test_kill_9_mid_take_loses_at_most_250_ms_of_input(jack_server, tmp_path):
    retry_on_xrun(lambda: _killed(jack_server, tmp_path))


CHILD = """
import sys, time
import trackjammer
from trackjammer.engine.live import CHUNK, FAR_LOOKAHEAD, SENDER_LOOKAHEAD, open_live
from trackjammer.lang.evaluator import Interpreter
from trackjammer.project.takes import RenderTakes
from trackjammer.session import Session

session = Session(project="song")
interpreter = Interpreter(session)
engine, _ = open_live(session, sys.argv[1], "jack", lambda text: print(text, file=sys.stderr, flush=True),
                      takes=RenderTakes())
session.engine = engine
interpreter.execute("cps(1); let a = MidiTrack(1); a << [C4 E4]")
engine.commit()
interpreter.execute('input("' + sys.argv[2] + '")')
engine.start()
print("playing", flush=True)
time.sleep(60)
"""


def _killed(jack_server, tmp_path):
    shutil.rmtree(tmp_path / "renders", ignore_errors=True)
    xr = Xruns()
    phrase = Phrase()
    for k in range(300):  # a controller every 10 ms for 3 s, each (number, value) once
        phrase.at(0.01 * k, 0xB0, 20 + k // 128, k % 128)
    env = {**os.environ, "JACK_DEFAULT_SERVER": jack_server, "PYTHONPATH": str(REPO)}
    with JackReceiver(server=jack_server) as rx, ClockSender(phrase, jack_server) as player:
        child = subprocess.Popen([sys.executable, "-c", CHILD, rx.port, player.port], cwd=tmp_path, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "playing"
            wait_connected(player.port, jack_server)
            player._proc.stdin.write("go\n")  # noqa: SLF001 - the player is told to go, and left to play on
            player._proc.stdin.flush()
            time.sleep(2.0)
            killed = time.monotonic_ns()
            os.kill(child.pid, signal.SIGKILL)
            child.communicate(timeout=10)
            assert player._proc.stdout.readline().strip() == "done"
            sent = [(bytes(item["data"]), item["sent_ns"])
                    for item in map(json.loads, player.out_path.read_text().splitlines())]
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        time.sleep(0.3)
    (tmp_path / "nothing.tj").write_text("// nothing to play\n")
    after = subprocess.run([sys.executable, "-m", "trackjammer", "run", "--offline", "nothing.tj"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=30)
    assert after.returncode == 0 and "recovered a take" in after.stderr, after.stderr
    midi = the_take(tmp_path)
    assert midi.track_name(2) == player.port
    taken = [(e[3], e[4]) for e in messages(midi, 2)]
    played = [((d[1], d[2]), ns) for d, ns in sent]
    must = [(value, ns) for value, ns in played if ns < killed - 250_000_000]
    assert len(must) > 150
    assert set(taken) <= {value for value, _ in played}  # nothing that was not played
    # every one played 250 ms or more before the kill is in the take, but for what the transport lost near an xrun
    missing = [(value, ns) for value, ns in must if value not in taken and not xr.near(ns)]
    assert not missing, f"{len(missing)} messages played in 250 ms or more before the kill are lost: {missing[:5]}"
    last = max(ns for value, ns in played if value in taken)
    print(f"input lost at the kill: {(killed - last) / 1e6:.1f} ms")


def test_a_phrase_played_on_a_keyboard_is_captured_as_code_and_plays_back_on_the_grid(jack_server, tmp_path):
    retry_on_xrun_or_late_player(lambda: _captured(jack_server, tmp_path))


# two cycles of a second: (seconds after cycle 1 begins, seconds held, note, velocity), played a little off the grid
# seconds: a player this far off cycle 1 still plays the riff this test expects (measured: 15 ms late on a
# quiet machine; none early, or the first note, 6 ms after cycle 1 begins, falls into cycle 0)
PLAYER_ON_TIME = (-0.004, 0.03)
RIFF = ((0.006, 0.11, 60, 100), (0.247, 0.12, 63, 80), (0.495, 0.24, 67, 90), (0.503, 0.24, 70, 91),
        (1.254, 0.26, 72, 40))


class PlayedOffTheBeat(AssertionError):
    """The player (a process of its own, told to go by a pipe) started late on a loaded machine: what it
    played is not the riff on the grid this test expects. Not TrackJammer's doing: the attempt is made again."""


def retry_on_xrun_or_late_player(attempt, attempts: int = 4):
    """retry_on_xrun, and also when the player started off the beat."""
    for number in range(1, attempts + 1):
        before = xruns()
        try:
            return attempt()
        except PlayedOffTheBeat:
            if number == attempts:
                raise
        except AssertionError as error:
            if number == attempts or xruns() == before:
                error.args = (f"{error.args[0] if error.args else ''}\n(attempt {number}: the JACK server logged "
                              f"{xruns() - before} xruns during it)",)
                raise
    raise AssertionError("unreachable")


def _captured(jack_server, tmp_path):
    shutil.rmtree(tmp_path / "renders", ignore_errors=True)  # a retry starts from no take
    xr = Xruns()
    said: list[str] = []
    phrase = Phrase()
    for at, held, note, velocity in RIFF:
        phrase.at(at, 0x90, note, velocity).at(at + held, 0x80, note, 0)
    phrase.events.sort(key=lambda e: e[0])
    with JackReceiver(server=jack_server) as rx, ClockSender(phrase, jack_server) as player:
        engine, interpreter = live("cps(1); let lead = MidiTrack(2)", rx, said)
        try:
            interpreter.execute(f'input("{player.port}")')
            wait_connected(player.port, jack_server)
            rx.wait_connected()
            engine.start(until=6)
            # the player starts 10 ms after it is told to go (and a few ms more: waking it): cycle 1 begins with it
            time.sleep(max(0.0, engine.clock.time_of(F(1)) - 0.01 - time.monotonic()))
            sent = player.go(timeout=10)
            time.sleep(max(0.0, engine.clock.time_of(F(31, 10)) - time.monotonic()))
            interpreter.execute("let riff = capture(2); lead << riff")
            engine.commit()
            riff = interpreter.session.names["riff"]
            assert engine.finished.wait(10)
        finally:
            engine.close()
    assert len(sent) == 2 * len(RIFF)
    cycle_1 = engine.clock.time_of(F(1))
    off = [round(ns / 1e9 - cycle_1 - at, 4) for (_, ns), (at, _) in zip(sent, phrase.events)]
    if not PLAYER_ON_TIME[0] <= min(off) <= max(off) <= PLAYER_ON_TIME[1]:
        raise PlayedOffTheBeat(f"the player played off its plan by (s) {off}")
    # what TrackJammer heard (the take's input track): each note as played, within 2 ms, but near an xrun
    midi = the_take(tmp_path)
    played = [(ns, bytes(data)) for data, ns in sent]
    heard_in = heard_on_time(taken(midi, 2, engine), played, xr, WITHIN * 1e9)
    mangled = heard_in.doubles or heard_in.missing or any(
        abs(r.time_ns - played[i][0]) > WITHIN * 1e9 for r, i, _ in heard_in.pairs)
    if mangled and str(riff) != "[<[C4^100 ~ D#4^80 ~ [G4^90,A#4^91]@2 ~ ~] [~ C5^40 ~ ~]>]":
        return  # the transport changed what TrackJammer heard, near an xrun (above): another riff was captured
    assert str(riff) == "[<[C4^100 ~ D#4^80 ~ [G4^90,A#4^91]@2 ~ ~] [~ C5^40 ~ ~]>]", f"played off by (s) {off}"
    # played back from cycle 4, each note on its step, at its velocity, on lead's channel, within 2 ms
    want = [(4 + F(0), (0x91, 60, 100)), (4 + F(1, 4), (0x91, 63, 80)), (4 + F(1, 2), (0x91, 67, 90)),
            (4 + F(1, 2), (0x91, 70, 91)), (5 + F(1, 4), (0x91, 72, 40))]
    heard_on_time([m for m in rx.messages if m.data[0] == 0x91],
                  [(round(engine.clock.time_of(c) * 1e9), bytes(d)) for c, d in want], xr, WITHIN * 1e9)
    # the take holds what was played in (on the input's track) and the played-back phrase, exactly on the grid
    assert [midi.track_name(i) for i in range(1, len(midi.tracks))] == ["lead", player.port]
    assert [(t, n, v) for t, kind, _, n, v in midi.channel_events(1) if kind == "note_on"] == [
        (int((c - 1) * TICKS), d[1], d[2]) for c, d in want]  # the take begins with cycle 1, where playing in began


def test_a_run_script_opens_its_input_and_the_take_holds_what_was_played_in(jack_server, tmp_path):
    """Before: `run` evaluated the script before the engine existed, so its
    input() (and sync, output, clock_out) did nothing."""
    retry_on_xrun(lambda: _run_script_input(jack_server, tmp_path))


def _run_script_input(jack_server, tmp_path):
    shutil.rmtree(tmp_path / "renders", ignore_errors=True)
    xr = Xruns()
    phrase = Phrase()
    for k, (note, velocity) in enumerate(((60, 90), (64, 91), (67, 92))):
        phrase.at(0.3 + 0.25 * k, 0x90, note, velocity).at(0.4 + 0.25 * k, 0x80, note, 0)
    with JackReceiver(server=jack_server) as rx, ClockSender(phrase, jack_server) as player:
        (tmp_path / "song.tj").write_text(f'input("{player.port}");\nlet a = MidiTrack(1); a << [C2*4]\n')
        child = subprocess.Popen(
            [sys.executable, "-m", "trackjammer", "run", "song.tj", "--backend", "jack", "--port", rx.port,
             "--cycles", "2"],
            cwd=tmp_path, env={**os.environ, "JACK_DEFAULT_SERVER": jack_server, "PYTHONPATH": str(REPO)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            rx.wait_for(1, timeout=20)  # cycle 0 begins (a cycle is 2 s at the default tempo)
            wait_connected(player.port, jack_server)
            sent = player.go(timeout=10)
            _, err = child.communicate(timeout=20)
        finally:
            child.kill()
        assert child.returncode == 0, err
        cycle_0 = rx.messages[0].time_ns  # when cycle 0 began, as the receiver heard its first note
    midi = the_take(tmp_path)
    assert [midi.track_name(i) for i in range(1, len(midi.tracks))] == ["a", player.port]
    # every note played, at the time it was played (a tick is 2 s / 1920), within 2 ms (of the receiver's
    # cycle 0: JACK's period on the way out and in alike)
    ons = [Heard(bytes([0x90, n, v]), cycle_0 + round(t * 2e9 / TICKS))
           for t, kind, _, n, v in midi.channel_events(2) if kind == "note_on"]
    played = [(ns, data) for data, ns in sent if data[0] == 0x90]
    assert [data for _, data in played] == [bytes([0x90, n, v]) for n, v in ((60, 90), (64, 91), (67, 92))]
    if xr.near(cycle_0):  # the first note was held back: cycle 0 is not known to 2 ms
        assert_heard(ons, [(ns / 1e9, data) for ns, data in played], xr, WITHIN * 1e9)
    else:
        heard_on_time(ons, played, xr, WITHIN * 1e9)
