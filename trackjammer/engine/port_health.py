"""Port health, in the sending process: a port that vanished, and its return.

Over JACK a client that goes away (the synth quit) takes its input port
with it, and sending to our side of the broken connection raises nothing:
the notes just go nowhere. So the sending process asks every CHECK_SECONDS,
when no message is due soon, whether each port it sends to is still listed
by name (midi/rtmidi_out.py RtMidiOutput.present), says once when one is
gone, and opens it again by name when it is back. The engine says both to
the performer, shows the gone port in the status bar and counts the notes
sent meanwhile as lost in the take's metadata (engine/sender.py).

Reports: ("port", number, "gone") and ("port", number, "back").
"""

from __future__ import annotations

from typing import Any, Callable

CHECK_SECONDS = 0.25  # how often the ports are looked for
ROOM = 0.005  # seconds: a check is made only when no message is due sooner than this


class PortHealth:
    def __init__(self) -> None:
        self.gone: set[int] = set()  # port numbers whose port vanished
        self.next_check = 0.0

    def due(self, now: float, next_message: float) -> bool:
        return now >= self.next_check and next_message - now > ROOM

    def check(self, ports: dict[int, Any], report: Callable[[tuple], None], now: float) -> None:
        self.next_check = now + CHECK_SECONDS
        for number, output in list(ports.items()):
            present = getattr(output, "present", None)
            if present is None or output.closed:
                continue
            if number not in self.gone:
                if not present():
                    self.gone.add(number)
                    report(("port", number, "gone"))
            elif output.reconnect():
                self.gone.discard(number)
                report(("port", number, "back"))
