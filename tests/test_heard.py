"""The rig's matcher (tests/support/heard.py) on made-up arrivals: it must
blame the transport only for what the transport does, near its xruns."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.support.heard import assert_heard, hear

START = 5_000_000_000  # the receiver's clock when the stream's time 0 arrived


@dataclass(frozen=True)
class Arrival:
    data: bytes
    time_ns: int


class FakeXruns:
    def __init__(self, at: list[float]) -> None:
        self.at = [START + a * 1e9 for a in at]

    @property
    def count(self) -> int:
        return len(self.at)

    def near(self, t_ns: float) -> bool:
        return any(t_ns - 0.3e9 <= x <= t_ns + 1e9 for x in self.at)


SENT = [(i * 0.125, bytes([0x90 + (i % 2), 60 + i % 3, 100])) for i in range(32)] + [
    (i * 0.125 + 0.0625, bytes([0xB0, 74, i])) for i in range(32)]
SENT.sort(key=lambda m: m[0])


def heard(sent=SENT, shift_ns=0):
    return [Arrival(data, START + round(t * 1e9) + shift_ns + 300_000) for t, data in sent]


def test_everything_heard_in_time_pairs_each_with_its_own():
    hearing = hear(heard(), SENT)
    assert [i for _, i, _ in hearing.pairs] == list(range(len(SENT)))
    assert (hearing.doubles, hearing.strangers, hearing.missing) == ([], [], [])
    assert abs(hearing.offset_ns - START - 300_000) < 1
    assert_heard(heard(), SENT, FakeXruns([]))


def test_a_double_and_a_lost_burst_are_named_and_excused_only_near_an_xrun():
    arrivals = heard()
    doubled = [*arrivals[:11], Arrival(arrivals[10].data, arrivals[10].time_ns + 1_333_000), *arrivals[11:20],
               *arrivals[26:]]
    hearing = hear(doubled, SENT)
    assert hearing.doubles == [doubled[11]]
    assert hearing.missing == list(range(20, 26)) and hearing.strangers == []
    assert_heard(doubled, SENT, FakeXruns([1.3]))
    with pytest.raises(AssertionError, match="heard twice away from any xrun"):
        assert_heard(doubled, SENT, FakeXruns([3.5]))
    with pytest.raises(AssertionError, match="with no xrun, what was heard differs"):
        assert_heard(doubled, SENT, FakeXruns([]))


def test_a_message_never_sent_is_always_a_fault():
    arrivals = heard()
    arrivals.insert(5, Arrival(bytes([0x92, 1, 1]), arrivals[5].time_ns))
    with pytest.raises(AssertionError, match="1 heard but never sent, the first 92 01 01 at 0.3125 s"):
        assert_heard(arrivals, SENT, FakeXruns([0.3]))


def test_a_late_burst_pairs_with_its_own_messages():
    arrivals = heard()
    late = [Arrival(r.data, max(r.time_ns, START + 1_500_000_000)) if 1.2e9 <= r.time_ns - START <= 1.5e9 else r
            for r in arrivals]
    hearing = hear(late, SENT)
    assert [i for _, i, _ in hearing.pairs] == list(range(len(SENT))) and hearing.missing == []
    assert len(hearing.late(2_000_000)) == 4
    assert_heard(late, SENT, FakeXruns([1.45]))
    with pytest.raises(AssertionError, match="4 beyond 2 ms away from any xrun"):
        assert_heard(late, SENT, FakeXruns([3.9]))


def test_an_early_arrival_is_off_time_and_a_repeated_tick_is_a_double_not_the_next_tick():
    ticks = [(i * 0.0208, b"\xf8") for i in range(20)]
    arrivals = heard(ticks)
    early = [*arrivals[:5], Arrival(b"\xf8", arrivals[5].time_ns - 8_000_000), *arrivals[6:]]
    hearing = hear(early, ticks)
    assert (hearing.strangers, hearing.doubles, hearing.missing) == ([], [], [])
    assert [(i, round(e / 1e6)) for _, i, e in hearing.late(2_000_000)] == [(5, -8)]
    doubled = [*arrivals[:8], Arrival(b"\xf8", arrivals[7].time_ns + 1_333_000), *arrivals[8:]]
    hearing = hear(doubled, ticks)
    assert hearing.doubles == [doubled[8]] and hearing.late(2_000_000) == [] and hearing.missing == []


CLOSING = [bytes([0xB0, 123, 0]), bytes([0xB1, 123, 0])]


def test_closing_comes_last_and_only_the_transport_may_blur_it_near_an_xrun():
    from tests.support.heard import assert_closing

    arrivals = heard()[:10]
    end = arrivals[-1].time_ns
    ending = [Arrival(data, end + 1_000_000) for data in CLOSING]
    assert assert_closing([*arrivals, *ending], CLOSING, FakeXruns([]), end) is True
    stale = Arrival(arrivals[-1].data, end + 1_400_000)  # the note-on's buffer read again
    assert assert_closing([*arrivals, ending[0], stale, ending[1]], CLOSING, FakeXruns([1.1]), end) is True
    assert assert_closing(arrivals, CLOSING, FakeXruns([1.1]), end) is False  # all lost, near an xrun
    with pytest.raises(AssertionError, match="after closing began"):
        assert_closing([*arrivals, ending[0], Arrival(b"\x92\x01\x01", end + 2_000_000), ending[1]], CLOSING,
                       FakeXruns([1.1]), end)
    with pytest.raises(AssertionError, match="all lost away from any xrun"):
        assert_closing(arrivals, CLOSING, FakeXruns([4.0]), end)
    with pytest.raises(AssertionError):
        assert_closing([*arrivals, ending[0], stale, ending[1]], CLOSING, FakeXruns([]), end)  # no xrun: exactly
