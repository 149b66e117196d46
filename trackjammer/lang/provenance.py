"""Provenance: the source text that recreates each value the language made.

Patterns are closures and cannot be printed, so the evaluator notes how each
pattern it makes was written, as parts: text, `Of(value)` (written as that
value's own source, so a name is inlined and rebinding it later never
changes an earlier value) and `Fn(name)` (a pattern function's name, which
a snapshot must use before a `let` shadows it). Only patterns need this
table, kept weakly on the session so it never keeps a pattern alive; every
other value (numbers, strings, arrays, partial functions, tracks, lanes) is
written from the value itself. Snapshots and export ask `source_of`.
"""

from __future__ import annotations

import math
import sys
from decimal import Decimal
from fractions import Fraction
from typing import Any, Iterable, Mapping, NamedTuple

from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import REGISTRY, Curried, Partial, describe
from trackjammer.errors import TrackJammerError
from trackjammer.lang.globals_registry import BUILTINS, BoundBuiltin
from trackjammer.midi.track import Lane, MidiTrack

#: A value whose source would be longer than this is refused (sharing can
#: make a source grow exponentially: `let a = stack(a, a)` again and again).
MAX_SOURCE = 1_000_000
LARGEST = int(sys.float_info.max)  # the largest whole number a script may write
BASE = 10**300  # digits of a fraction's too long numerator or denominator


class Of(NamedTuple):
    """A part written as the source of `value`."""

    value: Any


class Fn(NamedTuple):
    """A part naming the pattern function `name`."""

    name: str


class TrackName(NamedTuple):
    """A part naming the track a snapshot binds under `name`."""

    name: str


class NoSource(Exception):
    """A value with no known source: a bug of ours, not the user's."""


class SourceTooLarge(TrackJammerError):
    """A value whose source is too long to write."""


# -- recording ------------------------------------------------------------------


def record(session: Any, value: Any, parts: Iterable) -> Any:
    """Note how the pattern `value` was written; the first note wins (a
    transformation may give back its own pattern: `p.fast(1)`). Returns `value`."""
    if isinstance(value, Pattern):
        table = session.sources
        if value not in table:
            parts = tuple(parts)
            if not any(isinstance(p, Of) and p.value is value for p in parts):
                table[value] = parts
    return value


def call_parts(name: str, args: Iterable, kwargs: Iterable[tuple[str, Any]]) -> tuple:
    """`name(a, b, key: c)`."""
    return (Fn(name), "(", *_arguments(args, kwargs), ")")


def method_parts(target: Any, name: str, args: Iterable, kwargs: Iterable[tuple[str, Any]]) -> tuple:
    """`target.name(a, b, key: c)`: the method form, which a `let` cannot shadow."""
    return (Of(target), f".{name}(", *_arguments(args, kwargs), ")")


def _arguments(args: Iterable, kwargs: Iterable[tuple[str, Any]]) -> list:
    parts: list = []
    for value in args:
        parts += [", ", Of(value)] if parts else [Of(value)]
    for key, value in kwargs:
        parts += [", " if parts else "", f"{key}: ", Of(value)]
    return parts


# -- plain values -------------------------------------------------------------------


def number_text(number: Any) -> str:
    """A number as the language reads it back exactly, type included:
    3, (-3), 0.1, (1/3); a Fraction stays a Fraction even when whole."""
    if isinstance(number, bool):
        return "true" if number else "false"
    if isinstance(number, int):
        _check_writable(number)
        return f"({number})" if number < 0 else str(number)
    if isinstance(number, float):
        if not math.isfinite(number):
            raise NoSource(f"no source is known for the number {number!r}")
        if number == 0 and math.copysign(1, number) < 0:
            return "(0.0 * (-1))"  # -0.0: `-0.0` would read as 0 - 0.0
        text = format(Decimal(repr(abs(number))), "f")  # no exponent: 1e-07 → 0.0000001
        text = text if "." in text else text + ".0"
        return f"(-{text})" if number < 0 else text
    if isinstance(number, Fraction):
        if number.denominator == 1:  # 1/2 + 1/2: `1` would read as an int
            return f"(1/2 * {number_text(int(number))} * 2)"
        sign = "-" if number < 0 else ""
        if abs(number.numerator) <= LARGEST and number.denominator <= LARGEST:
            return f"({sign}{abs(number.numerator)}/{number.denominator})"
        return f"({sign}{_long_fraction(abs(number.numerator), number.denominator)})"
    raise NoSource(f"no source is known for the number {number!r} ({type(number).__name__})")


def _long_fraction(numerator: int, denominator: int) -> str:
    """n/d where n or d is too long for a script (1/3 multiplied by itself
    700 times): each as m × BASE^k with m < BASE written digit by digit
    (Horner), then the ratio of the two m scaled by BASE^(k - k'). Exact, and
    no step's value is larger than BASE or the result."""
    top, top_power = _scaled(numerator)
    bottom, bottom_power = _scaled(denominator)
    text = f"{top} / {bottom}"
    power = top_power - bottom_power
    for _ in range(abs(power)):
        text = f"({text}) {'*' if power > 0 else '/'} {BASE}"
    return text


