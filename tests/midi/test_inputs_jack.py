"""MIDI inputs over a real JACK server: opened by name or index as outputs
are, every message handed over with its arrival time, and a port that
vanishes said once and opened again by name when it returns. Each input
is read by a listening process (midi/input_process.py): killed, it is
said once and started again; it ends with TrackJammer, and with close().
What plays into the inputs is a JACK program of its own (JackSource, a
DAW's or a keyboard's output port 'src')."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from trackjammer.errors import TrackJammerError
from trackjammer.midi import remote_input
from trackjammer.midi.rtmidi_out import list_ports, open_input
from tests.support.jack_receiver import jack_connections
from tests.support.helper_processes import assert_apart_from_the_terminal
from tests.support.jack_source import JackSource
from tests.support.xruns import Xruns, retry_on_xrun

pytestmark = pytest.mark.jack
REPO = Path(__file__).resolve().parents[2]


def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def connected(port: str) -> None:
    """Wait until something is connected to `port` in JACK's graph: on a
    loaded machine a connection takes effect well after it was asked for,
    and what is sent before is lost."""
    wait_until(lambda: jack_connections(port), timeout=10)
    time.sleep(0.02)  # and a few process cycles more


def named(client: str) -> str:
    return next(port for port in list_ports("jack", direction="in") if port.startswith(client))


def test_an_input_hands_over_each_message_with_its_arrival_time(jack_server):
    retry_on_xrun(_hands_over)


def _hands_over():
    client = f"tj-src-{uuid.uuid4().hex[:6]}"
    out = JackSource(client)
    said: list[str] = []
    got: list[tuple[bytes, float]] = []
    try:
        name = named(client)
        index = list_ports("jack", direction="in").index(name)
        port, notice = open_input(index, "jack", report=said.append)  # by index, as --port counts
        assert (port.name, notice) == (name, None)
        port.listen(lambda data, stamp: got.append((data, stamp)))
        port.start()
        connected(name)
        sends = out.play([[0xF8], [0xFA], [0x90, 60, 100], [0xF2, 0, 1], [0xFC]], 0.02)
        wait_until(lambda: len(got) >= 5)
        port.close()
    finally:
        out.close()
    assert [data for data, _ in got] == [b"\xf8", b"\xfa", b"\x90\x3c\x64", b"\xf2\x00\x01", b"\xfc"]
    for (_, stamp), sent in zip(got, sends):
        assert sent - 0.0005 <= stamp < sent + 0.05  # never before it was sent; JACK delivers it a period later
    gaps = [b[1] - a[1] for a, b in zip(got, got[1:])]
    assert all(0.012 < gap < 0.06 for gap in gaps), gaps  # 20 ms apart, JACK's own times
    assert said == []


def test_a_vanished_input_is_said_once_and_opened_again_when_it_returns(jack_server):
    retry_on_xrun(_vanishes_and_returns)


def _vanishes_and_returns():
    xr = Xruns()
    client = f"tj-src-{uuid.uuid4().hex[:6]}"
    out = JackSource(client)
    said: list[str] = []
    got: list[bytes] = []
    name = named(client)
    port, _ = open_input(name, "jack", report=said.append)
    port.listen(lambda data, stamp: got.append(data))
    port.start()
    try:
        out.close()
        wait_until(lambda: said, timeout=3)
        time.sleep(2.2)  # two more looks: still gone, not said again
        assert said == [f"warning: the MIDI input '{name}' is gone; it is opened again when it comes back"]
        out = JackSource(client)
        wait_until(lambda: len(said) == 2, timeout=10)
        assert said[1] == f"the MIDI input '{name}' is back"
        connected(name)
        out.send([0xF8])
        wait_until(lambda: got)
        time.sleep(0.1)
        assert got == [b"\xf8"] or (set(got) == {b"\xf8"} and xr.count)  # near an xrun JACK may hand it twice
    finally:
        port.close()
        out.close()


def test_a_missing_input_is_an_error_listing_the_inputs(jack_server):
    with pytest.raises(TrackJammerError) as caught:
        open_input("no such program", "jack")
    assert caught.value.message == "no MIDI input port matches 'no such program'"
    assert caught.value.hint.startswith("the ports (backend jack): ") or caught.value.hint.startswith(
        "there are no MIDI input ports")


def test_trackjammers_own_output_is_refused_as_an_input(jack_server):
    """Read back and played through a track it fed itself without end
    (3,026 messages in 4 s from one note a cycle, typed in the REPL)."""
    from tests.support.jack_receiver import JackReceiver
    from trackjammer.midi.rtmidi_out import open_output

    with JackReceiver(server=jack_server) as synth:
        output, _ = open_output(synth.port, "jack")
        try:
            own = next(port for port in list_ports("jack", direction="in") if port.startswith("TrackJammer"))
            for asked in ("TrackJammer", own):
                with pytest.raises(TrackJammerError) as caught:
                    open_input(asked, "jack")
                assert caught.value.message == (
                    f"'{own}' is TrackJammer's own output: read back, every note it sends would come in again"
                    " (and, played through a track, go out again, without end)")
                assert caught.value.hint.startswith("input() alone opens a port 'TrackJammer in' to connect a"
                                                    " controller or a program to; ")
                assert own not in caught.value.hint
        finally:
            output.close()


def test_trackjammers_own_input_is_refused_as_an_output(jack_server):
    """The other way round: sent to its own input, played through a track, the same loop."""
    from trackjammer.midi.rtmidi_out import open_output

    port, _ = open_input(None, "jack")  # a virtual "TrackJammer in"
    _opened.append(port)
    own = next(name for name in list_ports("jack") if name.endswith(":TrackJammer in"))
    with pytest.raises(TrackJammerError) as caught:
        open_output("TrackJammer in", "jack")
    assert caught.value.message == (f"'{own}' is TrackJammer's own input: what is sent there would come in again"
                                    " (and, played through a track, go out again, without end)")
    assert own not in (caught.value.hint or "")


# -- the listening process (midi/input_process.py) -----------------------------------------------


_opened: list = []


@pytest.fixture(autouse=True)
def _inputs_closed():
    """What `opened_on` opened is closed after the test, also when an
    attempt failed: no listening process outlives its test."""
    yield
    while _opened:
        _opened.pop().close()


def opened_on(client: str, said: list[str], got: list[tuple[bytes, float]]):
    name = named(client)
    port, _ = open_input(name, "jack", report=said.append)
    _opened.append(port)
    port.listen(lambda data, stamp: got.append((data, stamp)))
    port.start()
    connected(name)
    return port, name


def listening_again(out: JackSource, got: list[tuple[bytes, float]]) -> None:
    """Send active-sensing-free probes (song select) until one arrives: a
    listening process started again has opened the port."""
    deadline = time.monotonic() + 15
    while not any(data[0] == 0xF3 for data, _ in got):
        assert time.monotonic() < deadline, "the listening process was not started again"
        out.send([0xF3, 1])
        time.sleep(0.05)
    time.sleep(0.1)  # the probes still on their way


def assert_stamped(got: list[tuple[bytes, float]], played: list[list[int]], sends: list[float]) -> None:
    assert [data for data, _ in got] == [bytes(data) for data in played]
    lateness = sorted(stamp - sent for (_, stamp), sent in zip(got, sends))
    assert lateness[0] >= -0.0005, lateness[:3]  # never before it was sent
    assert lateness[-1] < 0.05, lateness[-3:]  # JACK hands it over a period later
    assert lateness[len(lateness) // 2] < 0.003, lateness  # most within two periods


def assert_stamped_but_near_xruns(got: list[tuple[bytes, float]], played: list[list[int]], sends: list[float],
                                  xr: Xruns) -> None:
    """As assert_stamped, but a message the dummy server lost (or handed
    over twice) in an xrun cycle is excused, only when it was sent (or
    came) near an xrun it logged: the rest arrives whole and in order."""
    kept: list[tuple[bytes, float]] = []
    kept_sends: list[float] = []
    at = 0
    for data, stamp in got:
        found = next((j for j in range(at, len(played)) if bytes(played[j]) == data), None)
        if found is None:  # an earlier message again
            assert xr.near(stamp * 1e9), f"{data[:3].hex()} came twice, with no xrun near"
            continue
        lost = [m for m in range(at, found) if not xr.near(sends[m] * 1e9)]
        assert not lost, f"lost with no xrun near: {[bytes(played[m][:3]).hex() for m in lost]}"
        kept.append((data, stamp))
        kept_sends.append(sends[found])
        at = found + 1
    assert all(xr.near(sends[m] * 1e9) for m in range(at, len(played))), "the end was lost with no xrun near"
    assert_stamped(kept, [list(data) for data, _ in kept], kept_sends)


def test_a_burst_arrives_whole_in_order_each_stamped_when_it_was_played(jack_server):
    retry_on_xrun(_burst)


def _burst():
    xr = Xruns()
    client = f"tj-src-{uuid.uuid4().hex[:6]}"
    out = JackSource(client)
    said: list[str] = []
    got: list[tuple[bytes, float]] = []
    try:
        port, name = opened_on(client, said, got)
        sysex = [0xF0, 0x7D] + [k % 128 for k in range(5000)] + [0xF7]  # more than a pipe takes whole
        played = [[0x90 | k % 16, k % 128, 1 + k // 128] for k in range(150)]
        played[75:75] = [sysex]
        sends = out.play(played, 0.002)
        deadline = time.monotonic() + 5
        while len(got) < len(played) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        port.close()
    finally:
        out.close()
    assert_stamped_but_near_xruns(got, played, sends, xr)
    assert said == []


def test_a_killed_listening_process_is_said_once_and_started_again(jack_server):
    retry_on_xrun(lambda: _replaced_listening(signal.SIGKILL, "died (killed by SIGKILL)"))


def test_a_listening_process_that_hangs_is_ended_and_started_again(jack_server, monkeypatch):
    monkeypatch.setattr(remote_input, "HUNG", 2.0)  # it says "alive" every second
    # SIGSTOP: alive, but it reads and says nothing more, as if stuck in a call
    retry_on_xrun(lambda: _replaced_listening(signal.SIGSTOP, "stopped answering", quiet=3.0))


def _replaced_listening(how: signal.Signals, what: str, quiet: float = 1.5):
    client = f"tj-src-{uuid.uuid4().hex[:6]}"
    out = JackSource(client)
    said: list[str] = []
    got: list[tuple[bytes, float]] = []
    try:
        port, name = opened_on(client, said, got)
        out.send([0x90, 60, 1])
        wait_until(lambda: got)
        first = port.pid
        os.kill(first, how)
        wait_until(lambda: said, timeout=10)
        once = [f"warning: the MIDI input '{name}' stopped: its listening process {what}; it is started again"]
        assert said == once
        wait_until(lambda: port.pid != first)
        assert port.restarts == 1
        with pytest.raises(ProcessLookupError):
            os.kill(first, 0)  # waited for: no zombie left
        listening_again(out, got)
        del got[:]
        played = [[0x90, 61 + k, 100] for k in range(20)]
        sends = out.play(played, 0.01)
        wait_until(lambda: len(got) >= len(played))
        time.sleep(quiet)  # looks for the port, words that it is alive: nothing more is said, none started
        assert said == once and port.restarts == 1
        port.close()
    finally:
        out.close()
    assert_stamped(got, played, sends)  # its stamps count from the new process's first message


def test_a_listening_process_started_again_while_its_port_is_gone_waits_for_it(jack_server, monkeypatch):
    # the listener is held stopped while its port goes; on a loaded machine that took
    # longer than HUNG once, and the engine killed it as hung before the test could
    monkeypatch.setattr(remote_input, "HUNG", 60.0)
    retry_on_xrun(_restarted_while_gone)


def _restarted_while_gone():
    client = f"tj-src-{uuid.uuid4().hex[:6]}"
    out = JackSource(client)
    said: list[str] = []
    got: list[tuple[bytes, float]] = []
    try:
        port, name = opened_on(client, said, got)
        first = port.pid
        os.kill(first, signal.SIGSTOP)  # it cannot look for its port any more
        out.close()
        os.kill(first, signal.SIGKILL)
        wait_until(lambda: len(said) == 2)
        assert said == [f"warning: the MIDI input '{name}' stopped: its listening process died (killed by SIGKILL); "
                        "it is started again",
                        f"warning: the MIDI input '{name}' is gone; it is opened again when it comes back"]
        assert port.gone
        out = JackSource(client)
        wait_until(lambda: len(said) == 3, timeout=10)
        assert said[2] == f"the MIDI input '{name}' is back" and not port.gone
        assert port.restarts == 1  # the one started waited for its port: no other
        connected(name)
        played = [[0x90, 60 + k, 100] for k in range(10)]
        sends = out.play(played, 0.01)
        wait_until(lambda: len(got) >= len(played))
        time.sleep(0.1)
        port.close()
    finally:
        out.close()
    assert_stamped(got, played, sends)


def test_a_listening_process_that_keeps_dying_is_started_again_later_and_later(jack_server):
    client = f"tj-src-{uuid.uuid4().hex[:6]}"
    out = JackSource(client)
    said: list[str] = []
    got: list[tuple[bytes, float]] = []
    try:
        port, name = opened_on(client, said, got)
        gaps = []
        for _ in range(4):  # each killed as soon as it is there
            pid = port.pid
            killed = time.monotonic()
            os.kill(pid, signal.SIGKILL)
            wait_until(lambda: port.pid != pid, timeout=10)
            gaps.append(time.monotonic() - killed)
        assert port.restarts == 4
        assert gaps[0] < 0.5, gaps  # the first at once
        for gap, delay in zip(gaps[1:], (0.5, 1.0, 2.0)):  # then later and later
            assert delay <= gap < delay + 3, gaps
        assert said == [f"warning: the MIDI input '{name}' stopped: its listening process died (killed by SIGKILL); "
                        "it is started again"]  # once for the series
        listening_again(out, got)
        port.close()
    finally:
        out.close()


PARENT = """
import os, sys, time
from trackjammer.midi.rtmidi_out import open_input
port, _ = open_input(sys.argv[1], "jack")
port.start()
sleeper = 0
if sys.argv[2] == "fork":  # a child of ours keeps the listening process's pipe open
    sleeper = os.fork()
    if sleeper == 0:
        time.sleep(30)
        os._exit(0)
