"""`trackjammer events`, run as a real process."""

from __future__ import annotations

import json
import subprocess
import sys

ISSUE_EXAMPLE = "[C4 [E4 G4]*2 <C5 B4>](3,8)"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "trackjammer", "events", *args], capture_output=True, text=True, timeout=60
    )


def test_json_of_the_issue_example_is_exact():
    result = run(ISSUE_EXAMPLE, "--cycles", "0:2", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"begin": "0", "end": "1/8", "note": 60, "velocity": None},
        {"begin": "3/8", "end": "1/2", "note": 64, "velocity": None},
        {"begin": "3/4", "end": "7/8", "note": 72, "velocity": None},
        {"begin": "1", "end": "9/8", "note": 60, "velocity": None},
        {"begin": "11/8", "end": "3/2", "note": 64, "velocity": None},
        {"begin": "7/4", "end": "15/8", "note": 71, "velocity": None},
    ]


def test_events_are_sorted_by_time_then_note_with_velocities():
    result = run("[[G4,C4^90,E4] D4^70]", "--cycles", "1:2", "--json")
    assert json.loads(result.stdout) == [
        {"begin": "1", "end": "3/2", "note": 60, "velocity": 90},
        {"begin": "1", "end": "3/2", "note": 64, "velocity": None},
        {"begin": "1", "end": "3/2", "note": 67, "velocity": None},
        {"begin": "3/2", "end": "2", "note": 62, "velocity": 70},
    ]


def test_readable_table():
    result = run("[C4 E4^80].fast(2)", "--cycles", "0:1/2")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "   begin       end   note        velocity",
        "       0       1/4     60  C4           -",
        "     1/4       1/2     64  E4          80",
        "2 events",
    ]


def test_a_bad_expression_exits_2_with_the_column():
    result = run("[C4 X4]")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: line 1, column 5: expected a note")
    assert lines[1:3] == ["  [C4 X4]", "      ^"]


def test_something_that_is_not_a_pattern_exits_2():
    result = run('"hello"')
    assert result.returncode == 2
    assert "not a pattern" in result.stderr


def test_a_bad_cycle_range_exits_2():
    result = run("[C4]", "--cycles", "3:1")
    assert result.returncode == 2
    assert "the end must come after the beginning" in result.stderr
