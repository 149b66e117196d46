"""The FluidSynth route, over the system's libfluidsynth and a GM SoundFont,
read back from the .wav."""

from __future__ import annotations

import json

import numpy as np

from tests.audio.conftest import RATE, read_wav, run

HALF = RATE // 2


def test_fluidsynth_renders_the_notes_at_their_times(in_tmp, fluidsynth_ready):
    value, printed = run('let k = MidiTrack(8); k << [~ C4 ~ ~]; render(k, 2, "f.wav", synth: "fluidsynth")')
    assert value == "f.wav" and printed == []
    wav = read_wav(in_tmp / "f.wav")
    assert (wav.rate, wav.width, wav.channels) == (44100, 2, 2)
    assert wav.frames == 2 * 2 * RATE + 2 * RATE
    assert wav.silent(0, HALF)  # nothing has played yet
    assert wav.sounding_everywhere(HALF, 2 * HALF)
    assert wav.rms(HALF, 2 * HALF) > 100


def test_fluidsynth_pan_follows_cc10(in_tmp, fluidsynth_ready):
    run('let k = MidiTrack(8); k << [C4 ~ C4 ~]; k.cc(10) << [0 127]; render(k, 1, "p.wav", synth: "fluidsynth", tail: 0)')
    wav = read_wav(in_tmp / "p.wav")
    first, second = slice(0, HALF), slice(RATE, RATE + HALF)
    left_first, right_first = (np.sqrt(np.mean(wav.samples[first, c].astype(float) ** 2)) for c in (0, 1))
    left_second, right_second = (np.sqrt(np.mean(wav.samples[second, c].astype(float) ** 2)) for c in (0, 1))
    assert left_first > 4 * right_first and right_second > 4 * left_second


def test_fluidsynth_velocity_to_gain(in_tmp, fluidsynth_ready):
    run('let k = MidiTrack(8); k << [C4^120 ~ C4^40 ~]; render(k, 1, "v.wav", synth: "fluidsynth", tail: 0)')
    wav = read_wav(in_tmp / "v.wav")
    assert wav.rms(0, HALF) > 2 * wav.rms(RATE, RATE + HALF) > 0


def test_auto_uses_fluidsynth_when_a_soundfont_is_there(in_tmp, fluidsynth_ready):
    value, _ = run('let d = MidiTrack(10); d << [C2 D2]; render(d, 1)')
    described = json.loads((in_tmp / value).with_name("render.json").read_text())
    assert (described["synth"], described["soundfont"]) == ("fluidsynth", str(fluidsynth_ready))
    wav = read_wav(in_tmp / value)
    assert wav.rms(0, 4410) > 100 and wav.rms(RATE, RATE + 4410) > 100  # the kick, the snare


def test_soundfont_chooses_the_font_and_auto_then_plays_through_it(in_tmp, fluidsynth_ready, monkeypatch):
    from trackjammer.audio import fluid

    monkeypatch.setattr(fluid, "SEARCH", [])  # nothing found by itself: only the chosen font
    value, _ = run(f'print(soundfont()); print(soundfont("{fluidsynth_ready}")); print(soundfont()); render([C4], 1)')
    assert _[:3] == ["none", str(fluidsynth_ready.resolve()), str(fluidsynth_ready.resolve())]
    described = json.loads((in_tmp / value).with_name("render.json").read_text())
    assert described["synth"] == "fluidsynth" and described["soundfont"] == str(fluidsynth_ready.resolve())
    snapshot = (in_tmp / value).with_name("snapshot.tj").read_text()
    assert snapshot.endswith(f'soundfont("{fluidsynth_ready.resolve()}");\n')
