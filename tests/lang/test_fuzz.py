"""Fuzz test of the script language: whatever the input, evaluating it (and
then playing what it made) either works or raises the language's own error,
`TrackJammerError`. Anything else is a bug of ours: `InternalError` (which
wraps them), `RecursionError`, `TypeError`, a lark exception, a hang.

Three generators feed one check, `check_program`:

1. random token sequences drawn from the language's vocabulary (script
   tokens, names that exist and names that do not, numbers from tiny to
   huge, strings with escapes, mini-notation pieces), joined with or without
   spaces;
2. random mutations of a corpus of valid programs covering the whole
   language (characters and tokens deleted, duplicated, swapped, inserted;
   truncation; numbers replaced by extreme values; names swapped; splices);
3. random well-formed calls: programs binding expressions to track lanes,
   the expressions built from every pattern function with arguments mostly
   of the kind each parameter wants, sometimes of any kind at all.

Beside them, a grid runs every name in every shape of use (`{n}(1)`,
`[C4].{n}(rev)`, `let f = {n}(1); f()`, ...), and a list keeps the smallest
form of each bug the fuzz found.

After a run (also one that failed part way: earlier statements keep their
effect), what the program made is played: the value of the last statement
and every lane of every track are queried over a few small windows, as the
REPL echo, `trackjammer events` and the engine do. A query may raise a
TrackJammerError (a bad value seen only at play time) but nothing else.

Time: each program runs under a time limit, short (0.3 s) when it holds a
huge or tiny number, long (5 s) otherwise. A program cut off is run again
with its numbers tamed (`fast(1000000000)` becomes `fast(4)`): if that one
finishes, the program only asked for a huge amount of work, e.g.
`[C4].fast(1000000000)`, and counts as "expensive", not as a failure (limits
on such requests are a design question); if it does not, it is a hang.

The default run evaluates TJ_FUZZ_EXAMPLES random programs (default 2,400,
split over the three generators) and the grid's 4,600 or so, in about 12 s;
`scripts/bench fuzz` runs the same checks on many more random programs (see
benchmarks/fuzz.py).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Iterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trackjammer.core  # noqa: F401  (registers the pattern functions)
from trackjammer.commands.events import sorted_onsets, to_json, to_table
from trackjammer.core.constructors import reify
from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import REGISTRY, Curried, Partial, apply_function
from trackjammer.core.theory import CHORDS, SCALES
from trackjammer.core.values import number_of, velocity_of
from trackjammer.errors import TrackJammerError
from trackjammer.lang.globals_registry import BUILTINS
from trackjammer.lang.display import show
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.track import TRACK_METHODS, MidiTrack
from trackjammer.session import Session

# -- how much ----------------------------------------------------------------------------------------

#: Programs in a default run, over the three generators (TJ_FUZZ_EXAMPLES=20000 for a longer hunt).
TOTAL_EXAMPLES = int(os.environ.get("TJ_FUZZ_EXAMPLES", "2400"))
SHARES = {"tokens": 0.3, "mutations": 0.45, "calls": 0.25}


def examples_for(generator: str, total: int = TOTAL_EXAMPLES) -> int:
    return max(1, round(total * SHARES[generator]))


#: Seconds a program may take when it holds a huge or tiny number (then it is "expensive").
SHORT_LIMIT = float(os.environ.get("TJ_FUZZ_SHORT_LIMIT", "0.3"))
#: Seconds any other program may take before it counts as a hang.
LONG_LIMIT = float(os.environ.get("TJ_FUZZ_LONG_LIMIT", "5"))
#: A query giving more events than this is not queried further.
EVENT_CAP = 5000
#: Query windows (cycles) and sample points.
WINDOWS = ((Fraction(0), Fraction(1)), (Fraction(1, 3), Fraction(7, 3)), (Fraction(7), Fraction(15, 2)))
POINTS = (Fraction(0), Fraction(1, 3), Fraction(5, 2))


# -- the check ---------------------------------------------------------------------------------------


class _OutOfTime(BaseException):
    """Raised by the alarm; a BaseException, so no `except Exception` in the
    code under test can turn it into something else."""


@dataclass
class Outcome:
    kind: str  # "ok", "error" (a TrackJammerError), "expensive" (cut off), "failure" ("timeout" inside)
    source: str
    seconds: float = 0.0
    detail: str = ""  # for failures: what was raised, and where
    signature: str = ""  # for failures: exception type and innermost trackjammer frame

    @property
    def failed(self) -> bool:
        return self.kind == "failure"

    def report(self) -> str:
        return f"{self.detail}\nprogram ({len(self.source)} characters):\n{self.source!r}"


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_NOTE_FACTOR = re.compile(r"[*/%!@]\s*[A-Ga-g](?:#|[bBsS])?-?\d")
_NOTE_NAME = re.compile(r"(?<![A-Za-z0-9_])[A-Ga-g](?:#|[bBsS])?-?\d+")


def asks_for_much(source: str) -> bool:
    """True when the source holds a number big or small enough to make a
    pattern arbitrarily dense or long (a factor, a step count, a range), or
    a note used as a factor (`[C4*C4*C4]` has 216,000 steps)."""
    if _NOTE_FACTOR.search(source):
        return True
    for text in _NUMBER.findall(source):
        if len(text) > 12:
            return True
        value = float(text)
        if value >= 1000 or 0 < value < 0.01:
            return True
    return False


class _Alarm:
    """A time limit for the code in a `with` block (main thread, Unix)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.armed = False
        self.active = False

    def __enter__(self):
        if hasattr(signal, "setitimer") and _in_main_thread():
            self.previous = signal.signal(signal.SIGALRM, self._ring)
            self.active = self.armed = True
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def _ring(self, signum, frame):
        if not self.active or frame is not None and frame.f_code is _Alarm.__exit__.__code__:
            return  # a late signal: the block is over, or __exit__ is about to stop the alarm
        # Ring again soon, in case this one lands where exceptions are
        # swallowed (hypothesis's gc callbacks, a __del__); __exit__ stops it.
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        if frame is not None and "hypothesis" in frame.f_code.co_filename:
            return
        raise _OutOfTime()

    def __exit__(self, *exc):
        self.active = False
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _discard(text: str) -> None:
    pass


