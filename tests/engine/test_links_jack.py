"""TrackJammer's virtual output over JACK, made anew by a sending process
started in place of one killed, is connected again to what it was
connected to (midi/jack_links.py), and that is said once."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.engine.live import open_live
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.jack_links import links
from trackjammer.session import Session
from tests.support.jack_receiver import JackReceiver, jack_connections
from tests.support.xruns import retry_on_xrun

pytestmark = pytest.mark.jack

STARTED_AGAIN = "error: the MIDI sending process ended (exit code -9): started again; what it left sounding is ended"


def wait_until(test, timeout: float = 10.0, poll: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not test():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(poll)


def note_ons(messages) -> int:
    return sum(1 for m in messages if m.data[0] & 0xF0 == 0x90 and m.data[2] > 0)


def our_output(connected_to: str) -> str:
    """The one JACK port connected to the receiver's port: ours."""
    ports = jack_connections(connected_to)
    assert len(ports) == 1, ports
    return ports[0]


def virtual_outputs() -> set[str]:
    """JACK output ports called 'TrackJammer' (a second TrackJammer's client is 'TrackJammer-01')."""
    import rtmidi

    probe = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name="tj-probe")  # a MidiIn lists the output ports
    try:
        return {port for port in probe.get_ports() if port.endswith(":TrackJammer")}
    finally:
        probe.delete()


def test_a_virtual_output_made_anew_is_connected_again_to_what_it_was_connected_to(jack_server):
    retry_on_xrun(lambda: _made_anew(jack_server))


def _made_anew(jack_server: str) -> None:
    said: list[str] = []
    session = Session(cps=2, out=said.append)
    Interpreter(session).execute("let a = MidiTrack(1); a << [C4 E4 G4 C5]")
    before = virtual_outputs()
    engine, notice = open_live(session, None, "jack", said.append)
    synth = JackReceiver(server=jack_server, client_name="tj-synth").start()
    try:
        assert notice == "MIDI output: virtual port 'TrackJammer' (jack); connect an instrument to it"
        (ours,) = virtual_outputs() - before
        subprocess.run(["jack_connect", ours, synth.port], check=True, timeout=10)  # the performer connects it
        synth.wait_connected()
        engine.start()
        wait_until(lambda: note_ons(synth.messages) >= 4)
        time.sleep(1.2)  # a look at what our port is connected to: once a second
        os.kill(engine.sender.process.pid, signal.SIGKILL)
        killed = time.monotonic()
        wait_until(lambda: STARTED_AGAIN in said)
        wait_until(lambda: jack_connections(synth.port))  # nobody connects it but TrackJammer
        reconnected = time.monotonic() - killed
        made_anew = f"MIDI port '{our_output(synth.port)}' made anew: reconnected to {synth.port}"
        wait_until(lambda: made_anew in said)
        heard = note_ons(synth.messages)
        wait_until(lambda: note_ons(synth.messages) >= heard + 4)  # it sounds again
        time.sleep(1.5)  # more looks: nothing more is said
        assert said == [STARTED_AGAIN, made_anew], said
        print(f"connected again {reconnected * 1000:.0f} ms after the kill")
        assert links()._jack.client is not None
    finally:
        engine.close()
        synth.stop()
    assert links()._jack.client is None  # closed with the last port watched: no JACK client of ours stays
