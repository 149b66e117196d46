"""midi_export against /work/shared/spec/export.md, rule by rule.

Each test runs a program in a fresh session (in tmp_path), then reads the
file back three ways (see conftest.py: our byte-level reader, mido and
symusic, which must agree). `read_midi` also checks, for every file, what
no export may break: notes pair up in file order (no orphan note-off, no
double note-on, none left on), every note lasts at least one tick, at one
tick note-offs come before CCs before note-ons, End of Track comes last,
and no pitch bend, program change or SysEx appears.

Ticks: 480 PPQN, 4 beats per cycle, so one cycle = 1920 ticks unless a test
sets beats_per_cycle.
"""

from __future__ import annotations

import json
import math
import os
import re
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import pytest

import trackjammer
from trackjammer.cli import main as cli_main
from trackjammer.errors import TrackJammerError
from trackjammer.lang.evaluator import Interpreter
from trackjammer.project import export as export_module
from trackjammer.project import writes as writes_module
from trackjammer.session import Session

from tests.midi.conftest import files_under, is_render_path, read_midi, render_folders
from tests.support.smf_reader import SmfError, parse_smf

CHANNEL_KINDS = ("note_on", "note_off", "control_change")


def half_up(x: float | Fraction) -> int:
    return math.floor(x + Fraction(1, 2)) if isinstance(x, Fraction) else math.floor(x + 0.5)


def notes_of(midi, track=-1) -> list[tuple[int, int, int, int]]:
    """(tick, duration, pitch, velocity) of a track's notes, by time."""
    return [(n.tick, n.duration, n.pitch, n.velocity) for n in midi.notes(track)]


def channels_of(midi, track=-1) -> set[int]:
    return {e[2] for e in midi.tracks[track] if e[1] in CHANNEL_KINDS}


def fixed_time(*stamp):
    return lambda: datetime(*stamp)


# -- the byte-level reader itself ------------------------------------------------------


def _smf(*tracks: bytes, fmt: int = 0) -> bytes:
    head = b"MThd" + (6).to_bytes(4, "big") + fmt.to_bytes(2, "big") + len(tracks).to_bytes(2, "big") + (480).to_bytes(2, "big")
    return head + b"".join(b"MTrk" + len(t).to_bytes(4, "big") + t for t in tracks)


def test_reader_handles_running_status_long_deltas_and_metas():
    track = bytes([
        0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,  # set_tempo 500000
        0x00, 0x93, 60, 100,  # note_on ch 3
        0x83, 0x60, 64, 90,  # delta 480 (two bytes), running status: note_on 64
        0x81, 0x80, 0x00, 0x83, 60, 0,  # delta 16384 (three bytes), note_off ch 3
        0x00, 0xFF, 0x2F, 0x00,
    ])
    smf = parse_smf(_smf(track))
    assert (smf.format, smf.ntrks, smf.division) == (0, 1, 480)
    assert smf.tracks[0] == [
        (0, "set_tempo", 500000), (0, "note_on", 3, 60, 100), (480, "note_on", 3, 64, 90),
        (16864, "note_off", 3, 60, 0), (16864, "end_of_track"),
    ]


@pytest.mark.parametrize("data, problem", [
    (_smf(bytes([0x00, 0x90, 60, 100])), "does not end with End of Track"),
    (_smf(bytes([0x00, 0xFF, 0x2F, 0x00, 0x00, 0x90, 60, 100])), "after End of Track"),
    (_smf(bytes([0x00, 0xFF, 0x2F, 0x00]))[:-1], "wants"),  # chunk shorter than its length
    (_smf(bytes([0x00, 60, 100, 0x00, 0xFF, 0x2F, 0x00])), "no running status"),
    (_smf(bytes([0x00, 0xFF, 0x2F, 0x00])) + b"junk", "after the last track"),
    (b"RIFF" + bytes(10), "MThd"),
])
def test_reader_fails_loudly_on_malformed_files(data, problem):
    with pytest.raises(SmfError, match=problem):
        parse_smf(data)


# -- rule 1: 480 PPQN, ticks per cycle, where events start ----------------------------


def test_rule1_480_ppqn_and_a_cycle_is_1920_ticks(export):
    midi = export("midi_export([C4 E4 G4 C5], 1, {path})")
    assert midi.smf.division == 480
    assert notes_of(midi) == [(0, 480, 60, 100), (480, 480, 64, 100), (960, 480, 67, 100), (1440, 480, 72, 100)]
    assert midi.end() == 1920


def test_rule1_onsets_are_rounded_to_the_nearest_tick(export):
    """1920/7 ticks apart: round(k × 1920/7), and each note lasts to the next onset."""
    midi = export("midi_export([C4*7], 1, {path})")
    starts = [0, 274, 549, 823, 1097, 1371, 1646]
    assert starts == [half_up(Fraction(1920 * k, 7)) for k in range(7)]
    assert notes_of(midi) == [(s, e - s, 60, 100) for s, e in zip(starts, starts[1:] + [1920])]


def test_rule1_a_half_tick_rounds_up(export):
    """late(1/3840) puts the notes at 0.5 and 960.5 ticks: half up gives 1
    and 961 (round-half-even would give 0 and 960)."""
    midi = export("midi_export([C4 E4].late(1/3840), 1, {path})")
    assert notes_of(midi) == [(1, 960, 60, 100), (961, 959, 64, 100)]


def test_rule1_beats_per_cycle_3_makes_1440_ticks_a_cycle(export):
    midi = export("beats_per_cycle(3); midi_export([C4 E4 G4], 2, {path})")
    assert notes_of(midi) == [(t, 480, p, 100) for t, p in zip(range(0, 2880, 480), [60, 64, 67] * 2)]
    assert midi.end() == 2880


# -- rule 2: tempo -----------------------------------------------------------------------


