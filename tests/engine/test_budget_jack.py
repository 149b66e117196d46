"""Over a real MIDI transport (JACK): a pattern no MIDI port could carry
never holds up the engine. The track beside it arrives as its export, on
time; the dense one falls silent with one message; hush and close act at once."""

from __future__ import annotations

import time

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.core.limits import EVENTS_PER_SECOND
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session
from tests.engine.test_live_jack import (
    assert_none_hanging, assert_same_as_export, exported, hanging, live, log_sent)
from tests.support.jack_receiver import JackReceiver
from tests.support.xruns import Xruns, retry_on_xrun

pytestmark = pytest.mark.jack

CPS = 1
PLAIN = "let p = MidiTrack(2); p << [E4*16]; let h = MidiTrack(1)"
SAID = ("error: track 'h' stopped: this asks for about 100,000 events a cycle, 100,000 a second at cps 1; "
        f"a MIDI port carries at most {EVENTS_PER_SECOND:,} a second on one track\n"
        "hint: play it slower or with fewer steps, as fast(16) or segment(16) would")


def _session(said: list[str]) -> Session:
    """p plays 16ths; h is bound to `[C5].fast(100000)` as a track's lanes are
    set (binding it in the language is refused at once: test_limits.py)."""
    session = Session(cps=CPS, out=lambda text: None)
    interpreter = Interpreter(session)
    interpreter.execute(PLAIN)
    session.names["h"].set_lane("notes", None, interpreter.execute("[C5].fast(100000)"))
    return session


def test_a_plain_track_beside_fast_100000_arrives_as_its_export_on_time(jack_server):
    retry_on_xrun(lambda: _beside(jack_server))


def _beside(jack_server):
    xr = Xruns()
    said: list[str] = []
    session = _session(said)
    with JackReceiver(server=jack_server) as rx:
        engine = live(session, rx.port, lambda text: said.append(text) if not text.startswith("recorded:") else None)
        session.engine = engine
        rx.wait_connected()
        try:
            engine.start(until=4)
            assert engine.finished.wait(4 / CPS + 5)
        finally:
            engine.close()
        time.sleep(0.05)
    assert said == [SAID]
    received = [m for m in rx.messages if m.data[0] & 0xF0 != 0xB0]  # close() adds CC 123
    assert [m for m in received if m.data[0] & 0x0F == 0] == []  # h: silent, its lanes emptied
    plain = Session(cps=CPS, out=lambda text: None)
    Interpreter(plain).execute(PLAIN)
    assert_same_as_export(received, exported(plain, 4), CPS, xr)  # every note of p, within 3 ms
    assert session.names["h"].notes is None and session.names["h"].fell_back


def test_hush_and_close_act_at_once_while_fast_100000_is_bound(jack_server):
    xr = Xruns()
    said: list[str] = []
    session = _session(said)
    with JackReceiver(server=jack_server) as rx:
        engine = live(session, rx.port, lambda text: said.append(text) if not text.startswith("recorded:") else None)
        session.engine = engine
        sent = log_sent(engine)
        rx.wait_connected()
        try:
            engine.start()
            time.sleep(1)
            started = time.monotonic()
            engine.hush()
            hushed = time.monotonic() - started
            quiet_from = time.monotonic_ns() + 150_000_000  # what was handed over ahead (100 ms) has gone
            time.sleep(0.5)
        finally:
            started = time.monotonic()
            engine.close()
            closed = time.monotonic() - started
            ended = time.monotonic_ns()
        time.sleep(0.05)
    assert hushed < 0.5 and closed < 3  # far from the noise: 7 to 63 seconds without the budget
    assert said == [SAID]
    if sent is not None:  # what TrackJammer sent: nothing after the hush, every note ended (no excuse)
        assert [m.data for m in sent if m.time_ns > quiet_from and m.data[0] & 0xF0 == 0x90] == []
        assert hanging(sent) == set()
    # nothing plays after the hush; the transport may only hand over late (or again) a note-on near an xrun
    after = [m for m in rx.messages if m.time_ns > quiet_from and m.data[0] & 0xF0 == 0x90 and not xr.near(m.time_ns)]
    assert [m.data for m in after] == []
    assert_none_hanging(rx.messages, xr, ended)
