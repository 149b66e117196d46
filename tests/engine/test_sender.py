"""The sending process, through its protocol: what it sends, in which order,
at which cycle, what it drops and how it ends notes.

The port is the one `open_output` gives with the ALSA backend: on these
machines (no /dev/snd/seq) a NullOutput in the sending process, which sends
nothing but tracks notes like any port, so the reports are exact; a real
port over JACK is tested in test_live_jack.py.
"""

from __future__ import annotations

import math
import os
import signal
import threading
import time
from fractions import Fraction as F
from pathlib import Path

import pytest

from tests.support.helper_processes import assert_apart_from_the_terminal
from trackjammer.engine import journal
from trackjammer.engine.sender import Sender
from trackjammer.engine.sent_file import CHUNK
from trackjammer.midi.messages import CONTROL, NOTE_OFF, NOTE_ON, SYSTEM, Message


class Reports:
    """What the sender's reader thread hands over, kept for the test."""

    def __init__(self, sender: Sender):
        self.sent: list[tuple[Message, float, float]] = []
        self.now: list[bytes] = []
        self.said: list[str] = []
        self.arrived = threading.Condition()
        sender.on_sent = self._sent
        sender.on_sent_again = lambda message, seq, due, sent: self._sent(sender.played_again(seq, due), due, sent)
        sender.on_sent_now = lambda data, sent: self.now.append(bytes(data))
        sender.report = self.said.append

    def _sent(self, message: Message, due: float, sent: float) -> None:
        with self.arrived:
            self.sent.append((message, due, sent))
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.sent) >= count, timeout), self.sent


@pytest.fixture
def sender():
    sender = Sender.launch()
    yield sender
    sender.close()


def note(cycle, kind=NOTE_ON, pitch=60, channel=0) -> Message:
    velocity = 100 if kind == NOTE_ON else 0
    return Message(F(cycle), kind, 0, channel, pitch, velocity)


def test_messages_go_out_in_order_each_at_the_wall_time_of_its_cycle(sender):
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    wall = time.monotonic() + 0.05
    sender.anchor(wall, 0.0, 2.0)  # cycle 0 in 50 ms, 2 cycles a second
    messages = [note("1/20"), Message(F(1, 20), CONTROL, 0, 0, 74, 64), note("1/10", NOTE_OFF), note("1/10", pitch=64)]
    sender.schedule([(output, m) for m in messages])
    reports.wait_for(4)
    assert [m for m, _, _ in reports.sent] == messages
    assert [due for _, due, _ in reports.sent] == [wall + 0.025, wall + 0.025, wall + 0.05, wall + 0.05]
    assert all(sent >= due for _, due, sent in reports.sent)
    assert output.held_notes == {(0, 64)}  # the mirror of what the process holds
    assert not sender.busy()


def test_cancel_drops_what_waits_and_release_ends_what_sounds(sender):
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    sender.anchor(time.monotonic(), 0.0, 1.0)
    output.send((0x91, 50, 90))  # at once
    sender.schedule([(output, note(1000)), (output, note(1000, NOTE_OFF))])
    assert sender.busy()
    sender.cancel()
    output.release()
    sender.sync()
    assert not sender.busy() and reports.sent == []
    assert reports.now == [bytes((0x91, 50, 90)), bytes((0x81, 50, 0))]
    assert output.held_notes == frozenset() and output.channels_used == {1}


def test_cancel_of_midi_clock_only_keeps_the_notes(sender):
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    sender.anchor(time.monotonic() + 0.1, 0.0, 1.0)
    tick = Message(F(1, 100), SYSTEM, 0, 0, 0xF8, 0)
    sender.schedule([(output, tick), (output, note("1/100"))])
    sender.cancel(system_only=True)
    reports.wait_for(1)
    sender.sync()
    assert [m for m, _, _ in reports.sent] == [note("1/100")]


