"""The sending process's spin follows how late its wake-ups are (engine/waking.py)."""

from __future__ import annotations

import pytest

from trackjammer.engine.waking import DECAY, EXTRA, MAX_SPIN, MIN_SPIN, Waking


def test_it_starts_with_the_longest_spin():
    assert Waking().spin == MAX_SPIN


def test_punctual_wake_ups_bring_the_spin_down_slowly_to_their_lateness():
    waking = Waking()
    waking.woke(0.00004)
    assert waking.late == pytest.approx(MAX_SPIN * DECAY, rel=1e-12)  # one wake-up says little
    assert waking.spin == MAX_SPIN
    for _ in range(200):
        waking.woke(0.00004)
    assert waking.late == 0.00004
    assert waking.spin == pytest.approx(0.00004 + EXTRA, rel=1e-12)


def test_a_late_wake_up_raises_it_at_once_and_the_bounds_hold():
    waking = Waking()
    for _ in range(200):
        waking.woke(0.0)
    assert waking.spin == MIN_SPIN
    waking.woke(0.0001)
    assert waking.spin == pytest.approx(0.0001 + EXTRA, rel=1e-12)
    waking.woke(0.005)  # a loaded moment: never more than the longest spin
    assert waking.spin == MAX_SPIN
    waking.woke(0.0)
    assert waking.late == pytest.approx(0.005 * DECAY, rel=1e-12) and waking.spin == MAX_SPIN