def check_program(source: str) -> Outcome:
    """Run `source` in a fresh session, then play what it made. Never raises
    (except KeyboardInterrupt): the outcome says what happened.

    A program cut off by its time limit is run again with its numbers tamed
    (each brought within 1/4..4): when that one finishes, the time went into
    what the numbers asked for ("expensive"); when it does not, it is a hang."""
    outcome = _run(source, SHORT_LIMIT if asks_for_much(source) else LONG_LIMIT)
    if outcome.kind != "timeout":
        return outcome
    tamed = tame_numbers(source)
    again = _run(tamed, LONG_LIMIT) if tamed != source else outcome
    if again.kind == "timeout":
        detail = f"hang: still running after {outcome.seconds:.1f} s"
        if tamed != source:
            detail += f", and after {again.seconds:.1f} s with its numbers tamed:\n{tamed!r}"
        return Outcome("failure", source, outcome.seconds, detail, "hang")
    if again.failed:
        return again  # the tamed program fails in its own right
    return Outcome("expensive", source, outcome.seconds)


def tame_numbers(source: str) -> str:
    """Every number brought within 1/4..4 (keeping 0), and every note name made 4:
    `fast(1000000000)` becomes `fast(4)`."""

    def tame(match: re.Match) -> str:
        value = float(match.group()) if len(match.group()) < 20 else math.inf
        if value == 0:
            return match.group()
        return "4" if value > 4 else "0.25" if value < 0.25 else match.group()

    source = _NOTE_NAME.sub("4", source)  # notes are numbers too: [C4*C4*C4] is 216,000 steps
    return _NUMBER.sub(tame, source)


WRITES_FILES = ("midi_export", "render", "save", "load", "snapshot", "meta", "daw_export", "bundle_export", "midi_import")  # builtins that write to the working directory


def _run(source: str, limit: float) -> Outcome:
    if not any(name in source for name in WRITES_FILES):
        return _run_here(source, limit)
    here = os.getcwd()
    sandbox = tempfile.mkdtemp(prefix="tj-fuzz-")
    os.chdir(sandbox)  # exports land in a folder of their own, removed after
    try:
        return _run_here(source, limit)
    finally:
        os.chdir(here)
        shutil.rmtree(sandbox, ignore_errors=True)


def _run_here(source: str, limit: float) -> Outcome:
    start = time.perf_counter()
    kind = "ok"
    try:
        with _Alarm(limit):
            session = Session(out=_discard)
            interpreter = Interpreter(session)
            value = None
            try:
                value = interpreter.execute(source, echo=lambda value: show(value, session.seed))  # the REPL's echo
            except TrackJammerError as error:
                error.format()  # every front end shows it this way
                kind = "error"
            try:
                play(value if kind == "ok" else None, session)
            except TrackJammerError as error:
                error.format()
                kind = "error"
    except _OutOfTime:
        return Outcome("timeout", source, time.perf_counter() - start)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 - this is what the fuzz is looking for
        return _failure(source, error, time.perf_counter() - start)
    return Outcome(kind, source, time.perf_counter() - start)


def _failure(source: str, error: BaseException, seconds: float) -> Outcome:
    original = getattr(error, "original", None) or error.__cause__ or error
    frames = traceback.extract_tb(original.__traceback__)
    ours = [f for f in frames if "trackjammer" in f.filename and "test_fuzz" not in f.filename]
    where = ours[-1] if ours else (frames[-1] if frames else None)
    place = f"{os.path.relpath(where.filename)}:{where.lineno} ({where.name})" if where else "?"
    signature = f"{type(error).__name__}/{type(original).__name__} at {place}"
    tail = "".join(traceback.format_exception(original, limit=-6)).rstrip()
    detail = f"{type(error).__name__}: {error}\n  at {place}\n{tail}"
    return Outcome("failure", source, seconds, detail, signature)


# -- playing what a program made -----------------------------------------------------------------


SAMPLE = "[C4 E4 G4]"


def play(value: Any, session: Session) -> None:
    """Query what a program made as playback would: the value of its last
    statement (patterns, numbers, arrays of them, functions applied to a
    sample pattern) and every lane of every track."""
    seed = session.seed
    for pattern in _patterns_of(value):
        query(pattern, seed, listing=True)
    for track in session.tracks():
        if track.notes is not None:
            notes = track.notes
            if track.transposition != 0:
                notes = notes.transpose(track.transposition)
            query(notes, seed)
        for lane in (track.velocity_lane, *track.cc_lanes.values()):
            if lane is not None:
                query(lane, seed, sample=True)


def _patterns_of(value: Any, depth: int = 0) -> Iterator[Pattern]:
    if isinstance(value, Pattern):
        yield value
    elif isinstance(value, (int, float, Fraction)) and not isinstance(value, bool):
        yield reify(value)
    elif isinstance(value, list) and depth < 3:
        for item in value[:8]:
            yield from _patterns_of(item, depth + 1)
    elif isinstance(value, (Curried, Partial)):
        from trackjammer.lang.evaluator import evaluate_expression

        yield apply_function(value, evaluate_expression(SAMPLE), "the fuzz test")
    elif isinstance(value, MidiTrack) and value.notes is not None:
        yield value.notes


def query(pattern: Pattern, seed: int, listing: bool = False, sample: bool = False) -> None:
    for begin, end in WINDOWS:
        events = pattern.onsets(begin, end, seed)
        for event in events:
            number_of(event.value), velocity_of(event.value)
        if listing and begin == 0:
            listed = sorted_onsets(pattern, begin, end, seed)
            to_table(listed)
            to_json(listed)
        if len(events) > EVENT_CAP:
            return
    if sample:
        for point in POINTS:
            pattern.value_at(point, seed)


# -- the vocabulary ----------------------------------------------------------------------------------

