"""`midi_import`: the notes of one track of a .mid file, as a pattern.

A DAW clip or a hardware sequencer's export becomes something to play,
transform and record. Ticks become cycles exactly: a cycle is the file's
ticks per quarter × beats_per_cycle ticks, so beats stay beats whatever
the tempo. The pattern is written as mini-notation, exactly: each voice a
sequence whose steps are weighted in ticks (`C4^90@3 ~@5`), voices
stacked, the whole slowed to the clip's length in cycles (`[…]/2`), and
the shortest repeating part kept. That text is what the pattern is built
from and what a snapshot or save() writes back, so it never needs the
file again. A note's own velocity is kept (`^v`); its channel is not (the
track playing it chooses).
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

from trackjammer.core.pattern import Pattern
from trackjammer.core.phrase import loop_period
from trackjammer.core.registry import describe
from trackjammer.errors import ArgumentError
from trackjammer.lang.display import note_name
from trackjammer.lang.provenance import record
from trackjammer.lang.strings import read_text
from trackjammer.midi.smf_import import FileNote, FileTrack, MidiFile, read_midi_file
from trackjammer.session import Session

MAX_NOTES = 10_000  # in one track: the text is read as mini-notation (about 1 ms a note)
MAX_SHOWN = 600  # characters of text printed; longer texts are kept, not printed


def midi_import(session: Session, path: Any, track: Any = 1, base: Path | None = None) -> Pattern:
    """The notes of `track` (counted from 1 among the tracks that hold
    notes, or named) of the .mid file at `path`, as a pattern."""
    if not isinstance(path, str) or not path.strip():
        raise ArgumentError("the path must be a file name in quotes", hint='midi_import("clip.mid")')
    midi = read_midi_file((base if base is not None else Path.cwd()) / Path(path).expanduser(), path)
    chosen = choose_track(midi, track, path)
    label = _label(midi, chosen)
    if len(chosen.notes) > MAX_NOTES:
        raise ArgumentError(f"track {label} of {path} has {len(chosen.notes):,} notes; midi_import takes at most {MAX_NOTES:,}",
                            hint="split the clip in your DAW and import the parts")
    per_cycle = midi.ppqn * session.beats_per_cycle
    cycles = max(1, math.ceil(chosen.end / per_cycle))
    notes, cycles = shortest_loop(chosen.notes, cycles, per_cycle)
    text = mini_text(notes, cycles * per_cycle, cycles)
    pattern = read_text(text)
    record(session, pattern, (f"[{text}]",))
    tempo = f"{60_000_000 / midi.tempo:.6g} BPM" if midi.tempo else "no tempo"
    signature = f"{midi.time_signature[0]}/{midi.time_signature[1]}" if midi.time_signature else "no time signature"
    session.out(f"{path}, track {label}: {len(notes)} note{'s' if len(notes) != 1 else ''}"
                f" over {cycles} cycle{'s' if cycles != 1 else ''} of {session.beats_per_cycle} beats"
                f" (the file: {tempo}, {signature})")
    if chosen.empty:
        session.out(f"warning: {chosen.empty} note{'s' if chosen.empty != 1 else ''} of no length left out")
    session.out(f"[{text}]" if len(text) + 2 <= MAX_SHOWN else f"(its mini-notation is {len(text) + 2:,} characters long;"
                " a snapshot or save() keeps it)")
    return pattern


def choose_track(midi: MidiFile, track: Any, path: str) -> FileTrack:
    """A track by number (1 = the first that holds notes) or by name."""
    playing = midi.with_notes
    if not playing:
        raise ArgumentError(f"{path} holds no notes", hint="export a clip with notes from your DAW")
    names = ", ".join(f"{i} ({t.name})" if t.name else str(i) for i, t in enumerate(playing, start=1))
    hint = f"its tracks with notes: {names}"
    if isinstance(track, str):
        found = [t for t in playing if t.name == track]
        if not found:
            raise ArgumentError(f"{path} has no track named {track!r} that holds notes", hint=hint)
        return found[0]
    if isinstance(track, bool) or not isinstance(track, (int, Fraction, float)) or track != int(track):
        raise ArgumentError(f"track must be a number from 1 or a track's name, got {describe(track)}", hint=hint)
    if not 1 <= track <= len(playing):
        count = f"{len(playing)} track{'s' if len(playing) != 1 else ''}"
        raise ArgumentError(f"{path} has {count} with notes, so there is no track {int(track)}", hint=hint)
    return playing[int(track) - 1]


def _label(midi: MidiFile, track: FileTrack) -> str:
    """The track as midi_import counts it (among those holding notes), and its name."""
    number = next(i for i, t in enumerate(midi.with_notes, start=1) if t is track)
    return f"{number} ({track.name})" if track.name else str(number)


def shortest_loop(notes: list[FileNote], cycles: int, per_cycle: int) -> tuple[list[FileNote], int]:
    """The notes of the shortest whole number of cycles that, repeated,
    gives all of them (no note crossing its end), and that number."""
    period = loop_period([(n.tick, n.tick + n.duration, *n[2:]) for n in notes], cycles, per_cycle)
    return [n for n in notes if n.tick < period * per_cycle], period


def mini_text(notes: list[FileNote], total: int, cycles: int) -> str:
    """Mini-notation for `notes` over `total` ticks (`cycles` cycles): notes
    of one onset and length make a chord; chords go to the first voice free
    at their onset; each voice is a sequence weighted in ticks (reduced by
    their common divisor)."""
    chords: dict[tuple[int, int], list[FileNote]] = {}
    for note in notes:
        chords.setdefault((note.tick, note.duration), []).append(note)
    voices: list[list[tuple[int, int, list[FileNote]]]] = []
    for (tick, duration), chord in sorted(chords.items()):
        for voice in voices:
            if voice[-1][0] + voice[-1][1] <= tick:
                voice.append((tick, duration, chord))
                break
        else:
            voices.append([(tick, duration, chord)])
    unit = total
    for tick, duration in chords:
        unit = math.gcd(unit, tick, duration)
    written = [_voice(voice, total, unit) for voice in voices] or ["~"]
    body = written[0] if len(written) == 1 else ", ".join(written)
    if cycles == 1:
        return body
    return f"[{body}]/{cycles}"


def _voice(voice: list[tuple[int, int, list[FileNote]]], total: int, unit: int) -> str:
    steps = []
    now = 0
    for tick, duration, chord in voice:
        if tick > now:
            steps.append(_weighted("~", (tick - now) // unit))
        names = [f"{note_name(n.key)}^{n.velocity}" for n in sorted(chord, key=lambda n: (n.key, n.velocity))]
        steps.append(_weighted(names[0] if len(names) == 1 else f"[{','.join(names)}]", duration // unit))
        now = tick + duration
    if total > now:
        steps.append(_weighted("~", (total - now) // unit))
    return " ".join(steps)


def _weighted(step: str, weight: int) -> str:
    return step if weight == 1 else f"{step}@{weight}"
