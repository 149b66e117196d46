"""Every global of the language, assembled: the language's own
(lang/builtins.py) and those each package above it registers from a module of
its own (engine, project, audio, repl).

Importing this module is what makes them known; the package imports it, so
every entry point (the REPL, `run`, `events`, the tests) sees the full set.
"""

from __future__ import annotations

from trackjammer.engine import globals as engine_globals  # noqa: F401 - registers start, stop, hush, once, ports, …
from trackjammer.audio import globals as audio_globals  # noqa: F401 - registers render, soundfont
from trackjammer.project import globals as project_globals  # noqa: F401 - registers midi_export, save, load, …
from trackjammer.repl import globals as repl_globals  # noqa: F401 - registers show, help()'s keys
