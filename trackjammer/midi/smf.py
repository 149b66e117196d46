"""Standard MIDI Files from the message path.

`export_messages` runs a `MessageStream` over cycles 0 … cycles-1, window
by window (the same windows live playback asks for), then ends every note
still sounding at the end. `layout` puts messages at ticks: 480 PPQN,
one cycle = 480 × beats_per_cycle ticks, a time t at tick round(t × ticks
per cycle) (half up), and at one tick note-offs, then CCs, then note-ons.
Every track ends (End of Track) at the end tick, so a loop imports with the
right length. `midi_bytes` encodes them (midi/encoder.py, shared with takes).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Sequence

from trackjammer.core.time import to_time
from trackjammer.midi.encoder import END_OF_TRACK, TrackEncoder, chunk, header, tempo_metas, varlen
from trackjammer.midi.kinds import DATA, STATUS
from trackjammer.midi.messages import BEND, NOTE_OFF, NOTE_ON, PROGRAM, Message, MessageStream, TrackPlan

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
    those, time order (as a stable sort would leave them). A note that would
    last no tick at all (one starting in the last half tick before a cut
    end) is left out with its note-off, so every note-on keeps its note-off
    after it.

    One pass, as the file is written straight from the message stream: the
    stream gives messages in time order, so ticks only grow and only a tick
    that two times round to can hold kinds out of order; just those ticks
    are sorted (anything else is sorted whole)."""
    timed: list[tuple[int, Message]] = []
    append = timed.append
    sounding: dict[tuple[int, int], int] = {}  # (channel, note) → index of its note-on in `timed`
    empty: list[int] = []
    mixed: list[int] = []  # ticks holding kinds out of order
    rising = True  # ticks never go down
    last_tick, last_kind = -1, -1
    for m in messages:
        time, kind = m[0], m[1]
        if type(time) is not Fraction:
            time = Fraction(time)
        denominator = time.denominator
        tick = (2 * time.numerator * per_cycle + denominator) // (2 * denominator)  # to_tick, inline
        if kind == NOTE_ON:
            sounding[m[3], m[4]] = len(timed)
        elif kind == NOTE_OFF:
            on = sounding.pop((m[3], m[4]), None)
            if on is not None and timed[on][0] == tick:
                empty += (on, len(timed))
        if tick <= last_tick:
            if tick < last_tick:
                rising = False
            elif kind < last_kind and (not mixed or mixed[-1] != tick):
                mixed.append(tick)
        last_tick, last_kind = tick, kind
        append((tick, m))
    if empty:
        left_out = set(empty)
        timed = [tm for i, tm in enumerate(timed) if i not in left_out]
    if not rising:
        timed.sort(key=_tick_and_kind)
    else:
        for tick in mixed:
            low, high = bisect_left(timed, (tick,)), bisect_left(timed, (tick + 1,))
            timed[low:high] = sorted(timed[low:high], key=_kind_of_timed)
    return timed


def _tick_and_kind(tick_and_message: tuple[int, Message]) -> tuple[int, int]:
    return tick_and_message[0], tick_and_message[1][1]


def _kind_of_timed(tick_and_message: tuple[int, Message]) -> int:
    return tick_and_message[1][1]


def midi_bytes(
    tracks: Sequence[tuple[str | None, int, list[tuple[int, Message]]]], file_type: int, tempo: Tempo,
    beats_per_cycle: int, end_tick: int,
) -> bytes:
    """A Type 0 file (one track: tempo and messages) or a Type 1 file (a
    conductor with tempo and time signature, then one named track each),
    from (name, channel, messages laid out in ticks by `layout`) per track,
    through the encoder takes use too. A Type 0 file of several tracks
    merges them into its one track, each message on its own channel."""
    metas = tempo_metas([(0, tempo.microseconds)], beats_per_cycle)
    if file_type == 0 and len(tracks) > 1:
        return header(0, 1, PPQN) + merged_track(metas, [tm for _, _, messages in tracks for tm in messages], end_tick)
    if file_type == 0:
        ((_, channel, messages),) = tracks
        return header(0, 1, PPQN) + _encoded(TrackEncoder(channel, metas), messages, end_tick, None)
    chunks = [TrackEncoder(0, metas).close(end_tick)]
    chunks += [_encoded(TrackEncoder(channel), messages, end_tick, name or "") for name, channel, messages in tracks]
    return header(1, len(chunks), PPQN) + b"".join(chunks)


def merged_track(metas: list[tuple[int, bytes]], messages: list[tuple[int, Message]], end_tick: int) -> bytes:
    """One track chunk holding every channel (`midi_export(…, type: 0)`).
    The messages are those `layout` gave, so each note-on already has its
    note-off and a tick already holds offs, then CCs, then ons; merged in
    that order (the sort is stable, so each track keeps its own order)."""
    data = bytearray()
    written, running = 0, -1
    for tick, event in metas:
        data += varlen(tick - written) + event
        written = tick
    for tick, m in sorted(messages, key=lambda tm: (tm[0], tm[1].kind)):
        data += varlen(tick - written)
        status = STATUS[m.kind] | m.channel
        if status != running:
            data.append(status)
            running = status
        data.append(m.data1)
        if DATA[m.kind] == 2:  # a program change and channel pressure have one data byte
            data.append(m.data2)
        written = tick
    data += varlen(max(0, end_tick - written)) + END_OF_TRACK
    return chunk(b"MTrk", bytes(data))


def _encoded(track: TrackEncoder, messages: list[tuple[int, Message]], end_tick: int, name: str | None) -> bytes:
    track.add_laid_out(messages)
    return track.close(end_tick, name)


def end_tick_of(timed: list[tuple[int, Message]], cycles: int, beats_per_cycle: int) -> int:
    """Where End of Track goes: the loop's end, or later when notes ring out."""
    return max(cycles * ticks_per_cycle(beats_per_cycle), timed[-1][0] if timed else 0)


# -- what midi_export writes of the messages (issue 18) -----------------------------

SEED_LEFT_OUT = (PROGRAM, BEND)  # seed 002's table: program changes and pitch bend are not exported


def exported(messages: list[Message], plans: Sequence[TrackPlan], every: bool = False) -> list[Message]:
    """What `midi_export` writes: with `all: true` (`every`) every message;
    else seed 002's table, without program changes and pitch bend, except
    an MPE track's per-note bends on its member channels (an MPE file
    without them means nothing)."""
    if every:
        return messages
    members = {(plan.index, channel) for plan in plans if plan.zone is not None for channel in plan.zone.members}
    return [m for m in messages if m.kind not in SEED_LEFT_OUT or m.kind == BEND and (m.track, m.channel) in members]


def file_tracks(plan: TrackPlan, timed: list[tuple[int, Message]]) -> list[tuple[str | None, int, list]]:
    """The file tracks of one plan, as `midi_bytes` takes them: one; for an
    MPE track one per channel it sent on (its manager channel first, then
    its members in the zone's order), each named after it, as a take
    keeps them."""
    if plan.zone is None:
        return [(plan.name, plan.channel, timed)]
    by_channel: dict[int, list] = {}
    for tick_and_message in timed:
        by_channel.setdefault(tick_and_message[1].channel, []).append(tick_and_message)
    order = (plan.zone.manager, *plan.zone.members)
    return [(plan.name, channel, by_channel[channel]) for channel in order if channel in by_channel]
