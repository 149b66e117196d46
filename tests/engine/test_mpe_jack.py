"""Issue 18: MPE and the new lanes over a real MIDI transport (JACK): what
arrives is the zone's announcement, then notes spread over the member
channels, each note's bend before its note-on, in the order and at the
times export gives them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.engine.test_live_jack import TOLERANCE_NS, exported, fail_unless_recorded, live
from tests.support.heard import assert_heard, assert_none_left_sounding, sounding
from tests.support.jack_receiver import JackReceiver
from tests.support.xruns import Xruns, retry_on_xrun
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session

pytestmark = pytest.mark.jack

SONG = """cps(1);
let m = MpeTrack(members: 3, bend_range: 48); m << [[C4,E4] G4 A4 B4]; m.note_bend << [12 0 -12 24];
m.timbre << [90];
let t = MidiTrack(16); t.program(5); t << [C2 ~]; t.bend << [0 1]; t.note_pressure << [50];
"""


def test_an_mpe_zone_arrives_announced_rotated_and_bent_before_each_note_on(jack_server):
    retry_on_xrun(lambda: _mpe(jack_server))


def _mpe(jack_server):
    xruns = Xruns()
    session = Session(out=lambda text: None)
    Interpreter(session).execute(SONG)
    with JackReceiver(server=jack_server) as rx:
        engine = live(session, rx.port, fail_unless_recorded)
        rx.wait_connected()
        try:
            engine.start(until=2)
            assert engine.finished.wait(5)
        finally:
            engine.close()
        want = exported(session, 2)
        # everything was sent: wait until nothing more comes (a count may be off by what the transport
        # lost or doubled near an xrun: assert_heard judges)
        rx.settle(10**9, timeout=10, quiet=0.3)
    received = [m for m in rx.messages if m.data[0] & 0xF0 != 0xB0 or m.data[1] != 123]
    sent = [(float(m.time), bytes(m.bytes())) for m in want]  # cps 1: a cycle is a second
    # the same bytes in the same order, each within 3 ms of its time (with no xrun: message for message);
    # a loss, a double or a late one only near an xrun (heard.py), and no note left sounding but for a
    # note-off lost there
    hearing = assert_heard(received, sent, xruns, TOLERANCE_NS)
    assert_none_left_sounding(rx.messages, hearing, sent)
    # what arrived is the export, message for message (above); the export's order, exactly:
    every = [data for _, data in sent]
    assert sounding(SimpleNamespace(data=d) for d in every) == {}
    assert every[0] == bytes([0xCF, 5])  # a program change first: before the CCs at that time
    data = [d for d in every if d[0] & 0x0F != 15]  # the zone's channels
    # the MPE Configuration Message first: RPN 6 = 3 members on the manager channel (1) …
    assert data[:5] == [bytes(b) for b in ([0xB0, 101, 0], [0xB0, 100, 6], [0xB0, 6, 3], [0xB0, 101, 127], [0xB0, 100, 127])]
    # … then RPN 0 = 48 semitones on each member, then null
    for i, channel in enumerate((1, 2, 3)):
        assert data[5 + 6 * i: 11 + 6 * i] == [bytes([0xB0 | channel, *pair]) for pair in (
            (101, 0), (100, 0), (6, 48), (38, 0), (101, 127), (100, 127))]
    ons = [(d[0] & 0x0F, d[1]) for d in data if d[0] & 0xF0 == 0x90]
    # least recently released first (a tie: the zone's order); at one time in channel order
    assert ons == [(1, 60), (2, 64), (3, 67), (1, 69), (2, 71), (1, 64), (3, 60), (2, 67), (1, 69), (3, 71)]
    for k, d in enumerate(data):  # each member note-on comes after a bend on its own channel, at the same time
        if d[0] & 0xF0 == 0x90:
            bends = [b for b in data[:k] if b[0] == 0xE0 | (d[0] & 0x0F)]
            assert bends, f"no bend before {d.hex()}"
    first_bends = [d for d in data if d[0] & 0xF0 == 0xE0 and d[0] & 0x0F in (1, 2)][:2]
    assert first_bends == [bytes([0xE1, 0, 80]), bytes([0xE2, 0, 80])]  # +12 of 48 semitones: 10240
    assert every.index(bytes([0xAF, 36, 50])) == every.index(bytes([0x9F, 36, 100])) + 1  # poly aftertouch after its note-on
