"""Following a MIDI clock, on made-up arrival times: the tempo estimate, the
position lock, start, stop, continue and song position, exactly."""

from __future__ import annotations

from fractions import Fraction

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.engine.clock import Clock, FakeClock
from trackjammer.engine.clock_follow import ClockFollower, Follow
from trackjammer.engine.live import Engine
from trackjammer.engine.sync import same_device
from trackjammer.errors import TrackJammerError
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.input import MemoryInput, Stamper
from trackjammer.midi.output import MemoryOutput
from trackjammer.session import Session

T0 = 1000.0
P120 = 60 / 120 / 24  # seconds per tick at 120 BPM
P140 = 60 / 140 / 24


def running(ticks: int = 24, period: float = P120, t0: float = T0) -> tuple[ClockFollower, float]:
    """A follower that heard `ticks` ticks while stopped; the time of the next tick."""
    follower = ClockFollower(4)
    for k in range(ticks):
        assert follower.tick(t0 + k * period) is None  # stopped: nothing moves
    return follower, t0 + ticks * period


def test_the_tempo_of_a_steady_clock_is_exact():
    follower, _ = running()
    assert follower.period == pytest.approx(P120, abs=1e-12)
    assert follower.tempo == pytest.approx(0.5, abs=1e-9)


def test_start_puts_cycle_0_on_the_next_tick_of_a_running_clock():
    follower, next_tick = running()
    start = follower.start(next_tick)  # start and the first tick in the same moment
    assert start.kind == "start" and start.cycle == 0
    assert start.wall == pytest.approx(next_tick, abs=1e-9)
    assert start.cps == pytest.approx(0.5, abs=1e-9)
    first = follower.tick(next_tick)
    assert first.kind == "anchor" and first.cycle == pytest.approx(0, abs=1e-12)
    assert first.cps == pytest.approx(0.5, abs=1e-9)
    for k in range(1, 97):  # a cycle later, position 1 exactly on tick 96
        follow = follower.tick(next_tick + k * P120)
    assert follow.wall == pytest.approx(next_tick + 96 * P120, abs=1e-9)
    assert follow.cycle == pytest.approx(1.0, abs=1e-9)


def test_start_a_tick_before_the_first_one_predicts_the_tick_after_it():
    follower, next_tick = running()
    start = follower.start(next_tick - P120 / 2)  # start half a tick before the grid's next tick
    assert start.wall == pytest.approx(next_tick, abs=1e-9)


def test_start_without_a_running_clock_waits_for_the_first_tick():
    follower = ClockFollower(4, fallback_cps=0.5)
    assert follower.start(T0) is None
    first = follower.tick(T0 + 0.005)
    assert (first.kind, first.wall, first.cycle, first.cps) == ("start", T0 + 0.005, 0.0, 0.5)
    second = follower.tick(T0 + 0.005 + P140)  # the real tempo is known from the second tick
    assert second.tempo == pytest.approx(140 / 240, abs=1e-9)
    assert second.cycle == pytest.approx(1 / 96, abs=1e-9)


def jitter(k: int) -> float:
    """Arrival jitter of a JACK period (1.33 ms), the same on every run."""
    return ((k * 7919) % 13 - 6) / 6 * 0.00066


def test_jitter_averages_out_of_tempo_and_phase():
    follower, next_tick = running(48)
    follower.start(next_tick)
    errors = []
    for k in range(0, 480):
        follow = follower.tick(next_tick + k * P120 + jitter(k))
        ideal = next_tick + k * P120  # where tick k belongs
        at, cycle, cps = follower.anchor
        errors.append(abs(at + (k / 96 - cycle) / cps - ideal))  # when our clock reaches tick k's cycle
    assert follower.tempo == pytest.approx(0.5, rel=0.002)
    assert max(errors[48:]) < 0.0005  # after the first two beats, within half a millisecond
    assert follow.kind == "anchor"


def test_a_tempo_change_is_followed_within_a_beat():
    follower, next_tick = running()
    follower.start(next_tick)
    t = next_tick
    for k in range(48):
        follower.tick(t)
        t += P120
    t -= P120
    position = 47
    for k in range(1, 25):  # one beat at 140 BPM
        t += P140
        position += 1
        follower.tick(t)
    assert follower.tempo == pytest.approx(140 / 240, rel=0.001)
    at, cycle, cps = follower.anchor
    assert abs(at + (position / 96 - cycle) / cps - t) < 0.0002  # the latest tick's cycle is at its time


@pytest.mark.parametrize("bpm", [100, 140, 180])
def test_a_step_to_another_tempo_keeps_the_count(bpm):
    follower, next_tick = running()
    follower.start(next_tick)
    t = next_tick
    for k in range(48):
        follower.tick(t)
        t += P120
    for k in range(48):  # two beats at the new tempo
        follower.tick(t)
        t += 60 / bpm / 24
    assert follower.count == 24 + 95
    assert follower.tempo == pytest.approx(bpm / 240, rel=1e-6)
    at, cycle, cps = follower.anchor
    assert abs(at + (95 / 96 - cycle) / cps - (t - 60 / bpm / 24)) < 1e-6


