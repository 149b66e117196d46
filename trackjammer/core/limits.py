"""How much work one request may ask for.

A live coder who types `fast(1000000000)` or `C4(3,100000000)` must get a
clear error at once, not a frozen instrument. These bounds are far beyond
anything playable (MIDI carries about a thousand messages a second).
"""

from __future__ import annotations

from trackjammer.errors import TrackJammerError

# Cycles of any pattern that one query may reach (after fast, segment, ply...).
MAX_CYCLES_PER_QUERY = 1_000_000

# Steps one construct may lay out: euclid steps, `!n` copies, `a .. b` runs.
MAX_STEPS = 10_000


class TooMuchWork(TrackJammerError):
    """A request for more work than any performance could use."""


def too_many_cycles(count: int) -> TooMuchWork:
    return TooMuchWork(
        f"this asks for {count:,} cycles at once (at most {MAX_CYCLES_PER_QUERY:,})",
        hint="is a fast(), segment() or ply() factor, or a range of cycles, far too large?",
    )


def check_steps(count: int, what: str) -> None:
    if count > MAX_STEPS:
        raise TooMuchWork(f"{what} of {count:,} steps is too many (at most {MAX_STEPS:,})",
                          hint="use fewer steps; a cycle cannot play this many notes")