print(port.pid, sleeper, flush=True)
time.sleep(60)
"""


def ended(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] == "Z"  # a zombie: ended, not yet reaped
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("kept", ["alone", "fork"])
def test_the_listening_process_ends_with_trackjammer_even_killed(jack_server, kept):
    client = f"tj-src-{uuid.uuid4().hex[:6]}"
    out = JackSource(client)
    sleeper = 0
    try:
        name = named(client)
        parent = subprocess.Popen([sys.executable, "-c", PARENT, name, kept], stdout=subprocess.PIPE, text=True,
                                  env={**os.environ, "PYTHONPATH": str(REPO)})
        try:
            listening, sleeper = map(int, parent.stdout.readline().split())
            connected(name)
            assert not ended(listening)
            time.sleep(1.2 if kept == "fork" else 0)  # a look at its parent came and went
            assert not ended(listening)
            parent.kill()
            parent.wait()
            left = time.monotonic()
            wait_until(lambda: ended(listening), timeout=5)
            took = time.monotonic() - left
        finally:
            if parent.poll() is None:
                parent.kill()
                parent.wait()
        # the pipe's end at once; with a fork of it holding the pipe, its next look at its parent (every second)
        assert took < (1.5 if kept == "fork" else 0.5), took
        wait_until(lambda: not jack_connections(name))  # its JACK client went with it
    finally:
        if sleeper:
            os.kill(sleeper, signal.SIGKILL)
        out.close()


def test_close_ends_the_listening_process(jack_server):
    client = f"tj-src-{uuid.uuid4().hex[:6]}"
    out = JackSource(client)
    try:
        name = named(client)
        started, _ = open_input(name, "jack", report=print)
        started.start()
        unstarted, _ = open_input(name, "jack", report=print)  # closed before it was started
        connected(name)
        assert_apart_from_the_terminal(started.process.popen.pid)  # helper_process.py
        for port in (started, unstarted):
            process = port.process.popen
            began = time.monotonic()
            port.close()
            assert time.monotonic() - began < 1.0  # it ended by itself: not waited for, then killed
            assert process.returncode == 0
            assert ended(process.pid)
            assert port.process.reports == port.process.commands == -1  # its pipes closed
        wait_until(lambda: not jack_connections(name))
    finally:
        out.close()


def test_a_virtual_input_made_anew_is_connected_again_to_what_played_into_it(jack_server):
    retry_on_xrun(_virtual_made_anew)


def _virtual_made_anew():
    said: list[str] = []
    got: list[tuple[bytes, float]] = []
    before = {port for port in list_ports("jack") if port.endswith(":TrackJammer in")}
    port, notice = open_input(None, "jack", report=said.append)  # no port named: "TrackJammer in"
    client = f"tj-src-{uuid.uuid4().hex[:6]}"
    out = None
    try:
        assert notice == ("MIDI input: virtual port 'TrackJammer in' (jack); "
                          "connect what plays in (a controller, a program, a clock) to it")
        (ours,) = {p for p in list_ports("jack") if p.endswith(":TrackJammer in")} - before
        port.listen(lambda data, stamp: got.append((data, stamp)))
        port.start()
        out = JackSource(client, target=ours)  # the performer connects it
        connected(ours)
        listening_again(out, got)
        time.sleep(1.2)  # a look at what our port is connected to: once a second
        first = port.pid
        os.kill(first, signal.SIGKILL)
        killed = time.monotonic()
        stopped = ("warning: the MIDI input 'TrackJammer in' stopped: its listening process died (killed by SIGKILL); "
                   "it is started again")
        wait_until(lambda: said)
        assert said == [stopped]
        wait_until(lambda: port.pid != first)
        wait_until(lambda: jack_connections(f"{client}:src"), timeout=10)  # nobody connects it but TrackJammer
        print(f"connected again {(time.monotonic() - killed) * 1000:.0f} ms after the kill")
        (anew,) = jack_connections(f"{client}:src")
        made_anew = f"MIDI port '{anew}' made anew: reconnected to {client}:src"
        wait_until(lambda: len(said) == 2)
        assert said == [stopped, made_anew]
        del got[:]
        listening_again(out, got)  # what is played into it arrives again
        del got[:]
        played = [[0x90, 61 + k, 100] for k in range(10)]
        out.play(played, 0.01)
        wait_until(lambda: len(got) >= len(played))
        time.sleep(1.5)  # more looks: nothing more is said
        assert [data for data, _ in got] == [bytes(data) for data in played]
        assert said == [stopped, made_anew]
    finally:
        port.close()
        if out is not None:
            out.close()
