"""The one path from patterns to timed MIDI messages (midi/messages.py)."""

from __future__ import annotations

import math
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trackjammer.core  # noqa: F401  (registers the pattern functions)
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.messages import (
    CONTROL, NOTE_OFF, NOTE_ON, Message, MessageStream, PatternError, plan_of_pattern, plan_of_track, seven_bit,
)
from trackjammer.core.values import Unit
from trackjammer.session import Session

TICK = F(1, 1920)


def run(source: str) -> Session:
    session = Session(out=lambda text: None)
    Interpreter(session).execute(source)
    return session


def track_plans(source: str) -> list:
    session = run(source)
    return [plan_of_track(t, i) for i, t in enumerate(session.tracks())]


def pattern_plan(source: str):
    return plan_of_pattern(Interpreter(Session()).execute(source))


def messages(plans, begin=0, end=1, windows=None, seed=0) -> list[Message]:
    stream = MessageStream(min_length=TICK)
    cuts = windows or [begin, end]
    found = []
    for a, b in zip(cuts, cuts[1:]):
        found.extend(stream.window(plans, a, b, seed))
    return found


def brief(found: list[Message]) -> list[tuple]:
    names = {NOTE_OFF: "off", CONTROL: "cc", NOTE_ON: "on"}
    return [(m.time, names[m.kind], m.channel, m.data1, m.data2) for m in found]


def test_a_bare_pattern_plays_channel_one_at_velocity_100_with_explicit_velocities_kept():
    found = messages([pattern_plan("[C4^80 E4 G4]")])
    assert brief(found) == [
        (0, "on", 0, 60, 80), (F(1, 3), "off", 0, 60, 0), (F(1, 3), "on", 0, 64, 100),
        (F(2, 3), "off", 0, 64, 0), (F(2, 3), "on", 0, 67, 100),
    ]


def test_the_last_note_off_comes_in_the_window_where_it_is_due():
    stream = MessageStream(min_length=TICK)
    plan = pattern_plan("[C4 E4]")
    first = stream.window([plan], 0, F(3, 4))
    second = stream.window([plan], F(3, 4), 2)
    assert brief(first) == [(0, "on", 0, 60, 100), (F(1, 2), "off", 0, 60, 0), (F(1, 2), "on", 0, 64, 100)]
    assert brief(second)[:3] == [(1, "off", 0, 64, 0), (1, "on", 0, 60, 100), (F(3, 2), "off", 0, 60, 0)]
    assert stream.sounding == 1
    assert brief(stream.release(2)) == [(2, "off", 0, 64, 0)]
    assert stream.sounding == 0


def test_velocity_precedence_explicit_then_lane_at_onset_then_track_default():
    plans = track_plans("let t = MidiTrack(3, 70); t << [C4^20 D4 E4 F4]; t.vel << [~ 90 ~ 110]")
    ons = [m for m in messages(plans) if m.kind == NOTE_ON]
    assert [(m.data1, m.data2, m.channel) for m in ons] == [(60, 20, 2), (62, 90, 2), (64, 70, 2), (65, 110, 2)]


def test_a_velocity_signal_is_read_at_each_onset_and_a_raw_signal_is_scaled_to_127():
    plans = track_plans("let t = MidiTrack(1); t << [C4*4]; t.vel << Saw(1)")
    ons = [(m.data1, m.data2) for m in messages(plans) if m.kind == NOTE_ON]
    # round_half_up(k/4 × 127): 0, 31.75, 63.5, 95.25; velocity 0 is silent, so the first note sends nothing
    assert ons == [(60, 32), (60, 64), (60, 95)]
    plans = track_plans("let t = MidiTrack(1); t << [C4*4]; t.vel << Saw(1).range(40, 80)")
    assert [m.data2 for m in messages(plans) if m.kind == NOTE_ON] == [40, 50, 60, 70]


def test_seven_bit_scales_units_and_keeps_other_numbers_as_given():
    assert [seven_bit(Unit(v)) for v in (0.0, 0.5, 1.0, 0.2)] == [0, 64, 127, 25]
    assert [seven_bit(v) for v in (0.5, 1, 64, 126.5, 200, -3, F(255, 2))] == [1, 1, 64, 127, 127, 0, 127]


def test_gate_comes_from_the_note_then_the_track_then_one():
    plans = track_plans("let t = MidiTrack(1); t << seq([C4], [E4].gate(1/4)); t.gate(1/2)")
    offs = [(m.time, m.data1) for m in messages(plans) if m.kind == NOTE_OFF]
    assert offs == [(F(1, 4), 60), (F(1, 2) + F(1, 8), 64)]  # the track's 1/2, the note's own 1/4


def test_a_note_lasts_at_least_min_length():
    plan = pattern_plan("[C4].gate(0.0001)")
    assert brief(messages([plan], 0, 1)) == [(0, "on", 0, 60, 100), (TICK, "off", 0, 60, 0)]


def test_same_pitch_overlaps_end_the_sounding_note_first_and_sound_until_the_later_end():
    plan = pattern_plan("[C4 C4 ~ ~].gate(3)")  # [0, 3/4) and [1/4, 1)
    assert brief(messages([plan], 0, 2)) == [
        (0, "on", 0, 60, 100), (F(1, 4), "off", 0, 60, 0), (F(1, 4), "on", 0, 60, 100),
        (1, "off", 0, 60, 0), (1, "on", 0, 60, 100),
        (F(5, 4), "off", 0, 60, 0), (F(5, 4), "on", 0, 60, 100),
    ]


