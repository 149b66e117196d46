"""undo()/redo() and continue() on a fake clock: exact states and messages."""

from __future__ import annotations

from fractions import Fraction as F

from tests.engine.test_fallback import Rig, note_ons

UNDO, REDO = "undo: what played before the last change", "redo: what the undo took back"


def lanes(track) -> list[int]:
    return [e.value for e in track.notes.query_span(0, 1)] if track.notes is not None else []


def test_undo_walks_back_each_change_and_redo_brings_it_again():
    rig = Rig("let b = MidiTrack(1); b << [C2]")
    b = rig.session.names["b"]
    rig.run("b << [D2]")
    rig.run("let p = [E2]")  # changes nothing that plays: no state of its own
    rig.run("b << p; b.mute(); bpm(90)")
    assert (lanes(b), b.muted, rig.session.cps) == ([40], True, F(3, 8))
    rig.run("b << [F2]; b.unmute(); cps(1)")
    rig.run("undo()")
    assert (lanes(b), b.muted, rig.session.cps) == ([40], True, F(3, 8))
    rig.run("undo()")
    assert (lanes(b), b.muted, rig.session.cps) == ([38], False, F(1, 2))
    rig.run("undo()")
    assert lanes(b) == [36]
    rig.run("undo()")
    assert rig.session.names.get("b") is None and "p" in rig.session.names  # before the track was made
    rig.run("undo()")
    assert rig.said == [UNDO] * 4 + ["nothing to undo"]
    rig.run("redo()")
    assert rig.session.names["b"] is b and lanes(b) == [36]
    rig.run("redo(); redo(); redo()")
    assert (lanes(b), b.muted, rig.session.cps) == ([41], False, 1)
    rig.run("redo()")
    assert rig.said == [UNDO] * 4 + ["nothing to undo"] + [REDO] * 4 + ["nothing to redo"]


def test_a_change_after_undo_drops_what_was_undone():
    rig = Rig("let b = MidiTrack(1); b << [C2]")
    rig.run("b << [D2]")
    rig.run("undo()")
    rig.run("b << [E2]")
    rig.run("redo()")
    assert lanes(rig.session.names["b"]) == [40]
    assert rig.said == [UNDO, "nothing to redo"]


def test_undo_of_hush_and_of_a_rebound_name_plays_at_the_next_boundary():
    rig = Rig("let a = MidiTrack(1); a << [C2 E2]; let b = MidiTrack(2); b << [C3]")
    a, b = rig.session.names["a"], rig.session.names["b"]
    rig.start()
    rig.play_until(F(1, 4))
    rig.run("hush")
    rig.play_until(F(3, 2))
    rig.run("undo()")  # lands on cycle 2
    rig.play_until(F(5, 2))
    rig.run("let b = MidiTrack(3); b << [G3]")  # b is another track from cycle 3
    rig.play_until(F(7, 2))
    rig.run("undo()")  # the first b again from cycle 4
    rig.play_until(F(9, 2))
    assert rig.session.names["b"] is b and lanes(a) == [36, 40]
    assert rig.said == [UNDO + ", from cycle 2", UNDO + ", from cycle 4"]
    assert note_ons(rig, 0) == [(0, 36), (2, 36), (F(5, 2), 40), (3, 36), (F(7, 2), 40), (4, 36), (F(9, 2), 40)]
    assert note_ons(rig, 1) == [(0, 48), (2, 48), (4, 48)]
    assert note_ons(rig, 2) == [(3, 55)]
    assert rig.output.held == {(0, 40), (1, 48)}
    rig.engine.close()  # the take is written here, in this test's folder


def test_continue_plays_on_from_where_stop_stopped_and_start_from_0():
    rig = Rig("let b = MidiTrack(1); b << [C2 E2]")
    rig.start()
    rig.play_until(F(5, 4))
    rig.run("stop")
    rig.run("b << [G2]")
    assert rig.said == ["stopped at cycle 5/4: this plays when start() (from cycle 0) or continue() (from cycle 5/4) runs"]
    rig.said.clear()
    before = len(rig.output.sent)
    assert rig.engine.resume(thread=False) == F(5, 4)
    rig.play_until(F(7, 2))
    t0 = rig.at(0)
    resumed = [(F(round((t - t0) / 2 * 960), 960), d[1]) for t, d in rig.output.sent[before:] if d[0] == 0x90]
    assert resumed == [(2, 43), (3, 43)]  # [G2] bound while stopped, from the next boundary on
    rig.run("stop; start()")
    assert rig.engine.scheduler.horizon <= F(1, 8) and rig.engine.stopped_at is None
    rig.engine.close()


def test_the_session_log_replays_the_state_an_undo_brought_back(tmp_path):
    from trackjammer.lang.evaluator import Interpreter
    from trackjammer.project.sessions import SessionLog
    from trackjammer.session import Session

    rig = Rig()
    log = SessionLog(rig.session, base=tmp_path).attach(rig.interpreter)
    rig.run("let b = MidiTrack(1); b << [C2 E2]")
    rig.run("b << [G2]; b.mute(); let c = MidiTrack(2); c << [C4]")
    rig.run("undo()")
    for emptied in rig.engine.undone():  # as the REPL does before the next input
        log.restored(emptied)
    assert rig.engine.undone() == []
    text = log.path.read_text()
    assert text.split("\n", 1)[1] == (
        "let b = MidiTrack(1);\nb << [C2 E2];\n"
        "b << [G2];\nb.mute();\nlet c = MidiTrack(2);\nc << [C4];\n"
        "undo();\n"
        "// undo/redo: the state it brought back\n"
        "cps(1/2);\nbeats_per_cycle(4);\nseed(0);\nquantize(1);\nproject(\"untitled\");\n"
        'let b = MidiTrack(1, 100, name: "b");\nb << [C2 E2];\n'
        "let c = none;\n")
    replayed = Session(out=lambda line: None)
    Interpreter(replayed).execute(text)  # offline: undo() does nothing, the state written after it does
    b = replayed.names["b"]
    assert str(b.notes) == str(rig.session.names["b"].notes) == "Pattern(0:36 1/2:40)"
    assert not b.muted and replayed.names["c"] is None and [t.name for t in replayed.tracks()] == ["b"]
