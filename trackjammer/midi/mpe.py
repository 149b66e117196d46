"""MPE: a track whose notes each get a channel of their own.

An MPE zone is a manager channel (1 for the lower zone, 16 for the upper)
and up to 15 member channels next to it. Each note sounds alone on a member
channel, so a pitch bend, CC74 (timbre) or channel pressure sent there
shapes that one note: that is how an MPE synth gets per-note expression over
plain MIDI 1.0. What goes to the manager channel (t.bend, t.cc(N),
t.pressure) acts on the whole zone.

`MpeTrack` is the track; `Zone` is its frozen description, which plans
carry; `configuration` is the MPE Configuration Message that announces the
zone when playing starts; `Members` picks the member channel of each new
note (the least recently released one first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from trackjammer.errors import ArgumentError
from trackjammer.midi.track import MidiTrack, shown_value as shown, whole_in

ZONES = ("lower", "upper")
RPN_MSB, RPN_LSB, DATA_MSB, DATA_LSB = 101, 100, 6, 38
RPN_BEND_RANGE, RPN_MPE_CONFIGURATION, RPN_NULL = 0, 6, 127


@dataclass(frozen=True)
class Zone:
    """An MPE zone: its manager channel and member channels (0..15)."""

    name: str  # "lower" or "upper"
    manager: int
    members: tuple[int, ...]
    bend_range: int  # semitones of a full bend on the member channels


def zone_of(name: Any, members: Any, bend_range: Any) -> Zone:
    if name not in ZONES:
        raise ArgumentError(f'an MPE zone is "lower" or "upper", got {shown(name)}', hint='MpeTrack(zone: "lower")')
    count = whole_in(members, "an MPE zone's members", 1, 15, "a zone has 1 to 15 member channels")
    bend = whole_in(bend_range, "an MPE bend range", 1, 96, "semitones of a full bend, 48 by default (MPE's own)")
    if name == "lower":  # manager channel 1, members 2, 3 …
        return Zone(name, 0, tuple(range(1, 1 + count)), bend)
    return Zone(name, 15, tuple(range(14, 14 - count, -1)), bend)  # manager 16, members 15, 14 …


def configuration(zone: Zone) -> list[tuple[int, int, int]]:
    """(channel, controller, value) of the MPE Configuration Message: RPN 6
    on the manager channel (how many members), then RPN 0 (the bend range)
    on each member, each channel's RPN then set back to null."""
    def rpn(channel: int, number: int, msb: int, lsb: int | None) -> list[tuple[int, int, int]]:
        sent = [(channel, RPN_MSB, 0), (channel, RPN_LSB, number), (channel, DATA_MSB, msb)]
        if lsb is not None:
            sent.append((channel, DATA_LSB, lsb))
        return sent + [(channel, RPN_MSB, RPN_NULL), (channel, RPN_LSB, RPN_NULL)]

    messages = rpn(zone.manager, RPN_MPE_CONFIGURATION, len(zone.members), None)
    for channel in zone.members:
        messages += rpn(channel, RPN_BEND_RANGE, zone.bend_range, 0)
    return messages


@dataclass
class Members:
    """Which member channel each new note gets: a free one, the least
    recently released first (a channel never used counts as released
    longest ago; then the zone's own order); when every member sounds, the
    one whose note started first is taken over."""

    zone: Zone
    released: dict[int, Fraction] = field(default_factory=dict)  # channel → when its last note ended
    busy: dict[int, Any] = field(default_factory=dict)  # channel → the voice sounding there

    def choose(self) -> tuple[int, Any]:
        """(channel, the voice to end there first or None)."""
        free = [c for c in self.zone.members if c not in self.busy]
        if free:
            order = {c: i for i, c in enumerate(self.zone.members)}
            never = [c for c in free if c not in self.released]
            if never:
                return min(never, key=order.__getitem__), None
            return min(free, key=lambda c: (self.released[c], order[c])), None
        channel = min(self.busy, key=lambda c: (self.busy[c].start, c))
        return channel, self.busy[channel]

    def take(self, channel: int, voice: Any) -> None:
        self.busy[channel] = voice

    def free(self, voice: Any, at: Fraction) -> None:
        if self.busy.get(voice.channel) is voice:
            del self.busy[voice.channel]
            self.released[voice.channel] = at


class MpeTrack(MidiTrack):
    """A track playing an MPE zone: one member channel per note."""

    spoken_kind = "an MPE track"
    lane_names = MidiTrack.lane_names + ("note_bend", "timbre")

    def __init__(self, zone: Any = "lower", members: Any = 15, bend_range: Any = 48, velocity: Any = 100,
                 name: str | None = None):
        self.zone = zone_of(zone, members, bend_range)
        super().__init__(self.zone.manager + 1, velocity, name)

    def __repr__(self) -> str:
        z = self.zone
        name = "" if self.name is None else f', name: "{self.name}"'
        return f'MpeTrack(zone: "{z.name}", members: {len(z.members)}, bend_range: {z.bend_range}, velocity: {self.velocity}{name})'
