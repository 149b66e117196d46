"""A JACK program that plays into a port, in a process of its own: what a
keyboard or a DAW's MIDI out looks like to TrackJammer.

    python -m tests.support.jack_source CLIENT PORT [TARGET]

It opens an output port CLIENT:PORT (python-rtmidi, JACK API), connected
to the input port TARGET when one is named, prints ``ready``, then reads
one JSON line per request on stdin, ``[every, [[byte, ...], ...]]``: it
sends each message `every` seconds apart and answers with one JSON line,
the monotonic time each one was sent. At the end of stdin it closes the
port and ends.

Why a process: RtMidi's JACK output can crash the process that closes it
while the server is late (its process callback races the port's
unregistering): that crash once killed the whole pytest run in CI. Here
it ends this process only, and the port is gone all the same. In tests,
`JackSource` runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]


def serve(client: str, port: str, target: str | None) -> int:
    import rtmidi

    out = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=client)
    if target is None:
        out.open_virtual_port(port)
    else:
        ports = out.get_ports()  # on JACK, a MidiOut lists the other clients' input ports
        if target not in ports:
            print(f"no input port {target!r} among {ports!r}", flush=True)
            return 1
        out.open_port(ports.index(target), name=port)
    print("ready", flush=True)
    for line in sys.stdin:
        every, messages = json.loads(line)
        sent = []
        for k, data in enumerate(messages):
            if k:
                time.sleep(every)
            sent.append(time.monotonic())
            out.send_message(data)
        print(json.dumps(sent), flush=True)
    out.close_port()
    out.delete()
    return 0


class JackSource:
    """The test's side of a source process: `play` and `send` return when
    the messages have left, with the times they left (comparable with any
    process's monotonic clock); `close` makes the port vanish."""

    def __init__(self, client: str, port: str = "src", target: str | None = None) -> None:
        command = [sys.executable, "-m", "tests.support.jack_source", client, port] + ([target] if target else [])
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        env=env, cwd=REPO_ROOT)
        ready = self.process.stdout.readline().strip()
        if ready != "ready":
            self.close()
            raise RuntimeError(f"the JACK source {client}:{port} did not start: {ready!r}")

    def play(self, messages: Sequence[Sequence[int]], every: float) -> list[float]:
        """Send each message `every` seconds apart; when each was sent."""
        self.process.stdin.write(json.dumps([every, [list(data) for data in messages]]) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def send(self, data: Sequence[int]) -> float:
        return self.play([data], 0)[0]

    def close(self) -> None:
        """Close the port and wait for the process to end: its port is gone
        from the graph then, however it ended."""
        try:
            self.process.stdin.close()
        except OSError:  # it ended already
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


if __name__ == "__main__":
    sys.exit(serve(*sys.argv[1:3], sys.argv[3] if len(sys.argv) > 3 else None))
