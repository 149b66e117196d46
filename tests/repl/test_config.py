"""The settings file and where the REPL keeps its files."""

from __future__ import annotations


import pytest

from trackjammer.repl.config import config_path, history_path, load_config


def test_xdg_directories_and_their_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert config_path() == tmp_path / "cfg" / "trackjammer" / "config.toml"
    assert history_path() == tmp_path / "data" / "trackjammer" / "history"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/is/ignored")
    monkeypatch.delenv("XDG_DATA_HOME")
    assert config_path() == tmp_path / ".config" / "trackjammer" / "config.toml"
    assert history_path() == tmp_path / ".local" / "share" / "trackjammer" / "history"


def test_no_file_means_no_settings(tmp_path):
    config = load_config(tmp_path / "missing.toml")
    assert (config.port, config.backend, config.project, config.cps, config.problems) == (None, None, None, None, [])


def test_every_setting(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('port = "FLUID"\nbackend = "JACK"\nproject = "night set"\ncps = 0.6\n')
    config = load_config(path)
    assert (config.port, config.backend, config.project, config.cps, config.problems) == (
        "FLUID", "jack", "night set", 0.6, [])
    path.write_text("port = 2\n")
    assert load_config(path).port == 2


def test_wrong_settings_are_said_once_each_and_left_out(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('port = true\nbackend = "midi"\ncps = 0\ncolour = "red"\nproject = "ok"\n')
    config = load_config(path)
    assert (config.port, config.backend, config.cps, config.project) == (None, None, None, "ok")
    assert config.problems == [
        f"warning: {path}: port = True is not a port name in quotes or an index: port = \"FLUID Synth\"; "
        "the setting is not used",
        f"warning: {path}: backend = 'midi' is not one of auto, alsa, jack, coremidi, winmm: backend = \"alsa\"; "
        "the setting is not used",
        f"warning: {path}: cps = 0 is not a number more than 0, at most 10 (cycles a second, not beats): cps = 0.5; "
        "the setting is not used",
        f"warning: {path}: unknown setting 'colour' (the settings are: port, backend, project, cps, listen, latency); "
        "the setting is not used",
    ]


def test_a_file_that_is_not_toml(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("port = \n")
    config = load_config(path)
    assert config.port is None
    assert config.problems == [f"warning: {path} is not valid TOML (Invalid value (at line 1, column 8)); "
                               "its settings are not used"]
