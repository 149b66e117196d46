"""Start-up: each process loads what it runs, and the language is whole
whenever it evaluates.

Importing the package no longer loads every global (trackjammer/assembly.py):
the sending process and `trackjammer send` need none of the language, and
the REPL's prompt waits for the sending process. Each check runs in a fresh
interpreter, where nothing else has been imported yet.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from trackjammer import assembly

HEAVY = ("lark", "prompt_toolkit", "numpy", "mido", "trackjammer.lang", "trackjammer.core", "trackjammer.project",
         "trackjammer.audio", "trackjammer.repl.app")


def printed_by(code: str) -> str:
    """What a fresh interpreter prints running `code`."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def modules_after(code: str) -> set[str]:
    """Every module a fresh interpreter holds after running `code`."""
    return set(printed_by(code + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))").split())


def loaded_after(code: str) -> set[str]:
    """The heavy modules a fresh interpreter holds after running `code`."""
    return {name for name in modules_after(code) if name.startswith(HEAVY)}


def test_the_sending_process_loads_no_language():
    assert loaded_after("import trackjammer.engine.sender_process") == set()


def test_the_repl_starts_its_sending_process_with_the_standard_library_only():
    """repl/start.py starts it first thing (engine/spawn.py), before the
    engine and the prompt load: nothing of TrackJammer's is loaded for it."""
    ours = {name for name in modules_after("import trackjammer.engine.spawn") if name.startswith("trackjammer")}
    assert ours == {"trackjammer", "trackjammer.assembly", "trackjammer.version", "trackjammer.engine",
                    "trackjammer.engine.spawn", "trackjammer.helper_process"}


def test_neither_the_sending_process_nor_the_repl_before_its_prompt_loads_multiprocessing():
    """Their pipe is engine/pipe.py: multiprocessing took 12 ms of each start."""
    for code in ("import trackjammer.engine.sender_process",
                 "import trackjammer.repl.start, trackjammer.engine.live, trackjammer.repl.app"):
        assert {name for name in modules_after(code) if name.startswith("multiprocessing")} == set(), code


def test_no_config_file_loads_no_toml_parser(tmp_path):
    code = (f"from pathlib import Path\nfrom trackjammer.repl.config import load_config\n"
            f"load_config(Path({str(tmp_path / 'config.toml')!r}))")
    loaded = modules_after(code)
    assert "tomllib" not in loaded and "trackjammer.repl.config" in loaded  # the check sees what is there


def test_trackjammer_send_loads_no_language_and_no_prompt():
    """Only the project's rule for safe names (the socket is named after the project)."""
    loaded = loaded_after("import trackjammer.cli, trackjammer.commands.send")
    assert loaded == {"trackjammer.project", "trackjammer.project.renders", "trackjammer.project.writes"}


def test_the_repl_draws_its_prompt_before_loading_the_engine_the_session_and_the_completer():
    """repl/app.py builds them behind the drawn prompt (repl/behind.py): of
    TrackJammer's modules, only the command line's and the prompt's own are
    loaded to draw it."""
    loaded = modules_after("import trackjammer.cli, trackjammer.repl.start, trackjammer.repl.app")
    ours = {name for name in loaded if name.startswith("trackjammer")} - {"trackjammer.cli"}
    assert ours == {"trackjammer", "trackjammer.assembly", "trackjammer.errors", "trackjammer.version",
                    "trackjammer.tempo",  # one constant: the config file's cps is checked against it
                    "trackjammer.repl", "trackjammer.repl.start", "trackjammer.repl.options", "trackjammer.repl.config",
                    "trackjammer.repl.app", "trackjammer.repl.behind", "trackjammer.repl.inbox",
                    "trackjammer.repl.key_bindings", "trackjammer.repl.keys", "trackjammer.repl.style",
                    "trackjammer.repl.validator"}
    assert {"fractions", "decimal"} & loaded == set()  # a tempo is read as a Fraction once the session is built


def test_the_repl_draws_its_prompt_before_loading_the_language():
    """What the REPL imports before its prompt (repl/start.py, repl/app.py)
    and behind it before the language (the engine) holds no parser, no
    evaluator and no lark: they load in the background once the engine is
    built, or when first used."""
    loaded = loaded_after("import trackjammer.repl.start, trackjammer.engine.live, trackjammer.repl.app")
    assert loaded & {"lark", "trackjammer.lang.parser", "trackjammer.lang.mini_parser", "trackjammer.lang.evaluator",
                     "trackjammer.lang.ast", "trackjammer.lang.mini_ast", "trackjammer.lang.builtins",
                     "trackjammer.lang.provenance", "trackjammer.project.snapshot"} == set()
    assert "pygments.lexer" not in modules_after("import trackjammer.repl.start, trackjammer.engine.live, "
                                                 "trackjammer.repl.app")
    assert "prompt_toolkit" in loaded  # the check sees what is there


