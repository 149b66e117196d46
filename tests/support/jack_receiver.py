"""A separate process that receives MIDI on a JACK port and records what it gets.

Command line (run from the repo root, or with it on PYTHONPATH)::

    python -m tests.support.jack_receiver --out FILE [--port-name in]
        [--client-name NAME] [--watch-stdin]

It opens a python-rtmidi MidiIn on the JACK API with a virtual input port, and
once the port exists prints one line ``ready CLIENT:PORT`` on stdout (the full
JACK name to connect to).  Every message it gets is written to FILE as one JSON
line, flushed at once::

    {"data": [144, 60, 100], "time_ns": 123456789, "delta": 0.0}

``time_ns`` is ``time.monotonic_ns()`` in the receiver when rtmidi handed the
message over; CLOCK_MONOTONIC is system-wide, so it can be compared with
``time.monotonic_ns()`` taken in the sending process.  ``delta`` is rtmidi's
own time since the previous message, in seconds.  The process stops cleanly on
SIGTERM or SIGINT (and, with --watch-stdin, when its stdin reaches EOF, so it
never outlives a parent that holds the other end of the pipe).

The JACK server is the one named by JACK_DEFAULT_SERVER, as for any JACK client.

In tests, use `JackReceiver`, which runs this process, and a sender of a
process of its own (`tests.support.jack_source.JackSource`)::

    with JackReceiver(server=jack_server) as rx:
        out = JackSource("tj-sender", target=rx.port)
        rx.wait_connected()
        out.send([0x90, 60, 100])
        rx.wait_for(1)
        out.close()
    rx.messages  # [ReceivedMessage(data=b"\\x90<d", time_ns=..., delta=...)]
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
READY = "ready"


# --- the receiving process -----------------------------------------------------


def _find_own_port(client_name: str, port_name: str) -> str:
    """The full JACK name of our virtual input port, as other clients see it.

    JACK may rename a client whose name is taken (NAME-01), so look it up
    instead of guessing.
    """
    import rtmidi

    probe = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=f"{client_name}-probe")
    try:
        ports = probe.get_ports()
    finally:
        probe.delete()
    exact = f"{client_name}:{port_name}"
    if exact in ports:
        return exact
    for port in ports:
        client, _, name = port.partition(":")
        if client.startswith(client_name) and name == port_name:
            return port
    raise RuntimeError(f"virtual port {exact!r} not found among JACK input ports {ports!r}")


def receive(out_path: str, port_name: str, client_name: str, watch_stdin: bool) -> int:
    import rtmidi

    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if watch_stdin:

        def wait_eof() -> None:
            # os.read on the raw fd: a daemon thread blocked inside the buffered
            # sys.stdin would hold its lock and abort the interpreter at exit.
            try:
                while os.read(0, 4096):
                    pass
            except OSError:
                pass
            finally:
                stop.set()

        threading.Thread(target=wait_eof, name="stdin-eof", daemon=True).start()

    # No Python callback: it would run in JACK's process thread and wait for
    # the GIL, and a process cycle that comes late loses its events. Without
    # one, rtmidi queues messages in C++ with their JACK-time deltas, and this
    # thread polls. Times are the first message's arrival plus those deltas.
    midi_in = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name=client_name, queue_size_limit=65536)
    # Record everything, including SysEx, clock and active sensing.
    midi_in.ignore_types(sysex=False, timing=False, active_sense=False)
    midi_in.open_virtual_port(port_name)
    full_name = _find_own_port(client_name, port_name)

    with open(out_path, "w", encoding="utf-8") as out:
        print(f"{READY} {full_name}", flush=True)
        clock_ns: int | None = None

        def drain() -> bool:
            nonlocal clock_ns
            got = False
            while True:
                event = midi_in.get_message()
                if event is None:
                    return got
                data, delta = event
                clock_ns = time.monotonic_ns() if clock_ns is None else clock_ns + round(delta * 1e9)
                out.write(json.dumps({"data": data, "time_ns": clock_ns, "delta": delta}) + "\n")
                got = True

        while not stop.is_set():
            if drain():
                out.flush()
            else:
                time.sleep(0.002)  # times come from rtmidi, not from this poll
        drain()
        out.flush()
    # No close_port(): RtMidi 5.0 unregisters the port while JACK's process
    # thread may still read it, and on a loaded machine the receiver died of
    # it (SIGSEGV). Everything is written; the server drops a client that goes.
    os._exit(0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.jack_receiver",
        description="Record the MIDI messages arriving on a JACK port as JSON lines.",
    )
    parser.add_argument("--out", required=True, help="file to write the JSON lines to")
    parser.add_argument("--port-name", default="in", help="name of the virtual input port")
    parser.add_argument(
        "--client-name",
        default=f"tj-receiver-{os.getpid()}",
        help="JACK client name (default: tj-receiver-PID)",
    )
    parser.add_argument(
        "--watch-stdin", action="store_true", help="also stop when stdin reaches EOF"
    )
    args = parser.parse_args(argv)
    return receive(args.out, args.port_name, args.client_name, args.watch_stdin)


# --- helpers for tests -------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMessage:
    data: bytes
    """The raw MIDI bytes of one message."""
    time_ns: int
    """time.monotonic_ns() in the receiving process when the message arrived."""
    delta: float
    """rtmidi's time since the previous message, in seconds."""


