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
from collections.abc import Iterable, Sequence
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
    stream: dict[bytes, list[tuple[float, int]]] = defaultdict(list)  # bytes → (time, index), in time order
    for i, (seconds, data) in enumerate(sent):
        stream[data].append((seconds * 1e9, i))
    by_bytes = {data: [t for t, _ in sorted(each)] for data, each in stream.items()}
    index_of = {data: [i for _, i in sorted(each)] for data, each in stream.items()}
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
                                   f"{hearing.strangers[0].data.hex(' ')} at {(hearing.strangers[0].time_ns - hearing.offset_ns) / 1e9:.4f} s")
    doubles = [r for r in hearing.doubles if not xruns.near(r.time_ns)]
    assert not doubles, f"{len(doubles)} heard twice away from any xrun, the first {doubles[0].data.hex(' ')}"
    missing = [i for i in hearing.missing if not xruns.near(hearing.offset_ns + sent[i][0] * 1e9)]
    assert not missing, (f"{len(missing)} sent but never heard away from any xrun, the first "
                         f"{sent[missing[0]][1].hex(' ')} at {sent[missing[0]][0]:.4f} s")
    late = [(r, e) for r, _, e in hearing.late(tolerance_ns) if not xruns.near(r.time_ns)]
    assert len(late) <= 2 * count, (f"{len(late)} beyond {tolerance_ns / 1e6:g} ms away from any xrun, worst "
                                    f"{max(abs(e) for _, e in late) / 1e6:.2f} ms")
    return hearing


def sounding(messages: Iterable) -> dict[tuple[int, int], object]:
    """(channel, note) of every note left sounding (objects with .data): the
    note-on that began it, no note-off after it."""
    held: dict[tuple[int, int], object] = {}
    for m in messages:
        kind = m.data[0] & 0xF0
        if kind == 0x90 and m.data[2] > 0:
            held[(m.data[0] & 0x0F, m.data[1])] = m
        elif kind in (0x80, 0x90):
            held.pop((m.data[0] & 0x0F, m.data[1]), None)
    return held


def assert_none_left_sounding(arrived: Sequence, hearing: Hearing, sent: Sequence[tuple[float, bytes]]) -> None:
    """No note is left sounding at the receiver, but where its note-off was
    sent and lost on the way (which assert_heard allows near an xrun only)."""
    lost = {(data[0] & 0x0F, data[1]) for i in hearing.missing
            if (data := sent[i][1])[0] & 0xF0 == 0x80 or (data[0] & 0xF0 == 0x90 and data[2] == 0)}
    left = set(sounding(arrived))
    assert left <= lost, f"notes left sounding at the receiver (channel, note): {sorted(left - lost)}"


def assert_closing(heard: Sequence, closing: list[bytes], xruns: Xruns, closed_ns: float) -> bool:
    """What closing sends (`closing`: its CC 123s) comes last, in order, and
    nothing after it. Near an xrun the transport may double one, hand on a
    stale copy of what was heard just before (a writer that did not run), or
    lose some, or all: then False (a receiver left with notes on is that
    loss). With no xrun, exactly `closing`, last."""
    first = next((i for i, m in enumerate(heard) if m.data in closing), len(heard))
    tail = heard[first:]
    shown = " ".join(m.data.hex() for m in heard[-40:])
    if xruns.count == 0:
        assert [m.data for m in tail] == closing, shown
        return True
    if not tail:
        assert xruns.near(closed_ns), f"closing's messages all lost away from any xrun: {shown}"
        return False
    before = heard[:first]
    for m in tail:
        stale = any(r.data == m.data and 0 <= m.time_ns - r.time_ns <= DOUBLE_NS for r in before)
        assert m.data in closing or (stale and xruns.near(m.time_ns)), f"after closing began: {shown}"
    said = [m.data for m in tail if m.data in closing]
    once = [d for k, d in enumerate(said) if k == 0 or said[k - 1] != d]
    assert once == [d for d in closing if d in once], f"closing out of order: {shown}"
    assert once == closing or xruns.near(closed_ns), f"some of closing lost away from any xrun: {shown}"
    return True
