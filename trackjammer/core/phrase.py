"""A played phrase as a pattern that prints as the code that plays it.

`capture()` turns notes played in (times in cycles) into something a live
coder can read, edit and bind: the notes are put on a grid, and the
pattern's text is the mini-notation a performer would type for them, which
the language reads back into exactly the same events. The rules:

- An onset goes to the nearest grid step; exactly half way, to the later
  one. An end goes to its nearest step too, but a note keeps at least one
  step, so nothing played vanishes.
- A note whose onset rounds to the end of the phrase was an early downbeat
  of the next pass: it goes to step 0 (the phrase loops). A note held past
  the end is cut there.
- Two notes of one key on one step are one note: the longest, at the
  velocity of the one played first. A note of a key ends where the next
  note of that key starts (a MIDI channel sounds a key once).
- Each note keeps its velocity, written `^v`; chords are `[a,b,c]` (notes
  of one onset and one length), rests `~`, longer steps `@n`; notes that
  overlap without being a chord go to voices joined by `,`.
- Each cycle is one group, in turn: `[<[C4 E4 ~ G4] [C4 ~ ~ [E4,G4]]>]`.
  Cycles joined by a note held across their boundary are one group that
  lasts that many cycles (`[…]@2`). A phrase that repeats is written once
  (`capture(4)` of a one-cycle riff played four times prints one cycle),
  equal cycles in a row as `[…]!n`, one cycle as `[…]`.

The core cannot read text (the language sits above it), so the pattern is
built from the notes directly; tests read the text with the language and
compare the two.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, NamedTuple

from trackjammer.core.limits import MAX_STEPS, TooMuchWork
from trackjammer.core.pattern import Pattern, template_pattern
from trackjammer.core.theory import note_name
from trackjammer.core.time import to_time
from trackjammer.core.values import make_value
from trackjammer.errors import ArgumentError

MAX_STEPS_PER_CYCLE = 960  # the scheduler's own grid: a finer one cannot be played
MAX_NOTES = 10_000  # the text is read as mini-notation (about 1 ms a note)


class Played(NamedTuple):
    """A note on the grid, in steps from the phrase's start: [start, end)."""

    start: int
    end: int
    key: int
    velocity: int


class Phrase(Pattern):
    """A pattern that carries the mini-notation it was written as; its text
    is what the REPL shows and what str() gives."""

    __slots__ = ("text", "notes", "cycles")

    def __init__(self, text: str, notes: tuple[tuple[Fraction, Fraction, int, int], ...], cycles: int):
        played = _pattern(notes, cycles)
        super().__init__(played.query, played.template)
        self.text = text
        self.notes = notes  # (begin, end, key, velocity) in cycles, as quantized
        self.cycles = cycles

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Phrase({self.text})"


def phrase_pattern(notes: list[tuple[Any, Any, int, int]], cycles: int, grid: Any = Fraction(1, 16)) -> Phrase:
    """`notes` — (start, end, key, velocity), times in cycles from the
    phrase's start, start in [0, cycles) — quantized to `grid` (a cycle
    divided into a whole number of steps), as a pattern that loops every
    `cycles` cycles and prints as mini-notation."""
    steps = _steps_per_cycle(grid)
    if isinstance(cycles, bool) or not isinstance(cycles, int) or cycles < 1:
        raise ArgumentError(f"a phrase lasts a whole number of cycles from 1, got {cycles!r}", hint="capture(2)")
    if cycles * steps > MAX_STEPS:
        raise TooMuchWork(f"a phrase of {cycles:,} cycles on a grid of 1/{steps} is too long: at most "
                          f"{MAX_STEPS // steps:,} cycles on that grid ({MAX_STEPS:,} steps)",
                          hint="capture fewer cycles, or on a coarser grid: capture(4, grid: 1/8)")
    if len(notes) > MAX_NOTES:
        raise ArgumentError(f"a phrase of {len(notes):,} notes is too many (at most {MAX_NOTES:,})",
                            hint="capture fewer cycles")
    played = quantize(notes, cycles, steps)
    per = Fraction(1, steps)
    exact = tuple((n.start * per, n.end * per, n.key, n.velocity) for n in played)
    return Phrase(phrase_text(played, cycles, steps), exact, cycles)