def _read_messages(path: Path) -> list[ReceivedMessage]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    messages = []
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n"):
            break  # a line still being written
        item = json.loads(line)
        messages.append(ReceivedMessage(bytes(item["data"]), item["time_ns"], item["delta"]))
    return messages


def jack_connections(port: str, server: str | None = None) -> list[str]:
    """The ports connected to `port` right now, as `jack_lsp -c` reports them."""
    cmd = [shutil.which("jack_lsp") or "jack_lsp"]
    if server:
        cmd += ["-s", server]
    cmd += ["-c", port]
    env = dict(os.environ, JACK_NO_START_SERVER="1")
    result = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=10, check=True
    )
    connections: list[str] = []
    current = None
    for line in result.stdout.splitlines():
        if line[:1].isspace():
            if current == port:
                connections.append(line.strip())
        else:
            current = line.strip()
    return connections


def close_midi(port: Any) -> None:
    """Close a python-rtmidi MidiIn/MidiOut and its JACK client."""
    port.close_port()
    port.delete()


def open_jack_output(target: str, client_name: str | None = None, port_name: str = "out") -> Any:
    """A python-rtmidi MidiOut on the JACK API, connected to the input port `target`
    (for a sender that is a process of its own, as the benchmark's loop).

    On JACK, MidiOut.get_ports() lists the input ports of the other clients, so
    opening `target` by its index makes rtmidi create our output port and
    connect it.  The connection is live a moment later: call
    JackReceiver.wait_connected() before sending.  Like any JACK client in this
    process, it talks to the server named by JACK_DEFAULT_SERVER (the
    `jack_server` fixture sets it).
    """
    import rtmidi

    out = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=client_name or f"tj-sender-{uuid.uuid4().hex[:8]}")
    ports = out.get_ports()
    if target not in ports:
        out.delete()
        raise RuntimeError(f"JACK input port {target!r} not found among {ports!r}")
    out.open_port(ports.index(target), name=port_name)
    return out


class ReceiverCrashed(AssertionError):
    """The receiving process died of SIGSEGV: under load, with the server
    logging xruns, RtMidi 5.0's JACK input has crashed now and then (not at
    close: it is not closed). What it wrote until then is kept; a fault of
    the rig, an AssertionError so that `retry_on_xrun` tries again."""


