"""Scale and chord names as performers type them, mapped to theory's tables.

TrackJammer's own names are the keys of `theory.SCALES` and `theory.CHORDS`.
Performers coming from Strudel (tonal), Tidal, Sonic Pi or FoxDot type
others: "major pentatonic", "majPent", "ionian", "C3:minor", "^7", "-7".
Scale names are compared without case, spaces, '_' or '-' ("Major
Pentatonic" = "major_pentatonic"); chord symbols are case-sensitive, since
"M7" and "m7" are different chords.
"""

from __future__ import annotations

import difflib
import re

from trackjammer.core.theory import CHORDS, SCALES, note_number
from trackjammer.errors import ArgumentError


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name.lower())


# Other spellings → TrackJammer's scale name (keys already in _key form).
SCALE_ALIASES: dict[str, str] = {
    "ionian": "major", "aeolian": "minor", "naturalminor": "minor",
    "majorpentatonic": "pentatonic_major", "majpent": "pentatonic_major", "pentatonic": "pentatonic_major",
    "minorpentatonic": "pentatonic_minor", "minpent": "pentatonic_minor",
    "harmonicminor": "harmonic_minor", "melodicminor": "melodic_minor",
    "whole": "whole_tone", "wholetone": "whole_tone",
    "minorblues": "blues", "bluesminor": "blues",
    "wholehalf": "diminished",
}

_SCALE_KEYS: dict[str, str] = {_key(name): name for name in SCALES} | SCALE_ALIASES

# Other chord symbols → TrackJammer's chord name (Strudel's and jazz lead sheets').
CHORD_ALIASES: dict[str, str] = {
    "": "maj", "M": "maj", "^": "maj", "major": "maj",
    "-": "min", "minor": "min",
    "o": "dim", "°": "dim", "+": "aug",
    "^7": "maj7", "M7": "maj7", "Δ7": "maj7", "Δ": "maj7",
    "-7": "m7", "o7": "dim7", "°7": "dim7", "h7": "m7b5", "ø": "m7b5", "ø7": "m7b5", "-7b5": "m7b5",
    "+7": "aug7", "7+": "aug7",
    "mM7": "mmaj7", "m^7": "mmaj7", "-^7": "mmaj7", "minmaj7": "mmaj7",
    "-6": "m6", "^9": "maj9", "M9": "maj9", "-9": "m9",
    "sus": "sus4", "7sus": "7sus4",
}


def _unknown(what: str, name: str, known: list[str]) -> ArgumentError:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'?" if close else f"known {what}s: {', '.join(known)}"
    return ArgumentError(f"unknown {what} '{name}'", hint=hint)


def scale_steps(name: str) -> tuple[int, ...]:
    """The steps of a scale by any of its names; a clear error with the
    nearest TrackJammer name otherwise."""
    found = _SCALE_KEYS.get(_key(name))
    if found is not None:
        return SCALES[found]
    hint = _spaced_root_hint(name)
    if hint is not None:
        raise ArgumentError(f"unknown scale '{name}'", hint=hint)
    close = difflib.get_close_matches(_key(name), list(_SCALE_KEYS), n=1, cutoff=0.6)
    if close:
        raise ArgumentError(f"unknown scale '{name}'", hint=f"did you mean '{_SCALE_KEYS[close[0]]}'?")
    raise _unknown("scale", name, list(SCALES))


def _spaced_root_hint(name: str) -> str | None:
    """"D dorian", "C4 minor": a root before the scale's name, as people say
    it; Strudel writes it with a ':' ("D:dorian"), and so does TrackJammer."""
    root, _, rest = name.strip().partition(" ")
    if not rest or _SCALE_KEYS.get(_key(rest)) is None:
        return None
    try:
        note_number(root)
    except ValueError:
        return None
    scale = rest.strip()
    octave = root if root[-1].isdigit() else root + "3"
    return f'the root goes before a \':\': scale("{root}:{scale}"), or scale("{scale}", {octave})'


def split_root(name: str) -> tuple[int | None, str]:
    """Strudel's "root:scale" form: "C3:minor" is (48, "minor"); a further ':'
    reads as a space ("C:major:pentatonic"). Without ':' the root is None."""
    if ":" not in name:
        return None, name
    root, rest = name.split(":", 1)
    try:
        return note_number(root.strip()), rest.replace(":", " ")
    except ValueError:
        raise ArgumentError(
            f"'{root}' in \"{name}\" is not a note name", hint='write the root first, as in "C3:minor"'
        ) from None


def chord_intervals(name: str) -> tuple[int, ...]:
    """The intervals of a chord by its name or a common symbol."""
    if name in CHORDS:
        return CHORDS[name]
    if name in CHORD_ALIASES:
        return CHORDS[CHORD_ALIASES[name]]
    hint = rooted_chord_hint(name)
    if hint is not None:
        raise ArgumentError(f"unknown chord '{name}'", hint=hint)
    raise _unknown("chord", name, list(CHORDS))


def rooted_chord_hint(name: str) -> str | None:
    """Strudel's and lead sheets' "Dm7", the root in the symbol: here a note
    and a chord. The hint wherever one is written (chord's argument, a pattern)."""
    rooted = re.fullmatch(r"([A-G][#b]?)(.*)", name)
    if not rooted or not (rooted[2] in CHORDS or rooted[2] in CHORD_ALIASES):
        return None
    root, symbol = rooted[1], rooted[2] or "maj"
    return (f'the root is the note the chord is built on: [{root}3].chord("{symbol}") '
            '(Strudel\'s chord("<C^7 Dm7>") is [<C3 D3>].chord("<^7 m7>"))')
