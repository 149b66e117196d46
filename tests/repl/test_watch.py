"""Watching a script: what each save runs (repl/watch.py), and watch() in
the real REPL, in a pseudo-terminal, with the file saved three times (one
save with an error), the state read back after each save through the
door and the session log."""

from __future__ import annotations

import os

import pytest

from tests.repl.test_door import quit_repl, runtime, send  # noqa: F401 - runtime is a fixture
from tests.repl.test_repl_e2e import ENTER, spawn
from trackjammer.errors import TrackJammerError
from trackjammer.repl.watch import Changes, FileWatch

SONG = "let m = [C4 E4];\nlet t = MidiTrack(1);\nt << m;\nprint(\"saved\");\n"


def test_the_first_save_runs_everything_then_only_what_changed():
    changes = Changes()
    first = changes.plan(SONG)
    assert (first.run, first.total, first.source) == (4, 4, SONG)
    second = changes.plan(SONG.replace("E4", "G4"))
    # The new melody, and the statement that binds it; the rest blanked, lines kept.
    assert (second.run, second.total) == (2, 4)
    assert second.source == "let m = [C4 G4];\n                    ;\nt << m;\n              ;\n"
    assert changes.plan(SONG.replace("E4", "G4")).run == 0  # saved again unchanged


def test_a_changed_name_reruns_what_uses_it_not_what_merely_follows():
    changes = Changes()
    changes.plan("let a = [C4];\nlet b = [E4];\nlet t = MidiTrack(1);\nt << a;\nlet u = MidiTrack(2);\nu << b;\n")
    plan = changes.plan("let a = [C5];\nlet b = [E4];\nlet t = MidiTrack(1);\nt << a;\nlet u = MidiTrack(2);\nu << b;\n")
    assert plan.run == 2
    assert [line.strip() for line in plan.source.splitlines()] == ["let a = [C5];", ";", ";", "t << a;", ";", ";"]


def test_a_save_that_does_not_parse_runs_nothing_and_is_not_remembered():
    changes = Changes()
    changes.plan(SONG)
    with pytest.raises(TrackJammerError) as caught:
        changes.plan(SONG.replace("[C4 E4]", "[C4 G4"))
    assert (caught.value.line, caught.value.column) == (1, 15)
    assert changes.plan(SONG.replace("E4", "G4")).run == 2  # compared with the last good save


def test_a_failed_plan_runs_again_at_the_next_save():
    changes = Changes()
    changes.plan("let t = MidiTrack(1);\n")
    plan = changes.plan("let t = MidiTrack(1);\nt << nope;\n")
    changes.failed(plan)
    assert changes.plan("let t = MidiTrack(1);\nt << nope;\n").run == 1


def test_a_file_watch_sees_saves_not_touches(tmp_path):
    song = tmp_path / "song.tj"
    song.write_text("a")
    watch = FileWatch(song)
    assert watch.poll() == "a"
    assert watch.poll() is None
    os.utime(song, ns=(1, 1))  # touched: the same content
    assert watch.poll() is None
    song.write_text("b")
    assert watch.poll() == "b"
    song.unlink()  # an editor's save may remove it for a moment
    assert watch.poll() is None


def test_watch_in_the_repl_follows_three_saves(tmp_path, runtime):  # noqa: F811 - the fixture
    song = tmp_path / "song.tj"
    song.write_text(SONG)
    child = spawn(tmp_path, "--no-midi", "--project", "w", XDG_RUNTIME_DIR=str(runtime))
    try:
        child.send('watch("song.tj")' + ENTER)
        child.expect_exact("watching song.tj: every save is evaluated")
        child.expect_exact("song.tj: saved, 4 of 4 statements run")
        assert send(runtime, tmp_path, "m").stdout == "pattern: 0 C4, 1/2 E4\n"

        song.write_text(SONG.replace("E4", "G4"))  # save 1: a new melody
        child.expect_exact("song.tj: saved, 2 of 4 statements run")
        assert send(runtime, tmp_path, "m").stdout == "pattern: 0 C4, 1/2 G4\n"

        song.write_text(SONG.replace("[C4 E4]", "[C4 B4").replace("MidiTrack(1)", "MidiTrack(2)"))  # save 2: an error
        child.expect_exact("song.tj: error: line 1, column 15: expected")
        child.expect_exact("song.tj: not applied: nothing changed")
        assert send(runtime, tmp_path, "m; t.channel").stdout == "pattern: 0 C4, 1/2 G4\n1\n"

        song.write_text(SONG.replace("E4", "G4").replace("saved", "again"))  # save 3: only the print
        child.expect_exact("song.tj: saved, 1 of 4 statements run")
        child.expect_exact("again")
    finally:
        quit_repl(child)
    log = next((tmp_path / "sessions" / "w").glob("*.tj")).read_text().splitlines()
    assert log[1:] == [
        'watch("song.tj");',
        "let m = [C4 E4];", "let t = MidiTrack(1);", "t << m;", 'print("saved");',
        "m;",
        "let m = [C4 G4];", "t << m;",
        "m;",
        "m;", "t.channel;",
        'print("again");',
    ]
