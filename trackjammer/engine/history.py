"""Undo and redo: the states of what played, one per input that changed it.

The engine sees every committed input (`Engine.commit`), so it keeps here a
`State` each time what plays changed: which track each name holds, each
track's plan (midi.messages.TrackPlan: the lanes as the patterns they are,
shared, not copied), its mute and solo, and the tempo. A state is therefore
a few tuples of references, cheap to keep; the list is bounded. Restoring a
state puts the lanes back on the tracks themselves (as a fallback does), so
show, export, snapshot and what plays stay one and the same. Names that hold
no track (`let p = [C4]`) are left alone: undo is about what plays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trackjammer.midi.messages import TrackPlan, plan_of_track
from trackjammer.midi.track import MidiTrack

MAX_STATES = 100  # undo reaches this many changes back


@dataclass(frozen=True)
class TrackState:
    """One track as it played: its plan and its mute/solo."""

    track: MidiTrack
    plan: TrackPlan
    muted: bool
    soloed: bool

    def key(self) -> tuple:
        """What tells two states apart: patterns by identity (a rebind to an
        equal-looking pattern is still a change)."""
        plan = self.plan
        return (id(self.track), id(plan.notes), id(plan.velocity_lane), tuple((k, id(p)) for k, p in plan.cc_lanes),
                plan.channel, plan.velocity, plan.gate, plan.transpose, plan.port, plan.program,
                self.muted, self.soloed)


@dataclass(frozen=True)
class State:
    names: tuple[tuple[str, MidiTrack], ...]  # every name that holds a track
    tracks: tuple[TrackState, ...]
    cps: Any

    def key(self) -> tuple:
        return (tuple((n, id(t)) for n, t in self.names), tuple(t.key() for t in self.tracks), self.cps)


def capture(session: Any) -> State:
    """The session's playing state now."""
    names = tuple((name, value) for name, value in session.names.items() if isinstance(value, MidiTrack))
    tracks = tuple(TrackState(t, plan_of_track(t, 0), t.muted, t.soloed) for t in session.tracks())
    return State(names, tracks, session.cps)


def restore(session: Any, state: State) -> list[str]:
    """Put the session back as it was in `state` (lanes, mutes, names of
    tracks, tempo); gives the names that held a track and now hold none."""
    held = [n for n, v in session.names.items() if isinstance(v, MidiTrack)]
    for name in held:
        del session.names[name]
    session.names.update(dict(state.names))
    for kept in state.tracks:
        track, plan = kept.track, kept.plan
        track.clear()
        track.set_lane("notes", None, plan.notes)
        track.set_lane("vel", None, plan.velocity_lane)
        for number, pattern in plan.cc_lanes:
            track.set_lane("cc", number, pattern)
        track.velocity, track.gate_fraction, track.transposition = plan.velocity, plan.gate, plan.transpose
        track.port, track.program_number = plan.port, plan.program
        track.muted, track.soloed = kept.muted, kept.soloed
    session.cps = state.cps
    return [name for name in held if name not in session.names]


class History:
    """The states in order and where undo stands among them."""

    def __init__(self, session: Any):
        self.states: list[State] = [capture(session)]
        self.at = 0

    def commit(self, session: Any) -> bool:
        """After an input: a new state when what plays changed (what was
        undone is then gone); True when it did."""
        state = capture(session)
        if state.key() == self.states[self.at].key():
            return False
        del self.states[self.at + 1:]
        self.states.append(state)
        if len(self.states) > MAX_STATES:
            del self.states[0]
        self.at = len(self.states) - 1
        return True

    def undo(self, session: Any) -> list[str] | None:
        """Back one state (None: nothing to undo); gives the names it
        emptied. Changes made since the last commit count as a state first."""
        self.commit(session)
        if self.at == 0:
            return None
        self.at -= 1
        return restore(session, self.states[self.at])

    def redo(self, session: Any) -> list[str] | None:
        """Forward one state (None: nothing undone to redo); gives the names it emptied."""
        self.commit(session)
        if self.at + 1 >= len(self.states):
            return None
        self.at += 1
        return restore(session, self.states[self.at])
