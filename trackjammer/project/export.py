"""`midi_export`: what to export, where it goes, and what goes beside it.

Everything is worked out before anything touches the disk, so a bad
argument or a pattern that fails writes nothing. A pattern becomes a Type 0
file; a track or an array of tracks a Type 1 file. An automatic export gets
a render folder holding the file, `snapshot.tj` (the state that was
rendered) and `render.json` (what was rendered); an explicit path gets just
the file(s).
"""

from __future__ import annotations

import re

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

from trackjammer.core.registry import describe
from trackjammer.core.values import is_number
from trackjammer.errors import ArgumentError
from trackjammer.lang.provenance import source_of
from trackjammer.midi.collector import collector_paused
from trackjammer.midi.playable import playable, verb_of
from trackjammer.midi.messages import Message, TrackPlan, plan_of_pattern, plan_of_track
from trackjammer.midi.smf import (
    PPQN, end_tick_of, exported, export_messages, file_tracks, layout, midi_bytes, tempo_for, ticks_per_cycle,
)
from trackjammer.midi.track import MidiTrack
from trackjammer.progress import Progress
from trackjammer.project.record import RECORD, RenderRecord
from trackjammer.project.snapshot import snapshot_source
from trackjammer.project.renders import (
    check_replaceable, explicit_target, fill_render_folder, json_bytes, make_folders, render_folder, safe_name,
    shown_path, write_together,
)
from trackjammer.session import Session

MAX_CYCLES = 100_000
EXPORT_NAME = "export.mid"
FILE_NAME = re.compile(r"[/\\]|\.(mid|midi|wav|dawproject)$", re.IGNORECASE)  # a path where the tracks go


@dataclass(frozen=True)
class Export:
    """What one midi_export call renders."""

    plans: list[TrackPlan]
    file_type: int  # 0 for a bare pattern, 1 for tracks
    skipped: list[str]


def check_cycles(cycles: Any, example: str = "midi_export(bass, 4)", what: Any = None) -> int:
    """A positive whole number of cycles, at most MAX_CYCLES; `example` is
    the call the hint shows (render() shares this check). `what`, the first
    argument: a file's name there (`midi_export("song.mid", bass, 4)`) gets
    the path's place as the hint."""
    if not is_number(cycles) or cycles != int(cycles) or not 1 <= cycles <= MAX_CYCLES:
        shown = f'"{cycles}"' if isinstance(cycles, str) else describe(cycles) if not is_number(cycles) else str(cycles)
        hint = f"the number of cycles to render, counted from cycle 0: {example}"
        if isinstance(what, str) and FILE_NAME.search(what):
            hint = f'the file\'s path comes last, named: {example[:-1]}, path: "{what}")'
        raise ArgumentError(f"cycles must be a whole number from 1 to {MAX_CYCLES:,}, got {shown}", hint=hint)
    return int(cycles)


def plan_export(what: Any, seed: int, call: str = "midi_export") -> Export:
    """The tracks (or the pattern) to render, and the tracks left out;
    `call` names the function in the hints (render() shares this)."""
    found = playable(what, seed, call)
    if found.pattern is not None:
        if found.signal:
            raise ArgumentError("a signal has no notes of its own", hint=f"{verb_of(call)} notes: Sine(1).segment(8).range(48, 72)")
        return Export([plan_of_pattern(found.pattern)], 0, [])
    tracks = found.tracks
    playing = [t for t in tracks if t.notes is not None]
    skipped = [_track_name(t) for t in tracks if t.notes is None]
    if not playing:
        raise ArgumentError(
            "nothing to export: no track has a note pattern" if len(tracks) > 1 else f"nothing to export: {skipped[0]} has no note pattern",
            hint="give it notes first: bass << [C2 E2 G2]",
        )
    return Export([plan_of_track(t, i) for i, t in enumerate(playing)], 1, skipped)


