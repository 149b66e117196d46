"""The pygments lexer: the exact tokens of a reference file, and the plugin entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pygments import lex
from pygments.lexers import get_lexer_by_name
from pygments.token import Whitespace

from trackjammer.repl.lexer import TrackJammerLexer

REFERENCE = Path(__file__).with_name("reference.tj")

EXPECTED = [
    ('Comment.Single', '// a reference file for the lexer test'),
    ('Keyword.Declaration', 'let'),
    ('Name', 'bass'),
    ('Operator', '='),
    ('Name.Builtin', 'MidiTrack'),
    ('Punctuation', '('),
    ('Number', '1'),
    ('Punctuation', ','),
    ('Number', '80'),
    ('Punctuation', ')'),
    ('Punctuation', ';'),
    ('Name', 'bass'),
    ('Operator', '<<'),
    ('Punctuation', '['),
    ('Name.Constant', 'C2'),
    ('Name.Constant', 'E2'),
    ('Operator', '^'),
    ('Name.Attribute', '90'),
    ('Operator', '~'),
    ('Operator', '<'),
    ('Name.Constant', 'G2'),
    ('Name.Constant', 'Bb2'),
    ('Operator', '>'),
    ('Operator', '*'),
    ('Number', '2'),
    ('Punctuation', ']'),
    ('Punctuation', '('),
    ('Number', '3'),
    ('Punctuation', ','),
    ('Number', '8'),
    ('Punctuation', ','),
    ('Number', '2'),
    ('Punctuation', ')'),
    ('Punctuation', ';'),
    ('Name', 'bass'),
    ('Punctuation', '.'),
    ('Name.Function', 'cc'),
    ('Punctuation', '('),
    ('Number', '74'),
    ('Punctuation', ')'),
    ('Operator', '<<'),
    ('Name.Builtin', 'Sine'),
    ('Punctuation', '('),
    ('Number', '0.25'),
    ('Punctuation', ')'),
    ('Punctuation', '.'),
    ('Name.Function', 'range'),
    ('Punctuation', '('),
    ('Number', '20'),
    ('Punctuation', ','),
    ('Number', '100'),
    ('Punctuation', ')'),
    ('Punctuation', ';'),
    ('Keyword.Declaration', 'let'),
    ('Name', 'd'),
    ('Operator', '='),
    ('Punctuation', '['),
    ('Name.Constant', 'c4'),
    ('Operator', '!3'),
    ('Operator', '-'),
    ('Name.Constant', 'f#4'),
    ('Operator', '@2'),
    ('Operator', '_'),
    ('Operator', '{'),
    ('Name.Constant', 'a3'),
    ('Name.Constant', 'b3'),
    ('Operator', '}'),
    ('Operator', '%'),
    ('Number', '4'),
    ('Name.Constant', 'e4'),
    ('Operator', '?'),
    ('Operator', '.'),
    ('Number', '60'),
    ('Operator', '..'),
    ('Number', '62'),
    ('Operator', '|'),
    ('Name.Constant', 'd4'),
    ('Operator', '/'),
    ('Number', '2'),
    ('Punctuation', ']'),
    ('Punctuation', ';'),
    ('Name.Builtin', 'print'),
    ('Punctuation', '('),
    ('String.Double', '"'),
    ('String.Double', 'hi '),
    ('String.Escape', '\\"'),
    ('String.Double', 'there'),
    ('String.Escape', '\\"'),
    ('String.Double', '"'),
    ('Punctuation', ','),
    ('Keyword.Constant', 'true'),
    ('Punctuation', ','),
    ('Keyword.Constant', 'none'),
    ('Punctuation', ','),
    ('Punctuation', '#['),
    ('Name', 'bass'),
    ('Punctuation', ']'),
    ('Punctuation', ','),
    ('Name.Constant', 'C3'),
    ('Punctuation', ')'),
    ('Punctuation', ';'),
]


def tokens(source: str) -> list[tuple[str, str]]:
    return [(str(kind).removeprefix("Token.").replace("Literal.", ""), text)
            for kind, text in lex(source, TrackJammerLexer()) if kind is not Whitespace]


def test_the_reference_file_gives_exactly_these_tokens():
    assert tokens(REFERENCE.read_text()) == EXPECTED


def test_the_lexer_gives_back_every_character():
    source = REFERENCE.read_text()
    assert "".join(text for _, text in lex(source, TrackJammerLexer())) == source


def test_an_unknown_character_is_an_error_token_and_lexing_goes_on():
    assert tokens("let a = [C4 X4] $ 3") == [
        ("Keyword.Declaration", "let"), ("Name", "a"), ("Operator", "="), ("Punctuation", "["),
        ("Name.Constant", "C4"), ("Error", "X"), ("Number", "4"), ("Punctuation", "]"), ("Error", "$"),
        ("Number", "3"),
    ]


def test_drum_names_strudel_accidentals_and_weights_in_a_pattern():
    assert tokens("[bd ~ sd, HH*8] [ef4 c##4 cb 1e1 _2 @ bdx]") == [
        ("Punctuation", "["), ("Name.Constant", "bd"), ("Operator", "~"), ("Name.Constant", "sd"), ("Operator", ","),
        ("Name.Constant", "HH"), ("Operator", "*"), ("Number", "8"), ("Punctuation", "]"),
        ("Punctuation", "["), ("Name.Constant", "ef4"), ("Name.Constant", "c##4"), ("Name.Constant", "cb"),
        ("Number", "1e1"), ("Operator", "_2"), ("Operator", "@"),
        ("Error", "b"), ("Error", "d"), ("Error", "x"), ("Punctuation", "]"),
    ]


def test_an_unterminated_string_ends_at_the_end_of_its_line():
    assert tokens('print("abc\nlet') == [
        ("Name.Builtin", "print"), ("Punctuation", "("), ("String.Double", '"'), ("String.Double", "abc"),
        ("Keyword.Declaration", "let"),
    ]


def test_pygments_finds_the_lexer_by_its_plugin_name():
    assert type(get_lexer_by_name("trackjammer")) is TrackJammerLexer
    assert type(get_lexer_by_name("tj")) is TrackJammerLexer


def test_pygmentize_highlights_a_file_with_it():
    pygmentize = Path(sys.executable).with_name("pygmentize")
    result = subprocess.run([str(pygmentize), "-l", "trackjammer", "-f", "raw", str(REFERENCE)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [
        "Token.Comment.Single\t'// a reference file for the lexer test'",
        "Token.Text.Whitespace\t'\\n'",
        "Token.Keyword.Declaration\t'let'",
    ]
