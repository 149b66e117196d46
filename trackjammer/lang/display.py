"""How values look when echoed or printed."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from trackjammer.core.limits import OFFLINE
from trackjammer.core.pattern import Pattern
from trackjammer.core.phrase import Phrase
from trackjammer.core.theory import note_name
from trackjammer.core.time import format_time
from trackjammer.core.values import gain_of, number_of, velocity_of

MAX_SHOWN = 8


def show(value: Any, seed: int = 0) -> str:
    """The value as the REPL echoes it (strings in quotes); patterns are
    shown as they play under `seed`."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return format_time(value)
    if isinstance(value, float):
        return f"{value:.10g}"  # 144 rather than 144.0, 0.3 rather than 0.30000000000000004
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, list):
        return "#[" + ", ".join(show(item, seed) for item in value) + "]"
    if isinstance(value, Phrase):
        return value.text  # a captured phrase shows as the code that plays it
    if isinstance(value, Pattern):
        return show_pattern(value, seed)
    return repr(value)


def show_printed(value: Any, seed: int = 0) -> str:
    """The value as print() writes it (strings as they are)."""
    return value if isinstance(value, str) else show(value, seed)


def show_number(number: Any) -> str:
    """Ints as they are; other numbers to at most three decimals."""
    if isinstance(number, (float, Fraction)):
        return f"{float(number):.3f}".rstrip("0").rstrip(".")
    return str(number)


def note_text(number: Any) -> str:
    """A note by name where it is one, else the number."""
    return note_name(number) or show_number(number)


def show_pattern(pattern: Pattern, seed: int = 0) -> str:
    """`pattern: 0 C4, 1/4 E4^80, ...`: the onsets of cycle 0."""
    events = OFFLINE.query(pattern, 0, 1, seed, onsets=True)  # a pattern too dense to play is refused at once
    if not events:
        sample = pattern.value_at(0, seed)
        if sample is not None:
            return f"signal: {note_text(number_of(sample))} at time 0"
        return "pattern: silent in cycle 0"
    shown = []
    for event in events[:MAX_SHOWN]:
        velocity, gain = velocity_of(event.value), gain_of(event.value)
        shown.append(f"{format_time(event.whole.begin)} {note_text(number_of(event.value))}"
                     + ("" if velocity is None else f"^{velocity}") + ("" if gain is None else f" gain {gain:g}"))
    more = f", … ({len(events)} in cycle 0)" if len(events) > MAX_SHOWN else ""
    return "pattern: " + ", ".join(shown) + more
