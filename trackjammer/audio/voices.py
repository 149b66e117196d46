"""The voices of the built-in synthesizer, one per General MIDI family.

Each channel plays the voice of its GM program's family (`programs.py`,
`voice_for`); channel 10 is the drum kit (`drums.py`).

A voice is a band-limited wavetable oscillator (sine, saw or square) with a
key-tracked low-pass filter whose cutoff CC74 moves, and an ADSR envelope.
The tables are made from their harmonics (so nothing aliases) and cached:
one per waveform, brightness (CC74 value) and octave.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from trackjammer.audio.timeline import SAMPLE_RATE

TABLE_SIZE = 2048


@dataclass(frozen=True)
class Voice:
    """How one GM family sounds on the built-in synthesizer."""

    family: str
    wave: str  # "sine", "saw" or "square"
    attack: float  # seconds
    decay: float  # seconds (an exponential fall to the sustain level)
    sustain: float  # level, 0..1
    release: float  # seconds (a straight fall to exact silence)
    cutoff: float  # the low-pass cutoff at CC74 = 64, in harmonics of the note
    gain: float
    second: float = 0.0  # a sine voice's second harmonic, for a little body


KEYS = Voice("piano and keys", "sine", 0.003, 0.6, 0.25, 0.12, 8.0, 0.45, second=0.35)
BASS = Voice("bass", "saw", 0.004, 0.25, 0.55, 0.06, 6.0, 0.45)
LEAD_SQUARE = Voice("square lead", "square", 0.008, 0.15, 0.75, 0.08, 10.0, 0.28)
LEAD_SAW = Voice("saw lead", "saw", 0.008, 0.15, 0.75, 0.08, 12.0, 0.28)
PAD = Voice("pad", "saw", 0.20, 0.40, 0.80, 0.35, 4.0, 0.25)
SINE = Voice("sine", "sine", 0.005, 0.20, 0.70, 0.10, 8.0, 0.45)


def voice_for(program: int) -> Voice:
    """The built-in voice of a GM program's family."""
    if program < 16:  # pianos and chromatic percussion
        return KEYS
    if 32 <= program < 40:  # basses
        return BASS
    if program == 80:  # square lead
        return LEAD_SQUARE
    if 80 <= program < 88:  # the other leads
        return LEAD_SAW
    if 88 <= program < 96:  # pads
        return PAD
    return SINE


def frequency(note: int) -> float:
    return 440.0 * 2.0 ** ((note - 69) / 12)


def cutoff_harmonics(voice: Voice, brightness: int) -> float:
    """CC74 moves the cutoff four octaves up (127) or down (0) from the voice's own."""
    return voice.cutoff * 2.0 ** ((brightness - 64) / 16)


@lru_cache(maxsize=4096)
def wavetable(wave: str, cutoff_tenths: int, second_hundredths: int, octave: int) -> np.ndarray:
    """One cycle of the waveform, TABLE_SIZE + 1 samples (the first repeated
    at the end, for interpolation), with only the harmonics below Nyquist for
    the highest note of `octave`, each weighted by a two-pole low-pass."""
    highest = frequency(12 * octave + 11)
    limit = max(1, min(TABLE_SIZE // 2 - 1, int(SAMPLE_RATE / 2 / highest)))
    k = np.arange(1, limit + 1, dtype=np.float64)
    if wave == "sine":
        amplitudes = np.zeros_like(k)
        amplitudes[0] = 1.0
        if limit >= 2:
            amplitudes[1] = second_hundredths / 100
    elif wave == "saw":
        amplitudes = 1.0 / k
    else:  # square: odd harmonics
        amplitudes = np.where(k % 2 == 1, 1.0 / k, 0.0)
    cutoff = cutoff_tenths / 10
    amplitudes = amplitudes / np.sqrt(1.0 + (k / cutoff) ** 4)
    spectrum = np.zeros(TABLE_SIZE // 2 + 1, dtype=np.complex128)
    spectrum[1: limit + 1] = -1j * amplitudes * TABLE_SIZE / 2  # sines: irfft of -i·a·N/2
    table = np.fft.irfft(spectrum, TABLE_SIZE)
    peak = np.max(np.abs(table))
    table = table / peak if peak > 0 else table
    return np.append(table, table[0]).astype(np.float32)


def table_for(voice: Voice, brightness: int, note: int) -> np.ndarray:
    cutoff = cutoff_harmonics(voice, brightness)
    return wavetable(voice.wave, max(1, round(cutoff * 10)), round(voice.second * 100), max(0, note // 12 - 1))


def envelope(voice: Voice, held: int) -> np.ndarray:
    """The ADSR gain of a note held `held` frames, then released: attack and
    decay while held, a straight release from wherever it got to down to
    exact silence. Read only: notes of one length share it (synth.py)."""
    attack = max(1, round(voice.attack * SAMPLE_RATE))
    release = max(1, round(voice.release * SAMPLE_RATE))
    t = np.arange(held, dtype=np.float64)
    rising = t / attack
    falling = voice.sustain + (1.0 - voice.sustain) * np.exp(-5.0 * (t - attack) / (voice.decay * SAMPLE_RATE))
    shape = np.where(t < attack, rising, falling)
    level = shape[-1] if held else 0.0
    tail = level * (1.0 - np.arange(1, release + 1, dtype=np.float64) / release)
    shape = np.concatenate([shape, tail]).astype(np.float32)
    shape.flags.writeable = False
    return shape


def phase(note: int, first: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Where in the table each of `count` samples of the note falls, from
    sample `first` of the note (so segments of one note join in phase): the
    table index below, and the fraction of the way to the next."""
    step = frequency(note) / SAMPLE_RATE
    position = ((np.arange(first, first + count, dtype=np.float64) * step) % 1.0) * TABLE_SIZE
    index = position.astype(np.int64)
    return index, (position - index).astype(np.float32)


def lookup(table: np.ndarray, index: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """The table read at those places, linearly interpolated."""
    low = table[index]
    return low + fraction * (table[index + 1] - low)


def oscillate(table: np.ndarray, note: int, first: int, count: int) -> np.ndarray:
    """`count` samples of the table at the note's pitch, from sample `first`
    of the note (so segments of one note join in phase)."""
    return lookup(table, *phase(note, first, count))
