"""MIDI input on a fake clock: stamping, the take's input track, thru,
knobs and learn, capture's notes, and overdub layers, all exact.

An input here is a `MemoryInput` fed by hand with the wall time a message
arrived (what midi/input.py hands listeners); the engine's clock turns it
into a cycle. The JACK tests (test_inputs_jack.py) feed real ports.
"""

from __future__ import annotations

import json
from fractions import Fraction as F
from pathlib import Path

import pytest

from tests.engine.test_fallback import Rig as FallbackRig
from tests.engine.test_recorder import eventually
from tests.midi.conftest import read_midi
from trackjammer.core.knobs import KNOBS
from trackjammer.engine import journal
from trackjammer.errors import TrackJammerError
from trackjammer.lang.provenance import source_of
from trackjammer.midi.input import MemoryInput

ALL_KINDS = frozenset({"pitchwheel", "program_change", "polytouch", "aftertouch"})


class Rig(FallbackRig):
    """An engine on a fake clock (cps 1/2: a cycle is 2 s) whose inputs are
    MemoryInputs named as asked."""

    def __init__(self, program: str = ""):
        super().__init__()
        KNOBS.forget()
        self.ports: dict[str, MemoryInput] = {}
        self.engine.open_input = self._open
        if program:
            self.run(program)

    def _open(self, port, backend, report=None):
        name = "TrackJammer in" if port is None else port
        self.ports[name] = MemoryInput(name)
        return self.ports[name], None

    def play(self, name: str, cycle, *data) -> None:
        """`data` arrives on input `name` when the clock is at `cycle` (the scheduler has played up to there)."""
        self.play_until(cycle)
        self.ports[name].feed(list(data), self.at(cycle))


def take() -> tuple:
    (folder,) = sorted(Path("renders").glob("*/*/"))
    return read_midi(folder / "recording.mid", ALL_KINDS), json.loads((folder / "render.json").read_text())


def messages(midi, track: int) -> list[tuple]:
    """Every channel message of a track, as the independent reader reads it: (tick, kind, channel, data...)."""
    return [e for e in midi.tracks[track] if e[1] not in ("track_name", "end_of_track")]


def sent_on(rig: Rig, status: int) -> list[tuple[F, tuple]]:
    """(cycle, bytes) of everything the output was sent with this status byte."""
    t0 = rig.at(0)
    return [(F(round((t - t0) / 2 * 960), 960), data) for t, data in rig.output.sent if data[0] == status]


def test_everything_played_in_is_stamped_on_the_clock_and_recorded_on_the_inputs_own_track():
    rig = Rig("let a = MidiTrack(1); a << [C4 E4]")
    rig.run('input("keys")')
    rig.start()
    rig.play("keys", F(1, 4), 0x90, 60, 100)
    rig.play("keys", F(1, 4), 0xF8)  # MIDI clock: not recorded
    rig.play("keys", F(3, 8), 0xB0, 1, 64)  # mod wheel
    rig.play("keys", F(3, 8), 0xE1, 0, 72)  # pitch bend on channel 2
    rig.play("keys", F(1, 2), 0x80, 60, 0)
    rig.play("keys", F(5, 8), 0xD0, 90)  # channel pressure
    rig.play("keys", F(5, 8), 0xFE)  # active sensing: not recorded
    rig.play("keys", F(3, 4), 0xC0, 5)  # program change
    rig.play("keys", F(7, 8), 0x90, 62, 80)
    rig.play("keys", F(15, 16), 0xA0, 62, 33)  # poly aftertouch
    rig.play("keys", F(1), 0x90, 62, 0)  # a note-on of velocity 0 ends the note
    rig.play_until(F(5, 4))
    rig.engine.stop()
    rig.engine.recorder.wait()
    midi, info = take()
    assert [midi.track_name(i) for i in range(1, len(midi.tracks))] == ["a", "keys (channel 1)", "keys (channel 2)"]
    assert messages(midi, 2) == [  # 1920 ticks a cycle
        (480, "note_on", 0, 60, 100), (720, "control_change", 0, 1, 64), (960, "note_off", 0, 60, 0),
        (1200, "aftertouch", 0, 90), (1440, "program_change", 0, 5), (1680, "note_on", 0, 62, 80),
        (1800, "polytouch", 0, 62, 33), (1920, "note_off", 0, 62, 0)]
    assert messages(midi, 3) == [(720, "pitchwheel", 1, 0, 72)]
    assert info["tracks"][1:] == [{"channel": 1, "name": "keys (channel 1)", "input": "keys"},
                                  {"channel": 2, "name": "keys (channel 2)", "input": "keys"}]


