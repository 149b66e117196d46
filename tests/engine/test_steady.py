"""A steady stretch (engine/steady.py): a period that repeats is handed over
once and played again, and what plays is exactly what plays without it.

On a fake clock, the scheduler set as the engine sets it with a sending
process (far lookahead, windows kept to go back to); `Replayer` plays the
sending process's part on the scheduler's own queue: each period put in
REPLAY_LEAD ahead, ended by a retract where it cuts (after putting in what
comes before the cut) or at the run's end. The sending process's own
replay is tested over JACK in test_live_jack.py.
"""

from __future__ import annotations

import random
from fractions import Fraction as F

import pytest

from trackjammer.engine.sender_process import REPLAY_LEAD

from tests.engine.test_retract import far
from tests.engine.test_scheduler import Rig, assert_sent_as_exported, expected

PROGRAM = ("let a = MidiTrack(1); a << [C4 [E4 G4]](3,8); a.gate(3); a.cc(74) << Sine(1/4); a.vel << [60 100 80];"
           "a.program(4); let b = MidiTrack(2, 90); b << [C2 ~ <C2 D2>@2].gate(1/2); b.bend << Saw(1/2)")


class Replayer:
    """The sending process's part of a steady stretch, on the rig: each
    period put in its own queue REPLAY_LEAD ahead and sent from there at
    its time, beside what the scheduler sends."""

    def __init__(self, rig: Rig):
        self.rig = rig
        self.scheduler = scheduler = rig.engine.scheduler
        scheduler.steady_ok, scheduler.hand_steady, scheduler.take_back = lambda: True, self.hand, self.take_back
        self.handed: list[tuple[F, int]] = []  # (begin, period) of each stretch handed over
        self.replay: list | None = None  # [messages, begin, period, end, lap, index]
        self.queue: list = []  # put in, not sent yet

    def hand(self, messages, begin, period, end) -> None:
        self.handed.append((begin, period))
        self.replay = [messages, begin, period, end, 1, 0] if messages else None

    def put_in(self, upto: F) -> None:
        """Every message of the stretch before `upto`, into the queue."""
        while self.replay is not None:
            messages, _, period, end, lap, index = self.replay
            message = messages[index]
            message = message._replace(time=message.time + lap * period)
            if message.time >= upto:
                return
            if end is not None and message.time >= end:
                self.replay = None
                return
            self.queue.append(message)
            self.replay[5] = index + 1
            if self.replay[5] == len(messages):
                self.replay[4:] = [lap + 1, 0]

    def take_back(self, cut: F) -> bool:
        self.put_in(cut)
        self.replay = None
        self.queue = [message for message in self.queue if message.time < cut]
        return True

    def play_until(self, cycle) -> None:
        """As Rig.play_until, the replay put in ahead and sent at its time
        (the sending process wakes at least every quarter second)."""
        rig, clock = self.rig, self.rig.engine.clock
        end = clock.time_of(cycle)
        while True:
            self.put_in(F(clock.cycle_at(rig.fake.t) + REPLAY_LEAD * float(clock.cps)))
            queue = self.queue
            while queue and clock.time_of(queue[0].time) <= rig.fake.t:
                rig.output.send(queue.pop(0).bytes())
            due, _ = self.scheduler.step()
            if rig.fake.t >= end:
                return
            replayed = clock.time_of(queue[0].time) if queue else end
            rig.fake.t = min(due, end, replayed, rig.fake.t + 0.25)


def test_a_steady_stretch_is_handed_over_once_and_plays_exactly_the_export():
    rig = far(Rig(PROGRAM))
    replayer = Replayer(rig)
    t0 = rig.start(until=24)
    replayer.play_until(1)
    # Sine(1/4) repeats every 4 cycles; at cycle 0 no CC had been sent, so the period
    # watched from 0 does not repeat, the one from the second window's beginning does.
    # A period ending within 10 s is asked for at once: handed over within the first cycle
    (begin, period), = replayer.handed
    assert period == 4 and begin == rig.engine.scheduler.steady.windows[0][0].cycle and 0 < begin < 1
    assert rig.engine.scheduler.horizon == begin + 4
    replayer.play_until(12)
    assert rig.engine.scheduler.horizon == begin + 4  # nothing asked since
    replayer.play_until(24)
    assert_sent_as_exported(rig, t0, 24)  # the run's end cut the stretch, and the notes sounding there ended
    assert rig.engine.scheduler.playing is False


@pytest.mark.parametrize("moments", [
    [F(9), F(61, 4), F(43, 2), F(111, 4), F(34)],  # a quarter cycle further into each stretch
    [F(9) + k * F(44, 7) for k in range(6)],  # off any grid the windows keep
])
def test_taking_back_inside_a_steady_stretch_plays_exactly_the_export(moments):
    """Each input leaves the stretch where it lands: the state there is a
    watched window's, moved on by whole periods and asked again up to it."""
    rig = far(Rig(PROGRAM))
    replayer = Replayer(rig)
    t0 = rig.start(until=48)
    for moment in moments:
        replayer.play_until(moment)
        assert rig.engine.scheduler.steady is not None  # steady again since the last change: cut inside it
        rig.run("")
    replayer.play_until(48)
    assert_sent_as_exported(rig, t0, 48)


