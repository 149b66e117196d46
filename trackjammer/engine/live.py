"""The engine as the rest of TrackJammer sees it: a session playing live.

`Engine` ties the session (what the language changed) to the clock thread
(what plays). After every input the REPL or `trackjammer run` calls
`commit()`: it freezes the session's tracks into `Bindings` and hands them
over for the next quantize boundary (at once before playing starts, and with
quantize(0)); a tempo change moves the clock without a jump. Every path that
stops sound — stop, hush, panic, close — ends with no note left on.

With a `Sender` (engine/sender.py), the ports live in a sending process:
messages are handed over ahead of time and sent there at their time, away
from this process's GIL; `open_live` builds an engine that way.
"""

from __future__ import annotations

import gc
import math
import os
import sys
import threading
from collections import deque
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Callable

from trackjammer.core.constructors import stack
from trackjammer.core.time import to_time
from trackjammer.engine import midi_clock
from trackjammer.engine.clock import Clock
from trackjammer.engine.history import History
from trackjammer.engine.inputs import Inputs
from trackjammer.engine.numbers import TrackNumbers
from trackjammer.engine.onsets import HandedOnsets
from trackjammer.engine.recorder import Recorder
from trackjammer.engine.scheduler import Scheduler
from trackjammer.engine.sink import TakeSink
from trackjammer.engine.transport import Bindings, Transport
from trackjammer.errors import TrackJammerError
from trackjammer.midi.messages import NOTE_ON, SYSTEM, Message, TrackPlan, plan_of_pattern, plan_of_track
from trackjammer.midi.output import NullOutput
from trackjammer.midi.rtmidi_out import open_input, open_output
from trackjammer.session import Session

if TYPE_CHECKING:
    from trackjammer.engine.clock_follow import Follow
    from trackjammer.engine.link_follow import LinkSync
    from trackjammer.engine.sync import SyncState

# With a sending process: messages are asked for and handed over up to SENDER_LOOKAHEAD
# seconds ahead, again once only SENDER_MARGIN is left, so at least that far ahead
# (a busy REPL cannot make one late). Each ask wakes both processes with cold caches
# (measured: a 50 ms window took 0.64 ms of CPU after a sleep, 0.25 ms back to back),
# so windows of 100 ms, not 50: about 0.7 points of a core less at 8 tracks.
SENDER_LOOKAHEAD = 0.15
SENDER_MARGIN = 0.05
# While no MIDI input is open, nothing changes what plays between two inputs of the
# performer's, and every input takes back what was handed over from the first point
# it can still change (Scheduler.retract): asked FAR_LOOKAHEAD ahead once FAR_MARGIN
# is left, a change lands as soon as with SENDER_LOOKAHEAD, and the clock thread asks
# about once a second, not 10 times (measured at 8 tracks, side by side: 0.9–1.1 % of
# a core asking every 100 ms, 0.6–0.7 every 500 ms, 0.38–0.57 every 1.1 s in windows
# of 100 ms; alone, 0.45–0.53 in windows of 100 ms, 0.28–0.31 in windows as long as
# Scheduler.REPLAY allows, one a second here; an ask that runs long hands its windows
# over one by one, so a long lookahead never makes the first of them late). A knob or
# a note played in acts when it comes: a short lookahead then. Either way a window is
# CHUNK long after a change and ends on each quantize boundary, so a binding typed
# more than SENDER_MARGIN before a boundary lands on it.
FAR_LOOKAHEAD = 1.25
FAR_MARGIN = 0.15
CHUNK = 0.1