def test_a_short_note_inside_a_long_one_does_not_cut_it_short():
    plan = pattern_plan("stack([C4], [~ C4 ~ ~])")
    assert brief(messages([plan], 0, 1)) == [  # the note-off at 1 belongs to the next window
        (0, "on", 0, 60, 100), (F(1, 4), "off", 0, 60, 0), (F(1, 4), "on", 0, 60, 100),
    ]
    stream = MessageStream(min_length=TICK)
    stream.window([plan], 0, 1)
    assert brief(stream.release(5)) == [(1, "off", 0, 60, 0)]  # sounds until the long note's end


def test_the_same_note_twice_at_once_is_one_note():
    plan = pattern_plan("[C4, C4^90, E4]")
    assert brief(messages([plan], 0, 1)) == [(0, "on", 0, 60, 100), (0, "on", 0, 64, 100)]


def test_two_tracks_on_one_channel_share_the_retrigger_rule():
    plans = track_plans("let a = MidiTrack(1); a << [C4]; let b = MidiTrack(1); b << [~ C4]")
    assert brief(messages(plans, 0, 1)) == [
        (0, "on", 0, 60, 100), (F(1, 2), "off", 0, 60, 0), (F(1, 2), "on", 0, 60, 100),
    ]


def test_at_one_time_note_offs_then_ccs_then_note_ons():
    plans = track_plans("let t = MidiTrack(2); t << [C4 E4]; t.cc(7) << [10 20]")
    found = messages(plans, 0, 1)
    at_half = [(m.kind, m.data1) for m in found if m.time == F(1, 2)]
    assert at_half == [(NOTE_OFF, 60), (CONTROL, 7), (NOTE_ON, 64)]
    assert [(m.kind, m.data1) for m in found if m.time == 0] == [(CONTROL, 7), (NOTE_ON, 60)]


def test_a_signal_cc_is_sampled_every_128th_cycle_and_sent_on_change_only():
    plans = track_plans("let t = MidiTrack(1); t << [C4]; t.cc(74) << Sine(0.25)")
    ccs = [(m.time, m.data2) for m in messages(plans, 0, 4) if m.kind == CONTROL]
    expected, last = [], None
    for k in range(4 * 128):
        value = math.floor((math.sin(2 * math.pi * 0.25 * k / 128) + 1) / 2 * 127 + 0.5)
        if value != last:
            expected.append((F(k, 128), value))
            last = value
    assert ccs == expected
    assert ccs[0] == (0, 64) and max(v for _, v in ccs) == 127 and min(v for _, v in ccs) == 0


def test_a_constant_cc_is_sent_once():
    plans = track_plans("let t = MidiTrack(1); t << [C4]; t.cc(7) << 100")
    assert [(m.time, m.data2) for m in messages(plans, 0, 3, windows=[0, 1, 2, 3]) if m.kind == CONTROL] == [(0, 100)]


def test_a_number_pattern_cc_is_sent_at_every_onset():
    plans = track_plans("let t = MidiTrack(1); t << [C4]; t.cc(1) << [0 64 64]")
    assert [(m.time, m.data2) for m in messages(plans) if m.kind == CONTROL] == [(0, 0), (F(1, 3), 64), (F(2, 3), 64)]


def test_transpose_applies_and_notes_outside_midi_are_left_out_and_counted():
    plans = track_plans("let t = MidiTrack(1); t << [C4 120 C-1]; t.transpose(12)")
    stream = MessageStream(min_length=TICK)
    found = stream.window(plans, 0, 1)
    assert [m.data1 for m in found if m.kind == NOTE_ON] == [72, 12]
    assert stream.dropped == 1


def test_a_velocity_of_zero_sends_nothing():
    assert messages([pattern_plan("[C4^0 E4]")]) == messages([pattern_plan("[~ E4]")])


def test_a_lane_of_names_is_a_clear_error():
    plan = pattern_plan('cat("up", "down")')  # names: "a" would be the note A4
    with pytest.raises(PatternError, match='the pattern plays "up", which is not a note'):
        messages([plan])


PROGRAMS = [
    "let t = MidiTrack(1); t << [C4 [E4 G4]*2 <C5 B4>](3,8); t.cc(74) << Sine(0.25); t.vel << Saw(2)",
    "let t = MidiTrack(2); t << [C4 C4 C4?].gate(2.5); t.cc(1) << [0 <64 32> 127]; t.gate(3/2)",
    "let a = MidiTrack(1); a << [C3,E3,G3].off(1/8, transpose(12)); let b = MidiTrack(1); b << [C3*3].swing(1/3)",
    "let t = MidiTrack(10); t << [C4*8?0.3 E4@3].degrade(0.2).strum(1/16); t.cc(7) << Perlin(1).range(20, 100)",
]


@settings(max_examples=60, deadline=None)
@given(
    program=st.sampled_from(PROGRAMS),
    cuts=st.lists(st.fractions(min_value=0, max_value=4, max_denominator=97), max_size=6),
    seed=st.integers(0, 3),
)
def test_any_cutting_into_windows_gives_the_same_messages(program, cuts, seed):
    """What the engine asks window by window is what export asks at once."""
    plans = track_plans(program)
    whole = messages(plans, 0, 4, seed=seed)
    windows = sorted({F(0), F(4), *cuts})
    assert messages(plans, windows=windows, seed=seed) == whole


@pytest.mark.parametrize("program", PROGRAMS)
def test_every_note_on_gets_exactly_one_note_off_after_it(program):
    plans = track_plans(program)
    stream = MessageStream(min_length=TICK)
    found = stream.window(plans, 0, 8) + stream.release(8)
    sounding: dict[tuple, F] = {}
    for m in found:
        key = (m.channel, m.data1)
        if m.kind == NOTE_ON:
            assert key not in sounding, f"{m} while {key} sounds"
            sounding[key] = m.time
        elif m.kind == NOTE_OFF:
            assert key in sounding and m.time >= sounding.pop(key) + TICK, m
    assert sounding == {}