@pytest.mark.parametrize("setup, microseconds", [
    ("", 500_000),  # default cps 0.5 → 120 BPM
    ("cps(0.5);", 500_000),
    ("cps(1);", 250_000),  # 240 BPM
    ("cps(0.3);", 833_333),  # 72 BPM
    ("bpm(90);", 666_667),  # 60e6 / 90 = 666666.67
    ("cps(0);", 500_000),  # falls back to 120 BPM
    ("cps(-1);", 500_000),
    ("cps(-0.5);", 500_000),
    ("beats_per_cycle(3);", 666_667),  # 0.5 × 60 × 3 = 90 BPM
])
def test_rule2_type0_tempo_from_cps_at_tick_0(export, setup, microseconds):
    midi = export(setup + " midi_export([C4], 1, {path})")
    assert midi.type == 0
    assert midi.tracks[0][0] == (0, "set_tempo", microseconds)
    assert midi.metas(0, "set_tempo") == [(0, "set_tempo", microseconds)]
    assert [(t.time, t.mspq) for t in midi.score.tempos] == [(0, microseconds)]


def test_rule2_cps_1_is_240_bpm(export):
    midi = export("cps(1); midi_export([C4], 1, {path})")
    assert [t.qpm for t in midi.score.tempos] == [240.0]


@pytest.mark.parametrize("setup, microseconds, numerator", [
    ("", 500_000, 4),
    ("cps(1);", 250_000, 4),
    ("cps(0);", 500_000, 4),
    ("beats_per_cycle(3);", 666_667, 3),
    ("beats_per_cycle(7); cps(1);", 142_857, 7),  # 420 BPM: 60e6/420 = 142857.14
])
def test_rule2_type1_conductor_holds_tempo_and_time_signature(export, setup, microseconds, numerator):
    midi = export(setup + " let t = MidiTrack(1); t << [C4]; t.cc(1) << 5; midi_export(t, 1, {path})")
    assert midi.type == 1
    conductor = midi.tracks[0]
    assert conductor == [
        (0, "set_tempo", microseconds), (0, "time_signature", numerator, 4), (480 * numerator, "end_of_track"),
    ]
    assert [(s.numerator, s.denominator) for s in midi.score.time_signatures] == [(numerator, 4)]
    assert midi.metas(1, "set_tempo") == []


# -- rule 3: cycles 0 … cycles-1 ---------------------------------------------------------


def test_rule3_renders_from_cycle_0(export):
    midi = export("midi_export([<C4 E4 G4>], 4, {path})")
    assert notes_of(midi) == [(0, 1920, 60, 100), (1920, 1920, 64, 100), (3840, 1920, 67, 100), (5760, 1920, 60, 100)]
    assert midi.end() == 7680


def test_rule3_an_export_does_not_move_the_next_one(run, tmp_path):
    """Two exports of the same thing, one after another, are the same bytes:
    each starts at cycle 0 with nothing carried over."""
    run('let p = [<C4 E4 G4>, C2*3].gate(1.5); midi_export(p, 2, "a.mid"); midi_export(p, 5, "b.mid"); midi_export(p, 2, "c.mid");')
    assert (tmp_path / "a.mid").read_bytes() == (tmp_path / "c.mid").read_bytes()
    assert notes_of(read_midi(tmp_path / "b.mid"))[:4] == notes_of(read_midi(tmp_path / "a.mid"))[:4]


# -- rule 4: durations, the end ----------------------------------------------------------


def test_rule4_duration_is_span_times_gate(export):
    midi = export("midi_export([C4 E4].gate(0.5), 1, {path})")
    assert notes_of(midi) == [(0, 480, 60, 100), (960, 480, 64, 100)]


def test_rule4_a_track_gate_applies(export):
    midi = export("let t = MidiTrack(1); t << [C4 E4 G4 C5]; t.gate(0.25); midi_export(t, 1, {path})")
    assert notes_of(midi) == [(0, 120, 60, 100), (480, 120, 64, 100), (960, 120, 67, 100), (1440, 120, 72, 100)]


def test_rule4_a_tiny_gate_still_lasts_one_tick(export):
    midi = export("midi_export([C4 E4].gate(0.0001), 1, {path})")
    assert notes_of(midi) == [(0, 1, 60, 100), (960, 1, 64, 100)]


def test_rule4_5_notes_denser_than_ticks_still_pair_and_last_a_tick(export):
    """3000 notes in 1920 ticks: onsets 0.64 tick apart. A note that starts
    less than a tick after the sounding one merges with it, so every note
    lasts ≥ 1 tick and no note-off precedes its note-on (read_midi checks
    that); the notes that remain start where the merging rule says."""
    midi = export("midi_export([C4*3000], 1, {path})")
    starts, start = [], None
    for k in range(3000):
        t = Fraction(k, 3000)
        if start is None or t - start >= Fraction(1, 1920):
            start = t
            starts.append(half_up(1920 * t))
    assert [n.tick for n in midi.notes()] == starts
    assert len(starts) == 1500
    assert midi.end() == 1920


def test_rule4_5_the_brief_s_4000_notes_case(export):
    midi = export("midi_export([C4*4000], 1, {path})")
    assert midi.end() == 1920


def test_rule4_notes_crossing_the_end_are_cut_there(export):
    """gate 1.5: each E4 would last 1440 ticks; the one of the last cycle
    (2880 + 1440 = 4320) is cut at 2 × 1920 = 3840. The first-cycle E4
    crosses into cycle 1 and is not cut."""
    midi = export("midi_export([C4 E4].gate(1.5), 2, {path})")
    assert notes_of(midi) == [(0, 1440, 60, 100), (960, 1440, 64, 100), (1920, 1440, 60, 100), (2880, 960, 64, 100)]
    assert midi.end() == 3840


def test_rule4_end_of_track_at_the_loop_end_even_after_a_rest(export):
    midi = export("midi_export([C4 ~ ~ ~], 3, {path})")
    assert notes_of(midi) == [(0, 480, 60, 100), (1920, 480, 60, 100), (3840, 480, 60, 100)]
    assert midi.end() == 5760
    assert midi.tracks[0][-2] == (4320, "note_off", 0, 60, 0)


