"""sync("link") without the Link library, and the arithmetic of joining a
session's bars. Link itself never runs in this process: it multicasts on
every network interface, so it is tested only inside a private network
namespace (test_link_jack.py)."""

from __future__ import annotations

import sys

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.engine.clock import Clock, FakeClock
from trackjammer.engine.link_follow import first_downbeat, link_bpm
from trackjammer.engine.live import Engine
from trackjammer.errors import TrackJammerError
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.output import MemoryOutput
from trackjammer.session import Session


def _engine(said: list[str]) -> tuple[Session, Engine]:
    fake = FakeClock()
    session = Session(out=said.append)
    Interpreter(session).execute("let a = MidiTrack(1); a << [C4 E4]")
    engine = Engine(session, MemoryOutput("Synth"), report=said.append,
                    clock=Clock(session.cps, now=fake.now, sleep=fake.sleep))
    engine.threaded = False
    session.engine = engine
    engine.commit()
    return session, engine


def test_without_the_link_extra_sync_link_says_how_to_install_it_and_the_music_plays_on(monkeypatch):
    monkeypatch.setitem(sys.modules, "link", None)  # as if LinkPython-extern were not installed
    said: list[str] = []
    session, engine = _engine(said)
    engine.start(thread=False)
    with pytest.raises(TrackJammerError) as caught:
        Interpreter(session).execute('sync("link")')
    assert caught.value.format() == (
        "error: line 1, column 1: Ableton Link is not installed\n"
        '  sync("link")\n'
        "  ^\n"
        "hint: install the extra: pip install 'trackjammer[link]' (scripts/trackjammer: "
        ".venv/bin/pip install -e '.[link]'); Link is GPLv2+, see docs/live.md")
    assert engine.following is None and engine.sync_state().source == "internal"
    assert engine.scheduler.playing  # nothing stopped
    engine.close()


def test_link_has_no_port():
    said: list[str] = []
    session, engine = _engine(said)
    with pytest.raises(TrackJammerError) as caught:
        Interpreter(session).execute('sync("link", "IAC")')
    assert caught.value.message == "Ableton Link has no port: its session is on the network"
    assert caught.value.hint == 'sync("link")'
    engine.close()


@pytest.mark.parametrize("beat, quantum, bar", [
    (0.0, 4, 0), (-1e-12, 4, 0), (1e-6, 4, 1), (3.999, 4, 1), (4.0, 4, 1), (-2.5, 4, 0), (7.0, 3, 3), (-5.0, 4, -1)])
def test_the_first_downbeat_at_or_after_a_beat(beat, quantum, bar):
    assert first_downbeat(beat, quantum) == bar


def test_link_tempos_stay_within_what_link_accepts():
    assert link_bpm(0.5, 4) == 120.0
    assert link_bpm(0.5, 3) == 90.0
    assert link_bpm(0, 4) == 20.0
    assert link_bpm(100, 4) == 999.0
