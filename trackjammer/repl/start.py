"""The REPL's start: the MIDI sending process first, the rest while it starts.

The prompt waits for the output to open, and the output lives in the
sending process (engine/sender.py), a Python process of its own that takes
a while to start and to open its port. So it is launched before anything
heavy is loaded here: the prompt, the language and the engine (repl/app.py)
load on this core while it starts on another, and its answer is usually
waiting when it is asked for.
"""

from __future__ import annotations

import sys
from typing import Any

from trackjammer.errors import TrackJammerError
from trackjammer.repl.config import load_config
from trackjammer.repl.options import Options

EXIT_BAD_INPUT = 2
NO_MIDI = "no MIDI output (--no-midi): nothing will sound (export and recording still work)"


def run_repl(options: Options) -> int:
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        print("error: the REPL needs a terminal\nhint: to play a file without one, use: trackjammer run FILE.tj",
              file=sys.stderr)
        return EXIT_BAD_INPUT

    config = load_config()
    for problem in config.problems:
        print(problem, file=sys.stderr)
    launched = None if options.no_midi else _launch()
    try:
        from trackjammer.repl.app import Repl  # start-up time: the prompt and the language load while the sending process starts

        output, notices, opener, sender = _open(options, config, launched)
    except TrackJammerError as error:
        print(error.format(), file=sys.stderr)
        return EXIT_BAD_INPUT
    return Repl(options, config, output, notices, opener, sender).run()


def _launch() -> tuple[Any, Any, str | None]:
    """The sending process, started now: (how to open ports, it, why there is none)."""
    from trackjammer.engine.live import port_opener  # start-up time: the engine loads only for the REPL

    return port_opener()


def _open(options: Options, config: Any, launched: tuple[Any, Any, str | None] | None) -> tuple[Any, list[str], Any, Any]:
    """The main output, what to say about it, how to open more ports
    (output(), track.device()) and the sending process they live in
    (engine/sender.py; with --no-midi none of these). A port named on the
    command line must be there; one from the config file falls back to the
    default choice with a warning."""
    if launched is None:
        from trackjammer.midi.output import NullOutput  # start-up time: the engine loads only for the REPL

        return NullOutput(), [NO_MIDI], None, None

    backend = options.backend if options.backend is not None else config.backend
    opener, sender, why = launched
    said = [why] if why else []
    try:
        if options.port is not None or config.port is None:
            output, notice = opener(options.port, backend)
            return output, said + ([notice] if notice else []), opener, sender
        try:
            output, notice = opener(config.port, backend)
            return output, said + ([notice] if notice else []), opener, sender
        except TrackJammerError as error:
            output, notice = opener(None, backend)
            said.append(f"warning: the port {config.port!r} of the config file cannot be used: {error.message}")
            return output, said + ([notice] if notice else []), opener, sender
    except BaseException:
        if sender is not None:
            sender.close()
        raise
