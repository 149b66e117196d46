"""Tonal transformations: pitches, chords, arpeggios, velocity and gate.

Value-level functions (`per_value=True`) map one event value; the registry
samples a patterned argument at each note's onset.
"""

from __future__ import annotations

import difflib
import math
import random
from itertools import groupby

from trackjammer.core.event import Event
from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import describe, transformation
from trackjammer.core.span import TimeSpan
from trackjammer.core.theory import scale_note
from trackjammer.core.tonal_names import chord_intervals, scale_steps, split_root
from trackjammer.core.transforms.chance import random_signal
from trackjammer.core.rand import salt_of
from trackjammer.core.values import is_number, map_number, number_of, with_gain, with_gate, with_velocity
from trackjammer.errors import ArgumentError

ARP_SALT = salt_of("arp")


def _lookup(table: dict, name: str, what: str):
    if name in table:
        return table[name]
    close = difflib.get_close_matches(name, list(table), n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"known {what}s: {', '.join(table)}"
    raise ArgumentError(f"unknown {what} '{name}'", hint=hint)


def _pitch(value, who: str):
    """The note number of an event value, to order a chord by (numbers only:
    a pattern of names has no pitch)."""
    number = number_of(value)
    if not is_number(number):
        raise ArgumentError(f"{who} needs notes, but the pattern holds {describe(number)}")
    return number


@transformation(kinds={"semitones": "number"}, family="tonal", per_value=True)
def transpose(value, semitones):
    """Move notes by `semitones` (12 is an octave up)."""
    return map_number(value, lambda n: n + semitones)


@transformation(kinds={"name": "string", "root": "note"}, family="tonal")
def scale(pat: Pattern, name, root=60) -> Pattern:
    """Read numbers as degrees of the named scale from `root` (a note name or
    number): [0 2 4].scale("dorian", "C3"). Degrees wrap into other octaves.
    Strudel's "C3:minor" names the root too; other tools' names work
    ("major pentatonic", "ionian")."""
    named_root, name = split_root(name)
    if named_root is not None:
        root = named_root
    steps = scale_steps(name)

    def degree_to_note(degree):
        if degree != int(degree):
            raise ArgumentError(f"scale degrees must be whole numbers, got {degree}")
        return scale_note(int(degree), steps, root)

    return pat.fmap(lambda value: map_number(value, degree_to_note))


@transformation(kinds={"name": "string"}, family="tonal")
def chord(pat: Pattern, name) -> Pattern:
    """Turn each note into the named chord on it: [C3 F3].chord("maj7").
    Symbols work too: "^7" "M7" "-7" "o" "+"."""
    intervals = chord_intervals(name)

    def expand(events: list[Event]) -> list[Event]:
        return [e.with_value(lambda v, i=i: map_number(v, lambda n: n + i)) for e in events for i in intervals]

    return pat.with_events(expand, same_times=True)


def _arp_order(mode: str, notes: list, shuffle_seed: float) -> list:
    ordered = sorted(notes, key=lambda e: _pitch(e.value, "arp"))
    if mode == "up":
        return ordered
    if mode == "down":
        return ordered[::-1]
    if mode == "updown":
        return ordered[:-1] + ordered[::-1][:-1] if len(ordered) > 1 else ordered
    if mode == "downup":
        return ordered[::-1][:-1] + ordered[:-1] if len(ordered) > 1 else ordered
    if mode == "converge":
        result, low, high = [], 0, len(ordered) - 1
        while low <= high:
            result.append(ordered[low])
            if low != high:
                result.append(ordered[high])
            low, high = low + 1, high - 1
        return result
    if mode == "diverge":
        return _arp_order("converge", notes, shuffle_seed)[::-1]
    shuffled = list(ordered)
    random.Random(shuffle_seed).shuffle(shuffled)
    return shuffled


ARP_MODES = ("up", "down", "updown", "downup", "converge", "diverge", "random")


@transformation(kinds={"mode": "string"}, family="tonal")
def arp(pat: Pattern, mode="up") -> Pattern:
    """Play the notes of each chord one after another within its span, in the
    order `mode`: up down updown downup converge diverge random."""
    if mode not in ARP_MODES:
        if mode[:1].isdigit():  # Strudel's arp("0 2 1") picks the chord's notes by their index
            raise ArgumentError(f"unknown arp mode '{mode}'",
                                hint="arp plays the notes in an order: up, down, updown, downup, converge, diverge "
                                     "or random (Strudel's arp picks them by index; Tidal's arp names the order)")
        _lookup({m: m for m in ARP_MODES}, mode, "arp mode")
    # Each event carries a random number drawn at its onset, used by "random".
    paired = pat.app_left(random_signal(ARP_SALT), lambda value, r: (value, r))

    def spread(events: list[Event]) -> list[Event]:
        result = []
        chords = [e for e in events if e.whole is not None]
        chords.sort(key=lambda e: (e.whole, e.part))
        for (whole, part), group in groupby(chords, key=lambda e: (e.whole, e.part)):
            group = list(group)
            # The chord's own random number (drawn at its onset), so each chord
            # is shuffled on its own, the same in every query window.
            shuffle_seed = group[0].value[1] if mode == "random" else 0
            group = [e.with_value(lambda pair: pair[0]) for e in group]
            notes = _arp_order(mode, group, shuffle_seed)
            step = whole.duration / len(notes)
            for i, e in enumerate(notes):
                new_whole = TimeSpan(whole.begin + i * step, whole.begin + (i + 1) * step)
                new_part = new_whole.intersection(part)
                if new_part is not None and (new_part.begin < new_part.end or part.begin == part.end):
                    result.append(Event(new_whole, new_part, e.value, e.context))
        return result

    return paired.with_events(spread)


@transformation(kinds={"delay": "time"}, family="tonal")
def strum(pat: Pattern, delay) -> Pattern:
    """Spread each chord's notes from low to high, each `delay` cycles after
    the one below it; all end together."""

    def spread(events: list[Event]) -> list[Event]:
        result = []
        chords = sorted((e for e in events if e.whole is not None), key=lambda e: (e.whole, e.part))
        for (whole, part), group in groupby(chords, key=lambda e: (e.whole, e.part)):
            for i, e in enumerate(sorted(group, key=lambda e: _pitch(e.value, "strum"))):
                begin = whole.begin + i * delay
                if begin >= whole.end:
                    continue
                new_whole = TimeSpan(begin, whole.end)
                new_part = new_whole.intersection(part)
                if new_part is not None and (new_part.begin < new_part.end or part.begin == part.end):
                    result.append(Event(new_whole, new_part, e.value, e.context))
        result.extend(e for e in events if e.whole is None)
        return result

    return pat.with_events(spread)


@transformation(kinds={"velocity": "number"}, family="tonal", per_value=True)
def vel(value, velocity):
    """Set the velocity (0..127) of every note; a pattern or signal is read at each note's onset."""
    return with_velocity(value, max(0, min(127, round(velocity))))


@transformation(kinds={"factor": "number"}, family="tonal", per_value=True)
def gain(value, factor):
    """Multiply each note's velocity by `factor` (whatever sets it: ^v, vel,
    the track's velocity or lane); 0.5 is half as loud, and gains multiply."""
    if factor < 0:
        raise ArgumentError(f"gain is a factor on the velocity, 0 or more; got {factor}",
                            hint="gain(0.5) plays at half the velocity; vel(40) sets a velocity")
    return with_gain(value, float(factor))


@transformation(kinds={"fraction": "positive time"}, family="tonal", per_value=True, aliases=("legato",))
def gate(value, fraction):
    """Sound each note for `fraction` of its span: 0.5 is staccato, 1 full
    length; legato is the same (Strudel's name)."""
    return with_gate(value, fraction)


@transformation("range", kinds={"low": "number", "high": "number"}, family="tonal", per_value=True)
def range_(value, low, high):
    """Scale values from 0..1 to low..high: Sine(1).range(60, 110)."""
    return map_number(value, lambda v: v * (high - low) + low)


@transformation(kinds={"low": "number", "high": "number"}, family="tonal", per_value=True)
def rangex(value, low, high):
    """range on an exponential curve: equal steps in, equal ratios out, as a
    cutoff or a pitch in Hz is heard: Sine(1).rangex(20, 2000)."""
    if low <= 0 or high <= 0:
        raise ArgumentError(f"rangex needs low and high above 0 (an exponential curve never reaches 0), got {low} and {high}",
                            hint="rangex(20, 2000); range(0, 127) is the straight line")
    lowest, ratio = math.log(low), math.log(high) - math.log(low)
    return map_number(value, lambda v: math.exp(v * ratio + lowest))
