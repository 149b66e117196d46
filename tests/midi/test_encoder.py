"""The SMF encoder writes what mido would write for the same events:
running status, delta times, metas, End of Track; so a file mido reads and
saves again comes back byte for byte."""

from __future__ import annotations

import io

import mido
import pytest

import trackjammer.core  # noqa: F401
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.encoder import TrackEncoder, varlen
from trackjammer.midi.kinds import CONTROL, NOTE_OFF, NOTE_ON
from trackjammer.session import Session

SONGS = [
    'midi_export([C4 [E4 G4]*2 <C5 B4>](3,8), 4, "{path}")',
    'cps(0.55); beats_per_cycle(3); let a = MidiTrack(1, 80, name: "Bässe"); a << [C2 C2@2 E2].gate(1.5);'
    ' a.cc(74) << Sine(0.25); let b = MidiTrack(10); b << [C2*8^60]; midi_export(#[a, b], 16, "{path}", loop: false)',
]


@pytest.mark.parametrize("song", SONGS)
def test_mido_reads_and_saves_an_export_to_the_same_bytes(song, tmp_path):
    path = tmp_path / "song.mid"
    Interpreter(Session(out=lambda text: None)).execute(song.replace("{path}", str(path)))
    buffer = io.BytesIO()
    mido.MidiFile(path).save(file=buffer)
    assert buffer.getvalue() == path.read_bytes()


def test_one_tick_is_written_off_cc_on_a_note_of_no_length_is_dropped_and_status_runs():
    track = TrackEncoder(2)
    for tick, kind, data1, data2 in [(0, NOTE_ON, 60, 100), (0, NOTE_ON, 62, 90), (0, NOTE_OFF, 62, 0),
                                     (200, NOTE_ON, 64, 80), (200, CONTROL, 7, 50), (200, CONTROL, 10, 64),
                                     (200, NOTE_OFF, 60, 0)]:
        track.add(tick, kind, data1, data2)
    body = bytes([
        0x00, 0xFF, 0x03, 0x01, ord("x"),  # the name
        0x00, 0x92, 60, 100,  # 62 on and off at one tick: left out
        0x81, 0x48, 0x82, 60, 0,  # 200 ticks later: the note-off first
        0x00, 0xB2, 7, 50,
        0x00, 10, 64,  # running status
        0x00, 0x92, 64, 80,
        0x82, 0x18, 0x82, 64, 0,  # still sounding: ended at the end, 280 ticks later
        0x00, 0xFF, 0x2F, 0x00,
    ])
    assert track.close(480, "x") == b"MTrk" + len(body).to_bytes(4, "big") + body


def test_varlen_is_midis_variable_length_quantity():
    assert [varlen(n) for n in (0, 0x7F, 0x80, 0x3FFF, 0x4000, 0x0FFFFFFF)] == [
        b"\x00", b"\x7f", b"\x81\x00", b"\xff\x7f", b"\x81\x80\x00", b"\xff\xff\xff\x7f"]
