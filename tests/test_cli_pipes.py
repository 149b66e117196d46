"""A reader that goes away (`trackjammer events ... | head`): the command
ends quietly with status 141 (128 + SIGPIPE), as `seq` or `cat` do, in
real pipes: never "internal error", never status 70."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.jack_receiver import JackReceiver
from trackjammer import cli

EXIT_CLOSED_PIPE = 141


def into_a_closed_pipe(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    """Run trackjammer with stdout the write end of a pipe whose reader has
    already gone: the first write meets EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "trackjammer", *args], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=60, cwd=cwd, env=dict(os.environ, **env))
    finally:
        os.close(write_end)


@pytest.mark.parametrize("extra", [[], ["--json"], ["--debug"]])
def test_events_into_a_closed_pipe_ends_quietly(extra: list[str]) -> None:
    result = into_a_closed_pipe("events", "[C4 E4]", *extra)
    assert (result.returncode, result.stderr) == (EXIT_CLOSED_PIPE, "")


def test_run_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    script = tmp_path / "a.tj"
    script.write_text('print("one");\nprint("two");\n')
    result = into_a_closed_pipe("run", str(script), "--offline", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (EXIT_CLOSED_PIPE, "")


@pytest.mark.jack
def test_ports_into_a_closed_pipe_ends_quietly(jack_server: str) -> None:
    with JackReceiver(server=jack_server):  # at least one port to list
        result = into_a_closed_pipe("ports", "--backend", "jack")
    assert (result.returncode, result.stderr) == (EXIT_CLOSED_PIPE, "")


def test_events_piped_to_head_in_a_shell(tmp_path: Path) -> None:
    """The case as typed: head takes two lines and leaves; 20,000 events
    (some 800 kB) cannot all fit in the pipe before it does."""
    command = (f"{sys.executable} -m trackjammer events '[C4 E4].fast(10000)' | head -n 2; "
               'echo "status ${PIPESTATUS[0]}" >&2')
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.stdout.splitlines() == ["   begin       end   note        velocity",
                                          "       0   1/20000     60  C4           -"]
    assert result.stderr == f"status {EXIT_CLOSED_PIPE}\n"


def test_a_full_listing_into_a_pipe_still_ends_with_0(tmp_path: Path) -> None:
    command = f"{sys.executable} -m trackjammer events '[C4 E4]' | cat; echo \"status ${{PIPESTATUS[0]}}\" >&2"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.stdout.splitlines()[-1] == "2 events"
    assert result.stderr == "status 0\n"


def test_a_broken_pipe_elsewhere_is_still_a_bug() -> None:
    """Only standard output going away is quiet: a broken pipe to anything
    else (the sending process) is reported as the bug it is."""
    assert cli._stdout_closed(BrokenPipeError(32, "Broken pipe")) is False
    assert cli._stdout_closed(ValueError("no pipe at all")) is False
