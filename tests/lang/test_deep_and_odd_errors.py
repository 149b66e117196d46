"""Issue 15, item 7: inputs that used to end in an internal error (exit 70,
a RecursionError or a TypeError) are language errors with a line, a column
and a hint: deep nesting followed by a syntax error, deep nesting while
working a value out or playing it, and a note with a velocity where a step
count is expected. Checked through the Interpreter (the REPL and `run`),
`respond` (what the REPL prints), and `trackjammer events` as a process."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction as F

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.errors import TrackJammerError
from trackjammer.lang.console import respond
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session

NESTED_49_THEN_ERROR = "[" * 49 + "C4 ]]" + "]" * 48  # one ']' too many
NESTED_HINT = "hint: nest fewer brackets or parentheses; build the value in steps with let"
STEP_COUNT = "the step count after '%' must be a plain number, not a note with a velocity"
STEP_HINT = "hint: write the count without ^ or other additions: {C4 E4 G4}%4 or {C4 E4 G4}%<4 8>"
REV_3000 = "let p = [C4 E4];\n" + "let p = p.rev();" * 3000 + "\np"


def events(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trackjammer", "events", *args], capture_output=True, text=True,
                          timeout=120)


def error_of(source: str) -> TrackJammerError:
    with pytest.raises(TrackJammerError) as caught:
        Interpreter(Session(out=lambda text: None)).execute(source)
    return caught.value


def with_little_stack(function, spare: int = 150):
    """Run `function` with only `spare` frames left before the recursion
    limit, as deep as a front end's own frames may leave it."""
    depth = 0
    frame = sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + spare)
    try:
        return function()
    finally:
        sys.setrecursionlimit(limit)


def test_a_syntax_error_after_49_nested_brackets_is_said_where_it_is():
    """Explaining it asked lark to copy its parse, trees and all, which
    recursed once per bracket; it is said as it is one bracket deep."""
    error = with_little_stack(lambda: error_of(NESTED_49_THEN_ERROR))
    shallow = error_of("[C4 ]]")
    assert (error.line, error.column) == (1, 102)
    assert error.message == shallow.message == "expected '(' or the end of the input; found ']'"
    assert error.hint == shallow.hint == "check that every '[' has its ']'"


def test_events_of_49_nested_brackets_then_a_syntax_error_exits_2_not_70():
    result = events(NESTED_49_THEN_ERROR)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: line 1, column 102: expected '(' or the end of the input; found ']'",
        "  " + NESTED_49_THEN_ERROR,
        "  " + " " * 101 + "^",
        "hint: check that every '[' has its ']'",
    ]


@pytest.mark.parametrize("source", [
    "(" * 1000 + "[C4]" + ")" * 1000,
    "[" + "<" * 1000 + "C4" + ">" * 1000 + "]",
    "[" + "{" * 1000 + "C4" + "}%3" * 1000 + "]",
    "[C4]" + ".fast(1)" * 5000,
    "stack(" * 1000 + "[C4]" + ")" * 1000,
])
def test_nesting_too_deep_to_read_is_a_language_error_with_a_hint(source):
    error = error_of(source)
    assert (error.line, error.column, error.message) == (1, 1, "this is nested too deeply to read")
    assert "hint: " + error.hint == NESTED_HINT


def test_a_value_built_from_itself_thousands_of_times_is_too_deep_to_play():
    """Each statement is shallow; playing the result recurses 3,000 deep."""
    out: list[str] = []
    assert respond(Interpreter(Session(out=out.append)), REV_3000, out.append) is False
    assert out[-1].splitlines()[0] == "error: line 3, column 1: this pattern is nested too deeply to play"
    assert out[-1].splitlines()[-1] == "hint: build it from fewer nested transformations"
    result = events(REV_3000)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: line 3, column 1: this pattern is nested too deeply to play",
        "  p",
        "  ^",
        "hint: build it from fewer nested transformations",
    ]


def test_a_note_with_a_velocity_as_a_step_count_is_a_language_error():
    result = events("[{C4 E4}%[4^80]]")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: line 1, column 11: " + STEP_COUNT, "  [{C4 E4}%[4^80]]", "            ^", STEP_HINT,
    ]