def test_the_repl_before_its_prompt_loads_no_clock_following_and_with_no_midi_no_sender():
    """sync() loads what follows a clock (engine/sync.py, link_follow.py)
    when first used, not as the engine is built; --no-midi never loads the
    sending process's side."""
    loaded = modules_after("import trackjammer.repl.start, trackjammer.engine.live, trackjammer.repl.app")
    assert loaded & {"trackjammer.engine.sync", "trackjammer.engine.link_follow", "trackjammer.engine.clock_follow",
                     "trackjammer.engine.sender", "trackjammer.engine.pipe"} == set()
    assert "trackjammer.engine.live" in loaded  # the check sees what is there


def test_the_prompt_loads_without_ssl_and_ssl_still_imports_after():
    """repl/start.py loads the prompt (and asyncio with it) without ssl: no
    TLS in the REPL's event loop. Afterwards ssl imports as ever, and asyncio
    still runs."""
    code = ("import sys\nfrom trackjammer.repl.start import _repl\n_repl()\n"
            "print('ssl' in sys.modules)\n"
            "import ssl, asyncio\nprint(ssl.PROTOCOL_TLS_CLIENT is not None)\n"
            "async def one():\n    await asyncio.sleep(0)\n    return 1\n"
            "print(asyncio.run(one()))\n")
    assert printed_by(code) == "False\nTrue\n1\n"


def test_the_command_line_loads_nothing_heavy():
    assert loaded_after("import trackjammer.cli") == set()


def test_evaluating_sees_every_global_in_a_process_that_imported_only_the_evaluator():
    code = ("from trackjammer.lang.evaluator import Interpreter\n"
            "i = Interpreter()\n"
            "i.execute('print(render); print(midi_export); print(show); print(start)')\n")
    assert printed_by(code).split("\n")[:4] == ["<built-in render>", "<built-in midi_export>", "<built-in show>",
                                          "<built-in start>"]


def test_help_and_completion_see_every_global_first_thing():
    code = ("from trackjammer.lang.builtins import help_entries\n"
            "names = help_entries()\n"
            "print(all(n in names for n in ('render', 'midi_export', 'show', 'start', 'daw_export', 'fast')))\n")
    assert printed_by(code) == "True\n"


def test_a_global_of_a_package_above_cannot_be_rebound_in_a_fresh_process():
    code = ("from trackjammer.lang.evaluator import Interpreter\n"
            "from trackjammer.errors import TrackJammerError\n"
            "try:\n"
            "    Interpreter().execute('let render = 4')\n"
            "except TrackJammerError as error:\n"
            "    print(error.message)\n")
    assert printed_by(code) == "'render' is a built-in function and cannot be rebound\n"


@pytest.fixture
def fresh_assembly() -> assembly.Assembly:
    """An assembly that has not run yet (the process's own has)."""
    return assembly.Assembly()


def test_loaders_run_once_and_a_loader_asking_again_goes_on(fresh_assembly):
    ran = []

    def loader():
        ran.append("start")
        fresh_assembly.assemble()  # an import inside the loader that reads the globals
        ran.append("end")

    fresh_assembly.when_needed(loader)
    fresh_assembly.assemble()
    fresh_assembly.assemble()
    assert ran == ["start", "end"]


def test_another_thread_waits_until_the_globals_are_all_there(fresh_assembly):
    loaded = []

    def slow_loader():
        time.sleep(0.2)
        loaded.append("render")

    fresh_assembly.when_needed(slow_loader)
    seen = []
    first = threading.Thread(target=fresh_assembly.assemble)
    first.start()
    time.sleep(0.05)  # the first thread is loading now
    second = threading.Thread(target=lambda: (fresh_assembly.assemble(), seen.append(list(loaded))))
    second.start()
    first.join()
    second.join()
    assert seen == [["render"]]


def test_a_failing_loader_is_tried_again(fresh_assembly):
    attempts = []

    def loader():
        attempts.append(1)
        if len(attempts) == 1:
            raise ImportError("half installed")

    fresh_assembly.when_needed(loader)
    with pytest.raises(ImportError):
        fresh_assembly.assemble()
    fresh_assembly.assemble()
    assert len(attempts) == 2


def test_the_package_hands_its_loader_to_the_process_assembly():
    """In a fresh interpreter: the package's import leaves one loader
    pending, and nothing of the language loaded, until the first need."""
    code = ("import sys, trackjammer.assembly as a\n"
            "print(len(a.GLOBALS.pending), a.GLOBALS.assembled, 'trackjammer.engine.globals' in sys.modules)\n"
            "a.assemble()\n"
            "print(len(a.GLOBALS.pending), a.GLOBALS.assembled, 'trackjammer.engine.globals' in sys.modules)\n")
    assert printed_by(code) == "1 False False\n0 True True\n"