def test_rule4_end_of_track_in_every_track_of_a_type1_file(export):
    midi = export("let a = MidiTrack(1); let b = MidiTrack(2); a << [C2]; b << [C5 ~]; midi_export(#[a, b], 3, {path})")
    assert [midi.end(i) for i in range(3)] == [5760, 5760, 5760]
    assert [t[-1][1] for t in midi.tracks] == ["end_of_track"] * 3


def test_loop_false_lets_the_last_notes_ring_past_the_end(export):
    midi = export("midi_export([C4 E4].gate(2), 1, {path}, loop: false)")
    assert notes_of(midi) == [(0, 1920, 60, 100), (960, 1920, 64, 100)]
    assert midi.end() == 2880  # End of Track right after the last note-off
    assert midi.tracks[0][-2:] == [(2880, "note_off", 0, 64, 0), (2880, "end_of_track")]


def test_loop_false_with_nothing_ringing_ends_at_the_loop_end(export):
    midi = export("midi_export([C4 E4], 1, {path}, loop: false)")
    assert midi.end() == 1920


def test_loop_true_is_the_default(run, tmp_path):
    run('let p = [C4 E4].gate(2); midi_export(p, 1, "a.mid"); midi_export(p, 1, "b.mid", loop: true);')
    assert (tmp_path / "a.mid").read_bytes() == (tmp_path / "b.mid").read_bytes()
    assert notes_of(read_midi(tmp_path / "a.mid")) == [(0, 1920, 60, 100), (960, 960, 64, 100)]


# -- rule 5: order at one tick; same-pitch overlaps ---------------------------------------


def test_rule5_at_one_tick_offs_then_ccs_then_ons(export):
    """At tick 960, three messages of different musical times round together:
    E4's note-on (t = 1/2), the CC (t = 1/2 + 1/10000, ≈ 960.19 ticks) and
    C4's note-off (its gate ends at t = 1/2 + 2/10000, ≈ 960.38 ticks). In
    musical time the order is on, CC, off; in the file it must be off, CC, on."""
    midi = export("let t = MidiTrack(1); t << [C4 E4].gate(1.0004); t.cc(1) << [0 64].late(1/10000); midi_export(t, 1, {path})")
    assert midi.channel_events(1) == [
        (0, "control_change", 0, 1, 0), (0, "note_on", 0, 60, 100),
        (960, "note_off", 0, 60, 0), (960, "control_change", 0, 1, 64), (960, "note_on", 0, 64, 100),
        (1920, "note_off", 0, 64, 0),
    ]


def test_rule5_same_pitch_overlap_ends_before_the_retrigger(export):
    """[C4 C4].gate(2): each C4 would sound a whole cycle, so each overlaps
    the next. Each re-trigger ends the sounding C4 first (off, then on at
    the same tick); the last is cut at the end."""
    midi = export("midi_export([C4 C4].gate(2), 2, {path})")
    assert midi.channel_events(0) == [
        (0, "note_on", 0, 60, 100),
        (960, "note_off", 0, 60, 0), (960, "note_on", 0, 60, 100),
        (1920, "note_off", 0, 60, 0), (1920, "note_on", 0, 60, 100),
        (2880, "note_off", 0, 60, 0), (2880, "note_on", 0, 60, 100),
        (3840, "note_off", 0, 60, 0),
    ]


def test_rule5_a_short_retrigger_does_not_cut_a_long_note_short(export):
    """A whole-cycle C4 with a 240-tick C4 at tick 960 on top: the pitch
    must sound until 1920 (the long note's end), not stop at 1200."""
    midi = export("midi_export(stack([C4], [~ C4].gate(0.25)), 1, {path})")
    assert notes_of(midi) == [(0, 960, 60, 100), (960, 960, 60, 100)]


def test_rule5_the_same_note_twice_at_once_is_one_note(export):
    midi = export("midi_export([C4, C4, E4], 1, {path})")
    assert notes_of(midi) == [(0, 1920, 60, 100), (0, 1920, 64, 100)]


def test_rule5_same_pitch_on_two_channels_does_not_interact(export):
    midi = export("let a = MidiTrack(1); let b = MidiTrack(2); a << [C4]; b << [~ C4]; midi_export(#[a, b], 1, {path})")
    assert notes_of(midi, 1) == [(0, 1920, 60, 100)]
    assert notes_of(midi, 2) == [(960, 960, 60, 100)]


# -- rule 6: channels --------------------------------------------------------------------


def test_rule6_a_bare_pattern_is_on_channel_0(export):
    midi = export("midi_export([C4 E4], 1, {path})")
    assert channels_of(midi, 0) == {0}


@pytest.mark.parametrize("channel", [1, 2, 10, 16])
def test_rule6_a_track_is_on_its_channel_minus_1(export, channel):
    midi = export(f"let t = MidiTrack({channel}); t << [C4 E4]; t.cc(7) << [10 20]; midi_export(t, 1, {{path}})")
    assert channels_of(midi, 1) == {channel - 1}
    assert len(midi.channel_events(1)) == 6  # 2 ons, 2 offs, 2 CCs


def test_rule6_each_track_keeps_its_channel(export):
    midi = export(
        "let a = MidiTrack(3); let b = MidiTrack(11); let c = MidiTrack(16);"
        " a << [C2]; b << [C4 E4]; c << [C6*3]; a.cc(1) << [1 2]; b.cc(2) << 3;"
        " midi_export(#[a, b, c], 1, {path})")
    assert [channels_of(midi, i) for i in (1, 2, 3)] == [{2}, {10}, {15}]
    assert [n.pitch for n in midi.notes(3)] == [84, 84, 84]


# -- rule 7: velocity --------------------------------------------------------------------


def test_rule7_a_bare_pattern_uses_100_unless_given(export):
    midi = export("midi_export([C4^80 E4^110 G4], 2, {path})")
    assert [n.velocity for n in midi.notes()] == [80, 110, 100, 80, 110, 100]


def test_rule7_a_track_s_default_velocity(export):
    midi = export("let t = MidiTrack(1, 77); t << [C4 E4^12]; midi_export(t, 1, {path})")
    assert [n.velocity for n in midi.notes()] == [77, 12]


