"""Pattern functions TrackJammer took from Strudel, against Strudel itself
(1.2.6, pinned): the same expression in both, event for event over the
spans of reference.py (skipped, saying why, without node: conftest.py)."""

from __future__ import annotations

import json

import pytest

from trackjammer.core.theory import note_number
from trackjammer.core.values import gain_of, number_of
from trackjammer.lang.evaluator import Interpreter
from tests.strudel.reference import canonical, haps_of, strudel_haps

# (TrackJammer, Strudel); in Strudel's own REPL a string is mini-notation, here m("…") says so
SAME = [
    ("[C4 E4 G4 B4].fastGap(2)", 'm("c4 e4 g4 b4").fastGap(2)'),
    ("[<C4 E4> [G4 B4]].fastGap(3)", 'm("<c4 e4> [g4 b4]").fastGap(3)'),
    ("[C4 E4 G4].fastGap(1/2)", 'm("c4 e4 g4").fastGap(1/2)'),
    ("[C4@3 E4].fastGap(3/2)", 'm("c4@3 e4").fastGap(3/2)'),
    ("[C4 E4 G4 B4].compress(1/4, 3/4)", 'm("c4 e4 g4 b4").compress(1/4, 3/4)'),
    ("[C4 <E4 G4>].compress(0, 1/3)", 'm("c4 <e4 g4>").compress(0, 1/3)'),
    ("[C4 E4 G4 B4].zoom(1/4, 3/4)", 'm("c4 e4 g4 b4").zoom(1/4, 3/4)'),
    ("[C4 E4 G4].zoom(1/3, 4/3)", 'm("c4 e4 g4").zoom(1/3, 4/3)'),
    ("[<C4 D4> E4 G4 B4].zoom(0, 1/2)", 'm("<c4 d4> e4 g4 b4").zoom(0, 1/2)'),
    ("[C4 [E4 G4]].press()", 'm("c4 [e4 g4]").press()'),
    ("[C4 E4 G4 B4].pressBy(1/3)", 'm("c4 e4 g4 b4").pressBy(1/3)'),
    ("[C4 E4].brak()", 'm("c4 e4").brak()'),
    ("[C4 <E4 G4>].brak()", 'm("c4 <e4 g4>").brak()'),
    ("[C4 E4 G4].lastOf(3, rev)", 'm("c4 e4 g4").lastOf(3, rev)'),
    ("[C4 E4 G4].firstOf(3, rev)", 'm("c4 e4 g4").firstOf(3, rev)'),
    ("[C4 E4 G4 B4].lastOf(2, fast(2))", 'm("c4 e4 g4 b4").lastOf(2, fast(2))'),
    # a string of names with brackets is a pattern of names, one per cycle here
    ('[0 2 4 6].scale("<C4:major D4:minor A3:minor:pentatonic>")',
     'm("0 2 4 6").scale(m("<C4:major D4:minor A3:minor:pentatonic>"))'),
    ('[0 2 4 7].scale("[C4:major E4:phrygian]")', 'm("0 2 4 7").scale(m("[C4:major E4:phrygian]"))'),
    ("[C4].euclidRot(3, 8, 2)", 'm("c4").euclidRot(3, 8, 2)'),
    ("[C4 E4].euclidRot(5, 8, -3)", 'm("c4 e4").euclidRot(5, 8, -3)'),
    ("[C4].euclidLegato(3, 8)", 'm("c4").euclidLegato(3, 8)'),
    ("[C4 <E4 G4>].euclidLegato(5, 8)", 'm("c4 <e4 g4>").euclidLegato(5, 8)'),
    ("[C4 E4].euclidLegatoRot(3, 8, 2)", 'm("c4 e4").euclidLegatoRot(3, 8, 2)'),
    ("[C4].euclidLegatoRot(3, 5, -1)", 'm("c4").euclidLegatoRot(3, 5, -1)'),
    ("[C4 E4 G4 B4].iterBack(4)", 'm("c4 e4 g4 b4").iterBack(4)'),
    ("[C4 E4 G4].iterBack(3)", 'm("c4 e4 g4").iterBack(3)'),
    # no parts: nothing, in both (beside a note that plays, so the case proves something)
    ("stack([C4 E4 G4].iter(0), [C2])", 'stack(m("c4 e4 g4").iter(0), m("c2"))'),
    ("stack([C4 E4 G4].iter(-2), [C2])", 'stack(m("c4 e4 g4").iter(-2), m("c2"))'),
    ("stack([C4 E4 G4].iterBack(0), [C2])", 'stack(m("c4 e4 g4").iterBack(0), m("c2"))'),
    ("[<C4 D4 E4 F4>].ribbon(1, 2)", 'm("<c4 d4 e4 f4>").ribbon(1, 2)'),
    ("[C4 E4 G4 B4].ribbon(1/4, 1/2)", 'm("c4 e4 g4 b4").ribbon(1/4, 1/2)'),
    ("[C4@3 E4 <G4 B4>].rib(3/8, 3/2)", 'm("c4@3 e4 <g4 b4>").rib(3/8, 3/2)'),
    ("[C4 <E4 G4> B4].ribbon(5, 1)", 'm("c4 <e4 g4> b4").ribbon(5, 1)'),
    ('[<0 1 2 5>].pick(#[[C4 E4], "G4 B4", [C5(3,8)]])', 'm("<0 1 2 5>").pick([m("c4 e4"), m("g4 b4"), m("c5(3,8)")])'),
    ("[<0 1> [2 0]].pickmod(#[[C4 E4], [G4 B4 D5], 72])", 'm("<0 1> [2 0]").pickmod([m("c4 e4"), m("g4 b4 d5"), 72])'),
    ('[C4 E4 G4 B4].pickF("<0 1 2>", #[rev, fast(2), add(12)])',
     'm("c4 e4 g4 b4").pickF(m("<0 1 2>"), [rev, fast(2), x => x.add(12)])'),
    ('[C4 E4 G4 B4].pickF("0 [1 5]", #[rev, fast(2)])', 'm("c4 e4 g4 b4").pickF(m("0 [1 5]"), [rev, fast(2)])'),
    ("[C4 E4 G4 B4].chunkBack(4, add(7))", 'm("c4 e4 g4 b4").chunkBack(4, x => x.add(7))'),
    ("[<C4 D4> E4 G4].chunkBack(3, fast(2))", 'm("<c4 d4> e4 g4").chunkBack(3, fast(2))'),
    ("[<C4 C5> E4 G4 B4].fastChunk(4, add(12))", 'm("<c4 c5> e4 g4 b4").fastChunk(4, x => x.add(12))'),
    # Strudel's function also gets the copy's number; TrackJammer applies its function once more per copy
    ("[C4 E4].echoWith(3, 1/8, add(2))", 'm("c4 e4").echoWith(3, 1/8, (p, n) => p.add(n * 2))'),
    # 3.5 cycles in all: the spans (to cycle 5) reach the second time round
    ('arrange(#[2, [<C4 D4 E4>]], #[1, [<C3 D3>]], #[1/2, "E5 G5"])',
     'arrange([2, m("<c4 d4 e4>")], [1, m("<c3 d3>")], [1/2, m("e5 g5")])'),
    ("[C4 <E4 G4>].stutWith(4, 1/3, add(12))", 'm("c4 <e4 g4>").stutWith(4, 1/3, (p, n) => p.add(n * 12))'),
    ('[C4 E4 G4 B4].when("<0 1>", rev)', 'm("c4 e4 g4 b4").when(m("<0 1>"), rev)'),
    ("[C4 E4 G4].when([0 1 1], add(12))", 'm("c4 e4 g4").when(m("0 1 1"), x => x.add(12))'),
    ("[C4 <E4 G4>].layer(rev, add(7))", 'm("c4 <e4 g4>").layer(rev, x => x.add(7))'),
    ("[C4 E4 G4].layer(fast(2))", 'm("c4 e4 g4").layer(fast(2))'),
    ("[C4 <E4 G4>].plyWith(3, add(12))", 'm("c4 <e4 g4>").plyWith(3, x => x.add(12))'),
    ("[C4 E4@2].plyWith(2, fast(2))", 'm("c4 e4@2").plyWith(2, fast(2))'),
    ("[C4 E4].always(add(12))", 'm("c4 e4").always(x => x.add(12))'),
    ("[C4 E4].never(add(12))", 'm("c4 e4").never(x => x.add(12))'),
    ("[C4].struct([1 0 1 [1 0]].inv())", 'm("c4").struct(m("1 0 1 [1 0]").inv())'),
    ("[C4 D4 E4 F4].bite(4, [3 2 1 0])", 'm("c4 d4 e4 f4").bite(4, m("3 2 1 0"))'),
    ("[C4 D4 E4 F4].bite(2, [0 [1 0]])", 'm("c4 d4 e4 f4").bite(2, m("0 [1 0]"))'),
    ("[C4 [D4 E4] <F4 G4>].bite(4, [<0 1> 2 ~ 7])", 'm("c4 [d4 e4] <f4 g4>").bite(4, m("<0 1> 2 ~ 7"))'),
    ("[C4 D4 E4].bite(3, [0 2]*2)", 'm("c4 d4 e4").bite(3, m("[0 2]*2"))'),
    ("[C4 E4 G4 B4].mask([<1 0> 1].invert())", 'm("c4 e4 g4 b4").mask(m("<1 0> 1").invert())'),
    ("[0 5 13 -1 <25 -13>].mod(12)", 'm("0 5 13 -1 <25 -13>").mod(12)'),
    ("[0.4 1.6 -0.5 2.5 -1.5].round()", 'm("0.4 1.6 -0.5 2.5 -1.5").round()'),
    ("[0.4 1.6 -0.5 -2].floor()", 'm("0.4 1.6 -0.5 -2").floor()'),
    ("[0.4 1.6 -0.5 -2].ceil()", 'm("0.4 1.6 -0.5 -2").ceil()'),
    ("Sine(1).segment(8).range(0, 6).round()", "sine.segment(8).range(0, 6).round()"),  # no value on a half
]


