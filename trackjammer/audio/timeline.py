"""The export's messages in sample frames, and the notes they make.

A message at tick k (the tick `midi_export` writes it at) sounds at frame
round(k × rate / (ticks per cycle × cps)), halves up, so the audio holds
exactly what the file holds, at the tempo the session plays.
"""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

from trackjammer.midi.messages import NOTE_OFF, NOTE_ON, Message

SAMPLE_RATE = 44_100
CHANNELS = 16


class Timed(NamedTuple):
    """One MIDI message at a sample frame (a tuple: a render makes one per message)."""

    frame: int
    kind: int  # a Message.kind (midi/kinds.py)
    channel: int  # 0..15
    data1: int
    data2: int


class Note(NamedTuple):
    """A note from its note-on to its note-off, in frames."""

    start: int
    end: int
    channel: int
    note: int
    velocity: int


def frames_of(ticks: int | Fraction, per_cycle: int, cps: Fraction) -> int:
    """round(ticks × rate / (per_cycle × cps)), halves up, exactly: as
    whole numbers, n / d with n = ticks × rate × cps's denominator and
    d = per_cycle × its numerator (Fraction arithmetic gave the same, slower)."""
    ticks, cps = Fraction(ticks), Fraction(cps)
    n = ticks.numerator * SAMPLE_RATE * cps.denominator
    d = ticks.denominator * per_cycle * cps.numerator
    return (2 * n + d) // (2 * d)


def timed_messages(timed: list[tuple[int, Message]], per_cycle: int, cps: Fraction) -> list[Timed]:
    """(tick, message) in file order → messages at frames, in the same order."""
    cps = Fraction(cps)
    n, d = SAMPLE_RATE * cps.denominator, per_cycle * cps.numerator  # frames_of, for whole ticks
    return [Timed((2 * n * tick + d) // (2 * d), m.kind, m.channel, m.data1, m.data2) for tick, m in timed]


def notes_of(messages: list[Timed]) -> list[Note]:
    """Every note-on paired with its note-off (the export guarantees one each)."""
    sounding: dict[tuple[int, int], Timed] = {}
    notes = []
    for m in messages:
        if m.kind == NOTE_ON:
            sounding[m.channel, m.data1] = m
        elif m.kind == NOTE_OFF:
            on = sounding.pop((m.channel, m.data1), None)
            if on is not None:
                notes.append(Note(on.frame, max(m.frame, on.frame + 1), m.channel, m.data1, on.data2))
    return notes
