"""The door for editors: `trackjammer send` to a REPL running in a real
pseudo-terminal, and the socket's guards (stale, not a socket, another
user's, TCP with a token).

Every test has its own runtime directory (XDG_RUNTIME_DIR, short, under
/tmp: a socket's path is limited to about 100 bytes); the real one is never
touched.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import tempfile
from pathlib import Path

import pexpect
import pytest

from tests.repl.test_repl_e2e import CTRL_D, ENTER, TRACKJAMMER, repl_env, spawn
from trackjammer.repl.door import Door, DoorError, claim, send_code, socket_path

OTHER_UID = 54321  # a user who is not us (the tests run as root, which may chown)


@pytest.fixture
def runtime(monkeypatch):
    folder = Path(tempfile.mkdtemp(prefix="tj-", dir="/tmp"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def send(runtime: Path, home: Path, code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(TRACKJAMMER), "send", *args], input=code, capture_output=True, text=True,
                          env=repl_env(home, XDG_RUNTIME_DIR=str(runtime)), timeout=60)


def quit_repl(child: pexpect.spawn) -> None:
    child.send(CTRL_D)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_send_is_evaluated_as_if_typed_and_answered(tmp_path, runtime):
    child = spawn(tmp_path, "--no-midi", "--project", "door", XDG_RUNTIME_DIR=str(runtime))
    path = runtime / "trackjammer" / "door.sock"
    try:
        child.expect_exact(f"listening for editors on {path} (trackjammer send)")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

        result = send(runtime, tmp_path, "let a = MidiTrack(1, 90);\na << [C4 E4];\ntracks()\n")
        assert (result.returncode, result.stdout, result.stderr) == (
            0, '#[MidiTrack(1, 90, name: "a")]\n', "")
        for line in ("» let a = MidiTrack(1, 90);", "» a << [C4 E4];", "» tracks()", '#[MidiTrack(1, 90, name: "a")]'):
            child.expect_exact(line)

        # A language error: exit 1, the error with its caret on stderr and in the REPL.
        result = send(runtime, tmp_path, "a << [C4 X4]")
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.splitlines()[:3] == [
            "error: line 1, column 10: expected a note, a number, a rest (~), a group ([ < {), '(' or ']'; "
            "found 'X4'", "  a << [C4 X4]", "           ^"]
        child.expect_exact("» a << [C4 X4]")
        child.expect_exact("error: line 1, column 10: expected a note")

        # What was sent is the REPL's own state: typed input sees it.
        child.send("print(a.channel * 111)" + ENTER)
        child.expect_exact("111")
    finally:
        quit_repl(child)
    assert not path.exists()  # removed on the way out
    # Same session log as typing: the sent statements, then the typed one.
    log = next((tmp_path / "sessions" / "door").glob("*.tj")).read_text().splitlines()
    assert log[1:] == ["let a = MidiTrack(1, 90);", "a << [C4 E4];", "tracks();", "print(a.channel * 111);"]


def test_a_stale_socket_is_replaced(tmp_path, runtime):
    path = runtime / "trackjammer" / "untitled.sock"
    path.parent.mkdir(mode=0o700)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))  # a REPL killed before it could remove its socket
    dead.close()
    result = send(runtime, tmp_path, "print(1)")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: nothing listens on {path}")
    child = spawn(tmp_path, "--no-midi", XDG_RUNTIME_DIR=str(runtime))
    try:
        child.expect_exact(f"listening for editors on {path}")
        assert send(runtime, tmp_path, "print(6 * 7)").stdout == "42\n"
    finally:
        quit_repl(child)


def test_another_users_socket_is_refused_on_both_sides(tmp_path, runtime):
    path = runtime / "trackjammer" / "untitled.sock"
    path.parent.mkdir(mode=0o700)
    theirs = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    theirs.bind(str(path))
    os.chown(path, OTHER_UID, OTHER_UID)
    try:
        child = spawn(tmp_path, "--no-midi", XDG_RUNTIME_DIR=str(runtime))
        child.expect_exact(f"error: cannot listen on {path}: the socket belongs to user {OTHER_UID}, not to you")
        child.expect_exact("the REPL plays on without listening for editors")
        child.send("print(3 * 111)" + ENTER)
        child.expect_exact("333")
        quit_repl(child)
        assert path.exists()  # not ours: left alone
        result = send(runtime, tmp_path, "print(1)")
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr.splitlines()[0] == f"error: {path} is not a socket of yours: nothing is sent there"
    finally:
        theirs.close()


def test_a_file_that_is_not_a_socket_is_refused(runtime):
    path = socket_path("song")
    path.write_text("not a socket")
    with pytest.raises(DoorError) as caught:
        claim(path)
    assert caught.value.message == f"cannot listen on {path}: it is not a socket"
    assert path.read_text() == "not a socket"


def test_a_runtime_folder_open_to_others_is_refused(runtime):
    folder = runtime / "trackjammer"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    with pytest.raises(DoorError) as caught:
        socket_path("song")
    assert caught.value.message == f"{folder} is not a private folder of yours (owner 0, mode 755)"


def test_a_second_repl_of_the_same_project_does_not_take_the_door(runtime):
    first = Door("song", lambda request: request.reply(True, "first"))
    try:
        with pytest.raises(DoorError) as caught:
            Door("song", lambda request: request.reply(True, "second"))
        assert caught.value.message == f"another TrackJammer listens on {first.path}"
        assert send_code("x", "song") == (True, "first")
    finally:
        first.close()


def test_tcp_only_on_localhost_and_only_with_the_token(runtime):
    door = Door("song", lambda request: request.reply(True, f"ran {request.code}"), tcp_port=0)
    try:
        host, port = door.tcp_address
        assert host == "127.0.0.1"
        token_file = runtime / "trackjammer" / "song.token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert send_code("print(1)", "song", tcp_port=port) == (True, "ran print(1)")
        with socket.create_connection(("127.0.0.1", port)) as intruder:
            intruder.sendall(b'{"code": "hush()", "token": "guess"}\n')
            answer = intruder.makefile().readline()
        assert answer == '{"ok": false, "output": "error: refused: wrong or missing token"}\n'
    finally:
        door.close()
    assert not token_file.exists()


def test_send_without_a_repl_says_how_to_start_one(tmp_path, runtime):
    result = send(runtime, tmp_path, "print(1)")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("error: no TrackJammer REPL is listening\n"
                             "hint: start one in a terminal: trackjammer (the REPL listens unless --no-listen)\n")


def test_no_listen_opens_no_socket(tmp_path, runtime):
    child = spawn(tmp_path, "--no-midi", "--no-listen", XDG_RUNTIME_DIR=str(runtime))
    child.send("print(2 * 111)" + ENTER)
    child.expect_exact("222")
    assert not list(runtime.rglob("*.sock"))
    quit_repl(child)


@pytest.mark.parametrize(("text", "listen", "problems"), [
    ("listen = false", False, 0), ("listen = true", True, 0), ('listen = "tcp:7777"', 7777, 0),
    ('listen = "udp:7777"', None, 1), ('listen = "tcp:70000"', None, 1), ("listen = 1", None, 1),
])
def test_the_listen_setting(tmp_path, text, listen, problems):
    from trackjammer.repl.config import load_config

    path = tmp_path / "config.toml"
    path.write_text(text + "\n")
    config = load_config(path)
    assert (config.listen, len(config.problems)) == (listen, problems)


def test_listen_options_on_the_command_line():
    from trackjammer.cli import build_parser

    parser = build_parser()
    assert parser.parse_args([]).repl_listen is None
    assert parser.parse_args(["--listen"]).repl_listen is True
    assert parser.parse_args(["--no-listen"]).repl_listen is False
    assert parser.parse_args(["--listen", "tcp:7777"]).repl_listen == 7777
    with pytest.raises(SystemExit):
        parser.parse_args(["--listen", "7777"])
