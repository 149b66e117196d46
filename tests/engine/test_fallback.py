"""A failing binding hands its track back to the binding before it, and
once() plays one cycle: the engine on a fake clock, exact messages."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.midi.smf import export_messages
from trackjammer.midi.messages import plan_of_track
from trackjammer.project.snapshot import snapshot_source
from tests.engine.test_scheduler import Rig as FakeClockRig

pytestmark = pytest.mark.usefixtures("only_the_first_cycle_tried")  # (tests/engine/conftest.py)


class Rig(FakeClockRig):
    """The engine is the session's, so once() reaches it."""

    def __init__(self, program: str = ""):
        super().__init__()
        self.session.engine = self.engine
        if program:
            self.run(program)


FAILS_IN_CYCLE_4 = '[<0 0 0 0 1.5>].scale("major", C2)'  # degree 1.5 is refused; cycles 0..3 play C2
FAILS_IN_ODD_CYCLES = '[<0 1.5>].scale("major", C2)'
REFUSED = "error: track 'b' stopped: scale degrees must be whole numbers, got 1.5"
FELL_BACK = REFUSED + "; its previous pattern plays again"


def note_ons(rig: Rig, channel: int = 0) -> list[tuple[F, int]]:
    """(cycle, note) of every note-on sent on `channel`."""
    t0 = rig.at(0)
    return [(F(round((t - t0) / 2 * 960), 960), data[1]) for t, data in rig.output.sent if data[0] == 0x90 | channel]


def triad(cycles) -> list[tuple[F, int]]:
    return [(c + F(k, 3), n) for c in cycles for k, n in enumerate((36, 40, 43))]


def test_a_pattern_that_fails_after_playing_hands_the_track_back_to_the_one_before():
    rig = Rig("let b = MidiTrack(1); b << [C2 E2 G2]")
    rig.start()
    rig.play_until(F(1, 2))
    rig.run("b << " + FAILS_IN_CYCLE_4)
    rig.play_until(6)
    rig.run("let x = 1")  # later inputs say nothing more
    rig.play_until(9)
    assert rig.said == [FELL_BACK]
    assert note_ons(rig) == triad([0]) + [(1, 36), (2, 36), (3, 36)] + triad(range(4, 9)) + [(9, 36)]
    b = rig.session.names["b"]
    assert b.fell_back
    assert [e.value for e in b.notes.query_span(0, 1)] == [36, 40, 43]


def test_a_binding_refused_on_its_first_cycle_is_not_kept():
    rig = Rig("let b = MidiTrack(1); b << [C2 E2 G2]")
    original = rig.session.names["b"].notes
    rig.start()
    rig.play_until(F(1, 2))
    rig.run("b << " + FAILS_IN_ODD_CYCLES)  # lands on cycle 1
    rig.play_until(F(5, 2))
    rig.run("let x = 1")
    rig.play_until(4)
    rig.run("let y = 2")
    rig.play_until(6)
    assert rig.said == [FELL_BACK]  # once, not again after each input
    b = rig.session.names["b"]
    assert b.notes is original and b.fell_back
    assert note_ons(rig) == triad(range(6)) + [(6, 36)]
    # what is exported (and shown: it draws the same messages) is what played
    sent = [data for _, data in rig.output.sent]
    exported, _ = export_messages([plan_of_track(b, 0)], 6, 0, 4)
    assert sent[:len(exported)] == [tuple(m.bytes()) for m in exported]
    text = snapshot_source(rig.session)
    assert "b << [C2 E2 G2];" in text and "1.5" not in text


def test_a_binding_refused_in_the_cycle_its_predecessor_was_typed_falls_back_to_that_one():
    rig = Rig("let b = MidiTrack(1)")
    rig.start()
    rig.play_until(F(1, 4))
    rig.run("b << [C2 E2 G2]")  # waits for cycle 1 ...
    rig.play_until(F(1, 2))
    rig.run("b << " + FAILS_IN_ODD_CYCLES)  # ... and is replaced before it plays
    rig.play_until(4)
    assert rig.said == [FELL_BACK]
    assert note_ons(rig) == triad(range(1, 4)) + [(4, 36)]
    assert [e.value for e in rig.session.names["b"].notes.query_span(0, 1)] == [36, 40, 43]


