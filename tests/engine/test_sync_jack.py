"""Following an external MIDI clock over a real JACK server.

A hand-written master (tests/support/clock_sender.py, a process of its own)
sends 24-ppqn clock, start, stop, song position and continue at exact
times into TrackJammer's input; its port is also connected to the receiver,
which hears TrackJammer's notes on the same JACK clock. Each beat plays a
note that names its beat (36 + beat number), so where a note arrived says
which position TrackJammer was at.
"""

from __future__ import annotations

import subprocess
import time

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.engine.live import open_live
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session
from tests.support.clock_sender import TICK, ClockSender, Plan
from tests.support.heard import sounding
from tests.support.jack_receiver import JackReceiver, jack_connections
from tests.support.xruns import Xruns, retry_on_xrun

pytestmark = pytest.mark.jack

CYCLES = 12
BEATS = " ".join(f"[{36 + 4 * c} {37 + 4 * c} {38 + 4 * c} {39 + 4 * c}]" for c in range(CYCLES))
SONG = f'let a = MidiTrack(1); a << "<{BEATS}>"'
WITHIN_NS = 2_000_000  # a note arrives within 2 ms of the tick it belongs to
MATCH_NS = 5_000_000  # a tick arrives at the receiver within this of its sending
LEAD = 0.005  # start and continue come 5 ms before their tick (MIDI asks for at least 1 ms): see docs/live.md


def plan() -> Plan:
    """Clock at 120 (stopped, so TrackJammer locks), start; 2 cycles at 120,
    then 140 from cycle 2 on; stop half a beat into cycle 4; clock runs on;
    song position 128 (cycle 8), continue; stop in the last beat of cycle 8."""
    p = Plan(0.05).tempo(120).ticks_for(48)
    p.start(LEAD).ticks_for(193)  # positions 0 … 192: cycles 0, 1 and the tick of cycle 2
    p.tempo(140).ticks_for(396 - 193)  # positions 193 … 395
    p.stop_between().ticks_for(36)
    p.song_position(128).continue_(LEAD).ticks_for(84)  # positions 768 … 851
    return p.stop_between().ticks_for(12)


def connect(source: str, target: str) -> None:
    subprocess.run(["jack_connect", source, target], check=True, capture_output=True, timeout=10)


def test_notes_land_on_the_followed_ticks_through_a_tempo_change_stop_and_song_position(jack_server):
    retry_on_xrun(lambda: _follow(jack_server))


def _follow(jack_server):
    xr = Xruns()
    session = Session(out=lambda text: None)
    Interpreter(session).execute(SONG)
    said: list[str] = []
    the_plan = plan()
    with JackReceiver(server=jack_server) as rx, ClockSender(the_plan, jack_server) as master:
        engine, notice = open_live(session, rx.port, "jack", said.append)
        assert notice is None
        try:
            engine.commit()
            assert engine.sync("clock", master.port) == master.port
            connect(master.port, rx.port)
            held_at_continue: list = []  # what the sending process held when the master continued
            engine.following.port.listen(
                lambda data, _: held_at_continue.append(engine.output.held_notes) if data == b"\xfb" else None)
            deadline = time.monotonic() + 5
            while len(jack_connections(master.port, jack_server)) < 2:
                assert time.monotonic() < deadline, "TrackJammer's input did not connect"
                time.sleep(0.01)
            time.sleep(0.05)
            sent = master.go(timeout=30)
            time.sleep(0.2)
            state = engine.sync_state()
            held_at_end = engine.output.held_notes
        finally:
            engine.close()
        time.sleep(0.05)
    during = xr.count
    assert len(sent) == len(the_plan.events)
    ticks_sent = [n for data, n in sent if data == bytes([TICK])]
    lost = ("warning: the MIDI clock from", "the MIDI clock from")  # a stalled JACK server can pause the ticks
    assert [m for m in said if not m.startswith("recorded: ") and not (during and m.startswith(lost))] == []
    # the tempo of the last beat of ticks (fitted over one beat), unless the transport mangled those ticks
    # near an xrun (seen: 0.13 cps and 0.07 after a thousand xruns, the ticks lost and bunched)
    last_beat = ticks_sent[-24:]
    assert state.source == "clock"
    assert state.cps == pytest.approx(140 / 240, rel=0.01) or any(xr.near(n) for n in last_beat[::6]), (
        state.cps, during)

    received = rx.messages
    ticks_rx = [m.time_ns for m in received if m.data == bytes([TICK])]
    ons = [m for m in received if m.data[0] == 0x90 and m.data[2] > 0]

    sent_at = {}  # position → when the master sent that tick
    period_at = {}  # position → the time between ticks there (ns)
    ns = iter(ticks_sent)
    for (_, position), n in zip(the_plan.ticks, ns):
        if position is not None:
            sent_at[position] = n
    for position in sent_at:
        other = position + 1 if position + 1 in sent_at else position - 1
        period_at[position] = abs(sent_at[other] - sent_at[position])

    # positions exact: the beats of cycles 0 … 3, beat 0 of cycle 4, then cycle 8's four beats, each once
    # and in order; a note the transport lost, or doubled, only near an xrun
    want = list(range(0, 17)) + [32, 33, 34, 35]
    got = [m.data[1] - 36 for m in ons]
    assert [b for b in got if b in want] == got, f"notes at the wrong positions: {got}"
    doubled = [m for k, m in enumerate(ons) if k and m.data == ons[k - 1].data]
    assert all(xr.near(m.time_ns) for m in doubled), [m.data[1] - 36 for m in doubled]
    once = [m.data[1] - 36 for k, m in enumerate(ons) if not k or m.data != ons[k - 1].data]
    assert once == sorted(set(once)), f"notes out of order: {got}"
    missing = [b for b in want if b not in got and not xr.near(sent_at[b * 24])]
    assert not missing, f"missing beats {missing} with {during} xruns"

    # times: within 2 ms of the receiver's arrival of the tick each belongs to; near an xrun the transport
    # may hold either back, and after one TrackJammer may have heard a tick fewer (or more) than was sent:
    # then the note is off by whole ticks, exactly (the follower counts a lost tick from the time it took,
    # see engine/clock_follow.py, but a tick that came late may be counted as it came)
    late = []
    since = {}  # beat → the tick (start or continue) its run began with
    for m in ons:
        beat = m.data[1] - 36
        tick_sent = sent_at[beat * 24]
        arrivals = [t for t in ticks_rx if 0 <= t - tick_sent < MATCH_NS]
        if not arrivals:
            assert xr.near(tick_sent), f"the tick of beat {beat} never arrived, away from any xrun"
            continue
        error = m.time_ns - arrivals[0]
        if abs(error) <= WITHIN_NS or xr.near(tick_sent) or xr.near(m.time_ns):
            continue
        run_began = sent_at[0 if beat < 32 else 32 * 24]
        ticks_off = round(error / period_at[beat * 24])
        whole = ticks_off != 0 and abs(error - ticks_off * period_at[beat * 24]) <= WITHIN_NS
        if not (whole and any(xr.near(n) for n in ticks_sent if run_began <= n <= tick_sent)):
            late.append((beat, round(error / 1e6, 2)))
    assert len(late) <= 2 * during, f"notes beyond 2 ms of their tick (beat, ms): {late}"

    # stop leaves no note hanging: between the first stop and continue, and at the end; exactly in
    # what TrackJammer sent, and at the receiver but for a note-off the transport lost near an xrun
    first_stop = next(n for data, n in sent if data == bytes([0xFC]))
    cont = next(n for data, n in sent if data == bytes([0xFB]))
    # (TrackJammer's input heard the continue once; the transport may have lost or doubled it near an xrun)
    assert held_at_continue == [frozenset()] or (set(held_at_continue) <= {frozenset()} and xr.near(cont)), \
        held_at_continue
    assert held_at_end == frozenset()
    assert all(xr.near(on.time_ns) for on in sounding([m for m in received if m.time_ns < cont]).values())
    assert not [m for m in ons if first_stop + MATCH_NS < m.time_ns < cont and not xr.near(first_stop)]
    assert all(xr.near(on.time_ns) for on in sounding(received).values())


