"""snapshot.tj: script text that recreates a session's state exactly.

Written beside every export, so that what was rendered can be rendered
again: running it in a fresh session gives the same names (values written
by `lang.provenance`), tracks with their lanes and settings, and tempo,
seed, quantize and project; it prints and exports nothing.

Order matters through names: a statement that calls or passes a pattern
function must come before a `let` that shadows that name (`let fast = 3`),
one that reads a track after the track's `let`, and tracks keep their order
(`tracks()` gives them in it). Statements go in the order tracks,
aliases, other names, names that shadow a pattern function last, moved only
as those rules demand, so the snapshot of a snapshot is the same text.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from trackjammer.core.registry import REGISTRY
from trackjammer.errors import TrackJammerError
from trackjammer.lang.provenance import NoSource, SourceTooLarge, Writer, number_text, string_text, track_names
from trackjammer.midi.mpe import MpeTrack
from trackjammer.midi.track import MidiTrack, lane_suffix
from trackjammer.session import Session
from trackjammer.version import __version__

TRACKS, ALIASES, OTHERS, SHADOWING = range(4)


class SnapshotError(TrackJammerError):
    """The session's state cannot be written as a script."""


@dataclass
class _Statement:
    """The statements that bind one name, and what their text depends on."""

    name: str
    lines: list[str]
    rank: tuple[int, int]
    functions: set[str] = field(default_factory=set)  # pattern functions called or passed
    tracks: set[str] = field(default_factory=set)  # track names read


def snapshot_source(session: Session, comment: str | None = None) -> str:
    """The script that recreates `session`'s state; `comment` (any number
    of lines) goes into the header."""
    header = [f"// TrackJammer {__version__} snapshot: running this recreates the session's state."]
    if comment:
        header += [f"// {line}".rstrip() for line in comment.splitlines()]
    settings = [
        f"cps({_argument(session.cps)});",
        f"beats_per_cycle({_argument(session.beats_per_cycle)});",
        f"seed({_argument(session.seed)});",
        f"quantize({_argument(session.quantize)});",
        f"project({string_text(session.project)});",
    ]
    try:
        statements = _statements(session)
    except SourceTooLarge as error:
        raise SnapshotError(f"cannot write a snapshot: {error.message}", hint=error.hint) from None
    body = [line for statement in _ordered(statements) for line in statement.lines]
    text = "\n".join(header + settings + body) + "\n"
    _check_runs(text)
    return text


def _argument(number) -> str:
    """A number as a call's only argument: (1/3) needs no parentheses there."""
    text = number_text(number)
    return text[1:-1] if text.startswith("(") else text


def _statements(session: Session) -> list[_Statement]:
    names = track_names(session)
    statements = []
    order = {name: i for i, name in enumerate(session.names)}
    for i, track in enumerate(session.tracks()):
        statements.append(_track_statement(session, track, names, i))
    for name, value in session.names.items():
        if isinstance(value, MidiTrack):
            if names[id(value)] != name:
                statements.append(_Statement(name, [f"let {name} = {names[id(value)]};"], (ALIASES, order[name]),
                                             tracks={names[id(value)]}))
            continue
        writer = Writer(session, names)
        text = writer.write(value)
        statements.append(_Statement(name, [f"let {name} = {text};"], (OTHERS, order[name]),
                                     writer.functions, writer.tracks))
    for statement in statements:
        if statement.name in REGISTRY and statement.rank[0] != TRACKS:
            statement.rank = (SHADOWING, order[statement.name])
    return statements


