"""Requests for absurd amounts of work fail at once with a clear error
instead of freezing the instrument (core/limits.py)."""

from __future__ import annotations

import gc
import time

import pytest

from fractions import Fraction as F

import trackjammer.core  # noqa: F401
from trackjammer.core import limits
from trackjammer.commands.events import pattern_of, sorted_onsets
from trackjammer.core.pattern import Pattern
from trackjammer.core.span import TimeSpan as S
from trackjammer.core.limits import MAX_CYCLES_PER_QUERY, MAX_STEPS, Budget, TooDense, TooMuchWork, charge
from trackjammer.lang.console import respond
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.messages import NOTE_ON, MessageStream, plan_of_pattern, plan_of_track
from trackjammer.midi.smf import export_messages
from trackjammer.session import Session


def fails_fast(text: str, begin=0, end=1) -> TooMuchWork:
    start = time.perf_counter()
    with pytest.raises(TooMuchWork) as caught:
        pattern = Interpreter().execute(text)
        pattern.onsets(begin, end)
    assert time.perf_counter() - start < 5  # generous: the point is "not a hang"
    return caught.value


@pytest.mark.parametrize(
    "text",
    ["[C4].fast(1000000000)", "[C4].ply(1000000000)", "Sine(1).segment(100000000)", "[{C4 E4}%1000000000]",
     "[C4*<1000000000 2>]"],
)
def test_huge_speed_ups_are_refused_when_queried(text):
    error = fails_fast(text)
    assert error.message.startswith("this asks for ") and error.message.endswith(
        f"cycles at once (at most {MAX_CYCLES_PER_QUERY:,})")


def test_a_huge_window_is_refused():
    error = fails_fast("[C4]", 0, 10**8)
    assert error.message == "this asks for 100,000,000 cycles at once (at most 1,000,000)"


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("[C4(3,1000000)]", 1, "a Euclidean rhythm of 1,000,000 steps is too many (at most 10,000)"),
        ("[C4!100000]", 4, "a repeat of 100,000 steps is too many (at most 10,000)"),
        ("[0 .. 1000000000]", 2, "a run of 1,000,000,001 steps is too many (at most 10,000)"),
    ],
)
def test_huge_step_counts_are_refused_when_written(text, column, message):
    error = fails_fast(text)
    assert (error.column, error.message) == (column, message)


def test_the_limits_leave_room_for_real_music():
    pattern = Interpreter().execute(f"[C4(5,{MAX_STEPS})]")
    assert len(pattern.onsets(0, 1)) == 5
    assert len(Interpreter().execute("[C4].fast(1000)").onsets(0, 1)) == 1000
    assert len(Interpreter().execute("[C4]").onsets(0, 10_000)) == 10_000


# -- how dense a track may be (core/limits.py: Budget) ---------------------------------------------

HINT = "play it slower or with fewer steps, as fast(16) or segment(16) would"
OFFLINE_100000 = ("this asks for about 100,000 events a cycle; a MIDI port carries at most 5,000 a second on one "
                  "track, 20,000 a cycle even at 4 seconds a cycle")


def quickly(run) -> TooDense:
    """`run()` is refused with TooDense well under a second (the bound is far
    from the noise: the same work took 29 s and 0.7 GB before the budget)."""
    start = time.perf_counter()
    with pytest.raises(TooDense) as caught:
        run()
    assert time.perf_counter() - start < 1
    return caught.value


def test_a_binding_too_dense_for_the_tempo_is_refused_where_it_is_written():
    session = Session(out=lambda text: None)
    error = quickly(lambda: Interpreter(session).execute("let t = MidiTrack(1);\nt << [C4 E4].fast(50000)"))
    assert (error.line, error.column, error.message, error.hint) == (
        2, 14, "this asks for about 100,000 events a cycle, 50,000 a second at cps 0.5; "
        "a MIDI port carries at most 5,000 a second on one track", HINT)
    assert session.names["t"].notes is None  # nothing was bound


