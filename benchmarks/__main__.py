"""Run the benchmarks named on the command line (by default all but the
opt-in ones, which take minutes: name them, e.g. `scripts/bench fuzz`,
`scripts/bench engine`, `scripts/bench recording`, `scripts/bench strudel`,
`scripts/bench faults`, `scripts/bench rebinds`, `scripts/bench daw`, `scripts/bench sync`)."""

from __future__ import annotations

import sys

from benchmarks import export, query, rebinds, recording, repl, send


def fuzz() -> bool:
    from benchmarks import fuzz as fuzz_  # imported here: it needs the test suite and hypothesis

    return fuzz_.run()


def audio() -> bool:
    from benchmarks import audio as audio_  # imported here: it needs numpy (the [audio] extra)

    return audio_.run()


def daw() -> bool:
    from benchmarks import daw as daw_  # imported here: the bundle needs numpy (the [audio] extra)

    return daw_.run()


def engine() -> bool:
    from benchmarks import engine as engine_  # imported here: it needs a JACK server and the test support

    return engine_.run()


def faults() -> bool:
    from benchmarks import faults as faults_  # imported here: it needs a JACK server and the test support

    return faults_.run()


def sync() -> bool:
    from benchmarks import sync as sync_  # imported here: it needs a JACK server and the test support

    return sync_.run()


def inputs() -> bool:
    from benchmarks import inputs as inputs_  # imported here: it needs a JACK server and the test support

    return inputs_.run()


def strudel() -> bool:
    from benchmarks import strudel as strudel_  # imported here: it needs the test suite and node

    return strudel_.run()


BENCHMARKS = {
    "query": query.run,
    "midi_export": export.run,
    "daw": daw,
    "audio": audio,
    "recording": recording.run,
    "repl": repl.run,
    "fuzz": fuzz,
    "engine": engine,
    "strudel": strudel,
    "faults": faults,
    "rebinds": rebinds.run,
    "sync": sync,
    "send": send.run,
    "input": inputs,
}
OPT_IN = {"fuzz", "engine", "recording", "strudel", "faults", "rebinds", "daw", "sync", "input"}  # left out of a run with no names


def main(names: list[str]) -> int:
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    results = [BENCHMARKS[name]() for name in names or [n for n in BENCHMARKS if n not in OPT_IN]]
    return 0 if all(results) else 1  # a missed target or a fuzz failure is reported in the status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
