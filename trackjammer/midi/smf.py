"""Standard MIDI Files from the message path, written with mido.

`export_messages` runs a `MessageStream` over cycles 0 … cycles-1, window
by window (the same windows live playback asks for), then ends every note
still sounding at the end. `midi_file` lays messages out in ticks: 480 PPQN,
one cycle = 480 × beats_per_cycle ticks, a time t at tick round(t × ticks
per cycle) (half up), and at one tick note-offs, then CCs, then note-ons.
Every track ends (End of Track) at the end tick, so a loop imports with the
right length.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Sequence

import mido

from trackjammer.core.time import to_time
from trackjammer.midi.messages import CONTROL, NOTE_OFF, NOTE_ON, Message, MessageStream, TrackPlan

PPQN = 480
FALLBACK_BPM = 120
MAX_TEMPO = 0xFFFFFF  # microseconds per beat in three bytes
WINDOW_CYCLES = 1  # export asks for one cycle at a time, as the engine does for its windows


def ticks_per_cycle(beats_per_cycle: int) -> int:
    return PPQN * beats_per_cycle


def to_tick(t: Fraction, per_cycle: int) -> int:
    """round(t × ticks per cycle), half up, in whole-number arithmetic."""
    t = Fraction(t)
    return (2 * t.numerator * per_cycle + t.denominator) // (2 * t.denominator)


@dataclass(frozen=True)
class Tempo:
    bpm: Any  # what the file means: cps × 60 × beats_per_cycle, or 120
    microseconds: int  # per beat, as written
    warning: str | None = None


def tempo_for(cps: Any, beats_per_cycle: int) -> Tempo:
    """BPM = cps × 60 × beats_per_cycle; cps ≤ 0 falls back to 120 BPM."""
    if cps <= 0:
        return Tempo(FALLBACK_BPM, 500_000, f"cps is {cps}, so the file's tempo is {FALLBACK_BPM} BPM")
    bpm = to_time(cps) * 60 * beats_per_cycle  # 0.55 means 55/100, not its binary neighbour
    exact = Fraction(60_000_000) / bpm
    microseconds = int(exact + Fraction(1, 2))
    if 1 <= microseconds <= MAX_TEMPO:
        return Tempo(bpm, microseconds)
    kept = max(1, min(MAX_TEMPO, microseconds))
    return Tempo(bpm, kept, f"a tempo of {float(bpm):g} BPM does not fit a MIDI file; written as {60_000_000 / kept:g} BPM")


def export_messages(
    plans: Sequence[TrackPlan], cycles: int, seed: int, beats_per_cycle: int, loop: bool = True,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Message], MessageStream]:
    """The messages of cycles 0 … cycles-1, in sending order. With `loop`,
    notes still sounding at the end are cut there; else they ring out."""
    stream = MessageStream(min_length=Fraction(1, ticks_per_cycle(beats_per_cycle)))
    messages: list[Message] = []
    for start in range(0, cycles, WINDOW_CYCLES):
        messages.extend(stream.window(plans, start, min(start + WINDOW_CYCLES, cycles), seed))
        if progress is not None:
            progress(min(start + WINDOW_CYCLES, cycles))
    messages.extend(stream.release(Fraction(cycles)) if loop else stream.drain())
    return messages, stream


def layout(messages: list[Message], per_cycle: int) -> list[tuple[int, Message]]:
    """(tick, message) in file order: by tick, then off, CC, on; within
    those, time order (the sort is stable). A note that would last no tick
    at all (one starting in the last half tick before a cut end) is left out
    with its note-off, so every note-on keeps its note-off after it."""
    timed = [(to_tick(m.time, per_cycle), m) for m in messages]
    sounding: dict[tuple[int, int], int] = {}  # (channel, note) → index of its note-on in `timed`
    empty: set[int] = set()
    for i, (tick, m) in enumerate(timed):
        if m.kind == NOTE_ON:
            sounding[m.channel, m.data1] = i
        elif m.kind == NOTE_OFF:
            on = sounding.pop((m.channel, m.data1), None)
            if on is not None and timed[on][0] == tick:
                empty.update((on, i))
    if empty:
        timed = [tm for i, tm in enumerate(timed) if i not in empty]
    timed.sort(key=lambda tm: (tm[0], tm[1].kind))
    return timed


def _track_events(timed: list[tuple[int, Message]]) -> list[mido.Message]:
    """mido messages with delta times; values are checked where they are made,
    so mido's own checks are skipped (they cost more than the rest)."""
    events = []
    now = 0
    for tick, m in timed:
        if m.kind == CONTROL:
            event = mido.Message("control_change", skip_checks=True, channel=m.channel, control=m.data1, value=m.data2, time=tick - now)
        elif m.kind == NOTE_ON:
            event = mido.Message("note_on", skip_checks=True, channel=m.channel, note=m.data1, velocity=m.data2, time=tick - now)
        else:
            event = mido.Message("note_off", skip_checks=True, channel=m.channel, note=m.data1, velocity=0, time=tick - now)
        events.append(event)
        now = tick
    return events


def _end(events: list, end_tick: int) -> mido.MetaMessage:
    last = sum(e.time for e in events)
    return mido.MetaMessage("end_of_track", time=max(0, end_tick - last))


def _conductor(tempo: Tempo, beats_per_cycle: int) -> list[mido.MetaMessage]:
    metas = [mido.MetaMessage("set_tempo", tempo=tempo.microseconds, time=0)]
    if beats_per_cycle <= 255:  # larger numerators do not fit the meta event
        metas.append(mido.MetaMessage("time_signature", numerator=beats_per_cycle, denominator=4, time=0))
    return metas


def midi_file(
    tracks: Sequence[tuple[str | None, list[tuple[int, Message]]]], file_type: int, tempo: Tempo,
    beats_per_cycle: int, end_tick: int,
) -> mido.MidiFile:
    """A Type 0 file (one track: tempo and messages) or a Type 1 file (a
    conductor with tempo and time signature, then one named track each).
    Each track's messages come laid out in ticks (`layout`)."""
    midi = mido.MidiFile(type=file_type, ticks_per_beat=PPQN, charset="utf-8")
    if file_type == 0:
        ((_, messages),) = tracks
        body = _track_events(messages)
        track = mido.MidiTrack(_conductor(tempo, beats_per_cycle) + body)
        track.append(_end(body, end_tick))
        midi.tracks.append(track)
        return midi
    conductor = mido.MidiTrack(_conductor(tempo, beats_per_cycle))
    conductor.append(mido.MetaMessage("end_of_track", time=end_tick))
    midi.tracks.append(conductor)
    for name, messages in tracks:
        body = _track_events(messages)
        track = mido.MidiTrack([mido.MetaMessage("track_name", name=name or "", time=0)] + body)
        track.append(_end(body, end_tick))
        midi.tracks.append(track)
    return midi


def file_bytes(midi: mido.MidiFile) -> bytes:
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def end_tick_of(timed: list[tuple[int, Message]], cycles: int, beats_per_cycle: int) -> int:
    """Where End of Track goes: the loop's end, or later when notes ring out."""
    return max(cycles * ticks_per_cycle(beats_per_cycle), timed[-1][0] if timed else 0)
