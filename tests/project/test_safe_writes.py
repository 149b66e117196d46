"""Files reach the disk whole, and never over the wrong thing (issue 15,
items 2, 3, 7 and 8): what overwrite replaces, links, devices, pipes and
sockets, a file that appears while an export renders, paths no file system
takes, and what a killed write leaves. Every node is made in tmp_path."""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import trackjammer.core  # noqa: F401  (registers the pattern functions)
from tests.support.smf_reader import read_smf
from trackjammer.errors import TrackJammerError
from trackjammer.lang.evaluator import Interpreter
from trackjammer.project import export as export_module
from trackjammer.project.versions import versions
from trackjammer.session import Session

REFUSED = "is not a regular file (a link, a device, a pipe or a socket); it is not replaced"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)

    def run(source: str) -> list[str]:
        out: list[str] = []
        Interpreter(Session(out=out.append)).execute(source)
        return out

    return run


def files(base: Path) -> list[str]:
    return sorted(str(p.relative_to(base)) for p in base.rglob("*"))


def pitches(path: Path) -> list[int]:
    """The pitch of each note-on in the file's last track, read by our own parser."""
    return [event[3] for event in read_smf(path).tracks[-1] if event[1] == "note_on"]


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# -- item 2: what overwrite replaces ----------------------------------------------------------


def make_nodes(folder: Path) -> dict[str, Path]:
    """A char device (/dev/null's numbers), a FIFO and a socket, all in `folder`."""
    null = os.stat("/dev/null").st_rdev
    nodes = {"device.mid": folder / "device.mid", "pipe.mid": folder / "pipe.mid", "sock.mid": folder / "sock.mid"}
    os.mknod(nodes["device.mid"], stat.S_IFCHR | 0o600, null)
    os.mkfifo(nodes["pipe.mid"])
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(nodes["sock.mid"]))
    server.close()
    return nodes


@pytest.mark.parametrize("overwrite", ["", ", overwrite: true"])
def test_a_device_a_pipe_or_a_socket_is_never_replaced(run, tmp_path, overwrite):
    nodes = make_nodes(tmp_path)
    kinds = {name: stat.S_IFMT(os.lstat(path).st_mode) for name, path in nodes.items()}
    for name in nodes:
        with pytest.raises(TrackJammerError) as caught:
            run(f'midi_export([C4], 1, "{name}"{overwrite});')
        assert (caught.value.message, caught.value.hint) == (f"{name} {REFUSED}", "choose another name")
    assert {name: stat.S_IFMT(os.lstat(path).st_mode) for name, path in nodes.items()} == kinds
    assert os.lstat(nodes["device.mid"]).st_rdev == os.stat("/dev/null").st_rdev
    assert files(tmp_path) == ["device.mid", "pipe.mid", "sock.mid"]


def test_a_folder_at_the_path_is_refused_with_or_without_overwrite(run, tmp_path):
    (tmp_path / "out.mid").mkdir()
    for overwrite in ("", ", overwrite: true"):
        with pytest.raises(TrackJammerError) as caught:
            run(f'midi_export([C4], 1, "out.mid"{overwrite});')
        assert caught.value.message == "out.mid is a folder, not a file name"
    assert files(tmp_path) == ["out.mid"]


def test_overwrite_keeps_the_mode_of_the_file_it_replaces(run, tmp_path):
    (tmp_path / "x.mid").write_bytes(b"mine")
    os.chmod(tmp_path / "x.mid", 0o600)
    run('midi_export([D4], 1, "x.mid", overwrite: true);')
    assert stat.S_IMODE(os.stat(tmp_path / "x.mid").st_mode) == 0o600
    assert pitches(tmp_path / "x.mid") == [62]
    assert files(tmp_path) == ["x.mid"]


def test_overwrite_writes_through_a_hard_link_so_both_names_see_the_new_file(run, tmp_path):
    (tmp_path / "x.mid").write_bytes(b"mine" * 100)
    os.link(tmp_path / "x.mid", tmp_path / "other.mid")
    inode = os.stat(tmp_path / "x.mid").st_ino
    run('midi_export([E4], 1, "x.mid", overwrite: true);')
    assert os.stat(tmp_path / "x.mid").st_ino == inode == os.stat(tmp_path / "other.mid").st_ino
    assert pitches(tmp_path / "other.mid") == [64]
    assert (tmp_path / "other.mid").read_bytes() == (tmp_path / "x.mid").read_bytes()
    assert files(tmp_path) == ["other.mid", "x.mid"]


