"""The door for editors: a socket where the running REPL takes code.

Why a Unix socket in the user's runtime directory: only the user (and
root) can reach it. The folder is the user's own and mode 0700, the socket
0600, and every connection's peer is checked to be the same user where the
system says who it is (SO_PEERCRED on Linux). TCP is opened only when asked
for (`--listen tcp:PORT`), only on 127.0.0.1, and then every request must
carry the token kept in a 0600 file beside the socket: another user on the
machine can reach the port but cannot read the token.

One socket per project (`<project>.sock`). At start a socket with no process
behind it (a REPL that was killed) is replaced; a path that is not a socket,
or a socket of another user, is refused with an error, and the REPL plays
on without a door.

The protocol is one JSON line each way: `{"code": ..., "token": ...}` in,
`{"ok": ..., "output": ...}` out. The door's threads only carry requests:
the REPL evaluates them on its own thread (`Request` waits for `reply`).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import selectors
import socket
import stat
import struct
import threading
from pathlib import Path
from typing import Callable

from trackjammer.errors import TrackJammerError
from trackjammer.project.renders import safe_name

MAX_REQUEST = 4 * 1024 * 1024  # bytes: a whole song is far smaller
REPLY_TIMEOUT = 120.0  # seconds the sender waits (an export of many cycles takes a while)
MAX_SOCKET_PATH = 100  # bytes: sun_path holds 104 (macOS) to 108 (Linux)


class DoorError(TrackJammerError):
    """The door cannot be opened or reached."""


def runtime_dir(create: bool = True) -> Path:
    """`$XDG_RUNTIME_DIR/trackjammer` (else a folder of the user's own in the
    temporary directory), the user's own and 0700, or an error."""
    base = os.environ.get("XDG_RUNTIME_DIR", "").strip()
    if base and os.path.isabs(base):
        folder = Path(base) / "trackjammer"
    else:
        import tempfile  # start-up time: `trackjammer send` loads only what sending needs

        folder = Path(tempfile.gettempdir()) / f"trackjammer-{os.getuid()}"
    if create:
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise DoorError(f"cannot make {folder}: {error.strerror or error}",
                            hint="set XDG_RUNTIME_DIR to a folder of your own") from None
    try:
        info = folder.lstat()
    except FileNotFoundError:
        return folder
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise DoorError(f"{folder} is not a private folder of yours (owner {info.st_uid}, mode "
                        f"{stat.S_IMODE(info.st_mode):o})",
                        hint="it must be yours with mode 700: remove it, or set XDG_RUNTIME_DIR")
    return folder


def socket_path(project: str) -> Path:
    """The project's socket: `<project>.sock`, or a hash of the name where
    the path would be too long for a socket."""
    folder = runtime_dir()
    name = safe_name(project)
    path = folder / f"{name}.sock"
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        path = folder / f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.sock"
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        raise DoorError(f"the folder {folder} is too deep for a socket",
                        hint="set XDG_RUNTIME_DIR to a shorter path")
    return path


def token_path(project: str) -> Path:
    return socket_path(project).with_suffix(".token")


