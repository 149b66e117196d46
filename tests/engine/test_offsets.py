"""Latency per output and nudge per track, as the language, the config file
and the engine take them (what they do to sends: test_sender_offsets.py and,
over JACK, test_latency_jack.py)."""

from __future__ import annotations

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.engine.clock import Clock, FakeClock
from trackjammer.engine.live import Engine
from trackjammer.errors import TrackJammerError
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.output import MemoryOutput
from trackjammer.project.snapshot import snapshot_source
from trackjammer.repl.config import load_config
from trackjammer.session import Session


def _rig() -> tuple[Session, Interpreter, Engine, list[str]]:
    fake, said = FakeClock(), []
    session = Session(out=said.append)
    engine = Engine(session, MemoryOutput("Digitone MIDI 1"), report=said.append,
                    clock=Clock(session.cps, now=fake.now, sleep=fake.sleep))
    session.engine = engine
    return session, Interpreter(session), engine, said


def _error(interpreter: Interpreter, source: str) -> str:
    with pytest.raises(TrackJammerError) as caught:
        interpreter.execute(source)
    return caught.value.format()


def test_nudge_is_kept_by_the_track_checked_and_written_into_snapshots():
    session, interpreter, engine, _ = _rig()
    interpreter.execute("let bass = MidiTrack(2); bass << [C2 E2]; bass.nudge(-5.5)")
    assert session.names["bass"].nudge_ms == -5.5
    assert "bass.nudge(-5.5);" in snapshot_source(session).splitlines()
    engine.commit()
    assert engine._nudges == {engine.numbers.get(session.names["bass"]): -0.0055}
    assert _error(interpreter, "bass.nudge(600)") == (
        "error: line 1, column 6: nudge must be from -500 to 500 ms, got 600\n  bass.nudge(600)\n       ^\n"
        "hint: a few ms line a track up: t.nudge(-5)")
    assert _error(interpreter, 'bass.nudge("late")').splitlines()[0] == (
        'error: line 1, column 6: nudge needs a number of milliseconds, got "late"')
    interpreter.execute("bass.nudge(0)")
    engine.commit()
    assert engine._nudges == {} and "nudge" not in snapshot_source(session)
    engine.close()


def test_output_latency_for_the_port_playing_already_and_its_errors():
    session, interpreter, engine, said = _rig()
    interpreter.execute('output("Digitone MIDI 1", latency: 12)')
    assert engine.output.latency == 0.012
    assert said == ["warning: latency is applied by the sending process, which does not run here: "
                    "'Digitone MIDI 1' plays without it"]
    assert _error(interpreter, 'output("Digitone MIDI 1", latency: -3)') == (
        "error: line 1, column 1: latency is a number of milliseconds from 0 to 500, got the number -3\n"
        '  output("Digitone MIDI 1", latency: -3)\n  ^\n'
        'hint: output("Digitone", latency: 12)')
    engine.close()


def test_the_config_files_latency_table_by_port_name_or_part_of_one(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('port = "FLUID"\n\n[latency]\n"Digitone" = 12\n"Digitone MIDI 1" = 9.5\n"FLUID Synth" = 0\n')
    config = load_config(path)
    assert config.problems == [] and config.latency == {"Digitone": 12.0, "Digitone MIDI 1": 9.5, "FLUID Synth": 0.0}
    session, interpreter, engine, _ = _rig()
    engine.configure_latencies(config.latency)
    assert engine.output.latency == 0.0095  # its exact name wins over a part of it
    assert engine._configured_latency("Digitone Out 2") == 0.012  # a part of the name
    assert engine._configured_latency("Microfreak") == 0.0
    engine.close()
    path.write_text('[latency]\n"Digitone" = "slow"\n')
    assert load_config(path).problems == [
        f"warning: {path}: latency = {{'Digitone': 'slow'}} is not a table of port names and milliseconds from "
        f"0 to 500: [latency] then \"Digitone\" = 12; the setting is not used"]