FUNCTIONS = sorted(REGISTRY)
GLOBALS = sorted(BUILTINS)
TRACK_METHOD_NAMES = sorted(TRACK_METHODS) + ["vel", "velocity", "channel", "name"]
UNKNOWN_NAMES = ["foo", "x", "t", "bass", "lead", "Fast", "dorain", "sine", "midi", "p", "_", "a1", "C", "H4"]
NOTE_NAMES = ["C3", "Eb2", "fs4", "A0", "G9", "c10"]
KEYWORDS = ["let", "true", "false", "none"]
NAMES = FUNCTIONS + GLOBALS + sorted(set(TRACK_METHOD_NAMES)) + UNKNOWN_NAMES + NOTE_NAMES

HUGE_INT = "1" + "0" * 400
MAX_FLOAT = "1" + "0" * 308 + ".0"  # 1e308: the grammar has no exponents
INFINITE_FLOAT = "1" + "0" * 400 + ".0"  # rounds to infinity
NUMBERS = [
    "0", "1", "2", "3", "4", "7", "8", "12", "16", "60", "127", "128", "0.5", "0.25", "1.5", "0.0001",
    "00", "007", "1000000000", HUGE_INT, MAX_FLOAT, INFINITE_FLOAT, "-1", "-0.5",
]
EXTREMES = ["0", "-1", "1000000000", MAX_FLOAT, "0.0001", "0.0", HUGE_INT, INFINITE_FLOAT, "-1000000000", "127", "128"]
STRINGS = [
    '"major"', '"dorian"', '"dorain"', '"maj7"', '"m7"', '"up"', '"random"', '"C3"', '"x"', '""', '" "',
    r'"\""', r'"\\"', r'"\n"', r'"\t"', r'"\q"', '"unterminated', '"é ♯"', '"my.mid"',
]
SCRIPT_PUNCTUATION = [
    "+", "-", "*", "/", "<<", "=", ";", ",", ":", "(", ")", "[", "]", "#[", ".", "//", "\n", "{", "}", "<", ">",
]
MINI_PIECES = [
    "C4", "c#3", "Eb2", "A-1", "b", "Bb3", "cs4", "G9", "G#9", "c-2", "e", "60", "-3", "64.5", "0", "1",
    "~", "-", "*", "/", "!", "!3", "@3", "@1.5", "_", "?", "?0.3", "^80", "^200", "^", "<", ">", "{", "}",
    "%", "%4", "..", ".", "|", ",", "(", ")", "[", "]", "*2", "/2", "(3,8)", "(3,8,2)", "(-3,8)",
    "*<2 3>", "(<3 5>,8)", "{C4 E4 G4, C3 G3}%4",
]
METHOD_CALLS = [f".{name}(" for name in FUNCTIONS + sorted(TRACK_METHODS)] + [".vel", ".velocity", ".cc(74)"]
TOKENS = (
    KEYWORDS + NAMES + NUMBERS + STRINGS + SCRIPT_PUNCTUATION + MINI_PIECES + METHOD_CALLS
)

# -- the corpus of valid programs ------------------------------------------------------------------

