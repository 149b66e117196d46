"""Suite-wide fixtures: the private JACK server.

scripts/test starts a private JACK server, exports its name in
JACK_DEFAULT_SERVER and sets TRACKJAMMER_JACK=1.  The `jack_server` fixture
hands that name to the tests.  Under a plain `pytest` run with jackd installed,
the fixture starts such a server itself.  Tests are skipped only when JACK
cannot run at all here, and under CI (CI set) that is a failure instead.

Tests marked `jack` get the fixture automatically, and tests that use the
fixture are marked `jack`, so `-m "not jack"` leaves out everything needing it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator

import pytest

import trackjammer.globals  # noqa: F401 - every test module sees the language whole at import (test_fuzz reads BUILTINS)
from tests.support.jack_server import JackServerError, PrivateJackServer


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _jack_unavailable(reason: str) -> None:
    if _under_ci():
        pytest.fail(f"JACK is required under CI, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def jack_server() -> Iterator[str]:
    """Name of a private JACK server; JACK_DEFAULT_SERVER points to it."""
    if os.environ.get("TRACKJAMMER_JACK") == "1":
        name = os.environ.get("JACK_DEFAULT_SERVER", "")
        if not name:
            pytest.fail("TRACKJAMMER_JACK=1 but JACK_DEFAULT_SERVER is not set", pytrace=False)
        yield name
        return

    if shutil.which("jackd") is None:
        _jack_unavailable(
            "jackd is not installed; scripts/test installs jackd2 when run as root on Debian"
            " (or: apt-get install jackd2)"
        )
    server = PrivateJackServer()
    try:
        server.start()
    except JackServerError as exc:
        # jackd is there but does not start: a real problem, never a skip.
        pytest.fail(str(exc), pytrace=False)
    saved = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER", "TRACKJAMMER_JACK_LOG")}
    os.environ["JACK_DEFAULT_SERVER"] = server.name
    os.environ["JACK_NO_START_SERVER"] = "1"
    os.environ["TRACKJAMMER_JACK_LOG"] = str(server.log_path)
    try:
        yield server.name
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# The parsers are cached in $XDG_CACHE_HOME/trackjammer (lang/grammar_cache.py): the
# run (and every process it starts) keeps them in a folder of its own, set before
# collection, as test modules may parse while they load.
_CACHE_HOME = tempfile.mkdtemp(prefix="trackjammer-test-cache-")
_SAVED_CACHE_HOME = os.environ.get("XDG_CACHE_HOME")
os.environ["XDG_CACHE_HOME"] = _CACHE_HOME


@pytest.fixture(scope="session", autouse=True)
def _no_user_cache() -> Iterator[None]:
    yield
    if _SAVED_CACHE_HOME is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = _SAVED_CACHE_HOME
    shutil.rmtree(_CACHE_HOME, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _no_user_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """`run`, `ports` and the REPL read $XDG_CONFIG_HOME/trackjammer/config.toml:
    every test (and every process it starts) sees an empty one, never the user's."""
    saved = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("config-home"))
    yield
    if saved is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = saved


@pytest.fixture(autouse=True)
def _jack_marker_needs_server(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("jack") is not None:
        request.getfixturevalue("jack_server")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "jack_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.jack)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    """A MonkeyPatch usable from hypothesis tests (function-scoped fixtures are not)."""
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """A crash of this process (a fatal signal in a C library: RtMidi, libjack)
    prints the frames of the thread it happened in alone, so the lines CI keeps
    of the run show them; nothing after the header means a thread of the
    library's own, not Python's."""
    import faulthandler

    if faulthandler.is_enabled():  # (pytest's own, on a copy of stderr: the tests' output is captured)
        faulthandler.enable(file=os.dup(sys.stderr.fileno()), all_threads=False)
