"""The prompt comes first: the REPL draws it before its session, engine and
completer exist, and builds them behind it (repl/behind.py).

tests/support/first_draw.py runs the REPL as `trackjammer` does, writes what
it had loaded at the first draw of its prompt, and holds up the engine's
import for a while (TJ_SLOW_IMPORT), so keys are typed and an input is
submitted while the engine is certainly not there yet.
"""

from __future__ import annotations

import io
import signal
import sys
import tempfile
import time
from pathlib import Path

import pexpect

from tests.repl.test_door import runtime  # noqa: F401 - a fixture
from tests.repl.test_repl_e2e import CTRL_D, ENTER, note_ons, repl_env, sending_processes, wait_until
from tests.support.jack_receiver import JackReceiver
from tests.support.xruns import retry_on_xrun

FIRST_DRAW = Path(__file__).parents[1] / "support" / "first_draw.py"
PROMPT = "\x1b[0m>"  # how prompt_toolkit draws the start of "> "
HELD_UP = "trackjammer.engine.live:1.5"  # seconds the engine takes to load: typing happens in them
BUILT_BEHIND = {"trackjammer.engine.live", "trackjammer.session", "trackjammer.repl.completer",
                "trackjammer.repl.toolbar", "trackjammer.project.sessions"}


def started(home: Path, out: Path, *args: str, **env: str) -> pexpect.spawn:
    child = pexpect.spawn(sys.executable, [str(FIRST_DRAW), str(out), *args],
                          env=repl_env(home, TJ_SLOW_IMPORT=HELD_UP, **env), cwd=str(home), dimensions=(30, 120),
                          encoding="utf-8", timeout=15)
    child.expect_exact("Ctrl-D quit")
    child.expect_exact(PROMPT)
    return child


def loaded_at_first_draw(out: Path) -> set[str]:
    assert wait_until(out.exists), "the prompt was drawn, but its probe wrote nothing"
    return set(out.read_text().split())


def running(pid: int) -> bool:
    """Alive (a zombie nobody has reaped yet has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_an_input_typed_before_the_engine_is_built_waits_for_it_then_plays(tmp_path, jack_server, runtime):  # noqa: F811
    retry_on_xrun(lambda: _typed_early(tmp_path, jack_server, runtime))


def _typed_early(tmp_path: Path, jack_server: str, runtime: Path) -> None:
    home = Path(tempfile.mkdtemp(dir=tmp_path))  # each attempt its own: its own session log
    out = home / "first-draw.txt"
    with JackReceiver(server=jack_server) as rx:
        child = started(home, out, "--backend", "jack", "--port", rx.port, "--cps", "2",
                        JACK_DEFAULT_SERVER=jack_server, XDG_RUNTIME_DIR=str(runtime))
        try:
            loaded = loaded_at_first_draw(out)
            assert "prompt_toolkit.application" in loaded  # the probe sees what is there
            assert loaded & BUILT_BEHIND == set()

            # Typed at once, in pieces: no key is lost, and Enter runs it once the engine is there.
            child.send("let a = MidiTrack(1);")
            time.sleep(0.2)
            child.send(" a << [C4 E4]" + ENTER)
            child.send("print(6 * ")
            time.sleep(0.2)
            child.send("7000)" + ENTER)
            # Built after they were typed (the door opens last), then they ran, in order.
            child.expect_exact(f"listening for editors on {runtime / 'trackjammer' / 'untitled.sock'}")
            child.expect_exact("\x1b[?7h42000\r\n")  # printed above the prompt: all of the line
            assert wait_until(lambda: len(note_ons(rx)) >= 4), "the track typed early never played"
            assert note_ons(rx)[:4] == [60, 64, 60, 64]
            child.send(CTRL_D)
            child.expect(pexpect.EOF)
            child.close()
            assert child.exitstatus == 0
        finally:
            if child.isalive():
                child.terminate(force=True)
    [log] = (home / "sessions" / "untitled").glob("*.tj")
    assert log.read_text().split("\n", 1)[1] == "let a = MidiTrack(1);\na << [C4 E4];\nprint(6 * 7000);\n"


def test_stopped_before_its_engine_is_built_it_leaves_no_sending_process(tmp_path):
    out = tmp_path / "first-draw.txt"
    child = started(tmp_path, out, JACK_NO_START_SERVER="1")
    try:
        assert loaded_at_first_draw(out) & BUILT_BEHIND == set()
        senders = sending_processes(child.pid)
        assert len(senders) == 1  # started before the prompt; its spare only once the engine is built
        child.logfile_read = seen = io.StringIO()
        child.kill(signal.SIGTERM)
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 143
        assert "internal error" not in seen.getvalue()  # the engine built meanwhile closed as any
        assert wait_until(lambda: not any(running(pid) for pid in senders))
    finally:
        if child.isalive():
            child.terminate(force=True)


def test_an_input_typed_before_a_port_turns_out_missing_never_runs_and_the_repl_ends(tmp_path, jack_server):
    """The port named on the command line is looked for behind the prompt:
    missing, it ends the REPL with the error (exit 2), and what was typed
    meanwhile does not run against an engine that never was."""
    child = started(tmp_path, tmp_path / "first-draw.txt", "--backend", "jack", "--port", "no such port",
                    JACK_DEFAULT_SERVER=jack_server)
    child.logfile_read = seen = io.StringIO()
    try:
        child.send("print(6 * 7000)" + ENTER)
        child.expect_exact("error: no MIDI output port matches 'no such port'")
        child.expect(pexpect.EOF)
        assert "42000" not in seen.getvalue() and "internal error" not in seen.getvalue()
        child.close()
        assert child.exitstatus == 2
    finally:
        if child.isalive():
            child.terminate(force=True)