def test_a_run_script_follows_the_clock_it_names_and_plays_its_cycles_from_the_leaders_start(jack_server, tmp_path):
    """Before: `run` evaluated the script before its engine existed, so
    sync("clock", ...) in a script did nothing and the run played on its own
    clock."""
    retry_on_xrun(lambda: _run_follows(jack_server, tmp_path))


def _run_follows(jack_server, tmp_path):
    import os
    import sys
    from pathlib import Path

    xr = Xruns()
    the_plan = Plan(0.05).tempo(120).ticks_for(48)
    # two cycles and a half at 120, and half a cycle more: a loaded machine may hold the run back that far
    the_plan.start(LEAD).ticks_for(24 * 4 * 2 + 24)
    with JackReceiver(server=jack_server) as rx, ClockSender(the_plan, jack_server) as master:
        (tmp_path / "song.tj").write_text(f'sync("clock", "{master.port}");\n{SONG}\n')
        child = subprocess.Popen(
            [sys.executable, "-m", "trackjammer", "run", "song.tj", "--backend", "jack", "--port", rx.port,
             "--cycles", "2"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "JACK_DEFAULT_SERVER": jack_server,
                 "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
        try:
            deadline = time.monotonic() + 20
            while not jack_connections(master.port, jack_server):
                assert time.monotonic() < deadline and child.poll() is None, "the run did not open the clock's input"
                time.sleep(0.01)
            time.sleep(0.3)
            master.go(timeout=30)
            try:
                _, err = child.communicate(timeout=20)
            except subprocess.TimeoutExpired:  # e.g. the leader's start lost near an xrun: it never began
                raise AssertionError(f"the run did not end, {xr.count} xruns") from None
        finally:
            child.kill()
        assert child.returncode == 0, err
    assert f"waiting for the MIDI clock on '{master.port}' to start" in err
    # cycles 0 and 1, on the leader's beats; the transport may lose or double a note near an xrun
    ons = [m for m in rx.messages if m.data[0] == 0x90 and m.data[2] > 0]
    beats = [m.data[1] - 36 for m in ons]
    if xr.count == 0:
        assert beats == list(range(8))
    doubled = [m for k, m in enumerate(ons) if k and m.data == ons[k - 1].data]
    once = [b for k, b in enumerate(beats) if not k or b != beats[k - 1]]
    assert once == sorted(set(once)) and set(once) <= set(range(8)) and all(xr.near(m.time_ns) for m in doubled), beats
    ticks = [n for data, n in master.sent if data == bytes([TICK])][48:]  # from the start on: position 0, 1, …
    assert all(xr.near(ticks[b * 24]) for b in set(range(8)) - set(once)), (beats, xr.count)
