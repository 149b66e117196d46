"""render.json through RenderRecord: one frame (kind, file, project, meta,
version, time) for exports, renders, snapshots and takes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from trackjammer import __version__
from trackjammer.project.record import RenderRecord
from trackjammer.project.sessions import set_meta


def test_a_record_carries_the_projects_meta_and_reads_back_equal(tmp_path):
    set_meta("night drive", {"title": "Night Drive", "author": "Ada"}, tmp_path)
    moment = datetime(2026, 11, 21, 20, 15, 3, tzinfo=timezone(timedelta(hours=1)))  # written in local time
    record = RenderRecord.new("midi_export", "export.mid", "night drive", moment, tmp_path, cycles=4, tracks=[])
    folder = tmp_path / "renders/night_drive/2026-11-21_20-15-03"
    folder.mkdir(parents=True)
    record.write(folder)
    written = json.loads((folder / "render.json").read_text(encoding="utf-8"))
    assert list(written) == ["kind", "file", "project", "cycles", "tracks", "meta", "trackjammer", "time"]
    assert written == {
        "kind": "midi_export", "file": "export.mid", "project": "night drive", "cycles": 4, "tracks": [],
        "meta": {"title": "Night Drive", "author": "Ada"}, "trackjammer": __version__,
        "time": moment.astimezone().isoformat(timespec="seconds"),
    }
    assert RenderRecord.read(folder) == record


def test_a_take_passes_its_start_time_as_text_and_a_project_without_meta_gets_an_empty_one(tmp_path):
    record = RenderRecord.new("recording", "recording.mid", None, "2026-11-21T20:15:03+01:00", tmp_path)
    assert (record.meta, record.time, record.project) == ({}, "2026-11-21T20:15:03+01:00", None)


def test_a_folder_without_a_readable_record_has_none(tmp_path):
    assert RenderRecord.read(tmp_path) is None
    (tmp_path / "render.json").write_text("[1, 2]")
    assert RenderRecord.read(tmp_path) is None
    (tmp_path / "render.json").write_text("{not json")
    assert RenderRecord.read(tmp_path) is None
