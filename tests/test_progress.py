"""The progress bar: hidden for quick work and outside a terminal, wiped when done."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pexpect

from trackjammer.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_quick_work_draws_nothing():
    out, clock = Terminal(), Clock()
    bar = Progress(10, "export", "cycles", stream=out, clock=clock)
    clock.now += 0.2
    bar.update(9)
    clock.now += 0.02
    bar.update(10)
    bar.close()
    assert out.getvalue() == ""


def test_work_that_looks_set_to_last_a_second_draws_a_bar_and_wipes_it():
    out, clock = Terminal(), Clock()
    bar = Progress(10, "export", "cycles", stream=out, clock=clock)
    clock.now += 0.3
    bar.update(1)  # 0.3 s for a tenth: about 3 s in all
    assert out.getvalue().startswith("\rexport [")
    assert out.getvalue().endswith("] 1/10 cycles")
    clock.now += 0.05
    bar.update(2)  # redrawn at most ten times a second
    assert out.getvalue().count("\r") == 1
    clock.now += 0.2
    bar.update(10)
    assert out.getvalue().endswith("] 10/10 cycles") and "#" * 10 in out.getvalue()
    bar.close()
    assert out.getvalue().endswith("\r\x1b[K")


def test_work_that_is_nearly_done_at_a_quarter_second_draws_nothing():
    out, clock = Terminal(), Clock()
    bar = Progress(10, "export", stream=out, clock=clock)
    clock.now += 0.3
    bar.update(9)  # 0.33 s in all: quick
    assert out.getvalue() == ""


def test_no_bar_when_the_output_is_not_a_terminal():
    out, clock = io.StringIO(), Clock()
    bar = Progress(10, "export", stream=out, clock=clock)
    clock.now += 5
    bar.update(1)
    bar.close()
    assert out.getvalue() == ""


# Long enough to take over a second, exports having become faster (issue 20).
LONG_EXPORT = 'let t = MidiTrack(1); t << [C4*16].chord("maj7"); t.cc(74) << Sine(0.25);\nmidi_export(t, 4000, "long.mid");\n'


def _script(tmp_path: Path) -> Path:
    script = tmp_path / "long.tj"
    script.write_text(LONG_EXPORT)
    return script


def test_a_long_export_shows_a_bar_in_a_terminal(tmp_path):
    script = _script(tmp_path)
    child = pexpect.spawn(
        sys.executable, ["-m", "trackjammer", "run", "--offline", str(script)], cwd=tmp_path,
        env={**os.environ, "COLUMNS": "80"}, encoding="utf-8", timeout=60,
    )
    child.expect(r"export \[[#-]+\] \d+/\d+ steps")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (tmp_path / "long.mid").stat().st_size > 100_000


def test_no_bar_when_output_goes_to_a_file_or_pipe(tmp_path):
    script = _script(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "trackjammer", "run", "--offline", str(script)], cwd=tmp_path,
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""
