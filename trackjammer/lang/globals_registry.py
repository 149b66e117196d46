"""How a global function of the language is declared: `@builtin` registers it
once, and its signature, help text and argument checks come from that one
definition. The language's own globals are in builtins.py; each package
above the language declares its own from a module of its own (see
trackjammer/globals.py), so the language never imports them.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

from trackjammer.errors import ArgumentError
from trackjammer.lang.display import show
from trackjammer.session import Session


@dataclass(frozen=True)
class Builtin:
    """A global function; called with the session first."""

    name: str
    function: Callable[..., Any]
    signature: str
    doc: str
    family: str

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else ""

    def __repr__(self) -> str:
        return f"<built-in {self.name}>"


BUILTINS: dict[str, Builtin] = {}


def builtin(name: str | None = None, family: str = "global") -> Callable:
    def register(function: Callable) -> Callable:
        params = list(inspect.signature(function).parameters.values())[1:]  # after the session
        shown = []
        for p in params:
            if p.kind is p.VAR_POSITIONAL:
                shown.append("...")
            elif p.default is inspect.Parameter.empty:
                shown.append(p.name)
            else:
                shown.append(f"{p.name}?" if p.default is None else f"{p.name} = {show(p.default)}")
        key = name or function.__name__
        BUILTINS[key] = Builtin(key, function, f"{key}({', '.join(shown)})", inspect.getdoc(function) or "", family)
        return function

    return register


class BoundBuiltin:
    """A builtin tied to a session, as a value the language can call."""

    def __init__(self, entry: Builtin, session: Session):
        self.entry, self.session = entry, session
        self.name = entry.name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        check_arguments(self.entry, args, kwargs)
        return self.entry.function(self.session, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<built-in {self.name}>"


def check_arguments(entry: Builtin, args: tuple, kwargs: dict) -> None:
    """Say in words what is wrong with the arguments of a builtin call."""
    params = list(inspect.signature(entry.function).parameters.values())[1:]
    variadic = any(p.kind is p.VAR_POSITIONAL for p in params)
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    if not variadic and len(args) > len(positional):
        raise ArgumentError(
            f"{entry.name} takes at most {len(positional)} argument{'s' if len(positional) != 1 else ''}"
            f" but was given {len(args)}", hint=f"use {entry.signature}")
    rest = positional[len(args):]
    for key in kwargs:
        if key not in {p.name for p in rest}:
            raise ArgumentError(f"{entry.name} has no argument '{key}'", hint=f"use {entry.signature}")
    for p in rest:
        if p.default is inspect.Parameter.empty and p.name not in kwargs:
            raise ArgumentError(f"{entry.name} needs its argument '{p.name}'", hint=f"use {entry.signature}")
