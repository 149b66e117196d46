"""The recorder over one million messages: memory stays flat (issue 7).

A take of one million messages (8 tracks of 16th-note chords with two CC
lanes each, the export benchmark's song, cycle after cycle from the message
path) is fed to a `Recorder` as the clock thread feeds it, as fast as the
message path makes them. Its writer thread journals them to a temporary
folder. Measured in one run:
- RSS growth while recording (peak during the take − RSS before it), sampled
  every 5 ms by a thread; target under 50 MB;
- the same messages kept in a Python list, as a recorder holding the take in
  memory would: the RSS growth for comparison;
- the cost of a `record` call on the feeding thread, the writer's backlog,
  and finishing: building recording.mid from the journal (time, RSS growth).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path

from benchmarks.export import song
from trackjammer.engine.recorder import Recorder
from trackjammer.project.takes import RenderTakes
from trackjammer.midi.messages import MessageStream, plan_of_track

EVENTS = 1_000_000
TARGET_MB = 50
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class Peak:
    """The highest RSS seen, every 5 ms, while it runs."""

    def __init__(self):
        self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss())

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())


def messages(count: int):
    """Messages in sending order, window by window, as the engine gets them."""
    session = song()
    plans = [plan_of_track(t, i) for i, t in enumerate(session.tracks())]
    stream = MessageStream()
    made, cycle = 0, 0
    while made < count:
        for message in stream.window(plans, cycle, cycle + 1, 0)[: count - made]:
            yield message
            made += 1
        cycle += 1


def record_take(folder: Path) -> dict:
    session = song()
    position = [0.0]
    said: list[str] = []
    recorder = Recorder(session, said.append, lambda: position[0], lambda n: f"t{n + 1}", RenderTakes(folder))
    recorder.begin(0, session.cps)
    backlog = 0
    in_record = 0.0
    start = time.perf_counter()
    batch: list = []
    with Peak() as during:
        before = rss()
        for message in messages(EVENTS):
            batch.append(message)
            if len(batch) == 2000:
                t = time.perf_counter()
                for m in batch:
                    recorder.record(m.time, m.bytes(), m.track)
                in_record += time.perf_counter() - t
                position[0] = float(batch[-1].time)
                backlog = max(backlog, len(recorder._take.queue))
                batch.clear()
        for m in batch:
            recorder.record(m.time, m.bytes(), m.track)
        seconds = time.perf_counter() - start
    journal_bytes = sum(p.stat().st_size for p in folder.rglob("recording.journal"))
    with Peak() as finishing:
        finish_before = rss()
        t = time.perf_counter()
        path = recorder.finish()
        finish_seconds = time.perf_counter() - t
    return {
        "growth": during.peak - before, "seconds": seconds, "record_us": in_record / EVENTS * 1e6,
        "backlog": backlog, "journal": journal_bytes, "file": path.stat().st_size if path else 0,
        "finish": finish_seconds, "finish_growth": finishing.peak - finish_before, "said": said,
    }


def keep_in_a_list() -> int:
    with Peak() as during:
        before = rss()
        kept = [(m.time, m.bytes(), m.track) for m in messages(EVENTS)]
    del kept
    return during.peak - before


def run() -> bool:
    with tempfile.TemporaryDirectory() as folder:
        take = record_take(Path(folder))
    listed = keep_in_a_list()
    mb = 1024 * 1024
    ok = take["growth"] < TARGET_MB * mb and take["file"] > 0
    print(f"recording: one take of {EVENTS:,} messages (8 tracks of 16th chords, 2 CC lanes each),"
          f" fed as fast as the message path makes them ({EVENTS / take['seconds']:,.0f} a second)")
    print(f"  {'RSS growth while recording':44} {take['growth'] / mb:8.1f} MB (target under {TARGET_MB} MB:"
          f" {'meets' if ok else 'MISSES'})")
    print(f"  {'RSS growth keeping them in a list':44} {listed / mb:8.1f} MB"
          f" ({listed / max(take['growth'], 1):.0f}x the recorder's)")
    print(f"  {'record() on the feeding thread':44} {take['record_us']:8.2f} us a message")
    print(f"  {'writer backlog at most':44} {take['backlog']:8,} messages")
    print(f"  {'journal':44} {take['journal'] / mb:8.1f} MB")
    print(f"  {'finish: recording.mid from the journal':44} {take['finish']:8.2f} s, RSS growth"
          f" {take['finish_growth'] / mb:.1f} MB, file {take['file'] / mb:.1f} MB")
    return ok


if __name__ == "__main__":
    run()
