"""The mini-notation as plain frozen dataclasses, each with its source position."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Union


@dataclass(frozen=True)
class Pos:
    line: int
    column: int


@dataclass(frozen=True)
class Atom:
    value: int | float
    text: str
    pos: Pos


@dataclass(frozen=True)
class Rest:
    pos: Pos


@dataclass(frozen=True)
class Body:
    """Layers that play together (`,`) or of which one is chosen per cycle (`|`)."""

    layers: tuple[Sequence, ...]
    choice: bool
    pos: Pos
    separator_pos: Pos | None = None  # where the first ',' or '|' stands


@dataclass(frozen=True)
class Group:
    body: Body


@dataclass(frozen=True)
class Alternate:
    body: Body


@dataclass(frozen=True)
class Polymeter:
    body: Body
    steps: Factor | None


Term = Union[Atom, Rest, Group, Alternate, Polymeter]
Factor = Union[Atom, Group, Alternate]


@dataclass(frozen=True)
class Fast:
    factor: Factor


@dataclass(frozen=True)
class Slow:
    factor: Factor


@dataclass(frozen=True)
class Replicate:
    count: int | None  # None: a bare "!" (one more copy)
    pos: Pos


@dataclass(frozen=True)
class Weight:
    """`@w` or `_w` adds w - 1 to the step's weight; a bare `@` or `_` adds 1."""

    weight: Fraction | None
    pos: Pos


@dataclass(frozen=True)
class Degrade:
    probability: float | None
    pos: Pos


@dataclass(frozen=True)
class Euclid:
    pulses: Sequence
    steps: Sequence
    rotation: Sequence | None


@dataclass(frozen=True)
class Velocity:
    factor: Factor


@dataclass(frozen=True)
class RangeTo:
    """`.. b`: the step's values become runs up (or down) to b, squeezed into
    each of its events, as Strudel reads `a .. b`."""

    stop: Factor
    pos: Pos


Modifier = Union[Fast, Slow, Replicate, Weight, Degrade, Euclid, Velocity, RangeTo]


@dataclass(frozen=True)
class Step:
    term: Term
    modifiers: tuple[Modifier, ...]


@dataclass(frozen=True)
class Literal:
    """A whole pattern literal `[ ... ]`, with modifiers written after it."""

    body: Body
    modifiers: tuple[Modifier, ...]
    pos: Pos


@dataclass(frozen=True)
class Sequence:
    """Steps in one cycle; with feet (`.`), each foot is one equal group."""

    feet: tuple[tuple[Step, ...], ...]
    pos: Pos