@pytest.fixture(scope="module")
def theirs():
    return dict(zip((js for _, js in SAME), strudel_haps([js for _, js in SAME], js=True)))


@pytest.mark.parametrize(("ours", "js"), SAME)
def test_the_function_plays_as_strudels(ours, js, theirs):
    answer = theirs[js]
    assert "error" not in answer, answer
    expected = [canonical(haps) for haps in answer["spans"]]
    assert any(onsets for onsets, _ in expected), "a case that plays nothing proves little"
    assert haps_of(Interpreter().execute(ours)) == expected


def test_the_comparison_can_fail(theirs):
    """One step read differently is caught."""
    answer = theirs['m("c4 e4 g4 b4").compress(1/4, 3/4)']
    assert haps_of(Interpreter().execute("[C4 E4 G4 B4].compress(1/4, 5/8)")) != [
        canonical(haps) for haps in answer["spans"]]


def test_a_compress_backwards_is_silent_in_both():
    js = 'm("c4 e4").compress(3/4, 1/4)'
    (answer,) = strudel_haps([js], js=True)
    assert answer["spans"] == [[], [], [], []]
    assert haps_of(Interpreter().execute("[C4 E4].compress(3/4, 1/4)")) == [([], [])] * 4


def test_swing_by_starts_every_note_where_strudels_does():
    """Strudel's swingBy shifts with a patterned `late`, which leaves pieces
    of the unshifted notes behind, pieces without an onset (never heard);
    TrackJammer moves whole notes. The onsets are the same."""
    js = 'm("c4 e4 g4 b4 c5 e5 g5 b5").swingBy(1/3, 4)'
    (answer,) = strudel_haps([js], js=True)
    theirs = [canonical(haps)[0] for haps in answer["spans"]]
    ours = haps_of(Interpreter().execute("[C4 E4 G4 B4 C5 E5 G5 B5].swingBy(1/3, 4)"))
    assert [onsets for onsets, _ in ours] == theirs and len(theirs[0]) == 8


