"""Watching a script: what each save runs (repl/watch.py), and watch() in
the real REPL, in a pseudo-terminal, with the file saved three times (one
save with an error), the state read back after each save through the
door and the session log. A save that fails while running changes
nothing: on a fake clock (exact note-ons) and in the real REPL (what a
midi_export of the track holds afterwards)."""

from __future__ import annotations

import os
from fractions import Fraction as F

import pytest

from tests.engine.test_fallback import Rig, note_ons
from tests.repl.test_door import quit_repl, runtime, send  # noqa: F401 - runtime is a fixture
from tests.repl.test_repl_e2e import ENTER, spawn
from tests.support.smf_reader import read_smf
from trackjammer.errors import TrackJammerError
from trackjammer.repl.watch import Changes, FileWatch, whole_save

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
    assert watch.poll(settle=False) == "a"
    assert watch.poll() is None
    os.utime(song, ns=(1, 1))  # touched: the same content
    assert (watch.poll(), watch.poll()) == (None, None)
    song.write_text("b")
    assert (watch.poll(), watch.poll()) == (None, "b")  # taken once it held for a poll
    song.unlink()  # an editor's save may remove it for a moment
    assert watch.poll() is None


def test_a_save_caught_half_written_is_taken_only_once_it_settles(tmp_path):
    """Before: an editor writing in place (truncate, then write) could be
    read empty, planned as every statement deleted, then all of them run again."""
    song = tmp_path / "song.tj"
    song.write_text("let a = 1;\nprint(a);\n")
    watch, changes = FileWatch(song), Changes()
    changes.plan(watch.poll(settle=False))
    with open(song, "w") as editor:
        editor.truncate()  # the save has begun
        editor.flush()
        assert watch.poll() is None
        editor.write("let a = 1;\n")
        editor.flush()
        os.utime(song, ns=(5, 5))
        assert watch.poll() is None  # still changing
        editor.write("print(a + 1);\n")
    os.utime(song, ns=(6, 6))
    assert watch.poll() is None
    source = watch.poll()
    assert source == "let a = 1;\nprint(a + 1);\n"
    assert changes.plan(source).run == 1  # the changed statement only


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


# -- a save that fails while running changes nothing ------------------------------------

FIRST = "let m = [C4 E4];\nlet t = MidiTrack(1);\nt << m;\nlet u = MidiTrack(2);\nu << [C3];\n"
# Six statements run; the sixth fails after a new melody, a new name, a tempo, a mute and a rebinding.
FAILS = ("let m = [C5 D5];\nlet t = MidiTrack(1);\nt << m;\nlet u = MidiTrack(2);\nlet k = 7;\ncps(1);\n"
         "u.mute();\nu << [G3];\nu << k.fast(nope);\n")


class Watched:
    """A watched file on a fake clock, saved as `run --watch` saves it: the
    plan, run whole, then handed to the engine."""

    def __init__(self) -> None:
        self.rig = Rig()
        self.logged: list[str] = []  # the session log's feed
        self.rig.interpreter.on_statement = self.logged.append
        self.changes = Changes()

    def save(self, source: str) -> TrackJammerError | None:
        plan = self.changes.plan(source)
        try:
            whole_save(self.rig.interpreter, plan.source)
        except TrackJammerError as error:
            self.changes.failed(plan)
            return error
        finally:
            self.rig.engine.commit()
        return None