def test_retract_drops_what_waits_from_a_cycle_on_also_on_the_ahead_pipe_and_the_rest_plays(sender):
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    sender.anchor(time.monotonic(), 0.0, 4.0)  # 4 cycles a second: cycle 1 in 250 ms
    handed = [note(1), note("3/2", NOTE_OFF), note("3/2", pitch=62), note(2, NOTE_OFF, pitch=62), note(2, pitch=64),
              note("5/2", NOTE_OFF, pitch=64)]
    sender.schedule([(output, m) for m in handed[:3]])  # leaves after SOON: on the ahead pipe, as a far window
    sender.schedule([(output, m) for m in handed[3:]])
    assert sender.retract(F(2))
    assert [item[1] for item in sender.in_flight.values()] == handed[:3]
    reports.wait_for(3)
    time.sleep(0.5)  # past cycle 2.5
    sender.sync()
    assert [m for m, _, _ in reports.sent] == handed[:3]
    assert output.held_notes == {(0, 62)}  # its note-off was taken back: the engine's next window sends one


def test_retract_drops_nothing_once_some_of_it_may_have_left(sender):
    """Cycle 2 has not come, but its message leaves 300 ms early (an
    output's latency) and has left: too late to take back from there (the
    engine then tries its next window); from cycle 3 it is not."""
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    sender.anchor(time.monotonic() - 1.9, 0.0, 1.0)  # cycle 1.9 now
    sender.schedule([(output, note(2), 0.3), (output, note(3, NOTE_OFF), 0.3)])
    assert not sender.retract(F(2))  # cycle 2's message left at 1.7
    assert sender.retract(F(3))  # cycle 3's leaves at 2.7
    assert note(3, NOTE_OFF) not in [item[1] for item in sender.in_flight.values()]
    reports.wait_for(1)
    sender.sync()
    assert [m for m, _, _ in reports.sent] == [note(2)]


def test_a_new_anchor_moves_what_was_handed_over(sender):
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    sender.anchor(time.monotonic(), 0.0, 0.0)  # time stands still: nothing is ever due
    sender.schedule([(output, note("1/10"))])
    time.sleep(0.2)
    sender.sync()
    assert reports.sent == []
    wall = time.monotonic() + 0.02
    sender.anchor(wall, 0.0, 1.0)  # from now on, one cycle a second
    reports.wait_for(1)
    assert reports.sent[0][1] == wall + 0.1


def _wake_ups(pid: int) -> int:
    """How often the process's main thread went to sleep (each one a wake-up)."""
    status = Path(f"/proc/{pid}/task/{pid}/status").read_text()
    return int(status.split("\nvoluntary_ctxt_switches:")[1].split()[0])


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="counts wake-ups in /proc (Linux)")
def test_windows_handed_over_ahead_are_read_after_a_burst_without_a_wake_up_of_their_own(sender):
    """As the engine hands them over (150 ms ahead, every 100 ms): a burst
    every 20 ms, so the process never waits on the ahead pipe; each window
    is read right after a burst and sent at its time. Reading each on a
    wake-up of its own cost ten more a second (~0.3 ms of CPU each)."""
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    wall = time.monotonic() + 0.15
    sender.anchor(wall, 0.0, 1.0)  # a cycle a second: a 20 ms step is 1/50
    windows = [[note(F(step, 50), pitch=40 + step % 40) for step in range(first, first + 5)] for first in range(0, 60, 5)]
    sender.schedule([(output, m) for m in windows[0]])
    time.sleep(max(0.0, wall - 0.05 - time.monotonic()))
    before, handed = _wake_ups(sender.process.pid), 1
    for number, window in enumerate(windows[1:], start=1):  # window n, 100 ms long, handed over 150 ms ahead
        time.sleep(max(0.0, wall + number * 0.1 - 0.15 - time.monotonic()))
        sender.schedule([(output, m) for m in window])
        handed += 1
    reports.wait_for(60)
    woke = _wake_ups(sender.process.pid) - before
    assert [m for m, _, _ in reports.sent] == [m for window in windows for m in window]
    assert all(sent >= due for _, due, sent in reports.sent)
    bursts = 60 - 2  # the two before `before`
    assert woke <= bursts + 3, (woke, handed)  # with a wake-up per window: bursts + 11


