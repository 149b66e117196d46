"""The one registry of pattern functions.

`@transformation` registers a function `f(pattern, *args)` once; from that
single entry come the method (`p.fast(2)`), the curried free function
(`fast(2)` is a transformation waiting for its pattern, `fast(2, p)` applies
it), argument checking with readable errors, patterned arguments (`fast` of
`<1 2>`), and the one-line signature and help text that the language's
`help()` and the REPL's completion read.

Currying is decided by counting arguments, never by catching TypeError:
a free function given more positional arguments than its parameters applies
itself to the last one; given fewer or equal, it returns a `Partial`.
"""

from __future__ import annotations

import inspect
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

from trackjammer.core.constructors import reify
from trackjammer.core.pattern import Pattern
from trackjammer.core.theory import note_number
from trackjammer.core.time import to_time
from trackjammer.core.values import Note, is_number, number_of
from trackjammer.errors import ArgumentError


# -- parameter kinds: how an argument is checked and converted --------------


def _number(value: Any, who: str) -> Any:
    value = number_of(value)
    if not is_number(value):
        raise ArgumentError(f"{who} expects a number, got {describe(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ArgumentError(f"{who} expects a finite number, got {value}")
    return value


def _time(value: Any, who: str) -> Fraction:
    return to_time(_number(value, who))


def _positive_time(value: Any, who: str) -> Fraction:
    time = _time(value, who)
    if time <= 0:
        raise ArgumentError(f"{who} must be more than 0, got {number_of(value)}")
    return time


def _integer(value: Any, who: str) -> int:
    number = _number(value, who)
    if number != int(number):
        raise ArgumentError(f"{who} expects a whole number, got {number}")
    return int(number)


def _note(value: Any, who: str) -> int:
    if isinstance(value, str):
        try:
            return note_number(value)
        except ValueError as error:
            raise ArgumentError(f"{who}: {error}", hint='write a note name such as "C3" or a number such as 48') from None
    return _integer(value, who)


def _string(value: Any, who: str) -> str:
    if not isinstance(value, str):
        raise ArgumentError(f"{who} expects a string (in double quotes), got {describe(value)}")
    return value


def _function(value: Any, who: str) -> Callable[[Pattern], Pattern]:
    if not callable(value) or isinstance(value, Pattern):
        raise ArgumentError(
            f"{who} expects a function such as rev or fast(2), got {describe(value)}",
            hint="pass a transformation, e.g. every(4, fast(2))",
        )
    return value


# -- strings where a pattern is expected ---------------------------------------
# As in Strudel, such a string is mini-notation: `fast("<1 2>")`, `cat("C4 E4", "G4")`.
# The language reads it (importing trackjammer.lang registers the reader),
# so the core holds only this hook; without a reader a string stays a string.
# A name such as "major" stays a string too (scale(cat("major", "minor"))).

_text_reader: Callable[[str], Any] | None = None


def read_text_with(reader: Callable[[str], Any]) -> None:
    """Set how a string is read where a pattern is expected."""
    global _text_reader
    _text_reader = reader


def pattern_of_text(value: Any) -> Any:
    """`value` read as mini-notation when it is a string (a pattern, or the
    string when it is a name), else as it is."""
    if isinstance(value, str) and _text_reader is not None:
        return _text_reader(value)
    return value


def _text_as_pattern(param: Param, value: Any) -> Any:
    """A string given for a patternable number or note is mini-notation
    (`fast("<1 2>")`); a note name stays a note (`scale("dorian", "C3")`)
    and a string parameter (a scale name) stays a string, unless it has
    brackets: then it is a pattern of names (`scale("<C:major D:minor>")`)."""
    if isinstance(value, str) and param.kind == "string" and re.search(r"[<\[{]", value):
        return _names_as_pattern(value)
    if not isinstance(value, str) or param.kind not in PATTERNABLE or param.kind == "string":
        return value
    if param.kind == "note" and re.fullmatch(r"[\w#-]+", value):
        return value  # one word: a note name, or the note kind's own error
    return pattern_of_text(value)


NAME = re.compile(r"[A-Za-z^][\w#^+:\-]*")  # a scale name with its root (C#3:minor), an arp mode, a chord (^7)
NAMED = 10**9  # names are read as these numbers and up: far from any a pattern holds itself


def _names_as_pattern(text: str) -> Any:
    """Mini-notation of names ("<C:major D:minor>" as Strudel writes it): the
    structure is read by the mini-notation reader, with each name standing
    in as a number; a number the text holds itself stays a number, for the
    parameter's own error."""
    names: list[str] = []

    def number_for(match: re.Match) -> str:
        if match.group() not in names:
            names.append(match.group())
        return str(NAMED + names.index(match.group()))

    read = pattern_of_text(NAME.sub(number_for, text))
    if not isinstance(read, Pattern):
        return text
    return read.fmap(lambda v: names[v - NAMED] if isinstance(v, int) and NAMED <= v < NAMED + len(names) else v)


def _pattern(value: Any, who: str) -> Pattern:
    value = pattern_of_text(value)
    if not (isinstance(value, Pattern) or is_number(value)):
        raise ArgumentError(f"{who} expects a pattern or a number, got {describe(value)}")
    return reify(value)


def _anything(value: Any, who: str) -> Any:
    return value


def _array_of(read: Callable[[Any, str], Any], what: str, example: str) -> Callable[[Any, str], tuple]:
    """The kind of an array (#[…]) of values of a kind: #[[C4 E4], "G4 B4", 60], #[rev, fast(2)]."""

    def array(value: Any, who: str) -> tuple:
        if not isinstance(value, (list, tuple)):
            raise ArgumentError(f"{who} expects an array of {what}, got {describe(value)}",
                                hint=f"an array is written #[ ]: {example}")
        return tuple(read(item, who) for item in value)

    return array


KINDS: dict[str, Callable[[Any, str], Any]] = {
    "number": _number,
    "time": _time,
    "positive time": _positive_time,
    "int": _integer,
    "note": _note,
    "string": _string,
    "function": _function,
    "pattern": _pattern,
    "patterns": _array_of(_pattern, "patterns", "#[[C4 E4], [G4 B4]]"),
    "functions": _array_of(_function, "functions", "#[rev, fast(2)]"),
    "any": _anything,
}

# Kinds whose argument may itself be a pattern (`fast("<1 2>")`): the
# transformation is then applied per value and the results inner-joined.
PATTERNABLE = {"number", "time", "positive time", "int", "note", "string"}


def _hashable(combo: tuple) -> bool:
    return all(isinstance(v, (int, float, Fraction, str, Note)) for v in combo)


def describe(value: Any) -> str:
    """A musician-readable name for the kind of a value."""
    if isinstance(value, Pattern):
        return "a pattern"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "none"
    if isinstance(value, str):
        return f'the string "{value}"'
    if isinstance(value, (int, float, Fraction)):
        return f"the number {value}"
    if isinstance(value, (Partial, Curried)):
        return f"the function {value.name}"
    if callable(value):
        return "a function"
    # A class above the core says how it is called (`MidiTrack.spoken_kind`).
    return getattr(type(value), "spoken_kind", None) or f"a {type(value).__name__}"


# -- entries ------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: Any = inspect.Parameter.empty

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty


@dataclass(frozen=True)
class Entry:
    """One registered pattern function.

    `per_value`: the function maps one event value (`f(value, *args)`), so
    patterned arguments are sampled at each event's onset instead of joined.
    `constructor`: the function makes a pattern from its arguments alone
    (signals); it has a free form but no method form.
    """

    name: str
    function: Callable[..., Any]
    params: tuple[Param, ...]
    doc: str
    family: str
    variadic: bool = False
    aliases: tuple[str, ...] = field(default=())
    per_value: bool = False
    constructor: bool = False
    each: str = "pattern"  # what each argument of a variadic entry is: "pattern" or "function"

    @property
    def signature(self) -> str:
        if self.variadic:
            return f"{self.name}({self.each}, ...)"
        shown = []
        for p in self.params:
            shown.append(p.name if p.required else f"{p.name} = {p.default!r}")
        return f"{self.name}({', '.join(shown)})"

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else ""

    def check(self, args: tuple, kwargs: dict) -> list[Any]:
        """Bind arguments to parameters, converted and checked."""
        if len(args) > len(self.params):
            raise ArgumentError(
                f"{self.name} takes {len(self.params)} argument{'s' if len(self.params) != 1 else ''}"
                f" but was given {len(args)}",
                hint=f"use {self.signature}",
            )
        unknown = set(kwargs) - {p.name for p in self.params[len(args):]}
        if unknown:
            name = sorted(unknown)[0]
            given_twice = any(p.name == name for p in self.params[: len(args)])
            problem = "was given twice" if given_twice else "is not an argument of"
            raise ArgumentError(f"'{name}' {problem} {self.name}", hint=f"use {self.signature}")
        values = list(args)
        for param in self.params[len(args):]:
            if param.name in kwargs:
                values.append(kwargs[param.name])
            elif param.required:
                raise ArgumentError(f"{self.name} needs its argument '{param.name}'", hint=f"use {self.signature}")
            else:
                values.append(param.default)
        return values

    def check_variadic(self, args: tuple, kwargs: dict) -> list[Any]:
        """Patterns, numbers, or strings: mini-notation (cat("C4 E4", "G4")),
        or names for a patterned argument (scale(cat("major", "minor")))."""
        if kwargs:
            raise ArgumentError(f"{self.name} takes no keyword arguments", hint=f"use {self.signature}")
        if self.each == "function":
            return [_function(value, self.name) for value in args]
        read = [pattern_of_text(value) for value in args]
        return [value if isinstance(value, str) else _pattern(value, self.name) for value in read]

    def construct(self, *args: Any, **kwargs: Any) -> Pattern:
        values = self.check(args, kwargs)
        return self.function(*(self._convert(p, v) for p, v in zip(self.params, values)))

    def apply(self, pattern: Pattern, *args: Any, **kwargs: Any) -> Pattern:
        if self.variadic:
            return self.function(pattern, *self.check_variadic(args, kwargs))
        values = [_text_as_pattern(p, v) for p, v in zip(self.params, self.check(args, kwargs))]
        patterned = [
            i for i, (p, v) in enumerate(zip(self.params, values))
            if p.kind in PATTERNABLE and isinstance(v, Pattern)
        ]
        if not patterned:
            converted = [self._convert(p, v) for p, v in zip(self.params, values)]
            if self.per_value:
                return pattern.fmap(lambda value: self.function(value, *converted))
            return self.function(pattern, *converted)
        # Patterned arguments: combine them (structure from the first)...
        combos = values[patterned[0]].fmap(lambda v: (v,))
        for i in patterned[1:]:
            combos = combos.app_left(values[i], lambda acc, v: acc + (v,))

        def chosen(combo: tuple) -> list[Any]:
            picked = list(values)
            for i, v in zip(patterned, combo):
                picked[i] = v
            return [self._convert(p, v) for p, v in zip(self.params, picked)]

        if self.per_value:
            # ...sampled at each event's onset,
            return pattern.app_onset(combos, lambda value, combo: self.function(value, *chosen(combo)))
        # ...or applied per combination, the results inner-joined. Patterns
        # are immutable, so the pattern for a combination is built once.
        built: dict[tuple, Pattern] = {}

        def for_combo(combo: tuple) -> Pattern:
            result = built.get(combo) if _hashable(combo) else None
            if result is None:
                result = self.function(pattern, *chosen(combo))
                if _hashable(combo) and len(built) < 1024:
                    built[combo] = result
            return result

        return combos.fmap(for_combo).inner_join()

    def _convert(self, param: Param, value: Any) -> Any:
        if value is None and not param.required and param.default is None:
            return None
        return KINDS[param.kind](value, f"{self.name}'s '{param.name}'")


@dataclass(frozen=True)
class Partial:
    """A transformation waiting for its pattern: `fast(2)`, `every(4, rev)`."""

    entry: Entry
    args: tuple
    kwargs: tuple = ()

    @property
    def name(self) -> str:
        return self.entry.name

    def __call__(self, *given: Any, **keywords: Any) -> Pattern:
        if len(given) != 1 or keywords:  # `let f = fast(2); f(1, 2)`
            raise ArgumentError(f"{self!r} takes one pattern", hint=f"use {self!r}([C4 E4]) or [C4 E4].{self!r}")
        return self.entry.apply(_pattern(given[0], self.entry.name), *self.args, **dict(self.kwargs))

    def __repr__(self) -> str:
        shown = [_source(a) for a in self.args] + [f"{k}: {_source(v)}" for k, v in self.kwargs]
        return f"{self.entry.name}({', '.join(shown)})"


def _source(value: Any) -> str:
    """An argument as the language writes it: strings in double quotes."""
    return '"' + value + '"' if isinstance(value, str) and '"' not in value else repr(value)


@dataclass(frozen=True)
class Curried:
    """The free-function form of an entry."""

    entry: Entry

    @property
    def name(self) -> str:
        return self.entry.name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.entry.variadic and self.entry.each == "function":  # layer(rev, add(7)) waits for its pattern
            if args and isinstance(args[-1], (Pattern, str)):
                *head, target = args
                return self.entry.apply(_pattern(target, self.entry.name), *head, **kwargs)
            self.entry.check_variadic(args, kwargs)  # report mistakes now, not when applied
            return Partial(self.entry, tuple(args))
        if self.entry.variadic:
            return self.entry.function(*self.entry.check_variadic(args, kwargs))
        if self.entry.constructor:
            return self.entry.construct(*args, **kwargs)
        if len(args) > len(self.entry.params):
            *head, target = args
            return self.entry.apply(_pattern(target, self.entry.name), *head, **kwargs)
        self.entry.check(args, kwargs)  # report mistakes now, not when applied
        return Partial(self.entry, tuple(args), tuple(sorted(kwargs.items())))

    def __repr__(self) -> str:
        return self.entry.signature


REGISTRY: dict[str, Entry] = {}


def transformation(
    name: str | None = None,
    *,
    kinds: dict[str, str] | None = None,
    family: str = "pattern",
    aliases: tuple[str, ...] = (),
    variadic: bool = False,
    per_value: bool = False,
    constructor: bool = False,
    each: str = "pattern",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `f(pattern, *args)` as a method and a curried free function.

    `kinds` maps each parameter after the pattern (or, for constructors, each
    parameter) to one of KINDS ("number" when not given); a `variadic` one
    takes any number of arguments, each a pattern or, with `each="function"`,
    a function (layer(rev, add(7))). With `per_value`,
    `f(value, *args)` maps one event value. The docstring's first line is the
    help summary.
    """

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        entry_name = name or function.__name__
        params: list[Param] = []
        if not variadic:
            signature = inspect.signature(function)
            skip = 0 if constructor else 1
            for param in list(signature.parameters.values())[skip:]:
                kind = (kinds or {}).get(param.name, "number")
                params.append(Param(param.name, kind, param.default))
        entry = Entry(
            entry_name, function, tuple(params), inspect.getdoc(function) or "", family,
            variadic, aliases, per_value, constructor, each,
        )
        for key in (entry_name, *aliases):
            if key in REGISTRY:
                raise RuntimeError(f"pattern function '{key}' registered twice")
            REGISTRY[key] = entry
        return function

    return register


def bound_method(pattern: Pattern, name: str) -> Callable[..., Pattern] | None:
    entry = REGISTRY.get(name)
    if entry is None or entry.constructor:
        return None

    def method(*args: Any, **kwargs: Any) -> Pattern:
        return entry.apply(pattern, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = entry.doc
    return method


Pattern.method_named = staticmethod(bound_method)


def free_function(name: str) -> Curried:
    return Curried(REGISTRY[name])


def apply_function(f: Callable[[Pattern], Any], pattern: Pattern, who: str) -> Pattern:
    """Call a user-supplied transformation and insist it gives a pattern back.
    A bare registered function (`rev`, `degrade`) is applied with its defaults."""
    if isinstance(f, Curried) and not (f.entry.constructor or f.entry.variadic):
        missing = [p.name for p in f.entry.params if p.required]
        if missing:
            raise ArgumentError(
                f"{who} was given {f.name} without its argument '{missing[0]}'", hint=f"use {f.entry.signature}"
            )
        return f.entry.apply(pattern)
    result = f(pattern)
    if not isinstance(result, Pattern):
        raise ArgumentError(f"{who}: the function gave {describe(result)}, not a pattern")
    return result