class Engine:
    def __init__(
        self, session: Session, output: Any, report: Callable[[str], None] = print, clock: Clock | None = None,
        backend: str | None = None, open_port: Callable[..., Any] | None = None, sender: Any = None,
        takes: TakeSink | None = None,
    ):
        self.session, self.output, self.report = session, output, report
        self.backend = backend
        self._open_port = open_port  # (port, backend) → (Output, notice): for track.device(...)
        self._ports: dict[Any, Any] = {}  # what track.device(...) opened, by the name or index given
        self._routes: dict[int, Any] = {}  # track number → its output, when not the main one
        self._nudges: dict[int, float] = {}  # track number → seconds its messages leave later (nudge; <0: earlier)
        self.latencies: dict[str, float] = {}  # port name (or part of one) → ms, from config.toml's [latency]
        self.clock = clock if clock is not None else Clock(_playable_cps(session.cps))
        self.numbers = TrackNumbers()  # each track's stable number in messages, held weakly (engine/numbers.py)
        self.transport = Transport(report=report, ticks_per_cycle=480 * session.beats_per_cycle)
        self.transport.on_fallback = self._fell_back
        self._fallen: deque[Any] = deque()  # tracks whose lanes were put back, for the session log
        self._once_waiting: list[tuple[TrackPlan, Any]] = []  # once() while stopped: plays when start() does
        self.scheduler = Scheduler(self.clock, self.transport, self._send)
        # always on: every take, into `takes` (an engine.sink.TakeSink; none: nothing is recorded)
        self.recorder = Recorder(session, report, self.scheduler.position, self.track_name, takes)
        self.sender = sender  # the sending process, when the ports live there
        if sender is not None:  # hand over ahead (see _ask_ahead): a busy REPL cannot make a message late
            self.scheduler.in_flight = sender.busy
            self.scheduler.take_back = self._take_back
            self.scheduler.steady_ok, self.scheduler.hand_steady = self._may_replay, self._hand_steady
            sender.on_sent, sender.on_sent_now = self._delivered, self._delivered_now
            sender.on_sent_again = self._delivered_again
            sender.report = report
            sender.on_refused = self.recorder.refused
            sender.on_port, sender.on_lost = self._port_changed, self.recorder.lost  # engine/port_health.py
            self.recorder.relay = sender  # it journals what it sends
        self._cps = session.cps
        self.finished = threading.Event()  # set when a bounded run (`until`) has played out
        self._last_on: dict[int, Fraction] = {}  # track number → cycle of its latest note-on sent
        self._handed_on = HandedOnsets()  # note-ons handed to the sending process: they leave when the clock gets there
        self.following: Any = None  # the external clock followed (engine/sync.py), None: our own
        self.open_input: Callable[..., Any] = open_input  # (port, backend, report=) → (Input, notice)
        self.threaded = True  # a start the external clock asks for runs the clock thread (not in fake-clock tests)
        self.follow_until: Any = None  # where a start the external clock asks for stops (run --cycles)
        self.history = History(session)  # undo/redo: a state per input that changed what plays (engine/history.py)
        self.stopped_at: Fraction | None = None  # where stop() stopped: continue() plays on from there
        self._undone: list[list[str]] = []  # per undo/redo since last asked: the names it emptied (session log)
        self._take_waits = False  # playing with nothing bound: the take begins with the first cycle that plays
        self.midi_in = Inputs(self)  # input(port): recorded, thru, knobs, loops, capture (engine/inputs.py)
        self._ask_ahead()

    # -- what plays ---------------------------------------------------------------------

    def bindings(self) -> Bindings:
        """The session's tracks now, frozen: only tracks with something to play."""
        plans, tracks, routes, nudges = [], [], {}, {}
        for track in self.session.tracks():
            layers = self.midi_in.loops.pattern(track)  # loop_record's layers play stacked with the track
            if track.notes is None and not track.cc_lanes and layers is None:
                continue
            number = self.numbers.number(track)
            plan = plan_of_track(track, number)
            if layers is not None:
                plan = replace(plan, notes=layers if plan.notes is None else stack(plan.notes, layers))
            plans.append(plan)
            tracks.append(track)
            if track.nudge_ms:
                nudges[number] = float(track.nudge_ms) / 1000
            if track.port is not None:
                port = self._port(track.port, track.name)
                if port is not None:
                    routes[number] = port
        self._routes, self._nudges = routes, nudges  # each one assignment: the clock thread sees old or new
        self._ask_ahead()
        bound = {plan.index for plan in plans}
        for number in [n for n in list(self._last_on) if n not in bound]:  # list(): copied in one step
            self._last_on.pop(number, None)
        self._handed_on.keep_only(bound)
        return Bindings(tuple(plans), tuple(tracks), self.session.seed)

    def _fell_back(self, track: Any, failed: TrackPlan, restored: TrackPlan | None) -> None:
        """The clock thread found `failed` failing: the track gets back the
        lanes that play instead (see MidiTrack.fall_back)."""
        if track is not None and track.fall_back(failed, restored):
            self._fallen.append(track)

    def fallen_back(self) -> list[Any]:
        """The tracks whose lanes were put back since last asked (the REPL
        writes them to the session log, so replaying it gives what played)."""
        found = []
        while self._fallen:
            found.append(self._fallen.popleft())
        return found

    def once(self, pattern: Any, track: Any = None) -> Fraction | None:
        """Play one cycle of `pattern` from the next quantize boundary: as
        `track`'s notes (its binding goes on afterwards), or with no track on
        channel 1 beside everything else. Stopped, it plays when start() does.
        Gives the cycle it starts at (None while stopped)."""
        if track is not None:
            number = self.numbers.number(track)
            plan = replace(plan_of_track(track, number), notes=pattern)
        else:
            number = self.numbers.number(_Bare())  # a number of its own (numbers are never reused)
            plan = plan_of_pattern(pattern, number)
        with self.scheduler.lock:
            if not self.scheduler.playing:
                self._once_waiting.append((plan, track))
                return None
            self._retract()
            at = self.boundary()
            self.transport.once(plan, track, at)
            self._begin_take(Fraction(math.floor(at)))
        self.scheduler.wake()
        return at

    def _port(self, port: Any, who: str | None) -> Any:
        """The output a track.device(...) names, opened once (in this thread,
        never the clock's); a port that cannot be opened is said once and the
        track plays on the main output."""
        if port not in self._ports:
            self._ports[port] = None
            if self._open_port is None:
                return None
            try:
                opened, notice = self._open_port(port, self.backend)
            except TrackJammerError as error:
                self.report(f"warning: track '{who}' cannot use port {port!r}: {error.message}; it plays on "
                            f"{self.output.name}")
                return None
            if notice:
                self.report(notice)
            opened.latency = self._configured_latency(opened.name)
            self._ports[port] = opened
        return self._ports[port]

    def use_output(self, port: Any, latency: Any = None) -> str:
        """Make `port` the main output; notes sounding on the old one end.
        `latency` (ms): its messages leave that much earlier than the others
        (None: as config.toml's [latency] says for its name, else 0); the
        port playing already only takes the new latency."""
        if port == self.output.name and latency is not None:
            self.set_latency(self.output, latency)
            return self.output.name
        if self._open_port is None:
            raise TrackJammerError("no MIDI ports can be opened here")
        opened, notice = self._open_port(port, self.backend)
        if notice:
            self.report(notice)
        self.set_latency(opened, self._configured_latency(opened.name) * 1000 if latency is None else latency)
        with self.scheduler.lock:
            old, self.output = self.output, opened
            self._retract()  # what was handed over to the old output plays on the new one
        self.recorder.panic(old)
        old.close()
        self._ask_ahead()
        return opened.name

    # -- lining devices up: latency per output, nudge per track ------------------------------

    def configure_latencies(self, latencies: dict[str, float]) -> None:
        """config.toml's [latency] (port name or part of one → ms), for the
        outputs open now and those opened later."""
        self.latencies = dict(latencies)
        for output in self.outputs():
            output.latency = self._configured_latency(output.name)
        self._ask_ahead()

    def _configured_latency(self, name: str) -> float:
        """Seconds: the config's latency for the port `name`: its exact name, else the longest part of it named."""
        if name in self.latencies:
            return self.latencies[name] / 1000
        parts = [part for part in self.latencies if part and part in name]
        return self.latencies[max(parts, key=len)] / 1000 if parts else 0.0

    def set_latency(self, output: Any, ms: Any) -> None:
        """`output`'s messages leave `ms` earlier than the others'."""
        output.latency = float(ms) / 1000
        if ms and not output.timed and not isinstance(output, NullOutput):
            self.report(f"warning: latency is applied by the sending process, which does not run here: "
                        f"'{output.name}' plays without it")
        self._ask_ahead()
        if self.scheduler.steady is not None:  # its messages leave as early as the old latency says
            with self.scheduler.lock:
                self._retract()

    def _ask_ahead(self) -> None:
        """Messages leave up to the largest latency (plus the earliest
        nudge) before their time: the sending process gets them that much
        earlier too, so none is handed over too late to leave in time."""
        if self.sender is None:
            return
        earliest = max([o.latency for o in self.outputs()] + [0.0]) + max([-n for n in self._nudges.values()] + [0.0])
        far = not self.midi_in.opened
        scheduler = self.scheduler
        scheduler.lookahead = scheduler.ahead = (FAR_LOOKAHEAD if far else SENDER_LOOKAHEAD) + earliest
        scheduler.margin = (FAR_MARGIN if far else SENDER_MARGIN) + earliest
        scheduler.start_ahead = SENDER_MARGIN + earliest  # the first window is handed over in time, also when busy
        scheduler.chunk = CHUNK

    def inputs_changed(self) -> None:
        """A MIDI input opened or closed: while one is open, knobs and notes
        played in change what plays between the performer's inputs, so it
        is handed over only a short way ahead."""
        self._ask_ahead()
        with self.scheduler.lock:
            self._retract()

    def _retract(self) -> None:
        """(Under the scheduler's lock, before a change is put where it
        lands.) What was handed over far ahead is taken back from the first
        window still SENDER_MARGIN ahead, so the change lands there."""
        if self.scheduler.playing:
            self.scheduler.retract(Fraction(self.clock.cycle_at(self.clock.now() + self.scheduler.start_ahead)))

    def _take_back(self, cycle: Fraction) -> bool:
        """The sending process drops what it holds from `cycle` on (False: too late)."""
        if not self.sender.retract(cycle):
            return False
        self._handed_on.drop_from(cycle)
        return True

    def _may_replay(self) -> bool:
        """Whether a steady stretch may be handed over (engine/steady.py):
        nothing but the performer's inputs changes what plays (no MIDI
        input open, no external clock followed) and every track sends
        through the sending process."""
        return (not self.midi_in.opened and self.following is None
                and all(output.timed for output in [self.output, *self._routes.values()]))

    def _hand_steady(self, messages: list[Message], begin: Fraction, period: int, until: Fraction | None) -> None:
        """The period [begin, begin + period) plays again and again from its
        end on, in the sending process; the status bar's flash knows its
        note-ons."""
        self._handed_on.replay(messages, begin, period, until)
        self.sender.replay(self._leaving(messages), begin, period, until)

    def _port_changed(self, output: Any, state: str) -> None:
        """The sending process found a port gone, or back and reconnected (said once each)."""
        if state == "gone":
            self.report(f"warning: MIDI port '{output.name}' is gone (its synth quit or its client went away); "
                        "its notes are lost until it comes back, and TrackJammer reconnects when it does")
        else:
            self.report(f"MIDI port '{output.name}' is back: reconnected")

    def ports_gone(self) -> list[str]:
        """The names of the ports that vanished (the status bar marks them)."""
        return [output.name for output in self.outputs() if getattr(output, "gone", False)]

    def outputs(self) -> list[Any]:
        return [self.output] + [o for o in self._ports.values() if o is not None]

    def commit(self) -> None:
        """Hand the session's state over: tempo at once, bindings at the boundary."""
        changed = self.history.commit(self.session)
        if changed and self.stopped_at is not None and self.following is None:
            self.report(f"stopped at cycle {self.stopped_at}: this plays when start() (from cycle 0) or continue() "
                        f"(from cycle {self.stopped_at}) runs")
        if self.session.cps != self._cps and self.following is not None:
            self._cps = self.session.cps
            if self.following.source == "link":  # the session's tempo: every peer follows
                self.following.set_tempo(self._cps)
            else:  # the external clock keeps the tempo; sync("internal") applies it
                self.report(f"note: the tempo follows the MIDI clock from '{self.following.port.name}'; "
                            "cps and bpm apply after sync(\"internal\")")
        if self.session.cps != self._cps:
            self._cps = self.session.cps
            self.clock.set_cps(_playable_cps(self._cps))
            self._tell_anchor()
            self.recorder.tempo(self._cps)
            self.scheduler.wake()
        bindings = self.bindings()
        self.scheduler.beats_per_cycle = self.session.beats_per_cycle
        self.scheduler.quantum = max(Fraction(0), to_time(self.session.quantize))
        with self.scheduler.lock:
            if not self.scheduler.playing:
                self.transport.reset(bindings)
                return
            self._retract()
            at = self.boundary()
            self.transport.schedule(bindings, at)
            if bindings.plans:
                self._begin_take(Fraction(math.floor(at)))
        self.scheduler.wake()

    def undo(self) -> str:
        """The session as it was before the last input that changed what
        plays; it plays from the next boundary, as any change (the caller
        commits). Gives the line to say."""
        emptied = self.history.undo(self.session)
        if emptied is None:
            return "nothing to undo"
        self._undone.append(emptied)
        return "undo: what played before the last change" + self._from_when()

    def redo(self) -> str:
        """What the last undo() took back; gives the line to say."""
        emptied = self.history.redo(self.session)
        if emptied is None:
            return "nothing to redo"
        self._undone.append(emptied)
        return "redo: what the undo took back" + self._from_when()

    def undone(self) -> list[list[str]]:
        """Each undo/redo since last asked, as the names it emptied (the
        REPL writes the state they brought back to the session log)."""
        found, self._undone = self._undone, []
        return found

    def _from_when(self) -> str:
        if self.scheduler.playing:
            return f", from cycle {self.boundary()}"
        return ", when start() or continue() runs" if self.stopped_at is not None else ""

    def boundary(self) -> Fraction:
        """Where a new binding takes effect: the first quantize boundary not
        yet asked for (quantize 0: the first cycle not yet asked for)."""
        horizon = max(self.scheduler.horizon, _on_grid(self.scheduler.position()))  # idle, it may lag
        grid = to_time(self.session.quantize)
        if grid <= 0:
            return horizon
        return Fraction(math.ceil(horizon / grid)) * grid

    # -- transport --------------------------------------------------------------------------

    def start(self, cycle: Any = 0, until: Any = None, thread: bool = True,
              at: tuple[float, float] | None = None) -> None:
        """Play from `cycle` (from 0 by default); with `until`, stop there,
        cutting notes at that cycle as an export of the same cycles does.
        Without `thread`, the caller drives `scheduler.step()` (tests on a
        fake clock). `at` (wall time, cps): the external clock followed
        says when `cycle` is and how fast; without it, while following, the
        performer's start() is refused (in a Link session, it starts the
        session's transport: we play from `cycle` at the next downbeat)."""
        if at is None and self.following is not None and self.following.source == "link":
            self.following.play(cycle)
            return
        if at is None and self.following is not None:
            raise TrackJammerError(f"playing follows the MIDI clock from '{self.following.port.name}': "
                                   "it starts when that clock sends start or continue",
                                   hint='sync("internal") gives the clock back')
        if at is not None:
            self.clock.set_cps(at[1])
        elif self.session.cps != self._cps:  # a tempo set and not committed yet is the one to start at
            self._cps = self.session.cps
            self.clock.set_cps(_playable_cps(self._cps))
        if thread:
            _tune_for_timing()
        self.scheduler.halt()
        with self.scheduler.lock:
            self._cancel()
            self._release()  # playing already: what sounds ends before cycle 0 again
            self._sync()
            bindings = self.bindings()
            self.transport.reset(bindings)
            for plan, track in self._once_waiting:
                self.transport.once(plan, track, to_time(cycle))
            self.finished.clear()
            self.stopped_at = None
            self.midi_in.started()
            self.scheduler.until = None if until is None else to_time(until)
            self.scheduler.on_finished = self.finished.set
            self.recorder.finish(wait=False)  # a take still running ends here
            self._take_waits = True  # the take begins with the first cycle that plays: now, or when bound
            if bindings.plans or self._once_waiting:
                self._begin_take(to_time(cycle))
            self._once_waiting = []
            self.scheduler.play_from(to_time(cycle), None if at is None else at[0])
            self._tell_anchor()
        if thread:
            self.scheduler.start_thread()

    def _begin_take(self, cycle: Fraction) -> None:
        """Something plays from `cycle` on: a take that waits for it begins
        there. Playing started with nothing bound (the REPL at launch), the
        first binding's cycle is given, from its start: no empty bars before
        it, and bar lines where the cycles are."""
        if self._take_waits:
            self._take_waits = False
            cps = self.session.cps if self.following is None else _tempo_of(self.clock.cps, self.session)
            self.recorder.begin(cycle, cps)

    def played_in(self, cycle: Fraction) -> None:
        """Something was played in on an input at `cycle` (its thread): a take
        that waits for the first thing to play begins with that cycle."""
        if self._take_waits:
            with self.scheduler.lock:
                self._begin_take(Fraction(math.floor(cycle)))

    def resume(self, thread: bool = True) -> Fraction:
        """continue(): play on from where stop() stopped (from cycle 0 when
        it never played); gives that cycle."""
        cycle = self.stopped_at if self.stopped_at is not None else Fraction(0)
        if self.following is not None and self.following.source == "link":
            cycle = Fraction(math.ceil(cycle))  # a cycle begins where the session's bars do
        self.start(cycle, thread=thread)
        return cycle

    def stop(self, tell: bool = True) -> None:
        """Stop the clock; every sounding note ends now (and MIDI clock stops).
        In a Link session the session's transport stops too, unless it is
        what stopped (`tell` False)."""
        if tell and self.following is not None and self.following.source == "link":
            self.following.halt()
        was_playing = self.scheduler.playing
        if was_playing:
            self.stopped_at = _on_grid(self.scheduler.position())
        self.scheduler.halt()
        with self.scheduler.lock:
            self._cancel()
            self.transport.reset()
            self._release()
            if was_playing and self.scheduler.clock_from is not None:
                self.output.send([midi_clock.STOP])
            self._sync()
        self._take_waits = False
        self.recorder.finish(wait=False)

    def clock_out(self, on: bool) -> None:
        """Send MIDI clock (24 per beat, start, stop, continue, song position)."""
        from trackjammer.engine.sync import same_device  # start-up time: following a clock loads when used

        if on and getattr(self.following, "port", None) is not None \
                and same_device(self.following.port.name, self.output.name):
            raise TrackJammerError(f"clock out to '{self.output.name}' would come back into the clock "
                                   f"followed from '{self.following.port.name}' (the same device)",
                                   hint="send it through another port: output(...), or sync(\"internal\") first")
        self.scheduler.beats_per_cycle = self.session.beats_per_cycle
        with self.scheduler.lock:
            self._retract()  # clock out starts from the next sixteenth not yet handed over
        if self.scheduler.clock_out(on):
            self.output.send([midi_clock.STOP])
        if not on:
            self._cancel(system_only=True)

    # -- following an external clock (engine/sync.py) ---------------------------------------

    def sync(self, source: str, port: Any = None) -> str | None:
        """Follow MIDI clock from input `port` ("clock"), play in the Ableton
        Link session of the network ("link", engine/link_follow.py), or play
        by our own clock again ("internal", at the session's tempo, from
        where it is). Following a clock starts stopped: the master's start
        or continue plays; joining Link while playing plays on from the next
        whole cycle at the session's next downbeat. Gives the input's name."""
        from trackjammer.engine.link_follow import LinkSync  # start-up time: following a clock loads when used
        from trackjammer.engine.sync import SOURCES, ClockSync, same_device  # start-up time: as LinkSync

        if source not in SOURCES:
            raise TrackJammerError(f"cannot follow '{source}'", hint='sync("clock", port), sync("link") or sync("internal")')
        linked = LinkSync(self, self.report, now=self.clock.now) if source == "link" else None  # not installed: says how
        opened, notice = (None, None) if source != "clock" else self.open_input(port, self.backend,
                                                                                report=self.report)
        old, self.following = self.following, None
        if old is not None:
            old.close()
            self.clock.set_cps(_playable_cps(self.session.cps))
            self._cps = self.session.cps
            self._tell_anchor()
            self.recorder.tempo(self.session.cps)
            self.scheduler.wake()
        if linked is not None:
            self._join(linked)
            return None
        if opened is None:
            return None
        if notice:
            self.report(notice)
        if self.scheduler.playing:
            self.stop()
        if self.scheduler.clock_from is not None and same_device(opened.name, self.output.name):
            self.clock_out(False)
            self.report(f"clock out stopped: '{self.output.name}' is the device whose clock is followed")
        self.following = ClockSync(self, opened, self.report, now=self.clock.now)
        opened.start()
        return opened.name

    def _join(self, linked: LinkSync) -> None:
        """Play in the Link session: playing on from the next whole cycle at its next downbeat."""
        playing = self.scheduler.playing
        cycle = math.ceil(self.scheduler.position()) if playing else 0
        self.following = linked
        linked.start(thread=self.threaded, play_from=cycle if playing else None)
        peers = linked.peers
        self.report(f"in the Ableton Link session: {peers} other peer{'' if peers == 1 else 's'} so far, "
                    f"{linked.tempo:.1f} bpm; " + (f"playing on from cycle {cycle} at its next downbeat" if playing
                                                   else "start() plays at its next downbeat"))

    def follow(self, follow: Follow) -> None:
        """What the external clock says (its input's thread): start, a new anchor, or stop."""
        if self.following is None:
            return
        if follow.kind == "stop":
            self.stop(tell=False)
            return
        if follow.kind == "start":
            self.start(Fraction(follow.cycle).limit_denominator(1 << 20), until=self.follow_until,
                       thread=self.threaded, at=(follow.wall, follow.cps))
            return
        if not self.scheduler.playing:
            return
        self.clock.set_anchor(follow.wall, follow.cycle, follow.cps)
        self._tell_anchor()
        self.scheduler.wake()

    def sync_state(self) -> SyncState:
        """The source of time, for the status bar."""
        if self.following is not None:
            return self.following.state()
        from trackjammer.engine.sync import SyncState  # start-up time: following a clock loads when used

        return SyncState()

    # -- MIDI input (engine/inputs.py) ---------------------------------------------------------

    def input(self, port: Any = None, thru: Any = None, off: bool = False) -> str:
        """Open input `port` (recorded on a track of its own; with `thru`, played
        through that track instead), or close it (`off`); gives its name."""
        if off:
            return self.midi_in.close(port)
        if thru is not None and thru.port is not None:
            self._port(thru.port, thru.name)  # opened here, not in the input's thread
        return self.midi_in.open(port, thru)

    def inputs(self) -> list[str]:
        return self.midi_in.lines()

    def play_through(self, track: Any, data: bytes, cycle: Fraction | None) -> None:
        """Send `data` now through `track`'s output (an input's thru); the take
        holds it as sent, at `cycle` (None: now)."""
        output = self._ports.get(track.port) if track.port is not None else None
        output = self.output if output is None else output
        output.send(data)
        if not output.timed:  # the sending process journals what it sends itself
            self.recorder.record_now(data, None if cycle is None else float(cycle))

    def played_notes(self, cycles: int) -> list[tuple[Fraction, Fraction, int, int]]:
        """The notes played in on every input during the last `cycles` whole
        cycles, for capture (engine/played.py)."""
        now = self.scheduler.position() if self.scheduler.playing else float(self.stopped_at or 0)
        return self.midi_in.played_notes(cycles, now)

    def learn(self, what: str) -> Any:
        """A knob (core/knobs.py) that takes the next controller moved; said then, as driving `what`."""
        return self.midi_in.learn(what)

    def loop_record(self, track: Any, cycles: Any) -> Fraction | None:
        """Record the input over `track` in passes of `cycles` from the next
        cycle boundary (0: stop recording); gives that cycle (engine/loops.py)."""
        return self.midi_in.loop_record(track, cycles, self.scheduler.playing, self.boundary)

    def layers(self, track: Any) -> list[str]:
        return self.midi_in.loops.lines(track)

    def undo_layer(self, track: Any) -> str:
        return self.midi_in.loops.undo(track)

    def mute_layer(self, track: Any, number: int, muted: bool) -> str:
        return self.midi_in.loops.mute(track, number, muted)

    def hush(self) -> None:
        """Silence every track now (their note lanes are emptied); the clock runs on."""
        for track in self.session.tracks():
            track.clear()
        with self.scheduler.lock:
            self.scheduler.queue.clear()
            self._cancel()
            self.transport.reset(Bindings(seed=self.session.seed))
            self.transport.forget()
            self._once_waiting = []
            self._release()
        self.midi_in.loops.hush()

    def panic(self) -> None:
        """All notes off on every channel, now; the music goes on."""
        with self.scheduler.lock:
            for output in self.outputs():
                self.recorder.panic(output)
                output.panic()

    def close(self) -> None:
        """The end: stop the thread, end every note, CC 123 on every channel
        used. The take holds all of it and ends here; a bounded run's take
        ends where the run did (its notes ended there), before the CC 123 of
        closing: it is the export of its cycles, byte for byte."""
        following, self.following = self.following, None
        if following is not None:
            following.close()
        if self.scheduler.playing and self.scheduler.clock_from is not None:
            self.output.send([midi_clock.STOP])
        end = _on_grid(self.scheduler.position())
        self.midi_in.close_all()
        self.scheduler.halt()
        self.scheduler.stop_thread()
        self._cancel()
        if self.finished.is_set():
            self.recorder.finish(at=self.scheduler.until)
        for output in self.outputs():
            self.recorder.panic(output)
            output.close()
        self.recorder.finish(at=end)
        if self.sender is not None:
            self.sender.close()

    def abandon(self) -> None:
        """Close at once, waiting for nothing (a second Ctrl-C or SIGTERM
        while closing): the sending process ends every note itself, as when
        this process dies, and the take's journal is finished at the next
        start."""
        self.scheduler.halt()
        self.recorder.abandon()
        if self.sender is not None:
            self.sender.abandon()
            return
        for output in self.outputs():
            try:
                output.panic()
            except Exception:  # noqa: BLE001 - the others still get theirs
                continue

    # -- sending ----------------------------------------------------------------------------

    def track_name(self, number: int) -> str | None:
        """The name of the track playing as `number` in messages (the
        recorder asks, from its own thread)."""
        return self.numbers.name_of(number)

    def last_note_on(self, track: Any) -> Fraction | None:
        """The cycle of the latest note-on `track` sent (the REPL's status bar flashes it)."""
        number = self.numbers.get(track)
        if number is None:
            return None
        handed = self._handed_on.latest(number, self.scheduler.position())  # not waiting for the report
        return handed if handed is not None else self._last_on.get(number)

    def _leaving(self, messages: list[Message]) -> list[tuple[Any, Message, float]]:
        """Each message as (its output, the message, how much earlier it
        leaves: its output's latency, less its track's nudge; MIDI clock has
        no track), by the routes and nudges of one moment."""
        routes, main, nudges = self._routes, self.output, self._nudges
        items = []
        for message in messages:
            output = routes.get(message.track, main)
            nudge = nudges.get(message.track, 0.0) if message.kind != SYSTEM else 0.0
            items.append((output, message, output.latency - nudge))
        return items

    def _send(self, messages: list[Message]) -> None:
        ahead = []
        for item in self._leaving(messages):
            output, message = item[0], item[1]
            if output.timed:
                ahead.append(item)
                if message.kind == NOTE_ON:
                    self._handed_on.note(message.track, message.time)
            else:
                data = message.bytes()
                output.send(data)
                self._sent(message, data)
        if ahead:
            self.sender.schedule(ahead)

    def _delivered(self, message: Message, due: float, sent: float) -> None:
        """The sending process reports `message` sent (its reader thread calls
        this): it journaled the message itself, so the take needs only its track."""
        if message.kind != SYSTEM:  # MIDI clock and transport are not recorded
            self.recorder.sent_elsewhere(message.track)
        if message.kind == NOTE_ON:
            self._last_on[message.track] = message.time
        if self.scheduler.on_sent_times is not None:
            self.scheduler.on_sent_times(due, sent, message.kind)
        if self.scheduler.on_sent is not None:
            self.scheduler.on_sent(message, due, sent)

    def _delivered_again(self, message: Message, seq: int, due: float, sent: float) -> None:
        """A steady stretch's message, played again (engine/steady.py): the
        take has its track's name, and the flash its note-ons, from when
        the stretch was handed over; only what watches every send hears."""
        if self.scheduler.on_sent_times is not None:
            self.scheduler.on_sent_times(due, sent, message.kind)
        if self.scheduler.on_sent is not None:
            exact = self.sender.played_again(seq, due)
            if exact is not None:
                self.scheduler.on_sent(exact, due, sent)

    def _sent(self, message: Message, data: Any) -> None:
        self.recorder.record(message.time, data, message.track)
        if message.kind == NOTE_ON:
            self._last_on[message.track] = message.time

    def _delivered_now(self, data: bytes, sent: float) -> None:
        """The sending process reports a message sent at once (release, panic, close)."""
        self.recorder.record_now(data, self.clock.cycle_at(sent), elsewhere=True)

    def _sync(self) -> None:
        """Until the sending process has reported everything sent so far
        (so a take that ends now has its last note-offs)."""
        if self.sender is not None:
            self.sender.sync()

    def _tell_anchor(self) -> None:
        if self.sender is not None:
            self.sender.anchor(*self.clock.anchor())

    def _cancel(self, system_only: bool = False) -> None:
        """What was handed to the sending process and not sent yet is dropped."""
        if self.sender is not None:
            self.sender.cancel(system_only)
            if not system_only:
                self._handed_on.clear()
                self.scheduler.forget_windows()

    def _release(self) -> None:
        """A note-off for every note the outputs hold (sent, not yet ended)."""
        for output in self.outputs():
            if not output.timed:  # the sending process reports what it sends itself
                for message in output.release_messages():
                    self.recorder.record_now(message)
            output.release()


