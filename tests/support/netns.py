"""A private network namespace with only loopback up, for Ableton Link.

Link multicasts on every network interface it finds, so a test or a
benchmark that plays in a Link session must never run on the machine's
real network. `in_namespace(argv)` is the command that runs `argv` inside
`unshare -n` (root only) with `lo` up and a route for the multicast range
on it; `namespace_problem()` says why none can be made here (skip then).
Whatever runs Link calls `only_loopback()` first and refuses to go on
anywhere else.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

SETUP = "ip link set lo up && ip link set lo multicast on && ip route replace 224.0.0.0/4 dev lo"


def namespace_problem() -> str | None:
    """None when `in_namespace` works here, else why not."""
    if os.geteuid() != 0:
        return "a private network namespace needs root (unshare -n), and Link must not run on the real network"
    for tool in ("unshare", "ip"):
        if shutil.which(tool) is None:
            return f"'{tool}' is not installed: no private network namespace for Link"
    try:
        done = subprocess.run(in_namespace(["true"]), capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"cannot make a private network namespace: {error}"
    if done.returncode != 0:
        return f"cannot make a private network namespace: {done.stderr.strip() or done.returncode}"
    return None


def in_namespace(argv: list[str]) -> list[str]:
    """The command running `argv` in a new network namespace with only lo, up."""
    return ["unshare", "--net", "sh", "-c", f'{SETUP} && exec "$@"', "netns", *argv]


def only_loopback() -> None:
    """Raise unless this process's network has no interface but lo (Link would reach the real network)."""
    names = [name for _, name in socket.if_nameindex()]
    if names != ["lo"]:
        raise SystemExit(f"refusing to run Ableton Link outside a private network namespace (interfaces: {names})")
