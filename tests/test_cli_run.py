"""`trackjammer run FILE [--offline]`, run as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest


def trackjammer(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "trackjammer", *args], capture_output=True, text=True, timeout=60, cwd=cwd
    )


def test_a_script_runs_offline_and_prints(tmp_path: Path):
    script = tmp_path / "night_drive.tj"
    script.write_text(
        "// the contract's first taste, minus what needs export\n"
        "let bass = MidiTrack(1, 80);\n"
        "let lead = MidiTrack(2, 110);\n"
        "bass << [C2 E2 G2];\n"
        "lead << [C5 E5^110 G5 ~].fast(2);\n"
        "lead.cc(74) << Sine(0.25);\n"
        "bass.vel << Sine(1).range(60, 110);\n"
        "print(project(), tracks());\n"
        "cps(0.5)\n"  # expression statements echo nothing in run
    )
    result = trackjammer("run", str(script), "--offline")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == 'night_drive #[MidiTrack(1, 80, name: "bass"), MidiTrack(2, 110, name: "lead")]\n'


def test_project_option_overrides_the_file_name(tmp_path: Path):
    script = tmp_path / "a.tj"
    script.write_text("print(project())")
    assert trackjammer("run", str(script), "--offline", "--project", "Live Set").stdout == "Live Set\n"


def test_an_error_names_the_file_and_exits_1_after_the_statements_before_it(tmp_path: Path):
    script = tmp_path / "bad.tj"
    script.write_text('print("first");\nlet t = MidiTrack(1);\nt << [C4 E4].fsat(2);\nprint("never");\n')
    result = trackjammer("run", str(script), "--offline")
    assert result.returncode == 1
    assert result.stdout == "first\n"
    assert result.stderr.splitlines() == [
        f"{script}: error: line 3, column 14: patterns have no method 'fsat'",
        "  t << [C4 E4].fsat(2);",
        "               ^",
        "hint: did you mean 'fast'?",
    ]


def test_a_bracket_left_open_at_the_end_of_a_file_is_shown_where_the_file_ends(tmp_path: Path):
    """Not on the empty line after the file's last newline (no line, no caret to show)."""
    script = tmp_path / "open.tj"
    script.write_text("let t = MidiTrack(1);\nt << [C4 E4\n\n")
    result = trackjammer("run", str(script), "--offline")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{script}: error: line 2, column 12: expected a note, a number, a rest (~), a group ([ < {{), '(' or ']';"
        " the input ended",
        "  t << [C4 E4",
        "             ^",
        "hint: check that every '[' has its ']'",
    ]


def test_a_missing_file_exits_1(tmp_path: Path):
    result = trackjammer("run", str(tmp_path / "nope.tj"), "--offline")
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: cannot read {tmp_path / 'nope.tj'}")


def test_without_offline_it_plays_the_cycles_asked_for_in_real_time(tmp_path: Path):
    script = tmp_path / "a.tj"
    script.write_text('cps(4); let a = MidiTrack(1); a << [C4 E4]; print("ready")')
    started = time.monotonic()
    result = trackjammer("run", str(script), "--cycles", "2", cwd=tmp_path)  # the take is recorded there
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ready\n"
    assert took >= 0.5  # two cycles at 4 per second


@pytest.mark.parametrize("bad", ["0", "1.5", "x"])
def test_a_bad_number_of_cycles_is_refused(tmp_path: Path, bad: str):
    script = tmp_path / "a.tj"
    script.write_text("let a = 1")
    result = trackjammer("run", str(script), "--cycles", bad)
    assert result.returncode == 2
    assert f"'{bad}' is not a whole number of cycles of at least 1" in result.stderr


def test_events_accepts_statements_ending_with_a_track():
    result = trackjammer("events", "let t = MidiTrack(2); t << [C4 E4^90]; t.transpose(12); t", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"begin": "0", "end": "1/2", "note": 72, "velocity": None},
        {"begin": "1/2", "end": "1", "note": 76, "velocity": 90},
    ]


def test_events_uses_the_seed_a_program_sets():
    by_option = trackjammer("events", "[C4*16?]", "--seed", "5", "--json").stdout
    by_program = trackjammer("events", "seed(5); [C4*16?]", "--json").stdout
    assert by_option == by_program
    assert by_option != trackjammer("events", "[C4*16?]", "--json").stdout


def test_events_of_a_track_without_notes_is_a_clear_error():
    result = trackjammer("events", "let t = MidiTrack(1); t")
    assert result.returncode == 2
    assert result.stderr.startswith("error: the track t has no notes bound")


def test_print_inside_events_goes_to_stderr_so_json_stays_clean():
    result = trackjammer("events", 'print("hello"); [C4]', "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == [{"begin": "0", "end": "1", "note": 60, "velocity": None}]
    assert result.stderr == "hello\n"


def test_an_internal_bug_is_one_short_message_and_a_traceback_only_with_debug(monkeypatch, capsys):
    from trackjammer import cli
    from trackjammer.core.registry import REGISTRY

    def broken(pattern, factor):
        raise ValueError("boom")

    entry = REGISTRY["fast"]
    monkeypatch.setitem(REGISTRY, "fast", type(entry)(**{**entry.__dict__, "function": broken}))
    assert cli.main(["events", "[C4].fast(2)"]) == 70
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "internal error (ValueError: boom): this is a bug in TrackJammer, not in your input.",
        "hint: run again with --debug for the details, and please report it",
    ]
    assert cli.main(["--debug", "events", "[C4].fast(2)"]) == 70
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "ValueError: boom" in err


def test_a_line_on_stderr_is_one_write_so_threads_cannot_splice_lines(monkeypatch):
    """The engine reports from threads of its own while the watch says what a
    save did: print() writes a line's end apart, and a report written in
    between once made a watch line start with a warning."""
    import io

    from trackjammer.commands import run

    class Writes(io.StringIO):
        calls: list[str] = []

        def write(self, text: str) -> int:
            self.calls.append(text)
            return len(text)

    monkeypatch.setattr(sys, "stderr", Writes())
    run.say("song.tj: saved, 3 of 5 statements run")
    run.say("song.tj: error: …\nsong.tj: not applied: nothing changed")
    assert Writes.calls == ["song.tj: saved, 3 of 5 statements run\n",
                            "song.tj: error: …\nsong.tj: not applied: nothing changed\n"]
