"""TrackJammer's mini-notation against the real Strudel (1.2.6, pinned in
package.json), on a few hundred seeded random patterns over the notation
both share, event for event over several spans (reference.py). `scripts/bench
strudel` runs thousands.

Skips, saying why, where node or the pinned packages cannot be installed
(scripts/test installs them with npm ci into tests/strudel/node_modules);
TJ_REQUIRE_STRUDEL=1 turns that skip into a failure."""

from __future__ import annotations

import pytest

from tests.strudel.generator import DRUM, OCTAVE, ROTATION
from tests.strudel.reference import SPANS, canonical, compare, our_haps, strudel_haps

PATTERNS = 250


def test_seeded_random_patterns_agree_with_strudel_event_for_event():
    report = compare(PATTERNS, seed=1)
    print(report.summary())
    assert report.compared == PATTERNS
    assert report.disagreements == []
    assert report.agreed == PATTERNS
    # every documented difference was exercised, and mapped correctly
    assert all(report.differences[tag] > 20 for tag in (OCTAVE, ROTATION, DRUM))


def test_the_issue_examples_read_as_strudel_reads_them():
    """The classes of difference the issue found, each against Strudel itself."""
    examples = ["60 .. 63 67", "{c4 e4@2, c3 g3}", "c4@2@2 e4", "c4 _ @3 e4", "c4 _2 e4", "c4 @ e4",
                "ef4 cs4 c##4", "0 .. 3*2", "0 .. <2 4>", "1e1 2"]
    theirs = strudel_haps(examples)
    for text, answer in zip(examples, theirs):
        assert our_haps(text) == [canonical(haps) for haps in answer["spans"]], text


def test_the_comparison_can_fail():
    """A pattern read differently is reported, with the span and the events."""
    answer = strudel_haps(["60 61"])[0]
    assert our_haps("60 62") != [canonical(haps) for haps in answer["spans"]]
    assert len(SPANS) == 4