def claim(path: Path) -> None:
    """Make room for our socket at `path`: nothing there, or a stale socket
    of ours (removed). Anything else is an error saying what it is."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(info.st_mode):
        raise DoorError(f"cannot listen on {path}: it is not a socket",
                        hint="something else has that name: move it away, or use --no-listen")
    if info.st_uid != os.getuid():
        raise DoorError(f"cannot listen on {path}: the socket belongs to user {info.st_uid}, not to you",
                        hint="another user's file in your runtime folder: remove it (as that user or root)")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(1.0)
        probe.connect(str(path))
    except (ConnectionRefusedError, FileNotFoundError):
        path.unlink(missing_ok=True)  # stale: no process behind it
        return
    except OSError:
        path.unlink(missing_ok=True)
        return
    finally:
        probe.close()
    raise DoorError(f"another TrackJammer listens on {path}",
                    hint="send goes to that one; start this one with another --project, or --no-listen")


class Request:
    """Code that came through the door, waiting for the REPL's answer (a
    plain class: `trackjammer send` imports this module, and dataclasses
    with inspect were a tenth of its start)."""

    def __init__(self, code: str):
        self.code = code
        self._done = threading.Event()
        self.ok = False
        self.output = ""

    def __repr__(self) -> str:
        return f"Request(code={self.code!r}, ok={self.ok!r}, output={self.output!r})"

    def reply(self, ok: bool, output: str) -> None:
        self.ok, self.output = ok, output
        self._done.set()

    def wait(self, timeout: float) -> bool:
        return self._done.wait(timeout)


class Door:
    """Listens (a thread) and hands each request to `submit`, which must
    arrange for `Request.reply` to be called from the REPL's thread."""

    def __init__(self, project: str, submit: Callable[[Request], None], tcp_port: int | None = None):
        self.submit = submit
        self.path = socket_path(project)
        self.token_file: Path | None = None
        self.token: str | None = None
        self.tcp_address: tuple[str, int] | None = None
        self._selector = selectors.DefaultSelector()
        self._listeners: list[socket.socket] = []
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        claim(self.path)
        self._listen_unix()
        if tcp_port is not None:
            self._listen_tcp(project, tcp_port)
        self._thread = threading.Thread(target=self._serve, name="trackjammer-door", daemon=True)
        self._thread.start()

    def _listen_unix(self) -> None:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # created 0600: never a moment open to others
        try:
            server.bind(str(self.path))
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        self._add(server)

    def _listen_tcp(self, project: str, port: int) -> None:
        self.token = secrets.token_hex(32)
        self.token_file = token_path(project)
        self.token_file.unlink(missing_ok=True)
        fd = os.open(self.token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(self.token + "\n")
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            server.bind(("127.0.0.1", port))
        except OSError as error:
            server.close()
            self.close()
            raise DoorError(f"cannot listen on 127.0.0.1:{port}: {error.strerror or error}",
                            hint="choose another port: --listen tcp:PORT") from None
        self.tcp_address = server.getsockname()
        self._add(server)

    def _add(self, server: socket.socket) -> None:
        server.listen(8)
        server.setblocking(False)
        self._listeners.append(server)
        self._selector.register(server, selectors.EVENT_READ)

    def _serve(self) -> None:
        try:
            self._accept_until_closed()
        except (OSError, ValueError, KeyError):  # closed under select(): we are stopping
            if not self._closing.is_set():
                raise

    def _accept_until_closed(self) -> None:
        while not self._closing.is_set():
            for key, _ in self._selector.select(timeout=0.2):
                try:
                    connection, _address = key.fileobj.accept()  # type: ignore[union-attr]
                except OSError:
                    continue
                threading.Thread(target=self._answer, args=(connection,), daemon=True,
                                 name="trackjammer-door-request").start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            connection.setblocking(True)
            connection.settimeout(10.0)  # a sender that never finishes its request
            try:
                reply = self._handle(connection)
                connection.settimeout(None)
                connection.sendall((json.dumps(reply) + "\n").encode("utf-8"))
            except OSError:
                return  # the sender went away: its code (if any) was still evaluated

    def _handle(self, connection: socket.socket) -> dict:
        if connection.family == socket.AF_UNIX and not _same_user(connection):
            return {"ok": False, "output": "error: refused: the sender is not the user running TrackJammer"}
        try:
            message = json.loads(_read_line(connection))
            code = message["code"]
            if not isinstance(code, str):
                raise ValueError("code is not text")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
            return {"ok": False, "output": f"error: not a request TrackJammer understands ({error})"}
        if connection.family != socket.AF_UNIX and not secrets.compare_digest(str(message.get("token")),
                                                                              self.token or ""):
            return {"ok": False, "output": "error: refused: wrong or missing token"}
        request = Request(code)
        self.submit(request)
        connection.settimeout(None)
        while not request.wait(0.2):
            if self._closing.is_set():
                return {"ok": False, "output": "error: TrackJammer stopped before evaluating it"}
        return {"ok": request.ok, "output": request.output}

    def close(self) -> None:
        """Stop listening and remove the socket (and token) we made."""
        self._closing.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread() and thread.is_alive():
            thread.join(timeout=1.0)  # out of select() before its sockets close
        for server in self._listeners:
            try:
                self._selector.unregister(server)
            except (KeyError, ValueError):
                pass
            server.close()
        self._listeners.clear()
        for path in (self.path, self.token_file):
            if path is not None:
                try:
                    if path.lstat().st_uid == os.getuid():
                        path.unlink()
                except OSError:
                    pass


def _same_user(connection: socket.socket) -> bool:
    """The peer is our user (root too may reach any socket, as it may read
    any file). Where the system cannot say, the folder's mode protects."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return True
    try:
        _pid, uid, _gid = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, option,
                                                                     struct.calcsize("3i")))
    except OSError:
        return True
    return uid in (os.getuid(), 0)


def _read_line(connection: socket.socket) -> str:
    chunks, size = [], 0
    while True:
        chunk = connection.recv(65536)
        if not chunk:
            break
        newline = chunk.find(b"\n")
        if newline >= 0:
            chunks.append(chunk[:newline])
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_REQUEST:
            raise ValueError(f"more than {MAX_REQUEST // (1024 * 1024)} MB")
    return b"".join(chunks).decode("utf-8")


def send_code(code: str, project: str | None = None, tcp_port: int | None = None,
              timeout: float = REPLY_TIMEOUT) -> tuple[bool, str]:
    """Send `code` to the running REPL; (ok, output) as it answered."""
    message: dict = {"code": code}
    if tcp_port is not None:
        name = project or "untitled"
        try:
            message["token"] = token_path(name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise DoorError(f"cannot read the token {token_path(name)}: {error.strerror or error}",
                            hint="the REPL writes it when started with --listen tcp:PORT "
                            "(the same --project)") from None
        connection = socket.create_connection(("127.0.0.1", tcp_port), timeout=5.0)
    else:
        path = find_socket(project)
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(5.0)
        try:
            connection.connect(str(path))
        except (ConnectionRefusedError, FileNotFoundError):
            connection.close()
            raise DoorError(f"nothing listens on {path} (a REPL that ended without removing it)",
                            hint="start the REPL again: trackjammer") from None
    with connection:
        connection.settimeout(timeout)
        try:
            connection.sendall((json.dumps(message) + "\n").encode("utf-8"))
            answer = json.loads(_read_line(connection))
        except socket.timeout:
            raise DoorError(f"no answer within {timeout:g} seconds",
                            hint="the REPL may be busy with a long input; it still runs what was sent") from None
        except (OSError, ValueError) as error:
            raise DoorError(f"the REPL did not answer ({error})",
                            hint="it may have quit while evaluating") from None
    return bool(answer.get("ok")), str(answer.get("output", ""))


def find_socket(project: str | None) -> Path:
    """The socket of `project`, or the only one listening."""
    if project is not None:
        path = socket_path(project)
        _check_ours(path)
        return path
    sockets = sorted(p for p in runtime_dir().glob("*.sock"))
    if not sockets:
        raise DoorError("no TrackJammer REPL is listening",
                        hint="start one in a terminal: trackjammer (the REPL listens unless --no-listen)")
    if len(sockets) > 1:
        names = ", ".join(p.stem for p in sockets)
        raise DoorError(f"several REPLs are listening ({names})", hint="choose one: --project NAME")
    _check_ours(sockets[0])
    return sockets[0]


def _check_ours(path: Path) -> None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise DoorError(f"no TrackJammer REPL listens for this project ({path} is not there)",
                        hint="start it with the same --project, or leave --project out") from None
    if not stat.S_ISSOCK(info.st_mode) or info.st_uid != os.getuid():
        raise DoorError(f"{path} is not a socket of yours: nothing is sent there",
                        hint="remove it; the REPL makes its own when it starts")
