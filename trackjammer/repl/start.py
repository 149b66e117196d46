"""The REPL's start: the MIDI sending process first, the prompt next, the rest behind it.

The output lives in the sending process (engine/sender.py), a Python
process of its own that takes a while to start and to open its port. So
it is started before anything else is loaded here (engine/spawn.py: the
standard library only), and asked for its port as soon as the settings
are read. The prompt (repl/app.py) loads on this core meanwhile and is
drawn without waiting for it: the engine loads, and the port's answer is
taken, behind the drawn prompt (repl/behind.py). Its spare (the process
that takes over when it dies) starts after that, not on the same cores as
the prompt loads.
"""

from __future__ import annotations

import sys
from typing import Any

from trackjammer.errors import TrackJammerError
from trackjammer.repl.options import Options

EXIT_BAD_INPUT = 2
NO_MIDI = "no MIDI output (--no-midi): nothing will sound (export and recording still work)"


def run_repl(options: Options) -> int:
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        print("error: the REPL needs a terminal\nhint: to play a file without one, use: trackjammer run FILE.tj",
              file=sys.stderr)
        return EXIT_BAD_INPUT

    started = None if options.no_midi else _start()  # first: it starts on another core while the rest loads
    from trackjammer.repl.config import load_config  # start-up time: after the sending process is started

    config = load_config()
    for problem in config.problems:
        print(problem, file=sys.stderr)
    if started is not None and not isinstance(started, OSError):
        started.ask("open", *_first_choice(options, config))  # opened while the prompt loads
    Repl = _repl()
    repl = Repl(options, config, lambda: _output(options, config, started), [NO_MIDI] if options.no_midi else [])
    try:
        return repl.run()
    except TrackJammerError as error:  # the output could not be opened: the prompt has ended
        print(error.format(), file=sys.stderr)
        return EXIT_BAD_INPUT


def _start() -> Any:
    """The sending process, started now (engine/spawn.py); the port to open
    is asked of it as soon as the settings are read."""
    from trackjammer.engine.spawn import start_sender  # start-up time: the standard library only

    return start_sender()


def _output(options: Options, config: Any, started: Any) -> tuple[Any, list[str], Any, Any]:
    """The main output and the rest _open gives (behind the drawn prompt:
    repl/app.py's build)."""
    return _open(options, config, None if options.no_midi else _launch(started))


def _launch(started: Any) -> tuple[Any, Any, str | None]:
    """How to open ports, the sending process started, why there is none;
    its spare starts once what plays is built (repl/app.py)."""
    from trackjammer.engine.live import port_opener  # start-up time: the engine loads only for the REPL

    return port_opener(started)


def _open(options: Options, config: Any, launched: tuple[Any, Any, str | None] | None) -> tuple[Any, list[str], Any, Any]:
    """The main output, what to say about it, how to open more ports
    (output(), track.device()) and the sending process they live in
    (engine/sender.py; with --no-midi none of these). A port named on the
    command line must be there; one from the config file falls back to the
    default choice with a warning."""
    if launched is None:  # --no-midi: said before the prompt (run_repl)
        from trackjammer.midi.output import NullOutput  # start-up time: the engine loads only for the REPL

        return NullOutput(), [], None, None

    port, backend = _first_choice(options, config)
    opener, sender, why = launched
    said = [why] if why else []
    try:
        try:
            output, notice = opener(port, backend)
        except TrackJammerError as error:
            if options.port is not None or config.port is None:
                raise
            output, notice = opener(None, backend)
            said.append(f"warning: the port {config.port!r} of the config file cannot be used: {error.message}")
        return output, said + ([notice] if notice else []), opener, sender
    except BaseException:
        if sender is not None:
            sender.close()
        raise


def _first_choice(options: Options, config: Any) -> tuple[Any, str | None]:
    """The port opened first and the backend: the command line's, else the
    config file's (its port falls back to the default choice in _open)."""
    backend = options.backend if options.backend is not None else config.backend
    return (options.port if options.port is not None else config.port), backend


def _repl() -> Any:
    """repl/app.py's Repl, and with it prompt_toolkit and asyncio, without
    ssl: asyncio imports it where it can, for TLS, which the REPL's event
    loop never uses (its door is a Unix socket, or plain TCP on localhost
    with a token: repl/door.py), and loading OpenSSL took ~5 ms of the start.
    Only asyncio's modules see no ssl; `import ssl` works as ever after."""
    blocked = "ssl" not in sys.modules
    if blocked:
        sys.modules["ssl"] = None  # type: ignore[assignment]  # an import of it fails: asyncio goes without
    try:
        from trackjammer.repl.app import Repl  # start-up time: the prompt loads while the sending process starts
    finally:
        if blocked and "ssl" in sys.modules and sys.modules["ssl"] is None:
            del sys.modules["ssl"]
    return Repl
