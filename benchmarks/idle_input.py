"""One idle MIDI input, for the input benchmark's idle CPU (issue 20).

    python -m benchmarks.idle_input trackjammer|rtmidi --client-name NAME

`trackjammer`: an input opened as TrackJammer opens one (midi/rtmidi_out.py
`open_input`: its virtual port on JACK), listened to and started.
`rtmidi`: the bare python-rtmidi JACK input a user would write by hand: a
virtual port and a callback. Each prints ``ready`` once open and stays
until stdin closes; nothing is played to either, so what they cost is what
an open input costs while nothing happens.
"""

from __future__ import annotations

import argparse
import os
import sys


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.idle_input")
    parser.add_argument("kind", choices=("trackjammer", "rtmidi"))
    parser.add_argument("--client-name", required=True)
    args = parser.parse_args()
    got: list[object] = []
    if args.kind == "trackjammer":
        from trackjammer.midi.rtmidi_out import open_input

        port, _ = open_input(None, "jack", client_name=args.client_name, report=lambda line: got.append(line))
        port.listen(lambda data, stamp: got.append(data))
        port.start()
    else:
        import rtmidi  # the optional extension: this script runs only in the benchmark

        midi_in = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name=args.client_name)
        midi_in.ignore_types(sysex=False, timing=False, active_sense=True)
        midi_in.set_callback(lambda message, _data: got.append(message))
        midi_in.open_virtual_port("in")
    print("ready", flush=True)
    while os.read(0, 4096):
        pass
    os._exit(0)  # no close_port: RtMidi 5.0's JACK close races its process thread


if __name__ == "__main__":
    sys.exit(main())