def test_a_symlink_is_refused_even_dangling_and_never_followed(run, tmp_path):
    (tmp_path / "dangling.mid").symlink_to(tmp_path / "nowhere" / "x.mid")
    for overwrite in ("", ", overwrite: true"):
        with pytest.raises(TrackJammerError, match=f"dangling.mid {re.escape(REFUSED)}"):
            run(f'midi_export([C4], 1, "dangling.mid"{overwrite});')
    assert files(tmp_path) == ["dangling.mid"] and not (tmp_path / "nowhere").exists()


# -- item 3: a file that appears while the export renders ---------------------------------------


def appearing(monkeypatch, make) -> None:
    """`make()` runs while midi_export builds the file: after every check, before any write."""
    real = export_module.midi_bytes

    def built(*args, **kwargs):
        make()
        return real(*args, **kwargs)

    monkeypatch.setattr(export_module, "midi_bytes", built)


def test_a_file_that_appears_while_the_file_is_built_is_kept_aside_never_replaced(run, tmp_path, monkeypatch):
    appearing(monkeypatch, lambda: (tmp_path / "x.mid").write_bytes(b"theirs"))
    assert run('midi_export([C4], 1, "x.mid");') == ["kept the previous x.mid as x.1.mid"]
    assert (tmp_path / "x.1.mid").read_bytes() == b"theirs"
    assert pitches(tmp_path / "x.mid") == [60]
    assert files(tmp_path) == ["x.1.mid", "x.mid"]


def test_a_link_that_appears_during_the_render_is_refused_and_left(run, tmp_path, monkeypatch):
    appearing(monkeypatch, lambda: (tmp_path / "x.mid").symlink_to(tmp_path / "gone.mid"))
    with pytest.raises(TrackJammerError, match=f"x.mid {re.escape(REFUSED)}"):
        run('midi_export([C4], 1, "x.mid");')
    assert (tmp_path / "x.mid").is_symlink() and files(tmp_path) == ["x.mid"]


def test_a_new_file_is_linked_in_and_fails_if_anything_is_there(tmp_path):
    from trackjammer.project.writes import create_file

    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(TrackJammerError, match="already exists"):
        create_file(tmp_path / "dangling", b"data", tmp_path)
    create_file(tmp_path / "new", b"data", tmp_path)
    assert (tmp_path / "new").read_bytes() == b"data" and stat.S_IMODE(os.stat(tmp_path / "new").st_mode) == 0o644
    assert files(tmp_path) == ["dangling", "new"]


# -- item 7: paths no file system takes ----------------------------------------------------------

LONG = "x" * 300
PATH_ERRORS = {
    'midi_export([C4], 1, "a\0b.mid")': (
        "the path 'a\\x00b.mid' holds a NUL character (\\0), which no file name can",
        'remove it: midi_export(p, 4, "loop.mid")'),
    'render([C4], 1, "a\0b.wav", synth: "builtin")': (
        "the path 'a\\x00b.wav' holds a NUL character (\\0), which no file name can",
        'remove it: render(bass, 4, "loop.wav")'),
    f'midi_export([C4], 1, "{LONG}.mid")': (
        "the name 'xxxxxxxxxxxxxxxxxxxx...' is 304 bytes long; a file name may have at most 200",
        'a shorter name: midi_export(p, 4, "loop.mid")'),
    f'midi_export([C4], 1, "{"d" * 256}/x.mid")': (
        "the name 'dddddddddddddddddddd...' is 256 bytes long; a folder name may have at most 255",
        'a shorter name: midi_export(p, 4, "loop.mid")'),
    f'render([C4], 1, "{LONG}.wav", synth: "builtin")': (
        "the name 'xxxxxxxxxxxxxxxxxxxx...' is 304 bytes long; a file name may have at most 200",
        'a shorter name: render(bass, 4, "loop.wav")'),
    f'save("{LONG}")': (
        "the name 'xxxxxxxxxxxxxxxxxxxx...' is 300 bytes long; a file name may have at most 200",
        'a shorter name: save("verse")'),
    f'load("{LONG}")': (
        "the name 'xxxxxxxxxxxxxxxxxxxx...' is 300 bytes long; a file name may have at most 200",
        'a shorter name: load("verse")'),
    f'soundfont("{LONG}.sf2")': (
        "the name 'xxxxxxxxxxxxxxxxxxxx...' is 304 bytes long; a file name may have at most 255",
        'a shorter name: soundfont("/usr/share/sounds/sf2/FluidR3_GM.sf2")'),
}