def test_each_input_has_its_own_track_named_after_its_port_and_the_journal_keeps_exact_cycles():
    rig = Rig()
    assert rig.engine.input("keys") == "keys" and rig.engine.input("pads") == "pads"
    rig.start()
    rig.play("pads", F(3, 8), 0x99, 36, 127)
    rig.play("keys", F(1, 2), 0x90, 48, 64)
    rig.play("pads", F(5, 8), 0x89, 36, 0)
    rig.play_until(1)

    def lines() -> list[str]:
        found = list(Path("renders").glob("*/*/recording.journal"))
        return [line for line in journal.complete_lines(found[0]) if line[0] in "ip"] if found else []

    eventually(lambda: len(lines()) == 5)  # the writer thread writes every 100 ms
    assert lines() == ['p 2 "pads"', "i 3/8 2 99247f", 'p 1 "keys"', "i 1/2 1 903040", "i 5/8 2 892400"]
    rig.engine.stop()
    rig.engine.recorder.wait()
    midi, info = take()
    assert [midi.track_name(i) for i in range(1, len(midi.tracks))] == ["keys", "pads"]  # a take of input alone
    assert midi.channel_events(1) == [(960, "note_on", 0, 48, 64), (1920, "note_off", 0, 48, 0)]  # ended at stop
    assert midi.channel_events(2) == [(720, "note_on", 9, 36, 127), (1200, "note_off", 9, 36, 0)]
    assert rig.engine.inputs() == ["in 1: keys", "in 2: pads"]


def test_input_while_stopped_is_not_recorded_and_an_input_closes_by_part_of_its_name():
    rig = Rig()
    rig.run('input("Keystation 49")')
    rig.ports["Keystation 49"].feed([0x90, 60, 100], rig.fake.t)
    assert rig.engine.input("keystation", off=True) == "Keystation 49"
    assert rig.ports["Keystation 49"].closed and rig.engine.inputs() == []
    with pytest.raises(TrackJammerError, match="no input 'x' is open"):
        rig.engine.input("x", off=True)
    assert not Path("renders").exists() and rig.engine.played_notes(1) == []


def test_thru_plays_the_transposed_note_on_the_tracks_channel_and_the_take_holds_it_once():
    rig = Rig("let lead = MidiTrack(3); lead.transpose(12)")
    rig.run('input("keys", thru: lead)')
    rig.start()
    rig.play("keys", F(1, 4), 0x90, 60, 100)
    rig.run("lead.transpose(7)")  # while the key is held: its note-off still ends the note it started
    rig.play("keys", F(3, 8), 0xB0, 64, 127)  # sustain pedal: through, on lead's channel
    rig.play("keys", F(1, 2), 0x80, 60, 0)
    rig.play("keys", F(5, 8), 0x90, 60, 90)
    rig.play("keys", F(3, 4), 0x80, 60, 0)
    rig.play("keys", F(3, 4), 0x80, 61, 0)  # never started: nothing is sent
    rig.play("keys", F(7, 8), 0x90, 125, 90)  # beyond 127 once moved: nothing
    rig.play_until(1)
    assert [(c, d) for c, d in (sent_on(rig, 0x92) + sent_on(rig, 0x82) + sent_on(rig, 0xB2))] == [
        (F(1, 4), (0x92, 72, 100)), (F(5, 8), (0x92, 67, 90)),
        (F(1, 2), (0x82, 72, 0)), (F(3, 4), (0x82, 67, 0)), (F(3, 8), (0xB2, 64, 127))]
    rig.engine.stop()
    rig.engine.recorder.wait()
    midi, info = take()
    assert len(midi.tracks) == 2 and info["tracks"] == [{"channel": 3, "name": None}]  # not on a "keys" track too
    assert midi.track_name(1) == "channel 3"
    assert midi.channel_events(1) == [(480, "note_on", 2, 72, 100), (720, "control_change", 2, 64, 127),
                                      (960, "note_off", 2, 72, 0), (1200, "note_on", 2, 67, 90),
                                      (1440, "note_off", 2, 67, 0)]