def test_a_first_binding_that_fails_leaves_the_track_silent_and_empty():
    rig = Rig("let a = MidiTrack(2); a << [C4]")
    rig.start()
    rig.play_until(F(1, 2))
    rig.run("let b = MidiTrack(1); b << " + FAILS_IN_ODD_CYCLES)
    rig.play_until(3)
    assert rig.said == [REFUSED]
    assert rig.session.names["b"].notes is None
    assert note_ons(rig, 0) == []
    assert note_ons(rig, 1) == [(0, 60), (1, 60), (2, 60), (3, 60)]


def test_a_binding_made_after_the_failing_one_is_left_alone():
    rig = Rig("let b = MidiTrack(1); b << [C2 E2 G2]; quantize(1/2)")
    rig.start()
    rig.play_until(F(1, 4))
    rig.run("b << " + FAILS_IN_ODD_CYCLES)  # from 1/2: plays its cycle 0 half, fails at 1
    rig.play_until(F(3, 4))
    rig.run("b << [D2]")  # bound before the failure shows; lands on 1
    rig.play_until(3)
    assert rig.said == []
    b = rig.session.names["b"]
    assert not b.fell_back
    assert note_ons(rig) == [(0, 36), (F(1, 3), 40), (1, 38), (2, 38), (3, 38)]  # its half cycle has no onset


def test_once_plays_one_cycle_on_a_track_then_its_binding_goes_on():
    rig = Rig("let b = MidiTrack(3, 90); b << [C2 C2]")
    own = rig.session.names["b"].notes
    rig.start()
    rig.play_until(F(1, 2))
    rig.run("once(b, [G4 A4 B4 C5])")
    rig.play_until(3)
    assert rig.said == []
    assert note_ons(rig, 2) == [(0, 36), (F(1, 2), 36), (1, 67), (F(5, 4), 69), (F(3, 2), 71), (F(7, 4), 72),
                                (2, 36), (F(5, 2), 36), (3, 36)]
    assert {data[2] for _, data in rig.output.sent if data[0] == 0x92} == {90}  # the track's velocity
    assert rig.session.names["b"].notes is own and not rig.session.names["b"].fell_back


def test_once_without_a_track_plays_on_channel_1_beside_the_rest():
    rig = Rig("let b = MidiTrack(2); b << [C2]; quantize(1/2)")
    rig.start()
    rig.play_until(F(1, 10))
    rig.run("once([C5 E5])")
    rig.play_until(3)
    assert rig.said == []
    assert note_ons(rig, 0) == [(F(1, 2), 76), (1, 72)]  # the pattern's own time: [1/2, 3/2)
    assert note_ons(rig, 1) == [(0, 36), (1, 36), (2, 36), (3, 36)]
    assert rig.output.held == {(1, 36)}  # the once notes ended


def test_a_failing_once_is_said_and_the_track_plays_on():
    rig = Rig("let b = MidiTrack(1); b << [C2 E2 G2]")
    rig.start()
    rig.play_until(F(1, 2))
    rig.run("once(b, " + FAILS_IN_ODD_CYCLES + ")")
    rig.play_until(3)
    assert rig.said == ["error: once on track 'b' stopped: scale degrees must be whole numbers, got 1.5"]
    assert note_ons(rig) == triad(range(3)) + [(3, 36)]
    assert not rig.session.names["b"].fell_back


def test_once_while_stopped_plays_when_start_does():
    rig = Rig("let b = MidiTrack(1); b << [C2]")
    rig.run("once(b, [D2 E2])")
    rig.start()
    rig.play_until(2)
    assert note_ons(rig) == [(0, 38), (F(1, 2), 40), (1, 36), (2, 36)]