def midi_export(
    session: Session, what: Any, cycles: Any, path: Any = None, stems: bool = False, overwrite: bool = False,
    loop: bool = True, base: Path | None = None, now: Callable[[], datetime] = datetime.now, every: bool = False,
    file_type: Any = None,
) -> str:
    """Render cycles 0 … cycles-1 of `what` to a MIDI file; return its path.
    `file_type` 0 or 1 asks for that type (a pattern is Type 0 and tracks
    Type 1 by default; Type 0 merges the tracks into one, channels kept)."""
    cycles = check_cycles(cycles, what=what)
    for flag, value in (("stems", stems), ("overwrite", overwrite), ("loop", loop), ("all", every)):
        if not isinstance(value, bool):
            raise ArgumentError(f"{flag} must be true or false, got {describe(value)}", hint=f"{flag}: true")
    if file_type is not None and (not is_number(file_type) or file_type not in (0, 1) or isinstance(file_type, bool)):
        raise ArgumentError(f"type must be 0 or 1, got {describe(file_type) if not is_number(file_type) else file_type}",
                            hint="type: 0 merges the tracks into one track (channels kept); type: 1 keeps one track each")
    export = plan_export(what, session.seed)
    if file_type is not None:
        export = Export(export.plans, int(file_type), export.skipped)
    bpc = session.beats_per_cycle
    tempo = tempo_for(session.cps, bpc)
    if path is not None:
        target = explicit_target(path, overwrite, base, keep_previous=True)
    files = _files(export, stems, target.name if path is not None else EXPORT_NAME)
    progress = Progress(cycles + len(files), "export", "steps")
    with collector_paused():  # a million objects made, none in cycles (midi/collector.py)
        try:
            messages, stream = export_messages(export.plans, cycles, session.seed, bpc, loop, progress.update)
            timed = layout(exported(messages, export.plans, every), ticks_per_cycle(bpc))
            end_tick = end_tick_of(timed, cycles, bpc)
            by_track: dict[int, list[tuple[int, Message]]] = {plan.index: [] for plan in export.plans}
            for tick_and_message in timed:
                by_track[tick_and_message[1].track].append(tick_and_message)
            contents = []
            for step, (name, plans, kind) in enumerate(files, start=cycles + 1):
                tracks = [track for plan in plans for track in file_tracks(plan, by_track[plan.index])]
                contents.append((name, midi_bytes(tracks, kind, tempo, bpc, end_tick)))
                progress.update(step)
        finally:
            progress.close()
    for name in export.skipped:
        session.out(f"warning: {name} has no note pattern; skipped")
    if tempo.warning:
        session.out(f"warning: {tempo.warning}")
    if stream.dropped:
        session.out(f"warning: {stream.dropped} note{'s' if stream.dropped != 1 else ''} outside 0..127 left out")
    names = [name for name, _ in contents]
    moment = now()  # one reading for the folder's name and render.json
    if path is None:
        options = ("" if loop else ", loop: false") + ("" if file_type is None else f", type: {export.file_type}") + (
            ", all: true" if every else "")
        described = _describe_render(session, what, export, cycles, options, tempo, end_tick, names, moment, base, every)
        folder = render_folder(session.project, base, lambda: moment)
        fill_render_folder(folder, contents + described, base)
        return shown_path(folder / names[0], base)
    folder = target.parent
    for name in names[1:]:  # the stems: checked before anything is written
        check_replaceable(folder / name, shown_path(folder / name, base))
    make_folders(folder, shown_path(folder, base))
    kept = write_together([(folder / name, data) for name, data in contents], "overwrite" if overwrite else "keep", base)
    if kept:
        session.out(f"kept the previous {', '.join(f'{shown_path(p, base)} as {shown_path(a, base)}' for p, a in kept)}")
    return path


def _files(export: Export, stems: bool, combined: str) -> list[tuple[str, list[TrackPlan], int]]:
    """(file name, plans, type): the combined file first, then the stems,
    each named after its track and never twice the same name."""
    files = [(combined, export.plans, export.file_type)]
    if stems and (export.file_type == 1 or len(export.plans) > 1):
        taken = {combined}
        for plan in export.plans:
            stem = safe_name(plan.name or f"channel_{plan.channel + 1}", fallback=f"channel_{plan.channel + 1}")
            name, n = f"{stem}.mid", 1
            while name in taken:
                n += 1
                name = f"{stem}_{n}.mid"
            taken.add(name)
            files.append((name, [plan], 1))
    return files


def _describe_render(
    session: Session, what: Any, export: Export, cycles: int, options: str, tempo: Any, end_tick: int,
    names: list[str], moment: datetime, base: Path | None, every: bool = False,
) -> list[tuple[str, bytes]]:
    """snapshot.tj and render.json, to go beside the file; `options` as the call had them."""
    what_text = source_of(session, what)
    loop = "loop: false" not in options
    call = f"midi_export({what_text}, {cycles}{options})"
    record = RenderRecord.new(
        "midi_export", names[0], session.project, moment, base,
        what=what_text,
        stems=names[1:],
        type=export.file_type,
        cycles=cycles,
        loop=loop,
        all=every,
        cps=json_number(session.cps),
        bpm=json_number(tempo.bpm),
        tempo_microseconds_per_beat=tempo.microseconds,
        beats_per_cycle=session.beats_per_cycle,
        ppqn=PPQN,
        ticks_per_cycle=ticks_per_cycle(session.beats_per_cycle),
        end_tick=end_tick,
        seed=session.seed,
        tracks=[{"name": plan.name, "channel": plan.channel + 1} for plan in export.plans],
        skipped=export.skipped,
    )
    return [("snapshot.tj", snapshot_source(session, f"rendered: {call}").encode("utf-8")),
            (RECORD, json_bytes(record.as_json()))]


def json_number(value: Any) -> Any:
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    return value


def _track_name(track: MidiTrack) -> str:
    return f"track '{track.name}'" if track.name else f"the track on channel {track.channel}"
