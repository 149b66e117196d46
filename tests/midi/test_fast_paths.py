"""The export's fast paths give exactly what the general ones give.

`layout` sorts only the ticks that need it, `TrackEncoder.add_laid_out`
writes laid-out messages in one loop, a CC lane holding a signal is read in
one loop (`MessageStream._signal_cc`), windows sort by the time's float with
its numerator and denominator breaking ties, and `midi_export` runs with
the cyclic garbage collector paused. Each is checked here against the plain
way it replaced, on made-up input built to reach its corners.
"""

from __future__ import annotations

import gc
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trackjammer.core  # noqa: F401  (registers the pattern functions)
from trackjammer.core.event import Event
from trackjammer.core.pattern import Pattern
from trackjammer.core.signals import Signal
from trackjammer.core.span import TimeSpan
from trackjammer.errors import TrackJammerError
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.collector import collector_paused
from trackjammer.midi.encoder import TrackEncoder
from trackjammer.midi.messages import (
    CONTROL, NOTE_OFF, NOTE_ON, PRESSURE, PROGRAM, Message, MessageStream, TrackPlan, plan_of_track, sending_order,
)
from trackjammer.midi.smf import layout, to_tick
from trackjammer.session import Session

TICK = F(1, 1920)


def plain_layout(messages: list[Message], per_cycle: int) -> list[tuple[int, Message]]:
    """The layout `layout` replaced: every message's tick, the notes of no
    tick taken out, then one stable sort of everything by tick and kind."""
    timed = [(to_tick(m.time, per_cycle), m) for m in messages]
    sounding, empty = {}, set()
    for i, (tick, m) in enumerate(timed):
        if m.kind == NOTE_ON:
            sounding[m.channel, m.data1] = i
        elif m.kind == NOTE_OFF:
            on = sounding.pop((m.channel, m.data1), None)
            if on is not None and timed[on][0] == tick:
                empty.update((on, i))
    timed = [tm for i, tm in enumerate(timed) if i not in empty]
    timed.sort(key=lambda tm: (tm[0], tm[1].kind))
    return timed