CORPUS = [
    # the contract's first taste, without export
    "let melody = [C4 E4 G4 C5];\nlet bass = MidiTrack(1, 80);\nlet lead = MidiTrack(2, 110);\n"
    "bass << [C2 E2 G2];\nlead << [C5 E5^110 G5 ~].fast(2);\nlead.cc(74) << Sine(0.25);\n"
    "bass.vel << Sine(1).range(60, 110);\nprint(melody);",
    "[C4 [E4 G4]*2 <C5 B4>](3,8)",
    "[C4!3 E4 _ G4@2 ~ - C4 ! E4@1.5]",
    "[{C4 E4 G4, C3 G3}%4 {C4 E4 G4 B4 D5}%<4 8>]",
    "[C2(3,8,2) E2(<3 5>,8) G2(-3,8) C3(3,8,-1)]",
    "[60 .. 67 . C4 E4 G4 | G4 B4 . 67 .. 64]",
    "[C4*8?0.3 E4? <C4 E4, G3> [C4, E4, G4]?]",
    "[C4^<60 100> E4*<2 3> G4^[60 100] [c e g]/2 <C4 <E4 G4>>]",
    '[0 2 4 7].scale("dorian", C3).off(1/8, transpose(12))',
    "[C4 E4 G4 B4].fastGap(2).compress(1/4, 3/4).zoom(0, 1/2).press().pressBy(1/3).brak()",
    "[C4*8].lastOf(4, rev).firstOf(3, fast(2)).swingBy(1/3, 4).almostNever(transpose(12))"
    ".almostAlways(vel(90)).someCyclesBy(0.3, rev).someCycles(transpose(-12))",
    "[C4 E4].euclidRot(3, 8, 2).euclidOff(5, 8, 1).euclidLegato(3, 8).euclidLegatoRot(3, 8, 2).iterBack(4)",
    "[<C4 E4 G4>].ribbon(1, 3/2).rib(0, 1).echoWith(3, 1/8, add(7)).stutWith(2, 1/4, rev)"
    ".echo(3, 1/8, 0.6).stut(2, 0.5, 1/3).gain(0.8)",
    'let v = [<C4 D4>]; arrange(#[2, v], #[1, "E4 G4"], #[1/2, 60])',
    '[<0 1 2>].pick(#[[C4 E4], "G4", 72]).pickF("<0 1>", #[rev, fast(2)]); [0 3].pickmod(#[[C3], [E3]])',
    "[C4 E4 G4].chunkBack(3, rev).fastChunk(2, add(12))",
    '[C4 E4 G4].when("<0 1>", rev).layer(add(7), fast(2)).plyWith(3, add(12)).always(rev).never(fast(2))',
    "[C4].struct([1 0 1 1].inv()).mask([1 0].invert()); Sine(1).rangex(20, 2000).segment(4)",
    "[C4 D4 E4 F4].bite(4, [3 <2 1> ~ 0]).bite(2, [0 [1 0]])",
    "Sine(1).segment(8).range(0, 7).round().floor().ceil().mod(5).scale(\"C4:major\")",
    'wchoose(#[C3, 3], #["G3", 1], #[[C4 E4], 2]).segment(8)',
    '[C3 F3].chord("maj7").arp("updown").strum(1/16); [C3].chord("m7").arp("random")',
    "[C4 E4 G4].every(2, rev).sometimes(fast(2)).often(vel(90)).rarely(degrade)",
    "[C4*8].sometimesBy(0.3, transpose(-12)).degrade(0.25).swing(1/3)",
    "stack([C4 E4], [C3], 72).ply(2).iter(4).palindrome()",
    "cat([C4 E4], [G4]).early(1/4).late(0.5).slow(2)",
    "seq([C4 E4], [G4]).euclid(3, 8, rotation: 2).gate(0.5)",
    "(Saw(1) * 24 + 48).segment(4).range(40, 100)",
    "[C4*4].vel(Saw(1).range(40, 100)) + [0 12] - 1 / 2",
    "-[1 2] * 2 + Cosine(0.5).segment(2)",
    "Tri(2).fast(2).segment(8) * Square(1).segment(8) + Rand().segment(4) + Perlin(1).segment(4)"
    " + Const(60).segment(1) + Ramp(0.5).segment(2)",
    'let t = MidiTrack(3, velocity: 90, name: "Lead");\nt << [0 4 7] + 60;\nt.vel << 100;\n'
    "t.cc(1) << [0 64 127];\nt.cc(74) << Ramp(0.5);\nt.gate(0.5); t.transpose(-12); t.mute(); t.unmute();\n"
    't.solo(); t.unsolo(); t.device("IAC Bus 1"); t.nudge(-5);\nt',
    'let t = MidiTrack(4); t.program(5); t.bend << Sine(1).range(-1, 1); t.pressure << [10 90]; t.note_pressure << Saw(1);\n'
    't.nrpn(300) << [0 8192]; t.cc14(1) << Tri(1).range(0, 16383);\n'
    'let m = MpeTrack(zone: "upper", members: 4, bend_range: 24); m << [C4, E4]; m.note_bend << [0 2];\n'
    'm.timbre << Sine(1); m.note_pressure << [40]; m',
    'print("path", [C4 E4], 1/3, #[1, "two", none, true, false,]); help(fast); help("scale"); help()',
    "cps(0.6); bpm(140); beats_per_cycle(3); quantize(0); seed(7);\nproject(\"night drive\");\n"
    "#[cps(), bpm(), beats_per_cycle(), quantize(), seed(), project()]",
    "let f = every(3, fast(2));\nlet g = off(0.25, transpose(7));\n"
    "[C4 D4 E4].every(4, f).add([0 12]).sub(1).mul(2).div(2).every(2, g)",
    "let a = MidiTrack(1); let b = a; a << [C4]; b.cc(7) << [0 127]; b.cc(7) << none;\n"
    "let a = MidiTrack(2); a << 62; tracks()",
    "// a comment; with a semicolon\nlet x = 1;; let y = x + 2 * 3 - -4;\n"
    'let p = [c e g].transpose(y);\np.chord("m7").arp("converge")',
    "fast(2, [C4 E4]); every(2, fast(2), [C4 E4]); scale(\"major\", 60, [0 2 4]);\n"
    "degrade(0.5, [C4*8]).ply([<1 2>])",
    "[C4 E4].fast([<1 2>]).transpose([0 7]).segment([<2 4>]).euclid([<3 5>], 8)",
    "[C4 E4 G4 C5].struct([1 0 1 1]).mask([1 1 0 1]).degradeBy(0.2).legato(0.5).whenmod(4, 2, rev)"
    ".chunk(4, transpose(12))",
    "[0 1 2 3 4 5 6 7].within(0, 1/2, fast(2)).superimpose(transpose(7)).inside(2, rev).outside(2, rev)"
    ".rot(1).linger(1/4).shuffle(4).scramble(4).add(60)",
    'setcps(0.5); setbpm(120); setcpm(30);\nstack(run(4) + 60, choose(C3, E3).segment(2), irand(12).segment(4) + 48, silence,'
    ' sine.segment(2), [0 2 4].scale("C3:minor pentatonic"), [C3].chord("^7"))',
    'let s = "say \\"hi\\"\\\\n\\n"; print(s); Eb2 + 12',
    '[[C4,E4,G4] ~].arp("down").strum(0.01) + [C3].chord("maj7").arp("random")',
    "let v = MidiTrack(1); v << [C4 E4^40]; v.cc(1) << Sine(1); show(v, 2); show([C4 E4]); show(Saw(1))",
    "let lead = MidiTrack(2);\nlead << [C5 E5].every(2, rev);\nlead.velocity << Sine(1) * 127;\n"
    "lead.cc(74) << Sine(0.25).range(0.2, 0.8);\nlead.cc(1) << Saw(2);\nlead.clear();\nlead << none",
    "let chord = [C3,E3,G3];\nlet p = chord.chord(\"maj\").slow(2);\np.every(2, fast(2)).off(1/4, rev)",
    "[C4 E4 G4 B4].iter(4).segment(2).range(0, 1).add(Sine(1)).gate([0.5 1])",
    "[<C4!2 E4> <C4@2 E4>, {C4 E4}%3].late(1/3).rev().every(3, early(1/8))",
    'let t = MidiTrack(1); let u = MidiTrack(2); t << [C4 E4]; t.cc(7) << Sine(1); t.vel << [60 90];\n'
    'midi_export(t, 2); midi_export([C4], 1, "x.mid"); midi_export([C4], 1, "x.mid", overwrite: true);\n'
    "midi_export(#[t, u], 1, stems: true, loop: false)",
    'let t = MidiTrack(3); t << [C4 [E4 G4]]; t.cc(74) << Saw(1); daw_export(t, 2, "x.dawproject"); midi_export(#[t], 1, "y.mid", type: 0);\n'
    'let r = midi_import("y.mid", track: 1); t << r.fast(2); bundle_export(t, 1, synth: "builtin")',
    'let t = MidiTrack(10); t << [C2 F#2]; t.cc(10) << [0 127]; render(t, 1, "x.wav", synth: "builtin", tail: 0);\n'
    'print(soundfont()); render([C4], 1, tail: 1/2)',
    "let t = MidiTrack(1); t << [C4]; start(); stop(); panic(); ports(); output(\"x\"); clock_out(true); clock_out(false); hush(); sync(\"clock\", \"x\"); sync(); t",
    "let o = MidiTrack(2); o << [C2 E2]; once(o, [G4 A4]); once([C5 E5]); once(60); o",
    "let u = MidiTrack(3); u << [C4]; u << [E4]; undo(); redo(); undo(); stop(); continue(); u",
    'let c = MidiTrack(1); c << [C4 E4]; save("a"); c << [G4]; compare("a"); compare("a", "now"); show(compare("a"), 2)',
    'let t = MidiTrack(1); t << [C4 E4]; save("v"); save(); t << [G4]; load("v"); snapshot(); versions();\n'
    'meta(title: "x", tempo: 120); meta(); load("v"); t',
    "help(watch); help(unwatch)",  # the REPL's own: outside it, calling them is an error that says so
    'let k = MidiTrack(2); input("keys", thru: k); inputs(); k.cc(74) << knob(21); k.vel << knob(7, "nano").range(60, 120);\n'
    'k.cc(1).learn(); k.cc(2) << learn(); loop_record(k, 2); layers(k); mute_layer(k, 1); unmute_layer(k, 1); undo_layer(k);\n'
    'loop_record(k, 0); input("keys", off: true); k',
    'let k = MidiTrack(2); let r = capture(2, grid: 1/12); k << r.fast(2); k << capture(); r',
]

