"""Over a real MIDI transport (JACK): a failing binding hands its track back
to the one before, and what arrives is what export and the snapshot give."""

from __future__ import annotations

import time

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.lang.evaluator import Interpreter
from trackjammer.project.snapshot import snapshot_source
from trackjammer.session import Session
from tests.engine.test_live_jack import assert_none_hanging, assert_same_as_export, exported, live
from tests.support.jack_receiver import JackReceiver
from tests.support.xruns import Xruns, retry_on_xrun

pytestmark = [pytest.mark.jack, pytest.mark.usefixtures("only_the_first_cycle_tried")]

CPS = 2
FAILS_IN_CYCLE_4 = '[<0 0 0 0 1.5>].scale("major", C2)'  # degree 1.5 is refused; cycles 0..3 play C2
FAILS_IN_ODD_CYCLES = '[<0 1.5>].scale("major", C2)'
FELL_BACK = "error: track 'b' stopped: scale degrees must be whole numbers, got 1.5; its previous pattern plays again"


def _play(jack_server, binding: str, cycles: int, later: list[str]):
    """b plays [C2 E2 G2]; 0.3 cycles in, `binding` is bound (it lands on
    cycle 1), then each of `later` is typed a cycle apart. Gives (what
    arrived, the session, what was said, the xruns from its start, when
    it ended)."""
    xr = Xruns()
    said: list[str] = []
    session = Session(cps=CPS, out=lambda text: None)
    interpreter = Interpreter(session)
    interpreter.execute("let b = MidiTrack(1); b << [C2 E2 G2]")
    with JackReceiver(server=jack_server) as rx:
        engine = live(session, rx.port, lambda text: said.append(text) if not text.startswith("recorded:") else None)
        session.engine = engine
        rx.wait_connected()
        try:
            engine.start(until=cycles)
            time.sleep(0.3 / CPS)
            for program in [binding] + later:
                interpreter.execute(program)
                engine.commit()
                time.sleep(1 / CPS)
            assert engine.finished.wait(cycles / CPS + 5)
        finally:
            engine.close()
            ended = time.monotonic_ns()
        time.sleep(0.05)
    received = [m for m in rx.messages if m.data[0] & 0xF0 != 0xB0]  # close() adds CC 123
    return received, session, said, xr, ended


def test_a_pattern_failing_after_cycles_of_playing_gives_the_track_back(jack_server):
    retry_on_xrun(lambda: _failing_later(jack_server))


def _failing_later(jack_server):
    received, session, said, xr, ended = _play(jack_server, "b << " + FAILS_IN_CYCLE_4, 7, ["let x = 1"])
    assert said == [FELL_BACK]
    # what arrived, note-offs and times too, is what this plays: cycles 4, 5 and 6 are the one before
    heard = Session(cps=CPS, out=lambda text: None)
    Interpreter(heard).execute("let b = MidiTrack(1); b << [<[C2 E2 G2] C2 C2 C2 [C2 E2 G2] [C2 E2 G2] [C2 E2 G2]>]")
    assert_same_as_export(received, exported(heard, 7), CPS, xr)
    assert_none_hanging(received, xr, ended)
    assert session.names["b"].fell_back


def test_a_binding_refused_at_once_leaves_what_plays_equal_to_export_and_snapshot(jack_server):
    retry_on_xrun(lambda: _refused(jack_server))


def _refused(jack_server):
    received, session, said, xr, _ = _play(jack_server, "b << " + FAILS_IN_ODD_CYCLES, 5, ["let x = 1", "let y = 2"])
    assert said == [FELL_BACK]
    assert_same_as_export(received, exported(session, 5), CPS, xr)
    again = Session(out=lambda text: None)
    Interpreter(again).execute(snapshot_source(session))
    assert exported(again, 5) == exported(session, 5)


def test_once_plays_one_cycle_on_the_track_then_its_binding_goes_on(jack_server):
    retry_on_xrun(lambda: _once(jack_server))


def _once(jack_server):
    received, session, said, xr, ended = _play(jack_server, "once(b, [G4 A4]); once([C6])", 3, [])
    assert said == []
    # what arrived, note-offs and times too, is what this plays: cycle 1 is b's [G4 A4] and the bare [C6]
    heard = Session(cps=CPS, out=lambda text: None)
    Interpreter(heard).execute("let b = MidiTrack(1); b << [<[C2 E2 G2] [G4 A4] [C2 E2 G2]>]; "
                               "let bare = MidiTrack(1); bare << [<~ C6 ~>]")
    assert_same_as_export(received, exported(heard, 3), CPS, xr)
    assert_none_hanging(received, xr, ended)
    assert str(session.names["b"].notes) == "Pattern(0:36 1/3:40 2/3:43)"  # nothing was bound
