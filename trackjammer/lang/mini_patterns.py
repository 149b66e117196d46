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
from trackjammer.core.event import Event
from trackjammer.core.pattern import Pattern, State
from trackjammer.core.time import to_time
from trackjammer.core.values import Note, is_number, number_of
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
        return [[pair for step in foot for pair in self.step(step)] for foot in sequence.feet]

    def step(self, step: ast.Step) -> list[tuple[Fraction, Pattern]]:
        """One step as (weight, pattern) pairs: one pair, or one per copy of
        `!`. Modifiers apply in the order written (as in Strudel); weights
        add up (`a@2@2` weighs 3, `a _ _` 3). As in Tidal, only `!` may
        follow `!`, and `!` does not mix with `@`/`_` (see _check_order)."""
        _check_order(step.modifiers)
        pattern = self.term(step.term)
        weight, copies, runs, ends = Fraction(1), 1, None, _atoms(step.term)
        for modifier in step.modifiers:
            if isinstance(modifier, ast.Weight):
                weight += 1 if modifier.weight is None else modifier.weight - 1
            elif isinstance(modifier, ast.Replicate):
                copies = (copies + 1) if modifier.count is None else (copies - 1 + modifier.count)
                _check_steps_at(copies, "a repeat", modifier.pos)
            elif isinstance(modifier, ast.RangeTo):
                ends += _atoms(modifier.stop)  # a .. b .. c: each run's notes start runs of their own
                length = _run_length(ends)
                if runs is not None:  # range() checks the first run alone
                    _check_steps_at(runs * length, "a run of runs", modifier.pos)
                runs = length if runs is None else runs * length
                pattern = self.range(step, pattern, modifier)
            else:
                pattern = self.modify(pattern, modifier)
        if weight < 0:
            where = next(m.pos for m in reversed(step.modifiers) if isinstance(m, ast.Weight))
            raise MiniNotationError(
                f"this step's weights add up to {weight}, less than 0", line=where.line, column=where.column,
                hint="each @w adds w-1 to the step's weight of 1: @0 takes one away; a weight of 0 drops the step",
            )
        return [(weight, pattern) for _ in range(copies)]

    def range(self, step: ast.Step, start: Pattern, modifier: ast.RangeTo) -> Pattern:
        """`a .. b`: each event of a becomes the run a..b squeezed into it; a
        patterned b is joined as Strudel does (both events' wholes meet)."""
        values = [*_atoms(step.term), *_atoms(modifier.stop)]
        for atom in values:
            if atom.value != int(atom.value):
                raise MiniNotationError(
                    f"a range needs whole numbers or notes, not {atom.text}", line=atom.pos.line,
                    column=atom.pos.column, hint="write 0 .. 4, or C4 .. E4",
                )
        where = step.term.pos if isinstance(step.term, ast.Atom) else modifier.pos
        _check_steps_at(_run_length(values), "a run", where)
        before = step.modifiers[: step.modifiers.index(modifier)]
        if any(isinstance(m, ast.Velocity) for m in before):
            raise MiniNotationError(
                "a velocity '^' cannot come before '..'", line=modifier.pos.line, column=modifier.pos.column,
                hint="put it after the range: 0 .. 4^80",
            )
        if isinstance(step.term, ast.Atom) and isinstance(modifier.stop, ast.Atom) and not before:
            return _run(step.term.value, modifier.stop.value, step.term.pos)  # the common `0 .. 4`
        stop = c.reify(self.factor(modifier.stop))
        return start.fmap(lambda a: _bind_both(stop, lambda b: _run(a, b, where))).squeeze_join()

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
        if total <= 0:  # every step weighs nothing (<a@0>): silent, as a sequence of them is
            return c.silence
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
            [pair for foot in self.weighted_steps(layer) for pair in foot] for layer in term.body.layers
        ]
        if term.steps is None:
            return _polymeter(layers, None)
        steps = self.factor(term.steps)
        if isinstance(steps, Pattern):
            where = term.steps.pos if isinstance(term.steps, ast.Atom) else term.steps.body.pos
            return steps.fmap(lambda n: _polymeter(layers, _step_count(n, where))).inner_join()
        return _polymeter(layers, steps)

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