def test_the_tempo_decides_what_a_binding_may_ask_for():
    session = Session(cps=2, out=lambda text: None)
    error = quickly(lambda: Interpreter(session).execute("let t = MidiTrack(1); t.cc(1) << Sine(1).segment(4000)"))
    assert (error.line, error.column) == (1, 42)
    assert error.message.startswith("this asks for about 4,000 events a cycle, 8,000 a second at cps 2;")
    Interpreter(Session(out=lambda text: None)).execute("let t = MidiTrack(1); t.cc(1) << Sine(1).segment(4000)")


def test_events_refuses_two_million_events_a_cycle_at_once():
    error = quickly(lambda: sorted_onsets(pattern_of("[C4 E4].fast(1000000)"), F(0), F(1)))
    assert (error.message, error.hint) == (OFFLINE_100000.replace("100,000", "2,000,000", 1), HINT)


def test_export_refuses_what_no_port_could_carry_at_once():
    plan = plan_of_pattern(Interpreter().execute("[C5].fast(100000)"))
    error = quickly(lambda: export_messages([plan], 4, 0, 4))
    assert error.message == OFFLINE_100000


def test_a_pattern_dense_only_in_part_of_a_cycle_is_refused_as_more_than_the_budget():
    error = quickly(lambda: export_messages([plan_of_pattern(Interpreter().execute("[C4 C4*1000000]"))], 1, 0, 4))
    assert error.message.startswith("this asks for more than 20,000 events a cycle;")


def test_an_estimate_that_would_take_long_gives_the_limit_as_a_lower_bound(monkeypatch):
    """The density of a refused pattern is estimated on ever shorter spans;
    when that takes longer than PROBE_SECONDS (an echo 60 copies deep, each
    twice as dense), the refusal says "more than" the limit instead."""
    dense = "[C4].fast(1000000)"
    assert sorted_onsets_error(dense).message.startswith("this asks for about 1,000,000 events a cycle;")
    monkeypatch.setattr(limits, "PROBE_SECONDS", 0.0)
    assert sorted_onsets_error(dense).message.startswith("this asks for more than 20,000 events a cycle;")


def test_a_ribbon_of_a_sliver_of_a_cycle_is_counted_before_its_loops_are_asked():
    """ribbon(0, 1/100000) is 100,000 loops a cycle, each a query of the
    pattern: refused on their count, not after asking 20,000 of them."""
    asked = []
    pattern = Pattern(lambda state: asked.append(state.span) or [])
    with pytest.raises(TooDense) as caught:
        Budget(20_000).query(pattern.ribbon(0, F(1, 100_000)), 0, 1)
    # the pattern is silent: its loops alone are the work refused
    assert caught.value.message.startswith("this asks for more than 20,000 events a cycle;")
    assert len(asked) < 2_000  # the density estimate's probes only (PROBE work each)


def sorted_onsets_error(text: str) -> TooDense:
    with pytest.raises(TooDense) as caught:
        sorted_onsets(pattern_of(text), F(0), F(1))
    return caught.value


def test_midi_export_and_a_shown_pattern_are_refused_where_they_are_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    error = quickly(lambda: Interpreter(Session(out=lambda text: None)).execute(
        "let x = 1;\nmidi_export([C4 E4].ply(500000), 1)"))
    assert (error.line, error.column, error.message) == (
        2, 1, OFFLINE_100000.replace("100,000", "1,000,000", 1))
    assert list(tmp_path.iterdir()) == []
    said: list[str] = []
    respond(Interpreter(Session(out=said.append)), "[C4].fast(100000)", said.append)
    assert said[0].splitlines() == [
        "error: line 1, column 6: " + OFFLINE_100000, "  [C4].fast(100000)", "       ^", "hint: " + HINT]


