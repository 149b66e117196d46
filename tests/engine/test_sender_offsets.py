"""Latency and nudge in the sending process: a message handed over with
`earlier` seconds leaves exactly that long before its cycle's wall time,
also after a tempo change, in the order of when it leaves (the protocol as
in test_sender.py, whose fixtures these tests share)."""

from __future__ import annotations

import time
from fractions import Fraction as F

import pytest

from tests.engine.test_sender import Reports, note, sender  # noqa: F401 - sender: the fixture


def test_each_message_leaves_its_offset_before_its_cycle_in_the_order_it_leaves(sender):  # noqa: F811
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    wall = time.monotonic() + 0.05
    sender.anchor(wall, 0.0, 1.0)  # cycle 0 in 50 ms, one cycle a second
    late, plain, early = note("1/10", pitch=64), note("1/10", pitch=67), note("1/10", pitch=60)
    sender.schedule([(output, late, -0.004), (output, plain), (output, early, 0.012)])
    reports.wait_for(3)
    assert [m for m, _, _ in reports.sent] == [early, plain, late]
    assert [due for _, due, _ in reports.sent] == pytest.approx([wall + 0.1 - 0.012, wall + 0.1, wall + 0.1 + 0.004],
                                                                abs=1e-9)
    assert all(sent >= due for _, due, sent in reports.sent)


def test_a_tempo_change_keeps_the_offset_in_milliseconds(sender):  # noqa: F811
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    sender.anchor(time.monotonic(), 0.0, 0.0)  # time stands still: nothing is due yet
    sender.schedule([(output, note("1/4"), 0.02), (output, note("1/4", pitch=64))])
    time.sleep(0.05)
    wall = time.monotonic() + 0.02
    sender.anchor(wall, 0.0, 2.0)  # two cycles a second from here: cycle 1/4 is 125 ms on
    reports.wait_for(2)
    assert [due for _, due, _ in reports.sent] == pytest.approx([wall + 0.125 - 0.02, wall + 0.125], abs=1e-9)
    assert [m.time for m, _, _ in reports.sent] == [F(1, 4), F(1, 4)]  # what the take gets: musical time
