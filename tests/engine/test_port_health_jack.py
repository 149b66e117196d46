"""A port that vanishes (its JACK client quits) is said once, marked, its
notes counted as lost in the take's render.json; it is reconnected by name
when the client comes back. Over the real JACK server, with the receiving
client killed and started again."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.engine.live import open_live
from trackjammer.lang.evaluator import Interpreter
from trackjammer.project.takes import RenderTakes
from trackjammer.session import Session
from tests.support.jack_receiver import JackReceiver
from tests.support.smf_reader import read_smf

pytestmark = pytest.mark.jack


def wait_until(test, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not test():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def note_ons(messages) -> int:
    return sum(1 for m in messages if m.data[0] & 0xF0 == 0x90 and m.data[2] > 0)


def test_a_vanished_port_is_said_once_counted_as_lost_and_reconnected(jack_server, tmp_path):
    said: list[str] = []
    session = Session(cps=1, out=said.append)
    Interpreter(session).execute("let a = MidiTrack(1); a << [C4*8]")
    client = f"tj-synth-{uuid.uuid4().hex[:8]}"
    first = JackReceiver(server=jack_server, client_name=client).start()
    engine, notice = open_live(session, first.port, "jack", said.append, takes=RenderTakes())
    name = first.port
    second = None
    try:
        assert notice is None
        first.wait_connected()
        engine.start()
        first.wait_for(8)
        heard_first = note_ons(first.stop())  # the synth quits
        gone = (f"warning: MIDI port '{name}' is gone (its synth quit or its client went away); its notes are "
                "lost until it comes back, and TrackJammer reconnects when it does")
        wait_until(lambda: gone in said)
        assert engine.ports_gone() == [name]
        time.sleep(1)  # a cycle of notes into nowhere
        second = JackReceiver(server=jack_server, client_name=client).start()  # the synth is back, same name
        assert second.port == name
        wait_until(lambda: f"MIDI port '{name}' is back: reconnected" in said)
        assert engine.ports_gone() == []
        second.wait_for(8)  # it hears the track again
        engine.stop()
    finally:
        engine.close()
    heard_second = note_ons(second.stop())
    assert said[:2] == [gone, f"MIDI port '{name}' is back: reconnected"]  # each once
    assert all(line.startswith("recorded: ") for line in said[2:])
    [record] = Path.cwd().glob("renders/untitled/*/render.json")
    info = json.loads(record.read_text())
    lost = info["lost_notes"][name]
    assert lost >= 8  # at least the second slept while it was gone, 8 notes a second
    sent = sum(1 for track in read_smf(record.parent / "recording.mid").tracks for e in track
               if e[1] == "note_on" and e[4] > 0)
    # what was sent = heard before + lost + heard after, but for the notes
    # sent before the port was found gone (it is looked for every 0.25 s: 2 notes)
    unaccounted = sent - heard_first - lost - heard_second
    assert 0 <= unaccounted <= 3, (sent, heard_first, lost, heard_second)
