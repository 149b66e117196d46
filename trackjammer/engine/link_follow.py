"""Playing in an Ableton Link session: `sync("link")`.

Link shares a tempo, a beat phase and (with start/stop sync) whether the
transport plays, among the apps of a local network. One cycle is the
quantum (`beats_per_cycle` beats), so a cycle begins where every peer's
bar begins. `LinkSync` looks at the session every `POLL` seconds and moves
the engine as the MIDI clock follower does (`Engine.follow`): a start at
the next downbeat, a new anchor for engine/clock.py's Clock when the
tempo changed or the position drifted more than `MOVE`, a stop. The other
way, the performer's tempo, start and stop are committed to the session,
so every peer follows.

Link keeps its own clock (on Linux CLOCK_MONOTONIC_RAW, which NTP does not
slew); each look reads it between two readings of ours, so its times are
turned into ours afresh every time and the two never drift apart. A thread
preempted between those readings would misplace Link's time by half the
stall, so `paired_reading` keeps the tightest of a few tries, and a look
whose reading is still loose does not move the clock (the next one will).

This is the one module that imports the Link library (LinkPython-extern,
the optional `[link]` extra: docs/live.md says why that one, and what its
GPLv2+ licence means); it is imported only when `sync("link")` runs.
"""

from __future__ import annotations

import math
import threading
import time
from fractions import Fraction
from typing import Any, Callable

from trackjammer.engine.clock_follow import Follow
from trackjammer.engine.sync import SyncState
from trackjammer.errors import TrackJammerError

POLL = 0.005  # seconds between looks at the Link session
MOVE = 0.0002  # seconds: our position this far from Link's is moved onto it
START_MARGIN = 0.05  # seconds: a start needs this long to hand its first notes over in time
START_AHEAD = 0.1  # seconds: the performer's start() is asked of the session this far ahead
MIN_BPM, MAX_BPM = 20.0, 999.0  # the tempos Link accepts
READ_WITHIN = 0.00005  # seconds: a reading of Link's clock bracketed this tightly by ours is taken at once
READ_TRIES = 8  # readings at most, the tightest kept
INSTALL = "pip install 'trackjammer[link]'"


def load_link() -> Any:
    """The Link library, or a clear error saying how to install it."""
    try:
        import link  # optional dependency: the [link] extra (LinkPython-extern), only for sync("link")
    except ImportError:
        raise TrackJammerError(
            "Ableton Link is not installed",
            hint=f"install the extra: {INSTALL} (scripts/trackjammer: .venv/bin/pip install -e '.[link]'); "
                 "Link is GPLv2+, see docs/live.md") from None
    return link


def link_bpm(cps: float, beats_per_cycle: int) -> float:
    """A tempo Link takes (20 … 999 bpm) from cycles per second."""
    return min(MAX_BPM, max(MIN_BPM, float(cps) * 60 * beats_per_cycle))


def paired_reading(ours: Callable[[], float], theirs: Callable[[], int],
                   tries: int = READ_TRIES, within: float = READ_WITHIN) -> tuple[int, float, float]:
    """Their clock's reading, our time at it (the middle of the two readings
    of ours around it), and how wide those two were apart: the tightest of
    up to `tries`, the first within `within`."""
    best: tuple[int, float, float] | None = None
    for _ in range(tries):
        before = ours()
        reading = theirs()
        after = ours()
        if best is None or after - before < best[2]:
            best = (reading, (before + after) / 2, after - before)
        if best[2] <= within:
            break
    assert best is not None
    return best


def first_downbeat(beat: float, quantum: float) -> int:
    """The bar (in quanta) that begins at or after `beat` (a hair before counts as on it)."""
    return math.ceil(beat / quantum - 1e-9)