def test_the_budget_counts_exactly():
    budget = Budget(per_cycle=1000)
    assert len(budget.query(Interpreter().execute("[C4].fast(1000)"), 0, 1)) == 1000
    error = quickly(lambda: budget.query(Interpreter().execute("[C4].fast(1100)"), 0, 1))
    assert error.message.startswith("this asks for about 1,100 events a cycle;")
    error = quickly(lambda: budget.query(Interpreter().execute("[C4].fast(1100)"), F(1, 2), F(1)))
    assert error.message.startswith("this asks for about 1,100 events a cycle;")  # half a cycle: 550 > 500


def test_a_window_that_takes_too_long_is_stopped_while_it_runs():
    budget = Budget(per_cycle=10**9, cps=0.5, seconds=0.01)

    def busy() -> list:
        end = time.thread_time() + 5
        while time.thread_time() < end:
            charge(0)  # what every query reaching over many cycles does
        return []

    error = quickly(lambda: budget.run(busy, lambda start, length: 0, F(0), F(1, 40)))
    assert error.message == ("this takes more than 10 ms of work for 1/40 of a cycle "
                             "(at most 10 ms a window, or a 20% share of a longer one)")
    assert budget.seconds_for(F(1, 40)) == pytest.approx(0.01) and budget.seconds_for(F(1)) == 0.4  # a late window: 2 s


def test_each_track_of_a_window_has_its_own_time_and_one_too_slow_leaves_the_next_its_own():
    """A window's budget is worked out once and run once per track; the CPU
    clock read when one track ends starts the next one's time."""
    window = Budget(per_cycle=10**9, cps=0.5, seconds=0.02).window(F(0), F(1, 40))

    def working(seconds: float):
        def query() -> list:
            end = time.thread_time() + seconds
            while time.thread_time() < end:
                charge(0)
            return []
        return query

    for _ in range(5):  # 60 ms in all, 12 ms each: within each track's 20 ms
        assert window.run(working(0.012), lambda start, length: 0) == []
    error = quickly(lambda: window.run(working(5), lambda start, length: 0))
    assert error.message.startswith("this takes more than 20 ms of work for 1/40 of a cycle")
    assert window.run(working(0.012), lambda start, length: 0) == []  # the next track: its own 20 ms again


def test_a_long_song_is_played_exactly_as_without_the_budget():
    """The midi_export benchmark's song (eight tracks of 16ths of four-note
    chords, two CC lanes each): the budget changes nothing."""
    session = Session(out=lambda text: None)
    Interpreter(session).execute(";\n".join(
        f'let t{i} = MidiTrack({i}); t{i} << [<C3 F3>*16].chord("maj7"); t{i}.cc(74) << Sine(0.25);'
        f" t{i}.cc(1) << Saw({i}).range(20, 100)" for i in range(1, 9)))
    plans = [plan_of_track(t, i) for i, t in enumerate(session.tracks())]
    budgeted, _ = export_messages(plans, 8, 0, 4)
    free = MessageStream(min_length=F(1, 1920), budget=None)
    unbudgeted = [m for c in range(8) for m in free.window(plans, c, c + 1)] + free.release(F(8))
    assert budgeted == unbudgeted and len(budgeted) > 8 * 8 * 16 * 4 * 2


def test_a_garbage_collection_is_not_counted_as_the_patterns_work():
    budget = Budget(per_cycle=10**9, cps=0.5, seconds=0.001)
    heap = [[i] for i in range(300_000)]  # something for the collector to walk
    took: list[float] = []

    def collecting() -> list:
        start = time.thread_time()
        gc.collect()
        took.append(time.thread_time() - start)
        return []

    assert budget.run(collecting, lambda start, length: 0, F(0), F(1, 40)) == []
    assert took[0] > 0.001 and len(heap) == 300_000  # the collection alone was over the budget


