"""A hand-written Ableton Link peer, a process of its own, for tests and the benchmark.

    python -m tests.support.link_peer BPM

Runs only inside a private network namespace (tests/support/netns.py).
It joins the Link session with start/stop sync and answers one JSON line
on stdout for each JSON line read on stdin:

    {"op": "state", "quantum": 4}        → {"tempo", "peers", "playing"}
    {"op": "tempo", "bpm": 90}           the session's tempo, from now  → {}
    {"op": "play", "on": true}           the transport starts or stops now → {}
    {"op": "phases", "times": [t, ...], "quantum": 4}
                                         → {"phases": [...]}: the session's phase (in beats, 0 … quantum)
                                           at each time t of time.monotonic()
    {"op": "downbeats", "after": t, "count": n, "quantum": 4}
                                         → {"times": [...]}: when the next n bars begin (time.monotonic())

Link's clock is not time.monotonic() (on Linux it is CLOCK_MONOTONIC_RAW):
each answer reads it between two readings of ours and converts from there.
"""

from __future__ import annotations

import json
import sys
import time

from tests.support.netns import only_loopback
from trackjammer.engine.link_follow import paired_reading


def main(argv: list[str]) -> int:
    only_loopback()
    import link  # optional dependency: LinkPython-extern, as TrackJammer's [link] extra (never outside the namespace)

    peer = link.Link(float(argv[0]))
    peer.startStopSyncEnabled = True
    peer.enabled = True
    clock = peer.clock()

    def offset() -> float:
        """Link's seconds − ours (from the tightest of a few paired readings: one
        preempted between ours would shift every phase answered by half the stall)."""
        micros, ours, _ = paired_reading(time.monotonic, clock.micros)
        return micros / 1e6 - ours

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        ask = json.loads(line)
        op, answer = ask["op"], {}
        state = peer.captureAppSessionState()
        now = clock.micros()
        if op == "state":
            answer = {"tempo": state.tempo(), "peers": peer.numPeers(), "playing": state.isPlaying()}
        elif op == "tempo":
            state.setTempo(float(ask["bpm"]), now)
            peer.commitAppSessionState(state)
        elif op == "play":
            if ask["on"]:
                state.setIsPlayingAndRequestBeatAtTime(True, now, 0.0, float(ask.get("quantum", 4)))
            else:
                state.setIsPlaying(False, now)
            peer.commitAppSessionState(state)
        elif op == "phases":
            shift = offset()
            answer = {"phases": [state.phaseAtTime(round((t + shift) * 1e6), float(ask["quantum"]))
                                 for t in ask["times"]]}
        elif op == "downbeats":
            shift, quantum = offset(), float(ask["quantum"])
            beat = state.beatAtTime(round((ask["after"] + shift) * 1e6), quantum)
            first = -(-beat // quantum)
            answer = {"times": [state.timeAtBeat((first + k) * quantum, quantum) / 1e6 - shift
                                for k in range(int(ask["count"]))]}
        print(json.dumps(answer), flush=True)
    peer.enabled = False
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
