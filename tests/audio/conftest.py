"""Helpers for the audio tests: run a program, read a .wav back.

Files are read with the standard library's `wave` module and numpy, not
with anything the renderer uses to write them.
"""

from __future__ import annotations

import os
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import trackjammer.core  # noqa: F401  (registers the pattern functions)
from trackjammer.audio import fluid
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session

RATE = 44_100


@dataclass
class Wav:
    rate: int
    width: int
    channels: int
    samples: np.ndarray  # frames × 2, int16

    @property
    def frames(self) -> int:
        return len(self.samples)

    def left(self, start: int, end: int) -> np.ndarray:
        return self.samples[start:end, 0].astype(np.float64)

    def right(self, start: int, end: int) -> np.ndarray:
        return self.samples[start:end, 1].astype(np.float64)

    def silent(self, start: int, end: int) -> bool:
        """Every sample in [start, end) is exactly zero."""
        return not np.any(self.samples[start:end])

    def rms(self, start: int, end: int) -> float:
        return float(np.sqrt(np.mean(self.samples[start:end].astype(np.float64) ** 2)))

    def sounding_everywhere(self, start: int, end: int, window: int = 441) -> bool:
        """Every `window` frames of [start, end) hold some sound."""
        return all(np.any(self.samples[a: min(a + window, end)]) for a in range(start, end, window))


def read_wav(path: Path | str) -> Wav:
    with wave.open(str(path), "rb") as file:
        data = file.readframes(file.getnframes())
        rate, width, channels = file.getframerate(), file.getsampwidth(), file.getnchannels()
    samples = np.frombuffer(data, dtype="<i2").reshape(-1, channels)
    return Wav(rate, width, channels, samples)


def run(program: str, session: Session | None = None) -> tuple[object, list[str]]:
    """Run a program in a fresh session; (its value, what it printed)."""
    printed: list[str] = []
    session = session or Session(out=printed.append)
    return Interpreter(session).execute(program), printed


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture
def fluidsynth_ready() -> Path:
    """The default SoundFont, when FluidSynth can play it here; else skipped
    locally with the reason (and a failure under CI, whose scripts/test
    installs both)."""
    missing = fluid.available()
    font = fluid.default_soundfont()
    reason = missing or (None if font is not None else "no SoundFont in " + ", ".join(fluid.SEARCH))
    if reason is not None:
        reason += " (scripts/test installs libfluidsynth3 and timgm6mb-soundfont as root on Debian)"
        if _under_ci():
            pytest.fail(f"the FluidSynth route must be tested under CI, but {reason}", pytrace=False)
        pytest.skip(reason)
    return font


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path