def _scaled(number: int) -> tuple[str, int]:
    if number <= LARGEST:
        return str(number), 0
    digits = []  # in base BASE, least significant first
    while number:
        number, digit = divmod(number, BASE)
        digits.append(digit)
    text = str(digits[0])
    for digit in digits[1:]:
        text = f"({digit} + {text} / {BASE})"
    return text, len(digits) - 1


def _check_writable(number: int) -> None:
    if abs(number) > LARGEST:
        raise SourceTooLarge("a whole number larger than about 1.8e308 cannot be written")


def string_text(text: str) -> str:
    """A string in double quotes, with the language's escapes."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


# -- tracks -------------------------------------------------------------------------


def track_names(session: Any) -> dict[int, str]:
    """The name a snapshot binds each track under (by id): the first name
    holding it that shadows no pattern function, else its first name."""
    chosen: dict[int, str] = {}
    for name, value in session.names.items():
        if isinstance(value, MidiTrack):
            known = chosen.get(id(value))
            if known is None or (known in REGISTRY and name not in REGISTRY):
                chosen[id(value)] = name
    return chosen


# -- writing ------------------------------------------------------------------------


class Writer:
    """Writes values as source, noting the pattern functions and track names
    the text uses (`functions`, `tracks`): a snapshot orders its statements
    by them. Iterative, so a source nested thousands deep is no problem."""

    def __init__(self, session: Any, names: Mapping[int, str] | None = None):
        self.table = session.sources
        self.names = track_names(session) if names is None else names
        self.functions: set[str] = set()
        self.tracks: set[str] = set()
        self._parts: dict[int, tuple[Any, tuple]] = {}  # id → (value, parts); the value kept alive
        self._sizes: dict[int, int] = {}

    def write(self, value: Any) -> str:
        size = self._size(value)
        if size > MAX_SOURCE:
            raise SourceTooLarge(
                f"the source of {describe(value)} would be {size:,} characters long (at most {MAX_SOURCE:,})",
                hint="a value built from many copies of itself (let a = stack(a, a), again and again) grows fast",
            )
        out: list[str] = []
        stack = [iter(self.parts(value))]
        while stack:
            part = next(stack[-1], None)
            if part is None:
                stack.pop()
            elif isinstance(part, str):
                out.append(part)
            elif isinstance(part, Fn):
                self.functions.add(part.name)
                out.append(part.name)
            elif isinstance(part, TrackName):
                self.tracks.add(part.name)
                out.append(part.name)
            else:
                stack.append(iter(self.parts(part.value)))
        return "".join(out)

    def _size(self, value: Any) -> int:
        """Length of the source, without writing it (shared parts counted each time)."""
        pending, busy = [(value, False)], set()
        while pending:
            current, ready = pending.pop()
            key = id(current)
            if key in self._sizes:
                continue
            parts = self.parts(current)
            if ready:
                busy.discard(key)
                self._sizes[key] = sum(self._sizes[id(p.value)] if isinstance(p, Of) else _length(p) for p in parts)
                continue
            if key in busy:
                raise NoSource(f"the source of {describe(current)} refers to itself")
            busy.add(key)
            pending.append((current, True))
            pending.extend((p.value, False) for p in parts if isinstance(p, Of) and id(p.value) not in self._sizes)
        return self._sizes[id(value)]

    def parts(self, value: Any) -> tuple:
        known = self._parts.get(id(value))
        if known is None:
            known = self._parts[id(value)] = (value, self._parts_of(value))
        return known[1]

    def _parts_of(self, value: Any) -> tuple:
        if value is None:
            return ("none",)
        if isinstance(value, (bool, int, float, Fraction)):
            return (number_text(value),)
        if isinstance(value, str):
            return (string_text(value),)
        if isinstance(value, Pattern):
            parts = self.table.get(value)
            if parts is None:
                raise NoSource(f"no source is known for {describe(value)} ({value!r})")
            return parts
        if isinstance(value, list):
            return ("#[", *_arguments(value, ()), "]")
        if isinstance(value, Partial):
            return call_parts(value.entry.name, value.args, value.kwargs)
        if isinstance(value, Curried):
            return (Fn(value.entry.name),)
        if isinstance(value, MidiTrack):
            name = self.names.get(id(value))
            if name is not None:
                return (TrackName(name),)
            shown = "" if value.name is None else f", name: {string_text(value.name)}"
            return (f"MidiTrack({value.channel}, {value.velocity}{shown})",)  # held by no name: a like one
        if isinstance(value, Lane):
            return (Of(value.track), value.suffix)
        name = _builtin_name(value)
        if name is not None:
            return (name,)
        raise NoSource(f"no source is known for {describe(value)} ({type(value).__name__}: {value!r})")


def _length(part: Any) -> int:
    return len(part) if isinstance(part, str) else len(part.name)


def _builtin_name(value: Any) -> str | None:
    """The name of a global function (print, cps, ...): the language forbids
    rebinding those, so the bare name always means it."""
    if isinstance(value, BoundBuiltin) and value.name in BUILTINS:
        return value.name
    return None


def source_of(session: Any, value: Any) -> str:
    """Script text that gives `value` again, in a session where the
    session's snapshot has run (tracks are written by the name the snapshot
    binds them under). Raises NoSource for a value the language did not make."""
    return Writer(session).write(value)
