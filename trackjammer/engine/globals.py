"""The transport's globals: start, stop, hush, panic, once, the MIDI
ports (ports, output, clock_out), and where time comes from (sync). They act on the session's live engine
(`Session.engine`, typed by `session.LiveEngine`); where nothing plays
(`run --offline`, `trackjammer events`) they do what still makes sense
(hush empties the tracks) or nothing.

Registered here, not in the language, so the language never imports the
engine; `trackjammer/globals.py` assembles every package's globals.
"""

from __future__ import annotations

from fractions import Fraction

from trackjammer.core.constructors import pure
from trackjammer.core.knobs import KNOBS, Knob
from trackjammer.core.pattern import Pattern
from trackjammer.core.phrase import phrase_pattern
from trackjammer.core.registry import describe, pattern_of_text
from trackjammer.core.signals import Signal
from trackjammer.core.values import is_number
from trackjammer.errors import ArgumentError
from trackjammer.lang import provenance
from trackjammer.lang.display import show
from trackjammer.lang.globals_registry import builtin
from trackjammer.engine.sync import SOURCES
from trackjammer.lang.suggest import suggest
from trackjammer.midi.rtmidi_out import list_ports, port_lines
from trackjammer.midi.track import MAX_OFFSET_MS, Lane, MidiTrack
from trackjammer.session import Session


@builtin(family="transport")
def start(session: Session):
    """Play from cycle 0 (playing starts by itself; this restarts after stop()). A bare `start` runs it too."""
    if session.engine is not None:
        session.engine.start()


@builtin(family="transport")
def stop(session: Session):
    """Stop the clock: every sounding note ends now. A bare `stop` runs it too."""
    if session.engine is not None:
        session.engine.stop()


@builtin(name="continue", family="transport")
def continue_(session: Session):
    """Play on from where stop() stopped (start() plays from cycle 0)."""
    if session.engine is not None:
        cycle = session.engine.resume()
        session.out(f"playing on from cycle {cycle}")


@builtin(family="transport")
def undo(session: Session):
    """Bring back what played before the last input that changed it (a binding, hush, mute, tempo, load); from the next boundary, as any change. Again walks further back; redo() takes it back. F4 runs it too."""
    if session.engine is not None:
        session.out(session.engine.undo())


@builtin(family="transport")
def redo(session: Session):
    """Play again what the last undo() took back."""
    if session.engine is not None:
        session.out(session.engine.redo())


@builtin(family="transport")
def hush(session: Session):
    """Silence every track now (their note lanes are emptied); the clock runs on. A bare `hush` runs it too."""
    if session.engine is not None:
        session.engine.hush()
    else:
        for track in session.tracks():
            track.clear()


@builtin(family="transport")
def panic(session: Session):
    """All notes off on every channel, now; the patterns play on. A bare `panic` runs it too."""
    if session.engine is not None:
        session.engine.panic()


@builtin(family="transport")
def ports(session: Session):
    """The MIDI ports there are, marked: "out 0: NAME" for outputs, then "in 0: NAME" for inputs."""
    backend = session.engine.backend if session.engine is not None else None
    return port_lines(list_ports(backend), list_ports(backend, direction="in"))


@builtin(family="transport")
def output(session: Session, port, latency=None):
    """Play through another MIDI port, by name or number: output("IAC Bus 1"); gives its name. With latency (ms), its messages leave that much earlier than the others, for a synth that is slow to sound: output("Digitone", latency: 12) (the port playing already keeps playing)."""
    if isinstance(port, bool) or not isinstance(port, (str, int)):
        raise ArgumentError(f"output needs a port name or number, got {describe(port)}", hint='output("IAC Bus 1")')
    if latency is not None and (isinstance(latency, bool) or not is_number(latency) or not 0 <= latency <= MAX_OFFSET_MS):
        raise ArgumentError(f"latency is a number of milliseconds from 0 to {MAX_OFFSET_MS}, got {describe(latency)}",
                            hint='output("Digitone", latency: 12)')
    if session.engine is None:
        return None
    return session.engine.use_output(port, latency)


@builtin(family="transport")
def clock_out(session: Session, on=True):
    """Send MIDI clock to the output (24 per beat, start, stop, continue): clock_out(true); clock_out(false) stops."""
    if not isinstance(on, bool):
        raise ArgumentError(f"clock_out needs true or false, got {describe(on)}", hint="clock_out(true)")
    if session.engine is not None:
        session.engine.clock_out(on)