def test_closing_a_thru_input_ends_the_notes_it_holds():
    rig = Rig("let lead = MidiTrack(2)")
    rig.run('input("keys", thru: lead)')
    rig.start()
    rig.play("keys", F(1, 4), 0x90, 60, 100)
    rig.run('input("keys", off: true)')
    assert [d for _, d in rig.output.sent] == [(0x91, 60, 100), (0x81, 60, 0)]
    assert rig.output.held == set()


def test_a_knob_drives_a_lane_from_when_it_is_moved_and_is_silent_before():
    rig = Rig("let lead = MidiTrack(2); lead << [C4*4]; lead.cc(74) << knob(21); lead.vel << knob(7).range(60, 120)")
    rig.run('input("nanoKONTROL")')
    rig.start()
    rig.play("nanoKONTROL", F(3, 8), 0xB0, 21, 64)
    rig.play("nanoKONTROL", F(5, 8), 0xB0, 7, 127)
    rig.play("nanoKONTROL", F(5, 8), 0xB5, 21, 100)  # any channel: the controller's number is what counts
    rig.play_until(F(31, 32))
    ccs = sent_on(rig, 0xB1)
    # sampled 128 times a cycle, sent on change, from the first window asked for after the move
    assert [d for _, d in ccs] == [(0xB1, 74, 64), (0xB1, 74, 100)]
    assert F(3, 8) < ccs[0][0] <= F(3, 8) + F(1, 16) and F(5, 8) < ccs[1][0] <= F(5, 8) + F(1, 16)
    velocities = [d[2] for _, d in sent_on(rig, 0x91)]
    assert velocities == [100, 100, 100, 120]  # the track's own until knob 7 moved, then 60 + 1 × 60
    assert source_of(rig.session, rig.session.names["lead"].cc_lanes[74]) == "knob(21)"


def test_knob_on_one_port_ignores_the_others():
    rig = Rig('let t = MidiTrack(1); t.cc(1) << knob(1, "nano")')
    rig.run('input("nanoKONTROL"); input("keys")')
    rig.start()
    rig.play("keys", F(1, 4), 0xB0, 1, 50)
    rig.play("nanoKONTROL", F(1, 2), 0xB0, 1, 70)
    rig.play("keys", F(3, 4), 0xB0, 1, 90)
    rig.play_until(1)
    assert [d[2] for _, d in sent_on(rig, 0xB0)] == [70]


def test_learn_binds_the_next_controller_moved_and_says_so():
    rig = Rig("let lead = MidiTrack(1)")
    rig.run('lead.cc(74).learn(); input("nanoKONTROL"); lead << [C4]; let k = learn()')
    rig.start()
    rig.play("nanoKONTROL", F(1, 4), 0x90, 40, 1)  # a note is no controller
    rig.play("nanoKONTROL", F(1, 2), 0xB0, 16, 99)
    rig.play_until(1)
    assert rig.said == ["learn: move a controller on an input (none is open: input(\"port name\") opens one); it will "
                        "drive lead.cc(74)",
                        "learn: move a controller; it will drive the knob learn() gave",
                        "learned: lead.cc(74) follows CC 16 on 'nanoKONTROL' (knob(16, \"nanoKONTROL\"))",
                        "learned: the knob learn() gave follows CC 16 on 'nanoKONTROL' (knob(16, \"nanoKONTROL\"))"]
    assert [d for _, d in sent_on(rig, 0xB0)] == [(0xB0, 74, 99)]
    lead = rig.session.names["lead"]
    assert source_of(rig.session, lead.cc_lanes[74]) == 'knob(16, "nanoKONTROL")'  # a snapshot writes what was learned
    assert source_of(rig.session, rig.session.names["k"]) == 'knob(16, "nanoKONTROL")'


