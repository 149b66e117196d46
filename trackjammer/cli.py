"""Command line: `trackjammer <command>`.

With no command, the REPL starts (`--no-midi`, `--port`, `--backend`,
`--project`, `--cps`). Commands: `events` (show what a pattern plays),
`run` (play a script, or evaluate it `--offline`) and `ports` (list the
MIDI output ports). `run` and `ports` read the config file as the REPL does.

A reader that goes away (`trackjammer events ... | head`) ends the command
quietly with status 141, as `seq` or `cat` killed by SIGPIPE report it in
the shell: the output was cut, so a script can tell, but nothing is said.
"""

from __future__ import annotations

import argparse
import os
import select
import sys
from typing import TYPE_CHECKING

from trackjammer.version import __version__
from trackjammer.errors import TrackJammerError

if TYPE_CHECKING:
    from fractions import Fraction

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 70
EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE


def _cycles(text: str) -> tuple[Fraction, Fraction]:
    from fractions import Fraction  # start-up time: the REPL's prompt needs none (decimal comes with it)

    try:
        begin_text, end_text = text.split(":")
        begin, end = Fraction(begin_text), Fraction(end_text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"'{text}' is not a range of cycles like 0:4 or 1/2:3") from None
    if end <= begin:
        raise argparse.ArgumentTypeError(f"the range {text} is empty: the end must come after the beginning")
    return begin, end


def _whole_cycles(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of cycles of at least 1")
    return int(text)


def _port(text: str) -> str | int:
    """--port: digits are an index (as `trackjammer ports` numbers them), anything else a name."""
    return int(text) if text.isascii() and text.strip().isdigit() else text


BACKEND_METAVAR = "auto|alsa|jack|coremidi|winmm"


def _cps(text: str) -> Fraction:
    """--cps: a number more than 0, written 0.5 or 2/3."""
    from fractions import Fraction  # start-up time: as in _cycles

    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"'{text}' is not a number like 0.5 or 2/3") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"the tempo must be more than 0 cycles per second, not {text}")
    from trackjammer.tempo import MAX_CPS  # start-up time: as above

    if value > MAX_CPS:
        raise argparse.ArgumentTypeError(f"{text} cycles a second is past the most, {MAX_CPS}: cps counts cycles,"
                                         f" not beats ({text} BPM at 4 beats a cycle is --cps {value / 240})")
    return value


