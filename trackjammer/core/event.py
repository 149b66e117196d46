"""Event: a value active over a span of time.

`whole` is the event's full extent (None for continuous signals); `part` is
the fragment that falls inside the query. An event "has its onset" in a query
when the fragment starts where the whole starts. `context` carries source
positions, so errors and highlighting can point back at the code.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from trackjammer.core.span import TimeSpan


class Event(NamedTuple):
    whole: TimeSpan | None
    part: TimeSpan
    value: Any
    context: tuple = ()

    def has_onset(self) -> bool:
        return self.whole is not None and self.whole.begin == self.part.begin

    def whole_or_part(self) -> TimeSpan:
        return self.whole if self.whole is not None else self.part

    @property
    def begin(self):
        return self.whole_or_part().begin

    @property
    def end(self):
        return self.whole_or_part().end

    def with_span(self, f: Callable[[TimeSpan], TimeSpan]) -> Event:
        whole, part = self.whole, self.part
        if whole is None:
            return Event(None, f(part), self.value, self.context)
        # Most events are whole (part is whole): map the span once and share it.
        new_whole = f(whole)
        new_part = new_whole if part is whole or part == whole else f(part)
        return Event(new_whole, new_part, self.value, self.context)

    def with_value(self, f: Callable[[Any], Any]) -> Event:
        return Event(self.whole, self.part, f(self.value), self.context)

    def with_context(self, context: tuple) -> Event:
        return Event(self.whole, self.part, self.value, self.context + context)

    def __repr__(self) -> str:
        frag = "" if self.whole == self.part else f" part{self.part!r}"
        return f"Event({self.whole!r}{frag} {self.value!r})"