def test_a_save_that_fails_while_running_is_taken_back_before_anything_plays():
    watched = Watched()
    rig, session = watched.rig, watched.rig.session
    assert watched.save(FIRST) is None
    t, u, m = session.names["t"], session.names["u"], session.names["m"]
    states = len(rig.engine.history.states)
    rig.start()
    rig.play_until(F(1, 2))
    error = watched.save(FAILS)
    assert (error.line, error.column, error.message) == (9, 13, "unknown name 'nope'")  # the file's line
    # Everything as it was: names (tracks or not), lanes, mute, tempo; no state for undo; nothing logged.
    assert session.names == {"m": m, "t": t, "u": u} and list(session.names) == ["m", "t", "u"]
    assert (t.notes is m, u.muted, session.cps) == (True, False, F(1, 2))
    assert [e.value for e in u.notes.query_span(0, 1)] == [48]
    assert len(rig.engine.history.states) == states
    assert watched.logged == ["let m = [C4 E4]", "let t = MidiTrack(1)", "t << m", "let u = MidiTrack(2)", "u << [C3]"]
    rig.play_until(3)
    assert note_ons(rig, 0) == [(c + h, n) for c in range(3) for h, n in ((0, 60), (F(1, 2), 64))] + [(3, 60)]
    assert note_ons(rig, 1) == [(0, 48), (1, 48), (2, 48), (3, 48)]
    # Fixed, the statements of the failed save run again, all of them, and play from the next boundary.
    boundary, before = rig.engine.boundary(), len(note_ons(rig, 0))
    assert watched.save(FAILS.replace("k.fast(nope)", "[A3]")) is None
    assert (session.names["k"], session.cps, u.muted, t.notes is session.names["m"]) == (7, 1, True, True)
    assert watched.logged[5:] == ["let m = [C5 D5]", "t << m", "let k = 7", "cps(1)", "u.mute()", "u << [G3]",
                                  "u << [A3]"]
    assert len(rig.engine.history.states) == states + 1
    rig.play_until(boundary + 3)  # cps 1 from the boundary: twice as many cycles in the same time
    assert boundary == 4  # the clock had asked for cycle 3 already
    assert [n for _, n in note_ons(rig, 0)[before:]] == [64] + [72, 74] * 3 + [72]  # E4 at 7/2, then C5 D5 from 4 to 7
    assert all(n == 48 for _, n in note_ons(rig, 1))  # muted from the boundary: no A3


def test_in_the_repl_a_save_failing_in_its_third_changed_statement_changes_nothing(tmp_path, runtime):  # noqa: F811
    song = tmp_path / "song.tj"
    song.write_text(SONG)
    child = spawn(tmp_path, "--no-midi", "--project", "f", XDG_RUNTIME_DIR=str(runtime))
    try:
        child.send('watch("song.tj")' + ENTER)
        child.expect_exact("song.tj: saved, 4 of 4 statements run")
        # A new melody, a new name, then a binding that fails while running (it parses).
        song.write_text('let m = [C4 G4];\nlet k = [D4];\nlet t = MidiTrack(1);\nt << m.fast(nope);\nprint("saved");\n')
        child.expect_exact("song.tj: saved, 3 of 5 statements run")
        child.expect_exact("song.tj: error: line 4, column 13: unknown name 'nope'")
        child.expect_exact("song.tj: not applied: nothing changed")
        assert send(runtime, tmp_path, "m").stdout == "pattern: 0 C4, 1/2 E4\n"
        assert send(runtime, tmp_path, "k").stderr.startswith("error: line 1, column 1: unknown name 'k'")
        assert send(runtime, tmp_path, 'midi_export(t, 2, "after.mid")').stdout == '"after.mid"\n'
        song.write_text('let m = [C4 G4];\nlet k = [D4];\nlet t = MidiTrack(1);\nt << m.fast(2);\nprint("saved");\n')
        child.expect_exact("song.tj: saved, 3 of 5 statements run")  # the failed statements run again
        assert send(runtime, tmp_path, "k").stdout == "pattern: 0 D4\n"
    finally:
        quit_repl(child)
    (track,) = [t for t in read_smf(tmp_path / "after.mid").tracks if any(e[1] == "note_on" for e in t)]
    assert [(e[0], e[3]) for e in track if e[1] == "note_on"] == [(0, 60), (960, 64), (1920, 60), (2880, 64)]
    log = next((tmp_path / "sessions" / "f").glob("*.tj")).read_text().splitlines()
    assert log[1:] == [
        'watch("song.tj");',
        "let m = [C4 E4];", "let t = MidiTrack(1);", "t << m;", 'print("saved");',
        "m;", 'midi_export(t, 2, "after.mid");',
        "let m = [C4 G4];", "let k = [D4];", "t << m.fast(2);",
        "k;",
    ]