# Times a few hundredths of a tick apart, so several round to one tick in
# any order of kinds; notes on two channels and a few pitches.
times = st.integers(0, 4000).map(lambda n: F(n, 48 * 1920 // 100) / 25)
messages_strategy = st.lists(
    st.tuples(times, st.sampled_from([NOTE_OFF, PROGRAM, CONTROL, PRESSURE, NOTE_ON]), st.integers(0, 1),
              st.integers(60, 62), st.integers(1, 127)),
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(found=messages_strategy, in_time_order=st.booleans())
def test_layout_is_the_one_stable_sort_by_tick_and_kind(found, in_time_order):
    messages = [Message(t, kind, 0, channel, note, value) for t, kind, channel, note, value in found]
    if in_time_order:  # as the stream gives them: only ticks two times round to can be out of order
        messages.sort(key=sending_order)
    assert layout(messages, 1920) == plain_layout(messages, 1920)


def test_layout_sorts_a_tick_that_two_times_round_to():
    """A CC late in tick 1 and a note-off early in it: the file has the off first."""
    cc = Message(F(3, 4) * TICK + TICK / 2, CONTROL, 0, 0, 7, 50)  # 1.25 ticks: tick 1
    off = Message(F(6, 5) * TICK + TICK / 10, NOTE_OFF, 0, 0, 60, 0)  # 1.3 ticks: tick 1
    on = Message(F(0), NOTE_ON, 0, 0, 60, 90)
    assert layout([on, cc, off], 1920) == [(0, on), (1, off), (1, cc)]


def general_encoding(timed: list[tuple[int, Message]], channel: int) -> bytes:
    track = TrackEncoder(channel)
    for tick, m in timed:
        track.add(tick, m.kind, m.data1, m.data2)
    return track.close(4 * 1920, "t")


@settings(max_examples=300, deadline=None)
@given(found=messages_strategy)
def test_add_laid_out_writes_what_add_writes(found):
    """Re-triggers, note-offs of pitches not sounding, running status across
    kinds, long deltas: the one loop and the general encoder agree."""
    timed = layout([Message(t, kind, 0, 3, note, value) for t, kind, _, note, value in found], 1920)
    fast = TrackEncoder(3)
    fast.add_laid_out(timed)
    assert fast.close(4 * 1920, "t") == general_encoding(timed, 3)
    assert fast.messages == len(timed)


def session_of(source: str) -> Session:
    session = Session(out=lambda text: None)
    Interpreter(session).execute(source)
    return session


SIGNAL_LANES = [
    "Sine(0.25)", "Saw(3).range(20, 100)", "Rand().range(-40, 200)", "Tri(1) * 0.5", "Sine(1).range(0.2, 0.7)",
    "Square(2).range(-1, 130)",
]


@pytest.mark.parametrize("lane", SIGNAL_LANES)
def test_a_signal_cc_lane_read_in_one_loop_sends_what_a_queried_lane_sends(lane):
    """The same signal as a Signal (read by `sample`) and hidden behind a
    plain pattern (read by point queries): the same messages, window after
    window (the last value sent carries over)."""
    session = session_of(f"let t = MidiTrack(3); t << [C4 E4]; t.cc(74) << {lane}")
    plan = plan_of_track(session.tracks()[0], 0)
    ((controller, signal),) = plan.cc_lanes
    hidden = TrackPlan(0, plan.channel, plan.velocity, plan.notes, cc_lanes=((controller, Pattern(signal.query)),))
    cuts = [F(0), F(1, 3), F(1), F(9, 4), F(3)]
    fast, general = MessageStream(min_length=TICK), MessageStream(min_length=TICK)
    for a, b in zip(cuts, cuts[1:]):
        assert fast.window([plan], a, b, seed=5) == general.window([hidden], a, b, seed=5)


def test_a_signal_cc_lane_of_names_is_the_same_clear_error():
    session = session_of("let t = MidiTrack(1); t << [C4]")
    session.names["t"].cc_lanes[7] = Signal(lambda t, seed: "loud")
    with pytest.raises(TrackJammerError, match="the CC lane of track 't' holds \"loud\", not a number"):
        MessageStream().window([plan_of_track(session.tracks()[0], 0)], 0, 1)


def at(*notes: tuple[F, int]) -> Pattern:
    """A pattern of notes a sixteenth long at the given times (every cycle the same)."""
    def query(state):
        return [Event(TimeSpan(t, t + F(1, 16)), TimeSpan(t, t + F(1, 16)), note) for t, note in notes
                if state.span.begin <= t < state.span.end]
    return Pattern(query)


def test_times_one_float_apart_by_less_than_its_precision_keep_their_exact_order():
    """1/3 and a time just below it have one float; the smaller has the far
    larger numerator. Ordering by float, then numerator, would put it
    second; a window made of such times is sorted by the exact times."""
    third, below = F(1, 3), F(10**20, 3 * 10**20 + 1)
    assert float(third) == float(below) and below < third and below.numerator > third.numerator
    stream = MessageStream(min_length=F(1, 10**30))
    found = stream.window([TrackPlan(0, 0, 100, at((third, 64), (below, 60)))], 0, 1)
    assert [(m.time, m.kind, m.data1) for m in found] == [
        (below, NOTE_ON, 60), (third, NOTE_ON, 64), (below + F(1, 16), NOTE_OFF, 60), (third + F(1, 16), NOTE_OFF, 64)]


def test_note_offs_one_float_apart_come_due_in_their_exact_order():
    """The heap of note-offs compares floats first; a tie is settled exactly,
    so an off due just before the window's end is sent in this window."""
    end = F(1, 2)
    just_before = end - F(1, 10**25)
    assert float(just_before) == float(end)
    stream = MessageStream(min_length=F(1, 10**30))
    plan = TrackPlan(0, 0, 100, at((just_before - F(1, 16), 60)))
    found = stream.window([plan], 0, end)
    assert [(m.time, m.kind) for m in found] == [(just_before - F(1, 16), NOTE_ON), (just_before, NOTE_OFF)]


SONG = ("let a = MidiTrack(1); a << [C4 [E4 G4]]*4; a.cc(74) << Sine(0.25);"
        " let b = MidiTrack(2); b << [C3,G3]*2; b.bend << Saw(1)")


def test_midi_export_pauses_the_collector_and_turns_it_back_on(tmp_path):
    """The collector is off while the song is worked out (a signal records
    it as it is read), and on again afterwards."""
    seen = []
    session = session_of(SONG)
    session.names["a"].cc_lanes[1] = Signal(lambda t, seed: seen.append(gc.isenabled()) or 0.5)
    assert gc.isenabled()
    Interpreter(session).execute(f'midi_export(#[a, b], 2, "{tmp_path / "song.mid"}")')
    assert seen and not any(seen)
    assert gc.isenabled()


def test_a_failing_export_turns_the_collector_back_on(tmp_path):
    session = session_of('let t = MidiTrack(1); t << cat(60, 64, "up")')  # the third cycle fails
    with pytest.raises(TrackJammerError, match="plays \"up\", which is not a note"):
        Interpreter(session).execute(f'midi_export(t, 4, "{tmp_path / "song.mid"}")')
    assert gc.isenabled() and not (tmp_path / "song.mid").exists()


def test_the_collector_stays_off_when_it_was_off():
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_export_leaves_no_cyclic_garbage_behind(tmp_path):
    """Why pausing the collector costs no memory: nothing the export made
    waits for it."""
    session = session_of(SONG + '; let m = MpeTrack(members: 3); m << [[C4, E4, G4, B4]]*2; m.timbre << Sine(1)')
    gc.collect()
    with collector_paused():
        Interpreter(session).execute(f'midi_export(#[a, b, m], 16, "{tmp_path / "song.mid"}")')
        assert gc.collect() == 0
