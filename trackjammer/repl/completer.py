"""Tab completion: what can be typed here, each with its one-line signature.

Read from the same index as `help()` (`help_entries()`), so completion and
help never disagree. What is offered depends on where the cursor is:

- a name: keywords, the names the session bound (described only when
  offered: a pattern by how it was written, never by querying it), every
  global;
- after `.`: the methods of the value before the dot, by its type (a
  track's methods and lanes, or the pattern methods);
- inside a string: scale names in `scale("`, chord names in `chord("`,
  arpeggio modes in `arp("`, port names in `output("` and `device("`, any
  name in `help("`, nothing in a string of mini-notation (after `<<`, or
  as a number or pattern argument: `fast("`), and scale and chord names
  anywhere else;
- inside a pattern literal: nothing (notes are not names).
"""

from __future__ import annotations

import re
import time
from typing import Any, Callable, Iterable, Iterator

from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.document import Document

from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import REGISTRY
from trackjammer.core.theory import CHORDS, SCALES
from trackjammer.core.transforms.tonal import ARP_MODES
from trackjammer.core.values import is_number
from trackjammer.lang.display import show
from trackjammer.midi.track import LANE_HELP, NAMED_LANES, MidiTrack
from trackjammer.repl.validator import open_brackets

KEYWORDS = ("let", "true", "false", "none")
TRACK_ATTRIBUTES = {"vel": "track.vel << pattern: the velocity lane", "velocity": "track.velocity: the velocity lane",
                    "channel": "track.channel: its MIDI channel", "name": "track.name: its name",
                    **{name: f"{LANE_HELP[name][0]}: {LANE_HELP[name][1]}" for name in NAMED_LANES}}
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
CALL_BEFORE = re.compile(r"(\.?)([A-Za-z_][A-Za-z0-9_]*)\s*\(([^()]*)$")
PORT_CACHE_SECONDS = 2.0
NO_NAMES = {"print", "project", "midi_export"}  # their strings are the performer's own words


class TrackJammerCompleter(Completer):
    """Completion for the REPL; `ports` lists the MIDI output ports."""

    def __init__(self, session: Any, ports: Callable[[], list[str]] | None = None):
        self.session = session
        self._list_ports = ports
        self._ports: tuple[float, list[str]] = (-PORT_CACHE_SECONDS, [])

    def get_completions(self, document: Document, complete_event: Any) -> Iterator[Completion]:
        try:
            yield from self.complete(document.text_before_cursor)
        except Exception as error:  # noqa: BLE001 - a completion bug must never end the REPL
            yield Completion("", display=f"(completion failed: {error})")

    def complete(self, before: str) -> Iterable[Completion]:
        """The completions for the text before the cursor."""
        stack, in_string = open_brackets(before)
        if in_string:
            quote = before.rfind('"')
            return self._in_string(before[:quote], before[quote + 1:])
        if "[" in stack and not _array_only(before):
            return []
        word = WORD.search(before)
        prefix = word.group(0) if word else ""
        start = before[: len(before) - len(prefix)]
        if start.endswith("."):
            return self._methods(start[:-1], prefix)
        if not prefix or (start and (start[-1].isdigit() or start[-1] == "#")):
            return []
        return self._names(prefix)

    # -- names ----------------------------------------------------------------------------

    def _names(self, prefix: str) -> Iterable[Completion]:
        entries = _entries()
        bound = self.session.names
        found: dict[str, Any] = {word: "keyword" for word in KEYWORDS}
        for name in entries:
            if "." not in name:
                found[name] = entries[name]
        for name in bound:
            found[name] = _Bound(name)
        offered = _matching(found, prefix)  # only the names offered are described
        return [_completion(name, prefix, self._describe(found[name], name)) for name in offered]

    def _describe(self, item: Any, name: str) -> str:
        if isinstance(item, _Bound):
            return _value_meta(self.session, self.session.names[name])
        return item if isinstance(item, str) else _meta(item)

    def _methods(self, receiver: str, prefix: str) -> Iterable[Completion]:
        kind = self._kind_of(receiver.rstrip())
        entries = _entries()
        found: dict[str, str] = {}
        if kind == "track":
            for name, entry in entries.items():
                if name.startswith("track."):
                    found[name[len("track."):]] = entry.signature
            for name, meta in TRACK_ATTRIBUTES.items():
                found.setdefault(name, meta)
        elif kind == "pattern":
            for name in _pattern_methods():
                found[name] = _meta(entries[name]) if name in entries else ""
        return _offer(found, prefix)

    def _kind_of(self, receiver: str) -> str | None:
        """"track", "pattern" or None for what the text before a dot makes."""
        if not receiver:
            return None
        if receiver.endswith("]"):
            return "pattern"
        if receiver.endswith(")"):
            opening = _matching_paren(receiver)
            if opening is None:
                return None
            head = receiver[:opening].rstrip()
            call = WORD.search(head)
            if call is None:
                return "pattern" if not head or not head[-1].isalnum() else None  # (a + b).
            name = call.group(0)
            before = head[: len(head) - len(name)]
            if before.endswith("."):
                inner = self._kind_of(before[:-1].rstrip())
                if inner == "track":
                    return None  # t.cc(74) is a lane; other track methods give nothing
                return "pattern" if inner == "pattern" or name in _pattern_methods() else None
            if name == "MidiTrack":
                return "track"
            return "pattern" if name in _pattern_functions() else _kind_of_value(self.session.names.get(name))
        word = WORD.search(receiver)
        if word is None:
            return "pattern" if receiver[-1].isdigit() else None
        name = word.group(0)
        if name in self.session.names:
            return _kind_of_value(self.session.names[name])
        return "pattern" if name in _global_values() else None  # silence., sine.

    # -- strings ----------------------------------------------------------------------------
    # A string where a pattern is expected is mini-notation (lang/strings.py):
    # notes, like a pattern literal's, are not names to offer.

    def _in_string(self, before_quote: str, prefix: str) -> Iterable[Completion]:
        call = CALL_BEFORE.search(before_quote)
        function = call.group(2) if call else None
        if _mini_notation_string(before_quote, function):
            return []
        scales = {name: "scale: " + " ".join(map(str, steps)) for name, steps in SCALES.items()}
        chords = {name: "chord: " + " ".join(map(str, steps)) for name, steps in CHORDS.items()}
        if function == "scale":
            found = scales
        elif function == "chord":
            found = chords
        elif function == "arp":
            found = {mode: "arp mode" for mode in ARP_MODES}
        elif function in ("output", "device"):
            found = {port: "MIDI output port" for port in self.ports()}
        elif function == "help":
            found = {name: _meta(entry) for name, entry in _entries().items()}
        elif function in NO_NAMES:
            found = {}
        else:  # any other string: a scale or a chord is the likely name
            found = {**scales, **chords}
        return _offer(found, prefix)

    def ports(self) -> list[str]:
        """The port names, asked for at most every two seconds."""
        when, ports = self._ports
        if self._list_ports is None:
            return []
        if time.monotonic() - when >= PORT_CACHE_SECONDS:
            ports = list(self._list_ports())
            self._ports = (time.monotonic(), ports)
        return ports