CHANGES = ["a << [D4 F4 A4](5,8)", "a.mute()", "a.unmute()", "b << [G2*4].gate(3)", "a.cc(74) << Saw(1/2)",
           "b.solo()", "b.unsolo()", "setcps(0.6)", "quantize(0)", "quantize(1)", "a.transpose(3)", "b.vel << [40 90]"]


@pytest.mark.parametrize("seed", range(6))
def test_changes_at_random_moments_play_the_same_with_and_without_steady_stretches(seed):
    """The same inputs at the same moments: every message the same, at the same time."""
    rng = random.Random(seed)
    moments = sorted(F(rng.randrange(20, 900), 40) for _ in range(8))
    changes = [rng.choice(CHANGES) for _ in moments]
    sent = []
    for steady in (False, True):
        rig = far(Rig(PROGRAM))
        replayer = Replayer(rig)
        rig.engine.scheduler.steady_ok = lambda steady=steady: steady
        rig.start(until=24)
        for moment, change in zip(moments, changes):
            replayer.play_until(moment)
            rig.run(change)
        replayer.play_until(24)
        sent.append([(round(t, 9), data) for t, data in rig.output.sent])
        assert rig.output.held == set()
        assert bool(replayer.handed) is steady
    assert sent[1] == sent[0]


@pytest.mark.parametrize("program", [
    "let a = MidiTrack(1); a << [C4 E4].degradeBy(0.5)",  # random: no period
    "let a = MidiTrack(1); a << [C4 E4]; a.cc(1) << Rand()",
])
def test_nothing_random_is_handed_over_as_a_steady_stretch(program):
    rig = far(Rig(program))
    replayer = Replayer(rig)
    t0 = rig.start(until=12)
    replayer.play_until(12)
    assert replayer.handed == []
    assert_sent_as_exported(rig, t0, 12)


def test_a_bounded_run_ending_in_a_steady_stretch_with_nothing_sounding_plays_to_its_end():
    """Nothing sounds at the end, so nothing is left to send there: the run
    is finished when the clock gets there, not when the stretch was left."""
    rig = far(Rig("let a = MidiTrack(1); a << [C4 E4 ~ G4].gate(1/2)"))
    replayer = Replayer(rig)
    t0 = rig.start(until=12)
    replayer.play_until(F(239, 20))  # the last window is asked, and the stretch left at 12, 0.15 s before it
    assert rig.engine.scheduler.steady is None and replayer.handed
    assert rig.engine.scheduler.playing and not rig.engine.finished.is_set()  # notes before 12 are still to come
    replayer.play_until(12)
    assert_sent_as_exported(rig, t0, 12)
    assert rig.engine.scheduler.playing is False


def test_a_stream_repeats_a_period_later_and_moved_on_it_goes_on_as_the_later_one():
    from trackjammer.midi.messages import MessageStream, plan_of_track

    rig = Rig(PROGRAM)
    plans = [plan_of_track(t, i) for i, t in enumerate(rig.session.tracks())]
    stream = MessageStream()
    for k in range(8):  # notes sounding across every boundary (gate 3), CC values sent
        stream.window(plans, F(k, 2), F(k + 1, 2))
    at_4 = stream.fork()
    for k in range(8, 16):
        stream.window(plans, F(k, 2), F(k + 1, 2))
    assert stream.repeats(at_4, 4)
    assert not stream.repeats(at_4, 2) and not stream.repeats(at_4, 0)  # Sine(1/4) repeats every 4 cycles only
    moved = at_4.fork(4)
    assert stream.repeats(moved, 0)
    assert moved.window(plans, F(8), F(10)) == stream.window(plans, F(8), F(10))
    assert at_4.window(plans, F(4), F(5))  # the original is untouched: it goes on from cycle 4


def test_handed_over_ahead_a_period_asked_at_once_goes_over_in_a_few_batches_not_one_per_message():
    """With a sending process, messages are handed over 1.25 s ahead of
    their time; a period asked for at once (ending within EARLY) goes over
    whole, else the clock thread would wake for each message to hand it on."""
    from trackjammer.engine.live import FAR_LOOKAHEAD
    from trackjammer.engine.scheduler import EARLY

    rig = far(Rig(PROGRAM))
    Replayer(rig)
    scheduler = rig.engine.scheduler
    batches: list[list] = []
    scheduler.send = batches.append
    scheduler.ahead = FAR_LOOKAHEAD
    assert EARLY >= 8  # the period: 4 cycles at cps 1/2
    rig.start(until=24)
    wakes = 0
    while rig.fake.t < rig.at(6):
        due, _ = scheduler.step()
        rig.fake.t = max(rig.fake.t, due)
        wakes += 1
    period = scheduler.steady.start - scheduler.steady.begin
    assert period == 4 and scheduler.horizon == scheduler.steady.start  # asked for, whole, within the first cycle
    assert [m for batch in batches for m in batch] == [m for m in expected(rig.session, 5) if m.time < scheduler.horizon]
    assert len(batches) <= 12 and wakes <= 12, (len(batches), wakes)