def test_played_notes_are_the_last_whole_cycles_relative_exact_and_sorted():
    rig = Rig()
    rig.run('input("keys"); input("pads")')
    rig.start()
    rig.play("keys", F(3, 4), 0x90, 50, 10)  # before the window
    rig.play("keys", F(1), 0x80, 50, 0)
    rig.play("keys", F(5, 4), 0x90, 64, 90)
    rig.play("pads", F(5, 4), 0x90, 60, 80)  # a chord over two inputs: sorted by note
    rig.play("keys", F(3, 2), 0x80, 64, 0)
    rig.play("pads", F(7, 4), 0x80, 60, 0)
    rig.play("keys", F(2), 0x90, 67, 100)
    rig.play("keys", F(9, 4), 0x90, 67, 0)
    rig.play("keys", F(23, 8), 0x90, 72, 70)  # held across the window's end: ends there
    rig.play("keys", F(31, 10), 0x90, 74, 60)  # in the cycle still playing: not yet
    rig.play_until(F(33, 10))
    assert rig.engine.played_notes(2) == [
        (F(1, 4), F(3, 4), 60, 80), (F(1, 4), F(1, 2), 64, 90), (F(1), F(5, 4), 67, 100), (F(15, 8), F(2), 72, 70)]
    assert rig.engine.played_notes(1) == [(F(0), F(1, 4), 67, 100), (F(7, 8), F(1), 72, 70)]
    rig.play("keys", F(7, 2), 0x80, 72, 0)
    rig.play_until(F(4))
    assert rig.engine.played_notes(1) == [(F(1, 10), F(1), 74, 60)]  # still held: to the window's end
    with pytest.raises(TrackJammerError, match="whole number of cycles"):
        rig.engine.played_notes(0)


def layer_notes(rig: Rig, track: str) -> list[tuple]:
    return [layer.notes for layer in rig.engine.midi_in.loops.layers(rig.session.names[track])]


def test_three_overdub_passes_give_three_layers_each_playing_from_the_next_pass():
    rig = Rig("let lead = MidiTrack(1); lead << [C2]")
    rig.run('input("keys")')
    rig.start()
    rig.play_until(F(1, 2))
    rig.run("loop_record(lead, 1)")
    assert rig.said == ["loop: lead records passes of 1 cycle from cycle 1"]
    rig.play("keys", F(1, 2), 0x90, 50, 10)  # before the loop starts: in no layer
    rig.play("keys", F(3, 4), 0x80, 50, 0)
    rig.play("keys", F(5, 4), 0x90, 60, 90)  # pass 1: [1, 2)
    rig.play("keys", F(3, 2), 0x80, 60, 0)
    rig.play("keys", F(7, 4), 0x90, 64, 91)  # held past the pass's end: ends there in the layer
    rig.play("keys", F(9, 4), 0x80, 64, 0)
    rig.play("keys", F(5, 2), 0x90, 67, 92)  # pass 2
    rig.play("keys", F(11, 4), 0x80, 67, 0)
    rig.play("keys", F(3), 0x90, 72, 93)  # pass 3
    rig.play("keys", F(25, 8), 0x80, 72, 0)
    rig.play_until(F(49, 10))
    assert layer_notes(rig, "lead") == [
        ((F(1, 4), F(1, 2), 60, 90), (F(3, 4), F(1), 64, 91)),
        ((F(1, 2), F(3, 4), 67, 92),),
        ((F(0), F(1, 8), 72, 93),)]
    ons = sorted((c, d[1], d[2]) for c, d in sent_on(rig, 0x90))  # the input itself is not played (no thru)
    assert ons == [
        (0, 36, 100), (1, 36, 100),
        (2, 36, 100), (F(9, 4), 60, 90), (F(11, 4), 64, 91),  # layer 1 from pass 2 on
        (3, 36, 100), (F(13, 4), 60, 90), (F(7, 2), 67, 92), (F(15, 4), 64, 91),  # layer 2 from pass 3 on
        (4, 36, 100), (4, 72, 93), (F(17, 4), 60, 90), (F(9, 2), 67, 92), (F(19, 4), 64, 91)]
    offs = sorted((c, d[1]) for c, d in sent_on(rig, 0x80) if d[1] != 36)
    assert offs == [(F(5, 2), 60), (3, 64), (F(7, 2), 60), (F(15, 4), 67), (4, 64), (F(33, 8), 72), (F(9, 2), 60),
                    (F(19, 4), 67)]
    rig.run("layers(lead)")
    assert rig.said[-1] == ("lead records passes of 1 cycle from cycle 1\n1: 2 notes, played in cycles 1 to 2\n"
                            "2: 1 note, played in cycles 2 to 3\n3: 1 note, played in cycles 3 to 4")


