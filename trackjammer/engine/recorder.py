"""Always-on recording: every take becomes a recording.mid in a folder of its own.

From `Engine.start` to `stop` or `close`, everything sent (notes and CCs on
every channel, at their exact musical time) and every tempo change is
captured. The clock thread only appends a tuple to a deque: no lock, no I/O.
A writer thread drains the deque every 100 ms into the take's journal
(`engine.journal`): on the kernel's disk for any process death. Every
250 ms (the bound recording.md promises for a power cut) it also syncs
the journal, and the sending process's file beside it, to the disk: an
fsync of each, ten times a second, was most of this thread's 0.3 % of a
core at 8 tracks. While the sending process journals what it sends, a
drain seldom finds lines of its own: the writer then wakes only to sync,
and a line that comes meanwhile (an input, a tempo change) wakes it. The folder
(asked of the `TakeSink`: the project layer knows where takes go) and the
journal's header are made when the take begins, before anything is sent,
so a kill at any moment finds what was sent; a take that played nothing
is removed when it ends (or, after a crash, at the next start).

With a sending process (engine/sender.py), that process journals the
messages itself, right after sending them, beside the journal
(`recording.sent`): it outlives a killed main process and writes what it
sent on its way out, and when it is killed itself, what it wrote is there
for the process started in its place. This journal then holds the rest:
header, tempo, track names, end.

A disk that refuses (full, read-only) is said once; nothing recorded is
dropped: the lines wait in memory and are written when space is back, and
the music goes on. Finishing a take writes `recording.mid` (built from the
journal, message by message: memory stays flat however long the take) and
its record, then removes the journal and reports the path; after stop or a
restart that runs in a thread of its own (a long take takes seconds),
`close` waits for it. A take that cannot be finished keeps its journal,
which the next start turns into recording.mid (project/takes.py).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections import OrderedDict, deque
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

from trackjammer.core.time import to_time
from trackjammer.engine import journal
from trackjammer.engine.sink import TakeSink
from trackjammer.errors import TrackJammerError
from trackjammer.midi.kinds import is_channel

FLUSH_SECONDS = 0.1  # the writer's period: at most this much of a take is not yet written (a process death)
SYNC_SECONDS = 0.25  # at most this much of a take is not yet synced to the disk (a power cut)
NOW_GRID = 1_000_000  # "now" (stop, hush, panic) is kept to a millionth of a cycle
TEMPO = "tempo"
END = "end"
LOST = "lost"  # note-ons sent to a port that was gone: (count, port name) in the track's place
ELSEWHERE = "elsewhere"  # a message the sending process journaled itself: only its track's name is ours to write
INPUT = "input"  # a message that came in on a MIDI input: (input number, port name, bytes) in the track's place

_take_numbers = itertools.count(1)
NAMED_KEPT = 256  # track numbers whose name a take remembers writing (more are named again)


class Recorder:
    """What the Engine feeds; `active` while a take runs. Without a sink
    (`takes`), nothing is recorded."""

    def __init__(
        self, session: Any, report: Callable[[str], None], position: Callable[[], float],
        name_of: Callable[[int], str | None], takes: TakeSink | None = None, now: Callable[[], datetime] = datetime.now,
    ):
        self.session, self.report = session, report
        self.position = position  # the clock's cycle now
        self.name_of = name_of  # track number → the name of the track (asked once per number, off the clock thread)
        self.takes, self.now = takes, now
        self.relay: Any = None  # the sending process (engine/sender.py), which journals what it sends
        self._take: Take | None = None
        self._finishing: list[threading.Thread] = []

    @property
    def active(self) -> bool:
        return self._take is not None

    # -- fed by the engine ---------------------------------------------------------

    def begin(self, cycle: Any, cps: Any) -> None:
        """A take starts at `cycle`; a take still running is finished (in
        the background: this may be called with the clock's lock held)."""
        self.finish(wait=False)
        if self.takes is None:
            return
        take = Take(to_time(cycle), _exact(cps), self.session, self.takes, self.now(), self.report,
                    self.name_of, self.relay)
        if self.relay is not None:
            self.relay.take_begins(take.number)
        take.open_now()
        self._take = take

    def record(self, cycle: Fraction, data: Any, track: int | None) -> None:
        """A scheduled message, sent at `cycle` (the clock thread: one append)."""
        take = self._take
        if take is not None and is_channel(data[0]):  # MIDI clock and transport are not recorded
            take.queue.append((cycle, data, track))

    def sent_elsewhere(self, track: int | None) -> None:
        """A message of `track` the sending process sent and journaled (its
        reader thread): the take names the track, and played. Once for each
        track lately told, not for every message: 200 a second at 8 tracks
        cost the writer a queue entry each."""
        take = self._take
        if take is not None and track not in take.tracks_elsewhere:
            if len(take.tracks_elsewhere) >= NAMED_KEPT:
                take.tracks_elsewhere.clear()  # bounded, as the names written are: one told again is harmless
            take.tracks_elsewhere.add(track)
            take.queue.append((None, ELSEWHERE, track))

    def record_now(self, data: Any, cycle: float | None = None, elsewhere: bool = False) -> None:
        """A message sent now (or at `cycle`), outside the schedule (stop, hush)."""
        take = self._take
        if take is not None and is_channel(data[0]):
            take.queue.append((self._here() if cycle is None else _on_now_grid(cycle),
                               ELSEWHERE if elsewhere else data, None))

    def panic(self, output: Any) -> None:
        """What `output.panic()` or `close()` is about to send: a note-off
        for each held note, then CC 123 on each channel used."""
        if self._take is None or output.timed:  # a sending process reports what it sends
            return
        for message in output.panic_messages():
            self.record_now(message)

    def tempo(self, cps: Any) -> None:
        """The tempo changed now."""
        take = self._take
        if take is not None:
            take.queue.append((self._here(), TEMPO, _exact(cps)))
            take.kick()

    def lost(self, port: str, count: int) -> None:
        """`count` note-ons went to `port` while it was gone (the sending
        process's reader thread calls this): the take's record counts them."""
        take = self._take
        if take is not None:
            take.queue.append((self._here(), LOST, (count, port)))
            take.kick()

    def record_input(self, cycle: Fraction, data: bytes, number: int, port: str) -> None:
        """A message that came in on input `number` (port `port`) at `cycle`
        (the input's thread: one append); it goes on that input's own track."""
        take = self._take
        if take is not None and is_channel(data[0]):  # MIDI clock and active sensing are not recorded
            take.queue.append((cycle, INPUT, (number, port, bytes(data))))
            take.kick()

    def refused(self, text: str) -> None:
        """The sending process cannot write the take's messages (`text`: why):
        said once a take, as the journal's own trouble is."""
        take = self._take
        if take is not None:
            take.warn(text)

    def finish(self, wait: bool = True, at: Fraction | None = None) -> Path | None:
        """End the take: write recording.mid and report its path. With
        `wait` (close), also wait for takes still being written; without it
        (stop, start), the file is written by a thread of its own, so a long
        take never holds up the prompt."""
        take, self._take = self._take, None
        end = self._here() if at is None else at
        if take is not None and self.relay is not None:
            self.relay.take_ends()  # what the sending process sends from now on is not this take's
        if not wait:
            if take is not None:
                finishing = threading.Thread(target=take.finish, args=(end,), name="trackjammer-take-end")
                finishing.start()
                self._finishing.append(finishing)
            return None
        self.wait()
        return take.finish(end) if take is not None else None

    def abandon(self) -> None:
        """End the take now without waiting for anyone (a second Ctrl-C or
        SIGTERM while closing): its end goes into the journal, which the
        next start makes into recording.mid (the sending process may still
        be journaling its last note-offs beside it)."""
        take, self._take = self._take, None
        if take is not None:
            take.abandon(self._here())

    def wait(self) -> None:
        """Until every take ended so far is written."""
        while self._finishing:
            self._finishing.pop(0).join()

    def _here(self) -> Fraction:
        return _on_now_grid(self.position())


class Take:
    """One take: its queue, its writer thread, its folder and journal."""

    def __init__(
        self, start: Fraction, cps: Fraction, session: Any, takes: TakeSink, moment: datetime,
        report: Callable[[str], None], name_of: Callable[[int], str | None], relay: Any = None,
    ):
        self.number = next(_take_numbers)  # how the sending process knows this take
        self.queue: deque = deque()
        self.start, self.takes, self.moment, self.report, self.name_of = start, takes, moment, report, name_of
        self.relay = relay
        self.project = session.project
        self.info = {
            "project": session.project, "beats_per_cycle": session.beats_per_cycle, "start": str(start),
            "cps": str(cps), "started": moment.astimezone().isoformat(timespec="seconds"),
        }
        self.folder: Path | None = None
        self._file: Any = None
        self._sent: int | None = None  # the sending process's file, opened to sync it to the disk with ours
        self._waiting = b""  # not yet on the disk (tempo changes before the first message, or a refusing disk)
        self._unsynced = False  # written to the journal since its last fsync (with a sending process, seldom)
        self._synced_at = 0.0  # when both files were last synced to the disk (time.monotonic)
        self._played = False  # a message was recorded: the take has a folder
        self._named: OrderedDict[int, None] = OrderedDict()  # the tracks named in the journal lately
        self.tracks_elsewhere: set[int | None] = set()  # tracks the sending process journaled messages of, told lately
        self._ports_named: set[int] = set()  # the inputs whose port is named in the journal
        self._warned = False
        self._told = False  # the sending process knows where its file of this take is
        self._stop = threading.Event()
        self._kick = threading.Event()  # wakes the writer: the take ends, or a line of its own waits
        self._busy = True  # the last write had lines of its own: write again after FLUSH_SECONDS
        self._thread = threading.Thread(target=self._run, name="trackjammer-recorder", daemon=True)

    def open_now(self) -> None:
        """Make the folder and journal now, before anything is sent, and
        tell the sending process where to write (so a kill at any moment
        after the first note finds the take on the disk; a take that plays
        nothing is removed when it ends), then start the writer thread. A
        disk that refuses is said, and tried again by the writer."""
        try:
            self._open()
            self._drain()
            self._tell_relay()
        except (OSError, TrackJammerError) as error:
            self.warn(error.message if isinstance(error, TrackJammerError) else (error.strerror or str(error)))
        self._thread.start()

    def finish(self, end: Fraction) -> Path | None:
        self.queue.append((end, END, None))
        self._stop.set()
        self._kick.set()
        self._thread.join()
        if self.relay is not None:
            self.relay.take_closed(self.number)  # its file of this take is whole
        if self.folder is None:
            return None
        return finish_journal(self.folder / journal.JOURNAL, self.takes, self.report, recovered=False)

    def abandon(self, end: Fraction) -> None:
        self.queue.append((end, END, None))
        self._stop.set()
        self._kick.set()
        self._thread.join(timeout=1.0)
        if self.folder is not None:
            self.report(f"stopped at once: the take's journal is kept in {self.takes.shown(self.folder)}, and "
                        "becomes recording.mid when TrackJammer next starts")

    def warn(self, text: str) -> None:
        if not self._warned:
            self._warned = True
            self.report(f"warning: the recording cannot be written ({text}); the music goes on, and the take "
                        "is kept in memory until there is room again")

    # -- the writer thread -----------------------------------------------------------

    def kick(self) -> None:
        """A line of its own waits (an input, a tempo change): written
        within FLUSH_SECONDS even while the writer only syncs."""
        if not self._busy:
            self._kick.set()

    def _run(self) -> None:
        # While the sending process journals what it sends, the writer seldom
        # has lines of its own: it then wakes only to sync (4 times a second, not 10).
        while not self._stop.is_set():
            self._kick.wait(FLUSH_SECONDS if self._busy else SYNC_SECONDS)
            self._kick.clear()
            self._write()
        self._write()
        if self._file is not None:
            self._file.close()  # also releases the lock
        if self._sent is not None:
            os.close(self._sent)

    def _write(self) -> None:
        lines = []
        queue = self.queue
        for _ in range(len(queue)):
            cycle, data, track = queue.popleft()
            if data is TEMPO:
                lines.append(journal.tempo_line(cycle, track))
            elif data is END:
                lines.append(journal.end_line(cycle))
            elif data is LOST:
                lines.append(journal.lost_line(cycle, *track))
            elif data is INPUT:
                number, port, message = track
                if number not in self._ports_named:
                    self._ports_named.add(number)
                    lines.append(journal.port_line(number, port))
                lines.append(journal.input_line(cycle, number, message))
                self._played = True
            else:
                if track is not None and track not in self._named:
                    # Bounded, so thousands of tracks bound one after another in one take
                    # leave nothing behind; a name line written again is harmless.
                    self._named[track] = None
                    if len(self._named) > NAMED_KEPT:
                        self._named.popitem(last=False)
                    lines.append(journal.name_line(track, self._name(track)))
                elif track is not None:
                    self._named.move_to_end(track)
                if data is not ELSEWHERE:
                    lines.append(journal.message_line(cycle, data, track))
                self._played = True
        self._busy = bool(lines or self._waiting)
        if lines:
            self._waiting += "".join(lines).encode("utf-8")
        if self._file is None and not self._played:
            return  # its folder could not be made yet, and nothing played: no need to try again yet
        try:
            if self._file is None:
                self._open()
            self._drain()
            self._tell_relay()
            if self._stop.is_set() or time.monotonic() - self._synced_at >= SYNC_SECONDS:
                self._sync()
        except (OSError, TrackJammerError) as error:  # kept, and tried again next time: nothing played is dropped
            self.warn(error.message if isinstance(error, TrackJammerError) else (error.strerror or str(error)))

    def _open(self) -> None:
        if self.folder is None:
            self.folder = self.takes.folder(self.project, self.moment)
        file = open(self.folder / journal.JOURNAL, "ab", buffering=0)
        journal.lock(file)
        self._waiting = journal.header_line(self.info).encode("utf-8") + self._waiting
        self._file = file

    def _drain(self) -> None:
        """What waits, onto the disk (the kernel's, for any process death)."""
        while self._waiting:
            written = os.write(self._file.fileno(), self._waiting)  # a full disk may take part of it
            self._waiting = self._waiting[written:]
            self._unsynced = True

    def _tell_relay(self) -> None:
        """Once the journal's header is written: the sending process's file
        beside it is never without the header that reads it."""
        if self.relay is not None and not self._told:
            self._told = True
            self.relay.take_file(self.number, self.folder / journal.SENT)

    def _sync(self) -> None:
        """Both files to the disk (an fsync costs ~0.1 ms of CPU even with nothing to write)."""
        if self._unsynced:
            os.fsync(self._file.fileno())
            self._unsynced = False
        self._sync_sent()
        self._synced_at = time.monotonic()

    def _sync_sent(self) -> None:
        """The sending process writes without waiting for the disk (its
        timing must not): its file goes to the disk with ours, every
        SYNC_SECONDS, so a power cut costs no more of it than of ours."""
        if self.relay is None:
            return
        if self._sent is None:
            try:
                self._sent = os.open(self.folder / journal.SENT, os.O_RDONLY)
            except FileNotFoundError:
                return  # nothing sent yet
        os.fsync(self._sent)

    def _name(self, track: int) -> str | None:
        try:
            return self.name_of(track)
        except Exception:  # noqa: BLE001 - a name is a nicety; the take goes on without it
            return None


def finish_journal(path: Path, takes: TakeSink, report: Callable[[str], None], recovered: bool) -> Path | None:
    """Journal (and the sending process's file beside it) → recording.mid
    and its record; the journals go. A journal with nothing in it is removed
    with its folder, if empty. A disk that refuses is said, and the journal
    kept for the next start."""
    folder = path.parent
    sent = folder / journal.SENT
    built = journal.build_recording(path)
    if built.data is None:
        path.unlink(missing_ok=True)
        sent.unlink(missing_ok=True)
        for empty in (folder, folder.parent, folder.parent.parent):  # the take's, its project's, renders/
            try:
                empty.rmdir()
            except OSError:
                break  # something else lives there: leave it
        return None
    try:
        target = takes.store(folder, built, recovered)
    except (OSError, TrackJammerError) as error:
        text = error.message if isinstance(error, TrackJammerError) else (error.strerror or str(error))
        report(f"warning: the take could not be finished ({text}); its journal is kept in {takes.shown(folder)} "
               "and becomes recording.mid when TrackJammer next starts")
        return None
    path.unlink(missing_ok=True)
    sent.unlink(missing_ok=True)
    shown = takes.shown(target)
    if recovered:
        report(f"recovered a take that was not finished (TrackJammer ended while recording): {shown}")
    else:
        report(f"recorded: {shown}")
    return target


def _on_now_grid(position: float) -> Fraction:
    return Fraction(round(position * NOW_GRID), NOW_GRID) if position == position else Fraction(0)


def _exact(cps: Any) -> Fraction:
    try:
        return to_time(cps)
    except (TypeError, ValueError):
        return Fraction(0)
