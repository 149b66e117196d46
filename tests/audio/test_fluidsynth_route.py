"""The FluidSynth route, over the system's libfluidsynth and a GM SoundFont,
read back from the .wav."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

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


# The GM SoundFonts docs/audio.md recommends, where Debian puts them.
RECOMMENDED = {"FluidR3": Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"), "TimGM6mb": Path("/usr/share/sounds/sf2/TimGM6mb.sf2")}


def _balance(wav, start: int, end: int) -> float:
    """Where the sound of [start, end) sits: (L - R) / (L + R) of the two
    channels' RMS; 1 all left, 0 centred, -1 all right."""
    left, right = (float(np.sqrt(np.mean(wav.samples[start:end, c].astype(float) ** 2))) for c in (0, 1))
    return (left - right) / (left + right)


@pytest.mark.parametrize("font", ["default", *RECOMMENDED])
def test_fluidsynth_pan_follows_cc10(in_tmp, fluidsynth_ready, font):
    """CC10 moves a note from where the SoundFont places it. A mono piano
    (TimGM6mb) goes hard left and right; FluidR3's piano is sampled in
    stereo (low keys left), so pan 0 and 127 only shift it. What holds for
    every GM font: the same note at pan 0, 64 and 127 moves clearly left,
    then clearly right."""
    path = fluidsynth_ready if font == "default" else RECOMMENDED[font]
    if not path.is_file():
        pytest.skip(f"{path} is not installed")
    run(f'soundfont("{path}"); let k = MidiTrack(8); k << [C4 ~ C4 ~ C4 ~]; k.cc(10) << [0 64 127]; '
        'render(k, 1, "p.wav", synth: "fluidsynth", tail: 0)')
    wav = read_wav(in_tmp / "p.wav")
    sixth = 2 * RATE // 6  # one cycle is 2 s; each note sounds for a sixth of it
    hard_left, centre, hard_right = (_balance(wav, 2 * i * sixth, (2 * i + 1) * sixth) for i in range(3))
    assert hard_left - centre > 0.1 and centre - hard_right > 0.1, (hard_left, centre, hard_right)


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


def test_fluidsynth_plays_program_0_by_default_and_a_tracks_program_where_set(in_tmp, fluidsynth_ready):
    """Issue 18: as a GM player plays the .mid. Channel 1 without program()
    is the piano (the same samples as program(0)); program(38) is another
    instrument; a bend moves the pitch."""
    run('let k = MidiTrack(1); k << [C3 ~]; render(k, 1, "plain.wav", synth: "fluidsynth", tail: 0);'
        'k.program(0); render(k, 1, "zero.wav", synth: "fluidsynth", tail: 0);'
        'k.program(38); render(k, 1, "bass.wav", synth: "fluidsynth", tail: 0);'
        'k.program(0); k.bend << 1; render(k, 1, "bent.wav", synth: "fluidsynth", tail: 0)')
    plain, zero, bass, bent = (read_wav(in_tmp / f"{name}.wav") for name in ("plain", "zero", "bass", "bent"))
    assert plain.rms(0, HALF) > 100
    assert np.array_equal(plain.samples, zero.samples)
    assert not np.allclose(plain.samples[:HALF].astype(float), bass.samples[:HALF].astype(float), atol=200)
    assert not np.allclose(plain.samples[:HALF].astype(float), bent.samples[:HALF].astype(float), atol=200)
