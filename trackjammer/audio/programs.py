"""Which General MIDI program each channel plays when rendered.

What a General MIDI player does with the exported file: every channel
starts on program 0 (the piano), channel 10 on the drum kit, and a program
change (a track's `program()`, see midi/track.py) switches the channel from
where it is sent. Both routes ask this: FluidSynth is handed the program
changes themselves, the built-in synthesizer plays the voice of the
program's family at each note's start. So `render()` sounds like the .mid.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Iterable

from trackjammer.midi.kinds import PROGRAM

DRUM_CHANNEL = 9  # channel 10, as written in a MIDI file
DEFAULT_PROGRAM = 0  # GM's Acoustic Grand Piano, where a player starts every channel


class Programs:
    """The program of each channel over time (frames), from the program changes among `messages`."""

    def __init__(self, messages: Iterable):
        self.changes: dict[int, tuple[list[int], list[int]]] = {}
        for m in messages:
            if m.kind == PROGRAM:
                frames, programs = self.changes.setdefault(m.channel, ([], []))
                frames.append(m.frame)
                programs.append(m.data1)

    def at(self, channel: int, frame: int) -> int:
        """The program `channel` (0..15) plays at `frame`: the last change at or before it, else 0."""
        frames, programs = self.changes.get(channel, ((), ()))
        i = bisect_right(frames, frame)
        return programs[i - 1] if i else DEFAULT_PROGRAM
