"""AST → values and effects, apart from the parser: dispatch on node type.

An `Interpreter` runs inputs of statements against a `Session`. An input
stops at its first failing statement; the statements before it keep their
effect (also when the failure is a syntax error further on). Errors are
TrackJammerErrors with line, column and source; any other exception is a bug
of ours and becomes an `InternalError`, never a traceback for the user.

Each pattern made is noted with how it was written (`lang.provenance`), in
a canonical form: names inlined, transformations in method form, so that a
snapshot can write it out again.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from trackjammer.core.constructors import pure
from trackjammer.core.limits import Budget, TooDense
from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import REGISTRY, Curried, Partial, bound_method, describe
from trackjammer.core.signals import const
from trackjammer.core.theory import note_number
from trackjammer.core.transforms.arith import negate
from trackjammer.core.values import is_number, number_of
from trackjammer.errors import TrackJammerError
from trackjammer.lang import ast, provenance
from trackjammer.lang.builtins import global_names
from trackjammer.lang.globals_registry import BUILTINS, BoundBuiltin, Builtin, check_arguments
from trackjammer.lang.mini_patterns import build_literal
from trackjammer.lang.operators import operate
from trackjammer.lang.parser import parse_program
from trackjammer.lang.provenance import Of, call_parts, method_parts
from trackjammer.lang.strings import Text, read_pattern, read_text
from trackjammer.lang.suggest import alias_hint, suggest
from trackjammer.midi.track import LANE_METHODS, TRACK_METHODS, Lane, MidiTrack
from trackjammer.session import Session


class EvaluationError(TrackJammerError):
    """Something in the input could not be worked out."""


class InternalError(Exception):
    """A bug in TrackJammer met while evaluating: reported briefly."""

    def __init__(self, original: BaseException):
        super().__init__(f"{type(original).__name__}: {original}")
        self.original = original


TRACK_ATTRIBUTES = ("vel", "velocity", "bend", "pressure", "note_pressure", "channel", "name")
MPE_LANES = ("note_bend", "timbre")
KEYWORDS = {"let", "true", "false", "none"}
# Commands that act and take no argument: alone as a statement, the bare
# name runs them (as Tidal's `hush`); in a panic nobody types parentheses.
BARE_COMMANDS = ("hush", "panic", "stop", "start")
HINT_SOURCE = 48  # the longest source of a track's pattern a hint repeats
# A binding's first cycles are tried before it plays, so an error in one of them ("<maj Dm7>": a
# chord name the second cycle asks for) is said at once, where it was typed, and nothing changes;
# trying stops after TRIED_SECONDS (a heavy pattern's first cycle is always tried, as before).
TRIED_CYCLES = 8
TRIED_SECONDS = 0.05


def _start(node) -> tuple[int, int]:
    """Where an expression's text begins: `[C3]` of `[C3].chord("m7").fast(2)`."""
    while True:
        inner = getattr(node, "target", None) or getattr(node, "left", None)
        if inner is None:
            return node.pos.line, node.pos.column
        node = inner


def _suggest(name: str, known) -> str | None:
    return suggest(name, known)  # the alias table first, then spelling (lang.suggest)


def _call_text(source: str, node: ast.MethodCall) -> str:
    """`.name(args)` as typed, read from the source at the method's name up to
    its closing parenthesis ("(…)" when it cannot be found on that line)."""
    lines = source.splitlines()
    line = lines[node.pos.line - 1] if 0 < node.pos.line <= len(lines) else ""
    start = line.find(node.method, node.pos.column - 1)
    depth, at = 0, start + len(node.method)
    for index in range(at, len(line)) if start >= 0 else ():
        depth += {"(": 1, ")": -1}.get(line[index], 0)
        if depth == 0:
            return "." + line[start:index + 1]
    return f".{node.method}(…)"


