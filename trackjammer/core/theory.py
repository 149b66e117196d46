"""Music theory tables: note names, the fifteen scales, common chords."""

from __future__ import annotations

import re

NOTE_NAME = re.compile(r"^([a-gA-G])((?:#|[bBsSfF])*)(-?\d+)?$")  # Strudel's s/f too, doubled: c##4, ebb3
PITCH_CLASS = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
ACCIDENTAL = {"#": 1, "s": 1, "b": -1, "f": -1}
DEFAULT_OCTAVE = 4
NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

SCALES: dict[str, tuple[int, ...]] = {
    "chromatic": (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
    "melodic_minor": (0, 2, 3, 5, 7, 9, 11),
    "pentatonic_major": (0, 2, 4, 7, 9),
    "pentatonic_minor": (0, 3, 5, 7, 10),
    "blues": (0, 3, 5, 6, 7, 10),
    "whole_tone": (0, 2, 4, 6, 8, 10),
    "diminished": (0, 2, 3, 5, 6, 8, 9, 11),
}

CHORDS: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "m": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "5": (0, 7),
    "6": (0, 4, 7, 9),
    "m6": (0, 3, 7, 9),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10),
    "min7": (0, 3, 7, 10),
    "mmaj7": (0, 3, 7, 11),
    "dim7": (0, 3, 6, 9),
    "m7b5": (0, 3, 6, 10),
    "aug7": (0, 4, 8, 10),
    "7sus4": (0, 5, 7, 10),
    "add9": (0, 4, 7, 14),
    "9": (0, 4, 7, 10, 14),
    "maj9": (0, 4, 7, 11, 14),
    "m9": (0, 3, 7, 10, 14),
    "11": (0, 4, 7, 10, 14, 17),
    "13": (0, 4, 7, 10, 14, 21),
}


def note_number(name: str) -> int:
    """MIDI number of a note name: C4 = 60, octave 4 when omitted.

    Raises ValueError for anything that is not a note name or lies outside
    0..127.
    """
    match = NOTE_NAME.match(name)
    if match is None:
        raise ValueError(f"'{name}' is not a note name")
    letter, accidental, octave = match.groups()
    number = 12 * ((DEFAULT_OCTAVE if octave is None else int(octave)) + 1)
    number += PITCH_CLASS[letter.lower()] + sum(ACCIDENTAL[a] for a in accidental.lower())
    if not 0 <= number <= 127:
        raise ValueError(f"note {name} is {number}, outside MIDI's 0..127")
    return number


def note_name(number: object) -> str:
    """C4 for 60 (sharps, as note_number reads them back); "" for anything
    that is not a MIDI note number."""
    if isinstance(number, int) and not isinstance(number, bool) and 0 <= number <= 127:
        return f"{NOTE_NAMES[number % 12]}{number // 12 - 1}"
    return ""


def scale_note(degree: int, steps: tuple[int, ...], root: int) -> int:
    """The note of a scale degree; degrees wrap into higher and lower octaves."""
    octave, index = divmod(degree, len(steps))
    return root + 12 * octave + steps[index]
