"""From a float mix to 16-bit .wav bytes, without ever clipping.

The level stays as the synthesizer made it, unless the loudest sample would
go above the ceiling (−1 dBFS): then the whole render is turned down by one
fixed gain so that sample sits at the ceiling. Nothing clips, nothing pumps,
and the balance between notes is kept exactly. Written with the standard
library's `wave` module: 44.1 kHz, 16-bit, stereo.
"""

from __future__ import annotations

import io
import math
import wave
from dataclasses import dataclass

import numpy as np

from trackjammer.audio.timeline import SAMPLE_RATE

CEILING = 10 ** (-1 / 20)  # −1 dBFS
FULL_SCALE = 32767
CHUNK = 1 << 20  # frames converted at a time, to keep memory flat


@dataclass(frozen=True)
class Level:
    peak: float  # the mix's loudest sample, 1.0 = full scale
    gain: float  # what the render was multiplied by: 1.0, or less to fit under the ceiling

    @property
    def gain_db(self) -> float:
        return round(20 * math.log10(self.gain), 2)


def level_of(mix: np.ndarray) -> Level:
    peak = float(np.max(np.abs(mix))) if mix.size else 0.0
    return Level(peak, 1.0 if peak <= CEILING else CEILING / peak)


def wav_bytes(mix: np.ndarray, level: Level) -> bytes:
    """The mix (frames × 2) as a .wav file, scaled by the level's gain."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as file:
        file.setnchannels(2)
        file.setsampwidth(2)
        file.setframerate(SAMPLE_RATE)
        scale = np.float32(FULL_SCALE * level.gain)
        for start in range(0, len(mix), CHUNK):
            piece = np.rint(mix[start: start + CHUNK] * scale)
            file.writeframes(np.clip(piece, -FULL_SCALE, FULL_SCALE).astype("<i2").tobytes())
    return buffer.getvalue()