class Interpreter:
    def __init__(self, session: Session | None = None):
        self.session = session if session is not None else Session()
        self.globals = global_names(self.session)
        self.source = ""
        self.on_statement: Callable[[str], None] | None = None  # told the text of each statement that succeeded

    # -- running input ---------------------------------------------------------

    def execute(self, source: str, echo: Callable[[Any], None] | None = None) -> Any:
        """Run every statement of `source`; `echo` receives the value of each
        expression statement. Returns the value of the last one run."""
        self.source = source
        try:
            program = parse_program(source)
        except TrackJammerError as error:
            completed = getattr(error, "completed", None)
            if completed is not None:
                self._run(completed, echo)
            raise
        except Exception as error:  # a bug of ours in parsing, not the user's
            raise InternalError(error) from error
        return self._run(program, echo)

    def evaluate_expression(self, source: str) -> Any:
        """The value of an input whose last statement is an expression."""
        return self.execute(source)

    def _run(self, program: ast.Program, echo: Callable[[Any], None] | None) -> Any:
        result = None
        for number, statement in enumerate(program.statements):
            try:
                result = getattr(self, "run_" + type(statement).__name__)(statement)
                if isinstance(statement, ast.ExpressionStatement) and echo is not None and result is not None:
                    echo(result)
            except TrackJammerError as error:
                raise error.at(statement.pos.line, statement.pos.column, self.source)
            except RecursionError:
                raise EvaluationError(
                    "this is nested too deeply to work out", line=statement.pos.line,
                    column=statement.pos.column, source=self.source,
                    hint="build it in fewer steps: a value made from itself hundreds of times nests too deeply",
                ) from None
            except Exception as error:  # a bug of ours, not the user's
                raise InternalError(error) from error
            if self.on_statement is not None and number < len(program.texts):
                self.on_statement(program.texts[number])
        return result

    # -- statements ------------------------------------------------------------------

    def run_Let(self, node: ast.Let) -> None:
        if node.name in KEYWORDS:
            raise EvaluationError(
                f"'{node.name}' is a word of the language and cannot be a name", hint="choose another name",
                line=node.pos.line, column=node.pos.column + 4,
            )
        value = self.evaluate(node.value)
        if node.name in BUILTINS:  # complete: global_names() assembled them
            # Pattern function names may be shadowed (`let chord = [C3,E3,G3]`;
            # methods still work); the globals that run the session may not.
            raise EvaluationError(
                f"'{node.name}' is a built-in function and cannot be rebound", hint="choose another name",
                line=node.pos.line, column=node.pos.column + 4,
            )
        if isinstance(value, MidiTrack) and not value.named and value.name is None:
            value.name = node.name
        self.session.names[node.name] = value
        return None

    def run_Bind(self, node: ast.Bind) -> None:
        target = self.evaluate(node.target)
        value = self.evaluate(node.value)
        if isinstance(target, MidiTrack):
            kind, number = "notes", None
        elif isinstance(target, Lane):
            kind, number = target.kind, target.number
            target = target.track
        else:
            raise self.error(
                f"cannot bind to {describe(target)}", node.target,
                "bind to a track, track.cc(N) or track.vel: t << [C4 E4]",
            )
        target.set_lane(kind, number, self._lane_value(kind, value, node.value))
        return None

    def _lane_value(self, kind: str, value: Any, node) -> Pattern | None:
        if value is None:
            return None
        if isinstance(value, str):  # mini-notation: t << "C2 E2 G2"
            value = provenance.record(self.session, read_pattern(value), (Of(value),))
        if is_number(value):
            made = pure(value) if kind == "notes" else const(value)
            return provenance.record(self.session, made, (Of(value),))  # `t << 60` gives it again
        if isinstance(value, Partial):  # fast(2); chord("<C^7 Dm7>"), as Strudel writes a chord sequence
            hint = (f"give it one: [C3 D3].{value!r}" if value.name != "chord" else
                    'chord turns each note into a chord here: [<C3 D3>].chord("<^7 m7>") plays C^7, then Dm7')
            raise self.error(f"cannot bind {value!r} to a lane: it is waiting for the pattern it changes", node, hint)
        if not isinstance(value, Pattern):
            raise self.error(f"cannot bind {describe(value)} to a lane", node, "bind a pattern, a signal or a number")
        budget = Budget.live(self.session.cps, None)  # what could not be played at this tempo is refused here
        first_cycle = self._tried(value, 0, budget, node)
        if kind == "notes" and first_cycle and all(e.whole is None for e in first_cycle):
            raise self.error(
                "a signal has no notes of its own", node, "make notes of it with segment: Sine(1).segment(8).range(48, 72)"
            )
        for event in first_cycle:
            if not is_number(number_of(event.value)):
                raise self.error(
                    f"a lane plays numbers, but this pattern holds {describe(number_of(event.value))}", node,
                    "names such as scale names belong in arguments: .scale(cat(\"major\", \"minor\"))",
                )
        deadline = time.monotonic() + TRIED_SECONDS
        for cycle in range(1, TRIED_CYCLES):
            if time.monotonic() > deadline:
                break
            self._tried(value, cycle, budget, node)
        return value

    def _tried(self, value: Pattern, cycle: int, budget: Budget, node) -> list:
        """One cycle of a binding, asked as the engine will ask it: an error
        refuses the binding here, where it was typed (too dense: at the call
        that made it so; else where the pattern begins, the name asked for
        being inside it), saying which cycle after the first (a later cycle
        would stop the track when it came, with nothing to say where)."""
        try:
            return budget.query(value, cycle, cycle + 1, self.session.seed)
        except TrackJammerError as error:
            if cycle:
                error.message = f"{error.message} (in cycle {cycle})"
                error.args = (error.message,)
            where = (node.pos.line, node.pos.column) if isinstance(error, TooDense) else _start(node)
            raise error.at(*where, self.source) from None

    def run_ExpressionStatement(self, node: ast.ExpressionStatement) -> Any:
        value = self.evaluate(node.expr)
        bare = isinstance(node.expr, ast.Name) and node.expr.name in BARE_COMMANDS
        if bare and value is self.globals.get(node.expr.name):
            return value()
        return value

    # -- expressions -------------------------------------------------------------------

    def error(self, message: str, node, hint: str | None = None) -> EvaluationError:
        return EvaluationError(message, hint=hint, line=node.pos.line, column=node.pos.column, source=self.source)

    def evaluate(self, node: ast.Expr) -> Any:
        try:
            return getattr(self, "eval_" + type(node).__name__)(node)
        except TrackJammerError as error:
            raise error.at(node.pos.line, node.pos.column, self.source)

    def lookup(self, name: str, node) -> Any:
        if name in self.session.names:
            return self.session.names[name]
        if name in self.globals:
            return self.globals[name]
        note = _note_with_octave(name)
        if note is not None:
            # The contract writes roots as bare note names: scale("dorian", C3).
            return note
        known = list(self.session.names) + list(self.globals)
        raise self.error(f"unknown name '{name}'", node, _suggest(name, known))

    def eval_Constant(self, node: ast.Constant) -> Any:
        if isinstance(node.value, str):  # knows where it was written, should it be mini-notation
            return Text(node.value, node.pos.line, node.pos.column + 1, self.source, node.escaped)
        return node.value

    def eval_Name(self, node: ast.Name) -> Any:
        return self.lookup(node.name, node)

    def eval_PatternLiteral(self, node: ast.PatternLiteral) -> Pattern:
        return provenance.record(self.session, build_literal(node.literal), (node.text,))

    def eval_Array(self, node: ast.Array) -> list:
        return [self.evaluate(item) for item in node.items]

    def _arguments(self, node) -> tuple[list, dict]:
        args = [self.evaluate(a) for a in node.args]
        kwargs = {name: self.evaluate(value) for name, value in node.kwargs}
        return args, kwargs

    def eval_Call(self, node: ast.Call) -> Any:
        if node.function not in self.session.names and node.function not in self.globals:
            known = list(self.session.names) + list(self.globals)
            raise self.error(f"unknown function '{node.function}'", node, _suggest(node.function, known))
        function = self.lookup(node.function, node)
        if not callable(function) or isinstance(function, (Pattern, MidiTrack)):
            raise self.error(f"'{node.function}' is {describe(function)}, not a function", node)
        args, kwargs = self._arguments(node)
        if isinstance(function, BoundBuiltin):  # paths, names, ports: plain strings
            args, kwargs = _plain(args, kwargs)
        result = function(*args, **kwargs)
        if isinstance(result, Pattern):
            parts = _call_source(function, args, kwargs)
            if parts is not None:
                provenance.record(self.session, result, parts)
        return result

    def eval_MethodCall(self, node: ast.MethodCall) -> Any:
        target = written = self.evaluate(node.target)
        args, kwargs = self._arguments(node)
        if is_number(target):
            target = pure(target)
        if isinstance(target, str):  # as in Strudel: "C4 E4".fast(2)
            target = read_text(target)
        if isinstance(target, Pattern):
            method = bound_method(target, node.method)
            if method is None:
                methods = [n for n, e in REGISTRY.items() if not e.constructor]
                raise self.error(f"patterns have no method '{node.method}'", node, _suggest(node.method, methods))
            parts = method_parts(written, REGISTRY[node.method].name, args, kwargs.items())
            return provenance.record(self.session, method(*args, **kwargs), parts)
        if isinstance(target, MidiTrack):
            if node.method not in TRACK_METHODS:
                raise self.error(f"tracks have no method '{node.method}'", node, self._track_method_hint(node, target))
            return _call_track_method(target, node.method, *_plain(args, kwargs))
        if isinstance(target, Lane) and node.method in LANE_METHODS:  # t.cc(74).learn() is learn(t.cc(74))
            return self.lookup(node.method, node)(target, *args, **kwargs)
        if isinstance(target, (Partial, Curried)):
            raise self.error(f"{target.name} is a function waiting for a pattern; it has no method '{node.method}'", node,
                             alias_hint(node.method))
        raise self.error(f"{describe(target)} has no method '{node.method}'", node)

    def _track_method_hint(self, node: ast.MethodCall, track: MidiTrack) -> str:
        """A pattern's method typed on a track (Tidal's `d1 $ ... # slow 2`,
        Strudel's chains): say where it goes, with the call as written."""
        entry = REGISTRY.get(node.method)
        if entry is None or entry.constructor:
            return _suggest(node.method, TRACK_METHODS) or f"track methods: {', '.join(TRACK_METHODS)}"
        name = node.target.name if isinstance(node.target, ast.Name) else "t"
        return (f"'{node.method}' changes a pattern, not a track: put it on the pattern the track plays, "
                f"{name} << {self._playing_text(track)}{_call_text(self.source, node)}")

    def _playing_text(self, track: MidiTrack) -> str:
        """What the track's notes play, as script text when short (else an example)."""
        try:
            text = provenance.source_of(self.session, track.notes) if track.notes is not None else ""
        except Exception:  # noqa: BLE001 - a hint's nicety: the example does as well
            text = ""
        return text if 0 < len(text) <= HINT_SOURCE else "[C4 E4]"

    def eval_Attribute(self, node: ast.Attribute) -> Any:
        target = self.evaluate(node.target)
        if isinstance(target, MidiTrack):
            lane = target.lane(node.name)
            if lane is not None:
                return lane
            if node.name in MPE_LANES:
                raise self.error(f"'{node.name}' is a lane of an MPE track", node,
                                 "per-note bends and timbre need a channel per note: let t = MpeTrack()")
            if node.name in ("channel", "name"):
                return getattr(target, node.name)
            hint = "call it with (): t.mute()" if node.name in TRACK_METHODS else _suggest(node.name, TRACK_ATTRIBUTES)
            raise self.error(f"tracks have no attribute '{node.name}'", node, hint)
        hint = "call methods with (): p.rev()" if isinstance(target, Pattern) else None
        raise self.error(f"{describe(target)} has no attribute '{node.name}'", node, hint)

    def eval_Binary(self, node: ast.Binary) -> Any:
        left, right = self.evaluate(node.left), self.evaluate(node.right)
        for value in (left, right):
            if not (is_number(value) or isinstance(value, (Pattern, str))):
                raise self.error(f"cannot use '{node.op}' with {describe(value)}", node)
        parts = ("(", Of(left), f" {node.op} ", Of(right), ")")
        return provenance.record(self.session, operate(left, right, node.op), parts)

    def eval_Negate(self, node: ast.Negate) -> Any:
        written = self.evaluate(node.operand)
        value = read_text(written)  # -"0 2" as -[0 2]; a name stays a string
        if not (is_number(value) or isinstance(value, Pattern)):
            raise self.error(f"cannot negate {describe(value)}", node)
        return provenance.record(self.session, negate(value), ("(-", Of(written), ")"))


