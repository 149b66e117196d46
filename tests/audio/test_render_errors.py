"""Bad input to render() and soundfont(): a clear error with a hint, and
nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.lang.console import respond
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session

SETUP = "let t = MidiTrack(1); t << [C4]; let p = MidiTrack(3)"


def answer(line: str) -> str:
    session = Session(out=lambda text: None)
    interpreter = Interpreter(session)
    respond(interpreter, SETUP, lambda text: None)
    shown: list[str] = []
    respond(interpreter, line, shown.append)
    return "\n".join(shown)


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*"))


ERRORS = {
    "render(t, 0)": (
        "cycles must be a whole number from 1 to 100,000, got 0",
        "the number of cycles to render, counted from cycle 0: render(bass, 4)"),
    'render(t, 1.5, "x.wav")': (
        "cycles must be a whole number from 1 to 100,000, got 1.5",
        "the number of cycles to render, counted from cycle 0: render(bass, 4)"),
    'render("hello", 4)': (
        'cannot render the string "hello"', "render(pattern_or_track, cycles[, path]), e.g. render(bass, 4)"),
    "render(Sine(1), 4)": ("a signal has no notes of its own", "render notes: Sine(1).segment(8).range(48, 72)"),
    "render(#[t, [C4]], 1)": (
        "an array to export holds tracks only, not a pattern", "render a pattern on its own: render([C4 E4], 4)"),
    "render(p, 1)": ("nothing to export: track 'p' has no note pattern", "give it notes first: bass << [C2 E2 G2]"),
    'render(t, 1, "x.mid")': ("render writes a .wav file, not x.mid", 'render(bass, 4, "x.wav")'),
    "render(t, 1, 3)": ("the path must be a file name in quotes", 'render(bass, 4, "loop.wav")'),
    'render(t, 1, synth: "moog")': (
        'synth must be "auto", "fluidsynth" or "builtin", got "moog"', 'render(bass, 4, synth: "builtin")'),
    "render(t, 1, tail: -1)": (
        "tail must be a number of seconds from 0 to 30, got -1",
        "the seconds after the last cycle for notes to ring out: render(bass, 4, tail: 1)"),
    "render(t, 1000)": (
        "1000 cycles at cps 1/2 last 2,002 seconds; render() makes at most 10 minutes",
        "render fewer cycles, or midi_export() the whole and play the file in a DAW"),
    'soundfont("/nope/x.sf2")': (
        "there is no SoundFont at /nope/x.sf2",
        "give the path of a .sf2 or .sf3 file; Debian's GM SoundFonts are in /usr/share/sounds/sf2/"),
    "soundfont(3)": ("soundfont needs a file name in quotes", 'soundfont("/usr/share/sounds/sf2/FluidR3_GM.sf2")'),
}


@pytest.mark.parametrize("line", ERRORS)
def test_bad_input_is_a_clear_error_with_a_hint_and_writes_nothing(line, in_tmp):
    message, hint = ERRORS[line]
    assert answer(line) == f"error: line 1, column 1: {message}\n  {line}\n  ^\nhint: {hint}"
    assert files_under(in_tmp) == []


def test_a_file_that_is_not_a_soundfont(in_tmp):
    (in_tmp / "notes.txt").write_text("not a font")
    assert answer('soundfont("notes.txt")') == (
        'error: line 1, column 1: notes.txt is not a SoundFont (.sf2 or .sf3 file)\n  soundfont("notes.txt")\n  ^\n'
        'hint: soundfont("/usr/share/sounds/sf2/FluidR3_GM.sf2")')


def test_an_existing_file_is_kept_unless_overwrite(in_tmp):
    (in_tmp / "take.wav").write_bytes(b"mine")
    assert answer('render(t, 1, "take.wav", synth: "builtin")') == (
        'error: line 1, column 1: take.wav already exists\n  render(t, 1, "take.wav", synth: "builtin")\n  ^\n'
        "hint: choose another name, or add overwrite: true")
    assert (in_tmp / "take.wav").read_bytes() == b"mine"
    assert answer('render(t, 1, "take.wav", synth: "builtin", overwrite: true)') == '"take.wav"'
    assert (in_tmp / "take.wav").read_bytes()[:4] == b"RIFF"


def test_a_failing_pattern_writes_nothing(in_tmp):
    shown = answer('render(cat("up", "down"), 2)')  # names: "a" would be the note A4
    assert shown.startswith("error: ") and "not a note" in shown
    assert files_under(in_tmp) == []


NO_NUMPY = """
import sys
sys.modules["numpy"] = None  # as if it were not installed
import trackjammer.core
from trackjammer.lang.console import respond
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session
respond(Interpreter(Session()), 'render([C4], 1, "x.wav")', print)
"""


def test_without_numpy_render_says_how_to_install_it(in_tmp):
    done = subprocess.run([sys.executable, "-c", NO_NUMPY], cwd=in_tmp, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "error: line 1, column 1: render() needs numpy, which is not installed\n"
        '  render([C4], 1, "x.wav")\n  ^\n'
        "hint: install the audio extra: pip install 'trackjammer[audio]' (or just numpy: pip install numpy)\n"
    )
    assert files_under(in_tmp) == []


def test_without_fluidsynth_asking_for_it_says_how_to_install_it(in_tmp, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_fluidsynth(name, *args, **kwargs):
        if name == "fluidsynth":
            raise ModuleNotFoundError("No module named 'fluidsynth'", name="fluidsynth")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_fluidsynth)
    assert answer('render(t, 1, synth: "fluidsynth")') == (
        "error: line 1, column 1: FluidSynth is not available: pyfluidsynth is not installed\n"
        '  render(t, 1, synth: "fluidsynth")\n  ^\n'
        "hint: pip install 'trackjammer[audio]' and the FluidSynth library"
        " (Debian/Ubuntu: apt-get install libfluidsynth3; macOS: brew install fluid-synth)")
    assert answer("render(t, 1)").startswith('"renders/untitled/')  # auto: the built-in synthesizer
    assert files_under(in_tmp)  # that one was written
