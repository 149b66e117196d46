"""The built-in synthesizer, read back from the .wav: exact length, sound
exactly where notes play and silence where none do, velocity and CC7 to
gain, CC10 to pan, nothing clipped."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.audio.conftest import RATE, read_wav, run
from trackjammer.audio.synth import DRUM_GAIN, RAMP, pan_gains
from trackjammer.audio.voices import BASS, KEYS, LEAD_SQUARE
from trackjammer.audio.wav import CEILING

SECOND = RATE
HALF = RATE // 2  # a quarter of a cycle at cps 0.5: one step of [a b c d]
KEYS_RELEASE = 5292  # 0.12 s: program 0's voice's release (every melodic channel's without program()), in frames
BASS_RELEASE = 2646  # 0.06 s: program 38's (Synth Bass 1)
LEAD_RELEASE = 3528  # 0.08 s: program 80's (Lead 1, square)


def render(program: str, tmp_path: Path, name: str = "out.wav"):
    value, printed = run(program.replace("{path}", f'"{tmp_path / name}"'))
    assert value == str(tmp_path / name)
    return read_wav(tmp_path / name), printed


def test_the_releases_the_tests_count_on():
    assert round(BASS.release * RATE) == BASS_RELEASE and round(LEAD_SQUARE.release * RATE) == LEAD_RELEASE
    assert round(KEYS.release * RATE) == KEYS_RELEASE


def test_format_and_length_are_cycles_over_cps_plus_the_tail(tmp_path):
    wav, printed = render('render([C4 ~ ~ ~], 2, {path}, synth: "builtin")', tmp_path)
    assert (wav.rate, wav.width, wav.channels) == (44100, 2, 2)
    assert wav.frames == 2 * 2 * RATE + 2 * RATE  # 2 cycles at cps 0.5, then the default 2 s tail
    assert printed == []


@pytest.mark.parametrize("setup, cycles, tail, frames", [
    ("cps(0.55);", 3, "1.5", 240545 + 66150),  # 3 / 0.55 s = 240545.45… frames, rounded
    ("cps(1); beats_per_cycle(3);", 5, "0", 5 * RATE),
    ("cps(0.25);", 1, "1/4", 4 * RATE + 11025),
])
def test_length_at_other_tempos_and_tails(tmp_path, setup, cycles, tail, frames):
    wav, _ = render(f'{setup} render([C4 E4], {cycles}, {{path}}, synth: "builtin", tail: {tail})', tmp_path)
    assert wav.frames == frames


def test_sound_where_notes_play_and_exact_silence_where_none_do(tmp_path):
    wav, _ = render('render([C3 ~ ~ ~], 2, {path}, synth: "builtin")', tmp_path)
    cycle = 2 * SECOND
    for start in (0, cycle):
        assert wav.sounding_everywhere(start, start + HALF + KEYS_RELEASE - 441)
        assert wav.silent(start + HALF + KEYS_RELEASE, start + cycle)
    assert wav.silent(2 * cycle, wav.frames)  # the tail: nothing left to ring


def test_a_note_starts_at_the_frame_of_its_tick(tmp_path):
    """cps 0.55, 3 beats: the second third of a cycle is tick 480, frame
    round(480 × 44100 / (1440 × 0.55)) = 26727."""
    wav, _ = render('cps(0.55); beats_per_cycle(3); render([~ C4 ~], 1, {path}, synth: "builtin", tail: 0)', tmp_path)
    assert wav.silent(0, 26728)  # the onset's own sample is the start of the attack: zero
    assert wav.sounding_everywhere(26728, 26728 + 441 * 20)


def test_notes_still_sounding_at_the_end_are_cut_there_and_ring_out_in_the_tail(tmp_path):
    wav, _ = render('render([C3], 1, {path}, synth: "builtin")', tmp_path)
    end = 2 * SECOND
    assert wav.sounding_everywhere(end - 441, end + KEYS_RELEASE - 441)
    assert wav.silent(end + KEYS_RELEASE, wav.frames)


def test_velocity_to_gain_is_squared(tmp_path):
    wav, _ = render('render([C4^100 ~ C4^50 ~], 1, {path}, synth: "builtin", tail: 0)', tmp_path)
    loud, soft = wav.rms(0, HALF), wav.rms(SECOND, SECOND + HALF)
    assert loud / soft == pytest.approx(4.0, rel=1e-3)


def test_cc7_volume_to_gain_is_squared(tmp_path):
    wav, _ = render(
        'let t = MidiTrack(2); t << [C4 ~ C4 ~]; t.cc(7) << [127 64]; render(t, 1, {path}, synth: "builtin", tail: 0)',
        tmp_path)
    loud, soft = wav.rms(RAMP, HALF), wav.rms(SECOND + RAMP, SECOND + HALF)  # after the change's glide
    assert loud / soft == pytest.approx((127 / 64) ** 2, rel=1e-3)


def test_pan_follows_cc10(tmp_path):
    wav, _ = render(
        'let t = MidiTrack(2); t << [C4 C4 C4 C4]; t.cc(10) << [0 127 64 32]; render(t, 1, {path}, synth: "builtin", tail: 0)',
        tmp_path)
    quarter = HALF
    # each pan change glides over RAMP frames from the frame of its CC
    left_only, right_only, middle, left_of_middle = (slice(i * quarter + RAMP, (i + 1) * quarter) for i in range(4))
    assert not np.any(wav.samples[:quarter, 1]) and wav.sounding_everywhere(0, quarter)
    assert not np.any(wav.samples[right_only, 0]) and np.any(wav.samples[right_only, 1])
    assert np.any(wav.samples[quarter: quarter + RAMP, 0])  # the glide from hard left
    assert np.array_equal(wav.samples[middle, 0], wav.samples[middle, 1]) and np.any(wav.samples[middle, 0])
    left, right = pan_gains(32)
    energy_left = np.sqrt(np.mean(wav.samples[left_of_middle, 0].astype(float) ** 2))
    energy_right = np.sqrt(np.mean(wav.samples[left_of_middle, 1].astype(float) ** 2))
    assert energy_left / energy_right == pytest.approx(left / right, rel=1e-3)
    assert pan_gains(64) == pytest.approx((np.sqrt(0.5), np.sqrt(0.5)))


def test_cc74_brightness_adds_harmonics(tmp_path):
    wav, _ = render(
        'let t = MidiTrack(1); t.program(38); t << [C3 ~ C3 ~]; t.cc(74) << [10 120]; render(t, 1, {path}, synth: "builtin", tail: 0)',
        tmp_path)

    def high_share(start: int) -> float:
        spectrum = np.abs(np.fft.rfft(wav.left(start, start + 8192) * np.hanning(8192))) ** 2
        frequencies = np.fft.rfftfreq(8192, 1 / RATE)
        return float(spectrum[frequencies > 1000].sum() / spectrum.sum())

    dark, bright = high_share(0), high_share(SECOND)
    assert dark < 0.001 and bright > 0.05


def test_channel_10_is_a_drum_kit_that_plays_through_its_note_off(tmp_path):
    wav, _ = render(
        'let d = MidiTrack(10); d << [C2 ~ ~ ~]; d.gate(1/8); render(d, 1, {path}, synth: "builtin", tail: 0)', tmp_path)
    kick = round(0.45 * RATE)  # the kick's one-shot, whatever the note's length (1/32 cycle)
    assert wav.sounding_everywhere(0, kick - 2205)
    assert wav.silent(kick, wav.frames)
    assert DRUM_GAIN * (100 / 127) ** 2 < CEILING


def test_nothing_clips_the_loudest_sample_sits_at_the_ceiling(tmp_path):
    program = ";".join(
        f'let t{c} = MidiTrack({c}, 127); t{c} << [C2,E2,G2,C3,E3,G3,C4,E4,G4,B4]' for c in (1, 2, 5, 6)
    ) + '; render(#[t1, t2, t5, t6], 1, {path}, synth: "builtin")'
    wav, _ = render(program, tmp_path)
    assert int(np.max(np.abs(wav.samples.astype(np.int32)))) == round(32767 * CEILING)  # 29204: −1 dBFS


def test_a_quiet_render_keeps_its_level(tmp_path):
    """No normalisation upwards: one soft note stays as soft as it is."""
    wav, _ = render('render([C4^20], 1, {path}, synth: "builtin", tail: 0)', tmp_path)
    peak = int(np.max(np.abs(wav.samples.astype(np.int32))))
    assert 0 < peak < 32767 * 0.05


def test_the_same_render_gives_the_same_bytes(tmp_path):
    program = 'let d = MidiTrack(10); d << [C2 D2 F#2 [D2 C2]]; let k = MidiTrack(4); k << [C4,E4,G4]; render(#[d, k], 2, {path}, synth: "builtin")'
    render(program, tmp_path, "one.wav")
    render(program, tmp_path, "two.wav")
    assert (tmp_path / "one.wav").read_bytes() == (tmp_path / "two.wav").read_bytes()


def test_a_track_plays_the_voice_of_its_program_from_where_it_is_set_and_program_0_without_one(tmp_path):
    """Issue 18: as a GM player plays the .mid. The same C3 on channel 1:
    program 0's release (0.12 s) without program(), program 38's (0.06 s)
    with it."""
    plain, _ = render('let t = MidiTrack(1); t << [C3 ~]; render(t, 1, {path}, synth: "builtin", tail: 0)', tmp_path, "a.wav")
    bass, _ = render('let t = MidiTrack(1); t.program(38); t << [C3 ~]; render(t, 1, {path}, synth: "builtin", tail: 0)',
                     tmp_path, "b.wav")
    end = SECOND  # the note's end: half of a cycle at cps 0.5
    assert plain.sounding_everywhere(end, end + KEYS_RELEASE - 441) and plain.silent(end + KEYS_RELEASE, plain.frames)
    assert bass.sounding_everywhere(end, end + BASS_RELEASE - 441) and bass.silent(end + BASS_RELEASE, bass.frames)
