"""Whether a JACK port is there, asked cheaply: a client of our own, never activated.

Why: the sending process asks every 0.25 s whether each port it sends to
is still there (engine/port_health.py). Through python-rtmidi that is a
port count and a port name, each a walk of the server's whole port table
with a type pattern compiled for it: 0.36 ms of CPU with the caches cold
after a sleep, about 0.13 % of a core at four looks a second while playing.
`jack_port_by_name` on a client of our own finds a port by its name for
about 0.05 ms.

The client has no ports and is never activated: it is in no process graph,
has no real-time thread, and its two threads wake for nothing (measured:
they slept through 5 s of a server logging xruns). It is opened through
the libjack python-rtmidi loaded (its wheel brings one of its own), so
both share one connection's state; where that library cannot be found or
the client cannot be opened, callers look the old way.

`forget()` closes the probe in use (a client whose server went away
closes in ~25 ms, saying nothing) so that the next look opens one on the
server there now; a process closes it on its way out, so the server drops
it at once rather than at its next notification.
"""

from __future__ import annotations

import atexit
import ctypes
import re
import threading
from typing import Any

from trackjammer.midi.quiet import quiet_stderr

NO_START_SERVER = 0x01  # JackNoStartServer: never start a server to probe it
MAPS = "/proc/self/maps"  # where the libjack this process loaded is found (Linux)
FALLBACK_LIBRARY = "libjack.so.0"
LIBJACK = re.compile(r"\s(/\S*/libjack(?:-[0-9a-f]+)?\.so[.0-9]*)$")  # not libjackserver, libjacknet


class JackProbe:
    """A client that only looks ports up by name."""

    def __init__(self, library: Any, client: int) -> None:
        self._library = library
        self._client = client

    def has_port(self, name: str) -> bool:
        return bool(self._library.jack_port_by_name(self._client, name.encode("utf-8", "replace")))

    def close(self) -> None:
        with quiet_stderr():  # "Server is not running", when it went away
            self._library.jack_client_close(self._client)


_lock = threading.Lock()
_probe: JackProbe | None = None
_tried = False  # opened, or tried and failed (not tried again until forget())


def probe(client_name: str) -> JackProbe | None:
    """The probe for the server this process's JACK clients talk to, opened
    on first use; None where it cannot be (no libjack found, no server)."""
    global _probe, _tried
    with _lock:
        if not _tried:
            _tried = True
            _probe = _open(f"{client_name} probe")
        return _probe


def forget() -> None:
    """Close the probe in use (a server came back in place of the one it
    was on, or the process ends): the next probe() opens a client anew."""
    global _probe, _tried
    with _lock:
        if _probe is not None:
            _probe.close()
        _probe, _tried = None, False


atexit.register(forget)


def _open(name: str) -> JackProbe | None:
    library = _library()
    if library is None:
        return None
    try:
        with quiet_stderr():  # libjack says on stderr why it cannot connect
            client = library.jack_client_open(name.encode("utf-8", "replace"), NO_START_SERVER, None)
    except OSError:
        return None
    return JackProbe(library, client) if client else None


def _library() -> Any:
    """The libjack already loaded in this process (python-rtmidi's), else the system's."""
    path = FALLBACK_LIBRARY
    try:
        with open(MAPS) as maps:
            for line in maps:
                found = LIBJACK.search(line.rstrip("\n"))
                if found:
                    path = found.group(1)
                    break
    except OSError:
        pass
    try:
        library = ctypes.CDLL(path)
    except OSError:
        return None
    library.jack_client_open.restype = ctypes.c_void_p
    library.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
    library.jack_port_by_name.restype = ctypes.c_void_p
    library.jack_port_by_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    library.jack_client_close.argtypes = [ctypes.c_void_p]
    return library