def test_rule7_velocity_lane_pattern_sampled_at_each_onset(export):
    midi = export("let t = MidiTrack(1, 77); t << [C4*4]; t.vel << [30 90]; midi_export(t, 1, {path})")
    assert [n.velocity for n in midi.notes()] == [30, 30, 90, 90]


def test_rule7_velocity_lane_signal_sampled_at_each_onset(export):
    """Saw(1).range(40, 100) at 0, 1/4, 1/2, 3/4: 40, 55, 70, 85."""
    midi = export("let t = MidiTrack(1, 77); t << [C4*4]; t.vel << Saw(1).range(40, 100); midi_export(t, 2, {path})")
    assert [n.velocity for n in midi.notes()] == [40, 55, 70, 85] * 2


def test_rule7_explicit_velocity_beats_the_lane(export):
    midi = export("let t = MidiTrack(1, 77); t << [C4^127 C4 C4 C4]; t.vel << Saw(1).range(40, 100); midi_export(t, 1, {path})")
    assert [n.velocity for n in midi.notes()] == [127, 55, 70, 85]


def test_rule7_gain_multiplies_whatever_velocity_the_note_has(export):
    """The track's default, a ^v, the lane: each times the note's gain (echo's
    fade); brought to 0 a note is not sent, above 127 it stays 127."""
    midi = export("let t = MidiTrack(1, 80); t << [C4 E4^100 G4 B4].gain([0.5 0.5 0 2]); midi_export(t, 1, {path})")
    assert [(n.pitch, n.velocity) for n in midi.notes()] == [(60, 40), (64, 50), (71, 127)]
    midi = export("let t = MidiTrack(1, 80); t << [C4 ~ ~ ~].echo(3, 1/4, 0.5); t.vel << [90 60];"
                  " midi_export(t, 1, {path})", name="echo.mid")
    assert [(n.tick, n.pitch, n.velocity) for n in midi.notes()] == [(0, 60, 90), (480, 60, 45), (960, 60, 15)]


def test_rule7_vel_method_is_explicit_too(export):
    midi = export("let t = MidiTrack(1, 77); t << [C4 E4].vel(90); t.vel << 30; midi_export(t, 1, {path})")
    assert [n.velocity for n in midi.notes()] == [90, 90]


def test_rule7_a_silent_lane_falls_back_to_the_track_default(export):
    midi = export("let t = MidiTrack(1, 77); t << [C4*4]; t.vel << [50 ~]; midi_export(t, 1, {path})")
    assert [n.velocity for n in midi.notes()] == [50, 50, 77, 77]


def test_rule7_velocities_differ_per_track(export):
    midi = export(
        "let a = MidiTrack(1, 80); let b = MidiTrack(2, 110); a << [C2]; b << [C5 E5^5]; b.vel << 64;"
        " midi_export(#[a, b], 1, {path})")
    assert [n.velocity for n in midi.notes(1)] == [80]
    assert [n.velocity for n in midi.notes(2)] == [64, 5]


# -- rule 8: CC automation ---------------------------------------------------------------


def sine_cc(frequency: float, t: float) -> int:
    """round((sin(2π·f·t) + 1) / 2 × 127), half up."""
    return half_up((math.sin(2 * math.pi * frequency * t) + 1) / 2 * 127)


def held_values(ccs: list[tuple], ticks) -> list[int | None]:
    """The value in force at each tick (the last CC at or before it)."""
    values, held, i = [], None, 0
    for tick in ticks:
        while i < len(ccs) and ccs[i][0] <= tick:
            held = ccs[i][3]
            i += 1
        values.append(held)
    return values


def test_rule8_a_signal_is_sampled_every_128th_of_a_cycle_and_sent_on_change(export):
    """Sine(0.25) over 4 cycles (one period): a sample every 15 ticks, each
    one round((sin(2π·0.25·t) + 1)/2 × 127); only changes are written."""
    midi = export("let t = MidiTrack(3); t << [C4]; t.cc(74) << Sine(0.25); midi_export(t, 4, {path})")
    ccs = midi.ccs(1, 74)
    samples = [sine_cc(0.25, k / 128) for k in range(512)]
    assert all(tick % 15 == 0 for tick, *_ in ccs)
    assert held_values(ccs, range(0, 7680, 15)) == samples
    expected = [(15 * k, 2, 74, v) for k, v in enumerate(samples) if k == 0 or v != samples[k - 1]]
    assert ccs == expected
    assert (ccs[0], len(ccs)) == ((0, 2, 74, 64), len(expected))
    assert max(c[3] for c in ccs) == 127 and min(c[3] for c in ccs) == 0


def test_rule8_range_values_are_used_as_given(export):
    """Saw(1).range(0, 64) is k/2 at sample k: used as given (not × 127),
    halves rounded up; a bare Saw(1) is scaled to 0..127."""
    midi = export("let t = MidiTrack(1); t << [C4]; t.cc(1) << Saw(1).range(0, 64); t.cc(2) << Saw(1); midi_export(t, 1, {path})")
    ranged = [half_up(Fraction(k, 2)) for k in range(128)]
    assert held_values(midi.ccs(1, 1), range(0, 1920, 15)) == ranged
    assert midi.ccs(1, 1)[:3] == [(0, 0, 1, 0), (15, 0, 1, 1), (45, 0, 1, 2)]
    assert held_values(midi.ccs(1, 2), range(0, 1920, 15)) == [half_up(Fraction(127 * k, 128)) for k in range(128)]


def test_rule8_a_number_pattern_is_sent_at_its_onsets(export):
    """Every onset is sent, even a value equal to the last one."""
    midi = export("let t = MidiTrack(2); t << [C4]; t.cc(1) << [0 64 64 127]; midi_export(t, 2, {path})")
    assert midi.ccs(1) == [(tick, 1, 1, v) for tick, v in zip(range(0, 3840, 480), [0, 64, 64, 127] * 2)]


