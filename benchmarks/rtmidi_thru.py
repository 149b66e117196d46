"""The thru loop a user would write by hand with python-rtmidi, for the
input benchmark to compare TrackJammer's thru with (nothing of TrackJammer
is imported: it is the other side).

    python -m benchmarks.rtmidi_thru --out LOG.jsonl [--client-name NAME]

Opens a JACK client with a virtual input "in" and output "out", prints
``ready CLIENT:in CLIENT:out``, and from then on sends every message that
arrives straight out again from rtmidi's callback, logging for each the
moment the callback got it and the moment send_message returned
(time.monotonic_ns()). When stdin closes it writes LOG (one JSON line a
message) and exits.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def main() -> int:
    import rtmidi  # the optional extension: this script runs only in the benchmark

    parser = argparse.ArgumentParser(prog="python -m benchmarks.rtmidi_thru")
    parser.add_argument("--out", required=True)
    parser.add_argument("--client-name", default=f"tj-thru-{os.getpid()}")
    args = parser.parse_args()
    midi_in = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name=args.client_name)
    midi_out = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=args.client_name + "-out")
    midi_in.open_virtual_port("in")
    midi_out.open_virtual_port("out")
    log: list[tuple[list[int], int, int]] = []

    def through(message: tuple[list[int], float], _data: object) -> None:
        arrived = time.monotonic_ns()
        midi_out.send_message(message[0])
        log.append((message[0], arrived, time.monotonic_ns()))

    midi_in.ignore_types(sysex=True, timing=False, active_sense=True)
    midi_in.set_callback(through)
    inputs = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=args.client_name + "-probe")  # lists the input ports
    outputs = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name=args.client_name + "-probe")  # and the outputs
    own_in = next(p for p in inputs.get_ports() if p.startswith(args.client_name) and p.endswith(":in"))
    own_out = next(p for p in outputs.get_ports() if p.startswith(args.client_name) and p.endswith(":out"))
    inputs.delete()
    outputs.delete()
    print(f"ready {own_in} {own_out}", flush=True)
    sys.stdin.read()
    midi_in.cancel_callback()
    with open(args.out, "w", encoding="utf-8") as out:
        for data, arrived, sent in log:
            out.write(json.dumps({"data": data, "arrived_ns": arrived, "sent_ns": sent}) + "\n")
    midi_in.close_port()
    midi_out.close_port()
    return 0


if __name__ == "__main__":
    sys.exit(main())