def test_layers_can_be_muted_and_dropped_and_survive_undo_and_redo():
    rig = Rig("let lead = MidiTrack(1)")
    rig.run('input("keys")')
    rig.start()
    rig.run("loop_record(lead, 1)")  # from cycle 0: playing has not reached it yet
    assert rig.said == ["loop: lead records passes of 1 cycle from cycle 0"]
    for k, note in enumerate((60, 64, 67), 1):
        rig.play("keys", k + F(1, 2), 0x90, note, 100)
        rig.play("keys", k + F(3, 4), 0x80, note, 0)
    rig.play_until(4)
    rig.run("lead << [C2]")
    rig.run("undo()")  # the binding goes; the layers, played in, stay
    rig.run("redo()")
    rig.run("mute_layer(lead, 2); undo_layer(lead)")
    rig.play_until(F(47, 8))
    assert rig.said[-2:] == ["layer 2 of lead muted", "dropped layer 3 of lead (1 note)"]
    ons = [(c, d[1]) for c, d in sent_on(rig, 0x90)]
    # layer 1 from cycle 2, layer 2 from 3; then C2 from the boundary after redo, layer 2 muted, layer 3 gone
    assert ons == [(F(5, 2), 60), (F(7, 2), 60), (F(7, 2), 64), (F(9, 2), 60), (5, 36), (F(11, 2), 60)]
    rig.run("unmute_layer(lead, 2); loop_record(lead, 0)")
    rig.play_until(F(55, 8))
    assert [(c, d[1]) for c, d in sent_on(rig, 0x90)][6:] == [(6, 36), (F(13, 2), 60), (F(13, 2), 64)]
    rig.run("layers(lead)")
    assert rig.said[-1] == "1: 1 note, played in cycles 1 to 2\n2: 1 note, played in cycles 2 to 3"
    with pytest.raises(TrackJammerError, match="lead has no layer 3"):
        rig.run("mute_layer(lead, 3)")


