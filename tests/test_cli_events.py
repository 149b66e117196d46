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


def test_a_gain_shows_where_a_note_has_one():
    result = run("[C4^90 E4].echo(2, 1/4, 0.5)", "--json")
    assert json.loads(result.stdout) == [
        {"begin": "0", "end": "1/2", "note": 60, "velocity": 90},
        {"begin": "1/4", "end": "3/4", "note": 60, "velocity": 90, "gain": 0.5},
        {"begin": "1/2", "end": "1", "note": 64, "velocity": None},
        {"begin": "3/4", "end": "5/4", "note": 64, "velocity": None, "gain": 0.5},
    ]
    assert run("[C4 E4].gain(0.25)").stdout.splitlines() == [
        "   begin       end   note        velocity    gain",
        "       0       1/2     60  C4           -    0.25",
        "     1/2         1     64  E4           -    0.25",
        "2 events",
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


def test_signal_values_are_shown_rounded_in_the_table_and_exact_in_json():
    table = run("Sine(1).segment(8).range(40, 90)", "--cycles", "0:1/4").stdout.splitlines()
    assert table[1:3] == [
        "       0       1/8     65               -",
        "     1/8       1/4  82.678               -",
    ]
    rows = json.loads(run("Sine(1).segment(8).range(40, 90)", "--cycles", "0:1/4", "--json").stdout)
    assert [row["note"] for row in rows] == [65.0, 82.67766952966369]


def test_every_command_of_the_readme_tour_runs():
    from pathlib import Path
    import shlex

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    commands = [line.split("#")[0] for line in readme.splitlines() if line.startswith("scripts/trackjammer events")]
    assert len(commands) == 12
    for command in commands:
        args = shlex.split(command)[2:]
        result = run(*args)
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout.strip(), command


def test_a_string_alone_is_read_as_mini_notation_as_strudel_users_type_it():
    result = run('"c e <g b>"', "--cycles", "1:2", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"begin": "1", "end": "4/3", "note": 60, "velocity": None},
        {"begin": "4/3", "end": "5/3", "note": 64, "velocity": None},
        {"begin": "5/3", "end": "2", "note": 71, "velocity": None},
    ]
    named = run('"hello"')  # a name, not notes: a string still
    assert named.returncode == 2
    assert named.stderr.splitlines()[0] == 'error: the input ends with the string "hello", not a pattern'
    wrong = run('"c e X"')  # a slip inside it is shown inside it
    assert wrong.stderr.splitlines()[:3] == [
        "error: line 1, column 6: expected a note, a number, a drum name or a rest (~); found 'X'",
        '  "c e X"',
        "       ^",
    ]
