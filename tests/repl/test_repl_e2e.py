"""The real `trackjammer` REPL in a pseudo-terminal, playing into a JACK receiver.

pexpect types into the installed `.venv/bin/trackjammer` as a performer
would: a multi-line program, a bad line while a track plays (the notes keep
arriving at the receiver), Tab completion, Ctrl-C, and Ctrl-D, after which
the process has exited 0 and no note is left hanging at the receiver.
HOME and the XDG directories point into a tmp dir, so no user file is read
or written.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pexpect
import pytest

from tests.support.jack_receiver import JackReceiver
from tests.support.xruns import retry_on_xrun

TRACKJAMMER = Path(sys.executable).with_name("trackjammer")
CTRL_C, CTRL_D, TAB, ENTER, F2, F3 = "\x03", "\x04", "\t", "\r", "\x1bOQ", "\x1bOR"
NOTE_ON = 0x90


def repl_env(home: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("XDG_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", **extra)
    return env


def spawn(home: Path, *args: str, **env: str) -> pexpect.spawn:
    child = pexpect.spawn(str(TRACKJAMMER), list(args), env=repl_env(home, **env), cwd=str(home),
                          dimensions=(30, 100), encoding="utf-8", timeout=15)
    child.expect_exact("Ctrl-D quit")  # the last line of the welcome, then the prompt
    return child


def note_ons(rx: JackReceiver) -> list[int]:
    return [m.data[1] for m in rx.messages if m.data[0] & 0xF0 == NOTE_ON and m.data[2] > 0]


def hanging(rx: JackReceiver) -> set[tuple[int, int]]:
    held: set[tuple[int, int]] = set()
    for m in rx.messages:
        kind, key = m.data[0] & 0xF0, (m.data[0] & 0x0F, m.data[1])
        if kind == NOTE_ON and m.data[2] > 0:
            held.add(key)
        elif kind in (0x80, NOTE_ON):
            held.discard(key)
    return held


def wait_until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_a_performance_from_first_line_to_ctrl_d(tmp_path, jack_server):
    retry_on_xrun(lambda: _perform(tmp_path, jack_server))


def _perform(tmp_path: Path, jack_server: str) -> None:
    with JackReceiver(server=jack_server) as rx:
        child = spawn(tmp_path, "--backend", "jack", "--port", rx.port, "--cps", "2",
                      JACK_DEFAULT_SERVER=jack_server)
        try:
            # A program over three lines: Enter inside the brackets only adds a line.
            child.send("let a = MidiTrack(1, 90);" + ENTER)
            child.send("a << [C4" + ENTER + "E4" + ENTER + "G4]" + ENTER)
            child.send("tracks()" + ENTER)
            child.expect_exact('#[MidiTrack(1, 90, name: "a")]')
            assert wait_until(lambda: len(note_ons(rx)) >= 3), "the track never played"
            assert note_ons(rx)[:3] == [60, 64, 67]

            # A bad line: the error with its caret and hint; the track plays on.
            child.send("a << [C4 X4]" + ENTER)
            child.expect_exact("error: line 1, column 10: expected a note, a number, a rest (~)")
            child.expect_exact("  a << [C4 X4]\r\n\x1b[31m           ^\x1b[0m\r\n")  # the caret, in red
            child.expect_exact("hint: notes are written A to G")
            heard = len(note_ons(rx))
            assert wait_until(lambda: len(note_ons(rx)) >= heard + 6), "the music stopped after an error"
            assert set(note_ons(rx)) == {60, 64, 67}

            # Tab completes a track's attribute after the dot.
            child.send("print(a.chan" + TAB)
            child.expect_exact("nel")  # drawn as the completion lands
            child.send(", 42)" + ENTER)
            child.expect_exact("1 42")

            # Ctrl-C clears what was typed; nothing of it runs.
            child.send("let zz = 5" + CTRL_C)
            child.send("print(zz)" + ENTER)
            child.expect_exact("error: line 1, column 7: unknown name 'zz'")
            assert child.isalive()

            # F3 panics (all notes off, CC 123) and the track plays on; F2 hushes it.
            child.send(F3)
            child.expect_exact("panic: all notes off")
            assert wait_until(lambda: bytes([0xB0, 123, 0]) in {m.data for m in rx.messages})
            heard = len(note_ons(rx))
            assert wait_until(lambda: len(note_ons(rx)) >= heard + 3), "panic stopped the patterns"
            child.send(F2)
            child.expect_exact("hush: every track is silent")
            time.sleep(0.1)
            heard = len(note_ons(rx))
            time.sleep(1.0)  # two cycles
            assert len(note_ons(rx)) == heard and hanging(rx) == set()

            # Ctrl-D on an empty line: stop, every note ended, exit 0.
            child.send(CTRL_D)
            child.expect(pexpect.EOF)
            child.close()
            assert child.exitstatus == 0
            time.sleep(0.1)
        finally:
            if child.isalive():
                child.terminate(force=True)
    assert hanging(rx) == set()
    assert rx.messages[-1].data == bytes([0xB0, 123, 0])  # CC 123 on the channel used


def test_without_midi_the_repl_says_so_and_evaluates(tmp_path):
    child = pexpect.spawn(str(TRACKJAMMER), ["--no-midi", "--project", "demo", "--cps", "2/3"],
                          env=repl_env(tmp_path), cwd=str(tmp_path), dimensions=(30, 200), encoding="utf-8",
                          timeout=15)
    child.expect_exact("no MIDI output (--no-midi): nothing will sound (export and recording still work)")
    child.expect_exact("Ctrl-D quit")
    child.send("project()" + ENTER)
    child.expect_exact('"demo"')
    child.send("cps()" + ENTER)
    child.expect_exact("2/3")
    # A pattern whose second cycle fails: refused when typed, with where and which cycle.
    child.send('quantize(0); let t = MidiTrack(1); t << [0 2].scale(cat("major", "nonsense"), C3)' + ENTER)
    child.expect_exact("error: line 1, column 41: unknown scale 'nonsense' (in cycle 1)")
    child.send("print(tracks())" + ENTER)
    child.expect_exact('#[MidiTrack(1, 100, name: "t")]')
    child.send(CTRL_D)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_the_history_is_kept_per_user_and_the_config_file_is_read(tmp_path):
    config = tmp_path / "config" / "trackjammer"
    config.mkdir(parents=True)
    (config / "config.toml").write_text('project = "from config"\ncolour = 1\n')
    child = spawn(tmp_path, "--no-midi")
    child.send("project()" + ENTER)
    child.expect_exact('"from config"')
    child.send(CTRL_D)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    history = (tmp_path / "data" / "trackjammer" / "history").read_text()
    assert "+project()" in history


def test_the_config_files_problems_are_said_at_start(tmp_path):
    config = tmp_path / "config" / "trackjammer"
    config.mkdir(parents=True)
    (config / "config.toml").write_text("colour = 1\n")
    child = pexpect.spawn(str(TRACKJAMMER), ["--no-midi"], env=repl_env(tmp_path), cwd=str(tmp_path),
                          dimensions=(30, 200), encoding="utf-8", timeout=15)
    child.expect_exact(f"warning: {config / 'config.toml'}: unknown setting 'colour'")
    child.expect_exact("Ctrl-D quit")
    child.send(CTRL_D)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_a_port_that_is_not_there_is_an_error_before_anything_starts(tmp_path, jack_server):
    child = pexpect.spawn(str(TRACKJAMMER), ["--backend", "jack", "--port", "no such port"],
                          env=repl_env(tmp_path, JACK_DEFAULT_SERVER=jack_server), cwd=str(tmp_path),
                          dimensions=(30, 200), encoding="utf-8", timeout=15)
    child.expect_exact("error: no MIDI output port matches 'no such port'")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2


def sending_processes(pid: int) -> list[int]:
    """The REPL's sending processes (its children running engine/sender_process.py), oldest first."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid and b"trackjammer.engine.sender_process" in command:
                found.append(int(entry.name))
    return sorted(found)


