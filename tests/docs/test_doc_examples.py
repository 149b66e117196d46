"""Every example in the docs and the README runs, and gives what it says.

Two kinds of fenced blocks are run.

Docs show pattern examples as fenced blocks tagged `events`:

    ```events
    [C4!3 E4]            (optionally: --cycles 0:2, default 0:1)
    0    1/4  C4
    1/4  1/2  C4
    ...
    ```

The first line is an expression, the rest are the onsets it must give, in
order of time then note: begin, end, note (a name such as E4 or a number),
and `^velocity` and `gain g` when set. A line `...` ends the listing early (only
the lines above it are checked).

Blocks tagged `session` are REPL transcripts: each line starting with `> `
is an input (following lines starting with `. ` continue it), and the lines
after it are exactly what TrackJammer answers (echoed values, print()
output, errors with their caret). One interpreter runs the whole block.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.commands.events import pattern_of, sorted_onsets
from trackjammer.lang.display import note_name, show_number
from trackjammer.core.time import format_time
from trackjammer.core.values import gain_of, number_of, velocity_of

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
BLOCK = re.compile(r"^```events\n(.*?)^```", re.S | re.M)
SESSION = re.compile(r"^```session\n(.*?)^```", re.S | re.M)


def examples():
    for path in DOCS:
        text = path.read_text()
        for match in BLOCK.finditer(text):
            line = text[: match.start()].count("\n") + 1
            yield pytest.param(match.group(1), id=f"{path.name}:{line}")


def sessions():
    for path in DOCS:
        text = path.read_text()
        for match in SESSION.finditer(text):
            line = text[: match.start()].count("\n") + 1
            yield pytest.param(match.group(1), id=f"{path.name}:{line}")


def _inputs(block: str) -> list[tuple[str, list[str]]]:
    """[(input, expected output lines)] of a transcript."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.rstrip("\n").split("\n"):
        if line.startswith("> "):
            steps.append((line[2:], []))
        elif line.startswith(". ") and steps and not steps[-1][1]:
            steps[-1] = (steps[-1][0] + "\n" + line[2:], [])
        elif steps:
            steps[-1][1].append(line)
        else:
            raise AssertionError(f"a transcript starts with '> ': {line!r}")
    return steps


@pytest.mark.parametrize("block", list(sessions()))
def test_doc_session(block: str, tmp_path, monkeypatch):
    """Each transcript runs in an empty folder of its own (exports write files)."""
    from trackjammer.lang.console import respond
    from trackjammer.lang.evaluator import Interpreter

    monkeypatch.chdir(tmp_path)
    interpreter = Interpreter()
    for text, expected in _inputs(block):
        written: list[str] = []
        respond(interpreter, text, written.append)
        got = "\n".join(written).split("\n") if written else []
        assert got == expected, f"input: {text}"


def render(event) -> str:
    number = number_of(event.value)
    shown = note_name(number) or show_number(number)
    velocity, gain = velocity_of(event.value), gain_of(event.value)
    suffix = ("" if velocity is None else f" ^{velocity}") + ("" if gain is None else f" gain {gain:g}")
    return f"{format_time(event.whole.begin)} {format_time(event.whole.end)} {shown}{suffix}"


@pytest.mark.parametrize("block", list(examples()))
def test_doc_example(block: str):
    lines = [line.strip() for line in block.strip().splitlines()]
    head, expected = lines[0], lines[1:]
    cycles = (Fraction(0), Fraction(1))
    if " --cycles " in head:
        head, _, span = head.partition(" --cycles ")
        begin, end = span.split(":")
        cycles = (Fraction(begin), Fraction(end))
    got = [render(e) for e in sorted_onsets(pattern_of(head), *cycles)]
    if expected and expected[-1] == "...":
        expected = expected[:-1]
        got = got[: len(expected)]
    assert got == [" ".join(line.split()) for line in expected]


def test_there_are_examples():
    assert len(list(examples())) >= 30