ECHOES = [("[C4 E4 G4].echo(3, 1/6, 0.8)", 'm("c4 e4 g4").echo(3, 1/6, 0.8)'),
          ("[C4 <E4 G4>].stut(4, 0.5, 1/8)", 'm("c4 <e4 g4>").stut(4, 0.5, 1/8)')]


def _loudness(value) -> tuple:
    """(note, gain): Strudel's value is {"value": "c4", "gain": 0.8} (strudel_haps shows it
    as JSON); TrackJammer's is the note with its gain, none being 1."""
    if isinstance(value, str) and value.startswith("other:"):
        held = json.loads(value[len("other:"):])
        return note_number(held["value"]), round(held["gain"], 9)
    return number_of(value), round(gain_of(value) or 1.0, 9)


@pytest.mark.parametrize(("ours", "js"), ECHOES)
def test_echo_fades_each_copy_as_strudels_gain_does(ours, js):
    """Strudel's echo sets a gain on each copy (the original's is 1); here
    each copy's velocity is multiplied by it: the same notes, times and gains."""
    (answer,) = strudel_haps([js], js=True)
    theirs = [[(b, e, _loudness(v)) for b, e, v in canonical(haps)[0]] for haps in answer["spans"]]
    mine = [[(b, e, _loudness(v)) for b, e, v in onsets] for onsets, _ in haps_of(Interpreter().execute(ours))]
    assert [sorted(x, key=str) for x in mine] == [sorted(x, key=str) for x in theirs]
    assert {gain for cycle in mine for _, _, (_, gain) in cycle} >= {1.0, 0.8 if "0.8" in ours else 0.5}


def test_rangex_curves_a_signal_as_strudels_does():
    """Equal steps in, equal ratios out; the values agree with Strudel's
    to the last few bits (Math.exp and the C library's exp may round apart)."""
    js = "sine.rangex(20, 2000).segment(8)"
    (answer,) = strudel_haps([js], js=True)
    theirs = [canonical(haps)[0] for haps in answer["spans"]]
    mine = haps_of(Interpreter().execute("Sine(1).rangex(20, 2000).segment(8)"))
    assert [[(b, e) for b, e, _ in cycle] for cycle, _ in mine] == [[(b, e) for b, e, _ in cycle] for cycle in theirs]
    for (cycle, _), their_cycle in zip(mine, theirs):
        assert [v for _, _, v in cycle] == pytest.approx([v for _, _, v in their_cycle], rel=1e-12)
    assert {round(v, 6) for _, _, v in mine[0][0]} >= {200.0, 2000.0, 20.0}
