"""The MIDI message kinds, in one table: status byte, data length, name.

Every module that builds or reads MIDI bytes (the message path, the
outputs, the sending process, the recorder's journal, the file encoder)
asks this table, so a status byte is spelled once. Names are the ones mido
and most tools use. Channel messages carry their channel in the status
byte's low nibble; system messages (0xF0 and up) have none.

`Message.kind` (midi/messages.py) is not a status byte but the place of a
message among those at one time: NOTE_OFF, PROGRAM, CONTROL, BEND,
PRESSURE, NOTE_ON, POLYTOUCH, SYSTEM. A program change comes before the
controllers and bends that set up a note, which come before its note-on;
poly aftertouch names a sounding note, so it comes after. Its status byte
is `STATUS[kind]`, its data length `DATA[kind]`.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence


class Kind(NamedTuple):
    name: str
    status: int  # the status byte (channel 0 for channel messages)
    data: int  # how many data bytes follow it


CHANNEL_KINDS = (
    Kind("note_off", 0x80, 2),
    Kind("note_on", 0x90, 2),
    Kind("polytouch", 0xA0, 2),
    Kind("control_change", 0xB0, 2),
    Kind("program_change", 0xC0, 1),
    Kind("aftertouch", 0xD0, 1),
    Kind("pitchwheel", 0xE0, 2),
)
SYSTEM_KINDS = (  # SysEx (0xF0 … 0xF7) and the undefined 0xF4, 0xF5, 0xF9, 0xFD are not sent
    Kind("quarter_frame", 0xF1, 1),
    Kind("songpos", 0xF2, 2),
    Kind("song_select", 0xF3, 1),
    Kind("tune_request", 0xF6, 0),
    Kind("clock", 0xF8, 0),
    Kind("start", 0xFA, 0),
    Kind("continue", 0xFB, 0),
    Kind("stop", 0xFC, 0),
    Kind("active_sensing", 0xFE, 0),
    Kind("reset", 0xFF, 0),
)
BY_NAME = {kind.name: kind for kind in CHANNEL_KINDS + SYSTEM_KINDS}


def _by_status() -> tuple[Kind | None, ...]:
    table: list[Kind | None] = [None] * 256
    for kind in CHANNEL_KINDS:
        for channel in range(16):
            table[kind.status | channel] = kind
    for kind in SYSTEM_KINDS:
        table[kind.status] = kind
    return tuple(table)


BY_STATUS = _by_status()  # status byte → its Kind, None for a byte we never send
LENGTH = tuple(1 + kind.data if kind else 0 for kind in BY_STATUS)  # whole message, 0: refused

NOTE_OFF_STATUS = BY_NAME["note_off"].status
NOTE_ON_STATUS = BY_NAME["note_on"].status
CONTROL_STATUS = BY_NAME["control_change"].status
SONG_POSITION = BY_NAME["songpos"].status
CLOCK, START, CONTINUE, STOP = (BY_NAME[name].status for name in ("clock", "start", "continue", "stop"))
ALL_NOTES_OFF = 123  # the controller that ends every note of a channel
FIRST_SYSTEM = 0xF0

# Message.kind: the order at one time, and the status byte and data length of each.
NOTE_OFF, PROGRAM, CONTROL, BEND, PRESSURE, NOTE_ON, POLYTOUCH, SYSTEM = range(8)
KIND_NAMES = ("note_off", "program_change", "control_change", "pitchwheel", "aftertouch", "note_on", "polytouch", "system")
STATUS = tuple(BY_NAME[name].status for name in KIND_NAMES[:SYSTEM])
DATA = tuple(BY_NAME[name].data for name in KIND_NAMES[:SYSTEM])
_ORDER_OF_STATUS = {status: kind for kind, status in enumerate(STATUS)}
BEND_CENTRE = 8192  # a pitch bend's 14-bit value for no bend


def is_channel(status: int) -> bool:
    return status < FIRST_SYSTEM


def channel_of(status: int) -> int:
    return status & 0x0F


def order_kind(data: Sequence[int]) -> int | None:
    """The Message.kind of channel message bytes (a note-on of velocity 0
    is a note-off); None for system messages."""
    status = data[0] & 0xF0
    if status == NOTE_ON_STATUS:
        return NOTE_ON if data[2] > 0 else NOTE_OFF
    return _ORDER_OF_STATUS.get(status)
