"""A bare `panic`, `stop`, `start` or `hush` typed alone runs the command:
over the real JACK transport, the notes end at once, not when they would
have. (Before, the name was only echoed as `<built-in panic>`.)"""

from __future__ import annotations

import time

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.engine.live import open_live
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session
from tests.support.jack_receiver import JackReceiver
from tests.support.xruns import retry_on_xrun

pytestmark = pytest.mark.jack

ON, OFF, ALL_NOTES_OFF = bytes([0x90, 60, 100]), bytes([0x80, 60, 0]), bytes([0xB0, 123, 0])


def test_bare_panic_stop_start_and_hush_act_at_once(jack_server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the engine records its takes under renders/ here
    retry_on_xrun(lambda: _bare_commands(jack_server))


def _quiet_for(rx: JackReceiver, seconds: float) -> list[bytes]:
    """What arrives in the next `seconds`."""
    before = len(rx.messages)
    time.sleep(seconds)
    return [m.data for m in rx.messages[before:]]


def _bare_commands(jack_server):
    said: list[str] = []
    session = Session(cps=1, out=said.append)  # one note a cycle, sounding for a whole second
    interpreter = Interpreter(session)
    interpreter.execute("let a = MidiTrack(1); a << [C4]")
    with JackReceiver(server=jack_server) as rx:
        engine, notice = open_live(session, rx.port, "jack", said.append)
        assert notice is None
        session.engine = engine
        rx.wait_connected()
        try:
            engine.start()
            rx.wait_for(1)
            interpreter.execute("panic")  # ends the note now, and CC 123
            got = rx.wait_for(3)
            assert [m.data for m in got] == [ON, OFF, ALL_NOTES_OFF]
            assert (got[1].time_ns - got[0].time_ns) / 1e9 < 0.5  # the note would have lasted 1 s

            interpreter.execute("stop;")  # no new cycle starts
            assert _quiet_for(rx, 1.3) == []

            interpreter.execute("start")  # cycle 0 again, at once
            got = rx.wait_for(4, timeout=0.5)
            assert got[3].data == ON

            interpreter.execute("hush")  # the sounding note ends, and nothing more plays
            got = rx.wait_for(5, timeout=0.5)
            assert got[4].data == OFF and (got[4].time_ns - got[3].time_ns) / 1e9 < 0.5
            assert _quiet_for(rx, 1.3) == []
        finally:
            engine.close()
    assert said == [] or all(line.startswith("recorded:") for line in said)
