"""What makes long renders fast changes no sample (or stays within a stated
tolerance): equal notes synthesized once and shared (audio/synth.py), frames
worked out in whole numbers (audio/timeline.py), FluidSynth loading only the
presets a song plays (audio/fluid.py)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.audio.conftest import RATE
from trackjammer.audio import fluid, synth
from trackjammer.audio.synth import Shared, render_builtin
from trackjammer.audio.timeline import frames_of, timed_messages
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.messages import plan_of_track
from trackjammer.midi.smf import export_messages, layout
from trackjammer.session import Session

SONG = """
let bass = MidiTrack(1, 90); bass << [C2 C2 Eb2 G2].fast(4); bass.program(33); bass.cc(74) << [20 100 60 127];
let lead = MidiTrack(2, 100); lead << [C5 ~ Eb5 G5 ~ Bb5 G5 ~].every(2, rev); lead.cc(10) << Saw(1); lead.program(80);
let pad = MidiTrack(3, 80); pad << [<[C3,G3,Bb3,D4] [Ab2,Eb3,G3,C4]>]; pad.cc(74) << Sine(0.25); pad.program(90);
let keys = MidiTrack(4, 90); keys << [~ [C4,Eb4,G4] ~ [Bb3,D4,F4]].fast(2); keys.cc(7) << Tri(1).range(50, 127);
let drums = MidiTrack(10, 110); drums << [C2 F#2 [D2 C2] F#2, ~ F#2*4, [~ ~ ~ A#2]];
let swept = MidiTrack(5); swept << [E4 E4@3]; swept.cc(74) << Saw(2);
"""
CYCLES = 4
CPS = Fraction(1, 2)


def timed_song():
    session = Session(out=lambda text: None)
    Interpreter(session).execute(SONG)
    plans = [plan_of_track(track, i) for i, track in enumerate(session.tracks())]
    messages, _ = export_messages(plans, CYCLES, 0, 4)
    frames = CYCLES * 2 * RATE + RATE  # a second of tail
    return timed_messages(layout(messages, 1920), 1920, CPS), frames


def plain_fraction_frames(ticks, per_cycle: int, cps) -> int:
    """frames_of as it was: Fraction arithmetic."""
    exact = Fraction(ticks) * RATE / (per_cycle * cps)
    return (2 * exact.numerator + exact.denominator) // (2 * exact.denominator)


@settings(max_examples=500, deadline=None)
@given(ticks=st.one_of(st.integers(0, 10**9), st.fractions(min_value=0, max_value=10**6)),
       per_cycle=st.sampled_from([1920, 1440, 480 * 7, 480]),
       cps=st.fractions(min_value=Fraction(1, 1000), max_value=50, max_denominator=1000))
def test_frames_in_whole_numbers_are_the_fraction_arithmetic(ticks, per_cycle, cps):
    assert frames_of(ticks, per_cycle, cps) == plain_fraction_frames(ticks, per_cycle, cps)
    if isinstance(ticks, int):
        ((frame, *_),) = timed_messages([(ticks, _Message())], per_cycle, cps)
        assert frame == plain_fraction_frames(ticks, per_cycle, cps)


class _Message:
    kind, channel, data1, data2 = 5, 0, 60, 100


def test_shared_notes_give_the_very_samples_of_notes_made_one_by_one(monkeypatch: pytest.MonkeyPatch):
    """Repeated notes, CC74 steps and sweeps (crossfades), programs, volume,
    pan and drums: the mix with notes shared equals, sample for sample, the
    mix where every note is made on its own (a budget of one entry)."""
    timed, frames = timed_song()
    shared = render_builtin(timed, frames)
    monkeypatch.setattr(synth, "Shared", lambda: Shared(budget=0))
    alone = render_builtin(timed, frames)
    assert np.abs(shared).max() > 0.1
    assert np.array_equal(shared, alone)


def test_what_a_render_keeps_stays_within_its_budget():
    kept = Shared(budget=100_000)
    for pitch in range(40):
        kept.get(("tone", pitch), lambda: np.zeros(10_000, dtype=np.float32))  # 40 kB each
    assert kept.size <= 100_000 and len(kept.items) == 2
    assert list(kept.items) == [("tone", 38), ("tone", 39)]  # the least recently used went first
    made = []
    kept.get(("tone", 38), lambda: made.append(1) or np.zeros(1, dtype=np.float32))
    assert made == []  # found, not made again


def test_fluidsynth_loading_only_the_presets_played_sounds_the_same(fluidsynth_ready, monkeypatch: pytest.MonkeyPatch):
    """Loading a preset's samples when a channel selects it (not the whole
    SoundFont) changes the mix by less than -80 dBFS: FluidSynth's cut of a
    fading voice at the noise floor may land a sample apart (measured: 2e-5
    at most, with drums). Before FluidSynth 2.4.4 it is not used: with a font
    that does not pad its samples (Debian's TimGM6mb) every drum hit ended in
    a click (0.18 here, with libfluidsynth 2.3.1)."""
    timed, frames = timed_song()
    dynamic = fluid.render_fluid(timed, frames, fluidsynth_ready)
    monkeypatch.setattr(fluid, "DYNAMIC_SAMPLES", "no.such-setting")  # FluidSynth ignores it: the whole font loads
    everything = fluid.render_fluid(timed, frames, fluidsynth_ready)
    assert np.abs(everything).max() > 0.05
    assert np.abs(dynamic - everything).max() < 1e-4


def test_the_fluidsynth_version_is_read_from_the_library(fluidsynth_ready):
    version = fluid.library_version(fluid._library())
    assert len(version) == 3 and (2, 0, 0) <= version < (3, 0, 0)