class JackReceiver:
    """Runs `python -m tests.support.jack_receiver` and reads what it recorded.

    Use it as a context manager; `port` is the JACK port to send to.  After
    the block, or after stop(), `messages` holds everything that arrived.
    """

    def __init__(
        self,
        server: str | None = None,
        port_name: str = "in",
        client_name: str | None = None,
        ready_timeout: float = 10.0,
    ) -> None:
        self.server = server or os.environ.get("JACK_DEFAULT_SERVER")
        self.port_name = port_name
        self.client_name = client_name or f"tj-receiver-{uuid.uuid4().hex[:8]}"
        self.ready_timeout = ready_timeout
        self.port = ""
        self._tmp = Path(tempfile.mkdtemp(prefix="trackjammer-receiver."))
        self.out_path = self._tmp / "messages.jsonl"
        self._stderr_path = self._tmp / "stderr.txt"
        self._proc: subprocess.Popen[bytes] | None = None
        self._final: list[ReceivedMessage] | None = None

    # -- lifecycle

    def start(self) -> JackReceiver:
        env = dict(os.environ, JACK_NO_START_SERVER="1", PYTHONUNBUFFERED="1")
        if self.server:
            env["JACK_DEFAULT_SERVER"] = self.server
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        cmd = [
            sys.executable, "-m", "tests.support.jack_receiver",
            "--out", str(self.out_path),
            "--port-name", self.port_name,
            "--client-name", self.client_name,
            "--watch-stdin",
        ]
        with open(self._stderr_path, "wb") as stderr:
            self._proc = subprocess.Popen(
                cmd, cwd=REPO_ROOT, env=env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
            )
        try:
            self.port = self._wait_ready()
        except BaseException:
            self._terminate()
            raise
        return self

    def _wait_ready(self) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        deadline = time.monotonic() + self.ready_timeout
        buffer = b""
        with selectors.DefaultSelector() as sel:
            sel.register(self._proc.stdout, selectors.EVENT_READ)
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise RuntimeError(
                        f"JACK receiver not ready after {self.ready_timeout} s{self._stderr_note()}"
                    )
                if sel.select(remaining):
                    chunk = os.read(self._proc.stdout.fileno(), 4096)
                    if not chunk:
                        self._proc.wait(timeout=5)
                        raise RuntimeError(
                            f"JACK receiver exited with status {self._proc.returncode}"
                            f" before it was ready{self._stderr_note()}"
                        )
                    buffer += chunk
        line = buffer.split(b"\n", 1)[0].decode()
        word, _, port = line.partition(" ")
        if word != READY or not port:
            raise RuntimeError(f"unexpected first line from the JACK receiver: {line!r}")
        return port

    def _stderr_note(self) -> str:
        try:
            text = self._stderr_path.read_text(errors="replace").strip()
        except OSError:
            text = ""
        return f"; its stderr:\n{text}" if text else ""

    def _terminate(self) -> int | None:
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()
        return proc.returncode

    def stop(self) -> list[ReceivedMessage]:
        """Stop the receiver and return every message it recorded."""
        if self._final is None:
            status = self._terminate()
            self._final = _read_messages(self.out_path)
            note = self._stderr_note()
            shutil.rmtree(self._tmp, ignore_errors=True)
            if status == -signal.SIGSEGV:
                raise ReceiverCrashed(f"the rig's JACK receiver died of SIGSEGV inside RtMidi/JACK{note}")
            if status not in (None, 0):
                raise RuntimeError(f"JACK receiver exited with status {status}{note}")
        return list(self._final)

    def __enter__(self) -> JackReceiver:
        return self.start()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self.stop()
        except (RuntimeError, ReceiverCrashed):
            if exc_type is None:
                raise

    # -- while running

    @property
    def messages(self) -> list[ReceivedMessage]:
        """What arrived so far (everything, once stopped)."""
        if self._final is not None:
            return list(self._final)
        return _read_messages(self.out_path)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """Wait until at least `count` messages arrived; return them all.

        Raises AssertionError with what did arrive when the time runs out.
        """
        deadline = time.monotonic() + timeout
        while True:
            messages = self.messages
            if len(messages) >= count:
                return messages
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"expected {count} MIDI messages within {timeout} s, got {len(messages)}:"
                    f" {[m.data.hex(' ') for m in messages]}"
                )
            time.sleep(0.005)

    def settle(self, count: int, timeout: float = 5.0, quiet: float = 0.5) -> list[ReceivedMessage]:
        """Wait until `count` messages arrived, or none more for `quiet`
        seconds (the transport lost some near an xrun: tests/support/heard.py
        judges), or `timeout`; return what arrived."""
        deadline = time.monotonic() + timeout
        seen, since = -1, time.monotonic()
        while True:
            messages = self.messages
            now = time.monotonic()
            if len(messages) >= count or now >= deadline or (len(messages) == seen and now - since >= quiet):
                return messages
            if len(messages) != seen:
                seen, since = len(messages), now
            time.sleep(0.005)

    def connections(self) -> list[str]:
        return jack_connections(self.port, self.server)

    def wait_connected(self, timeout: float = 5.0, settle: float = 0.01) -> list[str]:
        """Wait until some port is connected to ours, then `settle` seconds more.

        A message sent before the connection reaches JACK's process graph is
        silently lost, so senders wait for this before the first message.
        """
        deadline = time.monotonic() + timeout
        while True:
            connected = self.connections()
            if connected:
                time.sleep(settle)
                return connected
            if time.monotonic() >= deadline:
                raise AssertionError(f"nothing connected to {self.port} within {timeout} s")
            time.sleep(0.01)


if __name__ == "__main__":
    sys.exit(main())
