"""A reader of .dawproject files for the tests, independent of the writer.

It knows the format from its schema and its README, not from
trackjammer/project/dawproject.py: it opens the ZIP, follows each
arrangement lane to the track it names (by id, through Structure), and
gathers every Note of every Clip (clip time added, so a clip placed later
reads right) with the per-note expressions inside it (a Points timeline, or
a Lanes of them), and every automation Points lane, in beats, as the file
says them. `schemas()` finds the official XSDs (../shared/vendor/dawproject
beside the repository, or $TJ_DAWPROJECT_SCHEMAS) for validation.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class DawNote:
    time: float  # beats
    duration: float
    key: int
    velocity: float  # 0..1
    channel: int
    # expression → (unit, [(beats from the note's start, value)]), as the Note holds them
    expressions: dict[str, tuple[str | None, list[tuple[float, float]]]] = field(default_factory=dict, compare=False)


@dataclass
class DawTrack:
    name: str
    comment: str | None
    notes: list[DawNote] = field(default_factory=list)
    clips: list[tuple[float, float | None]] = field(default_factory=list)  # (time, duration) in beats
    automation: dict[tuple[str, int | None, int | None], list[tuple[float, str]]] = field(default_factory=dict)


@dataclass
class DawProject:
    files: list[str]
    project: bytes
    metadata: bytes
    tempo: float
    time_signature: tuple[int, int]
    application: tuple[str, str]
    tracks: list[DawTrack]
    meta: dict[str, str]
    time_unit: str

    def track(self, name: str) -> DawTrack:
        (found,) = [t for t in self.tracks if t.name == name]
        return found


def read_dawproject(path: str | Path) -> DawProject:
    with zipfile.ZipFile(path) as archive:
        files = archive.namelist()
        project_bytes = archive.read("project.xml")
        metadata_bytes = archive.read("metadata.xml")
    project = ET.fromstring(project_bytes)
    assert project.tag == "Project"
    application = project.find("Application")
    tempo = project.find("Transport/Tempo")
    signature = project.find("Transport/TimeSignature")
    assert tempo.get("unit") == "bpm"
    by_id: dict[str, DawTrack] = {}
    tracks = []
    for element in project.find("Structure").iter("Track"):
        channel = element.find("Channel")
        if channel is not None and channel.get("role") == "master":
            continue
        track = DawTrack(element.get("name"), element.get("comment"))
        by_id[element.get("id")] = track
        tracks.append(track)
    top = project.find("Arrangement/Lanes")
    for lane in top.findall("Lanes"):
        track = by_id[lane.get("track")]
        for clip in lane.findall("Clips/Clip"):
            start = float(clip.get("time"))
            duration = clip.get("duration")
            track.clips.append((start, float(duration) if duration is not None else None))
            for note in clip.findall("Notes/Note"):
                track.notes.append(DawNote(start + float(note.get("time")), float(note.get("duration")),
                                           int(note.get("key")), float(note.get("vel")), int(note.get("channel")),
                                           note_expressions(note)))
        for points in lane.findall("Points"):
            target = points.find("Target")
            controller = target.get("controller")
            key = (target.get("expression"), int(target.get("channel")), int(controller) if controller else None)
            track.automation[key] = [(float(p.get("time")), p.get("value")) for p in points if p.tag != "Target"]
    meta = {child.tag: child.text or "" for child in ET.fromstring(metadata_bytes)}
    return DawProject(
        files, project_bytes, metadata_bytes, float(tempo.get("value")),
        (int(signature.get("numerator")), int(signature.get("denominator"))),
        (application.get("name"), application.get("version")), tracks, meta, top.get("timeUnit"),
    )


def note_expressions(note: ET.Element) -> dict[str, tuple[str | None, list[tuple[float, float]]]]:
    """The timelines a Note holds: one Points, or Lanes of several."""
    found = {}
    timelines = [child for child in note if child.tag == "Points"]
    for lanes in note.findall("Lanes"):
        timelines += lanes.findall("Points")
    for points in timelines:
        expression = points.find("Target").get("expression")
        assert expression not in found, f"two timelines of {expression} in one note"
        found[expression] = (points.get("unit"), [(float(p.get("time")), float(p.get("value")))
                                                  for p in points if p.tag != "Target"])
    return found


def schemas() -> Path | None:
    """The folder of Project.xsd and MetaData.xsd, or None where it is absent."""
    given = os.environ.get("TJ_DAWPROJECT_SCHEMAS")
    folder = Path(given) if given else ROOT.parent / "shared" / "vendor" / "dawproject"
    return folder if (folder / "Project.xsd").is_file() and (folder / "MetaData.xsd").is_file() else None
