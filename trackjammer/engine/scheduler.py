"""The clock thread: ask for the next window, send each message at its time.

Every `lookahead` seconds' worth of cycles is asked of the transport ahead
of time (the window ends on a fine grid, so its bounds stay small
fractions). Each message is sent when the clock reaches its cycle time: a
coarse wait on an Event (which a command from another thread can cut short),
then a short spin for the last fraction of a millisecond. Wall times are
worked out at sending time, so a cps change also moves messages already
asked for. When nothing is due, the thread just waits: no busy loop.

With `ahead` > 0 (the ports live in the sending process, engine/sender.py)
messages are handed over that long before their time instead, and the
sending process keeps the time; this thread then only asks and hands over.

Handed over far ahead (`chunk` set), each ask is cut into windows, at
each quantize boundary too, and the transport's state is kept where each
begins: a change (a new binding, mute, once) then takes back what was
handed over from the first point of the grid still far enough ahead
(`retract`), the transport goes back to where that point's window begins
and asks the window up to it again, and the change lands there, as soon as
it would with a short lookahead; a binding typed just far enough ahead of
a boundary lands on it. A window is `chunk` seconds after a change, then
as long as can be asked again in REPLAY seconds at what the last window
cost: each window costs its own work, and a wake-up finds this thread's
caches cold, so asking a second at a time in one window rather than ten
times a second costs about 70 % less (0.9–1.1 → 0.28–0.31 % of a core at
8 tracks, alone; 0.45–0.53 in windows of 100 ms). An ask that runs past
SLOW_ASK hands each window over as soon as it is made.

When what is bound repeats (engine/steady.py), one whole period is watched
as it is asked for; if the transport's state at its end is the one at its
beginning moved a period on, the period is handed over once (`hand_steady`)
for the sending process to play again and again, and nothing more is asked
until a change (`retract`) or a bounded run's end leaves the stretch.

While nothing is bound, waiting or sounding (an engine just started, or
after hush) every window would be empty and the transport the same at each
of its cycles: such a stretch is kept whole, as one state good anywhere in
it, and nothing is asked (an idle engine's clock thread cost 0.08 % of a
core making ten empty windows a second).
"""

from __future__ import annotations

import math
import sys
import threading
from collections import deque
from fractions import Fraction
from typing import Callable, NamedTuple

from trackjammer.engine.clock import Clock
from trackjammer.engine.steady import Steady, Watch
from trackjammer.engine.transport import Checkpoint, Transport
from trackjammer.engine import midi_clock
from trackjammer.midi.messages import SYSTEM, Message, sending_order

LOOKAHEAD = 0.05  # seconds asked for ahead of the clock
REFILL = 0.02  # how often a bounded run's end looks whether everything went out
IDLE = 1.0  # nothing bound: nothing to ask for (a commit wakes the thread)
BUSY = 0.003  # no asking when a message is due this soon: it goes first
SPIN = 0.0003  # the last part of a wait for a message is spun, not slept
START_AHEAD = 0.01  # cycle 0 is this far in the future, so its window is ready in time
GRID = 960  # window ends lie on 1/GRID cycle
LEAVE_TRIES = 4  # a change tries this many cuts (window beginnings) to leave a steady stretch
SLOW_ASK = 0.01  # seconds: an ask taking longer hands each window over as soon as it is made
REPLAY = 0.005  # seconds: a window far ahead is as long as can be asked again in this (a change cutting it)
EARLY = 10.0  # seconds: a period to watch that ends within this is asked for at once (engine/steady.py)


class Kept(NamedTuple):
    """The transport kept where a window handed over begins, to go back to."""

    cycle: Fraction
    checkpoint: Checkpoint
    clock_start_pending: bool  # MIDI clock's start still to send
    silent_until: Fraction | None = None  # a silent stretch: the same state anywhere up to here
    clean: bool = True  # no track failed in the window: asking it again gives the same state (a cut inside)
    heard: dict | None = None  # plan index → heard in the window (Transport.heard): asked again, as then