def test_the_spare_sending_process_starts_after_the_prompt_and_takes_over(tmp_path):
    """The spare is started once the prompt is drawn (repl/start.py), not
    left out: killing the sending process that plays, the spare takes over
    and another spare is started."""
    child = spawn(tmp_path, JACK_NO_START_SERVER="1")
    try:
        child.expect_exact("\x1b[0m>")  # the prompt
        assert wait_until(lambda: len(sending_processes(child.pid)) == 2, timeout=10), sending_processes(child.pid)
        playing, spare = sending_processes(child.pid)
        os.kill(playing, signal.SIGKILL)
        child.expect_exact("error: the MIDI sending process ended (exit code -9): started again")
        assert wait_until(lambda: len(sending_processes(child.pid)) == 2 and spare in sending_processes(child.pid),
                          timeout=10), sending_processes(child.pid)
        child.send(CTRL_D)
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0
    finally:
        if child.isalive():
            child.terminate(force=True)


def test_without_a_terminal_it_points_to_run(tmp_path):
    import subprocess

    result = subprocess.run([str(TRACKJAMMER), "--no-midi"], input="", capture_output=True, text=True,
                            env=repl_env(tmp_path), timeout=30)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("error: the REPL needs a terminal\n"
                             "hint: to play a file without one, use: trackjammer run FILE.tj\n")


