"""Properties of the pattern engine over random mini-notation patterns.

(1) splitting a query window never changes the onsets found;
(2) fast(n) then slow(n) is the identity;
(3) rev twice is the identity;
(4) every random construct is the same across builds, runs and query windows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import canon, ev, fn, mini

# TJ_PROPERTY_EXAMPLES=2000 for a longer hunt; the default keeps tests/core fast.
SETTINGS = settings(
    max_examples=int(os.environ.get("TJ_PROPERTY_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# -- a small generator of mini-notation ---------------------------------------------------------------

ATOMS = st.sampled_from(["0", "1", "2", "7", "60", "C4", "e", "bb3", "-3", "~", "-"])
MODIFIERS = st.sampled_from(
    [
        "*2", "*3", "/2", "/3", "*1.5", "!", "!2", "@2", "@1.5", " _",
        "(3,8)", "(3,8,2)", "(5,8,-1)", "(-3,8)", "?", "?0.3",
        "*<2 3>", "(<3 5>,8)", "^80", "^<60 90>",
    ]
)


def _ordered(modifiers: list[str]) -> str:
    """Modifiers as the notation takes them (Tidal's reading): `!` last, and
    not together with `@`/`_`."""
    bangs = [m for m in modifiers if m.startswith("!")]
    rest = [m for m in modifiers if not m.startswith("!") and not (bangs and m in ("@2", "@1.5", " _"))]
    return "".join(rest + bangs)


def _with_modifiers(term):
    return st.tuples(term, st.lists(MODIFIERS, max_size=2)).map(lambda t: t[0] + _ordered(t[1]))


def _sequence(step):
    return st.lists(step, min_size=1, max_size=3).map(" ".join)


def _extend(children):
    step = _with_modifiers(children)
    seq = _sequence(step)
    bodies = st.one_of(
        seq,
        st.lists(seq, min_size=2, max_size=3).map(", ".join),  # stack
        st.lists(seq, min_size=2, max_size=3).map(" | ".join),  # random choice
        st.lists(seq, min_size=2, max_size=3).map(" . ".join),  # feet
    )
    plain_bodies = st.one_of(seq, st.lists(seq, min_size=2, max_size=2).map(", ".join))
    return st.one_of(
        bodies.map(lambda b: f"[{b}]"),
        bodies.map(lambda b: f"<{b}>"),
        st.tuples(plain_bodies, st.sampled_from(["", "%2", "%3", "%5", "%<2 4>"])).map(lambda t: "{" + t[0] + "}" + t[1]),
    )


RANGES = st.sampled_from(["[0 .. 3]", "[C4 .. E4]", "[4 .. 2]"])  # a bare range takes no modifiers
TERMS = st.recursive(ATOMS | RANGES, _extend, max_leaves=4)
PATTERNS = st.one_of(
    _sequence(_with_modifiers(TERMS)),
    st.lists(_sequence(_with_modifiers(TERMS)), min_size=2, max_size=3).map(" | ".join),
)

# Exact times with small denominators, in cycles -2..4.
TIMES = st.builds(lambda n, d: F(n, d), st.integers(-16, 32), st.sampled_from([1, 2, 3, 4, 8, 12]))
SEEDS = st.integers(0, 3)


def onsets(pat, a, b, seed=0):
    return canon(ev(pat, a, b, seed))


# -- (1) window splitting ------------------------------------------------------------------------------------


@SETTINGS
@given(PATTERNS, TIMES, TIMES, TIMES, SEEDS)
def test_splitting_a_query_never_changes_the_onsets(text, t1, t2, t3, seed):
    a, c, b = sorted((t1, t2, t3))
    if a == b:
        b = a + 1
    pat = mini(text)
    together = onsets(pat, a, b, seed)
    assert canon(ev(pat, a, c, seed) + ev(pat, c, b, seed)) == together
    for begin, end, _ in together:
        assert a <= begin < b and begin < end


@SETTINGS
@given(PATTERNS, SEEDS)
def test_cycle_by_cycle_equals_all_at_once(text, seed):
    pat = mini(text)
    together = ev(pat, 0, 3, seed)
    pieces = [e for c in range(3) for e in ev(pat, c, c + 1, seed)]
    assert canon(pieces) == canon(together)
    assert [b for b, _, _ in together] == sorted(b for b, _, _ in together)  # onsets come in time order


# -- (2) fast then slow, (3) rev twice ---------------------------------------------------------------------------


@SETTINGS
@given(PATTERNS, st.sampled_from([2, 3, F(3, 2), F(5, 4), 0.5]), SEEDS)
def test_fast_then_slow_is_the_identity(text, n, seed):
    pat = mini(text)
    assert onsets(pat.fast(n).slow(n), 0, 3, seed) == onsets(pat, 0, 3, seed)
    assert onsets(pat.slow(n).fast(n), 0, 3, seed) == onsets(pat, 0, 3, seed)


@SETTINGS
@given(PATTERNS, SEEDS)
def test_rev_twice_is_the_identity(text, seed):
    pat = mini(text)
    assert onsets(pat.rev().rev(), -1, 3, seed) == onsets(pat, -1, 3, seed)


# -- (4) randomness is a function of seed and time only --------------------------------------------------------------

RANDOM_TRANSFORMS = {
    "degrade": lambda p: p.degrade(),
    "degrade(0.3)": lambda p: p.degrade(0.3),
    "sometimes": lambda p: p.sometimes(fn("transpose")(12)),
    "often(rev)": lambda p: p.often(fn("rev")),
    "rarely(fast 2)": lambda p: p.rarely(fn("fast")(2)),
    "sometimesBy": lambda p: p.sometimesBy(0.3, fn("transpose")(7)),
    "arp random": lambda p: p.chord("maj7").arp("random"),
    "vel(Rand)": lambda p: p.vel(fn("Rand")().range(0, 127)),
    "add(Perlin segment)": lambda p: p.add(fn("Perlin")(2).segment(4).range(0, 12)),
}
RANDOM_TEXTS = st.one_of(
    PATTERNS,
    st.sampled_from(["0*8?", "[0 | 1 | 2]*4", "<0? 1?0.7>*4", "[C4 E4 | G4]*3", "{0 1 2?}%5"]),
)


@SETTINGS
@given(RANDOM_TEXTS, st.sampled_from(sorted(RANDOM_TRANSFORMS)), SEEDS, TIMES)
def test_random_constructs_are_deterministic(text, name, seed, cut):
    transform = RANDOM_TRANSFORMS[name]
    first = transform(mini(text))
    second = transform(mini(text))  # a separate build
    together = onsets(first, 0, 4, seed)
    assert onsets(second, 0, 4, seed) == together
    by_cycle = canon([e for c in range(4) for e in ev(first, c, c + 1, seed)])
    assert by_cycle == together
    cut = min(max(cut, F(0)), F(4))
    assert canon(ev(second, 0, cut, seed) + ev(second, cut, 4, seed)) == together


@SETTINGS
@given(st.integers(1, 16), SEEDS, st.lists(TIMES, min_size=1, max_size=4))
def test_segmented_rand_is_window_independent(n, seed, cuts):
    pat = fn("Rand")().segment(n)
    together = ev(pat, 0, 4, seed)
    assert len(together) == 4 * n
    points = sorted({F(0), F(4), *(min(max(c, F(0)), F(4)) for c in cuts)})
    pieces = [e for a, b in zip(points, points[1:]) for e in ev(pat, a, b, seed)]
    assert pieces == together


def test_randomness_is_the_same_in_another_process():
    """Nothing depends on Python's per-process hash randomization."""
    script = (
        "import json\n"
        "from fractions import Fraction\n"
        "from tests.core.helpers import ev, fn, mini\n"
        "pats = [mini('0*8? [0 | 1 | 2]*2 <0 1>?0.3'), mini('C4*4').chord('maj7').arp('random'),\n"
        "        mini('0*8').sometimes(fn('transpose')(12)), fn('Rand')().segment(4), mini('0*8').degrade()]\n"
        "print(json.dumps([[[str(b), str(e), repr(v)] for b, e, v in ev(p, 0, 4, seed=1)] for p in pats]))\n"
    )
    root = Path(__file__).resolve().parents[2]
    results = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run(
            [sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True, check=True
        ).stdout
        results.append(json.loads(out))
    assert results[0] == results[1]
    here = [mini("0*8? [0 | 1 | 2]*2 <0 1>?0.3"), mini("C4*4").chord("maj7").arp("random"),
            mini("0*8").sometimes(fn("transpose")(12)), fn("Rand")().segment(4), mini("0*8").degrade()]
    assert results[0] == [[[str(b), str(e), repr(v)] for b, e, v in ev(p, 0, 4, seed=1)] for p in here]
