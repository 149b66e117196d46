"""`trackjammer events`: the pattern engine made visible."""

from __future__ import annotations

import json
import sys
from fractions import Fraction

from trackjammer.core.constructors import reify
from trackjammer.core.event import Event
from trackjammer.core.limits import OFFLINE
from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import describe
from trackjammer.core.time import format_time
from trackjammer.core.values import gain_of, number_of, velocity_of
from trackjammer.errors import ArgumentError, TrackJammerError
from trackjammer.lang.display import note_name, show_number
from trackjammer.lang.evaluator import Interpreter
from trackjammer.lang.parser import parse_program
from trackjammer.lang.strings import read_text
from trackjammer.midi.playable import playable
from trackjammer.session import Session

def pattern_of(program: str, session: Session | None = None) -> Pattern:
    """The pattern an input ends with: a pattern, a string of mini-notation,
    a number, or a track (its note lane, transposed as the track plays it)."""
    value = Interpreter(session).execute(program)
    if isinstance(value, str):  # Strudel's "c e g": a string is mini-notation where a pattern is wanted, as here
        value = read_text(value)
    try:
        found = playable(value, session.seed if session is not None else 0, "events")
    except ArgumentError as error:
        if isinstance(value, Pattern):  # met while playing its first cycle (euclid(3, 8, 0.5))
            raise at_last_statement(error, program) from None
        found = None
    except TrackJammerError as error:  # met while playing its first cycle
        raise at_last_statement(error, program) from None
    if found is None or len(found.tracks) > 1:
        raise TrackJammerError(
            f"the input ends with {describe(value)}, not a pattern",
            hint="end with a pattern such as '[C4 E4 G4]' or a track: 'let t = MidiTrack(1); t << [C4]; t'",
        )
    if found.pattern is not None:
        return reify(found.pattern)
    (track,) = found.tracks
    if track.notes is None:
        raise TrackJammerError(f"the track {track.name or ''} has no notes bound".replace("  ", " "),
                               hint="bind some first: t << [C4 E4]")
    return track.notes if track.transposition == 0 else track.notes.transpose(track.transposition)


def at_last_statement(error: TrackJammerError, program: str) -> TrackJammerError:
    """An error met while playing what `program` ends with: where the error
    does not know its place, it points at that last statement."""
    if error.line is None:
        last = parse_program(program).statements[-1].pos
        error.at(last.line, last.column)
    if error.source is None:
        error.source = program
    return error


def sorted_onsets(pattern: Pattern, begin: Fraction, end: Fraction, seed: int = 0) -> list[Event]:
    events = OFFLINE.query(pattern, begin, end, seed, onsets=True)  # refuses what no port could carry, at once
    events.sort(key=lambda e: (e.whole.begin, _sort_number(number_of(e.value))))
    return events


def _sort_number(value) -> float:
    return value if isinstance(value, (int, float, Fraction)) else float("inf")


def to_json(events: list[Event]) -> str:
    rows = []
    for e in events:
        row = {"begin": format_time(e.whole.begin), "end": format_time(e.whole.end),
               "note": _json_number(number_of(e.value)), "velocity": velocity_of(e.value)}
        if gain_of(e.value) is not None:  # only where a note has one (gain, echo)
            row["gain"] = gain_of(e.value)
        rows.append(row)
    return json.dumps(rows, indent=2)


def _json_number(number):
    return float(number) if isinstance(number, Fraction) else number


def to_table(events: list[Event]) -> str:
    gains = any(gain_of(e.value) is not None for e in events)  # a column of its own only when used
    lines = [f"{'begin':>8}  {'end':>8}  {'note':>5}  {'':4}  {'velocity':>8}" + (f"  {'gain':>6}" if gains else "")]
    for e in events:
        number = number_of(e.value)
        velocity, gain = velocity_of(e.value), gain_of(e.value)
        lines.append(
            f"{format_time(e.whole.begin):>8}  {format_time(e.whole.end):>8}  {show_number(number):>5}  "
            f"{note_name(number):4}  {'-' if velocity is None else velocity:>8}"
            + ("" if not gains else f"  {'-' if gain is None else format(gain, 'g'):>6}")
        )
    lines.append(f"{len(events)} event{'s' if len(events) != 1 else ''}")
    return "\n".join(lines)


def run_events(program: str, cycles: tuple[Fraction, Fraction], as_json: bool = False, seed: int = 0) -> int:
    # print() and help() go to stderr, so the table or JSON stays clean.
    session = Session(seed=seed, out=lambda text: print(text, file=sys.stderr))
    pattern = pattern_of(program, session)
    try:
        events = sorted_onsets(pattern, cycles[0], cycles[1], session.seed)
    except TrackJammerError as error:
        raise at_last_statement(error, program) from None
    print(to_json(events) if as_json else to_table(events))
    return 0