def test_the_process_shares_the_flag_of_what_was_handed_over_ahead_and_clears_it_as_it_reads(sender):
    """engine/pipe.py's FlaggedEnd: the engine sets the byte with each
    window on the ahead pipe, and the process clears it when it reads the
    pipe: on waking for it, or after a burst. The process may read a window
    before the engine set the byte (it runs first, at a real-time priority):
    the byte then stays set, and the next burst looks at the pipe for
    nothing, and clears it."""
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    flag = sender._ahead.flag
    assert flag is not None and flag[0] == 0
    wall = time.monotonic()
    sender.anchor(wall, 0.0, 1.0)
    at = lambda seconds: note(F(round((time.monotonic() - wall + seconds) * 1000), 1000), pitch=60 + len(reports.sent))
    first = at(0.2)
    sender.schedule([(output, first)])  # 200 ms ahead: on the ahead pipe
    reports.wait_for(1)
    assert flag[0] == 0
    flag[0] = 1  # as when the process read a window before the engine set the byte
    second = at(0.02)
    sender.schedule([(output, second)])  # 20 ms ahead: on the command pipe
    reports.wait_for(2)
    assert [m for m, _, _ in reports.sent] == [first, second] and flag[0] == 0  # looked at after its burst


def test_while_messages_flow_what_was_sent_is_reported_once_a_second_and_at_once_when_nothing_waits(sender):
    """Each report wakes both processes (engine/sender_process.py
    REPORT_EVERY); nothing waits for one while the music plays, so a
    message every 20 ms for 1.5 s is reported in three reports, not eight;
    the last burst, with nothing left waiting, is reported at once."""
    reports = Reports(sender)
    came: list[tuple[float, int]] = []
    take = sender._take
    sender._take = lambda report: (came.append((time.monotonic(), len(report[1]))) if report[0] == "sent" else None,
                                   take(report))
    output, _ = sender.open_output(None, "alsa")
    wall = time.monotonic() + 0.1
    sender.anchor(wall, 0.0, 1.0)
    sender.schedule([(output, note(F(step, 50), pitch=40 + step)) for step in range(76)])  # 0 .. 1.5 s
    reports.wait_for(76)
    counts = [count for _, count in came]  # the first burst's at once (nothing reported yet), then a second's
    assert len(counts) == 3 and counts[0] == 1 and 48 <= counts[1] <= 52 and sum(counts) == 76, came
    assert came[-1][0] - (wall + 1.5) < 0.1  # the last: as soon as nothing waited


def test_a_window_that_leaves_soon_goes_on_the_command_pipe_and_is_not_held_behind_a_burst(sender):
    """The ahead pipe is read after the next burst: a window leaving sooner
    than that (a busy engine handed it late) would be late; it goes on the
    command pipe, which the process waits on."""
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    wall = time.monotonic()
    sender.anchor(wall, 0.0, 1.0)
    start = time.monotonic() - wall
    later = note(F(round((start + 0.024) * 1000), 1000), pitch=70)  # within LAZY: the ahead pipe is not waited on
    sooner = note(F(round((start + 0.008) * 1000), 1000), pitch=60)
    sender.schedule([(output, later)])
    sender.schedule([(output, sooner)])  # on the ahead pipe it would wait for `later`'s burst
    reports.wait_for(2)
    assert [m for m, _, _ in reports.sent] == [sooner, later]
    (_, due, sent), _ = reports.sent
    assert sent - due < 0.008  # not held ~16 ms, until `later`'s burst


def test_a_cancel_drops_the_windows_waiting_on_the_ahead_pipe_and_keeps_those_handed_over_after_it():
    """In the process itself: a cancel reads the ahead pipe first; a window
    the engine handed over after it (seq above the cancel's) is kept, even
    when it is already in the pipe."""
    from trackjammer.engine.pipe import FlaggedEnd, PipeEnd
    from trackjammer.engine.sender_process import Server

    commands, tell, hear, reports = (PipeEnd(fd) for pair in (os.pipe(), os.pipe()) for fd in pair)
    ahead, into = os.pipe()
    hand = PipeEnd(into)
    server = Server(commands, reports, FlaggedEnd(ahead, -1))
    item = lambda seq, cycle: (seq, 0, cycle, bytes((0x90, 60 + seq, 100)), False, cycle, 1, 0, 0.0)
    hand.send(("at", [item(0, 10), item(1, 11)]))  # before the cancel
    hand.send(("at", [item(2, 12)]))  # after it (the cancel said: up to seq 1)
    server.do_cancel(False, 1)
    assert hear.recv() == ("cancelled", [0, 1])
    assert [entry[1] for entry in server.waiting] == [2]
    hand.send(("at", [item(3, 13), item(4, 14)]))
    server.do_cancel(False)  # with no seq given, all of it
    assert hear.recv() == ("cancelled", [2, 3, 4])
    assert server.waiting == []