def test_hush_stops_the_loop_and_mutes_its_layers_and_start_plays_them_in_every_pass():
    rig = Rig("let lead = MidiTrack(1)")
    rig.run('input("keys")')
    rig.start()
    rig.run("loop_record(lead, 2)")
    rig.play("keys", F(1, 2), 0x90, 60, 100)
    rig.play("keys", F(3, 4), 0x80, 60, 0)
    rig.play_until(F(11, 4))
    rig.engine.hush()
    rig.play("keys", F(3), 0x90, 62, 100)  # recording stopped: in no layer
    rig.play("keys", F(13, 4), 0x80, 62, 0)
    rig.play_until(F(19, 4))
    assert [(c, d[1]) for c, d in sent_on(rig, 0x90)] == [(F(5, 2), 60)]  # muted from the hush on
    assert layer_notes(rig, "lead") == [((F(1, 2), F(3, 4), 60, 100),)]
    rig.run("unmute_layer(lead, 1)")
    rig.engine.stop()
    rig.start()  # again from cycle 0: the layer plays in every pass, its own included
    rig.play_until(F(15, 4))
    assert [(c, d[1]) for c, d in sent_on(rig, 0x90)][1:] == [(F(1, 2), 60), (F(5, 2), 60)]


def test_under_a_followed_clock_input_is_stamped_on_that_clock():
    rig = Rig()
    rig.run('input("keys")')
    rig.start()
    rig.play_until(1)
    # what engine/sync.py does when the master's tempo changes: a new anchor (cycle 1 now, 1 cycle a second)
    rig.engine.clock.set_anchor(rig.fake.t, 1.0, 1.0)
    rig.ports["keys"].feed([0x90, 60, 100], rig.fake.t + 0.375)
    rig.ports["keys"].feed([0x80, 60, 0], rig.fake.t + 0.5)
    assert rig.engine.midi_in.played.window(F(1), F(2)) == [(F(3, 8), F(1, 2), 60, 100)]


def test_capture_gives_the_played_phrase_as_code_that_plays_it_back_exactly():
    rig = Rig("let lead = MidiTrack(2)")
    rig.run('input("keys")')
    rig.start()
    # cycle 1: C4 early, E4 late, a chord a little apart; cycle 2: a soft high C held across a step
    for at, off, note, velocity in ((F(101, 100), F(9, 8), 60, 100), (F(1) + F(63, 256), F(11, 8), 64, 80),
                                    (F(3, 2) - F(1, 200), F(7, 4), 67, 90), (F(3, 2) + F(1, 200), F(7, 4), 71, 91),
                                    (F(9, 4), F(5, 2) + F(1, 100), 72, 40)):
        rig.play("keys", at, 0x90, note, velocity)
        rig.play("keys", off, 0x80, note, 0)
    rig.play_until(F(31, 10))
    rig.run("let riff = capture(2)")
    riff = rig.session.names["riff"]
    assert str(riff) == "[<[C4^100 ~ E4^80 ~ [G4^90,B4^91]@2 ~ ~] [~ C5^40 ~ ~]>]"  # each cycle on its coarsest grid
    assert source_of(rig.session, riff) == str(riff)  # a snapshot writes the notes, not capture(2)
    assert riff.notes == ((F(0), F(1, 8), 60, 100), (F(1, 4), F(3, 8), 64, 80), (F(1, 2), F(3, 4), 67, 90),
                          (F(1, 2), F(3, 4), 71, 91), (F(5, 4), F(3, 2), 72, 40))
    rig.said.clear()
    rig.run("lead << riff")  # from the next cycle (4): played back on the grid, velocities kept
    rig.play_until(F(6))
    ons = [(cycle, data[1:]) for cycle, data in sent_on(rig, 0x91)]
    assert ons == [(4 + F(0), (60, 100)), (4 + F(1, 4), (64, 80)), (4 + F(1, 2), (67, 90)),
                   (4 + F(1, 2), (71, 91)), (5 + F(1, 4), (72, 40)), (F(6), (60, 100))]  # and again: it loops
    assert rig.said == []


def test_capture_with_nothing_played_is_a_rest_and_says_why():
    rig = Rig()
    rig.start()
    rig.play_until(F(5, 2))
    rig.run("let r = capture()")
    assert str(rig.session.names["r"]) == "[~]"
    assert rig.said[-1] == 'capture: nothing was played in over the last cycle (no input is open: input("port name") opens one)'
    for bad, message in (("capture(0)", "whole number of cycles from 1, got the number 0"),
                         ("capture(1.5)", "whole number of cycles from 1, got the number 1.5"),
                         ("capture(2, grid: 3/16)", "equal steps")):
        with pytest.raises(TrackJammerError, match=message):
            rig.run(bad)


