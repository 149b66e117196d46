"""The one table of MIDI message kinds, checked against mido's own specs."""

from __future__ import annotations

import mido
import pytest

from trackjammer.midi import kinds
from trackjammer.midi.messages import Message
from trackjammer.midi.output import MemoryOutput


@pytest.mark.parametrize("kind", kinds.CHANNEL_KINDS + kinds.SYSTEM_KINDS, ids=lambda kind: kind.name)
def test_each_kind_has_the_status_byte_and_length_mido_gives_it(kind):
    data = mido.Message(kind.name).bytes()
    assert (data[0], len(data) - 1) == (kind.status, kind.data)
    assert kinds.BY_STATUS[kind.status] == kind and kinds.LENGTH[kind.status] == 1 + kind.data


def test_channel_kinds_cover_all_sixteen_channels_and_sysex_and_undefined_bytes_are_refused():
    assert [kinds.BY_STATUS[0x90 | c].name for c in (0, 15)] == ["note_on", "note_on"]
    assert [kinds.LENGTH[s] for s in (0x00, 0x7F, 0xF0, 0xF4, 0xF5, 0xF7, 0xF9, 0xFD)] == [0] * 8
    assert sum(1 for length in kinds.LENGTH if length) == 7 * 16 + 10


def test_message_kinds_are_the_order_at_one_time_and_map_to_their_status_bytes():
    order = (kinds.NOTE_OFF, kinds.PROGRAM, kinds.CONTROL, kinds.BEND, kinds.PRESSURE, kinds.NOTE_ON, kinds.POLYTOUCH)
    assert order == (0, 1, 2, 3, 4, 5, 6) and kinds.SYSTEM == 7
    assert [Message(0, kind, 0, 3, 60, 90).bytes() for kind in order] == [
        [0x83, 60, 90], [0xC3, 60], [0xB3, 60, 90], [0xE3, 60, 90], [0xD3, 60], [0x93, 60, 90], [0xA3, 60, 90]]
    assert [kinds.order_kind(data) for data in (
        [0x93, 60, 1], [0x93, 60, 0], [0x83, 60, 64], [0xB0, 7, 1], [0xC0, 1], [0xE2, 0, 64], [0xD1, 5], [0xA0, 60, 9])] == [
        kinds.NOTE_ON, kinds.NOTE_OFF, kinds.NOTE_OFF, kinds.CONTROL, kinds.PROGRAM, kinds.BEND, kinds.PRESSURE,
        kinds.POLYTOUCH]
    assert kinds.order_kind([0xF8]) is None


def test_an_output_ends_held_notes_with_the_tables_note_off_and_all_notes_off():
    output = MemoryOutput()
    output.send([0x92, 64, 100])
    output.send([0x95, 40, 1])
    output.send([0x95, 40, 0])  # a note-on of velocity 0 ends the note
    assert output.panic_messages() == [(0x82, 64, 0), (0xB2, 123, 0), (0xB5, 123, 0)]