def _listen(text: str) -> int:
    """--listen tcp:PORT."""
    from trackjammer.repl.config import tcp_port  # start-up time: each command loads only what it runs

    port = tcp_port(text)
    if port is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not tcp:PORT with a port from 1 to 65535, e.g. tcp:7777")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trackjammer",
        description="TrackJammer: a terminal live-coding instrument for MIDI. Without a command, "
        "the REPL starts: type patterns, hear them on the next cycle (F1 or help() for help, "
        "Ctrl-D to quit).",
        epilog="Defaults for --port, --backend, --project and --cps (the REPL; run and ports too) can be set in "
        "$XDG_CONFIG_HOME/trackjammer/config.toml (default ~/.config/trackjammer/config.toml), "
        'e.g. port = "FLUID Synth". The history is kept in $XDG_DATA_HOME/trackjammer/history.',
    )
    parser.add_argument("--version", action="version", version=f"trackjammer {__version__}")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks of internal errors")
    repl = parser.add_argument_group("the REPL (no command)")
    repl.add_argument("--no-midi", dest="repl_no_midi", action="store_true",
                      help="open no MIDI output (export and show() still work)")
    repl.add_argument("--port", dest="repl_port", type=_port, metavar="NAME|INDEX",
                      help="the MIDI output port: a name (or a unique part of one) or an index from "
                      "'trackjammer ports' (default: the config file's, else a virtual port 'TrackJammer', "
                      "else the first port)")
    repl.add_argument("--backend", dest="repl_backend", metavar=BACKEND_METAVAR,
                      help="the MIDI system (default: the config file's, else $TRACKJAMMER_MIDI_BACKEND, else auto)")
    repl.add_argument("--project", dest="repl_project", metavar="NAME",
                      help="the project name: renders go to renders/NAME/ (default: the config file's, else untitled)")
    repl.add_argument("--cps", dest="repl_cps", type=_cps, metavar="CPS",
                      help="the starting tempo in cycles per second (at most 10), e.g. 0.5 or 2/3 (default 0.5)")
    repl.add_argument("--listen", dest="repl_listen", nargs="?", const=True, type=_listen, metavar="tcp:PORT",
                      help="listen for code from editors ('trackjammer send') on a socket only you can reach "
                      "(the default); with tcp:PORT also on 127.0.0.1:PORT, with a token")
    repl.add_argument("--no-listen", dest="repl_listen", action="store_false", default=None,
                      help="do not listen for code from editors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # --debug after the command too; SUPPRESS: absent there, it leaves the one before alone
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show Python tracebacks of internal errors")

    events = commands.add_parser(
        "events",
        parents=[debug],
        help="print the events of a pattern expression",
        description="Print the events whose onset lies in the given cycles, sorted by time and note.",
    )
    events.add_argument("expression", help="a pattern expression, e.g. '[C4 [E4 G4]*2 <C5 B4>](3,8)' or "
                        "'[C4 E4].fast(2)'; or statements ending with one: 'let m = [C4 E4]; m.rev()'")
    events.add_argument("--cycles", type=_cycles, default="0:1", metavar="A:B",  # a string: parsed by _cycles
                        help="the cycles to show, [A, B) (default 0:1; fractions allowed: 1/2:3)")
    events.add_argument("--json", action="store_true",
                        help='print a JSON array of {"begin", "end", "note", "velocity"} (times as exact fractions)')
    events.add_argument("--seed", type=int, default=0, help="the random seed (default 0)")

    run = commands.add_parser(
        "run",
        parents=[debug],
        help="evaluate a script file",
        description="Evaluate a TrackJammer script, then play its tracks live. What plays is recorded to "
        "renders/<project>/<datetime>/recording.mid when playing ends; a take a crash left unfinished is "
        "recovered first. With --offline there is no clock: the file is evaluated for its effects "
        "(exports), and nothing plays.",
    )
    run.add_argument("file", help="the script, e.g. song.tj; - reads it from standard input")
    run.add_argument("--offline", action="store_true", help="evaluate without a clock (no live playback)")
    run.add_argument("--watch", action="store_true",
                     help="evaluate the file again at every save, applied at the next cycle: the statements "
                     "whose text changed run (and those using a name they bind); a save with a syntax error "
                     "changes nothing")
    run.add_argument("--cycles", type=_whole_cycles, metavar="N",
                     help="play cycles 0 … N-1, then stop cleanly (default: play until Ctrl-C or SIGTERM)")
    run.add_argument("--project", help="the project name (default: the config file's, else the file name "
                     "without .tj, else untitled)")
    run.add_argument("--port", type=_port, metavar="NAME|INDEX",
                     help="the MIDI output port: a name (or a unique part of one) or an index from "
                     "'trackjammer ports' (default: the config file's, else a virtual port 'TrackJammer', "
                     "else the first port)")
    run.add_argument("--backend", metavar=BACKEND_METAVAR,
                     help="the MIDI system (default: the config file's, else $TRACKJAMMER_MIDI_BACKEND, else auto)")

    send = commands.add_parser(
        "send",
        parents=[debug],
        help="send code to the running REPL (from an editor)",
        description="Send a block of code (or a whole file) to the running REPL, evaluated there exactly as if "
        "typed; print what the REPL printed for it. Exit status 1 when it had an error.",
    )
    send.add_argument("file", nargs="?", default="-", help="the file to send; - (the default) reads standard input")
    send.add_argument("--project", help="the REPL to send to, by its project (default: the only one listening)")
    send.add_argument("--tcp", type=int, metavar="PORT",
                      help="send over TCP to 127.0.0.1:PORT (a REPL started with --listen tcp:PORT)")

    ports = commands.add_parser(
        "ports",
        parents=[debug],
        help="list the MIDI ports (outputs and inputs)",
        description="List the MIDI output ports as INDEX: NAME (--port and output() take either), "
                    "then the input ports as in INDEX: NAME (input() and sync() take either).",
    )
    ports.add_argument("--backend", metavar=BACKEND_METAVAR,
                       help="the MIDI system (default: the config file's, else $TRACKJAMMER_MIDI_BACKEND, else auto)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = _dispatch(parser, args)
        sys.stdout.flush()  # a reader that has gone is met here, not at exit
        return status
    except TrackJammerError as error:
        print(error.format(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # an internal bug: say so briefly, never a bare traceback
        if _stdout_closed(error):
            return EXIT_CLOSED_PIPE
        if args.debug:
            import traceback  # start-up time: only an internal error needs it

            traceback.print_exc()
        else:
            print(f"internal error ({error}): this is a bug in TrackJammer, not in your input.\n"
                  "hint: run again with --debug for the details, and please report it", file=sys.stderr)
        return EXIT_INTERNAL


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command is None:
        from trackjammer.repl.options import Options  # start-up time: each command loads only what it runs
        from trackjammer.repl.start import run_repl  # start-up time: each command loads only what it runs

        return run_repl(Options(no_midi=args.repl_no_midi, port=args.repl_port, backend=args.repl_backend,
                                project=args.repl_project, cps=args.repl_cps, debug=args.debug,
                                listen=args.repl_listen))
    if args.command == "events":
        from trackjammer.commands.events import run_events  # start-up time: each command loads only what it runs

        return run_events(args.expression, args.cycles, as_json=args.json, seed=args.seed)
    if args.command == "run":
        from trackjammer.commands.run import run_file  # start-up time: each command loads only what it runs

        return run_file(args.file, args.offline, args.project, args.cycles, args.port, args.backend, _config(),
                        watch=args.watch)
    if args.command == "send":
        from trackjammer.commands.send import run_send  # start-up time: each command loads only what it runs

        return run_send(args.file, args.project, args.tcp)
    if args.command == "ports":
        from trackjammer.commands.ports import run_ports  # start-up time: each command loads only what it runs

        return run_ports(args.backend if args.backend is not None else _config().backend)
    parser.error(f"unknown command {args.command}")
    return EXIT_BAD_INPUT


def _config():
    """The config file's settings, its problems said on stderr (as the REPL does)."""
    from trackjammer.repl.config import load_config  # start-up time: each command loads only what it runs

    config = load_config()
    for problem in config.problems:
        print(problem, file=sys.stderr)
    return config


def _stdout_closed(error: BaseException) -> bool:
    """Whether `error` (or what it wraps) is a broken pipe, and standard
    output is what broke: then stdout is pointed at /dev/null, so the flush
    at exit is quiet too. A broken pipe elsewhere (the sending process) is
    still a bug to report."""
    while error is not None and not isinstance(error, BrokenPipeError):
        error = getattr(error, "original", None) or error.__cause__
    if error is None or not _widowed(sys.__stdout__):
        return False
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.__stdout__.fileno())
    os.close(devnull)
    return True


def _widowed(stream) -> bool:
    """A pipe whose reader has gone: poll() reports an error (Linux) or a
    hang-up (BSD, macOS) on its write end. Where poll() is missing, trust
    the BrokenPipeError."""
    try:
        fd = stream.fileno()
    except (AttributeError, ValueError, OSError):
        return False
    if not hasattr(select, "poll"):
        return True
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