def test_sigterm_while_notes_sound_leaves_none_hanging(tmp_path, jack_server):
    retry_on_xrun(lambda: _terminated(tmp_path, jack_server))


def _terminated(tmp_path: Path, jack_server: str) -> None:
    import signal

    with JackReceiver(server=jack_server) as rx:
        child = spawn(tmp_path, "--backend", "jack", "--port", rx.port, "--cps", "1",
                      JACK_DEFAULT_SERVER=jack_server)
        try:
            child.send("let a = MidiTrack(3); a << [C4 E4]; let b = MidiTrack(4); b << [[C2,G2]]" + ENTER)
            assert wait_until(lambda: len(note_ons(rx)) >= 3)
            time.sleep(0.2)  # inside the notes
            assert hanging(rx) != set()
            child.kill(signal.SIGTERM)
            child.expect(pexpect.EOF)
            child.close()
            assert child.exitstatus == 143
            time.sleep(0.1)
        finally:
            if child.isalive():
                child.terminate(force=True)
    assert hanging(rx) == set()
    assert {bytes([0xB2, 123, 0]), bytes([0xB3, 123, 0])} <= {m.data for m in rx.messages[-2:]}


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_end_it_cleanly(tmp_path, signal_name):
    import signal

    child = spawn(tmp_path, "--no-midi")
    child.kill(getattr(signal, signal_name))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 143


@pytest.mark.parametrize(("value", "said"), [
    ("0", "argument --cps: the tempo must be more than 0 cycles per second, not 0"),
    ("fast", "argument --cps: 'fast' is not a number like 0.5 or 2/3"),
    ("120", "argument --cps: 120 cycles a second is past the most, 10: cps counts cycles, not beats"
            " (120 BPM at 4 beats a cycle is --cps 1/2)"),
])
def test_a_bad_tempo_is_refused_before_anything_starts(tmp_path, value, said):
    import subprocess

    result = subprocess.run([str(TRACKJAMMER), "--cps", value], capture_output=True, text=True,
                            env=repl_env(tmp_path), timeout=30)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"trackjammer: error: {said}"


def test_a_refused_binding_is_shown_as_what_plays_and_logged_so(tmp_path):
    child = pexpect.spawn(str(TRACKJAMMER), ["--no-midi", "--cps", "4"], env=repl_env(tmp_path), cwd=str(tmp_path),
                          dimensions=(30, 120), encoding="utf-8", timeout=15)
    child.expect_exact("Ctrl-D quit")
    child.send("let b = MidiTrack(1); b << [C2 E2 G2]" + ENTER)
    time.sleep(0.6)  # it plays (a cycle is 1/4 s), so it is the pattern b played before
    child.send('b << [<0!8 1.5>].scale("major", C2)' + ENTER)  # fails in cycle 8, past those tried when bound
    child.expect_exact("error: track 'b' stopped: scale degrees must be whole numbers, got 1.5; "
                       "its previous pattern plays again")
    child.send("show(b)" + ENTER)
    child.expect_exact("b on channel 1: 1 cycle from cycle 0, 3 notes")
    child.send(CTRL_D)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    [log] = (tmp_path / "sessions" / "untitled").glob("*.tj")
    assert log.read_text().split("\n", 1)[1] == (
        'let b = MidiTrack(1);\nb << [C2 E2 G2];\nb << [<0!8 1.5>].scale("major", C2);\n'
        "// track 'b' fell back: its new binding failed while playing, the one before plays again\n"
        "b.clear();\nb << [C2 E2 G2];\nshow(b);\n")