# -- generator 1: random token sequences -----------------------------------------------------------

_separators = st.sampled_from(["", " ", " ", " ", "\n"])
_script_tokens = st.lists(st.tuples(st.sampled_from(TOKENS), _separators), min_size=1, max_size=24).map(
    lambda pairs: "".join(token + sep for token, sep in pairs)
)
_mini_tokens = st.lists(st.tuples(st.sampled_from(MINI_PIECES), _separators), max_size=20).map(
    lambda pairs: "".join(token + sep for token, sep in pairs)
)
_tails = st.sampled_from(["", ".fast(2)", ".rev()", " + 12", ";", ".euclid(3,8)", "(3,8)", "?", ".arp()"])
token_programs = st.one_of(
    _script_tokens,
    st.tuples(_mini_tokens, _tails).map(lambda pair: f"[{pair[0]}]{pair[1]}"),
    st.tuples(_script_tokens, _mini_tokens, _script_tokens).map(lambda t: f"{t[0]}[{t[1]}]{t[2]}"),
)

# -- generator 2: mutations of valid programs ------------------------------------------------------

_LEXEME = re.compile(r'"(?:\\.|[^"\\\n])*"|\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_#]*|<<|#\[|\.\.|//|\s+|.', re.S)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INSERTED_CHARACTERS = list("[](){}<>#;,.:=+-*/!@_?^%|~\"\\ \n0123456789abcCEG") + ["é", "\t", "\x00", "\u00a0"]


def _lexemes(text: str) -> list[str]:
    return _LEXEME.findall(text)


def _at(draw, text: str) -> int:
    return draw(st.integers(0, max(len(text) - 1, 0)))


def _delete_chars(draw, text):
    i = _at(draw, text)
    return text[:i] + text[i + draw(st.integers(1, 4)):]


def _duplicate_chars(draw, text):
    i = _at(draw, text)
    j = i + draw(st.integers(1, 6))
    return text[:j] + text[i:j] + text[j:]


def _swap_chars(draw, text):
    if len(text) < 2:
        return text
    i = draw(st.integers(0, len(text) - 2))
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]


def _insert_char(draw, text):
    i = draw(st.integers(0, len(text)))
    return text[:i] + draw(st.sampled_from(_INSERTED_CHARACTERS)) + text[i:]


def _delete_token(draw, text):
    tokens = _lexemes(text)
    if not tokens:
        return text
    i = draw(st.integers(0, len(tokens) - 1))
    return "".join(tokens[:i] + tokens[i + 1:])


def _duplicate_tokens(draw, text):
    tokens = _lexemes(text)
    if not tokens:
        return text
    i = draw(st.integers(0, len(tokens) - 1))
    j = min(len(tokens), i + draw(st.integers(1, 5)))
    return "".join(tokens[:j] + tokens[i:j] * draw(st.integers(1, 3)) + tokens[j:])


def _swap_tokens(draw, text):
    tokens = _lexemes(text)
    if len(tokens) < 2:
        return text
    i = draw(st.integers(0, len(tokens) - 1))
    j = draw(st.integers(0, len(tokens) - 1))
    tokens[i], tokens[j] = tokens[j], tokens[i]
    return "".join(tokens)


def _insert_token(draw, text):
    tokens = _lexemes(text)
    i = draw(st.integers(0, len(tokens)))
    return "".join(tokens[:i] + [draw(st.sampled_from(TOKENS))] + tokens[i:])


def _replace_token(draw, text):
    tokens = _lexemes(text)
    if not tokens:
        return text
    i = draw(st.integers(0, len(tokens) - 1))
    tokens[i] = draw(st.sampled_from(TOKENS))
    return "".join(tokens)


def _truncate(draw, text):
    return text[: draw(st.integers(0, len(text)))]


def _extreme_number(draw, text):
    spots = list(_NUMBER.finditer(text))
    if not spots:
        return text
    spot = draw(st.sampled_from(spots))
    return text[: spot.start()] + draw(st.sampled_from(EXTREMES)) + text[spot.end():]