def test_close_ends_the_held_notes_then_all_notes_off_and_the_process(sender):
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    output.send((0x90, 60, 100))
    output.send((0x92, 40, 100))
    output.close()
    assert reports.now == [bytes(b) for b in ((0x90, 60, 100), (0x92, 40, 100), (0x80, 60, 0), (0x82, 40, 0),
                                              (0xB0, 123, 0), (0xB2, 123, 0))]
    sender.close()
    assert sender.process.returncode == 0 and reports.said == []


def test_a_sending_process_that_dies_is_started_again_with_its_ports_and_the_music_goes_on(sender):
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    wall = time.monotonic()
    sender.anchor(wall, 0.0, 1.0)
    output.send((0x90, 60, 100))
    later = F(round((time.monotonic() - wall + 0.6) * 1000), 1000)
    sender.schedule([(output, note(later))])  # handed to the one about to die, due after it died
    sender.sync()
    first = sender.process
    first.send_signal(signal.SIGKILL)
    first.wait()
    deadline = time.monotonic() + 5
    while not reports.said and time.monotonic() < deadline:
        time.sleep(0.01)
    assert reports.said == ["error: the MIDI sending process ended (exit code -9): started again; what it left "
                            "sounding is ended"]
    assert sender.process is not first and sender.process.poll() is None
    sender.sync()
    # what the dead one left sounding ends in the new one: the held note, then CC 123
    assert reports.now[-2:] == [bytes((0x80, 60, 0)), bytes((0xB0, 123, 0))]
    assert output.held_notes == frozenset()
    reports.wait_for(1)  # what the dead one was handed and could not send, the new one sends at its time
    (message, due, sent), = reports.sent
    assert (message, due) == (note(later), wall + float(later)) and sent >= due
    cycle = F(round((time.monotonic() - wall + 0.05) * 1000), 1000)
    sender.schedule([(output, note(cycle))])  # at the right time only if the anchor was told again
    reports.wait_for(2)
    (message, due, sent) = reports.sent[1]
    assert (message, due) == (note(cycle), wall + float(cycle)) and sent >= due


def test_a_sending_process_that_stops_reading_is_ended_and_started_again_and_never_hangs_the_engine(
        sender, monkeypatch):
    """A process that no longer reads its pipes (stopped here; seen: busy
    with a dead JACK server) must not hold the engine's threads (the clock
    thread hands windows over holding the scheduler's lock): a write that
    finds the pipe full for ANSWER_TIMEOUT gives up, and the process is
    ended and started again, as one that does not answer."""
    from trackjammer.engine import sender as sender_module

    monkeypatch.setattr(sender_module, "ANSWER_TIMEOUT", 0.5)
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    sender.anchor(time.monotonic(), 0.0, 1.0)
    stopped = sender.process
    stopped.send_signal(signal.SIGSTOP)
    window = [(output, note(F(1000 + i, 10))) for i in range(400)]  # far ahead: ~20 KB a window
    began = time.monotonic()
    while sender.process is stopped and time.monotonic() - began < 10:
        sender.schedule(window)  # fills the pipe (64 KiB), then waits at most ANSWER_TIMEOUT
    assert time.monotonic() - began < 5
    assert stopped.wait(timeout=5) == -signal.SIGKILL
    deadline = time.monotonic() + 5
    while len(reports.said) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert reports.said == [
        "error: the MIDI sending process did not answer (at) for 0.5 s: stopping it",
        "error: the MIDI sending process ended (exit code -9): started again; what it left sounding is ended"]
    cycle = F(round((time.monotonic() - began + 0.05) * 1000), 1000)
    sender.anchor(began, 0.0, 1.0)
    sender.schedule([(output, note(cycle))])
    reports.wait_for(1)  # the one started in its place plays
    assert reports.sent[-1][0] == note(cycle)


