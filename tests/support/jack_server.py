"""Start and stop a private JACK server (dummy driver, no realtime).

scripts/test normally starts the server before pytest and exports its name in
JACK_DEFAULT_SERVER.  This class lets a plain `pytest` run do the same when
jackd is installed, so the JACK tests do not depend on the wrapper script.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path


STAMP_LINES = Path(__file__).resolve().parents[2] / "scripts" / "_stamp_lines.py"


class JackServerError(RuntimeError):
    """The private JACK server could not be started."""


def jack_env(server: str | None = None) -> dict[str, str]:
    """Environment for a JACK client or server process.

    Clients never start a server of their own, and nothing asks D-Bus to
    reserve an audio device.  With `server`, clients talk to that server.
    """
    env = dict(os.environ)
    env["JACK_NO_START_SERVER"] = "1"
    env["JACK_NO_AUDIO_RESERVATION"] = "1"
    if server is not None:
        env["JACK_DEFAULT_SERVER"] = server
    return env


def server_is_up(name: str) -> bool:
    """True when a JACK server with this name accepts clients."""
    jack_lsp = shutil.which("jack_lsp")
    if jack_lsp is None:
        raise JackServerError("jack_lsp is not installed (it comes with jackd2)")
    result = subprocess.run(
        [jack_lsp, "-s", name],
        env=jack_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=10,
        check=False,
    )
    return result.returncode == 0


class PrivateJackServer:
    """A jackd process under a unique server name; a user's server is never touched."""

    def __init__(self, name: str | None = None, rate: int = 48000, period: int = 64) -> None:
        self.name = name or f"trackjammer-pytest-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.rate = rate
        self.period = period
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp = Path(tempfile.mkdtemp(prefix="trackjammer-jackd."))
        self.log_path = self._tmp / "jackd.log"

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def start(self, timeout: float = 10.0) -> PrivateJackServer:
        jackd = shutil.which("jackd")
        if jackd is None:
            raise JackServerError("jackd is not installed")
        stdbuf = [stdbuf, "-oL", "-eL"] if (stdbuf := shutil.which("stdbuf")) else []
        self._proc = subprocess.Popen(
            [*stdbuf, jackd, "-n", self.name, "--no-realtime",
             "-d", "dummy", "-r", str(self.rate), "-p", str(self.period)],
            env=jack_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        with open(self.log_path, "wb") as log:  # each line stamped: when did an xrun happen (tests/support/xruns.py)
            subprocess.Popen([sys.executable, "-u", str(STAMP_LINES)], stdin=self._proc.stdout, stdout=log)
        self._proc.stdout.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            if server_is_up(self.name):
                return self
            time.sleep(0.1)
        tail = self.log_tail()
        self.stop()
        raise JackServerError(
            f"the private JACK server {self.name!r} did not come up; jackd log:\n{tail}"
        )

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> PrivateJackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