def _plain(args: list, kwargs: dict) -> tuple[list, dict]:
    """Arguments with each string as a plain str: where the session keeps a
    string (a project, a path, a port), where it was written does not matter."""
    def plain(value: Any) -> Any:
        return str(value) if isinstance(value, Text) else value

    return [plain(a) for a in args], {k: plain(v) for k, v in kwargs.items()}


def _call_source(function: Any, args: list, kwargs: dict) -> tuple | None:
    """How a call that gave a pattern is written canonically: constructors
    and variadic functions as calls, by their registry name (never the
    user's alias); a transformation applied to its pattern (the last
    argument, or a waiting function's one) in method form."""
    if isinstance(function, Curried):
        entry = function.entry
        if entry.variadic or entry.constructor:
            return call_parts(entry.name, args, kwargs.items())
        if len(args) > len(entry.params):
            return method_parts(args[-1], entry.name, args[:-1], kwargs.items())
    if isinstance(function, Partial) and len(args) == 1 and not kwargs:
        return method_parts(args[0], function.entry.name, function.args, function.kwargs)
    return None


def _note_with_octave(name: str) -> int | None:
    """C3, Eb2, fs4: a note name with its octave, as a MIDI number (a bare
    letter such as `e` stays an unknown name, so typos are still caught)."""
    if not name[-1].isdigit():
        return None
    try:
        return note_number(name)
    except ValueError:
        return None


def _call_track_method(track: MidiTrack, name: str, args: list, kwargs: dict) -> Any:
    method = getattr(track, name)
    signature, doc = TRACK_METHODS[name]
    check_arguments(Builtin(f"track.{name}", getattr(MidiTrack, name), f"track.{signature}", doc, "track"), tuple(args), kwargs)
    return method(*args, **kwargs)


def evaluate_expression(text: str, session: Session | None = None) -> Any:
    """Evaluate an input and return the value of its last statement."""
    return Interpreter(session).execute(text)