@pytest.mark.parametrize("line", PATH_ERRORS, ids=lambda line: line[:24])
def test_a_path_no_file_system_takes_is_a_language_error(run, tmp_path, line):
    pytest.importorskip("numpy")
    with pytest.raises(TrackJammerError) as caught:
        run(line + ";")
    assert (caught.value.message, caught.value.hint, caught.value.line, caught.value.column) == (*PATH_ERRORS[line], 1, 1)
    assert files(tmp_path) == []


@pytest.mark.parametrize("line", list(PATH_ERRORS)[::3], ids=lambda line: line[:24])
def test_trackjammer_run_exits_1_with_the_error_and_no_traceback(tmp_path, line):
    pytest.importorskip("numpy")
    (tmp_path / "s.tj").write_bytes((line + ";\n").encode("utf-8"))
    done = subprocess.run([sys.executable, "-m", "trackjammer", "run", "s.tj", "--offline"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    message, hint = PATH_ERRORS[line]
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith(f"s.tj: error: line 1, column 1: {message}\n") and f"hint: {hint}\n" in done.stderr
    assert "Traceback" not in done.stderr
    assert files(tmp_path) == ["s.tj"]


# -- item 8: what a killed write leaves ----------------------------------------------------------

KILLED = """
import os, signal, sys
import trackjammer.core
from trackjammer.lang.evaluator import Interpreter
from trackjammer.project import writes
from trackjammer.session import Session

real = writes.place_new
def place_new(part, path, data, shown):
    if path.name == sys.argv[1]:
        os.kill(os.getpid(), signal.SIGKILL)  # killed between two files of one render folder
    return real(part, path, data, shown)
writes.place_new = place_new
import trackjammer.project.renders as renders
renders.place_new = place_new
Interpreter(Session()).execute("let t = MidiTrack(1); t << [C4 E4]; midi_export(t, 2);")
"""


def test_a_render_folder_a_kill_interrupted_is_marked_and_its_part_files_go_at_the_next_start(tmp_path):
    killed = subprocess.run([sys.executable, "-c", KILLED, "snapshot.tj"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (folder,) = (tmp_path / "renders" / "untitled").iterdir()
    left = sorted(p.name for p in folder.iterdir())
    assert left[:2] == ["INCOMPLETE", "export.mid"] and len(left) == 5, left
    assert [re.sub(r"\.\d+-[0-9a-f]{6}\.part$", ".part", name) for name in left[2:]] == [
        "export.mid.part", "render.json.part", "snapshot.tj.part"]
    assert versions("untitled", tmp_path) == []  # an incomplete render is no state to load

    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "sessions" / "untitled").mkdir(parents=True)
        (tmp_path / "sessions" / "untitled" / f"verse.tj.{dead_pid()}-abcdef.part").write_text("half")
        being_written = folder.parent / f"x.mid.{alive.pid}-abcdef.part"
        being_written.write_text("still writing")
        (tmp_path / "empty.tj").write_text("")
        done = subprocess.run([sys.executable, "-m", "trackjammer", "run", "empty.tj", "--offline"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
    finally:
        alive.kill()
        alive.wait()
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"removed 4 unfinished files \(.part\) that an interrupted write left: .*\n", done.stderr)
    assert sorted(p.name for p in folder.iterdir()) == ["INCOMPLETE", "export.mid"]
    assert being_written.read_text() == "still writing"  # a live process's: left alone
    assert files(tmp_path / "sessions") == ["untitled"]


def test_a_render_folder_whose_write_fails_is_removed_whole(run, tmp_path, monkeypatch):
    from trackjammer.project import writes

    real = writes.write_part

    def fail_on_the_record(path, data, shown, like=None):
        if path.name == "render.json":
            raise writes.write_failed(f"cannot write {shown}", OSError(28, "No space left on device"))
        return real(path, data, shown, like)

    monkeypatch.setattr("trackjammer.project.renders.write_part", fail_on_the_record)
    with pytest.raises(TrackJammerError) as caught:
        run("midi_export([C4], 1);")
    assert re.fullmatch(r"cannot write renders/untitled/[0-9_-]+/render\.json: the disk is full", caught.value.message)
    assert files(tmp_path) == ["renders", "renders/untitled"]
