"""Building patterns: single values, silence, and ways of putting patterns
together in time (stack, slowcat, fastcat, timecat, polymeter)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Sequence

from trackjammer.core.event import Event
from trackjammer.core.pattern import Pattern, State, template_pattern
from trackjammer.core.repeat import period_lcm, times_period
from trackjammer.core.span import TimeSpan
from trackjammer.core.time import to_time


ZERO, ONE = Fraction(0), Fraction(1)


def pure(value: Any, context: tuple = ()) -> Pattern:
    """`value` once per cycle, filling the cycle."""
    return template_pattern(((ZERO, ONE, value, context),))


silence = template_pattern(())


def reify(value: Any) -> Pattern:
    """A pattern as it is; any other value as `pure(value)`."""
    return value if isinstance(value, Pattern) else pure(value)


def stack(*patterns: Any) -> Pattern:
    """Play all patterns at the same time."""
    pats = [reify(p) for p in patterns]
    if not pats:
        return silence
    if len(pats) == 1:
        return pats[0]
    if all(p.template is not None for p in pats):
        return template_pattern(tuple(slot for p in pats for slot in p.template))
    queries = [p.query for p in pats]
    return Pattern(lambda state: [e for q in queries for e in q(state)], period=period_lcm(*(p.period for p in pats)))


def slowcat(*patterns: Any) -> Pattern:
    """One pattern per cycle, in turn. Each pattern resumes where it left off:
    in cycle c the i-th of n patterns plays its own cycle c // n."""
    pats = [reify(p) for p in patterns]
    if not pats:
        return silence
    if len(pats) == 1:
        return pats[0]
    # A template is the same in every cycle, so it needs no shifting.
    children = [(p.query, p.template is not None) for p in pats]
    n = len(pats)

    def query(state: State) -> list[Event]:
        events: list[Event] = []
        for piece in state.span.cycles():
            cycle = piece.begin.__floor__()
            inner, same_every_cycle = children[cycle % n]
            offset = cycle - cycle // n  # shift so the pattern sees cycle c // n
            if offset == 0 or same_every_cycle:
                events.extend(inner(State(piece, state.seed)))
                continue

            def back(span: TimeSpan) -> TimeSpan:
                return TimeSpan(span.begin + offset, span.end + offset)

            shifted = State(TimeSpan(piece.begin - offset, piece.end - offset), state.seed)
            events.extend(e.with_span(back) for e in inner(shifted))
        return events

    # Cycle c + n·k plays each pattern's own cycle k later: a period of n times theirs.
    return Pattern(query, period=times_period(period_lcm(*(p.period for p in pats)), Fraction(1, n)))


def fastcat(*patterns: Any) -> Pattern:
    """All patterns in one cycle, each taking an equal step."""
    return timecat(*((1, p) for p in patterns))


def arrange(*sections: tuple[Any, Any]) -> Pattern:
    """Sections one after another, each (cycles, pattern) playing for its
    number of cycles, then again from the first: the arrangement of a song.
    Each section goes on where it left off the time before (a verse of 4
    cycles plays its cycles 4 to 7 the second time round), as Strudel's."""
    pairs = [(to_time(cycles), reify(pattern)) for cycles, pattern in sections]
    total = sum((cycles for cycles, _ in pairs), Fraction(0))
    if total <= 0:
        return silence
    return timecat(*((cycles, pattern.fast_by(cycles)) for cycles, pattern in pairs)).fast_by(1 / total)


def timecat(*weighted: tuple[Any, Any]) -> Pattern:
    """Patterns in one cycle, each taking a step proportional to its weight.

    In cycle c, the pattern in slot [b, e) plays its own cycle c squeezed
    into [c + b, c + e). Children that are templates (plain values and
    sequences of them) are merged into one flat template.
    """
    pairs = [(to_time(w), reify(p)) for w, p in weighted if to_time(w) > 0]
    total = sum((w for w, _ in pairs), Fraction(0))
    if total == 0:
        return silence
    if len(pairs) == 1:
        return pairs[0][1]
    slots = []
    merged = []  # children that are templates, squeezed into their slots
    position = Fraction(0)
    for weight, pat in pairs:
        begin = position / total
        position += weight
        end = position / total
        if pat.template is not None:
            size = end - begin
            merged.extend((begin + b * size, begin + e * size, v, c) for b, e, v, c in pat.template)
        else:
            slots.append((begin, end, weight / total, pat.query, pat.period))
    if not slots:
        return template_pattern(tuple(merged))
    if merged:
        return stack(template_pattern(tuple(merged)), _slotted(slots))
    return _slotted(slots)


def _slotted(slots: list) -> Pattern:
    """Patterns squeezed into slots (begin, end, size, query, period) of each
    cycle: one affine map of time per slot, each way."""

    def query(state: State) -> list[Event]:
        events: list[Event] = []
        for piece in state.span.cycles():
            cycle = piece.begin.__floor__()
            at_begin, at_end = piece.begin - cycle, piece.end - cycle
            for begin, end, size, inner, _ in slots:
                # The part of the query inside this slot, in slot time.
                if at_end <= begin and not (at_end == at_begin == begin):
                    break
                if at_begin >= end:
                    continue
                low = at_begin if at_begin > begin else begin
                high = at_end if at_end < end else end
                start = cycle + begin

                def squeeze(span: TimeSpan, start=start, size=size) -> TimeSpan:
                    return TimeSpan(start + (span.begin - cycle) * size, start + (span.end - cycle) * size)

                inner_span = TimeSpan(cycle + (low - begin) / size, cycle + (high - begin) / size)
                for e in inner(State(inner_span, state.seed)):
                    events.append(e.with_span(squeeze))
        return events

    return Pattern(query, period=period_lcm(*(slot[4] for slot in slots)))


def polymeter(layers: Sequence[Sequence[Any]], steps: Any = None) -> Pattern:
    """Stack sequences that all move at `steps` steps per cycle (by default
    the length of the first sequence), so sequences of other lengths drift."""
    layers = [list(layer) for layer in layers if layer]
    if not layers:
        return silence
    steps = to_time(len(layers[0]) if steps is None else steps)
    if steps <= 0:
        return silence
    return stack(*(fastcat(*layer).fast_by(steps / len(layer)) for layer in layers))


def sequence(*items: Any) -> Pattern:
    """Nested lists become subdivisions: sequence(1, [2, 3]) is `[1 [2 3]]`."""
    return fastcat(*(sequence(*i) if isinstance(i, list) else reify(i) for i in items))
