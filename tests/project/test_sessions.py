"""Sessions: the session log, save/load/versions/snapshot, metadata."""

from __future__ import annotations

import json
import re
from fractions import Fraction as F
from pathlib import Path

import pytest

import trackjammer.core  # noqa: F401
from tests.engine.test_scheduler import Rig
from trackjammer.errors import TrackJammerError
from trackjammer.lang.evaluator import Interpreter
from trackjammer.lang.parser import parse_program
from trackjammer.project.sessions import SessionLog
from trackjammer.project.snapshot import snapshot_source
from trackjammer.session import Session

SONG = """cps(0.55); seed(3);
let bass = MidiTrack(1, 80); bass << [C2 E2 G2(3,8)];
let lead = MidiTrack(2, name: "Lead"); lead << [C5 E5].fast(2); lead.cc(74) << Sine(0.25).range(20, 90);
let motif = [0 2 4].scale("dorian", D3); lead.mute()
"""
TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
STAMP = r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d"


@pytest.fixture
def repl(tmp_path, monkeypatch):
    """An interpreter in an empty folder; repl(text) gives what it printed."""
    monkeypatch.chdir(tmp_path)
    out: list[str] = []
    interpreter = Interpreter(Session(out=out.append))

    def run(text: str) -> list[str]:
        out.clear()
        value = interpreter.execute(text)
        return out[:] + ([] if value is None else [value])

    run.interpreter = interpreter
    run.session = interpreter.session
    return run


def state(session: Session) -> str:
    return snapshot_source(session).split("\n", 1)[1]  # without the header line


def rows(run) -> list[tuple[str, str]]:
    """(kind, name) of each row of versions(), after checking the header and the time."""
    header, *lines = run("versions()")[0].split("\n")
    assert header.startswith("time                 kind ") and header.endswith("  name")
    return [re.fullmatch(rf"{TIME}  (\S.*?) *  (\S+)", line).group(1, 2) for line in lines]


def error_of(run, text: str) -> TrackJammerError:
    with pytest.raises(TrackJammerError) as caught:
        run(text)
    return caught.value


def test_save_load_and_versions_round_trip(repl, tmp_path):
    repl(SONG)
    saved = state(repl.session)
    assert repl('save("verse")') == ["sessions/untitled/verse.tj"]
    text = (tmp_path / "sessions/untitled/verse.tj").read_text()
    assert text.split("\n", 2)[2] == saved  # two header lines, then the state
    repl('bass << [A1*4]; cps(1); let extra = 5; lead.unmute()')
    changed = state(repl.session)
    (said,) = repl('load("verse")')
    assert state(repl.session) == saved
    kept = re.fullmatch(rf'the state before is kept: load\("(before-load@{STAMP})"\) brings it back', said).group(1)
    lines = repl("versions()")[0].split("\n")
    assert lines[0] == "time                 kind         name"
    assert [re.fullmatch(rf"({TIME})  (.{{11}})  (.+)", line).group(2, 3) for line in lines[1:]] == [
        ("save       ", "verse"), ("before load", kept)]
    repl(f'load("{kept}")')  # the rollback of the rollback: nothing was lost
    assert state(repl.session) == changed


def test_saving_over_a_name_keeps_the_state_saved_before(repl, tmp_path):
    repl('let a = MidiTrack(1); a << [C4]; save("verse")')
    first = state(repl.session)
    repl('save("verse")')  # the same state again: nothing to keep
    assert not (tmp_path / "sessions/untitled/versions").exists() or not list((tmp_path / "sessions/untitled/versions").iterdir())
    repl('a << [D4]; save("verse")')
    (kept,) = (tmp_path / "sessions/untitled/versions").iterdir()
    assert re.fullmatch(rf"verse@{STAMP}\.tj", kept.name)
    repl(f'load("{kept.stem}")')
    assert state(repl.session) == first
    found = rows(repl)
    assert [kind for kind, _ in found] == ["version", "save", "before load"]  # by time: saved, overwritten, replaced
    assert [name for _, name in found][:2] == [kept.stem, "verse"]


def test_save_without_a_name_keeps_a_version_named_by_its_time(repl):
    repl("let a = MidiTrack(1); a << [C4]")
    (path,) = repl("save()")
    assert re.fullmatch(rf"sessions/untitled/versions/save@{STAMP}\.tj", path)
    assert repl("versions()")[0].split("\n")[1].endswith(f"  save  {Path(path).stem}")


def test_a_state_that_fails_to_load_changes_nothing(repl, tmp_path):
    repl(SONG)
    before = state(repl.session)
    folder = tmp_path / "sessions/untitled"
    folder.mkdir(parents=True)
    (folder / "broken.tj").write_text("let a = MidiTrack(1);\na << [C4 E4].nope(2);\n")
    error = error_of(repl, 'load("broken")')
    assert error.message == "cannot load broken: sessions/untitled/broken.tj fails (line 2): patterns have no method 'nope'"
    assert error.hint == "nothing was changed" and (error.line, error.column) == (1, 1)
    assert state(repl.session) == before
    assert not (folder / "versions").exists()


def test_a_saved_state_that_loads_another_is_refused(repl, tmp_path):
    folder = tmp_path / "sessions/untitled"
    folder.mkdir(parents=True)
    (folder / "loop.tj").write_text('let a = MidiTrack(1);\nload("loop");\n')
    repl("let b = MidiTrack(2)")
    error = error_of(repl, 'load("loop")')
    assert error.message == ("cannot load loop: sessions/untitled/loop.tj fails (line 2): "
                             "a saved state cannot load another one")
    assert list(repl.session.names) == ["b"] and not (folder / "versions").exists()