class LinkSync:
    """The engine in a Link session: `engine` is told through `engine.follow(Follow)`."""

    source = "link"
    port = None  # no MIDI port: the session is on the network

    def __init__(self, engine: Any, report: Callable[[str], None] = print,
                 now: Callable[[], float] = time.monotonic, library: Any = None) -> None:
        library = library if library is not None else load_link()
        self.engine, self.report, self.now = engine, report, now
        session = engine.session
        self.link = library.Link(link_bpm(session.cps, session.beats_per_cycle))
        self.link.startStopSyncEnabled = True
        self._clock = self.link.clock()
        self._lock = threading.RLock()
        self.playing = False  # the session's transport, as last seen
        self.base = 0.0  # our cycle = Link's beat / quantum − base (a whole number of bars: phase is shared)
        self.from_cycle = Fraction(0)  # where the next start plays from (continue(): where stop() left)
        self.next_bar = True  # the next start waits for the next downbeat (joining a playing session)
        self.tempo: float | None = None  # the session's bpm, as last seen
        self.peers = 0
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, thread: bool = True, play_from: Any = None) -> None:
        """Join the network (and look at the session every POLL seconds);
        with `play_from`, play from that cycle at the next downbeat."""
        self.link.enabled = True
        if play_from is None:
            self.poll()
        else:
            self.play(play_from)
        if thread:
            self._thread = threading.Thread(target=self._polling, name="trackjammer-link", daemon=True)
            self._thread.start()

    # -- time: Link's clock read between two readings of ours ---------------------------------------

    def _read(self) -> tuple[int, float, float]:
        """Link's clock, our time at it, and how loosely ours bracketed it (seconds)."""
        return paired_reading(self.now, self._clock.micros)

    # -- the session → the engine --------------------------------------------------------------------

    def poll(self) -> None:
        """Look at the session once, and move the engine where it differs."""
        with self._lock:
            follow = self._look()
        if follow is not None:
            self.engine.follow(follow)

    def _look(self) -> Follow | None:
        quantum = float(self.engine.session.beats_per_cycle)
        micros, wall, width = self._read()
        state = self.link.captureAppSessionState()
        tempo, playing = state.tempo(), state.isPlaying()
        self.tempo, self.peers = tempo, self.link.numPeers()
        cps = tempo / 60 / quantum
        if playing and not self.playing:
            self.playing = True
            return self._start(state, micros, wall, quantum, cps)
        if not playing and self.playing:
            self.playing = False
            return Follow("stop")
        if not playing:
            return None
        cycle = state.beatAtTime(micros, quantum) / quantum - self.base
        clock = self.engine.clock
        _, _, our_cps = clock.anchor()
        if our_cps == cps and (abs(clock.cycle_at(wall) - cycle) < MOVE * cps or width > MOVE):
            return None  # in place, or a reading too loose to tell: the next look will
        return Follow("anchor", wall, cycle, cps, cps)

    def _start(self, state: Any, micros: int, wall: float, quantum: float, cps: float) -> Follow:
        """Play from `from_cycle` at the first downbeat at or after the
        session's start; when that is too soon to hand notes over (a peer
        started a moment ago, or we joined a playing session), from where
        the session is a moment from now, on its grid."""
        began = max(state.timeForIsPlaying(), micros + round(START_MARGIN * 1e6)) if self.next_bar \
            else state.timeForIsPlaying()
        self.next_bar = False
        bar = first_downbeat(state.beatAtTime(began, quantum), quantum)
        at = wall + (state.timeAtBeat(bar * quantum, quantum) - micros) / 1e6
        start = float(self.from_cycle)
        self.base = bar - start
        if at < wall + START_MARGIN:
            at = wall + START_MARGIN
            start = state.beatAtTime(micros + round(START_MARGIN * 1e6), quantum) / quantum - self.base
        self.from_cycle = Fraction(0)
        return Follow("start", at, start, cps, cps)

    # -- the performer → the session -------------------------------------------------------------------

    def set_tempo(self, cps: Any) -> None:
        """cps()/bpm(): the session's tempo, for every peer."""
        with self._lock:
            micros, _, _ = self._read()
            state = self.link.captureAppSessionState()
            state.setTempo(link_bpm(cps, self.engine.session.beats_per_cycle), micros)
            self.link.commitAppSessionState(state)
        self.poll()

    def play(self, cycle: Any = 0) -> None:
        """start() or continue(): the session's transport plays (every peer
        with start/stop sync starts too), and we from `cycle` at the next
        downbeat; when it plays already, we join it there."""
        with self._lock:
            self.from_cycle = Fraction(cycle)
            quantum = float(self.engine.session.beats_per_cycle)
            micros, _, _ = self._read()
            state = self.link.captureAppSessionState()
            if state.isPlaying():
                self.playing, self.next_bar = False, True  # seen as a start at the next look: the next downbeat
            else:
                state.setIsPlayingAndRequestBeatAtTime(True, micros + round(START_AHEAD * 1e6), 0.0, quantum)
                self.link.commitAppSessionState(state)
        self.poll()

    def halt(self) -> None:
        """stop(): the session's transport stops (every peer with start/stop sync too)."""
        with self._lock:
            self.playing = False  # our own stop: the next look has nothing to tell
            micros, _, _ = self._read()
            state = self.link.captureAppSessionState()
            state.setIsPlaying(False, micros)
            self.link.commitAppSessionState(state)

    # -- the rest ---------------------------------------------------------------------------------------

    def state(self) -> SyncState:
        with self._lock:
            cps = None if self.tempo is None else self.tempo / 60 / self.engine.session.beats_per_cycle
            return SyncState("link", None, cps, self.peers > 0, self.peers)

    def close(self) -> None:
        """Leave the session (the network goes quiet)."""
        self._closed.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        with self._lock:
            self.link.enabled = False

    def _polling(self) -> None:
        while not self._closed.wait(POLL):
            try:
                self.poll()
            except Exception as error:  # noqa: BLE001 - a failing look must never end the music
                self.report(f"internal error following Ableton Link ({type(error).__name__}: {error})")
                self._closed.wait(1.0)


__all__ = ["INSTALL", "LinkSync", "first_downbeat", "link_bpm", "load_link", "paired_reading"]
