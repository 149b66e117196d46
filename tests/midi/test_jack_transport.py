"""MIDI over a real JACK server: python-rtmidi sender -> receiver process."""

from __future__ import annotations

import time
import uuid

import pytest
import rtmidi

from tests.support.jack_receiver import JackReceiver
from tests.support.jack_source import JackSource
from tests.support.xruns import retry_on_xrun

NOTE_ON_60 = bytes([0x90, 60, 100])  # note_on, channel 1, note 60, velocity 100
CC_74_64 = bytes([0xB0, 74, 64])  # control change, channel 1, controller 74, value 64
NOTE_OFF_60 = bytes([0x80, 60, 0])  # note_off, channel 1, note 60


def test_rtmidi_has_the_jack_api() -> None:
    assert rtmidi.API_UNIX_JACK in rtmidi.get_compiled_api()


@pytest.mark.jack
def test_messages_arrive_exactly_and_in_order(jack_server: str) -> None:
    """Exactly, with no excuse; an attempt during which the server logged an
    xrun may be tried again: around one, the dummy server hands a reader the
    stale buffer of a writer that did not run (one message heard in place of
    the next ones: seen in a clean-clone CI run with 12,101 xruns)."""
    retry_on_xrun(lambda: _exactly_and_in_order(jack_server))


def _exactly_and_in_order(jack_server: str) -> None:
    sent = [NOTE_ON_60, CC_74_64, NOTE_OFF_60]
    with JackReceiver(server=jack_server) as rx:
        assert rx.port.endswith(":in")
        out = JackSource(f"tj-sender-{uuid.uuid4().hex[:8]}", port="out", target=rx.port)
        try:
            connected = rx.wait_connected()
            assert any(name.endswith(":out") for name in connected), connected
            before_send = time.monotonic_ns()
            out.play(sent, 0)
            rx.wait_for(len(sent))
            time.sleep(0.1)  # anything extra would arrive now
        finally:
            out.close()
    received = rx.messages

    assert [m.data for m in received] == sent
    times = [m.time_ns for m in received]
    assert times == sorted(times)
    # CLOCK_MONOTONIC is system-wide: the receiver's stamps follow our send.
    assert before_send <= times[0] < before_send + 2_000_000_000


@pytest.mark.jack
def test_receiver_records_nothing_without_a_sender(jack_server: str) -> None:
    with JackReceiver(server=jack_server) as rx:
        time.sleep(0.05)
        assert rx.connections() == []
    assert rx.messages == []
