"""Issue 18: the always-on take holds the messages a synth expects (program,
bend, pressure, poly aftertouch, NRPN, 14-bit CC) and an MPE zone's
channels, exactly as `midi_export(…, all: true)` writes the same cycles."""

from __future__ import annotations

from fractions import Fraction as F

from tests.engine.test_recorder import takes
from tests.engine.test_scheduler import Rig
from tests.midi.conftest import read_midi

SONG = """cps(1);
let m = MpeTrack(members: 3, bend_range: 48); m << [[C4,E4] G4 <A4 B4>]; m.note_bend << Sine(1).range(-2, 2);
m.timbre << [20 100]; m.note_pressure << [64]; m.bend << [0 0.25];
let t = MidiTrack(16, 90); t.program(33); t << [C2 E2]; t.bend << Sine(2).range(-1, 1); t.pressure << [30 60];
t.note_pressure << [70]; t.nrpn(1000) << [1 16383]; t.cc14(7) << Saw(1).range(0, 16383);
"""
EVERY = frozenset({"pitchwheel", "program_change", "aftertouch", "polytouch"})


def test_a_take_with_every_new_kind_and_an_mpe_zone_is_its_all_true_export_byte_for_byte(tmp_path):
    rig = Rig(SONG, cps=1)
    rig.start(until=2)
    rig.play_until(F(2))
    rig.engine.stop()
    rig.engine.recorder.wait()
    rig.run('midi_export(#[m, t], 2, "export.mid", all: true)')
    (folder,) = takes()
    recorded = (folder / "recording.mid").read_bytes()
    assert recorded == (tmp_path / "export.mid").read_bytes()
    midi = read_midi(folder / "recording.mid", EVERY)
    assert midi.smf.ntrks == 1 + 4 + 1  # conductor, the zone's manager and 3 members, channel 16
    kinds = {e[1] for track in midi.tracks for e in track}
    assert EVERY <= kinds
    program = [e for e in midi.tracks[5] if e[1] == "program_change"]
    assert program == [(0, "program_change", 15, 33)]  # sent once: where playing started
    assert [midi.track_name(i) for i in range(1, 6)] == ["m", "m", "m", "m", "t"]
