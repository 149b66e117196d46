"""Expressions: parsing into the AST, evaluation, and errors with positions."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.core.values import Note
from trackjammer.errors import TrackJammerError
from trackjammer.lang import ast
from trackjammer.lang.evaluator import evaluate_expression
from trackjammer.lang.parser import parse_expression


def onsets(text, begin=0, end=1):
    return [(e.whole.begin, e.whole.end, e.value) for e in evaluate_expression(text).onsets(begin, end)]


def error_of(text) -> TrackJammerError:
    with pytest.raises(TrackJammerError) as caught:
        evaluate_expression(text)
    return caught.value


def test_parse_gives_dataclasses_with_positions():
    node = parse_expression('[C4 E4].fast(2) + 12')
    assert isinstance(node, ast.Binary) and node.op == "+" and node.pos.column == 17
    call = node.left
    assert isinstance(call, ast.MethodCall) and call.method == "fast" and call.pos.column == 9
    assert call.args == (ast.Constant(2, ast.Pos(1, 14)),)
    assert isinstance(call.target, ast.PatternLiteral) and call.target.pos.column == 1


def test_literal_with_trailing_euclid_is_the_issue_example():
    assert onsets("[C4 [E4 G4]*2 <C5 B4>](3,8)", 0, 2) == [
        (F(0), F(1, 8), 60), (F(3, 8), F(1, 2), 64), (F(3, 4), F(7, 8), 72),
        (F(1), F(9, 8), 60), (F(11, 8), F(3, 2), 64), (F(7, 4), F(15, 8), 71),
    ]


def test_method_chains_curried_arguments_and_keywords():
    assert onsets("[C4 E4].fast(2)") == [
        (F(0), F(1, 4), 60), (F(1, 4), F(1, 2), 64), (F(1, 2), F(3, 4), 60), (F(3, 4), F(1), 64),
    ]
    assert [v for _, _, v in onsets("[C4 E4 G4].every(2, rev)", 0, 2)] == [67, 64, 60, 60, 64, 67]
    assert [v for _, _, v in onsets('[0 2 4].scale("dorian", root: "C3")')] == [48, 51, 55]


def test_arithmetic_on_patterns_and_signals():
    assert [v for _, _, v in onsets("[0 4 7] + 60")] == [60, 64, 67]
    assert [v for _, _, v in onsets("[C4^80 E4] - 12")] == [Note(48, 80), 52]
    assert [v for _, _, v in onsets("-[1 2].mul(2)")] == [-2, -4]
    values = [v for _, _, v in onsets("(Saw(1).mul(0.5) + 0.25).segment(4)")]
    assert values == [0.25, 0.375, 0.5, 0.625]


def test_division_of_whole_numbers_is_exact():
    assert evaluate_expression("1/3") == F(1, 3)
    assert evaluate_expression("6/3") == 2 and isinstance(evaluate_expression("6/3"), int)
    assert onsets("[C4 E4].late(1/3)") == [(F(1, 3), F(5, 6), 60), (F(5, 6), F(4, 3), 64)]
    assert [b for b, _, _ in onsets("[C4 E4 G4 B4].swing(1/3, 2)")] == [0, F(1, 3), F(1, 2), F(5, 6)]


def test_a_bare_function_with_defaults_can_be_passed():
    assert [v for _, _, v in onsets("[C4 E4 G4 B4].every(2, degrade)", 1, 2)] == [60, 64, 67, 71]
    degraded = onsets("[C4 E4 G4 B4].every(2, degrade)", 0, 1)
    assert degraded == onsets("[C4 E4 G4 B4].degrade()", 0, 1)
    assert len(degraded) < 4


def test_strings_keep_their_escapes():
    assert evaluate_expression(r'"a \"b\" \\ c\n"') == 'a "b" \\ c\n'


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("[C4 E4", 7, "expected a note, a number"),
        ("[C4 X4]", 5, "found 'X4'"),
        ("[C4 E4].fast(", 14, "a number"),
        ("[C4 E4] +", 10, "a number"),
        ("[C4 E4]]", 8, "found ']'"),
        ('"open', 1, "found '\"'"),
    ],
)
def test_syntax_errors_name_the_column_and_what_was_expected(text, column, words):
    error = error_of(text)
    assert (error.line, error.column) == (1, column)
    assert words in error.message
    formatted = error.format().splitlines()
    assert formatted[1] == "  " + text
    assert formatted[2] == "  " + " " * (column - 1) + "^"


def test_unclosed_bracket_says_what_closes_it():
    error = error_of("[C4 E4")
    assert error.message.startswith("expected a note, a number, a rest (~), a group ([ < {), '(' or ']'")
    assert error.hint == "check that every '[' has its ']'"


@pytest.mark.parametrize(
    ("text", "column", "message", "hint"),
    [
        ("[C4 E4].fsat(2)", 9, "patterns have no method 'fsat'", "did you mean 'fast'?"),
        ("sacle(1)", 1, "unknown function 'sacle'", "did you mean 'scale'?"),
        ('[C4].scale("dorain")', 6, "unknown scale 'dorain'", "did you mean 'dorian'?"),
        ('[C4].chord("mjr7")', 6, "unknown chord 'mjr7'", "did you mean 'maj7'?"),
        ('[C4 E4].fast("x")', 9, "fast's 'factor' expects a number, got the string \"x\"", None),
        ("[C4 E4].fast(2, 3)", 9, "fast takes 1 argument but was given 2", "use fast(factor)"),
        ("[C4 E4].every(2, fast)", 9, "every was given fast without its argument 'factor'", "use fast(factor)"),
        ('"up" + 1', 6, "cannot use '+' with the string \"up\"", "use numbers and patterns"),
        ("[G#9]", 2, "note G#9 is 128, outside MIDI's 0..127", "MIDI notes run from C-1 (0) to G9 (127)"),
    ],
)
def test_runtime_errors_point_at_the_call(text, column, message, hint):
    error = error_of(text)
    assert (error.line, error.column) == (1, column)
    assert error.message == message
    assert error.hint == hint


def test_errors_inside_patterns_surface_when_queried():
    pattern = evaluate_expression("[1 2].div([0 1])")
    with pytest.raises(TrackJammerError, match="division by zero"):
        pattern.onsets(0, 1)