class Scheduler:
    def __init__(
        self, clock: Clock, transport: Transport, send: Callable[[list[Message]], None],
        lookahead: float = LOOKAHEAD,
    ):
        self.clock, self.transport, self.send = clock, transport, send
        self.lookahead = lookahead
        self.margin: float | None = None  # ask again when this much of what was asked for is left (None: half the lookahead)
        self.ahead = 0.0  # hand messages to `send` this long before their time (0: at their time)
        self.start_ahead = START_AHEAD
        self.in_flight: Callable[[], bool] = lambda: False  # handed over ahead, not sent yet
        self.horizon = Fraction(0)  # cycles asked for so far: [.., horizon)
        self.queue: deque[Message] = deque()
        self.playing = False
        self.lock = threading.RLock()  # the clock thread holds it while it works, never while it waits
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._alive = False
        self.sent = 0
        self.until: Fraction | None = None  # a bounded run stops here, notes cut as in an export
        self.on_finished: Callable[[], None] | None = None
        self._closing = False  # the bounded run's last note-offs are queued
        self.beats_per_cycle = 4
        self.clock_from: Fraction | None = None  # MIDI clock out from this cycle on (None: off)
        self.clock_start_pending = False  # start (or song position and continue) not yet queued
        self.on_sent: Callable[[Message, float, float], None] | None = None  # (message, due, sent): benchmarks
        self.on_sent_times: Callable[[float, float, int], None] | None = None  # (due, sent, kind): the same, lighter
        # (with `ahead`, the engine calls it when the sending process reports)
        self.chunk: float | None = None  # seconds: asks are cut into windows this long, each kept to retract to
        # cycles: the quantize grid; windows cut into chunks also end on it, so a change finds the
        # state kept right on the boundary it lands on (0: no grid)
        self.quantum = Fraction(0)
        self._checkpoints: list[Kept] = []  # where each window not yet played begins
        self._rate: float | None = None  # seconds the last window took to ask, per second of music (None: unknown)
        # asks the sending process to drop what it holds from a cycle on; False: too late, some of it left
        # (without one, what was asked for and not sent is all in `queue`)
        self.take_back: Callable[[Fraction], bool] = lambda cycle: True
        # a steady stretch (engine/steady.py): whether one may begin now (the engine: nothing but the
        # bindings changes what plays), and how the watched period is handed over to play again
        # (messages, where the period begins, its length in cycles, the run's end or None)
        self.steady_ok: Callable[[], bool] = lambda: False
        self.hand_steady: Callable[[list[Message], Fraction, int, Fraction | None], None] | None = None
        self._watch: Watch | None = None
        self.steady: Steady | None = None  # handed over: nothing is asked while it plays
        self._replays_to_end = False  # a bounded run's last stretch plays to its end: finished when the clock is there

    # -- driven by any thread ---------------------------------------------------------------

    def play_from(self, cycle: Fraction, wall: float | None = None) -> None:
        """Play from `cycle`, reached at `wall` (default: a moment from now)."""
        with self.lock:
            if self.clock_from is not None:
                self.clock_from = Fraction(cycle)
                self.clock_start_pending = True
            self.clock.start_at(cycle, self.clock.now() + self.start_ahead if wall is None else wall)
            self.horizon = Fraction(cycle)
            self.queue.clear()
            self._checkpoints = []
            self._watch = self.steady = None
            self._closing = self._replays_to_end = False
            self.playing = True
        self._wake.set()

    def wake(self) -> None:
        """Look again now (the tempo changed, or there is new work)."""
        self._wake.set()

    def clock_out(self, on: bool) -> bool:
        """Turn MIDI clock out on (from the next sixteenth not yet asked for)
        or off (dropping ticks already asked for). True when a stop is due now."""
        with self.lock:
            if on and self.clock_from is None:
                self.clock_from = midi_clock.next_sixteenth(self.horizon, self.beats_per_cycle) if self.playing else Fraction(0)
                self.clock_start_pending = True
                return False
            if not on and self.clock_from is not None:
                self.clock_from = None
                self.queue = deque(m for m in self.queue if m.kind != SYSTEM)
                return self.playing
            return False

    def halt(self) -> list[Message]:
        """Stop asking and sending; what was asked for but not sent is dropped."""
        with self.lock:
            self.playing = False
            dropped = list(self.queue)
            self.queue.clear()
            self._checkpoints = []
            self._watch = self.steady = None
        self._wake.set()
        return dropped

    def position(self) -> float:
        return self.clock.cycle_at(self.clock.now())

    # -- one step of work (the thread's loop; tests call it on a fake clock) ------------------

    def fill(self, now: float) -> None:
        """Ask for the cycles up to `now` + lookahead, in chunks: only once
        less than the margin is left, and never just before a message is due."""
        if not self.playing:
            return
        if self.queue and self.clock.time_of(self.queue[0].time) - now < BUSY:
            return
        if self.steady is not None:
            if self.until is None or self.clock.cycle_at(now + self.lookahead) < self.until:
                return  # the sending process plays it
            self._leave_at_end()
        if now < self._next_ask():
            return
        ahead = self.clock.cycle_at(now + self.lookahead)
        end = Fraction(math.floor(ahead * GRID), GRID)
        if self.until is not None:
            end = min(end, self.until)
        if end > self.horizon:
            position = self.clock.cycle_at(now)
            self._checkpoints = [kept for kept, until in self.windows() if until > position]  # the rest has played
            begin = self.horizon
            if self._silent():
                self._keep_silent(begin, end)
                begin = end
            else:
                end = self._watching(begin, end, now)
            while begin < end:
                upto = end if self.chunk is None else min(end, self._chunk_end(begin))
                failures, asked = self.transport.failures, self.clock.now()
                self.transport.heard = {}
                if self.chunk is not None:
                    kept_here = Kept(begin, self.transport.checkpoint(), self.clock_start_pending)
                found = self._messages(begin, upto)
                self.queue.extend(found)
                if self.chunk is not None:
                    took = self.clock.now() - asked
                    kept_here = kept_here._replace(clean=self.transport.failures == failures, heard=self.transport.heard)
                    self._checkpoints.append(kept_here)
                    self._rate = took * self.clock.cps / float(upto - begin)
                    if self._watch is not None and self._watched(kept_here, found, upto):
                        end = upto  # steady from here: the sending process plays on
                    else:
                        end = self._watching(upto, end, now)
                begin = upto
                if self.ahead and begin < end and self.clock.now() - now > SLOW_ASK:
                    self.send_due(self.clock.now())  # a long ask: what is ready goes now, before it is late
            self.horizon = end
            if self.ahead and (self._watch is not None or self.steady is not None):
                self.send_due(math.inf)  # asked early: all of it goes now, not a message at a time
        if self.until is not None and self.horizon >= self.until and not self._closing:
            self.queue.extend(self.transport.stream.release(self.until))
            if self.clock_from is not None:
                self.queue.append(midi_clock.stop_at(self.until))
            self._closing = True

    def _silent(self) -> bool:
        """Every window asked for now would be empty, and the transport the
        same at each of its cycles: nothing bound, waiting or sounding, no
        MIDI clock, no end to reach (handed over far ahead only)."""
        return (self.chunk is not None and self.until is None and self.clock_from is None
                and not self.transport.busy() and self.transport.stream.sounding == 0)

    def _keep_silent(self, begin: Fraction, end: Fraction) -> None:
        """[begin, end) is silent: kept as one stretch (joined to the one
        before it), nothing asked."""
        last = self._checkpoints[-1] if self._checkpoints else None
        if last is not None and last.silent_until == begin:
            self._checkpoints[-1] = last._replace(silent_until=end)
        else:
            self._checkpoints.append(Kept(begin, self.transport.checkpoint(), self.clock_start_pending, end))

    def _messages(self, begin: Fraction, end: Fraction) -> list[Message]:
        found = self.transport.messages(begin, end, self.clock.cps)  # the tempo: each track's budget
        if self.clock_from is not None and end > self.clock_from:
            found = sorted(found + self._clock(begin, end), key=sending_order)
        return found

    def _chunk_end(self, begin: Fraction) -> Fraction:
        """Where the window from `begin` ends, on the grid, or at the next
        quantize boundary if that comes first: `chunk` seconds long after a
        change, then as long as can be asked again in REPLAY seconds at the
        cost the last window took (a change may cut it: `retract`)."""
        seconds = self.chunk
        if self._rate is not None:
            seconds = max(seconds, REPLAY / self._rate if self._rate > 0 else math.inf)
        length = min(seconds * self.clock.cps, self.lookahead * self.clock.cps)
        end = max(Fraction(math.floor((begin + length) * GRID), GRID), begin + Fraction(1, GRID))
        if self.quantum > 0:
            end = min(end, (math.floor(begin / self.quantum) + 1) * self.quantum)
        if self._watch is not None:
            end = min(end, self._watch.end)
        return end

    # -- a steady stretch (engine/steady.py) -------------------------------------------------------

    def _watching(self, begin: Fraction, end: Fraction, now: float) -> Fraction:
        """A period to watch from `begin` when none is, and where to ask up
        to: a watched period that ends within EARLY seconds is asked for at
        once (moved on by a window when it did not repeat), so the stretch
        begins the sooner, in fewer asks."""
        if self._watch is None:
            self._watch = self._may_watch(begin)
        watch = self._watch
        if watch is not None and self.clock.time_of(watch.end) - now <= EARLY:
            return max(end, watch.end)
        return end

    def _may_watch(self, begin: Fraction) -> Watch | None:
        """A period to watch from `begin`, when a stretch may begin here."""
        if (self.chunk is None or self.hand_steady is None or self.clock_from is not None or self._closing
                or not self.steady_ok()):
            return None
        period = self.transport.period()
        if period is None or self.until is not None and begin + 2 * period > self.until:
            return None  # nothing repeats, or the run ends before a period could be played again
        return Watch(begin, period)

    def _watched(self, kept: Kept, found: list[Message], end: Fraction) -> bool:
        """One more window of the watched period; at its end, whether it
        repeats (then it is handed over: True). When it does not (yet: a CC
        sent for the first time, a note held from before), the watch moves
        on by its first window, and is checked again a window later."""
        watch = self._watch
        if not kept.clean or None in kept.heard.values():
            self._watch = None  # a track failed, or was muted halfway: what it gave is not what repeats
            return False
        watch.add(kept, end, found)
        if end < watch.end:
            return False
        if not self.transport.checkpoint().repeats(watch.windows[0][0].checkpoint, watch.period):
            watch.slide()
            if not watch.windows or self.transport.period() != watch.period or not self.steady_ok():
                self._watch = None
            return False
        self._watch = None
        if not self.steady_ok():
            return False
        own = tuple((kept._replace(checkpoint=kept.checkpoint.later_by(0)), end) for kept, end in watch.windows)
        self.steady = Steady(watch.begin, watch.period, own)  # copies: a cut restores (uses up) the windows' own
        self.hand_steady(watch.messages(), watch.begin, watch.period, self.until)
        return True

    def _leave(self, steady: Steady, earliest: Fraction) -> Fraction | None:
        """The change lands at the first point of the grid from `earliest`
        (else at the next window's beginning) that the sending process can
        still take back: the transport is put in that cycle's state (a
        watched window's, moved on, asked again up to it). None, with the
        stretch playing on, when none could be taken back."""
        cut = max(Fraction(math.ceil(earliest * GRID), GRID), steady.start)
        before = self.transport.checkpoint()
        for _ in range(LEAVE_TRIES):
            kept, end, later = steady.window_at(cut)
            if self._state_at(kept, later, cut):
                if self.take_back(cut):
                    self._back_to(cut)
                    return cut
                self.transport.restore(before.later_by(0))  # a copy: `before` is kept for the next try
            cut = end + later  # too late for this one: the next window
        self.transport.restore(before)
        self.steady = steady
        return None

    def _state_at(self, kept: Kept, later: int, cut: Fraction) -> bool:
        """The transport as it is at `cut`: the watched window `kept` begins,
        `later` cycles on, asked again up to `cut` (False, as it was, when a
        track fails there)."""
        before = self.transport.checkpoint()
        self.transport.restore(kept.checkpoint.later_by(later))
        begin = kept.cycle + later
        if begin == cut or self.transport.replay(begin, cut, kept.heard or {}):
            return True
        self.transport.restore(before)
        return False

    def _leave_at_end(self) -> None:
        """A bounded run: the sending process stops replaying at its end by
        itself; the transport goes to that cycle, to end what sounds there."""
        steady, self.steady = self.steady, None
        self._replays_to_end = True
        kept, _, later = steady.window_at(self.until)
        if not self._state_at(kept, later, self.until):  # a track failed asked again: its notes end all the same
            self.transport.restore(kept.checkpoint.later_by(later))
        self._checkpoints = []  # a change this close to the end lands after it
        self.horizon = self.until

    def retract(self, earliest: Fraction) -> Fraction | None:
        """Take back what was handed over from `earliest` on (on the grid;
        the next window if the sending process has sent some of it already)
        and put the transport back as it was there: the next ask plays on
        from that cycle, which is given (None: nothing to take back). A cut
        inside a window finds the state there by asking the window's
        beginning again (`Transport.replay`). No window kept before stays
        kept: a change comes after it, so going back there would lose the
        change."""
        with self.lock:
            steady, self.steady, self._watch = self.steady, None, None
            found = None
            cut = Fraction(math.ceil(earliest * GRID), GRID)
            if steady is not None and cut >= steady.start:
                found = self._leave(steady, cut)
                self._checkpoints = [] if found is not None else self._checkpoints
                self._rate = None
                return found
            for here, until in self.windows():
                cycle = here.cycle
                if here.silent_until is not None and cycle < earliest:  # silent: any cycle of it will do,
                    cycle = cut  # or past it when nothing was asked since
                    if cycle >= here.silent_until and here is not self._checkpoints[-1]:
                        continue
                elif cycle < earliest:  # the cut falls inside this window, or it has begun already
                    if cut < until and self._cut_inside(here, cut):
                        found = cut
                        break
                    continue
                if self.take_back(cycle):
                    self.transport.restore(here.checkpoint)
                    self.clock_start_pending = here.clock_start_pending
                    self._back_to(cycle)
                    found = cycle
                    break
            if found is None and steady is not None:  # the stretch still plays: it is left where it begins, or later
                found = self._leave(steady, steady.start)
                if found is None:
                    self._rate = None
                    return None
            self._checkpoints = []
            self._rate = None  # what plays next is not known yet: its first window short
            return found

    def windows(self) -> list[tuple[Kept, Fraction]]:
        """Each window kept to go back to, with where it ends: where the next
        begins, the last where the asks reached."""
        kept = self._checkpoints
        return list(zip(kept, [k.cycle for k in kept[1:]] + [self.horizon]))

    def _cut_inside(self, kept: Kept, cut: Fraction) -> bool:
        """Take back from `cut`, inside the window `kept` begins: the
        transport goes back there and asks [kept.cycle, cut) again (what
        that gives was handed over already); False, and the transport as it
        was, when that window had a failure or the sending process too late."""
        if not kept.clean:
            return False
        now = self.transport.checkpoint()
        self.transport.restore(kept.checkpoint)
        if self.transport.replay(kept.cycle, cut, kept.heard or {}) and self.take_back(cut):
            started = self.clock_from is not None and self.clock_from < cut  # MIDI clock's start went in the window
            self.clock_start_pending = kept.clock_start_pending and not started
            self._back_to(cut)
            return True
        self.transport.restore(now)
        return False

    def _back_to(self, cycle: Fraction) -> None:
        """What was asked for from `cycle` on is forgotten: the next ask begins there."""
        self._closing = False
        self.horizon = cycle
        self.queue = deque(m for m in self.queue if m.time < cycle)

    def forget_windows(self) -> None:
        """What was handed over was dropped (hush): nothing to go back to."""
        with self.lock:
            self._checkpoints = []
            self._watch = self.steady = None

    def _next_ask(self) -> float:
        """When less than the margin (half the lookahead unless set) is left of what was asked for."""
        margin = self.lookahead / 2 if self.margin is None else self.margin
        return self.clock.time_of(self.horizon) - margin

    def _clock(self, begin: Fraction, end: Fraction) -> list[Message]:
        """MIDI clock out for [begin, end): ticks, and first how to start."""
        start = max(begin, self.clock_from)
        found = midi_clock.ticks(start, end, self.beats_per_cycle)
        if self.clock_start_pending and self.clock_from < end:
            found = midi_clock.start_at(self.clock_from, self.beats_per_cycle) + found
            self.clock_start_pending = False
        return found

    def send_due(self, now: float) -> None:
        queue, time_of = self.queue, self.clock.time_of
        now += self.ahead
        if queue and time_of(queue[-1].time) <= now:  # all of it (handed over far ahead: as soon as asked)
            due = list(queue)
            queue.clear()
        else:
            due = []
            while queue and time_of(queue[0].time) <= now:
                due.append(queue.popleft())
        if due:
            self.send(due)
            self.sent += len(due)
            if (self.on_sent is not None or self.on_sent_times is not None) and not self.ahead:
                sent = self.clock.now()
                for message in due:
                    if self.on_sent is not None:
                        self.on_sent(message, time_of(message.time), sent)
                    if self.on_sent_times is not None:
                        self.on_sent_times(time_of(message.time), sent, message.kind)
        if (self._closing and not queue and self.playing and not self.in_flight()
                and (not self._replays_to_end or time_of(self.until) <= now - self.ahead)):
            self.playing = False
            if self.on_finished is not None:
                self.on_finished()

    def next_due(self, now: float) -> tuple[float, bool]:
        """When there is next something to do, and whether it is a message
        (else the next ask)."""
        if not self.playing:
            refill = math.inf
        elif self._closing:
            refill = now + REFILL
        elif self.steady is not None:  # the sending process plays it: nothing to ask before the run's end
            refill = now + IDLE if self.until is None else max(now, self.clock.time_of(self.until) - self.lookahead)
        elif not self.queue and not self.transport.busy() and self.clock_from is None:
            refill = now + IDLE
        else:  # when `fill` will ask next
            refill = max(now, self._next_ask())
        if self.queue:
            due = self.clock.time_of(self.queue[0].time) - self.ahead
            if due <= max(refill, now + BUSY):  # no asking just before a message: it goes first
                return due, True
        return refill, False

    def step(self) -> tuple[float, bool]:
        """Send what is due, then ask ahead; (when to look again, is it a message)."""
        with self.lock:
            now = self.clock.now()
            self.send_due(now)
            self.fill(self.clock.now())
            self.send_due(self.clock.now())
            return self.next_due(self.clock.now())

    # -- the thread ---------------------------------------------------------------------------

    def start_thread(self) -> None:
        if self._thread is not None:
            return
        self._alive = True
        self._thread = threading.Thread(target=self._run, name="trackjammer-clock", daemon=True)
        self._thread.start()

    def stop_thread(self) -> None:
        self._alive = False
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def report_failure(self, error: Exception) -> None:
        print(f"internal error in the clock ({type(error).__name__}: {error}); the music goes on", file=sys.stderr)

    def _run(self) -> None:
        now = self.clock.now
        while self._alive:
            try:
                due, message = self.step()
            except Exception as error:  # noqa: BLE001 - a bug of ours must not stop the clock
                self.report_failure(error)
                due, message = self.clock.now() + REFILL, False
            message = message and not self.ahead  # handing over early needs no precision
            margin = SPIN if message else 0.0  # only a message is worth spinning for
            wait = due - now()
            if wait > margin:
                self._wake.wait(min(wait - margin, 1.0) if math.isfinite(wait) else 1.0)
                self._wake.clear()
            while message and self._alive and now() < due and not self._wake.is_set():
                pass  # spin the last fraction of a millisecond
