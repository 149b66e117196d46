"""`trackjammer ports`: the MIDI output ports, numbered as --port counts them."""

from __future__ import annotations

import sys

from trackjammer.midi.rtmidi_out import find_ports


def run_ports(backend: str | None = None) -> int:
    """Print `INDEX: NAME` per port; when there are none, say so (and why) on
    stderr, so standard output stays a list a script can read (empty)."""
    listing = find_ports(backend)
    for index, name in enumerate(listing.ports):
        print(f"{index}: {name}")
    if not listing.ports:
        why = f"; {listing.problem}" if listing.problem else ""
        print(f"no MIDI output ports (backend {listing.backend}{why})", file=sys.stderr)
    return 0
