"""MIDI inputs over a real JACK server: opened by name or index as outputs
are, every message handed over with its arrival time, and a port that
vanishes said once and opened again by name when it returns."""

from __future__ import annotations

import time
import uuid

import pytest

from trackjammer.errors import TrackJammerError
from trackjammer.midi.rtmidi_out import list_ports, open_input
from tests.support.jack_receiver import jack_connections
from tests.support.xruns import Xruns, retry_on_xrun

pytestmark = pytest.mark.jack


def source(client: str):
    """A JACK program with an output port 'src' (what a DAW's clock out looks like)."""
    import rtmidi

    out = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=client)
    out.open_virtual_port("src")
    return out


def gone(out) -> None:
    out.close_port()
    out.delete()


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
    out = source(client)
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
        sends = []
        for data in ([0xF8], [0xFA], [0x90, 60, 100], [0xF2, 0, 1], [0xFC]):
            sends.append(time.monotonic())
            out.send_message(data)
            time.sleep(0.02)
        wait_until(lambda: len(got) >= 5)
        port.close()
    finally:
        gone(out)
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
    out = source(client)
    said: list[str] = []
    got: list[bytes] = []
    name = named(client)
    port, _ = open_input(name, "jack", report=said.append)
    port.listen(lambda data, stamp: got.append(data))
    port.start()
    try:
        gone(out)
        wait_until(lambda: said, timeout=3)
        time.sleep(2.2)  # two more looks: still gone, not said again
        assert said == [f"warning: the MIDI input '{name}' is gone; it is opened again when it comes back"]
        out = source(client)
        wait_until(lambda: len(said) == 2, timeout=10)
        assert said[1] == f"the MIDI input '{name}' is back"
        connected(name)
        out.send_message([0xF8])
        wait_until(lambda: got)
        time.sleep(0.1)
        assert got == [b"\xf8"] or (set(got) == {b"\xf8"} and xr.count)  # near an xrun JACK may hand it twice
    finally:
        port.close()
        gone(out)


def test_a_missing_input_is_an_error_listing_the_inputs(jack_server):
    with pytest.raises(TrackJammerError) as caught:
        open_input("no such program", "jack")
    assert caught.value.message == "no MIDI input port matches 'no such program'"
    assert caught.value.hint.startswith("the ports (backend jack): ") or caught.value.hint.startswith(
        "there are no MIDI input ports")