def _swap_name(draw, text):
    spots = list(_WORD.finditer(text))
    if not spots:
        return text
    spot = draw(st.sampled_from(spots))
    return text[: spot.start()] + draw(st.sampled_from(NAMES + KEYWORDS)) + text[spot.end():]


def _splice(draw, text):
    other = draw(st.sampled_from(CORPUS))
    i, j = sorted((draw(st.integers(0, len(other))), draw(st.integers(0, len(other)))))
    k = draw(st.integers(0, len(text)))
    return text[:k] + other[i:j] + text[k:]


MUTATIONS: list[Callable] = [
    _delete_chars, _duplicate_chars, _swap_chars, _insert_char, _delete_token, _duplicate_tokens,
    _swap_tokens, _insert_token, _replace_token, _truncate, _extreme_number, _extreme_number,
    _swap_name, _swap_name, _splice,
]


@st.composite
def mutated_programs(draw) -> str:
    text = draw(st.sampled_from(CORPUS))
    for _ in range(draw(st.integers(1, 4))):
        text = draw(st.sampled_from(MUTATIONS))(draw, text)
    return text


# -- generator 3: random well-formed calls ---------------------------------------------------------

_LITERALS = [
    "[C4 E4 G4]", "[C4 [E4 G4]*2 <C5 B4>]", "[0 2 4 7]", "[C3,E3,G3]", "[C4*8?]", "[]", "[~]", "[60 .. 64]",
    "[<1 2>]", "[1 2]", "[C4^80 E4]", "[C2(3,8)]", "[{C4 E4 G4}%4]", "[-3 64.5 200]", "[c e | g]",
]
_PARAMETER_NAMES = sorted({p.name for entry in REGISTRY.values() for p in entry.params}) + [
    "velocity", "name", "channel", "path", "bogus",
]
_atoms = st.one_of(
    st.sampled_from(_LITERALS),
    st.sampled_from(NUMBERS + EXTREMES),
    st.sampled_from([text for text in STRINGS if text != '"unterminated']),
    st.sampled_from(FUNCTIONS + GLOBALS + UNKNOWN_NAMES[:4] + NOTE_NAMES + KEYWORDS[1:]),
    st.sampled_from(["MidiTrack(1)", "t", "t.vel", "t.cc(74)", "#[]", "tracks()"]),
)


def _arguments(children):
    positional = st.lists(children, max_size=4)
    keywords = st.lists(st.tuples(st.sampled_from(_PARAMETER_NAMES), children), max_size=2)
    return st.tuples(positional, keywords).map(
        lambda pair: ", ".join(list(pair[0]) + [f"{name}: {value}" for name, value in pair[1]])
    )


def _extend(children):
    method_names = st.sampled_from(FUNCTIONS + sorted(TRACK_METHODS) + ["bogus"])
    return st.one_of(
        st.tuples(st.sampled_from(FUNCTIONS + GLOBALS), _arguments(children)).map(
            lambda t: f"{t[0]}({t[1]})"
        ),
        st.tuples(children, method_names, _arguments(children)).map(lambda t: f"{t[0]}.{t[1]}({t[2]})"),
        st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.lists(children, max_size=3).map(lambda items: "#[" + ", ".join(items) + "]"),
    )


wild_expressions = st.recursive(_atoms, _extend, max_leaves=8)

# Typed: pattern functions given arguments of the kind each parameter wants
# (mostly), so that more programs get past the checks and are played.
_SIGNALS = ["Sine(1)", "Cosine(0.5)", "Saw(2)", "Ramp(0.25)", "Tri(1)", "Square(1)", "Rand()", "Perlin(2)", "Const(60)"]
_TRANSFORMS = [
    "rev", "palindrome", "degrade", "arp", "fast(2)", "slow(2)", "transpose(12)", "vel(90)", "every(2, rev)",
    "early(1/4)", "ply(2)", "chord(\"maj\")", "gate(0.5)", "off(1/8, transpose(7))", "sometimes(fast(2))",
]
_SCALE_NAMES = [f'"{name}"' for name in SCALES] + ['"dorain"', '""']
_CHORD_NAMES = [f'"{name}"' for name in CHORDS] + ['"major"', '"7b"']
_ARP_MODES = ['"up"', '"down"', '"updown"', '"downup"', '"converge"', '"diverge"', '"random"', '"sideways"']
_SMALL_NUMBERS = ["0", "1", "2", "3", "4", "5", "8", "16", "0.5", "0.25", "1.5", "1/3", "1/8", "-1", "-2", "-0.25",
                  "12", "-12", "60", "127", "200"]
_BY_KIND = {
    "time": _SMALL_NUMBERS + ["[<1 2>]", "[1 2]", "[0.5 0.25]", "[<0 1/4>]"],
    "positive time": _SMALL_NUMBERS + ["[<1 2>]", "[0.5 1]"],
    "int": _SMALL_NUMBERS + ["[<3 5>]", "[2 3]"],
    "number": _SMALL_NUMBERS + ["[0 7]", "[<0 12>]", "Sine(1)", "Saw(1).range(40, 100)", "Rand()"],
    "note": ["60", "48", "C3", "Eb2", '"C3"', '"fs4"', '"H2"', "[<48 60>]"],
    "string": ['"major"'],
    "function": _TRANSFORMS,
    "any": _SMALL_NUMBERS + ["[0 12]", "Sine(1)"],
    "pattern": ["[1 0 1 1]", "[1 ~ 1]", "[<1 0> 1]", "Sine(1)", "0", "1"],
    "patterns": ["#[[C4 E4], [G4]]", "#[]", '#["C4 E4", 60, [<C3 D3>]]', "#[Sine(1)]", "#[[C4]]"],
    "functions": ["#[rev, fast(2)]", "#[]", "#[transpose(12)]", "#[every(2, rev), vel(90), degrade]"],
}
_PATTERN_FUNCTIONS = [name for name, entry in REGISTRY.items() if not entry.constructor]


