"""The language's own global functions, and the help text of every name.

Each is declared with `@builtin` (lang/globals_registry.py): its function,
signature and help come from the same definition. `help_entries()` joins
every declared global with the pattern functions of the core registry and
the track methods, so `help()` and the REPL's completion read one index.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

from trackjammer.assembly import assemble
from trackjammer.core import constructors
from trackjammer.core.transforms import reorder
from trackjammer.core.pattern import Pattern, template_pattern
from trackjammer.core.registry import REGISTRY, Curried, Partial, describe, pattern_of_text
from trackjammer.core.signals import LOWERCASE_SIGNALS
from trackjammer.core.time import to_time
from trackjammer.core.values import is_number
from trackjammer.errors import ArgumentError
from trackjammer.lang.display import show, show_printed
from trackjammer.lang.globals_registry import BUILTINS, BoundBuiltin, builtin
from trackjammer.lang.provenance import call_parts, record
from trackjammer.lang.suggest import suggest
from trackjammer.midi.mpe import MpeTrack
from trackjammer.midi.track import LANE_HELP, TRACK_METHODS, MidiTrack
from trackjammer.session import Session
from trackjammer.tempo import MAX_CPS


# -- checking arguments --------------------------------------------------------


def _number(value: Any, who: str) -> Any:
    if not is_number(value):
        raise ArgumentError(f"{who} needs a number, got {describe(value)}")
    return value


def _whole(value: Any, who: str, low: int | None = None) -> int:
    _number(value, who)
    if value != int(value) or (low is not None and value < low):
        least = "" if low is None else f" of at least {low}"
        raise ArgumentError(f"{who} needs a whole number{least}, got {show(value)}")
    return int(value)


# -- the globals -------------------------------------------------------------------


@builtin("print", family="output")
def print_(session: Session, *values):
    """Write values, separated by spaces: print("path", p)."""
    session.out(" ".join(show_printed(v, session.seed) for v in values))


@builtin(family="output")
def help(session: Session, name=None):  # noqa: A001 - the language's own help
    """Explain a name: help(fast), help("scale"), or help() for an overview."""
    session.out(help_text(name))


@builtin("MidiTrack", family="tracks")
def midi_track(session: Session, channel, velocity=100, name=None):
    """A track on a MIDI channel (1..16) with a default velocity (0..127):
    let bass = MidiTrack(1, 80). A track bound with let takes that name
    unless given one: MidiTrack(2, 100, name: "Lead")."""
    return MidiTrack(channel, velocity, name)


@builtin("MpeTrack", family="tracks")
def mpe_track(session: Session, zone="lower", members=15, bend_range=48, velocity=100, name=None):
    """An MPE track: each note on a member channel of its own, so t.note_bend,
    t.timbre and t.note_pressure shape each note: MpeTrack(zone: "lower",
    members: 15, bend_range: 48). The zone is announced where it starts."""
    return MpeTrack(zone, members, bend_range, velocity, name)


@builtin(family="tracks")
def tracks(session: Session):
    """Every track the names hold: tracks()."""
    return session.tracks()


STILL = "time stands still (a tempo of 0 or less): the notes sounding hold until a tempo is set again; hush() ends them"


@builtin(family="tempo")
def cps(session: Session, cycles_per_second=None):
    """Get or set the tempo in cycles per second (default 0.5): cps(0.6).
    0 or less holds time still (the notes sounding hold); export then
    falls back to 120 BPM. At most 10: cps(120), meant as BPM, is refused."""
    if cycles_per_second is None:
        return session.cps
    _not_too_fast(_number(cycles_per_second, "cps"), session)
    session.cps = cycles_per_second
    if session.cps <= 0:
        session.out(STILL)


@builtin(family="tempo")
def bpm(session: Session, beats_per_minute=None):
    """Get or set the tempo in beats per minute: bpm = cps × 60 × beats_per_cycle."""
    if beats_per_minute is None:
        return session.bpm
    beats = _number(beats_per_minute, "bpm")
    cycles_per_second = Fraction(to_time(beats), 60 * session.beats_per_cycle)
    _not_too_fast(cycles_per_second, session, beats)
    session.cps = cycles_per_second
    if session.cps <= 0:
        session.out(STILL)


def _not_too_fast(cps: Any, session: Session, bpm: Any = None, cpm: Any = None) -> None:
    """A tempo past MAX_CPS is a slip (BPM typed as cps, or as setcpm's cycles
    a minute): refused, said in the spelling typed; the music goes on as it was."""
    if cps <= MAX_CPS:
        return
    per_cycle = session.beats_per_cycle
    beats = f"{per_cycle} beat{'s' if per_cycle != 1 else ''} a cycle"
    if cpm is not None:
        raise ArgumentError(
            f"setcpm({show(cpm)}) is {float(cps):,.4g} cycles a second; the most is {MAX_CPS * 60} a minute",
            hint=f"setcpm counts cycles, not beats: {show(cpm)} BPM is setcpm({show(cpm)}/{per_cycle}), or bpm({show(cpm)})")
    if bpm is None:
        raise ArgumentError(
            f"cps({show(cps)}) is {float(cps):,.4g} cycles a second, {float(cps) * 60 * per_cycle:,.0f} BPM; "
            f"the most is {MAX_CPS}",
            hint=f"cps counts cycles, not beats: {show(cps)} BPM is bpm({show(cps)}), "
                 f"or cps({show(Fraction(to_time(cps), 60 * per_cycle))}) at {beats}")
    raise ArgumentError(f"bpm({show(bpm)}) is {float(cps):,.4g} cycles a second at {beats}; "
                        f"the most is {MAX_CPS} ({MAX_CPS * 60 * per_cycle:,} BPM)",
                        hint="bpm(120) plays 120 beats a minute")


@builtin(family="tempo")
def beats_per_cycle(session: Session, beats=None):
    """Get or set how many beats one cycle has (default 4)."""
    if beats is None:
        return session.beats_per_cycle
    session.beats_per_cycle = _whole(beats, "beats_per_cycle", low=1)


@builtin(family="tempo")
def quantize(session: Session, cycles=None):
    """Get or set when new bindings take effect live: 1 = next cycle (default), 0 = at once."""
    if cycles is None:
        return session.quantize
    if _number(cycles, "quantize") < 0:
        raise ArgumentError(f"quantize needs 0 or more cycles, got {show(cycles)}")
    session.quantize = cycles


@builtin(family="randomness")
def seed(session: Session, number=None):
    """Get or set the seed of every random choice (default 0)."""
    if number is None:
        return session.seed
    session.seed = _whole(number, "seed")


@builtin(family="project")
def project(session: Session, name=None):
    """Get or set the project name (renders go to renders/<project>/)."""
    if name is None:
        return session.project
    if not isinstance(name, str) or not name.strip():
        raise ArgumentError(f"project needs a name in quotes, got {describe(name)}", hint='project("my song")')
    session.project = name


# -- Strudel's names: setcps, setbpm, and values (silence, sine, saw, …) ------------


@builtin(family="combine")
def arrange(session: Session, *sections):
    """Play sections one after another and loop: arrange(#[4, verse], #[2, chorus])
    plays verse for 4 cycles, chorus for 2, and again; each section goes on
    where it left off the time before (Strudel's arrange)."""
    pairs = []
    for number, section in enumerate(sections, 1):
        if not (isinstance(section, list) and len(section) == 2):
            what = f"an array of {len(section)} values" if isinstance(section, list) else describe(section)
            raise ArgumentError(
                f"arrange's section {number} is {what}, not #[cycles, pattern]",
                hint="arrange(#[4, verse], #[2, chorus]): each section is an array, #[ ]; [ ] is a pattern")
        cycles, pattern = section
        cycles = to_time(_number(cycles, f"arrange's section {number}: its cycles"))
        if cycles < 0:
            raise ArgumentError(f"arrange's section {number} lasts {show(cycles)} cycles",
                                hint="a section lasts 0 cycles or more: #[4, verse]")
        pairs.append((cycles, _section_pattern(pattern, number)))
    return constructors.arrange(*pairs)


@builtin(family="chance")
def wchoose(session: Session, *choices):
    """choose, each value as often as its weight: wchoose(#[C3, 3], #[G3, 1]).segment(8)
    picks C3 about three times in four (Tidal's and Strudel's wchoose)."""
    pairs = []
    for number, choice in enumerate(choices, 1):
        if not (isinstance(choice, list) and len(choice) == 2):
            what = f"an array of {len(choice)} values" if isinstance(choice, list) else describe(choice)
            raise ArgumentError(f"wchoose's choice {number} is {what}, not #[value, weight]",
                                hint="wchoose(#[C3, 3], #[G3, 1]): each choice is an array, #[ ]; [ ] is a pattern")
        value, weight = choice
        weight = _number(weight, f"wchoose's choice {number}: its weight")
        if weight < 0:
            raise ArgumentError(f"wchoose's choice {number} weighs {show(weight)}", hint="a weight is 0 or more: #[C3, 3]")
        pairs.append((pattern_of_text(value), weight))
    return reorder.wchoose(*pairs)


def _section_pattern(value: Any, number: int) -> Any:
    value = pattern_of_text(value)  # "C4 E4": mini-notation, as in Strudel
    if isinstance(value, Pattern) or is_number(value):
        return value
    raise ArgumentError(f"arrange's section {number} plays {describe(value)}, not a pattern",
                        hint="arrange(#[4, verse], #[2, [C4 E4]])")


@builtin(family="tempo")
def setcps(session: Session, cycles_per_second):
    """Set the tempo in cycles per second, as Strudel's setcps: setcps(0.6) is cps(0.6)."""
    cps(session, cycles_per_second)


@builtin(family="tempo")
def setcpm(session: Session, cycles_per_minute):
    """Set the tempo in cycles per minute, as Strudel's setcpm: setcpm(30) is
    cps(1/2), 120 BPM at 4 beats a cycle (Strudel writes setcpm(120/4))."""
    per_minute = _number(cycles_per_minute, "setcpm")
    cycles_per_second = Fraction(to_time(per_minute), 60)
    _not_too_fast(cycles_per_second, session, cpm=per_minute)
    cps(session, cycles_per_second)


@builtin(family="tempo")
def setbpm(session: Session, beats_per_minute):
    """Set the tempo in beats per minute, as setbpm elsewhere: setbpm(120) is bpm(120)."""
    bpm(session, beats_per_minute)


@dataclass(frozen=True)
class Value:
    """A global that is a value, not a function (`silence`, `sine`): made
    fresh for each session, with the help text `help()` shows."""

    name: str
    make: Callable[[], Any]
    doc: str
    family: str
    source: tuple  # how a snapshot writes it (lang.provenance parts), safe from `let` shadowing


def _values() -> dict[str, Value]:
    values = {"silence": Value("silence", lambda: template_pattern(()), "The empty pattern: it plays nothing.\n"
                               "bass << silence keeps the track but stops its notes.", "structure", ("[~]",))}
    shapes = {"sine": ("Sine", 1), "cosine": ("Cosine", 1), "saw": ("Saw", 1), "tri": ("Tri", 1),
              "square": ("Square", 1), "rand": ("Rand",), "perlin": ("Perlin", 1)}
    for name, make in LOWERCASE_SIGNALS.items():
        shown = f"{shapes[name][0]}({', '.join(map(str, shapes[name][1:]))})"
        values[name] = Value(name, make, f"Strudel's {name}: the signal {shown}, as a value.\n"
                             f"One period per cycle, values 0..1: {name}.slow(4), {name}.range(60, 100).", "signal",
                             call_parts(shapes[name][0], shapes[name][1:], ()))
    return values


VALUES: dict[str, Value] = _values()


def global_names(session: Session) -> dict[str, Any]:
    """The names every program starts with."""
    assemble()  # the globals of the packages above the language too (trackjammer/assembly.py)
    names: dict[str, Any] = {name: Curried(entry) for name, entry in REGISTRY.items()}
    names.update({name: BoundBuiltin(entry, session) for name, entry in BUILTINS.items()})
    names.update({name: record(session, value.make(), value.source) for name, value in VALUES.items()})
    return names


# -- help --------------------------------------------------------------------------


@dataclass(frozen=True)
class HelpEntry:
    name: str
    signature: str
    doc: str
    family: str


def help_entries() -> dict[str, HelpEntry]:
    """Every name with its signature and text: globals, pattern functions,
    signals and track methods (as `track.name`)."""
    assemble()  # the globals of the packages above the language too (trackjammer/assembly.py)
    entries = {name: HelpEntry(name, b.signature, b.doc, b.family) for name, b in BUILTINS.items()}
    for name, entry in REGISTRY.items():
        entries[name] = HelpEntry(name, entry.signature, entry.doc, entry.family)
    for name, value in VALUES.items():
        entries[name] = HelpEntry(name, name, value.doc, value.family)
    for name, (signature, doc) in TRACK_METHODS.items():
        entries[f"track.{name}"] = HelpEntry(f"track.{name}", f"track.{signature}", doc, "track methods")
    entries["track.vel"] = HelpEntry(
        "track.vel", "track.vel << pattern", "The velocity lane: each note without ^v takes its value "
        "at the note's onset (track.velocity is the same lane).", "track methods")
    for name, (signature, doc) in LANE_HELP.items():
        entries[f"track.{name}"] = HelpEntry(f"track.{name}", signature, doc, "track methods")
    return entries


def help_text(name: Any = None) -> str:
    entries = help_entries()
    if name is None:
        return _overview(entries)
    key = _help_key(name)
    if key in entries:
        entry = entries[key]
        return f"{entry.signature}\n{entry.doc}"
    track_key = f"track.{key}"
    if track_key in entries:
        entry = entries[track_key]
        return f"{entry.signature}\n{entry.doc}"
    raise ArgumentError(f"no help for '{key}'", hint=suggest(str(key), entries) or "try help()")


def _help_key(name: Any) -> str:
    if isinstance(name, str):
        return name
    if isinstance(name, (Curried, Partial, BoundBuiltin)):
        return name.name
    if isinstance(name, MidiTrack):
        return "MidiTrack"
    if isinstance(name, Pattern):
        raise ArgumentError("help needs a name, not a pattern", hint='help(fast) or help("fast")')
    raise ArgumentError(f"help needs a name, got {describe(name)}", hint='help(fast) or help("fast")')


FAMILY_TITLES = {
    "tracks": "Tracks", "tempo": "Tempo", "transport": "Transport", "output": "Output", "project": "Project", "randomness": "Randomness",
    "time": "Time", "structure": "Structure", "combine": "Combining", "chance": "Chance", "tonal": "Notes",
    "arithmetic": "Arithmetic", "signal": "Signals", "track methods": "Track methods",
    "input": "Input",
}


# Lines that end help()'s overview, added by the packages above the language
# (the REPL's keys, from repl/globals.py), so the language never imports them.
HELP_FOOTER: list[str] = []


def _overview(entries: dict[str, HelpEntry]) -> str:
    lines = ["TrackJammer: help(name) explains a name, e.g. help(fast) or help(\"MidiTrack\").", ""]
    for family, title in FAMILY_TITLES.items():
        names = sorted(e.name for e in entries.values() if e.family == family)
        if names:
            lines.append(f"{title + ':':16} {' '.join(names)}")
    if HELP_FOOTER:
        lines += ["", *HELP_FOOTER]
    return "\n".join(lines)