def test_an_interrupt_while_a_budget_is_set_leaves_the_thread_unmetered(monkeypatch):
    """Ctrl-C (or a test's alarm) can land while the meter is being set: the
    thread's meter must come back, or every later query is out of budget
    (seen once: 87 tests failed after a fuzz case was cut off by its alarm)."""
    import math
    import time as real_time

    from trackjammer.core import limits

    class Interrupting:
        def __getattr__(self, name):
            return getattr(real_time, name)

        @staticmethod
        def thread_time():
            raise KeyboardInterrupt

    monkeypatch.setattr(limits, "time", Interrupting())
    with pytest.raises(KeyboardInterrupt):
        with limits.metered(10, seconds=1):
            pass
    assert (limits._meter.left, limits._meter.deadline) == (math.inf, math.inf)
    window = limits.Budget.live(F(1, 2)).window(F(0), F(1, 8))
    with pytest.raises(KeyboardInterrupt):
        window.run(lambda: [], lambda start, length: 0)
    assert (limits._meter.left, limits._meter.deadline) == (math.inf, math.inf)


def test_more_than_the_limit_is_said_as_the_limit_not_rounded_below_it():
    """A refused live window whose density could not be estimated said "more
    than 1,200 events a cycle, 4,800 a second; a MIDI port carries at most
    5,000" at cps 4: the window's allowance (int(1,250 x its length)) rounded down."""
    message = Budget.live(4).too_dense(1249.6, at_least=True).message
    assert message == ("this asks for more than 1,250 events a cycle, 5,000 a second at cps 4; "
                       "a MIDI port carries at most 5,000 a second on one track")


@pytest.mark.parametrize("begin, end, weight, charged", [
    (F(919, 960), F(967, 960), 64, 6),  # 1/20 of a cycle across a boundary: ⌈3.2⌉ steps, one more each piece
    (F(919, 960), F(967, 960), 1, 2),  # never more than a cycle each: min(2 × 1, ⌈0.05⌉ + 2)
    (F(1, 2), F(10), 64, 618),  # ⌈9.5 × 64⌉ + 10
    (F(0), F(1000), 64, 64_000),  # whole cycles: a cycle's events each, as ever
])
def test_a_span_over_several_cycles_is_charged_what_it_covers(begin, end, weight, charged):
    with limits.metered(10**9):
        S(begin, end).cycles(weight)
        assert 10**9 - limits._meter.left == charged


def live_window(source: str, cps, begin: F, end: F) -> tuple[list, list[Exception]]:
    """One live window of a bare pattern at `cps`: its messages and the errors it met."""
    failed: list[Exception] = []
    plan = plan_of_pattern(Interpreter().execute(source))
    messages = MessageStream(budget=Budget.live(cps)).window([plan], begin, end, 0, lambda p, error: failed.append(error))
    return messages, failed


def test_a_live_window_across_a_cycle_boundary_holds_a_dense_pattern_that_plays():
    """512 events a cycle (256 a second at cps 1/2, far below a port's 5,000)
    in a 1/20-cycle window across cycle 1: counted as a whole cycle each side
    (1,024 against the window's 500) it was refused, with quantize(0)."""
    source = "[C5*512].degradeBy(0.5)"
    window, failed = live_window(source, F(1, 2), F(919, 960), F(967, 960))
    assert failed == []
    reference, _ = export_messages([plan_of_pattern(Interpreter().execute(source))], 2, 0, 4)
    assert window == [m for m in reference if F(919, 960) <= m.time < F(967, 960)]
    assert sum(1 for m in window if m.kind == NOTE_ON) == 14


@pytest.mark.parametrize("begin, end", [(F(7 * 960 + 898, 960), F(8 * 960 + 191, 960)),
                                        (F(7 * 960 + 959, 960), F(8 * 960 + 99, 960))])
def test_a_window_refused_where_a_pattern_turns_dense_at_a_cycle_says_how_dense_it_turns(begin, end):
    """Counted only from where the window begins (mostly in the light cycle 7),
    a pattern of 100,000 notes in cycle 8 read "about 2,000 events a cycle"."""
    _, failed = live_window("[<C5!8 C5*100000>]", 4, begin, end)
    assert [error.message for error in failed] == [
        "this asks for about 100,000 events a cycle, 400,000 a second at cps 4; "
        f"a MIDI port carries at most {limits.EVENTS_PER_SECOND:,} a second on one track"]