# -- helpers ---------------------------------------------------------------------------------


def _entries() -> dict:
    from trackjammer.lang.builtins import help_entries  # start-up time: loaded at the first Tab, after the prompt

    return help_entries()


def _pattern_methods() -> list[str]:
    return [name for name, entry in REGISTRY.items() if not entry.constructor]


def _pattern_functions() -> set[str]:
    return set(REGISTRY)


def _global_values() -> set[str]:
    from trackjammer.lang.builtins import VALUES  # start-up time: as help_entries

    return set(VALUES)


def _kind_of_value(value: Any) -> str | None:
    if isinstance(value, MidiTrack):
        return "track"
    if isinstance(value, Pattern) or is_number(value):
        return "pattern"
    return None


def _meta(entry: Any) -> str:
    """The one line shown beside a name: its signature, and its summary if short."""
    summary = entry.doc.strip().splitlines()[0] if entry.doc.strip() else ""
    return f"{entry.signature}  {summary}" if summary and len(summary) <= 60 else entry.signature


class _Bound(str):
    """A bound name, described only if it is offered."""


def _value_meta(session: Any, value: Any) -> str:
    """A bound value in one line: a pattern as it was written (no query),
    anything else as the REPL echoes it."""
    from trackjammer.lang.provenance import source_of  # start-up time: the language's, loaded when first used

    try:
        text = source_of(session, value) if isinstance(value, Pattern) else show(value, session.seed)
    except Exception:  # noqa: BLE001 - a value that cannot show itself still completes
        text = "a pattern" if isinstance(value, Pattern) else type(value).__name__
    return text if len(text) <= 60 else text[:59] + "…"


def _matching(found: Iterable[str], prefix: str) -> list[str]:
    """Names starting with `prefix` (case first as typed, then ignoring case)."""
    exact = sorted(name for name in found if name.startswith(prefix))
    folded = prefix.casefold()
    loose = sorted(name for name in found if name.casefold().startswith(folded) and name not in exact)
    return exact + loose


def _completion(name: str, prefix: str, meta: str) -> Completion:
    return Completion(name, start_position=-len(prefix), display_meta=meta)


def _offer(found: dict[str, str], prefix: str) -> list[Completion]:
    return [_completion(name, prefix, found[name]) for name in _matching(found, prefix)]


def _matching_paren(text: str) -> int | None:
    """The index of the `(` that the final `)` of `text` closes."""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            depth -= 1
            if depth == 0:
                return i
    return None


def _array_only(before: str) -> bool:
    """Inside `#[ ... ]` (an array of values) rather than a pattern literal."""
    depth_marks: list[bool] = []  # True for an array's bracket
    i = 0
    in_string = False
    while i < len(before):
        ch = before[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "[":
            depth_marks.append(i > 0 and before[i - 1] == "#" and not any(not m for m in depth_marks))
        elif ch == "]" and depth_marks:
            depth_marks.pop()
        i += 1
    return bool(depth_marks) and all(depth_marks)


def _mini_notation_string(before_quote: str, function: str | None) -> bool:
    """Is a string opened here mini-notation: bound with `<<`, or an
    argument of a pattern function that takes no names (`fast("<1 2>")`)?"""
    if re.search(r"<<\s*$", before_quote):
        return True
    entry = REGISTRY.get(function) if function else None
    return entry is not None and not entry.variadic and not entry.constructor and \
        all(p.kind not in ("string", "note") for p in entry.params)
