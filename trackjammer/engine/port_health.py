"""Port health, in the sending process: a port that vanished, and its return.

Over JACK a client that goes away (the synth quit) takes its input port
with it, and sending to our side of the broken connection raises nothing:
the notes just go nowhere. So the sending process asks every CHECK_SECONDS,
when no message is due soon, whether each port it sends to is still listed
by name (midi/rtmidi_out.py RtMidiOutput.present), says once when one is
gone, and opens it again by name when it is back. The engine says both to
the performer, shows the gone port in the status bar and counts the notes
sent meanwhile as lost in the take's metadata (engine/sender.py).

The JACK server itself going away is found the same way (its client is
dead: RtMidiOutput.present), and a client of its own is opened again when a
server of that name is back; meanwhile nothing is sent to the dead one,
and the process waits in select() as when idle: it never spins.

A port is found gone up to CHECK_SECONDS after it went; the note-ons sent
to it since the last check that found it there may have been lost, so
the report counts them: ("port", number, "gone", note-ons since then). A
stream too dense to leave ROOM before its next message is checked all the
same once a check is CHECK_SECONDS late.

Reports: ("port", number, "gone", count) and ("port", number, "back").
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Iterable

CHECK_SECONDS = 0.25  # how often the ports are looked for
ROOM = 0.005  # seconds: a check is made only when no message is due sooner than this (unless it is late)


class PortHealth:
    def __init__(self) -> None:
        self.gone: set[int] = set()  # port numbers whose port vanished
        self.next_check = 0.0
        self.unconfirmed: Counter[int] = Counter()  # note-ons sent to each port since it was last found there

    def due(self, now: float, next_message: float) -> bool:
        return now >= self.next_check and (next_message - now > ROOM or now >= self.next_check + CHECK_SECONDS)

    def count(self, sent: Iterable[tuple]) -> None:
        """What was sent, as the sending process reports it: (seq, port, data, due, sent)."""
        for _, port, data, _, _ in sent:
            if len(data) == 3 and data[0] & 0xF0 == 0x90 and data[2]:
                self.unconfirmed[port] += 1

    def check(self, ports: dict[int, Any], report: Callable[[tuple], None], now: float) -> None:
        self.next_check = now + CHECK_SECONDS
        for number, output in list(ports.items()):
            present = getattr(output, "present", None)
            if present is None or output.closed:
                continue
            if number not in self.gone:
                if present():
                    self.unconfirmed.pop(number, None)
                else:
                    self.gone.add(number)
                    report(("port", number, "gone", self.unconfirmed.pop(number, 0)))
            elif output.reconnect():
                self.gone.discard(number)
                self.unconfirmed.pop(number, None)
                report(("port", number, "back"))