def _argument_for(entry_name: str, param) -> st.SearchStrategy[str]:
    if entry_name == "scale" and param.name == "name":
        plausible = _SCALE_NAMES
    elif entry_name == "chord":
        plausible = _CHORD_NAMES
    elif entry_name == "arp":
        plausible = _ARP_MODES
    else:
        plausible = _BY_KIND[param.kind]
    return st.one_of(st.sampled_from(plausible), st.sampled_from(plausible), _atoms)  # sometimes wild


@st.composite
def _applied(draw, children) -> str:
    """`p.f(args)`, `f(args, p)` or `stack(p, q)`, with arguments of the right kind."""
    name = draw(st.sampled_from(_PATTERN_FUNCTIONS))
    entry = REGISTRY[name]
    target = draw(children)
    if entry.variadic:
        others = draw(st.lists(children, max_size=3))
        return f"{name}({', '.join([target, *others])})"
    required = [p for p in entry.params if p.required]
    count = draw(st.integers(len(required), len(entry.params)))
    params = list(entry.params[:count])
    keyword_from = draw(st.integers(0, count))  # the parameters from here on are given by name
    args = [
        (f"{p.name}: " if i >= keyword_from else "") + draw(_argument_for(name, p)) for i, p in enumerate(params)
    ]
    if draw(st.booleans()) or keyword_from < count:
        return f"{target}.{name}({', '.join(args)})"
    return f"{name}({', '.join([*args, target])})"


def _combined(children):
    return st.one_of(
        _applied(children),
        _applied(children),
        st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), st.one_of(children, st.sampled_from(_SMALL_NUMBERS)))
        .map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        children.map(lambda c: f"-{c}"),
    )


_pattern_atoms = st.one_of(
    st.sampled_from(_LITERALS), st.sampled_from(_SIGNALS), st.sampled_from(_LITERALS).map(lambda x: x + ".segment(4)")
)
pattern_expressions = st.recursive(_pattern_atoms, _combined, max_leaves=6)
_targets = st.sampled_from(["t", "t", "t.vel", "t.velocity", "t.cc(74)", "t.cc(0)", "u", "u.cc(1)"])
_track_calls = st.sampled_from([
    "t.mute()", "t.unmute()", "t.solo()", "t.gate(0.5)", "t.gate(none)", "t.transpose(-12)", "t.transpose(0.5)",
    't.device("IAC")', "t.clear()", "u.transpose(7)", "seed(3)", "cps(0.75)", "bpm(90)", "beats_per_cycle(3)",
])


@st.composite
def call_programs(draw) -> str:
    """A program of bindings and calls; the values mostly well-typed, sometimes wild."""
    expressions = st.one_of(pattern_expressions, pattern_expressions, pattern_expressions, wild_expressions)
    lines = ['let t = MidiTrack(1, 90); let u = MidiTrack(10, name: "u");']
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.integers(0, 3)) == 0:
            lines.append(draw(_track_calls) + ";")
        else:
            lines.append(f"{draw(_targets)} << {draw(expressions)};")
    lines.append(draw(expressions))
    return "\n".join(lines)


# -- the tests ----------------------------------------------------------------------------------------

STATS: Counter = Counter()  # outcomes by generator and kind, for the counts below


