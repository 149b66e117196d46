"""Always-on recording: every take becomes renders/<project>/<datetime>/recording.mid.

From `Engine.start` to `stop` or `close`, everything sent (notes and CCs on
every channel, at their exact musical time) and every tempo change is
captured. The clock thread only appends a tuple to a deque: no lock, no I/O.
A writer thread drains the deque every 100 ms into the take's journal
(`engine.journal`), flushed and synced to the disk each time, so a take
killed at any moment loses at most the last 100 ms or so. The folder is
made with the first message, so a take that played nothing leaves nothing.

Finishing a take writes `recording.mid` (built from the journal, message by
message: memory stays flat however long the take) and `render.json`, then
removes the journal and reports the path; after stop or a restart that runs
in a thread of its own (a long take takes seconds), `close` waits for it. A journal still there when
TrackJammer next starts is from a take that never finished (a crash, kill
-9, power loss): `recover_unfinished` turns it into `recording.mid` and
says so. A journal whose writer is alive (another TrackJammer playing in
the same folder) is locked, and left alone.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict, deque
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

from trackjammer.core.time import to_time
from trackjammer.engine import journal
from trackjammer.errors import TrackJammerError
from trackjammer.midi.kinds import is_channel
from trackjammer.midi.smf import PPQN, ticks_per_cycle
from trackjammer.project.record import RenderRecord
from trackjammer.project.renders import RENDERS, atomic_write, render_folder, safe_name, shown_path

try:
    import fcntl
except ImportError:  # Windows: journals are not locked
    fcntl = None  # type: ignore[assignment]

FLUSH_SECONDS = 0.1  # the writer's period: at most this much of a take is not yet on the disk
NOW_GRID = 1_000_000  # "now" (stop, hush, panic) is kept to a millionth of a cycle
TEMPO = "tempo"
END = "end"
NAMED_KEPT = 256  # track numbers whose name a take remembers writing (more are named again)


class Recorder:
    """What the Engine feeds; `active` while a take runs."""

    def __init__(
        self, session: Any, report: Callable[[str], None], position: Callable[[], float],
        name_of: Callable[[int], str | None], base: Path | None = None, now: Callable[[], datetime] = datetime.now,
    ):
        self.session, self.report = session, report
        self.position = position  # the clock's cycle now
        self.name_of = name_of  # track number → the name of the track (asked once per number, off the clock thread)
        self.base, self.now = base, now
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
        base = self.base if self.base is not None else Path.cwd()
        self._take = Take(to_time(cycle), _exact(cps), self.session, base, self.now(), self.report, self.name_of)

    def record(self, cycle: Fraction, data: Any, track: int | None) -> None:
        """A scheduled message, sent at `cycle` (the clock thread: one append)."""
        take = self._take
        if take is not None and is_channel(data[0]):  # MIDI clock and transport are not recorded
            take.queue.append((cycle, data, track))

    def record_now(self, data: Any, cycle: float | None = None) -> None:
        """A message sent now (or at `cycle`), outside the schedule (stop, hush)."""
        take = self._take
        if take is not None and is_channel(data[0]):
            take.queue.append((self._here() if cycle is None else _on_now_grid(cycle), data, None))

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

    def finish(self, wait: bool = True, at: Fraction | None = None) -> Path | None:
        """End the take: write recording.mid and report its path. With
        `wait` (close), also wait for takes still being written; without it
        (stop, start), the file is written by a thread of its own, so a long
        take never holds up the prompt."""
        take, self._take = self._take, None
        end = self._here() if at is None else at
        if not wait:
            if take is not None:
                finishing = threading.Thread(target=take.finish, args=(end,), name="trackjammer-take-end")
                finishing.start()
                self._finishing.append(finishing)
            return None
        self.wait()
        return take.finish(end) if take is not None else None

    def wait(self) -> None:
        """Until every take ended so far is written."""
        while self._finishing:
            self._finishing.pop(0).join()

    def _here(self) -> Fraction:
        return _on_now_grid(self.position())


class Take:
    """One take: its queue, its writer thread, its folder and journal."""

    def __init__(
        self, start: Fraction, cps: Fraction, session: Any, base: Path, moment: datetime,
        report: Callable[[str], None], name_of: Callable[[int], str | None],
    ):
        self.queue: deque = deque()
        self.start, self.base, self.moment, self.report, self.name_of = start, base, moment, report, name_of
        self.project = session.project
        self.info = {
            "project": session.project, "beats_per_cycle": session.beats_per_cycle, "start": str(start),
            "cps": str(cps), "started": moment.astimezone().isoformat(timespec="seconds"),
        }
        self.folder: Path | None = None
        self._file: Any = None
        self._waiting: list[str] = []  # lines not yet on the disk (tempo changes before the first message, or a refusing disk)
        self._named: OrderedDict[int, None] = OrderedDict()  # the tracks named in the journal lately
        self._warned = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="trackjammer-recorder", daemon=True)
        self._thread.start()

    def finish(self, end: Fraction) -> Path | None:
        self.queue.append((end, END, None))
        self._stop.set()
        self._thread.join()
        if self.folder is None:
            return None
        return finish_journal(self.folder / journal.JOURNAL, self.base, self.report, recovered=False)

    # -- the writer thread -----------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            self._write()
        self._write()
        if self._file is not None:
            self._file.close()  # also releases the lock

    def _write(self) -> None:
        lines = self._waiting
        has_message = self._file is not None
        queue = self.queue
        for _ in range(len(queue)):
            cycle, data, track = queue.popleft()
            if data is TEMPO:
                lines.append(journal.tempo_line(cycle, track))
            elif data is END:
                lines.append(journal.end_line(cycle))
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
                lines.append(journal.message_line(cycle, data, track))
                has_message = True
        if not lines or not has_message:
            return  # nothing played yet: no folder, no file
        try:
            if self._file is None:
                self._open()
            self._file.write("".join(lines))
            self._file.flush()
            os.fsync(self._file.fileno())
            self._waiting = []
        except (OSError, TrackJammerError) as error:
            self._waiting = lines  # kept, and tried again next time: nothing played is dropped
            if not self._warned:
                self._warned = True
                text = error.message if isinstance(error, TrackJammerError) else (error.strerror or str(error))
                self.report(f"warning: the recording cannot be written ({text}); the music goes on")

    def _open(self) -> None:
        folder = self.folder or render_folder(self.project, self.base, lambda: self.moment)
        self.folder = folder
        file = open(folder / journal.JOURNAL, "a", encoding="utf-8")
        if fcntl is not None:
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # ours alone while we live
            except OSError:
                pass  # a file system without locks: the take is still journaled
        file.write(journal.header_line(self.info))
        self._file = file

    def _name(self, track: int) -> str | None:
        try:
            return self.name_of(track)
        except Exception:  # noqa: BLE001 - a name is a nicety; the take goes on without it
            return None


def finish_journal(path: Path, base: Path | None, report: Callable[[str], None], recovered: bool) -> Path | None:
    """Journal → recording.mid and render.json beside it; the journal goes.
    A journal with nothing in it is removed with its folder, if empty."""
    folder = path.parent
    built = journal.build_recording(path)
    if built.data is None:
        path.unlink(missing_ok=True)
        try:
            folder.rmdir()
        except OSError:
            pass  # something else lives there: leave it
        return None
    target = folder / journal.RECORDING
    atomic_write(target, built.data)
    _record(built, recovered, base).write(folder)
    path.unlink(missing_ok=True)
    shown = shown_path(target, base)
    if recovered:
        report(f"recovered a take that was not finished (TrackJammer ended while recording): {shown}")
    else:
        report(f"recorded: {shown}")
    return target


def _record(built: journal.Built, recovered: bool, base: Path | None) -> RenderRecord:
    info = built.info
    bpc = int(info["beats_per_cycle"])
    return RenderRecord.new(
        "recording", journal.RECORDING, info.get("project"), info.get("started"), base,
        type=1,
        start_cycle=info.get("start"),
        end_cycle=str(built.end_cycle),  # exact: "3", or "1201/400" for a take stopped mid-cycle
        cps=info.get("cps"),
        tempo_changes=built.tempo_changes,
        beats_per_cycle=bpc,
        ppqn=PPQN,
        ticks_per_cycle=ticks_per_cycle(bpc),
        end_tick=built.end_tick,
        messages=built.messages,
        tracks=built.tracks,
        recovered=recovered,
    )


def recover_unfinished(project: str | None = None, base: Path | None = None,
                       report: Callable[[str], None] = print) -> list[Path]:
    """Turn every journal left by a take that never finished (of `project`,
    or of every project) into its recording.mid, saying so for each."""
    root = (base if base is not None else Path.cwd()) / RENDERS
    pattern = f"{safe_name(project)}/*/{journal.JOURNAL}" if project is not None else f"*/*/{journal.JOURNAL}"
    recovered = []
    for path in sorted(root.glob(pattern)):
        if _alive(path):
            continue
        try:
            made = finish_journal(path, base, report, recovered=True)
        except (OSError, TrackJammerError, ValueError) as error:
            report(f"warning: cannot recover the take in {shown_path(path.parent, base)}: {error}")
            continue
        if made is not None:
            recovered.append(made)
    return recovered


def _alive(path: Path) -> bool:
    """True when a running TrackJammer still writes this journal (it holds the lock)."""
    if fcntl is None:
        return False
    try:
        with open(path, "r+", encoding="utf-8") as file:  # never creates one that just went
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)
    except OSError:
        return True  # gone, or cannot even be opened: not ours to touch
    return False


def _on_now_grid(position: float) -> Fraction:
    return Fraction(round(position * NOW_GRID), NOW_GRID) if position == position else Fraction(0)


def _exact(cps: Any) -> Fraction:
    try:
        return to_time(cps)
    except (TypeError, ValueError):
        return Fraction(0)
