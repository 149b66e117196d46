"""`trackjammer ports`: the MIDI output and input ports, numbered as --port,
output() and sync() count them."""

from __future__ import annotations

import sys

from trackjammer.midi.rtmidi_out import find_ports, port_lines


def run_ports(backend: str | None = None) -> int:
    """Print the ports, outputs first; when there are none, say so (and
    why) on stderr, so standard output stays a list a script can read."""
    outputs = find_ports(backend)
    inputs = find_ports(backend, direction="in")
    for line in port_lines(outputs.ports, inputs.ports):
        print(line)
    for listing, what in ((outputs, "output"), (inputs, "input")):
        if not listing.ports:
            why = f"; {listing.problem}" if listing.problem else ""
            print(f"no MIDI {what} ports (backend {listing.backend}{why})", file=sys.stderr)
    return 0