def test_a_sending_process_that_keeps_dying_is_given_up_on_and_said_once(sender, monkeypatch):
    from trackjammer.engine import sender as sender_module

    monkeypatch.setattr(sender_module, "RESTARTS", 0)
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    sender.process.send_signal(signal.SIGKILL)
    sender.process.wait()
    deadline = time.monotonic() + 5
    while not reports.said and time.monotonic() < deadline:
        time.sleep(0.01)
    assert reports.said == ["error: the MIDI sending process ended (exit code -9): nothing more will sound; "
                            "restart TrackJammer"]
    output.send((0x90, 60, 100))  # nothing to send to: no exception in the engine's threads
    sender.cancel()
    sender.sync()
    output.close()


def test_without_a_sending_process_the_engine_sends_from_its_own_clock_thread(monkeypatch):
    from trackjammer.engine import live, sender as sender_module
    from trackjammer.session import Session

    def refuse() -> Sender:
        raise sender_module.SenderError("cannot start the MIDI sending process: no processes here")

    monkeypatch.setattr(sender_module.Sender, "launch", staticmethod(refuse))
    said: list[str] = []
    engine, notice = live.open_live(Session(), None, "alsa", report=said.append)
    try:
        assert engine.sender is None and not engine.output.timed and engine.scheduler.ahead == 0
        assert said == ["warning: cannot start the MIDI sending process: no processes here; "
                        "sending from this process instead"]
        assert notice.startswith("no MIDI output (alsa: ")
    finally:
        engine.close()


def test_the_process_journals_what_it_sends_and_on_its_way_out_what_it_ended(sender, tmp_path):
    """The take's messages, written by the process that sent them
    (engine/journal.py: `m CYCLE TRACK HEX PORT`): lines wait until the
    take's file is known; when the main process goes, the note-offs and
    CC 123 it sends on its way out are written too."""
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    wall = time.monotonic() + 0.05
    sender.anchor(wall, 0.0, 2.0)
    sender.take_begins(7)
    clock = Message(F(1, 3), SYSTEM, 0, 0, 0xF8, 0)
    sender.schedule([(output, note("1/20")), (output, note("1/3", pitch=64)), (output, clock)])
    reports.wait_for(1)
    path = tmp_path / "recording.sent"
    sender.take_file(7, path)  # its folder was made after the first message: that line waited
    reports.wait_for(3)
    sender.sync()
    written = ["m 1/20 0 903c64 0", "m 1/3 0 904064 0"]  # MIDI clock is not recorded
    assert list(journal.complete_lines(path)) == written
    assert path.read_bytes() == "".join(line + "\n" for line in written).encode().ljust(CHUNK, b"\0")  # space reserved
    sender.closing = True  # the main process "dies": its command pipe ends
    sender._commands.close()
    assert sender.process.wait(5) == 0
    lines = path.read_text().splitlines()  # closed: cut to what was written
    assert lines[:2] == written
    ended = [line.split(" ") for line in lines[2:]]
    assert [(m, track, data, port) for m, _, track, data, port in ended] == [
        ("m", "-", "803c00", "0"), ("m", "-", "804000", "0"), ("m", "-", "b07b00", "0")]
    now = F(ended[0][1])
    assert now.denominator <= 1_000_000 and F(1, 3) < now < 2  # the cycle the clock had then, to a millionth