def _steps_per_cycle(grid: Any) -> int:
    try:
        step = to_time(grid)
    except (TypeError, ValueError):
        step = None
    if step is None or step <= 0 or step.numerator != 1 or step.denominator > MAX_STEPS_PER_CYCLE:
        raise ArgumentError(f"the grid must divide a cycle into 1 to {MAX_STEPS_PER_CYCLE} equal steps, got {grid!r}",
                            hint="grid: 1/16 (sixteen steps a cycle), 1/12 for triplets")
    return step.denominator


def quantize(notes: list[tuple[Any, Any, int, int]], cycles: int, steps: int) -> list[Played]:
    """The notes on a grid of `steps` a cycle (the rules in the module's
    docstring), sorted by start, then key."""
    total = cycles * steps
    placed: dict[tuple[int, int], tuple[tuple[Fraction, int], Played]] = {}  # (key, step) → (who came first, note)
    for number, note in enumerate(notes, start=1):
        start, end, key, velocity = _checked(note, number, cycles)
        first = _nearest(start * steps)
        length = max(_nearest(end * steps) - first, 1)
        if first >= total:  # an early downbeat of the next pass
            first -= total
        order, new = (start, -velocity), Played(first, min(first + length, total), key, velocity)
        if (key, first) in placed:  # one note: the longest, at the velocity of the one played first (the louder at once)
            kept_order, kept = placed[key, first]
            leader = kept if kept_order <= order else new
            order, new = min(kept_order, order), leader._replace(end=max(kept.end, new.end))
        placed[key, first] = (order, new)
    by_key = sorted((n for _, n in placed.values()), key=lambda n: (n.key, n.start))
    ended = [n if after.key != n.key or after.start >= n.end else n._replace(end=after.start)
             for n, after in zip(by_key, by_key[1:] + [Played(0, 0, -1, 0)])]
    return sorted(ended, key=lambda n: (n.start, n.key))


def _nearest(position: Fraction) -> int:
    """The nearest whole step; half way goes to the later one."""
    return math.floor(position + Fraction(1, 2))