def test_the_session_log_replays_what_played_not_the_refused_binding(tmp_path):
    from trackjammer.commands.events import pattern_of  # noqa: F401  (registers what scripts use)
    from trackjammer.lang.evaluator import Interpreter
    from trackjammer.project.sessions import SessionLog
    from trackjammer.session import Session

    rig = Rig()
    log = SessionLog(rig.session, base=tmp_path).attach(rig.interpreter)
    rig.run("let b = MidiTrack(1); b.cc(74) << [10 20]")
    rig.run("b << [C2 E2 G2]")
    rig.start()
    rig.play_until(F(1, 2))
    rig.run("b << " + FAILS_IN_ODD_CYCLES + "; b.cc(74) << [30]")
    rig.play_until(2)
    fallen = rig.engine.fallen_back()
    assert fallen == [rig.session.names["b"]] and rig.engine.fallen_back() == []
    for track in fallen:
        log.fell_back(track)
    text = log.path.read_text()
    assert text.split("\n", 1)[1] == (
        "let b = MidiTrack(1);\nb.cc(74) << [10 20];\nb << [C2 E2 G2];\n"
        'b << [<0 1.5>].scale("major", C2);\nb.cc(74) << [30];\n'
        "// track 'b' fell back: its new binding failed while playing, the one before plays again\n"
        "b.clear();\nb << [C2 E2 G2];\nb.cc(74) << [10 20];\n")
    replayed = Session(out=lambda line: None)
    Interpreter(replayed).execute(text)
    b, again = rig.session.names["b"], replayed.names["b"]
    assert str(again.notes) == str(b.notes) == "Pattern(0:36 1/3:40 2/3:43)"
    assert list(again.cc_lanes) == [74] and str(again.cc_lanes[74]) == str(b.cc_lanes[74])
    sent_cc = [data[2] for _, data in rig.output.sent if data[0] == 0xB0]
    assert sent_cc == [10, 20, 10, 20, 10]  # what played: the cc lane came back too


def test_after_hush_a_failing_binding_does_not_bring_back_what_was_silenced():
    rig = Rig("let b = MidiTrack(1); b << [C2 E2 G2]")
    rig.start()
    rig.play_until(F(1, 2))
    rig.engine.hush()
    rig.run("b << " + FAILS_IN_ODD_CYCLES)  # lands on 1: refused
    rig.play_until(3)
    assert rig.said == [REFUSED]
    assert note_ons(rig) == [(0, 36), (F(1, 3), 40)]
    assert rig.session.names["b"].notes is None


def test_the_same_failing_pattern_bound_again_is_said_again():
    rig = Rig("let b = MidiTrack(1); b << [C2 E2 G2]; let bad = " + FAILS_IN_ODD_CYCLES)
    rig.start()
    rig.play_until(F(1, 2))
    rig.run("b << bad")
    rig.play_until(F(5, 2))
    rig.run("b << bad")  # lands on 3
    rig.play_until(4)
    assert rig.said == [FELL_BACK, FELL_BACK]
    assert note_ons(rig) == triad(range(4)) + [(4, 36)]


def test_a_copy_of_the_failing_binding_handed_over_as_it_failed_is_not_said_again():
    rig = Rig("let b = MidiTrack(1); b << [C2 E2 G2]")
    rig.start()
    rig.play_until(F(1, 2))
    rig.run("b << " + FAILS_IN_ODD_CYCLES)
    stale = rig.engine.bindings()  # an input's commit that read the lanes just before they were put back
    rig.play_until(F(3, 2))
    rig.engine.transport.schedule(stale, F(3))
    rig.play_until(4)
    assert rig.said == [FELL_BACK]
    assert note_ons(rig) == triad(range(4)) + [(4, 36)]


def test_once_reads_a_string_as_mini_notation_as_a_binding_does():
    rig = Rig("let b = MidiTrack(1); b << [C2]")
    rig.run('once(b, "G4*2 <A4 B4>")')
    rig.start()
    rig.play_until(2)
    assert rig.said == []
    assert note_ons(rig) == [(0, 67), (F(1, 4), 67), (F(1, 2), 69), (1, 36), (2, 36)]
