"""TrackJammer and a hand-written Link peer in one Link session, measured.

    python -m tests.support.link_scenario          (inside tests/support/netns.py's namespace only)

Runs TrackJammer's engine (its sending process, a JACK output to a
receiver) with `sync("link")`, and tests/support/link_peer.py, a process of
its own, then walks through: join (the shared tempo), a tempo change on
each side, the peer starting the transport (TrackJammer plays from its next
downbeat), the phase of both while playing (through a tempo change), the
peer stopping, TrackJammer's own start() and stop(). It measures and
prints one JSON object on its last line; tests/engine/test_link_jack.py
asserts on it (the asserting process never loads Link itself).

Each beat plays a note naming it (36 + beat of the cycle + 4 × cycle), so a
note's arrival says where TrackJammer was; the peer says where the session
was at that moment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from fractions import Fraction
from typing import Any

from tests.support.jack_receiver import JackReceiver
from tests.support.netns import only_loopback
from tests.support.xruns import xruns

CYCLES = 12
BEATS = " ".join(f"[{36 + 4 * c} {37 + 4 * c} {38 + 4 * c} {39 + 4 * c}]" for c in range(CYCLES))
SONG = f'let a = MidiTrack(1); a << "<{BEATS}>"'
QUANTUM = 4
SAMPLE_EVERY = 0.02  # seconds between samples of TrackJammer's position while it plays


class Peer:
    """The hand-written peer's process, asked one JSON line at a time."""

    def __init__(self, bpm: float) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "tests.support.link_peer", str(bpm)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert json.loads(self.process.stdout.readline()) == {"ready": True}

    def ask(self, op: str, **what: Any) -> dict:
        self.process.stdin.write(json.dumps({"op": op, "quantum": QUANTUM, **what}) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


def wait(condition: Any, timeout: float) -> float | None:
    """Seconds until `condition()` held (None: it did not within `timeout`)."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if condition():
            return time.monotonic() - began
        time.sleep(0.002)
    return None


def segment(engine: Any, peer: Peer, rx: Any, sends: list, seconds: float) -> dict:
    """While the tempo stays: TrackJammer's cycle every SAMPLE_EVERY seconds,
    the notes that arrived, and the session's phase at each of those times
    (asked before anything changes: a later tempo change redraws Link's
    timeline, also for past times)."""
    began = time.monotonic()
    samples = []
    while time.monotonic() < began + seconds:
        now = time.monotonic()
        samples.append((now, engine.clock.cycle_at(now)))
        time.sleep(SAMPLE_EVERY)
    time.sleep(0.01)  # the last notes reach the receiver
    engine.sender.sync()  # every send so far reported
    ons = [(m.time_ns / 1e9, m.data[1]) for m in rx.messages
           if m.data[0] == 0x90 and m.data[2] > 0 and m.time_ns / 1e9 >= began]
    sent = [(at, note) for at, note in list(sends) if at >= began]
    # One ask for all three, so all are read through the same mapping of our
    # time to the session's (Link renews its measurement of the other peer's
    # clock when the peers meet and every 30 s): arrivals and sends compare.
    times = [t for t, _ in samples] + [t for t, _ in ons] + [t for t, _ in sent]
    phases = peer.ask("phases", times=times)["phases"]
    return {"samples": samples, "phases": phases[:len(samples)],
            "ons": ons, "on_phases": phases[len(samples):len(samples) + len(ons)],
            "sent": sent, "sent_phases": phases[len(samples) + len(ons):],
            "tempo": peer.ask("state")["tempo"]}


def run() -> dict:
    only_loopback()
    import trackjammer.core  # noqa: F401
    from trackjammer.engine.live import open_live
    from trackjammer.lang.evaluator import Interpreter
    from trackjammer.repl.toolbar import sync_fragments
    from trackjammer.session import Session

    out: dict[str, Any] = {"xruns_before": xruns()}
    peer = Peer(120)
    session = Session(out=lambda text: None, cps=Fraction(100, 240))
    Interpreter(session).execute(SONG)
    said: list[str] = []
    with JackReceiver() as rx:
        engine, _ = open_live(session, rx.port, "jack", said.append)
        try:
            sends: list = []  # (when the sending process sent it, note) of every note-on
            engine.scheduler.on_sent = lambda message, due, at: sends.append((at, message.bytes()[1])) \
                if message.bytes()[0] == 0x90 else None
            engine.commit()
            engine.sync("link")
            out["joined_after"] = wait(lambda: engine.sync_state().peers == 1 and peer.ask("state")["peers"] == 1, 10)
            time.sleep(0.3)
            out["joined"] = {"tj": engine.sync_state().cps * 240, "peer": peer.ask("state")["tempo"],
                             "tj_clock": engine.clock.anchor()[2] * 240}

            session.cps = Fraction(150, 240)  # bpm(150) in TrackJammer: the peer follows
            engine.commit()
            out["tj_to_peer_after"] = wait(lambda: abs(peer.ask("state")["tempo"] - 150) < 1e-6, 5)
            peer.ask("tempo", bpm=120)  # and back, from the peer
            out["peer_to_tj_after"] = wait(lambda: abs(engine.sync_state().cps * 240 - 120) < 1e-3, 5)
            out["after_changes"] = {"tj": engine.sync_state().cps * 240, "peer": peer.ask("state")["tempo"]}

            asked = time.monotonic()
            peer.ask("play", on=True)  # the peer starts the session: TrackJammer plays from its next downbeat
            out["start_after"] = wait(lambda: engine.scheduler.playing, 5)
            out["downbeat_after_ask"] = peer.ask("downbeats", after=asked, count=1)["times"][0]
            out["clock_zero_at"] = engine.clock.time_of(0)
            out["at_120"] = segment(engine, peer, rx, sends, 2.2)
            peer.ask("tempo", bpm=140)  # a tempo change while playing
            # TrackJammer sees it at its next look (5 ms), once Link's own messages brought it over: on a
            # loaded machine that may take a while, and until then the two phases part (seen: 20 ms), so
            # the segment begins once TrackJammer's clock plays at 140 (the test bounds how long it took)
            out["tj_at_140_after"] = wait(lambda: abs(engine.clock.anchor()[2] * 240 - 140) < 1e-2, 5)
            time.sleep(0.1)
            out["at_140"] = segment(engine, peer, rx, sends, 2.0)
            out["playing_tempo"] = {"tj": engine.clock.anchor()[2] * 240, "peer": peer.ask("state")["tempo"]}

            out["peer_stop_asked"] = time.monotonic()
            peer.ask("play", on=False)  # the peer stops: so does TrackJammer, no note left on
            out["stop_after"] = wait(lambda: not engine.scheduler.playing, 5)
            time.sleep(0.2)
            out["held_after_stop"] = sorted(map(list, engine.output.held_notes))

            engine.start()  # TrackJammer starts the session: the peer plays too
            out["peer_started_after"] = wait(lambda: peer.ask("state")["playing"], 5)
            out["tj_started_after"] = wait(lambda: engine.scheduler.playing, 5)
            time.sleep(0.5)
            engine.stop()  # and stops it
            out["peer_stopped_after"] = wait(lambda: not peer.ask("state")["playing"], 5)
            time.sleep(0.2)
            out["held_at_end"] = sorted(map(list, engine.output.held_notes))
            out["state"] = list(engine.sync_state().__dict__.values())
            out["toolbar"] = "".join(text for _, text in sync_fragments(engine.sync_state(), 4))
        finally:
            engine.close()
            peer.close()
        time.sleep(0.05)
    received = rx.messages
    out["received"] = [[list(m.data), m.time_ns] for m in received]
    out["said"] = said
    out["xruns"] = xruns() - out["xruns_before"]
    return out


def main() -> int:
    os.environ.setdefault("TRACKJAMMER_SENDER_REALTIME", "1")
    print(json.dumps(run()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