@pytest.mark.parametrize("constant", ["100", "Const(100)"])
def test_rule8_a_constant_is_sent_once_used_as_given(export, constant):
    """A number on a CC lane is a constant (a Const): a signal that never
    changes, so one CC at tick 0, its value as given (not × 127)."""
    midi = export(f"let t = MidiTrack(1); t << [C4]; t.cc(7) << {constant}; midi_export(t, 2, {{path}})")
    assert midi.ccs(1) == [(0, 0, 7, 100)]


def test_rule8_every_lane_of_every_track_on_its_channel(export):
    midi = export(
        "let a = MidiTrack(4); let b = MidiTrack(9); a << [C2]; b << [C5];"
        " a.cc(1) << [10 20]; a.cc(11) << 99; b.cc(74) << [1 2 3 4];"
        " midi_export(#[a, b], 1, {path})")
    assert midi.ccs(1) == [(0, 3, 1, 10), (0, 3, 11, 99), (960, 3, 1, 20)]
    assert midi.ccs(2) == [(0, 8, 74, 1), (480, 8, 74, 2), (960, 8, 74, 3), (1440, 8, 74, 4)]


def test_rule8_cc_values_are_kept_within_0_127(export):
    midi = export("let t = MidiTrack(1); t << [C4]; t.cc(1) << ([0 200 63.5] - 5); midi_export(t, 1, {path})")
    assert [c[3] for c in midi.ccs(1)] == [0, 127, 59]  # -5, 195, 58.5


def test_bare_pattern_files_have_no_cc(export):
    midi = export("midi_export([C4 E4], 1, {path})")
    assert midi.ccs(0) == []


# -- rule 9: track names -----------------------------------------------------------------


def test_rule9_each_data_track_is_named(export):
    midi = export(
        'let bass = MidiTrack(1); let lead = MidiTrack(2, name: "Lead synth"); let x = MidiTrack(3, name: "Bässe ♪");'
        " bass << [C2]; lead << [C5]; x << [C3]; midi_export(#[bass, lead, x], 1, {path})")
    assert [midi.track_name(i) for i in (1, 2, 3)] == ["bass", "Lead synth", "Bässe ♪"]
    assert [t.name for t in midi.score.tracks] == ["bass", "Lead synth", "Bässe ♪"]
    assert all(midi.tracks[i][0] == (0, "track_name", midi.track_name(i)) for i in (1, 2, 3))


def test_rule9_a_second_name_does_not_rename_the_track(export):
    midi = export("let bass = MidiTrack(1); let low = bass; low << [C2]; midi_export(low, 1, {path})")
    assert midi.track_name(1) == "bass"


def test_a_track_named_twice_in_the_array_is_written_once(export):
    midi = export("let a = MidiTrack(1); let b = a; a << [C2]; midi_export(#[a, b], 1, {path})")
    assert midi.smf.ntrks == 2 and notes_of(midi, 1) == [(0, 1920, 36, 100)]


# -- rule 10: nothing else ---------------------------------------------------------------


def test_rule10_only_notes_ccs_tempo_signature_names_and_end(export):
    """A busy program: every kind of event in the file is one the contract
    lists (read_midi also rejects pitch bend, program change and SysEx in
    every file of this suite)."""
    midi = export(
        'let a = MidiTrack(1, 90); let b = MidiTrack(10); a << [C2 [E2 G2]].gate(1.5); a.transpose(12);'
        ' a.vel << Sine(1).range(60, 120); a.cc(1) << Tri(2); a.cc(64) << [0 127]; b << [C1(3,8)]; b.device("elsewhere");'
        " midi_export(#[a, b], 3, {path})")
    kinds = {e[1] for t in midi.tracks for e in t}
    assert kinds == {"set_tempo", "time_signature", "track_name", "note_on", "note_off", "control_change", "end_of_track"}
    assert [n.pitch for n in midi.notes(1)][:3] == [48, 52, 55]  # transposed an octave
    assert len(midi.notes(2)) == 9


# -- rule 11: skipped tracks, nothing to export ------------------------------------------


def test_rule11_a_track_without_notes_is_skipped_with_one_warning(run, tmp_path):
    result = run('let empty_pad = MidiTrack(1); let keys = MidiTrack(2); keys << [C4]; empty_pad.cc(1) << 5;'
                 ' midi_export(#[empty_pad, keys], 1, "x.mid");')
    assert len(result.out) == 1
    assert result.out[0].startswith("warning") and "empty_pad" in result.out[0] and "keys" not in result.out[0]
    midi = read_midi(tmp_path / "x.mid")
    assert midi.smf.ntrks == 2 and midi.track_name(1) == "keys"
    assert midi.ccs(1) == []  # the skipped track's CC lane is not exported either


def test_rule11_each_skipped_track_warns_once(run, tmp_path):
    result = run('let p = MidiTrack(1); let q = MidiTrack(2); let r = MidiTrack(3); r << [C4]; midi_export(#[p, q, r], 1, "x.mid");')
    assert len(result.out) == 2
    assert "'p'" in result.out[0] and "'q'" in result.out[1]
    assert read_midi(tmp_path / "x.mid").smf.ntrks == 2


@pytest.mark.parametrize("call", [
    'midi_export(a, 1, "x.mid")',
    'midi_export(#[a, b], 1, "x.mid")',
    "midi_export(a, 1)",
    "midi_export(#[a, b], 1)",
])
def test_rule11_nothing_to_export_is_an_error_and_writes_nothing(run, tmp_path, call):
    with pytest.raises(TrackJammerError, match="nothing to export"):
        run(f"let a = MidiTrack(1); let b = MidiTrack(2); b.cc(1) << 3; {call};")
    assert files_under(tmp_path) == []


# -- rule 12: cycles; never half-written -------------------------------------------------


