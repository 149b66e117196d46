"""A pattern too dense for any MIDI port fails like a failing pattern: its
track falls back, the clock and the other tracks play on exactly (the
engine on a fake clock, exact messages; core/limits.py holds the budget)."""

from __future__ import annotations

import math
import time
from fractions import Fraction as F

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.core.limits import Budget, EVENTS_PER_SECOND
from trackjammer.midi.messages import plan_of_track
from trackjammer.midi.smf import export_messages
from tests.engine.test_fallback import Rig, note_ons
from tests.engine.test_retract import far

HINT = "\nhint: play it slower or with fewer steps, as fast(16) or segment(16) would"
TOO_DENSE = ("this asks for about 100,000 events a cycle, 50,000 a second at cps 0.5; "
             f"a MIDI port carries at most {EVENTS_PER_SECOND:,} a second on one track")
LIGHT_THEN_HEAVY = "[<C5 C5*100000>]"  # cycle 0 is one note (the binding is accepted), cycle 1 is 100,000

pytestmark = pytest.mark.usefixtures("only_the_first_cycle_tried")  # (tests/engine/conftest.py)


def sixteenths(note: int, cycles) -> list[tuple[F, int]]:
    return [(c + F(k, 16), note) for c in cycles for k in range(16)]


def test_a_pattern_too_dense_to_play_falls_back_and_the_other_track_stays_exact():
    rig = Rig("let p = MidiTrack(2); p << [E4*16]; let h = MidiTrack(1); h << [C4*16]")
    before = rig.session.names["h"].notes
    rig.start()
    rig.play_until(F(1, 2))
    rig.run("h << " + LIGHT_THEN_HEAVY)  # lands on cycle 1, where its cycle 1 (the heavy one) plays
    rig.play_until(4)
    assert rig.said == ["error: track 'h' stopped: " + TOO_DENSE + "; its previous pattern plays again" + HINT]
    assert note_ons(rig, 0) == sixteenths(60, range(4)) + [(4, 60)]  # h: its previous pattern, from the same window
    assert note_ons(rig, 1) == sixteenths(64, range(4)) + [(4, 64)]  # p: every note, on time
    h = rig.session.names["h"]
    assert h.fell_back and h.notes is before


def test_what_plays_beside_a_refused_pattern_is_the_export_of_the_plain_track():
    rig = Rig("let p = MidiTrack(2); p << [E4*16]; p.cc(74) << Sine(1)")
    rig.start()
    rig.play_until(F(1, 2))
    rig.run("let h = MidiTrack(1); h << " + LIGHT_THEN_HEAVY)
    rig.play_until(3)
    assert rig.said == ["error: track 'h' stopped: " + TOO_DENSE + HINT]  # its first binding: h falls silent
    assert note_ons(rig, 0) == []
    want, _ = export_messages([plan_of_track(rig.session.names["p"], 1)], 3, 0, 4)
    sent = [data for _, data in rig.output.sent if data[0] & 0x0F == 1]
    assert sent[:len(want)] == [tuple(m.bytes()) for m in want]
    assert len(want) > 16 * 3 * 2 + 3 * 64  # notes and the sine's changes


def test_a_dense_once_is_said_and_the_track_plays_its_binding():
    rig = Rig("let b = MidiTrack(1); b << [C4*16]")
    rig.start()
    rig.play_until(F(1, 2))
    rig.run("once(b, [C5].fast(100000))")
    rig.play_until(3)
    assert rig.said == ["error: once on track 'b' stopped: " + TOO_DENSE + HINT]
    assert note_ons(rig) == sixteenths(60, range(3)) + [(3, 60)]


def test_a_dense_cc_lane_fails_its_track_too():
    rig = Rig("let b = MidiTrack(1); b << [C4*16]")
    rig.start()
    rig.play_until(F(1, 2))
    rig.run("b.cc(74) << [<0 [0 127]*50000>]")
    rig.play_until(3)
    assert rig.said == ["error: track 'b' stopped: " + TOO_DENSE + "; its previous pattern plays again" + HINT]
    assert note_ons(rig) == sixteenths(60, range(3)) + [(3, 60)]
    assert [data for _, data in rig.output.sent if data[0] == 0xB0] == []  # b's one light cycle never played


def test_hush_acts_at_once_while_a_dense_pattern_is_bound():
    rig = Rig("let h = MidiTrack(1); h << [C4*16]")
    rig.start()
    rig.play_until(F(1, 2))
    rig.run("h << " + LIGHT_THEN_HEAVY)
    rig.play_until(F(5, 4))
    started = time.perf_counter()
    rig.run("hush()")
    rig.play_until(3)
    assert time.perf_counter() - started < 1  # far from the noise: it took minutes before the budget
    assert note_ons(rig) == sixteenths(60, [0]) + sixteenths(60, [1])[:5]  # up to 5/4, worked out before hush


def test_a_track_may_send_the_budget_and_no_more():
    budget = Budget.live(F(1, 2))
    assert budget.per_cycle == 2 * EVENTS_PER_SECOND
    assert budget.allowed(F(1, 40)) == 250 and budget.allowed(F(1, 960)) == 128  # every window may hold a chord


def test_with_quantize_zero_a_dense_pattern_plays_through_windows_across_cycle_boundaries():
    """Asked far ahead in windows of 100 ms that, with quantize(0), are not
    cut at cycle boundaries: 480 notes a cycle (240 a second) play on,
    exactly as exported, where such a window once counted as too dense."""
    rig = far(Rig("quantize(0)"))
    rig.start()
    rig.play_until(F(1, 3))
    rig.run("let h = MidiTrack(1); h << [C5*480]")
    landed = rig.engine.scheduler.horizon
    rig.play_until(3)
    assert rig.said == []
    assert note_ons(rig) == [(F(k, 480), 72) for k in range(math.ceil(landed * 480), 3 * 480 + 1)]