def test_unknown_names_and_bad_names_are_clear_errors(repl):
    repl('let a = MidiTrack(1); a << [C4]; save("verse")')
    error = error_of(repl, 'load("vrese")')
    assert (error.message, error.hint) == ('no saved state "vrese" in project "untitled"', "did you mean 'verse'?")
    for bad in ('"my verse"', '"../up"', '"2026-11-22_01-00-00"', "3"):
        error = error_of(repl, f"save({bad})")
        assert error.message.startswith("a saved state's name is letters, digits, '.', '_' and '-' (not a date), got ")
    assert error_of(repl, "load(3)").message == "load needs the name of a saved state in quotes"


def test_snapshots_and_exports_are_versions_too(repl, tmp_path):
    repl("let a = MidiTrack(1); a << [C4 E4]")
    first = state(repl.session)
    (path,) = repl("snapshot()")
    assert re.fullmatch(rf"renders/untitled/{STAMP}/snapshot\.tj", path)
    info = json.loads((tmp_path / path).with_name("render.json").read_text())
    assert (info["kind"], info["file"], info["tracks"], info["meta"]) == ("snapshot", "snapshot.tj", [{"name": "a", "channel": 1}], {})
    repl("a << [G4]; midi_export(a, 1)")
    found = rows(repl)
    names = [name for _, name in found]
    assert [kind for kind, _ in found] == ["snapshot", "export"]
    assert names[0] == f"snapshot@{Path(path).parent.name}" and names[1].startswith("export@")
    repl(f'load("{names[0]}")')
    assert state(repl.session) == first


def test_meta_is_kept_in_project_json_and_written_into_every_render_json(repl, tmp_path):
    repl('project("night drive")')
    assert repl("meta()") == ['project "night drive" has no metadata yet; set it with meta(title: "…", author: "…")']
    repl('meta(title: "Night Drive", author: "Ada", tempo: 132); meta(key: "D minor")')
    stored = json.loads((tmp_path / "sessions/night_drive/project.json").read_text())
    assert stored == {"title": "Night Drive", "author": "Ada", "tempo": 132, "key": "D minor"}
    assert repl("meta()") == ["title: Night Drive\nauthor: Ada\nkey: D minor\ntempo: 132"]
    repl('meta(author: "")')
    repl("let a = MidiTrack(1); a << [C4]; midi_export(a, 1); snapshot()")
    expected = {"title": "Night Drive", "tempo": 132, "key": "D minor"}
    for render in (tmp_path / "renders/night_drive").glob("*/render.json"):
        assert json.loads(render.read_text())["meta"] == expected
    error = error_of(repl, "meta(title: [C4])")
    assert error.message == "meta title needs text or a number, got Pattern"
    assert error_of(repl, 'meta(titel: "x")').message == "meta has no argument 'titel'"


def test_a_recording_carries_the_meta_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rig = Rig('meta(title: "Take"); cps(1); let a = MidiTrack(1); a << [C4]', cps=1)
    rig.start()
    rig.play_until(F(1, 2))
    rig.engine.stop()
    rig.engine.recorder.wait()  # stop() writes the take in the background
    (render,) = tmp_path.glob("renders/untitled/*/render.json")
    assert json.loads(render.read_text())["meta"] == {"title": "Take"}


def test_load_is_live_and_quantized_like_a_binding(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rig = Rig('cps(1); let a = MidiTrack(1); a << [C4*4]; save("v"); a << [D4*4]', cps=1)
    t0 = rig.start()
    rig.play_until(F(1, 3))
    rig.run('load("v")')
    rig.play_until(2)
    ons = [(round(t - t0, 6), data[1]) for t, data in rig.output.sent if data[0] == 0x90]
    assert ons == [(0, 62), (0.25, 62), (0.5, 62), (0.75, 62), (1, 60), (1.25, 60), (1.5, 60), (1.75, 60), (2, 60)]


def test_the_session_log_replays_to_the_same_state(repl, tmp_path):
    log = SessionLog(repl.session).attach(repl.interpreter)
    repl("// the bass\nlet bass = MidiTrack(1, 80);\nbass << [C2 E2 G2(3,8)]")
    repl("cps(0.55); seed(3)")
    with pytest.raises(TrackJammerError):
        repl("let lead = MidiTrack(2, name: \"Lead\"); lead << [C5 E5].nope()")  # the let took effect, the bind did not
    with pytest.raises(TrackJammerError):
        repl("lead << [C5 E5].fast(2); lead.cc(74) << Sine(0.25) // a comment\n; lead.mute(); let x = [C4")
    repl("let motif = [0 2 4].scale(\"dorian\", D3);;  print(motif)")
    assert re.fullmatch(rf"sessions/untitled/{STAMP}\.tj", str(log.path.relative_to(tmp_path)))
    text = log.path.read_text()
    assert text.split("\n")[1:] == [
        "// the bass", "let bass = MidiTrack(1, 80);", "bass << [C2 E2 G2(3,8)];",
        "cps(0.55);", "seed(3);",
        'let lead = MidiTrack(2, name: "Lead");',
        "lead << [C5 E5].fast(2);", "lead.cc(74) << Sine(0.25) // a comment", ";", "lead.mute();",
        'let motif = [0 2 4].scale("dorian", D3);', "print(motif);", "",
    ]
    replayed = Session(out=lambda text: None)
    Interpreter(replayed).execute(text)
    assert state(replayed) == state(repl.session)


def test_statement_texts_come_from_the_parser_as_typed():
    program = parse_program("let a = 1; // why\n let b = [C4, E4] ;; a << b\n")
    assert program.texts == ("let a = 1", "// why\n let b = [C4, E4]", "a << b")
