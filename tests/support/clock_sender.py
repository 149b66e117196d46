"""A hand-written MIDI clock master: a process of its own that sends a plan
of messages (clock ticks, start, stop, continue, song position) at exact
times on a JACK output port, and logs when each one left.

    python -m tests.support.clock_sender --plan PLAN.json --out LOG.jsonl [--client-name NAME]

PLAN.json is a list of [seconds after "go", [bytes...]]. The process opens
a virtual output port "clock" (python-rtmidi, JACK API), prints
``ready CLIENT:clock``, waits for a line ``go`` on stdin, sends every
message at its time (a sleep, then a spin for the last 0.3 ms), writes one
JSON line per message to LOG ({"data": [...], "sent_ns": monotonic_ns}),
prints ``done`` and waits for stdin to close. Nothing of TrackJammer is
imported: it is the other side.

In tests, `ClockSender` runs it; `clock_plan` builds plans.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]
SPIN = 0.0003
TICK, START, CONTINUE, STOP, SONG_POSITION = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2


def _own_port(client_name: str, port_name: str) -> str:
    import rtmidi

    probe = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name=f"{client_name}-probe")
    try:
        ports = probe.get_ports()
    finally:
        probe.delete()
    for port in ports:
        client, _, name = port.partition(":")
        if client.startswith(client_name) and name == port_name:
            return port
    raise RuntimeError(f"our port {client_name}:{port_name} is not among {ports!r}")


def send(plan_path: str, out_path: str, client_name: str) -> int:
    import rtmidi

    plan = json.loads(Path(plan_path).read_text())
    midi = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=client_name)
    midi.open_virtual_port("clock")
    print(f"ready {_own_port(client_name, 'clock')}", flush=True)
    if sys.stdin.readline().strip() != "go":
        return 1
    start = time.monotonic() + 0.01
    sent = []
    for at, data in plan:
        due = start + at
        wait = due - time.monotonic() - SPIN
        if wait > 0:
            time.sleep(wait)
        while time.monotonic() < due:
            pass
        midi.send_message(data)
        sent.append((data, time.monotonic_ns()))
    with open(out_path, "w", encoding="utf-8") as out:
        for data, ns in sent:
            out.write(json.dumps({"data": data, "sent_ns": ns}) + "\n")
    print("done", flush=True)
    sys.stdin.read()  # until the test lets go: the port stays while TrackJammer is connected
    time.sleep(0.05)
    midi.close_port()
    midi.delete()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.clock_sender")
    parser.add_argument("--plan", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--client-name", default=f"tj-clock-{os.getpid()}")
    args = parser.parse_args(argv)
    return send(args.plan, args.out, args.client_name)


# --- for tests -----------------------------------------------------------------------


class Plan:
    """Builds a plan: ticks at a tempo, and transport messages between them.
    `position` counts the ticks since the last start/continue (None while
    stopped), so a test knows which musical position each tick carries."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t  # the time of the next tick
        self.events: list[tuple[float, list[int]]] = []
        self.ticks: list[tuple[float, int | None]] = []  # (time, position) of every tick
        self.position: int | None = None
        self.period = 0.0

    def tempo(self, bpm: float) -> Plan:
        self.period = 60.0 / bpm / 24
        return self

    def ticks_for(self, count: int) -> Plan:
        for _ in range(count):
            self.events.append((self.t, [TICK]))
            self.ticks.append((self.t, self.position))
            if self.position is not None:
                self.position += 1
            self.t += self.period
        return self

    def ramp(self, count: int, to_bpm: float) -> Plan:
        """`count` ticks whose tempo moves evenly to `to_bpm`."""
        start = 60.0 / self.period / 24
        for k in range(count):
            self.ticks_for(1)
            self.tempo(start + (to_bpm - start) * (k + 1) / count)
        return self

    def start(self, lead: float = 0.0) -> Plan:
        """Start, `lead` seconds before the next tick (0: just before it, at its time)."""
        self.events.append((self.t - lead, [START]))
        self.position = 0
        return self

    def stop_between(self) -> Plan:
        """Stop a third of a tick after the last tick."""
        self.events.append((self.t - self.period * 2 / 3, [STOP]))
        self.position = None
        return self

    def song_position(self, sixteenths: int) -> Plan:
        self.events.append((self.t - self.period / 2, [SONG_POSITION, sixteenths & 0x7F, sixteenths >> 7]))
        self.resume = sixteenths * 6
        return self

    def continue_(self, lead: float = 0.0) -> Plan:
        self.events.append((self.t - lead, [CONTINUE]))
        self.position = self.resume
        return self


class ClockSender:
    """Runs the sender process with a plan; `port` is its JACK output."""

    def __init__(self, plan: Plan, server: str | None = None) -> None:
        self.plan = plan
        self.server = server or os.environ.get("JACK_DEFAULT_SERVER")
        self._tmp = Path(tempfile.mkdtemp(prefix="trackjammer-clock."))
        self.plan_path, self.out_path = self._tmp / "plan.json", self._tmp / "sent.jsonl"
        self._proc: subprocess.Popen[str] | None = None
        self.port = ""
        self.sent: list[tuple[bytes, int]] = []

    def __enter__(self) -> ClockSender:
        self.plan_path.write_text(json.dumps(self.plan.events))
        env = dict(os.environ, JACK_NO_START_SERVER="1", PYTHONUNBUFFERED="1")
        if self.server:
            env["JACK_DEFAULT_SERVER"] = self.server
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.clock_sender", "--plan", str(self.plan_path),
             "--out", str(self.out_path), "--client-name", f"tj-clock-{uuid.uuid4().hex[:8]}"],
            cwd=REPO_ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "ready":
            self.__exit__()
            raise RuntimeError(f"the clock sender did not start: {line!r}")
        self.port = line[1]
        return self

    def go(self, timeout: float) -> list[tuple[bytes, int]]:
        """Send the plan; return (data, sent_ns) of every message once all left."""
        assert self._proc is not None and self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write("go\n")
        self._proc.stdin.flush()
        deadline = time.monotonic() + timeout
        line = self._proc.stdout.readline().strip()
        if line != "done" or time.monotonic() > deadline:
            raise RuntimeError(f"the clock sender did not finish: {line!r}")
        self.sent = [(bytes(item["data"]), item["sent_ns"])
                     for item in map(json.loads, self.out_path.read_text().splitlines())]
        return self.sent

    def __exit__(self, *exc: Any) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        for path in (self.plan_path, self.out_path):
            path.unlink(missing_ok=True)
        self._tmp.rmdir()


if __name__ == "__main__":
    sys.exit(main())
