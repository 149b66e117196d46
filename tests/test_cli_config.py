"""`run` and `ports` take their defaults from config.toml as the REPL does,
`run -` reads the script from standard input, and `--debug` may follow the
command. Real processes, each with its own config home under tmp_path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.jack_receiver import JackReceiver
from tests.support.heard import assert_heard
from tests.support.xruns import Xruns, retry_on_xrun
from trackjammer.cli import build_parser

NO_SERVER = {"JACK_DEFAULT_SERVER": "trackjammer-no-such-server", "JACK_NO_START_SERVER": "1"}


def trackjammer(tmp_path: Path, *args: str, config: str | None = None, stdin: str | None = None,
                **env: str) -> subprocess.CompletedProcess:
    home = tmp_path / "config-home"
    if config is not None:
        (home / "trackjammer").mkdir(parents=True, exist_ok=True)
        (home / "trackjammer" / "config.toml").write_text(config, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "trackjammer", *args], input=stdin, capture_output=True, text=True, timeout=60,
        cwd=tmp_path, env=dict(os.environ, XDG_CONFIG_HOME=str(home), **env),
    )


PRINT_SETTINGS = 'print(project(), cps());\n'


def test_run_takes_the_project_and_tempo_of_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "song.tj").write_text(PRINT_SETTINGS)
    result = trackjammer(tmp_path, "run", "song.tj", "--offline", config='project = "night set"\ncps = 0.75\n')
    assert (result.returncode, result.stdout, result.stderr) == (0, "night set 3/4\n", "")


def test_without_a_config_file_run_keeps_its_defaults(tmp_path: Path) -> None:
    (tmp_path / "song.tj").write_text(PRINT_SETTINGS)
    result = trackjammer(tmp_path, "run", "song.tj", "--offline")
    assert (result.returncode, result.stdout, result.stderr) == (0, "song 1/2\n", "")


def test_the_command_line_and_the_script_win_over_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "song.tj").write_text("cps(2);\n" + PRINT_SETTINGS)
    result = trackjammer(tmp_path, "run", "song.tj", "--offline", "--project", "encore",
                         config='project = "night set"\ncps = 0.75\n')
    assert (result.returncode, result.stdout) == (0, "encore 2\n")


def test_a_wrong_setting_is_said_once_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "song.tj").write_text(PRINT_SETTINGS)
    result = trackjammer(tmp_path, "run", "song.tj", "--offline", config='cps = -1\nproject = "night set"\n')
    config = tmp_path / "config-home" / "trackjammer" / "config.toml"
    assert result.returncode == 0
    assert result.stdout == "night set 1/2\n"
    assert result.stderr == (f"warning: {config}: cps = -1 is not a number more than 0, at most 10 (cycles a second,"
                             " not beats): cps = 0.5; the setting is not used\n")


def test_run_dash_reads_the_script_from_standard_input(tmp_path: Path) -> None:
    result = trackjammer(tmp_path, "run", "-", "--offline", stdin='let m = [C4 E4];\nprint(project(), m.rev());\n')
    assert (result.returncode, result.stdout, result.stderr) == (0, "untitled pattern: 0 E4, 1/2 C4\n", "")


def test_run_dash_takes_the_config_files_project(tmp_path: Path) -> None:
    result = trackjammer(tmp_path, "run", "-", "--offline", stdin=PRINT_SETTINGS, config='project = "piped"\n')
    assert (result.returncode, result.stdout) == (0, "piped 1/2\n")


def test_an_error_in_standard_input_is_named_stdin(tmp_path: Path) -> None:
    result = trackjammer(tmp_path, "run", "-", "--offline", stdin='print("first");\nprint(nope);\n')
    assert (result.returncode, result.stdout) == (1, "first\n")
    assert result.stderr.splitlines() == [
        "<stdin>: error: line 2, column 7: unknown name 'nope'",
        "  print(nope);",
        "        ^",
    ] + result.stderr.splitlines()[3:]


def test_ports_takes_the_backend_of_the_config_file(tmp_path: Path) -> None:
    result = trackjammer(tmp_path, "ports", config='backend = "jack"\n', **NO_SERVER)
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == ("no MIDI output ports (backend jack; jack: JACK server not running?)\n"
                             "no MIDI input ports (backend jack; jack: JACK server not running?)\n")


def test_ports_backend_option_wins_over_the_config_file(tmp_path: Path) -> None:
    result = trackjammer(tmp_path, "ports", "--backend", "pulse", config='backend = "jack"\n')
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines()[0] == "error: unknown MIDI backend 'pulse'"


@pytest.mark.jack
def test_run_plays_through_the_port_of_the_config_file(tmp_path: Path, jack_server: str) -> None:
    (tmp_path / "song.tj").write_text("cps(4); let a = MidiTrack(1); a << [C4 E4];")

    def attempt() -> None:  # the dummy JACK server drops MIDI in its xruns: retried only when one happened
        xr = Xruns()
        with JackReceiver(server=jack_server) as rx:
            config = f'port = "{rx.port}"\nbackend = "jack"\n'
            result = trackjammer(tmp_path, "run", "song.tj", "--cycles", "1", config=config,
                                 JACK_DEFAULT_SERVER=jack_server)
            assert result.returncode == 0 and result.stderr.startswith("recorded: renders/song/"), result.stderr
            rx.settle(4)
        notes = [m for m in rx.messages if m.data[0] & 0xF0 in (0x80, 0x90)]
        sent = [(0, bytes([0x90, 60, 100])), (0.125, bytes([0x80, 60, 0])), (0.125, bytes([0x90, 64, 100])),
                (0.25, bytes([0x80, 64, 0]))]
        assert_heard(notes, sent, xr)  # at cps 4, each within 2 ms of its time; near an xrun JACK may lose one

    retry_on_xrun(attempt)


@pytest.mark.jack
def test_a_config_port_that_is_not_there_falls_back_with_a_warning(tmp_path: Path, jack_server: str) -> None:
    (tmp_path / "song.tj").write_text("cps(4); let a = MidiTrack(1); a << [C4];")
    result = trackjammer(tmp_path, "run", "song.tj", "--cycles", "1", config='port = "No Such Synth"\nbackend = "jack"\n',
                         JACK_DEFAULT_SERVER=jack_server)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("warning: the port 'No Such Synth' of the config file cannot be used: ")
    assert "virtual port 'TrackJammer'" in lines[1]


@pytest.mark.parametrize("argv", [["--debug", "events", "[C4]"], ["events", "[C4]", "--debug"],
                                  ["run", "a.tj", "--debug"], ["ports", "--debug"]])
def test_debug_before_or_after_the_command(argv: list[str]) -> None:
    assert build_parser().parse_args(argv).debug is True


@pytest.mark.parametrize("argv", [["events", "[C4]"], ["run", "a.tj"], ["ports"], []])
def test_no_debug_unless_asked(argv: list[str]) -> None:
    assert build_parser().parse_args(argv).debug is False


def test_debug_after_events_is_accepted_by_the_real_command(tmp_path: Path) -> None:
    result = trackjammer(tmp_path, "events", "[C4]", "--debug")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-1] == "1 event"
