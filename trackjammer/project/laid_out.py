"""What `midi_export` would write, laid out in ticks track by track.

`daw_export` and `bundle_export` start from exactly the messages of the
.mid file (the same plans, the same `export_messages` and `layout`), so a
DAWproject's notes, a bundle's .mid and its stems can never disagree with
`midi_export` of the same cycles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

from trackjammer.midi.collector import collector_paused
from trackjammer.midi.messages import CONTROL, NOTE_OFF, NOTE_ON, Message, TrackPlan
from trackjammer.midi.smf import Tempo, export_messages, layout, tempo_for, ticks_per_cycle
from trackjammer.project.export import Export, plan_export
from trackjammer.session import Session

Timed = list[tuple[int, Message]]


class TickNote(NamedTuple):
    """A note of the file: from its note-on to its note-off, in ticks."""

    tick: int
    duration: int
    key: int
    velocity: int
    channel: int


@dataclass(frozen=True)
class LaidOut:
    export: Export
    timed: Timed  # every message, in file order
    by_track: dict[int, Timed]  # plan index → its messages, in file order
    end_tick: int  # the loop's end: cycles × ticks per cycle
    tempo: Tempo
    beats_per_cycle: int
    dropped: int  # notes outside 0..127 left out

    @property
    def plans(self) -> list[TrackPlan]:
        return self.export.plans


def lay_out(session: Session, what: Any, cycles: int, call: str, progress: Callable[[int], None] | None = None) -> LaidOut:
    """Cycles 0 … cycles-1 of `what`, notes still sounding cut at the end."""
    export = plan_export(what, session.seed, call)
    bpc = session.beats_per_cycle
    with collector_paused():  # many objects, none in cycles (midi/collector.py)
        messages, stream = export_messages(export.plans, cycles, session.seed, bpc, True, progress)
        timed = layout(messages, ticks_per_cycle(bpc))
    by_track: dict[int, Timed] = {plan.index: [] for plan in export.plans}
    for tick_and_message in timed:
        by_track[tick_and_message[1].track].append(tick_and_message)
    return LaidOut(export, timed, by_track, cycles * ticks_per_cycle(bpc), tempo_for(session.cps, bpc), bpc, stream.dropped)


def warn(session: Session, laid: LaidOut) -> None:
    """The warnings midi_export gives, in its words."""
    for name in laid.export.skipped:
        session.out(f"warning: {name} has no note pattern; skipped")
    if laid.tempo.warning:
        session.out(f"warning: {laid.tempo.warning}")
    if laid.dropped:
        session.out(f"warning: {laid.dropped} note{'s' if laid.dropped != 1 else ''} outside 0..127 left out")


def notes_of(timed: Timed) -> list[TickNote]:
    """Each note-on with its note-off (layout gives every note-on one), by onset."""
    sounding: dict[tuple[int, int], tuple[int, int]] = {}
    notes = []
    for tick, m in timed:
        if m.kind == NOTE_ON:
            sounding[m.channel, m.data1] = (tick, m.data2)
        elif m.kind == NOTE_OFF:
            start = sounding.pop((m.channel, m.data1), None)
            if start is not None:
                notes.append(TickNote(start[0], tick - start[0], m.data1, start[1], m.channel))
    notes.sort()
    return notes


def controls_of(timed: Timed) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """(channel, controller) → [(tick, value)] in file order."""
    lanes: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for tick, m in timed:
        if m.kind == CONTROL:
            lanes.setdefault((m.channel, m.data1), []).append((tick, m.data2))
    return lanes


def track_program(plan: TrackPlan) -> int | None:
    """The General MIDI program (0..127) a track asks for with `t.program(n)`,
    None when it sets none (daw_export and bundle_export write it)."""
    return plan.program


def track_label(plan: TrackPlan) -> str:
    """A track's name as a DAW shows it: its own, else its channel."""
    return plan.name or f"channel {plan.channel + 1}"
