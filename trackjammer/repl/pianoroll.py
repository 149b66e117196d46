"""`show(x, cycles = 1)`: a piano roll in the terminal.

Notes are rows (highest on top, only the pitches that play), time runs in
columns, a note's shade is its velocity (░ ▒ ▓ █, softest to loudest), and
each CC lane is a sparkline below. The roll is drawn from the messages
`midi_export` would write for the same cycles (the one message path), so it
shows what is heard: velocity lanes, gate, transposition included. It is
fitted to the terminal's width with a whole number of columns per cycle.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from trackjammer.core.limits import TooMuchWork
from trackjammer.core.values import is_number
from trackjammer.errors import ArgumentError
from trackjammer.lang.display import note_name
from trackjammer.midi.messages import (CONTROL, NOTE_OFF, NOTE_ON, MessageStream, TrackPlan, plan_of_pattern,
                                       plan_of_track)
from trackjammer.midi.playable import SHOW, playable
from trackjammer.midi.smf import ticks_per_cycle

SHADES = "░▒▓█"  # velocity 1-31, 32-63, 64-95, 96-127
SPARKS = " ▁▂▃▄▅▆▇█"  # CC 0 is the lowest bar but one, so it is still seen as a value
COLUMNS_PER_CYCLE = (64, 48, 32, 24, 16, 12, 8, 6, 4, 3, 2, 1)
MAX_CYCLES = 64
MAX_MESSAGES = 50_000  # far more than 64 columns a cycle can show
MAX_EVENTS = 50_000
BEAT_MARK = "·"
LEGEND = " (shade = velocity: ░ soft … █ loud)"


@dataclass(frozen=True)
class _Note:
    begin: Fraction
    end: Fraction
    channel: int
    pitch: int
    velocity: int


def show_roll(session: Any, what: Any, cycles: Any = 1, width: int | None = None) -> str:
    """The piano roll of a pattern, signal, track or array of tracks."""
    if isinstance(cycles, bool) or not is_number(cycles) or cycles != int(cycles) or not 1 <= cycles <= MAX_CYCLES:
        raise ArgumentError(f"show needs a whole number of cycles from 1 to {MAX_CYCLES}, got {cycles!r}",
                            hint="show(bass, 2)")
    width = width if width is not None else shutil.get_terminal_size((80, 24)).columns
    parts = [_roll(label, plans, int(cycles), width, session) for label, plans in _subjects(what, session.seed)]
    return "\n\n".join(parts)


def print_roll(session: Any, what: Any, cycles: Any = 1) -> None:
    """`show(x, cycles)`: write the roll where print() writes."""
    session.out(show_roll(session, what, cycles))


def _subjects(what: Any, seed: int) -> list[tuple[str, list]]:
    """(label, plans) for each roll to draw."""
    found = playable(what, seed, SHOW)
    if found.signal:  # shown as a CC lane
        return [("signal", [TrackPlan(index=0, channel=0, velocity=100, notes=None, cc_lanes=((-1, found.pattern),))])]
    if found.pattern is not None:
        return [("pattern", [plan_of_pattern(found.pattern)])]
    if found.sides:  # a comparison: what each state plays in one roll, the first above
        return [_side(label, tracks) for label, tracks in found.sides]
    # an MPE zone drawn as one channel: its notes, not the announcement of its channels
    return [(_track_label(track), [replace(plan_of_track(track, 0), zone=None)]) for track in found.tracks]


def _side(label: str, tracks: tuple) -> tuple[str, list]:
    """One state of a comparison: its tracks that play (muted ones, or
    those a solo leaves out, are named in the label, not drawn)."""
    soloing = any(track.soloed for track in tracks)
    silent = [t for t in tracks if t.muted or (soloing and not t.soloed)]
    playing = [t for t in tracks if t not in silent]
    if silent:
        label += f" (silent: {', '.join(t.name or f'channel {t.channel}' for t in silent)})"
    return label, [replace(plan_of_track(track, i), zone=None) for i, track in enumerate(playing)]


def _track_label(track: Any) -> str:
    state = " (muted)" if track.muted else ""
    return f"{track.name or 'track'} on channel {track.channel}{state}"


def _messages(plans: list, cycles: int, session: Any) -> list:
    """What export writes for cycles 0 … cycles-1 (notes cut at the end).
    A pattern far too dense to draw is refused from its first cycle, before
    the work of all the others."""
    per_cycle = sum(len(plan.notes.query_span(0, 1, session.seed)) for plan in plans if plan.notes is not None)
    if per_cycle * cycles > MAX_EVENTS:
        raise TooMuchWork(f"this plays {per_cycle:,} notes in cycle 0: too many to draw over "
                          f"{_plural(cycles, 'cycle')} (at most {MAX_EVENTS:,} notes)",
                          hint="show fewer cycles, or a slower pattern")

    stream = MessageStream(min_length=Fraction(1, ticks_per_cycle(session.beats_per_cycle)))
    messages: list = []
    for cycle in range(cycles):
        messages.extend(stream.window(plans, cycle, cycle + 1, session.seed))
        if len(messages) > MAX_MESSAGES:
            raise TooMuchWork(f"this plays more than {MAX_MESSAGES:,} MIDI messages in {_plural(cycle + 1, 'cycle')}: "
                              "too many to draw", hint="show fewer cycles, or a slower pattern")
    return messages + stream.release(Fraction(cycles))


def _roll(label: str, plans: list, cycles: int, width: int, session: Any) -> str:
    messages = _messages(plans, cycles, session)
    notes, lanes = _notes_and_lanes(messages)
    labels = [_pitch_label(n.pitch) for n in notes] + [_lane_label(c) for c in lanes]
    gutter = max([len(text) for text in labels] + [3]) + 1
    per_cycle = next((c for c in COLUMNS_PER_CYCLE if c * cycles <= width - gutter - 1), 1)
    columns = per_cycle * cycles
    beats = session.beats_per_cycle
    header = f"{label}: {_plural(cycles, 'cycle')} from cycle 0, {_plural(len(notes), 'note')}" + (LEGEND if notes else "")
    lines = [header, " " * gutter + _ruler(cycles, per_cycle)]
    for pitch in sorted({n.pitch for n in notes}, reverse=True):
        row = _row([n for n in notes if n.pitch == pitch], per_cycle, columns, beats)
        lines.append(_pitch_label(pitch).ljust(gutter) + row.rstrip())
    for controller, values in lanes.items():
        lines.append(_lane_label(controller).ljust(gutter) + _sparkline(values, per_cycle, columns).rstrip())
    if not notes and not lanes:
        lines.append(" " * gutter + "(silent)")
    return "\n".join(lines)


def _row(notes: list[_Note], per_cycle: int, columns: int, beats: int) -> str:
    """One pitch's row. A note that starts where the one before it ends
    leaves a one-column gap, when the one before keeps a column of its own."""
    row = [BEAT_MARK if _on_beat(col, per_cycle, beats) else " " for col in range(columns)]
    previous: tuple[Fraction, int] | None = None  # (end, first column) of the note before
    for note in sorted(notes, key=lambda n: n.begin):
        first, last = _columns_of(note, per_cycle, columns)
        if previous is not None and previous[0] == note.begin and first - previous[1] >= 2:
            row[first - 1] = " "
        for col in range(first, last):
            row[col] = SHADES[min(3, note.velocity // 32)]
        previous = (note.end, first)
    return "".join(row)


def _notes_and_lanes(messages: list) -> tuple[list[_Note], dict[int, list[tuple[Fraction, int]]]]:
    notes: list[_Note] = []
    sounding: dict[tuple[int, int], tuple[Fraction, int]] = {}
    lanes: dict[int, list[tuple[Fraction, int]]] = {}
    for message in messages:
        key = (message.channel, message.data1)
        if message.kind == NOTE_ON:
            sounding[key] = (message.time, message.data2)
        elif message.kind == NOTE_OFF and key in sounding:
            begin, velocity = sounding.pop(key)
            notes.append(_Note(begin, message.time, message.channel, message.data1, velocity))
        elif message.kind == CONTROL:
            lanes.setdefault(message.data1, []).append((message.time, message.data2))
    return notes, lanes


def _columns_of(note: _Note, per_cycle: int, columns: int) -> tuple[int, int]:
    first = min(columns - 1, int(note.begin * per_cycle))
    last = max(first + 1, min(columns, round(note.end * per_cycle)))
    return first, last


def _on_beat(col: int, per_cycle: int, beats: int) -> bool:
    """Whether a beat starts within the column: some k with col/per_cycle <= k/beats < (col+1)/per_cycle."""
    k = -(-col * beats // per_cycle)  # ceil(col × beats / per_cycle)
    return k * per_cycle < (col + 1) * beats


def _ruler(cycles: int, per_cycle: int) -> str:
    """Cycle numbers at the column where each cycle starts."""
    ruler = [" "] * (cycles * per_cycle)
    for cycle in range(cycles):
        text = str(cycle)
        start = cycle * per_cycle
        if all(c == " " for c in ruler[max(0, start - 1): start + len(text)]):
            ruler[start: start + len(text)] = list(text)
    return "".join(ruler).rstrip()


def _sparkline(values: list[tuple[Fraction, int]], per_cycle: int, columns: int) -> str:
    """The value in force at each column's start (blank before the first)."""
    out = []
    index, current = 0, None
    for col in range(columns):
        at = Fraction(col, per_cycle)
        while index < len(values) and values[index][0] <= at:
            current = values[index][1]
            index += 1
        out.append(" " if current is None else SPARKS[1 + current * 8 // 128])
    return "".join(out)


def _pitch_label(pitch: int) -> str:
    return note_name(pitch)


def _lane_label(controller: int) -> str:
    return "sig" if controller < 0 else f"cc{controller}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
