"""MIDI clock out: 24 ticks per quarter note, with start, stop, continue
and song position, as messages on the same timeline as the notes.

A beat is 1/beats_per_cycle of a cycle, so a cycle has 24 × beats_per_cycle
ticks, each at an exact cycle time: the ticks follow cps changes like every
other message. Start, continue and song position sort before the tick of
their moment (track −2 before −1), stop after the notes of its moment.
"""

from __future__ import annotations

import math
from fractions import Fraction

from trackjammer.midi.kinds import CLOCK as TICK, CONTINUE, SONG_POSITION, START, STOP, SYSTEM
from trackjammer.midi.messages import Message

PPQN = 24


def ticks(begin: Fraction, end: Fraction, beats_per_cycle: int) -> list[Message]:
    """The clock ticks in [begin, end)."""
    per_cycle = PPQN * beats_per_cycle
    first = math.ceil(begin * per_cycle)
    last = math.ceil(end * per_cycle)
    return [Message(Fraction(k, per_cycle), SYSTEM, -1, 0, TICK, 0) for k in range(first, last)]


def start_at(cycle: Fraction, beats_per_cycle: int) -> list[Message]:
    """What a receiver needs to follow from `cycle` on: start at cycle 0,
    else song position (in sixteenth notes) and continue."""
    if cycle == 0:
        return [Message(Fraction(0), SYSTEM, -2, 0, START, 0)]
    sixteenths = int(cycle * beats_per_cycle * 4) & 0x3FFF
    return [Message(cycle, SYSTEM, -3, 0, SONG_POSITION, sixteenths), Message(cycle, SYSTEM, -2, 0, CONTINUE, 0)]


def next_sixteenth(cycle: Fraction, beats_per_cycle: int) -> Fraction:
    step = Fraction(1, 4 * beats_per_cycle)
    return math.ceil(cycle / step) * step


def stop_at(cycle: Fraction) -> Message:
    return Message(cycle, SYSTEM, 16, 0, STOP, 0)
