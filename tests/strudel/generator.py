"""Seeded random mini-notation over the subset TrackJammer and Strudel share.

Each pattern comes as two texts, TrackJammer's and Strudel's, which differ
only where a documented difference asks for it (and then the pattern is
tagged with that difference): a note without an octave is octave 4 here and
3 in Strudel, so Strudel's text gets the explicit `4`; a Euclidean rotation
counts to the left here and to the right in Strudel, so (k,n,r) becomes
(k,n,n-r); a drum name is a number in Strudel's text (Strudel has none).

Left out: what depends on random numbers (`?`, `|`: the seeds cannot be
matched), `^` velocities, and the places where TrackJammer chose Tidal's
reading (a modifier after `!`, `!` together with `@`, weight 0, `0..3`
without spaces; docs/language.md).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from trackjammer.core.drums import GM_DRUMS

DRUMS = [(short, key) for key, short, _long, _ in GM_DRUMS]
OCTAVE = "default octave (4 here, 3 in Strudel)"
ROTATION = "Euclid rotation (left here, right in Strudel)"
DRUM = "drum names (Strudel has none)"


@dataclass
class Text:
    ours: str
    theirs: str
    tags: set[str] = field(default_factory=set)

    def __add__(self, other: Text) -> Text:
        return Text(self.ours + other.ours, self.theirs + other.theirs, self.tags | other.tags)


def same(text: str) -> Text:
    return Text(text, text)


def join(parts: list[Text], separator: str) -> Text:
    out = same("")
    for i, part in enumerate(parts):
        out = out + (same(separator) if i else same("")) + part
    return out


class Generator:
    """`Generator(seed).pattern()` gives one Text; the same seed, the same texts."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)

    def pattern(self) -> Text:
        r = self.random
        if r.random() < 0.15:
            return self.feet(2)
        return self.stack(2)

    # -- structure -------------------------------------------------------------------

    def sequence(self, depth: int, length: int | None = None) -> Text:
        n = length or self.random.randint(1, 4 if depth >= 2 else 3)
        return join([self.step(depth) for _ in range(n)], " ")

    def stack(self, depth: int) -> Text:
        layers = [self.sequence(depth) for _ in range(self.random.choice([1, 1, 1, 1, 2, 2, 3]))]
        return join(layers, ", ")

    def feet(self, depth: int) -> Text:
        return join([self.sequence(depth, self.random.randint(1, 3)) for _ in range(self.random.randint(2, 3))], " . ")

    def term(self, depth: int) -> Text:
        r = self.random
        if depth <= 0 or r.random() < 0.65:
            return self.atom()
        kind = r.choice(["group", "group", "alternate", "polymeter", "polymeter_steps", "feet"])
        if kind == "group":
            return same("[") + self.stack(depth - 1) + same("]")
        if kind == "feet":
            return same("[") + self.feet(depth - 1) + same("]")
        if kind == "alternate":
            return same("<") + self.stack(depth - 1) + same(">")
        body = join([self.sequence(depth - 1) for _ in range(r.choice([1, 2, 2]))], ", ")
        if kind == "polymeter":
            return same("{") + body + same("}")
        steps = same(str(r.randint(1, 5))) if r.random() < 0.7 else same(f"<{r.randint(1, 4)} {r.randint(2, 5)}>")
        return same("{") + body + same("}%") + steps

    # -- steps -----------------------------------------------------------------------

    def step(self, depth: int) -> Text:
        r = self.random
        if r.random() < 0.08:
            return self.range()
        text = self.term(depth)
        roll = r.random()
        if roll < 0.4:
            return text
        # Modifiers, then weights or repeats (never both, nothing after `!`).
        for _ in range(r.choice([0, 1, 1, 1, 2])):
            text = text + self.modifier()
        roll = r.random()
        if roll < 0.25:
            text = text + self.weights()
        elif roll < 0.4:
            text = text + self.repeats()
        return text

    def modifier(self) -> Text:
        r = self.random
        kind = r.choice(["fast", "fast", "slow", "euclid", "euclid"])
        if kind in ("fast", "slow"):
            sign = "*" if kind == "fast" else "/"
            amount = r.choice(["2", "3", "2", "1.5", "<2 3>", "[1 2]", "4"])
            return same(sign + amount)
        steps = r.randint(1, 8)
        pulses = r.randint(0, steps)
        if r.random() < 0.1:
            pulses = -pulses
        if r.random() < 0.5:
            return same(f"({pulses},{steps})")
        if r.random() < 0.2:
            return same(f"(<{pulses} {max(0, pulses - 1)}>,{steps})")
        rotation = r.randint(1, steps)
        rotation %= steps
        theirs = steps - rotation if rotation else 0
        text = Text(f"({pulses},{steps},{rotation})", f"({pulses},{steps},{theirs})")
        if rotation:
            text.tags.add(ROTATION)
        return text

    def weights(self) -> Text:
        r = self.random
        parts = [r.choice(["@2", "@3", "@1.5", " _", " _", " @", "@1", " _2", " _3"]) for _ in range(r.choice([1, 1, 2]))]
        return same("".join(parts))

    def repeats(self) -> Text:
        r = self.random
        return same("".join(r.choice(["!2", "!3", " !", "!"]) for _ in range(r.choice([1, 1, 2]))))

    def range(self) -> Text:
        r = self.random
        start = r.randint(0, 8)
        stop = same(str(r.randint(0, 8))) if r.random() < 0.75 else same(f"<{r.randint(0, 8)} {r.randint(0, 8)}>")
        # Strudel's `..` takes no space before it, and only a `*`/`/` argument
        # ends with one: so no Euclid right before the `..`.
        before = same(r.choice(["*2", "/2", "*<1 2>"])) if r.random() < 0.15 else same("")
        after = self.modifier() if r.random() < 0.3 else same("")
        return same(str(start)) + before + same(" .. ") + stop + after

    # -- values ----------------------------------------------------------------------

    def atom(self) -> Text:
        r = self.random
        roll = r.random()
        if roll < 0.35:
            return same(str(r.choice([r.randint(0, 12), r.randint(0, 127), -r.randint(1, 5), 1.5, "1e1"])))
        if roll < 0.45:
            return same(r.choice(["~", "~", "-"]))
        if roll < 0.55:
            name, key = r.choice(DRUMS)
            return Text(name, str(key), {DRUM})
        letter = r.choice("abcdefgABCDEFG")
        accidental = r.choice(["", "", "#", "b", "s", "f", "##", "bb"])
        if r.random() < 0.2:
            return Text(letter + accidental, f"{letter}{accidental}4", {OCTAVE})
        return same(f"{letter}{accidental}{r.randint(1, 6)}")