def test_a_missing_tick_does_not_move_the_position():
    follower, next_tick = running()
    follower.start(next_tick)
    for k in range(30):
        if k != 20:  # tick 20 never arrives
            follow = follower.tick(next_tick + k * P120)
    assert follower.count == 24 + 29
    assert follow.cycle == pytest.approx(29 / 96, abs=1e-9)


def test_a_late_tick_is_not_taken_for_one_after_a_gap():
    follower, next_tick = running()
    follower.start(next_tick)
    for k in range(30):
        late = 0.7 * P120 if k == 20 else 0.0  # tick 20 comes 70 % of a tick late, tick 21 on time
        follow = follower.tick(next_tick + k * P120 + late)
    assert follower.count == 24 + 29
    assert follow.cycle == pytest.approx(29 / 96, abs=1e-9)
    assert follower.tempo == pytest.approx(0.5, abs=1e-9)


def test_a_busy_transport_neither_halves_nor_slips_the_clock():
    """Every seventh tick 1 to 15 ms late, every 23rd lost: as a loaded
    JACK server delivers. The count, tempo and phase stay right."""
    follower, next_tick = running()
    follower.start(next_tick)
    for k in range(960):
        if k % 23 == 22:
            continue
        late = (k % 5 + 1) * 0.003 if k % 7 == 6 else 0.0
        follower.tick(next_tick + k * P120 + late)
    assert follower.count == 24 + 959
    assert follower.tempo == pytest.approx(0.5, rel=0.001)
    at, cycle, cps = follower.anchor
    assert abs(at + (959 / 96 - cycle) / cps - (next_tick + 959 * P120)) < 0.0005


def test_a_tick_counted_too_far_is_counted_back():
    """Two ticks in a row late (0.7 and 0.6 of a tick): the first is counted
    as one after a gap; the next on time comes a whole tick early for the
    count, so it goes back."""
    follower, next_tick = running()
    follower.start(next_tick)
    for k in range(40):
        late = {20: 0.7 * P120, 21: 0.6 * P120}.get(k, 0.0)
        follower.tick(next_tick + k * P120 + late)
    assert follower.count == 24 + 39
    at, cycle, cps = follower.anchor
    assert abs(at + (39 / 96 - cycle) / cps - (next_tick + 39 * P120)) < 0.0005


def test_stop_then_continue_goes_on_from_the_next_tick():
    follower, next_tick = running()
    follower.start(next_tick)
    for k in range(40):  # positions 0 … 39
        follower.tick(next_tick + k * P120)
    assert follower.stop(next_tick + 39.5 * P120) == Follow("stop")
    t = next_tick + 40 * P120
    for k in range(10):  # the master's clock runs on while stopped
        assert follower.tick(t + k * P120) is None
    go = follower.continue_(t + 9.5 * P120)
    assert go.kind == "start" and go.cycle == 40 / 96
    assert go.wall == pytest.approx(t + 10 * P120, abs=1e-9)


def test_song_position_then_continue_jumps_there():
    follower, next_tick = running()
    follower.start(next_tick)
    follower.tick(next_tick)
    follower.stop(next_tick + 0.001)
    assert follower.song_position(128, next_tick + 0.002) is None  # stopped: remembered
    go = follower.continue_(next_tick + P120)
    assert (go.kind, go.cycle) == ("start", 8.0)  # 128 sixteenths = 32 beats = cycle 8
    first = follower.tick(next_tick + P120)
    assert first.cycle == pytest.approx(8.0, abs=1e-12)


def test_song_position_while_playing_jumps_at_the_next_tick():
    follower, next_tick = running()
    follower.start(next_tick)
    follower.tick(next_tick)
    jump = follower.song_position(16, next_tick + P120 / 2)
    assert (jump.kind, jump.cycle) == ("start", 1.0)


def test_the_clock_counts_as_lost_when_ticks_stop_coming():
    follower, next_tick = running()
    assert follower.locked(next_tick)
    assert follower.locked(next_tick - P120 + 0.3)
    assert not follower.locked(next_tick - P120 + 0.301)


def test_the_stamper_ties_backend_times_to_the_poll_that_came_closest():
    stamper = Stamper()
    assert stamper.stamp(0.0, 10.003) == 10.003  # the first poll came late: all that is known yet
    assert stamper.stamp(0.020, 10.0205) == pytest.approx(10.0205, abs=1e-9)  # this one sooner after its message
    assert stamper.stamp(0.020, 10.0450) == pytest.approx(10.0405, abs=1e-9)  # a late poll does not make it late


