"""What a receiver heard, set against what was sent: by bytes and time.

A JACK server without realtime priority on a loaded machine mangles MIDI
around its xruns (tests/support/xruns.py): it drops a cycle's messages,
delays them, or hands the reader a writer's stale buffer again, so one
message is heard two or more times. Matching arrivals to the sent stream
*in order* lets one such artifact shift every later pairing. Here each
arrival is paired with the nearest sent message of the same bytes in time,
and what is left over is named:

- a *stranger* was heard but never sent: always a fault of ours;
- a *double* repeats, soon after, bytes just heard: the transport's;
- a *missing* message was sent and never heard;
- a *late* one was heard beyond the tolerance from its time (after it, or
  before it: the start is voted for by arrivals, which a stall delays).

`assert_heard` allows doubles, missing and late ones only near a logged
xrun (late ones also up to twice the xruns, as a loaded machine may hold a
sender back without the server noticing); with no xrun at all, what was
heard must be what was sent, message for message, in order.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.support.xruns import Xruns

DOUBLE_NS = 200_000_000  # a stale buffer is read again within a few cycles (a stall: more)
LATE_NS = 1_000_000_000  # the longest a stall may hold a message back and it still count as that message
EARLY_NS = 20_000_000  # paired even this early of the voted start (a start voted late by delayed arrivals); off time


@dataclass
class Hearing:
    offset_ns: float
    """The receiver's time of the sent stream's time 0."""
    pairs: list[tuple[object, int, float]] = field(default_factory=list)
    """(arrival, index of the sent message, arrival - due in ns)."""
    doubles: list[object] = field(default_factory=list)
    strangers: list[object] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)

    def late(self, tolerance_ns: float) -> list[tuple[object, int, float]]:
        return [pair for pair in self.pairs if abs(pair[2]) > tolerance_ns]


def _offset(arrived: Sequence, by_bytes: dict[bytes, list[float]], tolerance_ns: float) -> float:
    """The offset that puts the most arrivals within the tolerance of a sent
    message of their bytes (candidates: the first arrivals against every
    sent message of theirs); refined to the median of those it fits."""

    def fitting(offset: float) -> list[float]:
        fits = []
        for r in arrived:
            times = by_bytes.get(r.data, ())
            i = bisect.bisect_left(times, r.time_ns - offset - tolerance_ns)
            if i < len(times) and times[i] <= r.time_ns - offset + tolerance_ns:
                fits.append(r.time_ns - times[i] - offset)
        return fits

    candidates = {r.time_ns - t for r in arrived[:8] for t in by_bytes.get(r.data, ())}
    if not candidates:
        return 0.0
    best = max(sorted(candidates), key=lambda c: len(fitting(c)))
    fits = sorted(fitting(best))
    return best + fits[len(fits) // 2] if fits else best


def _nearest_free(times: list[float], indices: list[int], used: set[int], lo: float, hi: float,
                  due: float) -> int | None:
    """The position in `times` of the unused one in [lo, hi] nearest to `due`."""
    free = [k for k in range(bisect.bisect_left(times, lo), bisect.bisect_right(times, hi)) if indices[k] not in used]
    return min(free, key=lambda k: abs(due - times[k])) if free else None


def hear(arrived: Sequence, sent: Sequence[tuple[float, bytes]], tolerance_ns: float = 2_000_000,
         late_ns: float = LATE_NS) -> Hearing:
    """Pair `arrived` (objects with .data and .time_ns) with `sent`
    ((seconds from the start, bytes), in sending order); an arrival may be
    up to `late_ns` late and still be that message."""
    by_bytes: dict[bytes, list[float]] = defaultdict(list)
    index_of: dict[bytes, list[int]] = defaultdict(list)
    for i, (seconds, data) in enumerate(sent):
        by_bytes[data].append(seconds * 1e9)
        index_of[data].append(i)
    for data in by_bytes:  # sending order is time order but for ties; keep the two lists together
        order = sorted(range(len(by_bytes[data])), key=lambda k: by_bytes[data][k])
        by_bytes[data] = [by_bytes[data][k] for k in order]
        index_of[data] = [index_of[data][k] for k in order]
    offset = _offset(arrived, by_bytes, tolerance_ns)
    hearing = Hearing(offset)
    used: set[int] = set()
    last_heard: dict[bytes, int] = {}
    for r in arrived:
        due = r.time_ns - offset
        times, indices = by_bytes.get(r.data, []), index_of.get(r.data, [])
        # the nearest unused one it may be, at most `late_ns` late; else a repeat of what was just heard;
        # else one up to EARLY_NS early (timed against the tolerance after)
        since = r.time_ns - last_heard.get(r.data, -DOUBLE_NS - 1)  # a repeat of these bytes, this soon?
        k = _nearest_free(times, indices, used, due - late_ns, due + tolerance_ns, due)
        if k is None:
            k = _nearest_free(times, indices, used, due, due + max(tolerance_ns, EARLY_NS), due)
            if k is not None and since <= times[k] - due:  # nearer the one just heard: its stale copy
                k = None
        repeat = since <= DOUBLE_NS
        if k is not None:
            used.add(indices[k])
            hearing.pairs.append((r, indices[k], due - times[k]))
        elif repeat:
            hearing.doubles.append(r)
        else:
            hearing.strangers.append(r)
        last_heard[r.data] = r.time_ns
    hearing.missing = [i for i in range(len(sent)) if i not in used]
    return hearing


def _show(r) -> str:
    return f"{r.data.hex(' ')}"


def assert_heard(arrived: Sequence, sent: Sequence[tuple[float, bytes]], xruns: Xruns,
                 tolerance_ns: float = 2_000_000) -> Hearing:
    """What was heard is what was sent, each within the tolerance of its
    time (the start is found from the arrivals), but for what the transport
    did near a logged xrun (see the module's docstring)."""
    count = xruns.count
    if count == 0:
        got, want = [r.data.hex(" ") for r in arrived], [data.hex(" ") for _, data in sent]
        assert got == want, "with no xrun, what was heard differs from what was sent"
    hearing = hear(arrived, sent, tolerance_ns)
    assert not hearing.strangers, (f"{len(hearing.strangers)} heard but never sent, the first "
                                   f"{_show(hearing.strangers[0])} at {(hearing.strangers[0].time_ns - hearing.offset_ns) / 1e9:.4f} s")
    doubles = [r for r in hearing.doubles if not xruns.near(r.time_ns)]
    assert not doubles, f"{len(doubles)} heard twice away from any xrun, the first {_show(doubles[0])}"
    missing = [i for i in hearing.missing if not xruns.near(hearing.offset_ns + sent[i][0] * 1e9)]
    assert not missing, (f"{len(missing)} sent but never heard away from any xrun, the first "
                         f"{sent[missing[0]][1].hex(' ')} at {sent[missing[0]][0]:.4f} s")
    late = [(r, e) for r, _, e in hearing.late(tolerance_ns) if not xruns.near(r.time_ns)]
    assert len(late) <= 2 * count, (f"{len(late)} beyond {tolerance_ns / 1e6:g} ms away from any xrun, worst "
                                    f"{max(abs(e) for _, e in late) / 1e6:.2f} ms")
    return hearing


def left_sounding(arrived: Sequence) -> set[tuple[int, int]]:
    """(channel, note) of every note-on heard that no note-off after it ended."""
    sounding: set[tuple[int, int]] = set()
    for r in arrived:
        key = (r.data[0] & 0x0F, r.data[1])
        if r.data[0] & 0xF0 == 0x90 and r.data[2] > 0:
            sounding.add(key)
        elif r.data[0] & 0xF0 in (0x80, 0x90):
            sounding.discard(key)
    return sounding


def assert_none_left_sounding(arrived: Sequence, hearing: Hearing, sent: Sequence[tuple[float, bytes]]) -> None:
    """No note is left sounding at the receiver, but where its note-off was
    sent and lost on the way (which assert_heard allows near an xrun only)."""
    lost = {(data[0] & 0x0F, data[1]) for i in hearing.missing
            if (data := sent[i][1])[0] & 0xF0 == 0x80 or (data[0] & 0xF0 == 0x90 and data[2] == 0)}
    sounding = left_sounding(arrived)
    assert sounding <= lost, f"notes left sounding at the receiver (channel, note): {sorted(sounding - lost)}"
