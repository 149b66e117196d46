"""`trackjammer ports`, run as a real process, and the MIDI options of `run`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.clock_sender import ClockSender, Plan
from tests.support.jack_receiver import JackReceiver
from trackjammer.cli import build_parser


def trackjammer(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "trackjammer", *args],
        capture_output=True, text=True, timeout=60, env=dict(os.environ, **env),
    )


@pytest.mark.jack
def test_ports_lists_the_jack_outputs_then_inputs_with_their_index(jack_server: str) -> None:
    with JackReceiver(server=jack_server) as rx, ClockSender(Plan(), jack_server) as master:
        result = trackjammer("ports", "--backend", "jack")
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    outs = [line for line in lines if line.startswith("out ")]
    ins = [line for line in lines if line.startswith("in ")]
    assert lines == outs + ins  # outputs first, every line marked
    assert outs == [f"out {i}: {line.split(': ', 1)[1]}" for i, line in enumerate(outs)]
    assert ins == [f"in {i}: {line.split(': ', 1)[1]}" for i, line in enumerate(ins)]
    assert f"{rx.port}" in [line.split(": ", 1)[1] for line in outs]  # the receiver takes MIDI: an output for us
    assert f"{master.port}" in [line.split(": ", 1)[1] for line in ins]  # the master sends it: an input for us


def test_ports_without_a_jack_server_says_so_cleanly() -> None:
    result = trackjammer("ports", "--backend", "jack",
                         JACK_DEFAULT_SERVER="trackjammer-no-such-server", JACK_NO_START_SERVER="1")
    assert (result.returncode, result.stdout) == (0, "")  # stdout stays a list a script can read: empty
    assert result.stderr == ("no MIDI output ports (backend jack; jack: JACK server not running?)\n"
                             "no MIDI input ports (backend jack; jack: JACK server not running?)\n")


@pytest.mark.skipif(os.path.exists("/dev/snd/seq") or not sys.platform.startswith("linux"),
                    reason="needs Linux without ALSA")
def test_ports_without_alsa_says_why() -> None:
    result = trackjammer("ports", "--backend", "alsa")
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == ("no MIDI output ports (backend alsa; alsa: no ALSA sequencer, /dev/snd/seq is missing)\n"
                             "no MIDI input ports (backend alsa; alsa: no ALSA sequencer, /dev/snd/seq is missing)\n")


def test_an_unknown_backend_exits_2_with_the_usual_error() -> None:
    result = trackjammer("ports", "--backend", "pulse")
    assert (result.returncode, result.stdout) == (2, "")
    lines = result.stderr.splitlines()
    assert lines[0] == "error: unknown MIDI backend 'pulse'"
    assert lines[1].startswith("hint: the backends available here: auto, ")
    assert len(lines) == 2


def test_a_bad_backend_in_the_environment_exits_2() -> None:
    result = trackjammer("ports", TRACKJAMMER_MIDI_BACKEND="pulse")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == "error: unknown MIDI backend 'pulse' (from TRACKJAMMER_MIDI_BACKEND)"


def test_run_takes_a_port_by_name_or_index_and_a_backend() -> None:
    parser = build_parser()
    args = parser.parse_args(["run", "song.tj", "--port", "3", "--backend", "jack"])
    assert (args.port, args.backend) == (3, "jack")
    args = parser.parse_args(["run", "song.tj", "--port", "USB Synth 2"])
    assert (args.port, args.backend) == ("USB Synth 2", None)
    assert parser.parse_args(["run", "song.tj"]).port is None
