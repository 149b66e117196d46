"""Where the REPL keeps its files, and the settings file.

Following the XDG base directories: the history in
`$XDG_DATA_HOME/trackjammer/history` (default `~/.local/share`), the
settings in `$XDG_CONFIG_HOME/trackjammer/config.toml` (default
`~/.config`):

    port = "FLUID Synth"     # the default MIDI output (a name or an index)
    backend = "alsa"         # auto, alsa, jack, coremidi or winmm
    project = "my song"      # the default project name
    cps = 0.5                # the starting tempo
    listen = true            # the door for editors (trackjammer send): false, or "tcp:7777" to add TCP

    [latency]                # ms a port's synth takes to sound: its messages leave that much earlier
    "Digitone" = 12          # by port name, or a part of one

Options on the command line win over the file. A file that cannot be read
or holds a wrong setting is said once, with its path; the REPL then starts
without that setting (a typo there never keeps anyone from playing).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trackjammer.tempo import MAX_CPS

SETTINGS = {
    "port": "a port name in quotes or an index: port = \"FLUID Synth\"",
    "backend": "one of auto, alsa, jack, coremidi, winmm: backend = \"alsa\"",
    "project": "a name in quotes: project = \"my song\"",
    "cps": f"a number more than 0, at most {MAX_CPS} (cycles a second, not beats): cps = 0.5",
    "listen": 'true, false or "tcp:PORT" (localhost only, with a token): listen = "tcp:7777"',
    "latency": 'a table of port names and milliseconds from 0 to 500: [latency] then "Digitone" = 12',
}
BACKENDS = ("auto", "alsa", "jack", "coremidi", "winmm")


def _base(variable: str, default: str) -> Path:
    value = os.environ.get(variable, "").strip()
    return Path(value) if value and os.path.isabs(value) else Path.home() / default


def config_path() -> Path:
    return _base("XDG_CONFIG_HOME", ".config") / "trackjammer" / "config.toml"


def history_path() -> Path:
    return _base("XDG_DATA_HOME", ".local/share") / "trackjammer" / "history"


@dataclass
class Config:
    """The settings read, and what was wrong in the file (one line each)."""

    port: str | int | None = None
    backend: str | None = None
    project: str | None = None
    cps: float | None = None
    listen: bool | int | None = None  # None: on (the default); an int: TCP on that port too
    latency: dict[str, float] = field(default_factory=dict)  # port name (or part) → ms its messages leave earlier
    problems: list[str] = field(default_factory=list)


def load_config(path: Path | None = None) -> Config:
    path = path if path is not None else config_path()
    config = Config()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return config
    except (OSError, UnicodeDecodeError) as error:
        config.problems.append(f"warning: cannot read {path}: {getattr(error, 'strerror', None) or error}")
        return config
    import tomllib  # start-up time: only when there is a file to read

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        config.problems.append(f"warning: {path} is not valid TOML ({error}); its settings are not used")
        return config
    for key, value in data.items():
        problem = _apply(config, key, value)
        if problem:
            config.problems.append(f"warning: {path}: {problem}; the setting is not used")
    return config


def _apply(config: Config, key: str, value: Any) -> str | None:
    if key not in SETTINGS:
        return f"unknown setting '{key}' (the settings are: {', '.join(SETTINGS)})"
    wrong = f"{key} = {value!r} is not {SETTINGS[key]}"
    if key == "port":
        if isinstance(value, bool) or not isinstance(value, (str, int)) or (isinstance(value, int) and value < 0):
            return wrong
        config.port = value
    elif key == "backend":
        if not isinstance(value, str) or value.strip().lower() not in BACKENDS:
            return wrong
        config.backend = value.strip().lower()
    elif key == "project":
        if not isinstance(value, str) or not value.strip():
            return wrong
        config.project = value
    elif key == "cps":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_CPS:
            return wrong
        config.cps = value
    elif key == "listen":
        listen = value if isinstance(value, bool) else tcp_port(value) if isinstance(value, str) else None
        if listen is None:
            return wrong
        config.listen = listen
    elif key == "latency":
        if not isinstance(value, dict) or not all(
                isinstance(ms, (int, float)) and not isinstance(ms, bool) and 0 <= ms <= 500 for ms in value.values()):
            return wrong
        config.latency = {str(name): float(ms) for name, ms in value.items()}
    return None


def tcp_port(text: str) -> int | None:
    """`tcp:PORT` (1 to 65535) → PORT, else None."""
    kind, _, port = text.strip().partition(":")
    if kind.lower() != "tcp" or not port.isdigit() or not 0 < int(port) < 65536:
        return None
    return int(port)