def _settings(generator: str):
    return settings(
        max_examples=examples_for(generator),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


def assert_only_our_errors(source: str, generator: str = "examples") -> Outcome:
    outcome = check_program(source)
    STATS[generator, "programs"] += 1
    STATS[generator, outcome.kind] += 1
    assert not outcome.failed, outcome.report()
    return outcome


def _run_counted(generator: str, property_test: Callable[[], None]) -> None:
    before = STATS[generator, "programs"]
    property_test()
    ran = STATS[generator, "programs"] - before
    assert ran >= examples_for(generator), f"only {ran} programs ran for {generator}"


@_settings("tokens")
@given(token_programs)
def _token_property(source: str) -> None:
    assert_only_our_errors(source, "tokens")


@_settings("mutations")
@given(mutated_programs())
def _mutation_property(source: str) -> None:
    assert_only_our_errors(source, "mutations")


@_settings("calls")
@given(call_programs())
def _call_property(source: str) -> None:
    assert_only_our_errors(source, "calls")


def test_random_token_sequences_raise_only_our_errors():
    _run_counted("tokens", _token_property)


def test_mutated_programs_raise_only_our_errors():
    _run_counted("mutations", _mutation_property)


def test_random_calls_raise_only_our_errors():
    _run_counted("calls", _call_property)


def test_the_corpus_is_valid():
    """Mutations start from programs that work, so they reach deep."""
    for source in CORPUS:
        outcome = check_program(source)
        assert outcome.kind == "ok", f"{outcome.kind}: {source!r}\n{outcome.detail}"


def test_the_corpus_covers_the_language():
    """Every pattern function, global and track method appears in the corpus
    (a new one needs a program here, so that mutations reach it)."""
    used = set(_WORD.findall("\n".join(CORPUS)))
    missing = sorted((set(REGISTRY) | set(BUILTINS) | set(TRACK_METHODS)) - used)
    assert not missing, f"not in the corpus: {missing}"


def test_the_check_tells_failures_from_our_errors():
    assert check_program("[C4 E4]").kind == "ok"
    assert check_program("[C4 E4").kind == "error"
    assert check_program("[C4].fast(1000000000)").kind in ("expensive", "error")  # refused by the limits
    assert check_program("[C4].fast(999999)").kind == "error"  # a million events a cycle: no port carries them
    assert asks_for_much("fast(0.0001)") and asks_for_much(HUGE_INT) and not asks_for_much("[C4 E4].fast(2)")


# What the fuzz found (each raised something other than a TrackJammerError),
# in its smallest form: they stay fixed.
FOUND = [
    "[C4].fast(" + INFINITE_FLOAT + ")",  # a literal rounding to infinity: ValueError in to_time
    "[C4^" + INFINITE_FLOAT + "]",  # ... OverflowError in the velocity check, leaking as lark's VisitError
    "[C4].scale(\"major\", " + INFINITE_FLOAT + ")",
    "([C4] * " + MAX_FLOAT + " * 10).scale(\"major\")",  # arithmetic overflowing to infinity: int(inf)
    "[C4].vel([100] * " + MAX_FLOAT + " * 10)",  # ... round(inf)
    "(Saw() * " + "9" * 309 + ").segment(2)",  # float * huge int: OverflowError while playing
    "Saw(1).segment(4).range(0, " + "9" * 309 + ")",  # ... the same inside range
    "([C4] - " + MAX_FLOAT + " - " + MAX_FLOAT + ").segment(2).scale(\"major\")",
    "9" * 5000,  # int() past Python's 4300-digit limit: ValueError (VisitError)
    "[C4!" + "9" * 5000 + "]",
    "(" * 2000 + "1" + ")" * 2000,  # RecursionError in the parser's tree transformer
    "let t = MidiTrack(1); t.velocity << -Const(\"\")",  # Const of a string: TypeError while playing
    "[C4].add(\"x\")",  # add/sub/mul/div took anything: TypeError while playing
    "[C4].mul(MidiTrack(1))",
    "stack(\"x\") + 1",  # a pattern of names (for patterned arguments) in arithmetic: TypeError
    "cat(\"ab\") * 100000000",  # ... or string repetition: 200 MB
    "stack(\"a\", 60).arp()",  # ... or ordered by pitch: TypeError
    "stack(\"a\", \"b\", 60).strum(0.1)",
    "cat(rev, [C4]).transpose(1)",  # stack/cat/seq took anything
    "fast(2, none).transpose(1)",  # a function applied to none (or a track, an array)
    "beats_per_cycle(" + "9" * 308 + "); bpm()",  # a tempo past the largest float: OverflowError
    "[C4 E4]" + ".palindrome()" * 200,  # RecursionError while playing (evaluating it works)
    "let f = every(3, fast(2)); f(5, [C4])",  # a function value called with two arguments: TypeError
    "let f = fast(2); f()",
    "[{C4 E4}%<4 [3 2^80]>]",  # a note with a velocity as a step count: TypeError while playing (issue 15)
    "[<C4@0>]",  # alternatives weighing nothing: ZeroDivisionError
    "Sine(1).slow(factor: 1" + "0" * 308 + ".0)",  # a phase of huge whole numbers: 2π × r overflowed (OverflowError)
]


def test_found_bugs_stay_fixed():
    failures = [outcome.report() for outcome in map(check_program, FOUND) if outcome.failed]
    assert not failures, "\n\n".join(failures)


# Every name in every shape of use, as a grid rather than at random.
SHAPES = [
    "{n}", "{n}()", "{n}(1)", "{n}(0)", "{n}(-1)", "{n}(0.5)", "{n}([C4 E4])", '{n}("major")', "{n}(rev)",
    "{n}(none)", "{n}(true)", "{n}(#[1, [C4]])", "{n}(2, [C4 E4])", "{n}(1, rev, [C4 E4])", "{n}(1, 2, 3, [C4])",
    "{n}(Sine(1))", "{n}(x: 1)", "[C4 E4].{n}", "[C4 E4].{n}()", "[C4 E4].{n}(2)", "[C4 E4].{n}(-2)",
    '[C4 E4].{n}("maj")', "[C4 E4].{n}(rev)", "[C4 E4].{n}(2, rev)", "[C4 E4].{n}([<1 2>])", "Sine(1).{n}(2)",
    "[C4 E4].every(2, {n})", "[C4 E4].off(1/8, {n})", "help({n})", 'help("{n}")', "let {n} = [C4]; {n}",
    "let t = MidiTrack(1); t.{n}(1)", "let t = MidiTrack(1); t.{n}", "let t = MidiTrack(1); t << {n}",
    "let t = MidiTrack(1); t.cc(1) << {n}", "let t = MidiTrack(1); t.vel << {n}(1)", "-{n}", "{n} + 1",
    "let f = {n}(1); f()", "let f = {n}(1); f([C4], 2)", "let f = {n}(1); f(x: [C4])", "let f = {n}(1); f([C4 E4])",
    "let f = {n}; f([C4 E4])", "let f = {n}; f()",
]


def test_every_name_in_every_shape():
    programs = [shape.replace("{n}", name) for name in NAMES + KEYWORDS for shape in SHAPES]
    STATS["grid", "programs"] += len(programs)
    failures = [outcome.report() for outcome in map(check_program, programs) if outcome.failed]
    assert not failures, f"{len(failures)} of {len(programs)} programs failed:\n\n" + "\n\n".join(failures[:5])


def test_extreme_inputs_raise_only_our_errors():
    """Nesting, length and sizes a random sequence rarely reaches."""
    programs = [
        "(" * 2000 + "1" + ")" * 2000,
        "[" * 2000 + "C4" + "]" * 2000,
        "[" + "<" * 500 + "C4" + ">" * 500 + "]",
        "#[" * 1000 + "1" + "]" * 1000,
        "-" * 3000 + "1",
        "[C4]" + ".fast(2)" * 1500,
        "1" + " + 1" * 3000,
        "let x = 1;" * 2000 + "x",
        "[" + "C4 " * 5000 + "]",
        "[C4" + "!" * 2000 + "]",
        '"' + "\\\\" * 5000 + '"',
        # numbers past Python's 4300-digit limit for int(), and past the largest float
        "9" * 5000, "[" + "9" * 5000 + "]", "[C4!" + "9" * 5000 + "]", "[C4@" + "9" * 5000 + " E4]",
        "[C4(3,8," + "9" * 5000 + ")]", "[c" + "9" * 5000 + "]", "[C4?0." + "9" * 5000 + "]",
        "[C4] * " + MAX_FLOAT + " * 10", "[C4].range(0, " + MAX_FLOAT + ")",
        "Saw(1).segment(4).range(-" + MAX_FLOAT + ", " + MAX_FLOAT + ")",
    ]
    failures = [outcome.report() for outcome in map(check_program, programs) if outcome.failed]
    assert not failures, "\n\n".join(failures)
