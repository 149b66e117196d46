"""What our virtual JACK ports are connected to, kept for a port made anew.

Why: TrackJammer's virtual ports ("TrackJammer", "TrackJammer in") live in
its sending and listening processes. When one of them dies, the process
started in its place makes the port anew, and JACK has forgotten what was
connected to it: the synth heard nothing more, the controller was not
heard, until the performer connected them again by hand. So TrackJammer's
own process looks, about once a second, at what each of our virtual JACK
ports is connected to, and when a new process has made the port anew it
connects again the ports that are still there, and says so once.

Cheaply: libjack through ctypes, with a JACK client of our own that is
never activated (it takes no part in JACK's process cycle, so it costs
nothing per period) and is open only while a port is watched;
`jack_port_get_all_connections` reads JACK's shared memory. Without
libjack, a JACK server or a port on JACK, nothing happens and nothing is
said.

Which port is ours: a second TrackJammer's client is "TrackJammer-01", and
JACK does not tell which process owns a client. Each JACK client gets a
UUID, larger for each client opened; a port made a moment ago is the one,
of those called so ("TrackJammer", "TrackJammer in"), whose client is the
newest, and not yet connected (a port TrackJammer opened by name is
connected as it opens). Looked for at once when the port is opened, and
when it is made anew among clients newer than any there when its process
died.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from trackjammer.midi.quiet import quiet_stderr

LOOK_EVERY = 1.0  # seconds between looks at what our ports are connected to
CLIENT_NAME = b"TrackJammer-links"
_NO_START_SERVER = 0x01  # JackNoStartServer
_IS_INPUT, _IS_OUTPUT = 0x1, 0x2  # JackPortIsInput, JackPortIsOutput


# -- what our ports are connected to (in TrackJammer's own process) ------------------------------

@dataclass
class _Watched:
    port: str  # the port's own name ("TrackJammer")
    output: bool  # a JACK output port (we send from it), else an input
    name: str | None = None  # its full JACK name ("TrackJammer-01:TrackJammer"), once found
    peers: tuple[str, ...] = ()  # what it was last seen connected to
    empty: int = 0  # looks in a row that found it connected to nothing
    waiting: bool = False  # its process died: its port is being made anew
    newer: int = -1  # its port made anew is a client's newer than this UUID


class _Jack:
    """libjack through ctypes, and a client that is never activated."""

    def __init__(self, lib: Any, ctypes: Any = None) -> None:
        self.lib, self.ctypes = lib, ctypes
        self.client: int | None = None
        self.dead = False  # its server shut it down: never used again (as rtmidi_out keeps dead clients)
        self._keep: list[Any] = []  # the callbacks given to libjack

    @classmethod
    def load(cls) -> _Jack | None:
        import ctypes  # here: ctypes.util takes 10 ms to import, and most runs never need it
        import ctypes.util

        name = ctypes.util.find_library("jack")
        if name is None:
            return None
        try:
            lib = ctypes.CDLL(name)
            c, p = ctypes.c_void_p, ctypes.c_char_p
            lib.jack_client_open.restype, lib.jack_client_open.argtypes = c, [p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
            lib.jack_port_by_name.restype, lib.jack_port_by_name.argtypes = c, [c, p]
            lib.jack_port_get_all_connections.restype = ctypes.POINTER(p)
            lib.jack_port_get_all_connections.argtypes = [c, c]
            lib.jack_connect.restype, lib.jack_connect.argtypes = ctypes.c_int, [c, p, p]
            lib.jack_free.restype, lib.jack_free.argtypes = None, [c]
            lib.jack_on_shutdown.restype, lib.jack_on_shutdown.argtypes = None, [c, c, c]
            lib.jack_get_ports.restype = ctypes.POINTER(p)
            lib.jack_get_ports.argtypes = [c, p, p, ctypes.c_ulong]
            lib.jack_get_uuid_for_client_name.restype = c  # a string to jack_free
            lib.jack_get_uuid_for_client_name.argtypes = [c, p]
            lib.jack_client_close.restype, lib.jack_client_close.argtypes = ctypes.c_int, [c]
        except (OSError, AttributeError):
            return None
        return cls(lib, ctypes)

    def ready(self) -> bool:
        """A client, opened now if there is none (or its server went); False without a server."""
        if self.client is not None and not self.dead:
            return True
        ctypes = self.ctypes
        status = ctypes.c_int()
        with quiet_stderr():  # libjack says "Cannot connect to server socket"
            client = self.lib.jack_client_open(CLIENT_NAME, _NO_START_SERVER, ctypes.byref(status))
        if not client:
            return False
        shutdown = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(self._shut_down)
        self._keep.append(shutdown)
        self.lib.jack_on_shutdown(client, ctypes.cast(shutdown, ctypes.c_void_p), None)
        self.client, self.dead = client, False
        return True

    def _shut_down(self, _arg: Any) -> None:
        self.dead = True

    def close(self) -> None:
        """Our client closed: its threads (libjack's, in this process) end.
        A client its server shut down is left as it is, never closed."""
        if self.client is not None and not self.dead:
            with quiet_stderr():
                self.lib.jack_client_close(self.client)
        self.client = None

    def exists(self, name: str) -> int | None:
        return self.lib.jack_port_by_name(self.client, name.encode()) or None

    def connections(self, port: int) -> tuple[str, ...]:
        return self._names(self.lib.jack_port_get_all_connections(self.client, port))

    def ports(self, output: bool) -> tuple[str, ...]:
        """JACK's MIDI output (or input) ports."""
        return self._names(self.lib.jack_get_ports(self.client, None, b"midi", _IS_OUTPUT if output else _IS_INPUT))

    def uuid(self, client: str) -> int:
        """A client's UUID (-1: not there)."""
        found = self.lib.jack_get_uuid_for_client_name(self.client, client.encode())
        if not found:
            return -1
        try:
            return int(self.ctypes.string_at(found))
        except ValueError:
            return -1
        finally:
            self.lib.jack_free(found)

    def _names(self, found: Any) -> tuple[str, ...]:
        if not found:
            return ()
        names, at = [], 0
        while found[at] is not None:
            names.append(found[at].decode(errors="replace"))
            at += 1
        self.lib.jack_free(self.ctypes.cast(found, self.ctypes.c_void_p))
        return tuple(sorted(names))

    def called(self, port: str, output: bool) -> list[tuple[str, int, bool]]:
        """The ports called `port` (any client's): (full name, its client's UUID, connected)."""
        found = []
        for name in self.ports(output):
            client, colon, own = name.rpartition(":")
            if colon and own == port:
                there = self.exists(name)
                found.append((name, self.uuid(client), bool(there and self.connections(there))))
        return found

    def newest(self, port: str, output: bool, newer: int) -> str | None:
        """Ours, of the ports called `port`: a client's newer than `newer`,
        the newest of those not connected (else the newest)."""
        found = [item for item in self.called(port, output) if item[1] > newer]
        if not found:
            return None
        return min(found, key=lambda item: (item[2], -item[1]))[0]

    def connect(self, source: str, destination: str) -> bool:
        return self.lib.jack_connect(self.client, source.encode(), destination.encode()) in (0, 17)  # 17: EEXIST


class Links:
    """Our virtual JACK ports and what they are connected to, looked at
    every LOOK_EVERY seconds by a thread of its own (started with the first
    port watched)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the watched ports, and every libjack call
        self._watched: dict[Any, _Watched] = {}
        self._jack: _Jack | None = None
        self._loaded = False
        self._tried = False  # a client could not be opened: not tried again until a port is (made anew)
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()

    def watch(self, key: Any, port: str, output: bool) -> None:
        """Watch our virtual JACK port called `port`, opened a moment ago (its
        full name is looked for at once, by the thread)."""
        with self._lock:
            self._watched[key] = _Watched(port, output)
            self._tried = False
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="trackjammer-jack-links", daemon=True)
                self._thread.start()
        self._wake.set()

    def watching(self, key: Any) -> bool:
        """Whether that port's connections are kept (over JACK, its name known)."""
        with self._lock:
            return key in self._watched

    def unwatch(self, key: Any) -> None:
        """Stop watching; the last port gone, our JACK client is closed (opened
        again with the next port watched): no client of ours, nor its
        threads, stays in the process while no port is watched."""
        with self._lock:
            self._watched.pop(key, None)
            if not self._watched and self._jack is not None:
                try:
                    self._jack.close()
                except Exception:  # noqa: BLE001 - called as an output closes: never in its way
                    pass

    def died(self, key: Any) -> None:
        """The process that owns the port died: what it was connected to is
        kept as it was, until the port is made anew (a new port of the same
        name is not looked at before)."""
        with self._lock:
            watched = self._watched.get(key)
            if watched is None or watched.waiting:
                return
            watched.waiting = True
            try:
                if self._ready():  # a new port is a newer client's than any there now
                    watched.newer = max((uuid for _, uuid, _ in self._jack.called(watched.port, watched.output)),
                                        default=-1)
            except Exception:  # noqa: BLE001 - called where the restart is on its way: never in its way
                pass

    def made_anew(self, key: Any, say: Callable[[str], None]) -> None:
        """A new process made the port anew: connect it again to what the old
        one was connected to, what of it is still there, and say so once."""
        try:
            said = self._connect_again(key)
        except Exception:  # noqa: BLE001 - called by the threads that read the processes' reports
            return
        if said is not None:
            say(said)

    def _connect_again(self, key: Any) -> str | None:
        with self._lock:
            watched = self._watched.get(key)
            if watched is None or not watched.waiting:
                return None
            watched.waiting, watched.empty = False, 0
            self._tried = False
            if not self._ready():  # (its server gone meanwhile, what was connected is forgotten)
                watched.name = None
                return None
            jack = self._jack
            assert jack is not None
            name = jack.newest(watched.port, watched.output, watched.newer)
            peers, watched.name = watched.peers, name
            if not peers or name is None:
                return None
            done, gone = [], []
            for peer in peers:
                if jack.exists(peer) is None:
                    gone.append(peer)
                elif jack.connect(name, peer) if watched.output else jack.connect(peer, name):
                    done.append(peer)
                else:
                    gone.append(peer)
        said = f"MIDI port '{name}' made anew: "
        if done:
            said += "reconnected to " + ", ".join(done)
            if gone:
                said += "; not to " + ", ".join(gone) + " (gone)"
        else:
            said += "what it was connected to is gone (" + ", ".join(gone) + ")"
        return said

    def look(self) -> None:
        """Once: what each watched port is connected to now."""
        with self._lock:
            if not self._watched or not self._ready():
                return
            jack = self._jack
            assert jack is not None
            for watched in self._watched.values():
                if watched.waiting:
                    continue
                if watched.name is None:  # opened a moment ago (or made anew while no server answered)
                    watched.name = jack.newest(watched.port, watched.output, watched.newer)
                    if watched.name is None:
                        continue
                port = jack.exists(watched.name)
                if port is None:  # its process died (not yet known here): kept as it was
                    continue
                peers = jack.connections(port)
                if peers:
                    watched.peers, watched.empty = peers, 0
                else:
                    # Twice in a row: a dying client's connections may go a moment before its port.
                    watched.empty += 1
                    if watched.empty >= 2:
                        watched.peers = ()

    def _ready(self) -> bool:
        """Our JACK client is there (opened now if need be). Its server gone,
        what our ports were connected to is forgotten (that server's)."""
        if not self._loaded:
            self._loaded = True
            self._jack = _Jack.load()
        jack = self._jack
        if jack is None:
            return False
        if jack.client is not None and jack.dead:
            for watched in self._watched.values():
                watched.peers = ()
        if jack.client is not None and not jack.dead:
            return True
        if self._tried:
            return False
        self._tried = True
        return jack.ready()

    def _run(self) -> None:
        while True:
            self._wake.wait(LOOK_EVERY)
            self._wake.clear()
            try:
                self.look()
            except Exception:  # noqa: BLE001 - never end the music over a look at connections
                pass


_links: Links | None = None
_links_lock = threading.Lock()


def links() -> Links:
    """This process's one Links."""
    global _links
    with _links_lock:
        if _links is None:
            _links = Links()
        return _links
