"""`daw_export`: a .dawproject file, the open project format Bitwig Studio,
Studio One, Cubase and others open.

A .dawproject is a ZIP holding `project.xml` (tempo, time signature,
tracks, the arrangement: clips of notes, automation lanes) and
`metadata.xml` (title, artist, comment). It holds the notes and CCs
`midi_export` writes for the same cycles (project/laid_out.py), in beats:
one track per MIDI track, each with one clip from 0 to the loop's end and
each CC lane as automation on the track. Times are the .mid's ticks / 480,
so both files agree to the tick. The ZIP is the same bytes for the same
state (fixed entry dates), so a snapshot re-exports it identically.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any, Callable
from xml.etree import ElementTree as ET

from trackjammer.core.registry import describe
from trackjammer.errors import ArgumentError
from trackjammer.lang.provenance import source_of
from trackjammer.midi.messages import TrackPlan
from trackjammer.midi.smf import PPQN
from trackjammer.progress import Progress
from trackjammer.project.export import check_cycles, json_number
from trackjammer.project.laid_out import LaidOut, TickNote, controls_of, lay_out, notes_of, track_label, track_program, warn
from trackjammer.project.record import RECORD, RenderRecord
from trackjammer.project.renders import (
    explicit_target, fill_render_folder, json_bytes, make_folders, render_folder, shown_path, write_together,
)
from trackjammer.project.sessions import read_meta
from trackjammer.project.snapshot import snapshot_source
from trackjammer.session import Session
from trackjammer.version import __version__

FORMAT_VERSION = "1.0"
SUFFIX = ".dawproject"
EXPORT_NAME = "export.dawproject"
EXAMPLE = "daw_export(#[bass, lead], 8)"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a ZIP holds: the same bytes every time
META_FIELDS = (("title", "Title"), ("author", "Artist"))  # meta(...) key → MetaData element


def daw_export(
    session: Session, what: Any, cycles: Any, path: Any = None, overwrite: bool = False,
    base: Path | None = None, now: Callable[[], datetime] = datetime.now,
) -> str:
    """Write cycles 0 … cycles-1 of `what` as a .dawproject; return its path."""
    cycles = check_cycles(cycles, EXAMPLE)
    if not isinstance(overwrite, bool):
        raise ArgumentError(f"overwrite must be true or false, got {describe(overwrite)}", hint="overwrite: true")
    if path is not None:
        target = explicit_target(path, overwrite, base, keep_previous=True)
        if target.suffix.lower() != SUFFIX:
            raise ArgumentError(f"daw_export writes a {SUFFIX} file, not {path}",
                                hint=f'daw_export(bass, 4, "{Path(path).stem or "song"}{SUFFIX}")')
    progress = Progress(cycles + 1, "daw_export", "steps")
    try:
        laid = lay_out(session, what, cycles, "daw_export", progress.update)
        data = dawproject_bytes(laid, read_meta(session.project, base))
        progress.update(cycles + 1)
    finally:
        progress.close()
    warn(session, laid)
    moment = now()
    if path is not None:
        make_folders(target.parent, shown_path(target.parent, base))
        kept = write_together([(target, data)], "overwrite" if overwrite else "keep", base)
        for where, aside in kept:
            session.out(f"kept the previous {shown_path(where, base)} as {shown_path(aside, base)}")
        return path
    what_text = source_of(session, what)
    snapshot = snapshot_source(session, f"rendered: daw_export({what_text}, {cycles})").encode("utf-8")
    record = RenderRecord.new(
        "daw_export", EXPORT_NAME, session.project, moment, base,
        what=what_text, cycles=cycles, cps=json_number(session.cps), bpm=json_number(laid.tempo.bpm),
        beats_per_cycle=laid.beats_per_cycle, seed=session.seed, beats=json_number(laid.end_tick / PPQN),
        tracks=[{"name": plan.name, "channel": plan.channel + 1, "program": track_program(plan)} for plan in laid.plans],
        skipped=laid.export.skipped,
    )
    folder = render_folder(session.project, base, lambda: moment)
    fill_render_folder(folder, [(EXPORT_NAME, data), ("snapshot.tj", snapshot), (RECORD, json_bytes(record.as_json()))],
                       base)
    return shown_path(folder / EXPORT_NAME, base)


def dawproject_bytes(laid: LaidOut, meta: dict) -> bytes:
    """The ZIP: project.xml and metadata.xml, UTF-8."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, root in (("project.xml", project_xml(laid)), ("metadata.xml", metadata_xml(meta))):
            entry = zipfile.ZipInfo(name, ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, xml_bytes(root))
    return buffer.getvalue()


def xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return (DECLARATION + ET.tostring(root, encoding="unicode") + "\n").encode("utf-8")


def beats(tick: int) -> str:
    """A tick as beats: the shortest decimal that reads back as tick / 480."""
    return repr(tick / PPQN)


def unit(value: int) -> str:
    """A 7-bit value as the format's normalized 0..1."""
    return repr(value / 127)


class Ids:
    """Unique ids for the elements others refer to: id0, id1, …"""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"id{self.count - 1}"


def project_xml(laid: LaidOut) -> ET.Element:
    ids = Ids()
    project = ET.Element("Project", version=FORMAT_VERSION)
    ET.SubElement(project, "Application", name="TrackJammer", version=__version__)
    transport = ET.SubElement(project, "Transport")
    ET.SubElement(transport, "Tempo", unit="bpm", value=repr(float(laid.tempo.bpm)), id=ids(), name="Tempo")
    ET.SubElement(transport, "TimeSignature", numerator=str(laid.beats_per_cycle), denominator="4", id=ids())
    structure = ET.SubElement(project, "Structure")
    master = ET.SubElement(structure, "Track", contentType="audio notes", loaded="true", id=ids(), name="Master")
    master_channel = ET.SubElement(master, "Channel", audioChannels="2", role="master", id=ids())
    tracks = []
    for plan in laid.plans:
        program = track_program(plan)
        comment = f"MIDI channel {plan.channel + 1}" + ("" if program is None else f", program {program}")
        track = ET.SubElement(structure, "Track", contentType="notes", loaded="true", id=ids(),
                              name=track_label(plan), comment=comment)
        ET.SubElement(track, "Channel", audioChannels="2", destination=master_channel.get("id"), role="regular", id=ids())
        tracks.append(track.get("id"))
    arrangement = ET.SubElement(project, "Arrangement", id=ids())
    lanes = ET.SubElement(arrangement, "Lanes", timeUnit="beats", id=ids())
    for plan, track_id in zip(laid.plans, tracks):
        _track_lanes(lanes, plan, track_id, laid, ids)
    ET.SubElement(project, "Scenes")
    return project


def _track_lanes(parent: ET.Element, plan: TrackPlan, track_id: str, laid: LaidOut, ids: Ids) -> None:
    """A track's lane: one clip of its notes, then its automation."""
    timed = laid.by_track[plan.index]
    lane = ET.SubElement(parent, "Lanes", track=track_id, id=ids())
    clips = ET.SubElement(lane, "Clips", id=ids())
    clip = ET.SubElement(clips, "Clip", time="0.0", duration=beats(laid.end_tick), playStart="0.0", name=track_label(plan))
    notes = ET.SubElement(clip, "Notes", id=ids())
    for note in notes_of(timed):
        element = ET.SubElement(notes, "Note", time=beats(note.tick), duration=beats(note.duration),
                                channel=str(note.channel), key=str(note.key), vel=unit(note.velocity))
        note_expressions(element, plan, note)
    program = track_program(plan)
    if program is not None:
        points = ET.SubElement(lane, "Points", id=ids())
        ET.SubElement(points, "Target", expression="programChange", channel=str(plan.channel))
        ET.SubElement(points, "IntegerPoint", time="0.0", value=str(program))
    for (channel, controller), values in sorted(controls_of(timed).items()):
        points = ET.SubElement(lane, "Points", id=ids(), unit="normalized")
        ET.SubElement(points, "Target", expression="channelController", channel=str(channel), controller=str(controller))
        for tick, value in values:
            ET.SubElement(points, "RealPoint", time=beats(tick), value=unit(value), interpolation="hold")


def note_expressions(element: ET.Element, plan: TrackPlan, note: TickNote) -> None:
    """Per-note expression, for MPE tracks: none yet.

    The seam for MpeTrack (issue 18, part A, built beside this): its
    per-note lanes (note_bend, timbre, note_pressure) become timelines
    inside the Note: one `Points` (Target expression="pitchBend", "timbre"
    or "pressure", unit "semitones" or "normalized"), or `Lanes` of several,
    times relative to the note's start."""


def metadata_xml(meta: dict) -> ET.Element:
    """Title and Artist from meta(title:, author:); key, tempo and notes in Comment."""
    root = ET.Element("MetaData")
    for key, element in META_FIELDS:
        if meta.get(key) not in (None, ""):
            ET.SubElement(root, element).text = str(meta[key])
    comment = [f"{key}: {meta[key]}" for key in ("key", "tempo") if meta.get(key) not in (None, "")]
    if meta.get("notes") not in (None, ""):
        comment.append(str(meta["notes"]))
    if comment:
        ET.SubElement(root, "Comment").text = "\n".join(comment)
    return root
