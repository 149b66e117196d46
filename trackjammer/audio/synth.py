"""The built-in synthesizer: numpy only, so `render()` always works.

Each channel is a mono bus: its notes, each a wavetable voice of the GM
family of the program the channel plays where the note starts (0 until a
program change: `programs.py`; `voices.py`) shaped by its ADSR envelope, or on
channel 10 the drum kit (`drums.py`). A note's gain is (velocity / 127)²,
the usual MIDI curve (velocity 64 is about 12 dB under 127). CC74 sets the
cutoff of the voice's low-pass (read where each note starts, and again at
every change while it sounds). The bus then goes to the stereo mix through
CC7 (volume: gain (value / 127)², 100 by default) and CC10 (pan, equal
power: 0 or 1 hard left, 64 the middle, 127 hard right), each gliding to its
new value over the RAMP frames from the frame its message is at.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict, defaultdict
from typing import Any, Callable

import numpy as np

from trackjammer.audio.drums import drum
from trackjammer.audio.timeline import Note, Timed, notes_of
from trackjammer.audio.programs import DRUM_CHANNEL, Programs
from trackjammer.audio.voices import envelope, lookup, oscillate, phase, table_for, voice_for
from trackjammer.midi.messages import CONTROL

VOLUME, PAN, BRIGHTNESS = 7, 10, 74
DEFAULTS = {VOLUME: 100, PAN: 64, BRIGHTNESS: 64}  # the GM reset values
DRUM_GAIN = 0.55
RAMP = 64  # frames (1.5 ms) over which a volume or pan change glides
SHARED_BYTES = 64 * 1024 * 1024  # what one render keeps of the sounds equal notes share


class Shared:
    """What equal notes share within one render, made once: a note of one
    voice, brightness, pitch and length sounds the same wherever it starts
    (its phase starts with it), so a 16th repeated all song long is
    synthesized once and added at each place. Kept up to SHARED_BYTES, the
    least recently used dropped first."""

    def __init__(self, budget: int = SHARED_BYTES):
        self.budget, self.size = budget, 0
        self.items: OrderedDict[tuple, Any] = OrderedDict()

    def get(self, key: tuple, make: Callable[[], Any]) -> Any:
        found = self.items.get(key)
        if found is not None:
            self.items.move_to_end(key)
            return found
        made = make()
        self.items[key] = made
        self.size += _bytes(made)
        while self.size > self.budget and len(self.items) > 1:
            self.size -= _bytes(self.items.popitem(last=False)[1])
        return made


def _bytes(item: Any) -> int:
    return sum(part.nbytes for part in item) if isinstance(item, tuple) else item.nbytes


class Controls:
    """The CC values of every channel over time, as steps."""

    def __init__(self, messages: list[Timed]):
        self.changes: dict[tuple[int, int], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for m in messages:
            if m.kind == CONTROL and m.data1 in DEFAULTS:
                frames, values = self.changes[m.channel, m.data1]
                frames.append(m.frame)
                values.append(m.data2)

    def steps(self, channel: int, controller: int, start: int, end: int) -> list[tuple[int, int, int]]:
        """(from, to, value) covering [start, end), in order."""
        frames, values = self.changes.get((channel, controller), ([], []))
        i = bisect_right(frames, start)
        value = values[i - 1] if i else DEFAULTS[controller]
        steps, at = [], start
        while i < len(frames) and frames[i] < end:
            if frames[i] > at:
                steps.append((at, frames[i], value))
                at = frames[i]
            value = values[i]
            i += 1
        steps.append((at, end, value))
        return steps


def velocity_gain(velocity: int) -> float:
    return (velocity / 127) ** 2


def volume_gain(value: int) -> float:
    return (value / 127) ** 2


def pan_gains(value: int) -> tuple[float, float]:
    """Equal-power pan: 0 and 1 hard left, 64 the middle, 127 hard right."""
    where = max(0, value - 1) / 126
    return float(np.cos(where * np.pi / 2)), float(np.sin(where * np.pi / 2))


def render_builtin(
    messages: list[Timed], frames: int, progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """The stereo mix (frames × 2, float32) of the messages."""
    controls = Controls(messages)
    programs = Programs(messages)
    by_channel: dict[int, list[Note]] = defaultdict(list)
    for note in notes_of(messages):
        if note.start < frames:
            by_channel[note.channel].append(note)
    mix = np.zeros((frames, 2), dtype=np.float32)
    total = max(1, sum(len(notes) for notes in by_channel.values()))
    done = 0
    shared = Shared()
    for channel in sorted(by_channel):
        bus = np.zeros(frames, dtype=np.float32)
        for note in by_channel[channel]:
            if channel == DRUM_CHANNEL:
                _drum(bus, note)
            else:
                _note(bus, note, controls, programs.at(channel, note.start), shared)
            done += 1
            if progress is not None and done % 256 == 0:
                progress(done / total)
        _to_mix(mix, bus, channel, controls)
    if progress is not None:
        progress(1.0)
    return mix


def _drum(bus: np.ndarray, note: Note) -> None:
    sound = drum(note.note)
    end = min(len(bus), note.start + len(sound))
    bus[note.start:end] += sound[: end - note.start] * np.float32(DRUM_GAIN * velocity_gain(note.velocity))


def _note(bus: np.ndarray, note: Note, controls: Controls, program: int, shared: Shared) -> None:
    voice = voice_for(program)
    held = note.end - note.start
    shape = shared.get(("envelope", voice, held), lambda: envelope(voice, held))
    end = min(len(bus), note.start + len(shape))
    length = end - note.start
    gain = np.float32(voice.gain * velocity_gain(note.velocity))
    steps = controls.steps(note.channel, BRIGHTNESS, note.start, end)
    if len(steps) == 1:  # one brightness throughout: the whole note, shared with every note like it
        brightness = steps[0][2]
        tone = shared.get(("tone", voice, brightness, note.note, held, length),
                          lambda: oscillate(table_for(voice, brightness, note.note), note.note, 0, length) * shape[:length])
        bus[note.start:end] += tone * gain
        return
    index, fraction = shared.get(("phase", note.note, length), lambda: phase(note.note, 0, length))
    before = None
    for begin, stop, brightness in steps:
        first, last = begin - note.start, stop - note.start
        table = table_for(voice, brightness, note.note)
        sound = lookup(table, index[first:last], fraction[first:last])
        if before is not None and before is not table:  # a brightness change crossfades, so it does not click
            glide = min(RAMP, stop - begin)
            old = lookup(before, index[first:first + glide], fraction[first:first + glide])
            sound[:glide] = old + (sound[:glide] - old) * (np.arange(1, glide + 1, dtype=np.float32) / glide)
        before = table
        bus[begin:stop] += sound * shape[first:last] * gain


def _to_mix(mix: np.ndarray, bus: np.ndarray, channel: int, controls: Controls) -> None:
    """The bus into the stereo mix through CC7 and CC10, step by step; each
    change glides over RAMP frames from the gains before it, so a swept
    volume or pan does not click."""
    frames = len(bus)
    before: tuple[float, float] | None = None
    for begin, stop, volume in controls.steps(channel, VOLUME, 0, frames):
        for start, end, pan in controls.steps(channel, PAN, begin, stop):
            left, right = pan_gains(pan)
            gain = volume_gain(volume)
            now = (gain * left, gain * right)
            for side in (0, 1):
                piece = bus[start:end] * np.float32(now[side])
                if before is not None and before[side] != now[side]:
                    glide = min(RAMP, end - start)
                    steps = np.arange(1, glide + 1, dtype=np.float32) / glide
                    piece[:glide] = bus[start: start + glide] * (before[side] + (now[side] - before[side]) * steps)
                mix[start:end, side] += piece
            before = now