@builtin(family="transport")
def sync(session: Session, source="internal", port=None):
    """Where time comes from: sync("clock", "Live") follows the MIDI clock of
    an input port (tempo, start, stop, continue, song position; the port by
    name, part of one, or number from ports(); none: a virtual input
    "TrackJammer in"); sync("link") plays in the Ableton Link session of
    the network (shared tempo and bars, start and stop; the [link] extra);
    sync("internal"), the default, plays by TrackJammer's own clock again.
    Gives the input's name."""
    if not isinstance(source, str):
        raise ArgumentError(f"sync needs a source name, got {describe(source)}", hint='sync("clock", "port name")')
    if source == "link" and port is not None:
        raise ArgumentError("Ableton Link has no port: its session is on the network", hint='sync("link")')
    if source not in SOURCES:
        known = suggest(source, SOURCES)
        raise ArgumentError(f"sync knows no source '{source}'",
                            hint=known or 'sync("clock", port) or sync("internal")')
    if port is not None and (isinstance(port, bool) or not isinstance(port, (str, int))):
        raise ArgumentError(f"sync needs a port name or number, got {describe(port)}", hint='sync("clock", "IAC Bus 1")')
    if source == "internal" and port is not None:
        raise ArgumentError("the internal clock has no port", hint='sync("internal")')
    if session.engine is None:
        return None
    return session.engine.sync(source, port)


@builtin(family="transport")
def once(session: Session, track, pattern=None):
    """Play one cycle of a pattern at the next quantize boundary, then the
    track's own binding goes on: once(bass, [C2*8]) plays it as bass's notes
    (its channel, velocity and CC lanes); once([C5 G5]) plays it on channel 1
    beside everything else. While stopped it plays when start() does; where
    nothing plays it does nothing."""
    if pattern is None:
        track, pattern = None, track
    if track is not None and not isinstance(track, MidiTrack):
        raise ArgumentError(f"once plays on a track, got {describe(track)}", hint="once(bass, [C2*8]) or once([C5 G5])")
    pattern = pattern_of_text(pattern)  # a string is mini-notation, as wherever a pattern goes
    if is_number(pattern):
        pattern = pure(pattern)
    if not isinstance(pattern, Pattern):
        raise ArgumentError(f"once plays a pattern, got {describe(pattern)}",
                            hint="once(bass, [C2*8]) or once([C5 G5])")
    if isinstance(pattern, Signal):
        raise ArgumentError("a signal has no notes of its own",
                            hint="make notes of it with segment: once(Sine(1).segment(8).range(48, 72))")
    if session.engine is not None:
        session.engine.once(pattern, track)


# -- MIDI input (engine/inputs.py; docs/recording.md) -------------------------------------


def _port_argument(who: str, port) -> None:
    if port is not None and (isinstance(port, bool) or not isinstance(port, (str, int))):
        raise ArgumentError(f"{who} needs a port name or number, got {describe(port)}", hint=f'{who}("Keystation")')


def _track_argument(who: str, track, example: str) -> MidiTrack:
    if not isinstance(track, MidiTrack):
        raise ArgumentError(f"{who} needs a track, got {describe(track)}", hint=example)
    return track


@builtin(name="input", family="input")
def input_(session: Session, port=None, thru=None, off=False):
    """Record a MIDI input (by name, part of one, or number from ports();
    none: a virtual input "TrackJammer in"): everything played in goes into
    the take on a track of its own; input("Keystation", thru: lead) also
    plays it live through lead's channel and output, transposed as lead is
    (then recorded once, as lead played it); input("Keystation", off: true)
    closes it. Several can be open. Gives the input's name."""
    _port_argument("input", port)
    if thru is not None:
        _track_argument("input", thru, 'input("Keystation", thru: lead)')
    if not isinstance(off, bool):
        raise ArgumentError(f"input's off needs true or false, got {describe(off)}",
                            hint='input("Keystation", off: true)')
    if off and thru is not None:
        raise ArgumentError("an input that closes plays through nothing", hint='input("Keystation", off: true)')
    if session.engine is None:
        return None
    return session.engine.input(port, thru, off)


@builtin(family="input")
def inputs(session: Session):
    """The MIDI inputs open, one a line: "in 1: NAME", and the track each plays through."""
    if session.engine is not None:
        lines = session.engine.inputs()
        session.out("\n".join(lines) if lines else "no MIDI input is open: input(\"port name\") opens one")