class _Bare:
    """What a bare once() is named in the take's track names: no name."""

    name = None


def open_live(
    session: Session, port: Any = None, backend: str | None = None, report: Callable[[str], None] = print,
    takes: TakeSink | None = None,
) -> tuple[Engine, str | None]:
    """An engine playing through `port` (as rtmidi_out.open_output chooses it),
    its ports in a sending process of their own where one can run, its takes
    recorded into `takes` (an engine.sink.TakeSink); and the line to tell the user."""
    opener, sender, why = port_opener()
    try:
        output, notice = opener(port, backend)
    except BaseException:
        if sender is not None:
            sender.close()
        raise
    if why:
        report(why)
    engine = Engine(session, output, report=report, backend=backend, open_port=opener, sender=sender, takes=takes)
    return engine, notice


def port_opener(started: Any = None) -> tuple[Callable[..., Any], Any, str | None]:
    """How to open ports: (open(port, backend) → (Output, notice), the
    sending process or None, why there is none). Where no sending process
    can run (not POSIX: it needs pipes select() can wait on), ports open in
    this process and the clock thread sends: it still plays, less tightly.
    `started`: what engine/spawn.py's start_sender() gave, when the process
    was started earlier (the REPL; its spare starts with Sender.keep_spare)."""
    if os.name != "posix":
        return open_output, None, None
    from trackjammer.engine.sender import Sender, SenderError, cannot_start  # start-up time: not with --no-midi

    try:
        if isinstance(started, OSError):
            raise cannot_start(started)
        sender = Sender.launch() if started is None else Sender.adopt(started)
    except SenderError as error:
        return open_output, None, f"warning: {error.message}; sending from this process instead"
    return sender.open_output, sender, None


def _tune_for_timing() -> None:
    """The clock thread waits for the GIL at most 0.2 ms (CPython's default
    switch interval is 5 ms), and what exists now is frozen out of the
    garbage collector, so a collection started by the REPL thread is short."""
    sys.setswitchinterval(0.0002)
    gc.freeze()


def _on_grid(cycle: float) -> Fraction:
    return Fraction(math.ceil(cycle * 960), 960)


def _tempo_of(cps: float, session: Session) -> Fraction:
    """A followed tempo for the take's tempo map (set at its start only: a
    take keeps musical time, and a tempo event at every tick's estimate
    would only be noise): to 0.01 bpm."""
    beats = 60 * session.beats_per_cycle
    return Fraction(round(cps * beats * 100), 100 * beats)


def _playable_cps(cps: Any) -> Any:
    return cps if cps > 0 else 0
