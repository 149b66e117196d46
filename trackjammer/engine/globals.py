"""The transport's globals: start, stop, hush, panic, once, the MIDI
ports (ports, output, clock_out), and where time comes from (sync). They act on the session's live engine
(`Session.engine`, typed by `session.LiveEngine`); where nothing plays
(`run --offline`, `trackjammer events`) they do what still makes sense
(hush empties the tracks) or nothing.

Registered here, not in the language, so the language never imports the
engine; `trackjammer/globals.py` assembles every package's globals.
"""

from __future__ import annotations

from trackjammer.core.constructors import pure
from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import describe, pattern_of_text
from trackjammer.core.signals import Signal
from trackjammer.core.values import is_number
from trackjammer.errors import ArgumentError
from trackjammer.lang.globals_registry import builtin
from trackjammer.engine.sync import SOURCES
from trackjammer.lang.suggest import suggest
from trackjammer.midi.rtmidi_out import list_ports, port_lines
from trackjammer.midi.track import MAX_OFFSET_MS, MidiTrack
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
