"""Sequences of plain values are flattened into templates (a speed-up). This
checks that the shortcut gives exactly what the general path gives: the same
patterns built with opaque atoms (no template) must answer every query with
the same events, fragments included."""

from __future__ import annotations

from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st

import trackjammer.core  # noqa: F401
from trackjammer.core.constructors import pure
from trackjammer.core.pattern import Pattern
from trackjammer.lang import mini_patterns
from trackjammer.lang.mini_parser import parse_mini

atoms = st.sampled_from(["C4", "E4", "G4", "60", "~", "-"])


def _terms(inner):
    return st.one_of(
        inner.map(lambda s: f"[{s}]"),
        inner.map(lambda s: f"<{s}>"),
        inner.map(lambda s: "{" + s + "}%3"),
    )


sequences = st.recursive(
    atoms,
    lambda inner: st.lists(
        st.tuples(
            st.one_of(atoms, _terms(inner)),
            st.sampled_from(["", "*2", "/2", "!2", "@2", "*3", "(3,8)", "(2,5,1)", " _"]),
        ).map("".join),
        min_size=1,
        max_size=4,
    ).map(" ".join),
    max_leaves=8,
)

windows = st.tuples(st.integers(0, 23), st.integers(1, 12)).map(lambda t: (F(t[0], 4), F(t[0], 4) + F(t[1], 8)))


def _opaque_atom(atom):
    return Pattern(pure(atom.value, ((atom.pos.line, atom.pos.column),)).query)


def _fragments(pattern, begin, end):
    return sorted((e.whole, e.part, e.value) for e in pattern.query_span(begin, end))


@settings(max_examples=150, deadline=None)
@given(text=sequences, window=windows)
def test_template_shortcut_equals_the_general_path(monkeypatch_module, text, window):
    fast_path = mini_patterns.build(parse_mini(text))
    with monkeypatch_module.context() as patch:
        patch.setattr(mini_patterns, "_atom", _opaque_atom)
        general = mini_patterns.build(parse_mini(text))
    assert general.template is None or general.template == ()
    begin, end = window
    assert _fragments(fast_path, begin, end) == _fragments(general, begin, end)
    for cycle in range(3):
        assert _fragments(fast_path, cycle, cycle + 1) == _fragments(general, cycle, cycle + 1)
