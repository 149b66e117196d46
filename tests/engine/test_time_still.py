"""A tempo of 0 or less holds time still (docs/live.md, Time): the notes
sounding hold, as under a fermata, the performer is told so, and hush()
ends them at once although their ends never come; a tempo set again plays
on from where time stood."""

from __future__ import annotations

from fractions import Fraction as F

from trackjammer.lang.builtins import STILL
from tests.engine.test_fallback import Rig


def test_time_held_still_holds_the_notes_and_hush_ends_them_at_once():
    rig = Rig("let a = MidiTrack(1); a << [C4@3 ~]")
    rig.start()
    rig.play_until(F(1, 4))
    rig.run("cps(0)")
    assert rig.said == [STILL]
    rig.fake.t += 5  # five seconds of time standing still
    rig.engine.scheduler.step()
    assert [data for _, data in rig.output.sent] == [(0x90, 60, 100)] and rig.output.held == {(0, 60)}
    hushed = rig.fake.t
    rig.run("hush()")
    assert rig.output.sent[-1] == (hushed, (0x80, 60, 0)) and rig.output.held == set()


def test_time_set_going_again_plays_on_from_where_it_stood():
    rig = Rig("let a = MidiTrack(1); a << [C4@3 E4]")
    rig.start()
    rig.play_until(F(1, 4))
    rig.run("bpm(-10)")  # less than 0 holds it still too
    rig.fake.t += 3
    rig.engine.scheduler.step()
    resumed = rig.fake.t
    rig.run("cps(1/2)")
    rig.play_until(F(1, 4) + 1)  # the position, a cycle on, as the clock counts it
    sent = [(round(t - resumed, 6), data) for t, data in rig.output.sent[1:]]
    assert sent == [(1.0, (0x80, 60, 0)), (1.0, (0x90, 64, 100)), (1.5, (0x80, 64, 0)), (1.5, (0x90, 60, 100))]