@pytest.mark.parametrize("cycles", ["0", "-1", "1.5", "100001", '"4"', "true", "none", "1/2"])
@pytest.mark.parametrize("path", ["", ', "sub/x.mid"'])
def test_rule12_bad_cycles_are_an_error_that_writes_nothing(run, tmp_path, cycles, path):
    with pytest.raises(TrackJammerError, match="cycles must be a whole number"):
        run(f"let t = MidiTrack(1); t << [C4]; midi_export(t, {cycles}{path});")
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(("call", "hint"), [
    ('midi_export("song.mid", t, 4)', 'the file\'s path comes last, named: midi_export(bass, 4, path: "song.mid")'),
    ('render("mixes/take.wav", t, 4)', 'the file\'s path comes last, named: render(bass, 4, path: "mixes/take.wav")'),
    ('midi_export(t, "4")', "the number of cycles to render, counted from cycle 0: midi_export(bass, 4)"),
])
def test_rule12_a_path_given_first_gets_its_place_as_the_hint(run, tmp_path, call, hint):
    with pytest.raises(TrackJammerError) as caught:
        run(f"let t = MidiTrack(1); t << [C4]; {call};")
    assert caught.value.hint == hint
    assert files_under(tmp_path) == []


def test_rule12_the_largest_cycle_count_is_accepted(export):
    midi = export("midi_export([C4], 100000, {path})")
    assert len(midi.notes()) == 100000 and midi.end() == 100000 * 1920


def test_rule12_the_file_is_written_whole_to_a_part_file_beside_it_then_linked_in(run, tmp_path, monkeypatch):
    links = []
    real_link = os.link

    def spy(src, dst, **kwargs):
        links.append((Path(src), Path(dst), Path(src).read_bytes()))
        real_link(src, dst, **kwargs)

    monkeypatch.setattr(writes_module.os, "link", spy)
    run('midi_export([C4], 1, "deep/x.mid");')
    ((src, dst, data),) = links
    assert dst == tmp_path / "deep" / "x.mid" and src.parent == dst.parent
    assert re.fullmatch(rf"x\.mid\.{os.getpid()}-[0-9a-f]{{6}}\.part", src.name)
    assert data == dst.read_bytes()
    assert files_under(tmp_path) == ["deep", "deep/x.mid"]


def test_rule12_a_failed_write_leaves_the_old_file_whole_and_no_temporary(run, tmp_path, monkeypatch):
    run('midi_export([C4], 1, "x.mid");')
    before = (tmp_path / "x.mid").read_bytes()

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writes_module.os, "rename", fail)
    with pytest.raises(TrackJammerError, match="cannot write x.mid: the disk is full"):
        run('midi_export([C4 E4 G4], 3, "x.mid", overwrite: true);')
    assert (tmp_path / "x.mid").read_bytes() == before
    assert files_under(tmp_path) == ["x.mid"]


def test_a_failed_write_is_a_clear_error_not_an_internal_one(run, tmp_path, monkeypatch):
    def fail(src, dst, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writes_module.os, "link", fail)
    with pytest.raises(TrackJammerError) as caught:
        run('midi_export([C4], 1, "x.mid");')
    assert (caught.value.message, caught.value.hint) == (
        "cannot write x.mid: the disk is full", "free some space and try again; nothing was written")
    assert files_under(tmp_path) == []


# -- explicit paths ----------------------------------------------------------------------


def test_explicit_path_is_used_as_given_and_returned(run, tmp_path):
    result = run('let p = midi_export([C4], 1, "songs/2026/take one.mid"); print(p);')
    assert result.out == ["songs/2026/take one.mid"]
    assert files_under(tmp_path) == ["songs", "songs/2026", "songs/2026/take one.mid"]
    assert notes_of(read_midi(tmp_path / "songs/2026/take one.mid")) == [(0, 1920, 60, 100)]


def test_explicit_path_returns_a_string(run):
    assert run('midi_export([C4], 1, "x.mid")').value == "x.mid"
    assert isinstance(run('midi_export([C4], 1, "y.mid")').value, str)


def test_exporting_again_to_a_path_keeps_the_file_it_replaces_and_says_where(run, tmp_path):
    (tmp_path / "x.mid").write_bytes(b"mine")
    first = run('midi_export([C4], 1, "x.mid");')
    assert (first.value, first.out) == ("x.mid", ["kept the previous x.mid as x.1.mid"])
    assert (tmp_path / "x.1.mid").read_bytes() == b"mine"
    assert notes_of(read_midi(tmp_path / "x.mid")) == [(0, 1920, 60, 100)]
    second = run('midi_export([D4], 1, "x.mid", overwrite: false);')
    assert second.out == ["kept the previous x.mid as x.2.mid"]
    assert notes_of(read_midi(tmp_path / "x.2.mid")) == [(0, 1920, 60, 100)]
    assert notes_of(read_midi(tmp_path / "x.mid")) == [(0, 1920, 62, 100)]
    third = run('midi_export([C4 E4], 1, "x.mid", overwrite: true);')
    assert third.out == []
    assert notes_of(read_midi(tmp_path / "x.mid")) == [(0, 960, 60, 100), (960, 960, 64, 100)]
    assert files_under(tmp_path) == ["x.1.mid", "x.2.mid", "x.mid"]


def test_a_link_or_a_pipe_at_the_path_is_never_replaced(run, tmp_path):
    outside = tmp_path / "outside.mid"
    outside.write_bytes(b"mine")
    (tmp_path / "link.mid").symlink_to(outside)
    os.mkfifo(tmp_path / "pipe.mid")
    for name in ("link.mid", "pipe.mid"):
        for overwrite in ("", ", overwrite: true"):
            with pytest.raises(TrackJammerError) as caught:
                run(f'midi_export([C4], 1, "{name}"{overwrite});')
            assert (caught.value.message, caught.value.hint) == (
                f"{name} is not a regular file (a link, a device, a pipe or a socket); it is not replaced", "choose another name")
    assert outside.read_bytes() == b"mine" and (tmp_path / "link.mid").is_symlink()
    assert files_under(tmp_path) == ["link.mid", "outside.mid", "pipe.mid"]


