"""Which General MIDI program each channel plays when rendered.

The language sends no program changes, so each channel has a fixed GM
program, the same for both routes: FluidSynth selects it from the
SoundFont, the built-in synthesizer plays the voice of its family. Channel
10 is the drum kit in both, as in General MIDI.
"""

from __future__ import annotations

DRUM_CHANNEL = 9  # channel 10, as written in a MIDI file

# channel (1..16) → GM program (0..127, as written; GM's own list counts from 1)
PROGRAMS = {
    1: 38,  # Synth Bass 1
    2: 80,  # Lead 1 (square)
    3: 89,  # Pad 2 (warm)
    4: 4,  # Electric Piano 1
    5: 33,  # Electric Bass (finger)
    6: 81,  # Lead 2 (sawtooth)
    7: 88,  # Pad 1 (new age)
    8: 0,  # Acoustic Grand Piano
    9: 11,  # Vibraphone
    11: 38, 12: 80, 13: 89, 14: 4, 15: 81, 16: 0,
}


def program_of(channel: int) -> int:
    """The GM program a channel (0..15) plays."""
    return PROGRAMS.get(channel + 1, 0)
