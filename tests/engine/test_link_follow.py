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


# -- reading Link's clock between two readings of ours ----------------------------------------------

LINK_EPOCH = 5000.0  # Link's clock reads our time plus this (seconds): another clock, as on Linux


class _Time:
    """Our clock and Link's, one timeline: each reading moves it on by 1 µs,
    and `stalls` (seconds, in order) are extra time lost right after a
    reading of Link's clock, as when the thread is preempted there."""

    def __init__(self) -> None:
        self.t, self.stalls = 100.0, []

    def ours(self) -> float:
        self.t += 1e-6
        return self.t

    def theirs(self) -> int:
        self.t += 1e-6
        micros = round((self.t + LINK_EPOCH) * 1e6)
        self.t += self.stalls.pop(0) if self.stalls else 0.0
        return micros


def test_a_paired_reading_keeps_the_tightest_and_stops_at_a_tight_one():
    from trackjammer.engine.link_follow import paired_reading

    clocks = _Time()
    clocks.stalls = [0.004]  # the first try is preempted: its middle is 2 ms off
    micros, ours, width = paired_reading(clocks.ours, clocks.theirs)
    assert micros / 1e6 - LINK_EPOCH == pytest.approx(ours, abs=2e-6)
    assert width == pytest.approx(2e-6, abs=1e-9) and clocks.t == pytest.approx(100.0 + 0.004 + 6e-6, abs=1e-9)

    clocks.stalls = [0.004, 0.001, 0.003] + [0.002] * 10  # never tight: the tightest of eight tries, no more
    micros, ours, width = paired_reading(clocks.ours, clocks.theirs)
    assert width == pytest.approx(0.001 + 2e-6, abs=1e-9)
    assert micros / 1e6 - LINK_EPOCH - ours == pytest.approx(-0.0005, abs=2e-6)  # half the stall, the least seen
    assert len(clocks.stalls) == 13 - 8


class _FakeLink:
    """What LinkSync asks of the Link library, for one playing session at 120 bpm
    whose beat 0 was at our time 100 s: Link itself never runs in this process."""

    def __init__(self, clocks: _Time) -> None:
        self.clocks = clocks

    def Link(self, bpm: float) -> "_FakeLink":  # noqa: N802 - the library's spelling
        return self

    def clock(self) -> "_FakeLink":
        return self

    def micros(self) -> int:
        return self.clocks.theirs()

    def captureAppSessionState(self) -> "_FakeLink":  # noqa: N802
        return self

    def numPeers(self) -> int:  # noqa: N802
        return 1

    def tempo(self) -> float:
        return 120.0

    def isPlaying(self) -> bool:  # noqa: N802
        return True

    def beatAtTime(self, micros: int, quantum: float) -> float:  # noqa: N802
        return (micros / 1e6 - LINK_EPOCH - 100.0) * 2


@pytest.mark.parametrize("late_ms, stalls, moved", [
    (0.0, [], False),  # in phase: nothing to do
    (0.0, [0.004], False),  # a preempted reading is not taken for the session having moved 2 ms
    (0.0, [0.004] * 8, False),  # nor is one that stays loose: the next look will tell
    (2.0, [], True),  # our clock 2 ms behind the session: moved onto it
    (2.0, [0.004], True),  # and so it is when the first try was preempted
])
def test_a_look_at_the_session_moves_our_clock_only_on_a_tight_reading(late_ms, stalls, moved):
    from trackjammer.engine.link_follow import LinkSync

    clocks = _Time()
    session = Session(out=lambda text: None)
    engine = Engine(session, MemoryOutput("Synth"), report=lambda text: None, clock=Clock(0.5, now=clocks.ours))
    engine.threaded = False
    sync = LinkSync(engine, report=lambda text: None, now=clocks.ours, library=_FakeLink(clocks))
    sync.playing = True  # in the session already, its cycle 0 at its beat 0
    engine.clock.set_anchor(100.0 + late_ms / 1000, 0.0, 0.5)
    clocks.stalls = list(stalls)
    follow = sync._look()
    assert (follow is not None) == moved
    if moved:
        assert follow.kind == "anchor" and follow.cps == 0.5
        assert follow.cycle - (follow.wall - 100.0) * 0.5 == pytest.approx(0.0, abs=1e-6)  # onto the session's phase
    engine.close()