def test_a_folder_is_not_a_file_name(run, tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(TrackJammerError, match="folder"):
        run('midi_export([C4], 1, "out");')
    assert files_under(tmp_path) == ["out"]


def test_explicit_path_a_pattern_that_fails_while_rendering_writes_nothing(run, tmp_path):
    """cycle 0 is a plain C4; cycle 1 asks for two million cycles at once (a
    'too much work' error), only once the render reaches it."""
    with pytest.raises(TrackJammerError, match="2,000,000 cycles"):
        run('midi_export(cat([C4], [C4].fast(2000000)), 2, "q/x.mid");')
    assert files_under(tmp_path) == []


def test_auto_path_a_pattern_that_fails_while_rendering_writes_nothing(run, tmp_path):
    with pytest.raises(TrackJammerError, match="2,000,000 cycles"):
        run("midi_export(cat([C4], [C4].fast(2000000)), 2);")
    assert files_under(tmp_path) == []


# -- render folders ----------------------------------------------------------------------


def test_auto_path_goes_to_a_render_folder_with_snapshot_and_render_json(run, tmp_path):
    before = datetime.now().replace(microsecond=0)
    result = run("let p = midi_export([C4 E4], 2); print(p);")
    after = datetime.now()
    (path,) = result.out
    assert is_render_path(path), path
    folder = (tmp_path / path).parent
    assert before <= datetime.strptime(folder.name[:19], "%Y-%m-%d_%H-%M-%S") <= after
    assert sorted(p.name for p in folder.iterdir()) == ["export.mid", "render.json", "snapshot.tj"]
    midi = read_midi(tmp_path / path)
    assert midi.type == 0 and notes_of(midi) == [(t, 960, p, 100) for t, p in zip(range(0, 3840, 960), [60, 64] * 2)]


def test_the_same_second_twice_gets_2_then_3(tmp_path):
    session = Session(out=lambda line: None)
    pattern = Interpreter(session).execute("[C4 E4]")
    now = fixed_time(2026, 11, 21, 20, 15, 3)
    paths = [export_module.midi_export(session, pattern, 1, base=tmp_path, now=now) for _ in range(3)]
    assert paths == [
        "renders/untitled/2026-11-21_20-15-03/export.mid",
        "renders/untitled/2026-11-21_20-15-03_2/export.mid",
        "renders/untitled/2026-11-21_20-15-03_3/export.mid",
    ]
    for path in paths:
        assert notes_of(read_midi(tmp_path / path)) == [(0, 960, 60, 100), (960, 960, 64, 100)]
    first = json.loads((tmp_path / "renders/untitled/2026-11-21_20-15-03/render.json").read_text())
    assert first["time"].startswith("2026-11-21T20:15:03")


def test_render_json_says_what_was_rendered(run, tmp_path):
    result = run('cps(1); let bass = MidiTrack(3, 80); let lead = MidiTrack(5, name: "Lead");'
                 " bass << [C2]; lead << [C5 E5]; midi_export(#[bass, lead], 8);")
    (folder,) = render_folders(tmp_path)
    meta = json.loads((folder / "render.json").read_text(encoding="utf-8"))
    assert meta["cycles"] == 8 and meta["ppqn"] == 480
    assert meta["cps"] == 1 and meta["bpm"] == 240
    assert [(t["name"], t["channel"]) for t in meta["tracks"]] == [("bass", 3), ("Lead", 5)]
    assert meta["trackjammer"] == trackjammer.__version__
    stamp = datetime.strptime(folder.name[:19], "%Y-%m-%d_%H-%M-%S")
    assert 0 <= (datetime.fromisoformat(meta["time"]).replace(tzinfo=None) - stamp).total_seconds() <= 1
    assert result.out == []


def test_a_snapshot_recreates_the_render(run, tmp_path, monkeypatch):
    """Run snapshot.tj in a fresh session elsewhere, export what render.json
    says was rendered, and get the same bytes."""
    run('seed(7); cps(0.75); let bass = MidiTrack(2, 70); bass << [C2 E2?]; bass.cc(1) << Sine(0.5);'
        " bass.vel << [60 90]; let lead = MidiTrack(3, name: \"Lead\"); lead << [[C5|E5|G5]*4]; midi_export(#[bass, lead], 4);")
    (folder,) = render_folders(tmp_path)
    meta = json.loads((folder / "render.json").read_text(encoding="utf-8"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    source = (folder / "snapshot.tj").read_text(encoding="utf-8")
    run(source + f'\nmidi_export({meta["what"]}, {meta["cycles"]}, "again.mid");')
    assert (elsewhere / "again.mid").read_bytes() == (folder / "export.mid").read_bytes()


@pytest.mark.parametrize("name, folder", [
    ("night drive", "night_drive"),
    ("Song-1.v2", "Song-1.v2"),
    ("a/b c", "a_b_c"),
    ("..", "untitled"),
    (".", "untitled"),
    ("...", "untitled"),
    ("/", "untitled"),
])
def test_project_name_is_reduced_to_safe_characters(run, tmp_path, name, folder):
    result = run(f"project({json.dumps(name)}); midi_export([C4], 1);")
    assert [p.name for p in (tmp_path / "renders").iterdir()] == [folder]
    assert result.value.startswith(f"renders/{folder}/")


@pytest.mark.parametrize("name", ["../../etc", "../x", "/etc/passwd", "~/x", ".hidden/../../.."])
def test_project_name_cannot_escape_renders(run, tmp_path, name):
    result = run(f"project({json.dumps(name)}); midi_export([C4], 1);")
    (project_folder,) = (tmp_path / "renders").iterdir()
    assert re.fullmatch(r"[A-Za-z0-9._-]+", project_folder.name) and project_folder.name.strip(".")
    written = (tmp_path / result.value).resolve()
    assert written.parent.parent.parent == (tmp_path / "renders").resolve()
    assert all(p.startswith("renders/") or p == "renders" for p in files_under(tmp_path))


def test_trackjammer_run_names_the_project_after_the_script(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "night drive.tj").write_text("midi_export([C4 E4], 1);\n", encoding="utf-8")
    assert cli_main(["run", "night drive.tj", "--offline"]) == 0
    (folder,) = render_folders(tmp_path, "night_drive")
    assert notes_of(read_midi(folder / "export.mid")) == [(0, 960, 60, 100), (960, 960, 64, 100)]
    assert cli_main(["run", "night drive.tj", "--offline", "--project", "Other One"]) == 0
    assert len(render_folders(tmp_path, "Other_One")) == 1


# -- stems -------------------------------------------------------------------------------


STEMS_PROGRAM = ("let bass = MidiTrack(1, 80); let lead = MidiTrack(2, 110); bass << [C2 E2 G2]; lead << [C5 E5 G5 C6];"
                 " lead.cc(74) << [0 127];")


def check_stem(midi, name: str, channel: int, notes: list) -> None:
    assert midi.type == 1 and midi.smf.ntrks == 2
    assert midi.track_name(1) == name and channels_of(midi, 1) == {channel}
    assert notes_of(midi, 1) == notes
    assert [midi.end(0), midi.end(1)] == [3840, 3840]


def test_stems_one_file_per_track_beside_the_combined_file(run, tmp_path):
    result = run(STEMS_PROGRAM + " midi_export(#[bass, lead], 2, stems: true);")
    assert is_render_path(result.value)
    folder = (tmp_path / result.value).parent
    assert sorted(p.name for p in folder.iterdir()) == ["bass.mid", "export.mid", "lead.mid", "render.json", "snapshot.tj"]
    combined = read_midi(folder / "export.mid")
    assert combined.smf.ntrks == 3
    check_stem(read_midi(folder / "bass.mid"), "bass", 0, notes_of(combined, 1))
    lead = read_midi(folder / "lead.mid")
    check_stem(lead, "lead", 1, notes_of(combined, 2))
    assert lead.ccs(1) == combined.ccs(2) == [(0, 1, 74, 0), (960, 1, 74, 127), (1920, 1, 74, 0), (2880, 1, 74, 127)]


def test_stems_with_an_explicit_path_go_beside_it(run, tmp_path):
    result = run(STEMS_PROGRAM + ' midi_export(#[bass, lead], 2, "out/song.mid", stems: true);')
    assert result.value == "out/song.mid"
    assert files_under(tmp_path) == ["out", "out/bass.mid", "out/lead.mid", "out/song.mid"]
    assert read_midi(tmp_path / "out/song.mid").smf.ntrks == 3
    check_stem(read_midi(tmp_path / "out/lead.mid"), "lead", 1, [(t, 480, p, 110) for t, p in zip(range(0, 3840, 480), [72, 76, 79, 84] * 2)])


def test_stems_of_tracks_with_one_name_get_2(run, tmp_path):
    run('let a = MidiTrack(1, name: "keys"); let b = MidiTrack(2, name: "keys"); a << [C3]; b << [C4];'
        ' midi_export(#[a, b], 2, "s/all.mid", stems: true);')
    assert files_under(tmp_path) == ["s", "s/all.mid", "s/keys.mid", "s/keys_2.mid"]
    check_stem(read_midi(tmp_path / "s/keys.mid"), "keys", 0, [(0, 1920, 48, 100), (1920, 1920, 48, 100)])
    check_stem(read_midi(tmp_path / "s/keys_2.mid"), "keys", 1, [(0, 1920, 60, 100), (1920, 1920, 60, 100)])


def test_a_stem_keeps_the_file_it_replaces_too(run, tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "bass.mid").write_bytes(b"mine")
    result = run(STEMS_PROGRAM + ' midi_export(#[bass, lead], 2, "s/all.mid", stems: true);')
    assert result.out == ["kept the previous s/bass.mid as s/bass.1.mid"]
    assert files_under(tmp_path) == ["s", "s/all.mid", "s/bass.1.mid", "s/bass.mid", "s/lead.mid"]
    assert (tmp_path / "s" / "bass.1.mid").read_bytes() == b"mine"


def test_a_symlinked_stem_is_refused_before_anything_is_written(run, tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "bass.mid").symlink_to(tmp_path / "elsewhere.mid")
    with pytest.raises(TrackJammerError, match="s/bass.mid is not a regular file"):
        run(STEMS_PROGRAM + ' midi_export(#[bass, lead], 2, "s/all.mid", stems: true);')
    assert files_under(tmp_path) == ["s", "s/bass.mid"]


def test_a_stem_named_like_the_explicit_file_does_not_overwrite_it(run, tmp_path):
    run('let song = MidiTrack(1); let lead = MidiTrack(2); song << [C2]; lead << [C5 E5];'
        ' midi_export(#[song, lead], 1, "song.mid", stems: true);')
    combined = read_midi(tmp_path / "song.mid")
    assert combined.smf.ntrks == 3, "song.mid should be the combined file (conductor + song + lead)"


# -- forms and return values -------------------------------------------------------------


@pytest.mark.parametrize("what, file_type, tracks", [
    ("[C4 E4]", 0, 1),
    ("t", 1, 2),
    ("#[t]", 1, 2),
    ("#[t, u]", 1, 3),
    ("60", 0, 1),
])
def test_each_form_gives_its_file_type(run, tmp_path, what, file_type, tracks):
    result = run(f'let t = MidiTrack(1); let u = MidiTrack(2); t << [C4]; u << [E4]; midi_export({what}, 1, "x.mid")')
    assert result.value == "x.mid"
    midi = read_midi(tmp_path / "x.mid")
    assert (midi.type, midi.smf.ntrks) == (file_type, tracks)


def test_auto_path_returns_the_path_as_a_string(run, tmp_path):
    value = run("midi_export([C4], 1)").value
    assert isinstance(value, str) and is_render_path(value) and (tmp_path / value).is_file()


@pytest.mark.parametrize("what, message", [
    ("Sine(1)", "signal has no notes"),
    ('"C4"', "cannot export"),
    ("#[]", "empty"),
    ("#[t, [C4]]", "tracks only"),
])
def test_things_that_cannot_be_exported_are_errors_that_write_nothing(run, tmp_path, what, message):
    with pytest.raises(TrackJammerError, match=message):
        run(f"let t = MidiTrack(1); t << [C4]; midi_export({what}, 1);")
    assert files_under(tmp_path) == []
