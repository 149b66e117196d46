"""Mini AST → Pattern, written with the pattern engine's constructors and
registered transformations (so `a*<2 3>` and `a(<3 5>,8)` use the same
patterned-argument machinery as `fast` and `euclid` in scripts).

Random constructs (`?`, `|`) are numbered in order within their literal and
seeded by that number, as Strudel does: typing elsewhere in the pattern
leaves their choices alone; only adding or removing a `?` or `|` before
them reshuffles them.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import count

from trackjammer.core import constructors as c
from trackjammer.core.pattern import Pattern
from trackjammer.core.rand import salt_of
from trackjammer.core.registry import REGISTRY
from trackjammer.core.transforms.chance import choose_per_cycle, keep_by_chance
from trackjammer.core.limits import check_steps
from trackjammer.errors import MiniNotationError, TrackJammerError
from trackjammer.lang import mini_ast as ast


def build(body: ast.Body) -> Pattern:
    """The pattern a mini-notation body denotes."""
    return _Builder().body(body, sequence=True)


def build_literal(literal: ast.Literal) -> Pattern:
    """The pattern of a whole literal `[ ... ]` with its trailing modifiers."""
    builder = _Builder()
    pattern = builder.body(literal.body, sequence=True)
    for modifier in literal.modifiers:
        pattern = builder.modify(pattern, modifier)
    return pattern


def _atom(atom: ast.Atom) -> Pattern:
    return c.pure(atom.value, ((atom.pos.line, atom.pos.column),))


class _Builder:
    """Builds one literal; counts its random constructs for their seeds."""

    def __init__(self):
        self._random = count()

    def salt(self, kind: str) -> int:
        return salt_of(kind, next(self._random))

    def body(self, body: ast.Body, sequence: bool) -> Pattern:
        build_layer = self.sequence if sequence else self.alternation
        layers = [build_layer(layer) for layer in body.layers]
        if not layers:
            return c.silence
        if body.choice:
            return choose_per_cycle(layers, self.salt("|"))
        return c.stack(*layers)

    def weighted_steps(self, sequence: ast.Sequence) -> list[list[tuple[Fraction, Pattern]]]:
        """Each foot as a list of (weight, pattern), replication expanded."""
        feet = []
        for foot in sequence.feet:
            steps: list[tuple[Fraction, Pattern]] = []
            for step in foot:
                if isinstance(step, ast.Range):
                    steps.extend((Fraction(1), _atom(a)) for a in _expand_range(step))
                    continue
                pattern = self.term(step.term)
                weight, copies = Fraction(1), 1
                for modifier in step.modifiers:
                    if isinstance(modifier, ast.Weight):
                        weight = modifier.weight
                    elif isinstance(modifier, ast.Elongate):
                        weight += 1
                    elif isinstance(modifier, ast.Replicate):
                        copies = (copies + 1) if modifier.count is None else (copies - 1 + modifier.count)
                        _check_steps_at(copies, "a repeat", modifier.pos)
                    else:
                        pattern = self.modify(pattern, modifier)
                steps.extend((weight, pattern) for _ in range(copies))
            feet.append(steps)
        return feet

    def sequence(self, sequence: ast.Sequence) -> Pattern:
        feet = [c.timecat(*steps) for steps in self.weighted_steps(sequence)]
        return feet[0] if len(feet) == 1 else c.fastcat(*feet)

    def alternation(self, sequence: ast.Sequence) -> Pattern:
        """`<a b c>`: one step per cycle; a step of weight w lasts w cycles."""
        feet = self.weighted_steps(sequence)
        steps = feet[0] if len(feet) == 1 else [(Fraction(1), c.timecat(*foot)) for foot in feet]
        if all(weight == 1 for weight, _ in steps):
            return c.slowcat(*(pattern for _, pattern in steps))
        total = sum(weight for weight, _ in steps)
        return c.timecat(*steps).fast_by(1 / total)

    def term(self, term) -> Pattern:
        if isinstance(term, ast.Atom):
            return _atom(term)
        if isinstance(term, ast.Rest):
            return c.silence
        if isinstance(term, ast.Group):
            return self.body(term.body, sequence=True)
        if isinstance(term, ast.Alternate):
            return self.body(term.body, sequence=False)
        if isinstance(term, ast.Polymeter):
            return self.polymeter(term)
        raise TypeError(f"unknown mini-notation term {term!r}")

    def polymeter(self, term: ast.Polymeter) -> Pattern:
        if term.body.choice:
            where = term.body.separator_pos
            raise MiniNotationError(
                "'|' cannot be used inside { }", line=where.line, column=where.column,
                hint="choose between whole groups instead: {a b} | {c d}",
            )
        layers = [
            [pattern for foot in self.weighted_steps(layer) for _, pattern in foot] for layer in term.body.layers
        ]
        if term.steps is None:
            return c.polymeter(layers)
        steps = self.factor(term.steps)
        if isinstance(steps, Pattern):
            return steps.fmap(lambda n: c.polymeter(layers, n)).inner_join()
        return c.polymeter(layers, steps)

    def factor(self, factor) -> object:
        """A plain number for a single number, else a pattern."""
        if isinstance(factor, ast.Atom):
            return factor.value
        return self.term(factor)

    def modify(self, pattern: Pattern, modifier) -> Pattern:
        if isinstance(modifier, ast.Fast):
            return REGISTRY["fast"].apply(pattern, self.factor(modifier.factor))
        if isinstance(modifier, ast.Slow):
            return REGISTRY["slow"].apply(pattern, self.factor(modifier.factor))
        if isinstance(modifier, ast.Velocity):
            return REGISTRY["vel"].apply(pattern, self.factor(modifier.factor))
        if isinstance(modifier, ast.Degrade):
            probability = 0.5 if modifier.probability is None else modifier.probability
            return keep_by_chance(pattern, probability, self.salt("?"))
        if isinstance(modifier, ast.Euclid):
            args = [self.euclid_arg(modifier.pulses), self.euclid_arg(modifier.steps)]
            if modifier.rotation is not None:
                args.append(self.euclid_arg(modifier.rotation))
            return REGISTRY["euclid"].apply(pattern, *args)
        raise TypeError(f"unknown mini-notation modifier {modifier!r}")

    def euclid_arg(self, sequence: ast.Sequence) -> object:
        feet = sequence.feet
        if len(feet) == 1 and len(feet[0]) == 1:
            step = feet[0][0]
            if isinstance(step, ast.Step) and isinstance(step.term, ast.Atom) and not step.modifiers:
                return step.term.value
        return self.sequence(sequence)


def _check_steps_at(count: int, what: str, pos: ast.Pos) -> None:
    try:
        check_steps(count, what)
    except TrackJammerError as error:
        raise error.at(pos.line, pos.column) from None


def _expand_range(step: ast.Range) -> list[ast.Atom]:
    start, stop = step.start.value, step.stop.value
    if start != int(start) or stop != int(stop):
        raise MiniNotationError(
            "a range needs whole numbers or notes", line=step.start.pos.line, column=step.start.pos.column
        )
    start, stop = int(start), int(stop)
    _check_steps_at(abs(stop - start) + 1, "a run", step.start.pos)
    direction = 1 if stop >= start else -1
    return [ast.Atom(n, str(n), step.start.pos) for n in range(start, stop + direction, direction)]
