"""A project name becomes one folder name under renders/ and sessions/:
safe (never outside them, never hidden), readable, and distinct for
distinct names in any script (issue 13 part 5, issue 15 item 10)."""

from __future__ import annotations

from pathlib import Path

import pytest

import trackjammer.core  # noqa: F401  (registers the pattern functions)
from trackjammer.lang.evaluator import Interpreter
from trackjammer.project.renders import safe_name
from trackjammer.session import Session


@pytest.mark.parametrize("name, folder", [
    ("../../etc", "etc"),  # '/' becomes '_', then the dots and '_' in front are dropped
    ("../x", "x"),
    (".hidden", "hidden"),
    ("-rf", "rf"),
    ("night drive", "night_drive"),
    ("a/b\\c:d", "a_b_c_d"),
    ("夜", "夜"),
    ("夜 2", "夜_2"),
    ("Привет мир", "Привет_мир"),
    ("नमस्ते", "नमस्ते"),  # the vowel signs are combining marks: kept
    ("e\u0301te\u0301", "\u00e9t\u00e9"),  # decomposed (as macOS stores it) → composed
    ("a\u202eb", "a_b"),  # a bidi override is not a letter
    ("🎵", "u1f3b5"),  # nothing readable: spelt by code point, not "untitled"
    ("🎵 🎸", "u1f3b5_u1f3b8"),
    ("..", "untitled"),
    ("/", "untitled"),
    ("   ", "untitled"),
])
def test_safe_name(name: str, folder: str) -> None:
    assert safe_name(name) == folder


def test_a_long_name_fits_a_file_name_in_bytes() -> None:
    assert safe_name("a" * 100) == "a" * 80
    assert safe_name("夜" * 100) == "夜" * 66  # 198 bytes of UTF-8, at most 200


@pytest.fixture
def interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Interpreter:
    monkeypatch.chdir(tmp_path)
    return Interpreter(Session(out=lambda text: None))


def tree(base: Path) -> list[str]:
    return sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_dir())


def test_a_project_named_up_the_tree_stays_under_renders_and_sessions(interpreter: Interpreter, tmp_path: Path) -> None:
    path = interpreter.execute('project("../../etc"); midi_export([C4], 1)')
    assert path.startswith("renders/etc/") and path.endswith("/export.mid")
    assert interpreter.execute('save("verse")') == "sessions/etc/verse.tj"
    stamp = Path(path).parent.name
    assert tree(tmp_path) == ["renders", "renders/etc", f"renders/etc/{stamp}", "sessions", "sessions/etc",
                              "sessions/etc/versions"]


def test_names_in_other_scripts_are_distinct_projects(interpreter: Interpreter, tmp_path: Path) -> None:
    for name in ("夜", "朝", "🎵", "🎸"):
        interpreter.execute(f'project("{name}"); midi_export([C4], 1)')
    assert sorted(p.name for p in (tmp_path / "renders").iterdir()) == ["u1f3b5", "u1f3b8", "夜", "朝"]
    assert interpreter.execute("project()") == "🎸"  # the name itself is kept as typed