def test_a_step_count_pattern_fails_where_it_plays_with_its_place():
    """Cycle 0 plays %4; cycle 1's %[3 2^80] fails as it is played."""
    assert events("[{C4 E4}%<4 [3 2^80]>]").returncode == 0
    result = events("[{C4 E4}%<4 [3 2^80]>]", "--cycles", "1:2")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: line 1, column 11: " + STEP_COUNT, "  [{C4 E4}%<4 [3 2^80]>]", "            ^", STEP_HINT,
    ]


def test_a_plain_step_count_pattern_still_plays():
    session = Session()
    pattern = Interpreter(session).execute("[{C4 E4 G4}%<2 4>]")
    # cycle 1 at 4 steps a cycle: steps 4..7 of C4 E4 G4 over and over
    assert [(e.whole.begin, e.value) for e in pattern.onsets(1, 2)] == [
        (F(1), 64), (F(5, 4), 67), (F(3, 2), 60), (F(7, 4), 64)]


def test_runs_of_runs_are_bounded_like_one_run():
    """`a .. b .. c`: each note of the first run starts a run of its own; the
    fuzz found `[C4 .. 3 .. 3 ...]` growing past 10 GB before a note played."""
    error = error_of("[0 .. 99 .. 0 .. 99]")
    assert (error.line, error.column) == (1, 15)
    assert error.message == "a run of runs of 1,000,000 steps is too many (at most 10,000)"
    assert error.hint == "use fewer steps; a cycle cannot play this many notes"
    pattern = Interpreter().execute("[0 .. 2 .. 0]")  # 0 1 2, then 0, 1 0, 2 1 0
    assert [(e.whole.begin, e.value) for e in pattern.onsets(0, 1)] == [
        (F(0), 0), (F(1, 3), 1), (F(1, 2), 0), (F(2, 3), 2), (F(7, 9), 1), (F(8, 9), 0)]


def test_alternatives_that_all_weigh_nothing_are_silent():
    """`<C4@0>` divided by its total weight, 0 (ZeroDivisionError); a
    sequence of such steps was already silent."""
    for source in ("[<C4@0>]", "[<C4@0 E4@0>]", "[C4@0 E4@0]"):
        assert Interpreter().execute(source).onsets(0, 2) == []
    pattern = Interpreter().execute("[<C4@0 E4>]")
    assert [(e.whole.begin, e.value) for e in pattern.onsets(0, 2)] == [(F(0), 64), (F(1), 64)]


def test_events_says_an_argument_refused_while_playing_not_that_it_is_no_pattern():
    """It said "the input ends with a pattern, not a pattern"."""
    result = events("[C4(3,8,<0.5 1>)]")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: line 1, column 1: euclid's 'rotation' expects a whole number, got 0.5",
        "  [C4(3,8,<0.5 1>)]",
        "  ^",
    ]


def test_run_offline_of_such_a_script_exits_1_with_the_error(tmp_path):
    script = tmp_path / "deep.tj"
    script.write_text("let t = MidiTrack(1);\nt << " + NESTED_49_THEN_ERROR + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "trackjammer", "run", str(script), "--offline"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        f"{script}: error: line 2, column 107: expected a modifier (* / ! _ @ ? ^ or (k,n)), a method call (.name), "
        "an operator (+ - * /), '(', ';' or the end of the input; found ']'")
    shallow = error_of("let t = MidiTrack(1);\nt << [C4]]")
    assert shallow.message == result.stderr.splitlines()[0].split(": ", 3)[-1]
    assert result.stderr.splitlines()[-1] == "hint: check that every '[' has its ']'"


def test_silence_made_faster_by_a_huge_factor_stays_silent_at_once():
    """`[~*1e300]` counted to 10**300 laying out an empty template (a hang
    the fuzz found; a note there is refused as too many cycles)."""
    from tests.lang.test_fuzz import check_program

    assert check_program("[~*1e300]").kind == "ok"
    assert Interpreter().execute("[~*1e300 C4]").onsets(0, 1)[0].whole.begin == F(1, 2)
    with pytest.raises(TrackJammerError, match="^this asks for 1"):
        Interpreter().execute("[C4*1e300]").onsets(0, 1)