def test_what_was_asked_before_the_sender_took_the_process_over_is_answered_to_it():
    """The REPL starts the process and asks for its port before the engine
    loads (engine/spawn.py); Sender.adopt waits for that answer as for its
    own, and asks anew what was not asked before."""
    from trackjammer.engine.spawn import start_sender
    from trackjammer.errors import TrackJammerError

    started = start_sender()
    started.ask("open", None, "alsa")
    started.ask("open", None, "no such backend")
    sender = Sender.adopt(started)
    try:
        first, notice = sender.open_output(None, "alsa")
        with pytest.raises(TrackJammerError, match="no such backend"):
            sender.open_output(None, "no such backend")
        second, _ = sender.open_output(None, "alsa")
        assert (first.number, second.number) == (0, 1)  # the first was the one asked early, not opened twice
        assert notice.startswith("no MIDI output (alsa: ")
    finally:
        sender.close()


# -- a steady stretch, played again by the process (engine/steady.py) ---------------------------------

PERIOD = [note(0), Message(F(1, 16), CONTROL, 0, 0, 74, 64), note("1/8", NOTE_OFF)]  # the messages of [0, 1)


def laps(*numbers: int) -> list[Message]:
    return [m._replace(time=m.time + lap) for lap in numbers for m in PERIOD]


def test_a_steady_stretch_plays_again_every_period_each_message_at_its_cycle_up_to_its_end(sender):
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    wall = time.monotonic() + 0.05
    sender.anchor(wall, 0.0, 8.0)  # 8 cycles a second
    sender.replay([(output, m) for m in PERIOD], F(0), 1, F(3, 1) + F(1, 16))  # ends inside its third lap
    reports.wait_for(7)
    time.sleep(0.2)
    sender.sync()
    assert [m for m, _, _ in reports.sent] == laps(1, 2) + [note(3)]  # from the end on, nothing
    assert [due for _, due, _ in reports.sent] == pytest.approx([wall + float(m.time) / 8 for m in laps(1, 2)] +
                                                                [wall + 3 / 8], abs=1e-9)
    assert all(sent >= due for _, due, sent in reports.sent)
    assert not sender.busy()  # played again: never in flight


@pytest.mark.parametrize("end", ["retract", "cancel"])
def test_a_retract_or_cancel_ends_a_steady_stretch(sender, end):
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    wall = time.monotonic()
    sender.anchor(wall, 0.0, 8.0)
    sender.replay([(output, m) for m in PERIOD], F(0), 1, None)
    while time.monotonic() < wall + 2.5 / 8:  # inside its second lap
        time.sleep(0.005)
    if end == "retract":
        assert sender.retract(F(3))  # from cycle 3 on (cancel: all that waits)
    else:
        sender.cancel()
    time.sleep(0.3)  # past cycle 5
    sender.sync()
    assert [m for m, _, _ in reports.sent] == laps(1, 2)  # those before it: nothing after


def test_a_steady_stretch_plays_on_in_a_process_started_in_a_dead_ones_place(sender):
    reports = Reports(sender)
    output, _ = sender.open_output(None, "alsa")
    wall = time.monotonic()
    sender.anchor(wall, 0.0, 4.0)  # a lap a quarter second
    sender.replay([(output, m) for m in PERIOD], F(0), 1, None)
    while time.monotonic() < wall + 1.5 / 4:
        time.sleep(0.005)
    first = sender.process
    first.send_signal(signal.SIGKILL)
    first.wait()
    died = (time.monotonic() - wall) * 4
    while time.monotonic() < wall + (died + 2.5) / 4:
        time.sleep(0.01)
    sender.sync()
    assert sender.process is not first
    played = [m for m, _, _ in reports.sent]
    # on from where it died (what the dead one sent it may not have reported): nothing twice, none
    # lost once the new one plays (it takes over within a lap: the spare is started already)
    assert played == sorted(played, key=lambda m: m.time) and len(set(played)) == len(played)
    assert played[-1].time > died + 2
    again = math.ceil(died) + 1
    assert [m for m in played if m.time >= again] == laps(*range(again, math.floor(played[-1].time) + 1))[
        :len([m for m in played if m.time >= again])]


def test_the_sending_process_stays_in_our_session_in_a_group_of_its_own_deaf_to_the_terminal(sender):
    """helper_process.py: the terminal's Ctrl-C and hangup reach the REPL
    only, and it is scheduled with our session (in one of its own, its JACK
    client's thread and an ordinary JACK server's preempted each other)."""
    assert_apart_from_the_terminal(sender.process.pid)
