"""The pattern engine: exact time, patterns as query functions, and the
transformations registered in one registry. No I/O, no threads."""

from __future__ import annotations

from trackjammer.core import signals, transforms  # noqa: F401  (registers everything)
from trackjammer.core.constructors import fastcat, pure, reify, silence, slowcat, stack, timecat
from trackjammer.core.event import Event
from trackjammer.core.pattern import Pattern, State
from trackjammer.core.registry import REGISTRY, free_function
from trackjammer.core.span import TimeSpan

__all__ = [
    "Event", "Pattern", "REGISTRY", "State", "TimeSpan", "fastcat", "free_function",
    "pure", "reify", "silence", "slowcat", "stack", "timecat",
]