def _track_statement(session: Session, track: MidiTrack, names: dict[int, str], index: int) -> _Statement:
    name = names[id(track)]
    writer = Writer(session, names)
    shown = "none" if track.name is None else string_text(track.name)
    if isinstance(track, MpeTrack):
        zone = track.zone
        lines = [f'let {name} = MpeTrack(zone: "{zone.name}", members: {len(zone.members)}, bend_range: {zone.bend_range}, '
                 f'velocity: {track.velocity}, name: {shown});']
    else:
        lines = [f"let {name} = MidiTrack({track.channel}, {track.velocity}, name: {shown});"]
    if track.program_number is not None:
        lines.append(f"{name}.program({track.program_number});")
    if track.notes is not None:
        lines.append(f"{name} << {writer.write(track.notes)};")
    if track.velocity_lane is not None:
        lines.append(f"{name}.vel << {writer.write(track.velocity_lane)};")
    for key, pattern in track.cc_lanes.items():  # in the order first bound, as the track keeps them
        lines.append(f"{name}{lane_suffix(key)} << {writer.write(pattern)};")
    if track.gate_fraction is not None:
        lines.append(f"{name}.gate({_argument(track.gate_fraction)});")
    if not (type(track.transposition) is int and track.transposition == 0):
        lines.append(f"{name}.transpose({_argument(track.transposition)});")
    if track.port is not None:
        port = string_text(track.port) if isinstance(track.port, str) else _argument(track.port)
        lines.append(f"{name}.device({port});")
    if getattr(track, "nudge_ms", 0):
        lines.append(f"{name}.nudge({_argument(track.nudge_ms)});")
    if track.muted:
        lines.append(f"{name}.mute();")
    if track.soloed:
        lines.append(f"{name}.solo();")
    if name in writer.functions:  # its lanes would call `name` after the let made it this track
        raise SnapshotError(
            f"cannot write a snapshot: '{name}' names a track, and its lanes use the function {name}",
            hint=f"give the track a second name that is not a pattern function: let {name}_track = {name}",
        )
    return _Statement(name, lines, (TRACKS, index), writer.functions, writer.tracks - {name})


def _ordered(statements: list[_Statement]) -> list[_Statement]:
    """The statements by rank, each moved only as far as names demand:
    after the tracks it reads, before the lets that shadow what it calls."""
    binder = {s.name: i for i, s in enumerate(statements)}
    after: list[set[int]] = [set() for _ in statements]  # i → statements that must follow i
    for i, statement in enumerate(statements):
        if statement.rank[0] == TRACKS and i + 1 < len(statements) and statements[i + 1].rank[0] == TRACKS:
            after[i].add(i + 1)  # tracks in their order
        for function in statement.functions:
            j = binder.get(function)
            if j is not None and j != i:
                after[i].add(j)
        for track in statement.tracks:
            after[binder[track]].add(i)
    waiting = [0] * len(statements)
    for followers in after:
        for j in followers:
            waiting[j] += 1
    ready = [(s.rank, i) for i, s in enumerate(statements) if waiting[i] == 0]
    heapq.heapify(ready)
    result = []
    while ready:
        _, i = heapq.heappop(ready)
        result.append(statements[i])
        for j in after[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, (statements[j].rank, j))
    if len(result) < len(statements):
        stuck = sorted(s.name for i, s in enumerate(statements) if waiting[i] > 0)
        raise SnapshotError(
            "cannot write a snapshot: the names " + ", ".join(f"'{n}'" for n in stuck)
            + " shadow pattern functions that their values or tracks use",
            hint="rebind one of them to a name that is not a pattern function",
        )
    return result


def _check_runs(text: str) -> None:
    """A snapshot that would not run is refused now, not when it is loaded:
    it is run once in a scratch session."""
    from trackjammer.lang.evaluator import Interpreter  # start-up time: the REPL's session log loads this module

    try:
        Interpreter(Session(out=_discard)).execute(text)
    except TrackJammerError as error:
        raise SnapshotError(
            f"cannot write a snapshot: it would fail when run ({error.message})",
            hint="a value rebuilt from itself hundreds of times nests too deeply; build it in fewer steps",
        ) from None


def _discard(text: str) -> None:
    pass


__all__ = ["NoSource", "SnapshotError", "snapshot_source"]
