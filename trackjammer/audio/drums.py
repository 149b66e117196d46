"""The built-in drum kit on channel 10, by General MIDI drum note.

Each sound is a one-shot made once per render from sine sweeps and noise
(the noise from a fixed seed, so a render is the same every time). A drum
plays to its end whatever its note-off says, as GM drums do. Notes the kit
has no sound for get a short tuned click.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from trackjammer.audio.timeline import SAMPLE_RATE

KICKS = {35, 36}
SNARES = {38, 40}
CLOSED_HATS = {42, 44}
OPEN_HATS = {46}
CYMBALS = {49, 52, 55, 57}
RIDES = {51, 53, 59}
TOMS = {41, 43, 45, 47, 48, 50}
CLAP = 39
SIDE_STICK = 37
LONGEST = 1.6  # seconds: the crash


def _time(seconds: float) -> np.ndarray:
    return np.arange(round(seconds * SAMPLE_RATE), dtype=np.float64) / SAMPLE_RATE


def _noise(seconds: float, salt: int) -> np.ndarray:
    return np.random.default_rng(1000 + salt).uniform(-1.0, 1.0, round(seconds * SAMPLE_RATE))


def _bright(noise: np.ndarray) -> np.ndarray:
    """High-passed noise: the second difference keeps the hiss, drops the rumble."""
    return np.diff(noise, n=2, prepend=[0.0, 0.0]) / 4


def _sweep(seconds: float, start_hz: float, end_hz: float, fall: float) -> np.ndarray:
    """A sine gliding from start_hz to end_hz (time constant `fall`)."""
    t = _time(seconds)
    hz = end_hz + (start_hz - end_hz) * np.exp(-t / fall)
    return np.sin(2 * np.pi * np.cumsum(hz) / SAMPLE_RATE)


def _decay(seconds: float, time_constant: float) -> np.ndarray:
    """An exponential fall that ends at exact silence on the last sample."""
    t = _time(seconds)
    return np.exp(-t / time_constant) * (1.0 - t / seconds)


@lru_cache(maxsize=128)
def drum(note: int) -> np.ndarray:
    """The one-shot of a GM drum note, float32, peak about 1."""
    if note in KICKS:
        sound = _sweep(0.45, 160.0, 48.0, 0.03) * _decay(0.45, 0.14)
    elif note in SNARES:
        sound = 0.75 * _bright(_noise(0.3, note)) * _decay(0.3, 0.06) * 2 + 0.5 * _sweep(0.3, 220.0, 180.0, 0.05) * _decay(0.3, 0.04)
    elif note == SIDE_STICK:
        sound = _sweep(0.08, 900.0, 700.0, 0.01) * _decay(0.08, 0.012)
    elif note == CLAP:
        t = _time(0.25)
        bursts = sum(np.where((t >= d) & (t < d + 0.01), 1.0, 0.0) for d in (0.0, 0.012, 0.024))
        sound = _bright(_noise(0.25, note)) * 2 * np.maximum(bursts, _decay(0.25, 0.05) * (t >= 0.024))
    elif note in CLOSED_HATS:
        sound = _bright(_noise(0.09, note)) * 2 * _decay(0.09, 0.02)
    elif note in OPEN_HATS:
        sound = _bright(_noise(0.45, note)) * 2 * _decay(0.45, 0.12)
    elif note in CYMBALS:
        sound = _bright(_noise(LONGEST, note)) * 2 * _decay(LONGEST, 0.45)
    elif note in RIDES:
        t = _time(0.9)
        bell = np.sin(2 * np.pi * 3100 * t) * 0.15 + np.sin(2 * np.pi * 4700 * t) * 0.1
        sound = (_bright(_noise(0.9, note)) * 1.2 + bell) * _decay(0.9, 0.3)
    elif note in TOMS:
        pitch = 70.0 + (note - 41) * 14.0
        sound = _sweep(0.4, pitch * 1.6, pitch, 0.04) * _decay(0.4, 0.12)
    else:
        pitch = 200.0 * 2.0 ** ((note - 60) / 12)
        sound = (_sweep(0.12, pitch * 1.5, pitch, 0.01) * 0.7 + _bright(_noise(0.12, note))) * _decay(0.12, 0.025)
    peak = float(np.max(np.abs(sound)))
    return (sound / peak if peak > 0 else sound).astype(np.float32)
