"""`daw_export`: a .dawproject file, the open project format Bitwig Studio,
Studio One, Cubase and others open.

A .dawproject is a ZIP holding `project.xml` (tempo, time signature,
tracks, the arrangement: clips of notes, automation lanes) and
`metadata.xml` (title, artist, comment). It holds the notes and CCs
`midi_export` writes for the same cycles (project/laid_out.py), in beats:
one track per MIDI track, each with one clip from 0 to the loop's end and
each CC lane as automation on the track. Times are the .mid's ticks / 480,
so both files agree to the tick. An MpeTrack's per-note bends, timbre and
pressure (the messages on each note's member channel) are written inside
each note, as the format keeps per-note expression; its zone announcement
(RPNs a DAW's MPE instrument does not need) is left out of the automation. The ZIP is the same bytes for the same
state (fixed entry dates), so a snapshot re-exports it identically.
"""

from __future__ import annotations

import io
import zipfile
from bisect import bisect_left
from datetime import datetime
from pathlib import Path
from typing import Any, Callable
from xml.etree import ElementTree as ET

from trackjammer.core.registry import describe
from trackjammer.errors import ArgumentError
from trackjammer.lang.provenance import source_of
from trackjammer.midi.messages import BEND, BEND_CENTRE, CONTROL, PRESSURE, TIMBRE, TrackPlan
from trackjammer.midi.mpe import Zone, configuration
from trackjammer.midi.smf import PPQN
from trackjammer.progress import Progress
from trackjammer.project.export import check_cycles, json_number
from trackjammer.project.laid_out import (
    LaidOut, TickNote, Timed, controls_of, lay_out, notes_of, track_label, track_program, warn,
)
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
# Per-note expressions, in the order written: the format's per-note pitch is
# "transpose" in semitones ("pitchBend" is the channel's MIDI bend).
EXPRESSIONS = (("transpose", "semitones"), ("timbre", "normalized"), ("pressure", "normalized"))


def daw_export(
    session: Session, what: Any, cycles: Any, path: Any = None, overwrite: bool = False,
    base: Path | None = None, now: Callable[[], datetime] = datetime.now,
) -> str:
    """Write cycles 0 … cycles-1 of `what` as a .dawproject; return its path."""
    cycles = check_cycles(cycles, EXAMPLE, what)
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
    expressions = per_note_messages(timed, plan.zone)
    for note in notes_of(timed):
        element = ET.SubElement(notes, "Note", time=beats(note.tick), duration=beats(note.duration),
                                channel=str(note.channel), key=str(note.key), vel=unit(note.velocity))
        note_expressions(element, note, expressions.get(note.channel), ids)
    program = track_program(plan)
    if program is not None:
        points = ET.SubElement(lane, "Points", id=ids())
        ET.SubElement(points, "Target", expression="programChange", channel=str(plan.channel))
        ET.SubElement(points, "IntegerPoint", time="0.0", value=str(program))
    for (channel, controller), values in sorted(controls_of(automation_of(timed, plan.zone)).items()):
        points = ET.SubElement(lane, "Points", id=ids(), unit="normalized")
        ET.SubElement(points, "Target", expression="channelController", channel=str(channel), controller=str(controller))
        for tick, value in values:
            ET.SubElement(points, "RealPoint", time=beats(tick), value=unit(value), interpolation="hold")


def per_note_messages(timed: Timed, zone: Zone | None) -> dict[int, list[tuple[int, str, float]]]:
    """An MPE track's per-note expression as the .mid holds it: for each
    member channel, (tick, expression, value) in file order. A bend is
    semitones of the zone's bend range, as the synth hears it
    ((value − 8192) / 8192 × range); timbre (CC 74) and pressure 0..1."""
    found: dict[int, list[tuple[int, str, float]]] = {}
    if zone is None:
        return found
    for tick, m in timed:
        if m.channel not in zone.members:
            continue
        if m.kind == BEND:
            value = ((m.data1 | m.data2 << 7) - BEND_CENTRE) / BEND_CENTRE * zone.bend_range
            found.setdefault(m.channel, []).append((tick, "transpose", value))
        elif m.kind == CONTROL and m.data1 == TIMBRE:
            found.setdefault(m.channel, []).append((tick, "timbre", m.data2 / 127))
        elif m.kind == PRESSURE:
            found.setdefault(m.channel, []).append((tick, "pressure", m.data1 / 127))
    return found


def note_expressions(element: ET.Element, note: TickNote, on_channel: list[tuple[int, str, float]] | None,
                     ids: Ids) -> None:
    """The expression messages sent on the note's channel while it sounds
    (those at its onset come before its note-on), as timelines inside the
    Note, times in beats from its start, each value held until the next:
    one `Points` per expression, in a `Lanes` when there are several."""
    if not on_channel:
        return
    first = bisect_left(on_channel, note.tick, key=lambda found: found[0])
    last = bisect_left(on_channel, note.tick + note.duration, key=lambda found: found[0])
    mine = on_channel[first:last]
    written = [(expression, kind, [(tick, value) for tick, name, value in mine if name == expression])
               for expression, kind in EXPRESSIONS]
    written = [entry for entry in written if entry[2]]
    if not written:
        return
    parent = element if len(written) == 1 else ET.SubElement(element, "Lanes", id=ids())
    for expression, kind, values in written:
        points = ET.SubElement(parent, "Points", id=ids(), unit=kind)
        ET.SubElement(points, "Target", expression=expression)
        for tick, value in values:
            ET.SubElement(points, "RealPoint", time=beats(tick - note.tick), value=repr(value), interpolation="hold")


def automation_of(timed: Timed, zone: Zone | None) -> Timed:
    """The messages track automation is made of: for an MPE track, all but
    the per-note timbre (written inside the notes) and the zone's
    announcement (RPNs on every channel of the zone, which a DAW's MPE
    instrument does not need)."""
    if zone is None:
        return timed
    announcement = configuration(zone)
    kept: Timed = []
    at = 0
    for tick, m in timed:
        if m.kind == CONTROL and m.channel in zone.members and m.data1 == TIMBRE:
            continue
        if m.kind == CONTROL and (m.channel, m.data1, m.data2) == announcement[at]:
            at = (at + 1) % len(announcement)
            continue
        kept.append((tick, m))
    return kept


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