@builtin(family="input")
def learn(session: Session, lane=None):
    """A knob that follows the next controller moved on any input (said when
    it learns): lead.cc(74).learn() binds it to the lane, and so does
    lead.cc(74) << learn(). Silent until then."""
    what = "the knob learn() gave"
    if lane is not None:
        if not isinstance(lane, Lane):
            raise ArgumentError(f"learn binds a lane, got {describe(lane)}", hint="lead.cc(74).learn()")
        what = repr(lane)
    if session.engine is None:
        knob = Knob(KNOBS, None, None)  # nothing plays: nothing to learn from, the knob stays silent
    else:
        knob = session.engine.learn(what)
        where = "" if session.engine.inputs() else " on an input (none is open: input(\"port name\") opens one)"
        session.out(f"learn: move a controller{where}; it will drive {what}")
    provenance.record(session, knob, ("learn()",))
    if lane is None:
        return knob
    lane.track.set_lane(lane.kind, lane.number, knob)
    return None


@builtin(family="input")
def capture(session: Session, cycles=1, grid=Fraction(1, 16)):
    """The notes played in on every input over the last `cycles` whole
    cycles, put on `grid` (a cycle in equal steps: 1/16, 1/12 for
    triplets), as a pattern that shows as the mini-notation playing it
    (velocities as ^v, chords [a,b], rests ~): lead << capture(2) plays it
    back, and its text is yours to edit. A snapshot keeps the notes."""
    if isinstance(cycles, bool) or not is_number(cycles) or cycles != int(cycles) or cycles < 1:
        raise ArgumentError(f"capture takes a whole number of cycles from 1, got {describe(cycles)}",
                            hint="capture(2): the notes played over the last two cycles")
    cycles = int(cycles)
    notes = [] if session.engine is None else session.engine.played_notes(cycles)
    phrase = phrase_pattern(notes, cycles, grid)
    if not notes:
        where = "" if session.engine is not None and session.engine.inputs() else \
            ' (no input is open: input("port name") opens one)'
        last = "cycle" if cycles == 1 else f"{cycles} cycles"
        session.out(f"capture: nothing was played in over the last {last}{where}")
    return provenance.record(session, phrase, (phrase.text,))  # a snapshot writes the notes, not capture()


@builtin(family="input")
def loop_record(session: Session, track, cycles):
    """Record what is played in over a loop of `cycles` on `track`, pass
    after pass from the next cycle: each pass becomes a layer that plays on
    the track from the next pass on (nothing is overwritten). layers(track)
    lists them; loop_record(track, 0) stops recording (the layers play on)."""
    _track_argument("loop_record", track, "loop_record(lead, 2)")
    if not is_number(cycles) or cycles < 0:
        raise ArgumentError(f"loop_record needs a length in cycles, got {describe(cycles)}",
                            hint="loop_record(lead, 2)")
    if session.engine is None:
        return None
    start = session.engine.loop_record(track, cycles)
    if start is not None:
        length = show(cycles) + (" cycle" if cycles == 1 else " cycles")
        session.out(f"loop: {_track_label(track)} records passes of {length} from cycle {show(start)}")
    return None


@builtin(family="input")
def layers(session: Session, track):
    """The layers loop_record kept on `track`, one a line: number, notes, the pass it was played in, muted."""
    _track_argument("layers", track, "layers(lead)")
    if session.engine is not None:
        session.out("\n".join(session.engine.layers(track)))


@builtin(family="input")
def undo_layer(session: Session, track):
    """Drop the last layer loop_record kept on `track` (the others play on)."""
    _track_argument("undo_layer", track, "undo_layer(lead)")
    if session.engine is not None:
        session.out(session.engine.undo_layer(track))


@builtin(family="input")
def mute_layer(session: Session, track, layer):
    """Silence layer number `layer` of `track` (as layers() numbers them); it is kept."""
    _layer_arguments("mute_layer", track, layer)
    if session.engine is not None:
        session.out(session.engine.mute_layer(track, int(layer), True))


@builtin(family="input")
def unmute_layer(session: Session, track, layer):
    """Let layer number `layer` of `track` play again."""
    _layer_arguments("unmute_layer", track, layer)
    if session.engine is not None:
        session.out(session.engine.mute_layer(track, int(layer), False))


def _layer_arguments(who: str, track, layer) -> None:
    _track_argument(who, track, f"{who}(lead, 1)")
    if isinstance(layer, bool) or not is_number(layer) or layer != int(layer) or layer < 1:
        raise ArgumentError(f"{who} needs a layer number from 1, got {describe(layer)}",
                            hint=f"{who}(lead, 1): layers(lead) lists them")


def _track_label(track: MidiTrack) -> str:
    return track.name or f"MidiTrack({track.channel})"
