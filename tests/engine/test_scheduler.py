"""The engine on a fake clock: exact message lists at exact times."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.core.pattern import Pattern
from trackjammer.engine.clock import Clock, FakeClock
from trackjammer.engine.live import Engine
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.messages import plan_of_track
from trackjammer.midi.output import Output
from trackjammer.midi.smf import export_messages
from trackjammer.project.takes import RenderTakes
from trackjammer.session import Session


class Collecting(Output):
    """An output that keeps what it is sent, with the fake time; the base
    class tracks which notes are held (so stop and hush can end them)."""

    def __init__(self, clock: FakeClock):
        super().__init__("collecting")
        self.clock = clock
        self.sent: list[tuple[float, tuple]] = []

    def _send(self, data) -> None:
        self.sent.append((self.clock.t, tuple(data)))

    @property
    def held(self) -> set[tuple[int, int]]:
        return set(self.held_notes)


class Rig:
    """A session, an interpreter and an engine on a fake clock."""

    def __init__(self, program: str = "", cps=F(1, 2)):
        self.fake = FakeClock()
        self.said: list[str] = []
        self.session = Session(cps=cps, out=self.said.append)
        self.interpreter = Interpreter(self.session)
        self.output = Collecting(self.fake)
        self.engine = Engine(self.session, self.output, report=self.said.append, takes=RenderTakes(),
                             clock=Clock(cps, now=self.fake.now, sleep=self.fake.sleep))
        if program:
            self.run(program)

    def run(self, program: str) -> None:
        self.interpreter.execute(program)
        self.engine.commit()

    def start(self, until=None) -> float:
        self.engine.start(until=until, thread=False)
        return self.at(0)  # a moment ahead: START_AHEAD

    def play_until(self, cycle) -> None:
        """Step the scheduler, jumping the fake clock to each moment it asks for."""
        end = self.engine.clock.time_of(cycle)
        while self.fake.t < end:
            due, _ = self.engine.scheduler.step()
            self.fake.t = min(due, end)
        self.engine.scheduler.step()

    def at(self, cycle) -> float:
        return self.engine.clock.time_of(cycle)


def expected(session: Session, cycles: int) -> list[tuple]:
    plans = [plan_of_track(t, i) for i, t in enumerate(session.tracks())]
    messages, _ = export_messages(plans, cycles, session.seed, session.beats_per_cycle)
    return messages


def assert_sent_as_exported(rig: Rig, t0: float, cycles: int) -> None:
    """Every message of the export of `cycles`, each sent at its time (cps 1/2), and no note left on."""
    want = expected(rig.session, cycles)
    assert [data for _, data in rig.output.sent] == [tuple(m.bytes()) for m in want]
    for (sent_at, _), message in zip(rig.output.sent, want):
        assert sent_at == pytest.approx(t0 + float(message.time) * 2, abs=1e-9)
    assert rig.output.held == set()


def test_live_output_is_the_export_sent_each_at_its_time():
    rig = Rig("let a = MidiTrack(1); a << [C4 [E4 G4]](3,8); a.cc(74) << Sine(1);"
              "let b = MidiTrack(2, 90); b << [C2 ~ C2@2].gate(1/2)")
    t0 = rig.start(until=2)
    rig.play_until(2)
    assert_sent_as_exported(rig, t0, 2)
    assert rig.engine.scheduler.playing is False  # the bounded run finished


def test_a_new_binding_lands_on_the_next_cycle_boundary():
    rig = Rig("let a = MidiTrack(1); a << [C4 C4 C4 C4]")
    t0 = rig.start()
    rig.play_until(F(1, 3))
    rig.run("a << [D4 D4]")  # typed a third into cycle 0
    rig.play_until(2)
    ons = [(round((t - t0) / 2, 9), data[1]) for t, data in rig.output.sent if data[0] == 0x90]
    assert ons == [(0, 60), (0.25, 60), (0.5, 60), (0.75, 60), (1, 62), (1.5, 62), (2, 62)]


def test_quantize_zero_applies_at_the_first_cycle_not_yet_asked_for():
    rig = Rig("let a = MidiTrack(1); a << [C4*8]; quantize(0)")
    rig.start()
    rig.play_until(F(1, 3))
    horizon = rig.engine.scheduler.horizon
    assert F(1, 3) < horizon <= F(1, 3) + F(1, 2) * F(5, 100) + F(1, 960)  # 50 ms ahead at cps 1/2
    rig.run("a << [D4*8]")
    rig.play_until(1)
    t0 = rig.at(0)
    ons = [((t - t0) / 2, data[1]) for t, data in rig.output.sent if data[0] == 0x90]
    assert [n for c, n in ons if c < float(horizon) - 1e-9] == [60] * 3
    assert [n for c, n in ons if c >= float(horizon) - 1e-9] == [62] * 6  # 3/8 … 7/8, and 1


def test_a_cps_change_keeps_the_position_and_moves_what_was_asked_for():
    rig = Rig("let a = MidiTrack(1); a << [C4 E4 G4 B4]")
    t0 = rig.start()
    rig.play_until(F(1, 2))  # 1 s at cps 1/2
    changed_at = rig.fake.t
    position = rig.engine.scheduler.position()
    rig.run("cps(1)")
    assert rig.engine.scheduler.position() == pytest.approx(position)
    rig.play_until(1)
    ons = [(t, data[1]) for t, data in rig.output.sent if data[0] == 0x90]
    assert ons[:2] == [(t0, 60), (pytest.approx(t0 + 0.5), 64)]
    assert ons[2] == (pytest.approx(changed_at), 67)  # cycle 1/2, reached when cps changed
    assert ons[3] == (pytest.approx(changed_at + 0.25), 71)  # then a quarter cycle takes 0.25 s


class Boom(Exception):
    pass


def test_a_pattern_that_fails_is_silenced_and_its_previous_binding_comes_back():
    rig = Rig("let a = MidiTrack(1); a << [C4 E4]; let b = MidiTrack(2); b << [C2]")
    rig.start()
    rig.play_until(F(1, 2))

    def query(state):
        if state.span.begin >= 1:
            raise Boom("broken at cycle 1")
        return []

    rig.session.names["a"].notes = Pattern(query)
    rig.engine.commit()
    rig.play_until(3)
    assert rig.said == ["error: track 'a' stopped: Boom: broken at cycle 1; its previous pattern plays again"]
    t0 = rig.at(0)
    ons = [(round((t - t0) / 2, 9), data[0], data[1]) for t, data in rig.output.sent if data[0] & 0xF0 == 0x90]
    assert [(c, n) for c, status, n in ons if status == 0x91] == [(0, 36), (1, 36), (2, 36), (3, 36)]  # b never noticed
    # a's old pattern plays again from the very window that failed: nothing is lost
    assert [(c, n) for c, status, n in ons if status == 0x90] == [(c / 2, (60, 64)[c % 2]) for c in range(7)]
    assert rig.output.held == {(0, 60), (1, 36)}  # sounding at cycle 3: the ones just started


def test_mute_acts_at_once_and_sounding_notes_still_end():
    rig = Rig("let a = MidiTrack(1); a << [C4@3 E4]; a.gate(2)")
    rig.start()
    rig.play_until(F(1, 10))
    rig.run("a.mute()")
    rig.play_until(4)
    assert [data for _, data in rig.output.sent] == [(0x90, 60, 100), (0x80, 60, 0)]


def test_solo_leaves_only_soloed_tracks_playing():
    rig = Rig("let a = MidiTrack(1); a << [C4]; let b = MidiTrack(2); b << [C2]; b.solo()")
    rig.start()
    rig.play_until(2)
    assert {data[0] for _, data in rig.output.sent} == {0x91, 0x81}


def test_stop_ends_every_sounding_note_and_sends_nothing_more():
    rig = Rig("let a = MidiTrack(1); a << [[C4,E4]@3 G4]")
    rig.start()
    rig.play_until(F(1, 4))
    rig.engine.stop()
    rig.play_until(3)
    assert [data for _, data in rig.output.sent] == [(0x90, 60, 100), (0x90, 64, 100), (0x80, 60, 0), (0x80, 64, 0)]


def test_hush_silences_now_and_empties_the_note_lanes():
    rig = Rig("let a = MidiTrack(1); a << [C4@3 E4]")
    rig.start()
    rig.play_until(F(1, 4))
    rig.engine.hush()
    rig.play_until(3)
    assert [data for _, data in rig.output.sent] == [(0x90, 60, 100), (0x80, 60, 0)]
    assert rig.session.names["a"].notes is None
    assert rig.engine.scheduler.playing  # the clock runs on


def test_every_note_on_gets_its_note_off_across_rebinds_and_removals():
    rig = Rig("let a = MidiTrack(1); a << [C4 E4].gate(3); quantize(1/4)")
    rig.start()
    for k, program in enumerate(["a << [G4*3].gate(2)", "let a = MidiTrack(1)", "let c = MidiTrack(1); c << [C4]"]):
        rig.play_until(F(2 * k + 1, 3))
        rig.run(program)
    rig.play_until(5)
    rig.engine.stop()
    held: set = set()
    for _, data in rig.output.sent:
        if data[0] & 0xF0 == 0x90:
            assert (data[0] & 0xF, data[1]) not in held
            held.add((data[0] & 0xF, data[1]))
        else:
            held.discard((data[0] & 0xF, data[1]))
    assert held == set()


def test_nothing_bound_means_nothing_to_do():
    rig = Rig()
    rig.start()
    steps = 0
    end = rig.at(1)
    while rig.fake.t < end:
        rig.fake.t = min(rig.engine.scheduler.step()[0], end)
        steps += 1
    assert rig.output.sent == []
    assert steps <= 2 / 0.1 + 2  # with nothing bound, one look every 100 ms


def test_clock_out_sends_24_ticks_a_beat_after_start_and_stop_at_the_end():
    rig = Rig("let a = MidiTrack(1); a << [C4]")
    rig.engine.clock_out(True)
    t0 = rig.start()
    rig.play_until(F(1, 2))
    rig.engine.stop()
    system = [(t, data) for t, data in rig.output.sent if data[0] >= 0xF0]
    assert system[0] == (t0, (0xFA,))  # start, before the first tick
    ticks = [t for t, data in system if data == (0xF8,)]
    assert len(ticks) == 48 + 1  # half a cycle of 4 beats × 24, and the tick at 1/2
    assert ticks == [pytest.approx(t0 + k * 2 / 96, abs=1e-9) for k in range(49)]
    assert system[-1][1] == (0xFC,)


def test_clock_out_turned_on_while_playing_continues_from_the_next_sixteenth():
    rig = Rig("let a = MidiTrack(1); a << [C4]")
    t0 = rig.start()
    rig.play_until(F(1, 5))
    rig.engine.clock_out(True)  # 0.2 asked up to about 0.2125: the next sixteenth is 1/4
    rig.play_until(F(1, 2))
    system = [((t - t0) / 2, data) for t, data in rig.output.sent if data[0] >= 0xF0]
    assert system[:3] == [(0.25, (0xF2, 4, 0)), (0.25, (0xFB,)), (0.25, (0xF8,))]  # song position: 4 sixteenths
    assert len(system) == 2 + 25
    rig.engine.clock_out(False)
    rig.play_until(1)
    datas = [data for _, data in rig.output.sent]
    assert datas.count((0xFC,)) == 1
    assert (0xF8,) not in datas[datas.index((0xFC,)):]  # the ticks already asked for were dropped
    assert datas.count((0xF8,)) == 25 and datas[-1] == (0x90, 60, 100)  # and the notes play on


def test_start_plays_at_a_tempo_set_but_not_committed_yet():
    """A script's cps(…) is the session's before commit() hands it over:
    start() plays at it, as the export does, and the take says so."""
    rig = Rig("let a = MidiTrack(1); a << [C4 E4]", cps=F(1, 2))
    rig.interpreter.execute("cps(2)")  # not committed
    start = rig.start(until=1)
    assert rig.engine.clock.cps == 2
    rig.play_until(1)
    assert [(round(t - start, 6), m) for t, m in rig.output.sent if m[0] == 0x90] == [
        (0.0, (0x90, 60, 100)), (0.25, (0x90, 64, 100))]
