"""Where the engine's time comes from: its own clock, or a master it follows.

`ClockSync` follows MIDI clock arriving on an input port (midi/input.py):
each clock message, stamped when it arrived, goes to a `ClockFollower`
(engine/clock_follow.py), and what that answers moves the engine (start,
a new anchor for the clock, stop). A watchdog says once when the ticks stop
coming (the engine plays on at the last tempo) and once when they are back.

Sources are named ("internal", "clock", "link"); Ableton Link is one more
class with `state()` and `close()` (engine/link_follow.py), chosen by `Engine.sync`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from trackjammer.engine.clock_follow import ClockFollower, Follow
from trackjammer.midi.kinds import CLOCK, CONTINUE, SONG_POSITION, START, STOP

SOURCES = ("internal", "clock", "link")
WATCH_EVERY = 0.1  # seconds between looks whether the ticks still come


@dataclass(frozen=True)
class SyncState:
    """What the status bar shows: the source, the port it follows, the
    followed tempo (cps, None until known), and whether it is locked (Link:
    whether other peers are there, and how many)."""

    source: str = "internal"
    port: str | None = None
    cps: float | None = None
    locked: bool = False
    peers: int | None = None


def same_device(a: str, b: str) -> bool:
    """Two port names of one device: the same name, or the same client
    before the ':' (ALSA and JACK name ports "client:port")."""
    if a == b:
        return True
    client_a, colon_a, _ = a.partition(":")
    client_b, colon_b, _ = b.partition(":")
    return bool(colon_a and colon_b) and client_a.strip() == client_b.strip()


class ClockSync:
    """Follow the MIDI clock of `port` (an started-or-not `Input`): `engine`
    is told what to do through `engine.follow(Follow)`."""

    source = "clock"

    def __init__(self, engine: Any, port: Any, report: Callable[[str], None] = print,
                 now: Callable[[], float] = time.monotonic, watch: bool = True) -> None:
        self.engine, self.port, self.report, self.now = engine, port, report, now
        session = engine.session
        self.follower = ClockFollower(session.beats_per_cycle, float(session.cps) if session.cps > 0 else 0.5)
        self._lock = threading.Lock()
        self.lost = False  # said that the ticks stopped coming
        self._closed = threading.Event()
        port.listen(self.take)
        self._watch: threading.Thread | None = None
        if watch:
            self._watch = threading.Thread(target=self._watching, name="trackjammer-clock-watch", daemon=True)
            self._watch.start()

    def take(self, data: bytes, stamp: float) -> None:
        """One message from the input (its thread): clock ones move the engine."""
        status = data[0] if data else 0
        follower = self.follower
        with self._lock:
            follower.set_beats_per_cycle(self.engine.session.beats_per_cycle)
            if status == CLOCK:
                follow = follower.tick(stamp)
                if self.lost:
                    self.lost = False
                    self.report(f"the MIDI clock from '{self.port.name}' is back")
            elif status == START:
                follow = follower.start(stamp)
            elif status == CONTINUE:
                follow = follower.continue_(stamp)
            elif status == STOP:
                follow = follower.stop(stamp)
            elif status == SONG_POSITION and len(data) == 3:
                follow = follower.song_position(data[1] | data[2] << 7, stamp)
            else:
                return
            if follow is not None:
                self.engine.follow(follow)

    def check(self) -> None:
        """Say once that the ticks stopped coming (the last tempo plays on)."""
        with self._lock:
            follower = self.follower
            if self.lost or follower.last is None or self.now() - follower.last <= follower.lost_after():
                return
            if not follower.running:  # stopped by the leader: many stop their ticks too, nothing to say
                return
            self.lost = True
            tempo = follower.tempo
            if tempo is not None:
                bpm = tempo * 60 * self.engine.session.beats_per_cycle
                self.report(f"warning: the MIDI clock from '{self.port.name}' stopped coming; "
                            f"playing on at {bpm:.1f} bpm")
            else:
                self.report(f"warning: the MIDI clock from '{self.port.name}' stopped coming")

    def state(self) -> SyncState:
        with self._lock:
            return SyncState("clock", self.port.name, self.follower.tempo, self.follower.locked(self.now()))

    def close(self) -> None:
        self._closed.set()
        self.port.unlisten(self.take)
        self.port.close()
        if self._watch is not None:
            self._watch.join(timeout=2)

    def _watching(self) -> None:
        while not self._closed.wait(WATCH_EVERY):
            try:
                self.check()
            except Exception as error:  # noqa: BLE001 - the watchdog must never end the music
                self.report(f"internal error watching the MIDI clock ({type(error).__name__}: {error})")


__all__ = ["SOURCES", "ClockSync", "Follow", "SyncState", "same_device"]
