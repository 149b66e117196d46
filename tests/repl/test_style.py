"""What the REPL prints: errors, carets, warnings and hints stand out."""

from __future__ import annotations

from trackjammer.repl.style import colour_lines


def test_error_lines_and_carets_red_hints_dim_warnings_yellow_the_rest_as_is():
    text = "error: line 1, column 5: unknown name 'x'\n  let y = x\n          ^\nhint: did you mean 'y'?"
    assert colour_lines(text) == (
        "\x1b[31merror: line 1, column 5: unknown name 'x'\x1b[0m\n  let y = x\n"
        "\x1b[31m          ^\x1b[0m\n\x1b[2mhint: did you mean 'y'?\x1b[0m"
    )
    assert colour_lines("warning: x") == "\x1b[33mwarning: x\x1b[0m"
    assert colour_lines('pattern: 0 C4\n"^"\n^') == 'pattern: 0 C4\n"^"\n^'
