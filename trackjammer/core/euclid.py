"""Euclidean rhythms by Bjorklund's algorithm, rotated left as in Tidal."""

from __future__ import annotations


def bjorklund(pulses: int, steps: int) -> list[bool]:
    """Spread `pulses` onsets as evenly as possible over `steps` steps.

    Negative `pulses` gives the complement (the off-beats of the positive form).
    """
    if steps <= 0:
        return []
    inverted = pulses < 0
    pulses = min(abs(pulses), steps)
    # Two piles of sequences; repeatedly fold the smaller pile onto the larger.
    heads: list[list[bool]] = [[True] for _ in range(pulses)]
    tails: list[list[bool]] = [[False] for _ in range(steps - pulses)]
    while min(len(heads), len(tails)) > 1:
        if len(heads) > len(tails):
            paired = [h + t for h, t in zip(heads, tails)]
            heads, tails = paired, heads[len(tails):]
        else:
            paired = [h + t for h, t in zip(heads, tails)]
            heads, tails = paired, tails[len(heads):]
    flat = [step for seq in heads + tails for step in seq]
    return [not s for s in flat] if inverted else flat


def euclid_steps(pulses: int, steps: int, rotation: int = 0) -> list[bool]:
    """Bjorklund's rhythm rotated `rotation` steps to the left."""
    rhythm = bjorklund(pulses, steps)
    if not rhythm:
        return rhythm
    shift = rotation % len(rhythm)
    return rhythm[shift:] + rhythm[:shift]
