"""The parsers are cached in the user's cache folder (lang/grammar_cache.py):
built once, loaded after, never stale, never half written, and parsing
exactly as a parser built afresh."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lark import Lark, UnexpectedInput

from trackjammer.lang import grammar_cache
from trackjammer.lang.grammar_cache import cache_folder, cached_parser, grammar_key

LANG = Path(grammar_cache.__file__).parent
SCRIPT, MINI = LANG / "trackjammer.lark", LANG / "mini.lark"
PROGRAMS = [
    'let bass = MidiTrack(1, 80); bass << [C2 E2 G2(3,8)]; bass.cc(74) << Sine(0.25).range(20, 100)',
    'midi_export(#[a, b], 8, "song.mid", loop: false)', '[C4 [E4 G4]*2 <C5 B4>](3,8).every(2, rev)',
    '"C3 E3 G3" * 2 + 12', "let x = -1/3; print(x)",
]
BROKEN = ["let = 4", "[C4 E4", "t << [C4 E4]]", "foo(,)", "let a = [C4 E4](3,)", "x.fast("]
BROKEN_STRINGS = ['"C4 [E4"', '"C4 E4>"', '"C4(3,)"']


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "trackjammer"


def outcome(parser: Lark, text: str) -> str:
    try:
        return parser.parse(text).pretty()
    except UnexpectedInput as error:
        expected = sorted(map(str, getattr(error, "expected", None) or getattr(error, "allowed", None) or ()))
        return f"{type(error).__name__} at {error.line}:{error.column} expecting {expected}"


def test_the_first_start_saves_the_parser_and_the_next_loads_it(cache_home: Path, monkeypatch: pytest.MonkeyPatch):
    fresh = Lark.open(str(SCRIPT), parser="lalr", maybe_placeholders=False)  # as the parser was made before the cache
    cached_parser(SCRIPT, maybe_placeholders=False)
    (saved,) = cache_home.glob("trackjammer-*.lark-cache")
    assert saved.name == f"trackjammer-{grammar_key(SCRIPT, {'maybe_placeholders': False})}.lark-cache"
    assert list(cache_home.glob("*.part")) == []

    def no_building(*args, **kwargs):
        raise AssertionError("built again instead of loaded")

    monkeypatch.setattr(Lark, "open", no_building)
    loaded = cached_parser(SCRIPT, maybe_placeholders=False)
    for text in PROGRAMS + BROKEN:
        assert outcome(loaded, text) == outcome(fresh, text)


ERRORS = """
import sys
from trackjammer.errors import TrackJammerError
from trackjammer.lang.mini_parser import parse_mini
from trackjammer.lang.parser import parse_program
for text in sys.argv[1:]:
    try:
        parse_program(text)
        parse_mini(text[1:-1])  # a string's inside: mini-notation
    except TrackJammerError as error:
        print(error.format())
"""


def test_a_loaded_parser_says_syntax_errors_word_for_word(cache_home: Path):
    """The errors a performer reads come from the parser's own tables
    (interactive parsing, its terminals): a process that loads the parsers
    says exactly what the one that built them said."""
    def run() -> str:
        done = subprocess.run([sys.executable, "-c", ERRORS, *BROKEN, *BROKEN_STRINGS], capture_output=True,
                              text=True, check=True, env={**os.environ, "XDG_CACHE_HOME": str(cache_home.parent)})
        return done.stdout

    built = run()
    assert sorted(p.name.split("-")[0] for p in cache_home.glob("*.lark-cache")) == ["mini", "trackjammer"]
    assert built.count("error: line 1, column") == len(BROKEN) + len(BROKEN_STRINGS)
    assert "expected a note, a number, a rest (~), '[', '<' or '{'; found ')'" in built
    assert run() == built


def test_a_changed_grammar_is_a_new_file_and_never_reads_the_old_one(cache_home: Path, tmp_path: Path):
    """The key covers the grammar and the grammars it imports: editing
    mini.lark changes the script parser's file too."""
    grammars = tmp_path / "grammars"
    grammars.mkdir()
    for path in (SCRIPT, MINI):
        shutil.copy(path, grammars / path.name)
    script, mini = grammars / SCRIPT.name, grammars / MINI.name
    before = cached_parser(script, maybe_placeholders=False)
    assert outcome(before, "let a = [C4 E4]").startswith("start")
    first = grammar_key(script, {"maybe_placeholders": False})
    assert "REST: /~|" in mini.read_text()
    mini.write_text(mini.read_text().replace("REST: /~|", "REST: /%|~|"))  # a rest of another spelling
    assert grammar_key(script, {"maybe_placeholders": False}) != first
    after = cached_parser(script, maybe_placeholders=False)
    assert outcome(after, "let a = [C4 % E4]").startswith("start")  # the new grammar, not the old file
    assert outcome(before, "let a = [C4 % E4]").startswith("Unexpected")
    assert len(list(cache_home.glob("trackjammer-*.lark-cache"))) == 2


@pytest.mark.parametrize("change", [{"start": "mini"}, {"maybe_placeholders": True}])
def test_the_options_are_in_the_key(change):
    assert grammar_key(MINI, change) != grammar_key(MINI, {"maybe_placeholders": False})


def test_a_damaged_file_is_built_again_and_replaced(cache_home: Path):
    cached_parser(MINI, start="mini", maybe_placeholders=False)
    (saved,) = cache_home.glob("mini-*.lark-cache")
    whole = saved.read_bytes()
    saved.write_bytes(whole[: len(whole) // 2])  # a write cut short by a crash, say
    parser = cached_parser(MINI, start="mini", maybe_placeholders=False)
    assert outcome(parser, "C4 [E4 G4]").startswith("mini")
    with saved.open("rb") as again:  # whole again (the bytes may differ: pickled sets keep no order)
        assert outcome(Lark.load(again), "C4 [E4 G4]") == outcome(parser, "C4 [E4 G4]")


def test_without_a_folder_that_can_be_written_the_parser_is_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    parser = cached_parser(MINI, start="mini", maybe_placeholders=False)
    assert outcome(parser, "C4 E4").startswith("mini")
    assert blocker.read_text() == "" and list(tmp_path.iterdir()) == [blocker]


def test_the_folder_is_the_users_cache_never_a_system_one(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "/home/ann/.cache-elsewhere")
    assert cache_folder() == Path("/home/ann/.cache-elsewhere/trackjammer")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # not absolute: ignored, as XDG says
    monkeypatch.setenv("HOME", "/home/ann")
    assert cache_folder() == Path("/home/ann/.cache/trackjammer")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.delenv("HOME")
    assert cache_folder() is None


def test_two_threads_building_at_once_leave_one_whole_file(cache_home: Path):
    """The REPL loads the parsers in the background while its prompt thread
    may ask for them: they take turns (lark cannot build in two threads at
    once on CPython 3.11), the first builds and saves, the others load that."""
    import threading

    parsers: list[Lark] = []
    threads = [threading.Thread(target=lambda: parsers.append(cached_parser(SCRIPT, maybe_placeholders=False)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (saved,) = cache_home.glob("trackjammer-*.lark-cache")
    assert list(cache_home.glob("*.part")) == []
    with saved.open("rb") as whole:
        loaded = Lark.load(whole)
    assert len(parsers) == 4
    assert {outcome(p, PROGRAMS[0]) for p in parsers} == {outcome(loaded, PROGRAMS[0])}