def _check_order(modifiers: tuple) -> None:
    """Tidal's reading where Strudel's surprises: nothing but another `!`
    follows `!` (Strudel would apply `a!2*2`'s `*2` to both copies at once),
    and `!` does not mix with `@`/`_` (Strudel lets `!` overwrite the weight)."""
    seen_replicate = seen_weight = False
    for modifier in modifiers:
        where = getattr(modifier, "pos", None)
        if isinstance(modifier, ast.Replicate):
            if seen_weight:
                raise MiniNotationError(
                    "'!' cannot follow '@' or '_' on the same step", line=where.line, column=where.column,
                    hint="group first: [a@3]!2 repeats a weighted group; a@3 a@3 repeats the weighted step",
                )
            seen_replicate = True
        elif seen_replicate:
            if isinstance(modifier, ast.Weight):
                raise MiniNotationError(
                    "'@' or '_' cannot follow '!' on the same step", line=where.line, column=where.column,
                    hint="each copy of a!2 is one step; to make copies longer write a@2 a@2, or [a!2]@2",
                )
            where = _modifier_pos(modifier)
            raise MiniNotationError(
                "only another '!' can follow '!'", line=where.line, column=where.column,
                hint="put the modifier before the '!' (a*2!2: two copies of a*2) or group: [a!2]*2",
            )
        elif isinstance(modifier, ast.Weight):
            seen_weight = True


def _modifier_pos(modifier) -> ast.Pos:
    if hasattr(modifier, "pos"):
        return modifier.pos
    inner = getattr(modifier, "factor", None) or getattr(modifier, "pulses", None)
    if isinstance(inner, ast.Atom):
        return inner.pos
    if isinstance(inner, ast.Sequence):
        return inner.pos
    return inner.body.pos


def _atoms(node) -> list[ast.Atom]:
    """Every number and note written inside a term (for checking a range)."""
    if isinstance(node, ast.Atom):
        return [node]
    if isinstance(node, (ast.Group, ast.Alternate, ast.Polymeter)):
        return [a for layer in node.body.layers for foot in layer.feet for step in foot for a in _atoms(step.term)]
    return []


def _run_length(atoms: list[ast.Atom]) -> int:
    """The most steps a run between these numbers can have."""
    if not atoms:
        return 1
    return int(max(a.value for a in atoms) - min(a.value for a in atoms)) + 1


def _run(start, stop, pos: ast.Pos) -> Pattern:
    """start, start±1, ..., stop in one cycle (a velocity on an end, as in
    `[0^80] .. 3`, is left behind: the run is of plain numbers)."""
    start, stop = int(number_of(start)), int(number_of(stop))
    direction = 1 if stop >= start else -1
    context = ((pos.line, pos.column),)
    return c.fastcat(*(c.pure(n, context) for n in range(start, stop + direction, direction)))


def _bind_both(outer: Pattern, f) -> Pattern:
    """Strudel's `bind`: each event of `outer` becomes f(value), whose events
    keep only where both wholes meet."""

    def query(state: State) -> list[Event]:
        events = []
        for o in outer.query(state):
            for i in f(o.value).query(state.with_span(o.part)):
                part = i.part.intersection(o.part)
                if part is None:
                    continue
                whole = None if o.whole is None or i.whole is None else i.whole.intersection(o.whole)
                events.append(Event(whole, part, i.value, o.context + i.context))
        return events

    return Pattern(query)


def _step_count(value, where: ast.Pos):
    """A step count read from a pattern (`{a b c}%<4 8>`): a plain number
    (the pattern is played, so the error comes as it plays)."""
    if is_number(value):
        return value
    found = "a note with a velocity" if isinstance(value, Note) else f"{value!r}"
    raise MiniNotationError(
        f"the step count after '%' must be a plain number, not {found}", line=where.line, column=where.column,
        hint="write the count without ^ or other additions: {C4 E4 G4}%4 or {C4 E4 G4}%<4 8>",
    )


def _polymeter(layers: list[list[tuple[Fraction, Pattern]]], steps) -> Pattern:
    """Layers that each move at `steps` steps per cycle (default: the first
    layer's total weight), so `{c e@2, g a}` has 3 steps per cycle."""
    layers = [layer for layer in layers if sum(w for w, _ in layer) > 0]
    if not layers:
        return c.silence
    steps = to_time(sum(w for w, _ in layers[0]) if steps is None else steps)
    if steps <= 0:
        return c.silence
    return c.stack(*(c.timecat(*layer).fast_by(steps / sum(w for w, _ in layer)) for layer in layers))
