"""Memory stays flat over any number of rebinds (issue 15, item 9): the
engine, the transport's fallback history and the recorder keep nothing of
a track the performer has replaced beyond what undo can bring back (the
last engine.history.MAX_STATES inputs). Weak references say exactly what is
still alive; one tracemalloc bound, far from the noise, backs them up.

Each input is run as the REPL runs it (`respond`, then `commit()`, the
session log written), on the engine playing on a fake clock, with a take
being recorded."""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from fractions import Fraction as F
from pathlib import Path

import trackjammer.core  # noqa: F401
from trackjammer.engine.history import MAX_STATES
from trackjammer.lang.console import respond
from trackjammer.project.sessions import SessionLog
from tests.engine.test_scheduler import Rig

REBINDS = 600


def repl_rig(program: str) -> Rig:
    """A rig whose statements also go to the session log, as in the REPL."""
    rig = Rig(program)
    SessionLog(rig.session, base=Path.cwd()).attach(rig.interpreter)
    return rig


def rebind(rig: Rig, i: int, program: str, alive: list) -> None:
    said: list[str] = []
    assert respond(rig.interpreter, program, said.append), said  # the REPL's one input, echo included
    rig.engine.commit()
    track = rig.session.names["t"]
    alive.append((weakref.ref(track), weakref.ref(track.notes)))
    rig.play_until(F(i + 1, 4))  # each binding plays (a quarter cycle per input)
    rig.output.sent.clear()  # the test's own record of what was sent


def living(alive: list) -> tuple[int, int]:
    gc.collect()
    return sum(t() is not None for t, _ in alive), sum(p() is not None for _, p in alive)


def test_a_track_made_anew_hundreds_of_times_leaves_nothing_behind():
    rig = repl_rig("let t = MidiTrack(1)")
    rig.start()
    alive: list = []
    for i in range(100):
        rebind(rig, i, f"let t = MidiTrack(1); t << [C4 {i % 50 + 40}]", alive)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(100, REBINDS):
            rebind(rig, i, f"let t = MidiTrack(1); t << [C4 {i % 50 + 40}]", alive)
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # Only the tracks undo can bring back: the one the name holds now and
    # those of the last MAX_STATES - 1 inputs (engine/history.py), no more.
    tracks, patterns = living(alive)
    assert (tracks, patterns) == (MAX_STATES, MAX_STATES)
    assert len(rig.engine.numbers) <= MAX_STATES
    # Before: about 2 KB a rebind (1.3 MB here with what fills once). Now,
    # measured over 200, 500 and 1,000 rebinds: about 320 KB that fills once
    # (caches, the log) and 290 bytes a rebind (the weak references above
    # among them): 470 KB here.
    assert growth < 800_000, f"{growth:,} bytes more after {REBINDS - 100:,} rebinds"
    rig.engine.stop()
    assert rig.output.held == set()


def test_rebinding_one_track_hundreds_of_times_keeps_only_what_undo_can_bring_back():
    rig = repl_rig("let t = MidiTrack(1)")
    rig.start()
    alive: list = []
    for i in range(REBINDS):
        rebind(rig, i, f"t << [C4 {i % 50 + 40}]", alive)
    tracks, patterns = living(alive)
    assert tracks == REBINDS and len({id(t()) for t, _ in alive}) == 1  # one track throughout
    # Undo's states (the binding playing and those of the inputs before it,
    # engine/history.py) cover the fallback history's four.
    assert patterns == MAX_STATES
    rig.engine.stop()
    assert rig.output.held == set()


def test_a_take_names_a_track_replaced_before_its_name_was_asked():
    """The recorder's writer asks for names up to 100 ms late: a track gone
    by then is still named."""
    rig = Rig("let lead = MidiTrack(1); lead << [C4]")
    number = rig.engine.numbers.get(rig.session.names["lead"])
    rig.run("let lead = MidiTrack(2)")
    gc.collect()
    assert rig.engine.numbers.name_of(number) == "lead"
    assert rig.engine.numbers.get(rig.session.names["lead"]) is None  # numbered when it is bound