def test_a_hit_shorter_than_a_tick_keeps_one_in_the_take():
    """Before: a note-on and its note-off on one tick (a drum pad's hit)
    were an empty note, which the encoder drops: the hit was lost."""
    rig = Rig()
    rig.run('input("pads")')
    rig.start()
    rig.play("pads", F(1, 4), 0x99, 36, 120)
    rig.play("pads", F(1, 4), 0x89, 36, 0)  # the same instant
    rig.play("pads", F(1, 2), 0x99, 38, 110)
    rig.play("pads", F(1, 2) + F(1, 10_000), 0x99, 38, 0)  # a fifth of a tick later, as a note-on of velocity 0
    rig.play_until(1)
    rig.engine.stop()
    rig.engine.recorder.wait()
    midi, _ = take()
    assert midi.channel_events(1) == [(480, "note_on", 9, 36, 120), (481, "note_off", 9, 36, 0),
                                      (960, "note_on", 9, 38, 110), (961, "note_off", 9, 38, 0)]


def test_thru_an_mpe_track_gives_each_note_a_member_channel_and_a_controller_keeps_its_own():
    """Before: every note went to the manager channel, which an MPE synth does not play."""
    rig = Rig('let m = MpeTrack(members: 3)')  # manager channel 1, members 2, 3, 4
    rig.run('input("keys", thru: m)')

    def sent() -> list[tuple]:
        got, rig.output.sent[:] = [d for _, d in rig.output.sent], []
        return got

    # the zone, announced when the input starts playing through it (MPE Configuration Message: 3 members,
    # then a bend range of 48 on each member)
    rpn = [(0xB0, 101, 0), (0xB0, 100, 6), (0xB0, 6, 3), (0xB0, 101, 127), (0xB0, 100, 127)]
    for member in (1, 2, 3):
        rpn += [(0xB0 | member, 101, 0), (0xB0 | member, 100, 0), (0xB0 | member, 6, 48), (0xB0 | member, 38, 0),
                (0xB0 | member, 101, 127), (0xB0 | member, 100, 127)]
    assert sent() == rpn
    rig.start()

    rig.play("keys", F(1, 8), 0x90, 60, 100)
    rig.play("keys", F(2, 8), 0x90, 64, 101)
    rig.play("keys", F(3, 8), 0xE0, 0, 80)  # a plain keyboard's bend: the whole zone, on the manager channel
    rig.play("keys", F(3, 8), 0x80, 60, 0)
    rig.play("keys", F(4, 8), 0x90, 67, 102)  # the least recently released free member: channel 4 (never used)
    rig.play("keys", F(4, 8), 0x90, 72, 103)  # then channel 2, released at 3/8
    rig.play("keys", F(5, 8), 0x90, 76, 104)  # every member sounds: the oldest note (64) ends for it
    rig.play("keys", F(5, 8), 0x80, 64, 0)  # already ended: nothing more
    assert sent() == [(0x91, 60, 100), (0x92, 64, 101), (0xE0, 0, 80), (0x81, 60, 0), (0x93, 67, 102),
                      (0x91, 72, 103), (0x82, 64, 0), (0x92, 76, 104)]
    for note in (67, 72, 76):
        rig.play("keys", F(6, 8), 0x80, note, 0)
    assert sent() == [(0x83, 67, 0), (0x81, 72, 0), (0x82, 76, 0)]
    # an MPE controller on the zone's channels keeps them, with its per-note bend
    rig.play("keys", F(7, 8), 0x92, 60, 90)
    rig.play("keys", F(7, 8), 0xE2, 0, 70)
    rig.play("keys", F(15, 16), 0x82, 60, 0)
    assert sent() == [(0x92, 60, 90), (0xE2, 0, 70), (0x82, 60, 0)]