def _checked(note: Any, number: int, cycles: int) -> tuple[Fraction, Fraction, int, int]:
    where = f"note {number} of the phrase"
    try:
        start, end, key, velocity = note
        start, end = to_time(start), to_time(end)
    except (TypeError, ValueError):
        raise ArgumentError(f"{where} is not (start, end, key, velocity) with times in cycles: {note!r}",
                            hint="(0, 1/4, 60, 100): C4 for the first quarter of the first cycle") from None
    if not 0 <= start < cycles:
        raise ArgumentError(f"{where} starts at {start}, outside the phrase's cycles 0 to {cycles}",
                            hint="times count in cycles from the start of the phrase")
    if end < start:
        raise ArgumentError(f"{where} ends at {end}, before it starts at {start}", hint="give the end after the start")
    for name, value in (("key", key), ("velocity", velocity)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 127:
            raise ArgumentError(f"{where} has {name} {value!r}; MIDI's are whole numbers 0..127", hint="60 is C4")
    return start, end, key, velocity


# -- the pattern ------------------------------------------------------------------


def _pattern(notes: tuple[tuple[Fraction, Fraction, int, int], ...], cycles: int) -> Pattern:
    """The notes as one cycle's template, slowed to the phrase's length: it
    loops, and plays each note whole even across a cycle's boundary."""
    shrink = Fraction(1, cycles)
    template = tuple((begin * shrink, end * shrink, make_value(key, velocity), ())
                     for begin, end, key, velocity in notes)
    return template_pattern(template).fast_by(shrink)


# -- the text ----------------------------------------------------------------------


def phrase_text(notes: list[Played], cycles: int, steps: int) -> str:
    """The mini-notation of quantized notes over `cycles` cycles of `steps`,
    as a pattern literal (in brackets, as the language reads it)."""
    cycles = loop_period(notes, cycles, steps)
    notes = [n for n in notes if n.start < cycles * steps]
    groups = []
    for first, count in _runs(notes, cycles, steps):
        begin, end = first * steps, (first + count) * steps
        inside = [n._replace(start=n.start - begin, end=n.end - begin) for n in notes if begin <= n.start < end]
        groups.append((_voices(inside, end - begin), count))
    if len(groups) == 1:
        body, count = groups[0]
        if _one_step(body) and body.startswith("["):
            body = body[1:-1]  # a lone chord: its notes are the group's voices
        return f"[{body}]" + ("" if count == 1 else f"/{count}")
    items: list[str] = []
    index = 0
    while index < len(groups):
        body, count = groups[index]
        step = body if _one_step(body) else f"[{body}]"
        same = 1
        while count == 1 and index + same < len(groups) and groups[index + same] == (body, 1):
            same += 1
        items.append(f"{step}@{count}" if count > 1 else step if same == 1 else f"{step}!{same}")
        index += same
    return "[<" + " ".join(items) + ">]"


def loop_period(notes: list[tuple], cycles: int, per_cycle: int) -> int:
    """The fewest whole cycles that, repeated, play all of `notes`: tuples
    (start, end, anything else), times in 1/per_cycle of a cycle; no note
    may cross the loop's end. (midi_import shortens a file's clip so too.)"""
    everything = set(notes)
    for period in range(1, cycles):
        if cycles % period:
            continue
        length = period * per_cycle
        first = [n for n in notes if n[0] < length]
        if any(n[1] > length for n in first):
            continue
        repeats = {(n[0] + k * length, n[1] + k * length, *n[2:]) for n in first for k in range(cycles // period)}
        if repeats == everything:
            return period
    return cycles


def _runs(notes: list[Played], cycles: int, steps: int) -> list[tuple[int, int]]:
    """(first cycle, count): the cycles joined by notes held across their
    boundaries."""
    crossed = {k for k in range(1, cycles) for n in notes if n.start < k * steps < n.end}
    runs, first = [], 0
    for k in range(1, cycles + 1):
        if k not in crossed:
            runs.append((first, k - first))
            first = k
    return runs


def _voices(notes: list[Played], total: int) -> str:
    """The notes of one group of `total` steps: chords (one onset, one
    length) go to the first voice free at their onset; voices are joined
    by `,`, each a sequence in its own largest step."""
    chords: dict[tuple[int, int], list[Played]] = {}
    for note in notes:
        chords.setdefault((note.start, note.end), []).append(note)
    voices: list[list[tuple[int, int, list[Played]]]] = []
    for (start, end), chord in sorted(chords.items()):
        for voice in voices:
            if voice[-1][1] <= start:
                voice.append((start, end, chord))
                break
        else:
            voices.append([(start, end, chord)])
    return ", ".join(_voice(voice, total) for voice in voices) or "~"


def _one_step(text: str) -> bool:
    """Whether `text` is a single step (no space or comma outside brackets)."""
    depth = 0
    for char in text:
        depth += char == "["
        depth -= char == "]"
        if depth == 0 and char in " ,":
            return False
    return True


def _voice(voice: list[tuple[int, int, list[Played]]], total: int) -> str:
    unit = total
    for start, end, _ in voice:
        unit = math.gcd(unit, start, end)
    steps: list[str] = []
    now = 0
    for start, end, chord in voice:
        if start > now:
            steps.append(_rest((start - now) // unit))
        names = [f"{note_name(n.key)}^{n.velocity}" for n in sorted(chord, key=lambda n: n.key)]
        step = names[0] if len(names) == 1 else "[" + ",".join(names) + "]"
        weight = (end - start) // unit
        steps.append(step if weight == 1 else f"{step}@{weight}")
        now = end
    if total > now:
        steps.append(_rest((total - now) // unit))
    return " ".join(steps)


def _rest(weight: int) -> str:
    """`~`, `~ ~`, then `~@n`: as short as a rest can be written."""
    return " ".join(["~"] * weight) if weight <= 2 else f"~@{weight}"
