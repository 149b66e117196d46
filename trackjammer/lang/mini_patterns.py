"""Mini AST → Pattern, written with the pattern engine's constructors and
registered transformations (so `a*<2 3>` and `a(<3 5>,8)` use the same
patterned-argument machinery as `fast` and `euclid` in scripts)."""

from __future__ import annotations

from fractions import Fraction

from trackjammer.core import constructors as c
from trackjammer.core.pattern import Pattern
from trackjammer.core.rand import salt_of
from trackjammer.core.registry import REGISTRY
from trackjammer.core.transforms.chance import choose_per_cycle, keep_by_chance
from trackjammer.lang import mini_ast as ast
from trackjammer.errors import MiniNotationError


def build(body: ast.Body) -> Pattern:
    """The pattern a mini-notation body denotes."""
    return _body(body, _sequence)


def build_literal(literal: ast.Literal) -> Pattern:
    """The pattern of a whole literal `[ ... ]` with its trailing modifiers."""
    pattern = build(literal.body)
    for modifier in literal.modifiers:
        pattern = _modify(pattern, modifier)
    return pattern


def _body(body: ast.Body, sequence_builder) -> Pattern:
    layers = [sequence_builder(layer) for layer in body.layers]
    if not layers:
        return c.silence
    if body.choice:
        return choose_per_cycle(layers, salt_of("choice", body.pos.line, body.pos.column))
    return c.stack(*layers)


def _weighted_steps(sequence: ast.Sequence) -> list[list[tuple[Fraction, Pattern]]]:
    """Each foot as a list of (weight, pattern), replication expanded."""
    feet = []
    for foot in sequence.feet:
        steps: list[tuple[Fraction, Pattern]] = []
        for step in foot:
            if isinstance(step, ast.Range):
                steps.extend((Fraction(1), _atom(a)) for a in _expand_range(step))
                continue
            pattern = _term(step.term)
            weight, copies = Fraction(1), 1
            for modifier in step.modifiers:
                if isinstance(modifier, ast.Weight):
                    weight = modifier.weight
                elif isinstance(modifier, ast.Elongate):
                    weight += 1
                elif isinstance(modifier, ast.Replicate):
                    copies = (copies + 1) if modifier.count is None else (copies - 1 + modifier.count)
                else:
                    pattern = _modify(pattern, modifier)
            steps.extend((weight, pattern) for _ in range(copies))
        feet.append(steps)
    return feet


def _sequence(sequence: ast.Sequence) -> Pattern:
    feet = [_timecat(steps) for steps in _weighted_steps(sequence)]
    return feet[0] if len(feet) == 1 else c.fastcat(*feet)


def _timecat(steps: list[tuple[Fraction, Pattern]]) -> Pattern:
    return c.timecat(*steps)


def _alternation(sequence: ast.Sequence) -> Pattern:
    """`<a b c>`: one step per cycle; a step of weight w lasts w cycles."""
    feet = _weighted_steps(sequence)
    steps = feet[0] if len(feet) == 1 else [(Fraction(1), _timecat(foot)) for foot in feet]
    if all(weight == 1 for weight, _ in steps):
        return c.slowcat(*(pattern for _, pattern in steps))
    total = sum(weight for weight, _ in steps)
    return c.timecat(*steps).fast_by(1 / total)


def _polymeter_layer(sequence: ast.Sequence) -> list[Pattern]:
    return [pattern for foot in _weighted_steps(sequence) for _, pattern in foot]


def _term(term) -> Pattern:
    if isinstance(term, ast.Atom):
        return _atom(term)
    if isinstance(term, ast.Rest):
        return c.silence
    if isinstance(term, ast.Group):
        return _body(term.body, _sequence)
    if isinstance(term, ast.Alternate):
        return _body(term.body, _alternation)
    if isinstance(term, ast.Polymeter):
        layers = [_polymeter_layer(layer) for layer in term.body.layers]
        if term.body.choice:
            where = term.body.separator_pos
            raise MiniNotationError(
                "'|' cannot be used inside { }", line=where.line, column=where.column,
                hint="choose between whole groups instead: {a b} | {c d}",
            )
        if term.steps is None:
            return c.polymeter(layers)
        steps = _factor(term.steps)
        if isinstance(steps, Pattern):
            return steps.fmap(lambda n: c.polymeter(layers, n)).inner_join()
        return c.polymeter(layers, steps)
    raise TypeError(f"unknown mini-notation term {term!r}")


def _atom(atom: ast.Atom) -> Pattern:
    return c.pure(atom.value, ((atom.pos.line, atom.pos.column),))


def _factor(factor) -> object:
    """A plain number for a single number, else a pattern."""
    if isinstance(factor, ast.Atom):
        return factor.value
    return _term(factor)


def _modify(pattern: Pattern, modifier) -> Pattern:
    if isinstance(modifier, ast.Fast):
        return REGISTRY["fast"].apply(pattern, _factor(modifier.factor))
    if isinstance(modifier, ast.Slow):
        return REGISTRY["slow"].apply(pattern, _factor(modifier.factor))
    if isinstance(modifier, ast.Velocity):
        return REGISTRY["vel"].apply(pattern, _factor(modifier.factor))
    if isinstance(modifier, ast.Degrade):
        probability = 0.5 if modifier.probability is None else modifier.probability
        salt = salt_of("?", modifier.pos.line, modifier.pos.column)
        return keep_by_chance(pattern, probability, salt)
    if isinstance(modifier, ast.Euclid):
        args = [_euclid_arg(modifier.pulses), _euclid_arg(modifier.steps)]
        if modifier.rotation is not None:
            args.append(_euclid_arg(modifier.rotation))
        return REGISTRY["euclid"].apply(pattern, *args)
    raise TypeError(f"unknown mini-notation modifier {modifier!r}")


def _euclid_arg(sequence: ast.Sequence) -> object:
    feet = sequence.feet
    if len(feet) == 1 and len(feet[0]) == 1:
        step = feet[0][0]
        if isinstance(step, ast.Step) and isinstance(step.term, ast.Atom) and not step.modifiers:
            return step.term.value
    return _sequence(sequence)


def _expand_range(step: ast.Range) -> list[ast.Atom]:
    start, stop = step.start.value, step.stop.value
    if start != int(start) or stop != int(stop):
        raise MiniNotationError(
            "a range needs whole numbers or notes", line=step.start.pos.line, column=step.start.pos.column
        )
    start, stop = int(start), int(stop)
    direction = 1 if stop >= start else -1
    return [ast.Atom(n, str(n), step.start.pos) for n in range(start, stop + direction, direction)]