@pytest.mark.parametrize(("a", "b", "same"), [
    ("Digitakt:Digitakt MIDI 1 24:0", "Digitakt:Digitakt MIDI 1 24:0", True),
    ("Live:out", "Live:in", True), ("Live:out", "Bitwig:in", False), ("IAC Bus 1", "IAC Bus 2", False)])
def test_same_device(a, b, same):
    assert same_device(a, b) is same


# -- the engine following a clock on a fake clock -----------------------------------------


class Rig:
    def __init__(self, program: str):
        self.fake = FakeClock(T0 - 1)
        self.session = Session(out=lambda text: None)
        Interpreter(self.session).execute(program)
        self.said: list[str] = []
        self.output = MemoryOutput("Synth")
        self.engine = Engine(self.session, self.output, report=self.said.append,
                             clock=Clock(self.session.cps, now=self.fake.now, sleep=self.fake.sleep))
        self.engine.threaded = False
        self.input = MemoryInput("Master:out")
        self.engine.open_input = lambda port, backend, report: (self.input, None)
        self.sent: list[tuple[bytes, float, float]] = []
        self.engine.scheduler.on_sent = lambda m, due, at: self.sent.append((bytes(m.bytes()), m.time, at))
        self.engine.commit()

    def until(self, t: float) -> None:
        """Run the clock thread's work up to wall time t."""
        while self.fake.t < t:
            due, _ = self.engine.scheduler.step()
            self.fake.t = min(max(due, self.fake.t), t)
        self.engine.scheduler.step()

    def clock(self, message: int, t: float) -> None:
        self.until(t)
        self.input.feed([message], t)


def test_the_engine_plays_each_beat_on_its_tick_and_stop_ends_every_note(tmp_path):
    rig = Rig("let a = MidiTrack(1); a << [C4 E4 G4 B4]")
    assert rig.engine.sync("clock", "Master") == "Master:out"
    assert rig.engine.sync_state().source == "clock"
    for k in range(24):
        rig.clock(0xF8, T0 + k * P120)
    start = T0 + 24 * P120
    rig.clock(0xFA, start)
    for k in range(140):  # nearly a cycle and a half
        rig.clock(0xF8, start + k * P120)
    rig.clock(0xFC, start + 139.5 * P120)
    ons = [(data[1], cycle, at) for data, cycle, at in rig.sent if data[0] == 0x90]
    assert [(note, cycle) for note, cycle, _ in ons] == [
        (60, 0), (64, Fraction(1, 4)), (67, Fraction(1, 2)), (71, Fraction(3, 4)), (60, 1), (64, Fraction(5, 4))]
    for note, cycle, at in ons:
        assert at == pytest.approx(start + float(cycle) * 96 * P120, abs=1e-6)
    assert not rig.engine.scheduler.playing
    assert rig.output.held_notes == frozenset()
    ends = [data for data in rig.output.messages if data[0] in (0x80, 0x90)]
    assert ends[-2:] == [bytes([0x90, 64, 100]), bytes([0x80, 64, 0])]  # the E4 Stop cut short ended at once
    assert len(ends) == 12
    state = rig.engine.sync_state()
    assert state.cps == pytest.approx(0.5, abs=1e-9) and state.locked
    rig.engine.close()
    assert rig.input.closed


def test_start_typed_while_following_is_refused_and_internal_gives_the_clock_back():
    rig = Rig("let a = MidiTrack(1); a << [C4]")
    rig.engine.sync("clock", None)
    with pytest.raises(TrackJammerError, match="playing follows the MIDI clock from 'Master:out'"):
        rig.engine.start()
    rig.engine.sync("internal")
    assert rig.engine.sync_state().source == "internal"
    assert rig.input.closed
    rig.engine.start(thread=False)
    assert rig.engine.scheduler.playing
    rig.engine.close()


def test_ticks_that_stop_while_playing_are_said_once_and_after_a_stop_not_at_all():
    rig = Rig("let a = MidiTrack(1); a << [C4]")
    rig.engine.sync("clock", "Master")
    rig.clock(0xFA, T0)
    for k in range(48):
        rig.clock(0xF8, T0 + k * P120)
    following = rig.engine.following
    rig.until(T0 + 48 * P120 + 1.0)  # a second without ticks while the leader plays
    following.check()
    following.check()
    assert rig.said == ["warning: the MIDI clock from 'Master:out' stopped coming; playing on at 120.0 bpm"]
    rig.clock(0xF8, T0 + 48 * P120 + 1.0)
    assert rig.said[-1] == "the MIDI clock from 'Master:out' is back"
    rig.said.clear()
    rig.clock(0xFC, T0 + 48 * P120 + 1.01)  # the leader stops, and its ticks with it (as many do)
    rig.until(T0 + 48 * P120 + 3.0)
    following.check()
    assert rig.said == []
    rig.engine.close()
