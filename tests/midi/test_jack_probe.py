"""The JACK probe: a client of our own, never activated, that finds ports by name.

Over the real JACK server the tests start (scripts/test), with receiving
clients made and ended by the test.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import time
import uuid

import pytest

from tests.support.jack_receiver import JackReceiver
from trackjammer.midi import jack_probe
from trackjammer.midi.rtmidi_out import find_ports


def test_the_library_found_is_libjack_itself_not_its_server_or_network_siblings() -> None:
    """Lines as /proc/self/maps has them: python-rtmidi's wheel brings a
    libjack renamed with a hash; the system's is libjack.so.0."""
    bundled = ("7f5a1c000000-7f5a1c05a000 r--p 00000000 fd:01 4325 "
               "/venv/lib/python3.11/site-packages/python_rtmidi.libs/libjack-5305d520.so.0.1.0")
    system = "7f5a1c000000-7f5a1c05a000 r-xp 00000000 fd:01 77 /usr/lib/x86_64-linux-gnu/libjack.so.0.1.0"
    found = [jack_probe.LIBJACK.search(line) for line in (bundled, system)]
    assert [match.group(1) for match in found if match] == [bundled.split()[-1], system.split()[-1]]
    for other in ("libjackserver.so.0.1.0", "libjacknet.so.0.1.0", "libjack.so.0.1.0 (deleted)"):
        assert jack_probe.LIBJACK.search(f"7f5a-7f5b r-xp 00000000 fd:01 77 /usr/lib/{other}") is None


@pytest.fixture
def fresh_probe() -> None:
    """Each test opens its own probe (another test's may be of a server gone)."""
    jack_probe.forget()
    yield
    jack_probe.forget()


def _until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


@pytest.mark.jack
def test_the_probe_finds_a_port_by_name_until_its_client_goes(jack_server: str, fresh_probe: None) -> None:
    import rtmidi  # noqa: F401 - loads the libjack the probe opens its client through

    probe = jack_probe.probe("tj-test")
    assert probe is not None and _client_name(probe) == "tj-test probe"
    synth = JackReceiver(server=jack_server, client_name=f"tj-synth-{uuid.uuid4().hex[:8]}").start()
    try:
        assert probe.has_port(synth.port) is True
        assert probe.has_port(synth.port + "x") is False
        assert probe.has_port(synth.port.split(":")[0]) is False  # a client's name is not a port
        assert jack_probe.probe("tj-test") is probe  # one client, opened once
        assert not any(port.startswith("tj-test probe") for port in find_ports("jack").ports)  # it has no ports
    finally:
        synth.stop()
    assert _until(lambda: synth.port not in find_ports("jack").ports)
    assert probe.has_port(synth.port) is False


@pytest.mark.jack
def test_forgetting_the_probe_closes_it_and_the_next_look_opens_another(jack_server: str, fresh_probe: None) -> None:
    """A server came back (RtMidiOutput._revive): the old client is closed,
    and gone from the server, and the next look opens a new one that works."""
    import rtmidi  # noqa: F401

    first = jack_probe.probe("tj-test")
    assert first is not None
    jack_probe.forget()
    second = jack_probe.probe("tj-test")
    assert second is not None and second is not first
    with JackReceiver(server=jack_server) as synth:
        assert second.has_port(synth.port) is True
    assert _client_name(second) == "tj-test probe"  # JACK renames a client whose name is taken: the first is gone
    env = {**os.environ, "JACK_NO_START_SERVER": "1"}
    ports = subprocess.run(["jack_lsp", "-s", jack_server], env=env, capture_output=True, text=True, timeout=10)
    assert ports.returncode == 0 and "probe" not in ports.stdout  # never a port of its own


def _client_name(probe: jack_probe.JackProbe) -> str:
    library = probe._library
    library.jack_get_client_name.restype = ctypes.c_char_p
    library.jack_get_client_name.argtypes = [ctypes.c_void_p]
    return library.jack_get_client_name(probe._client).decode()


@pytest.mark.jack
def test_without_a_server_there_is_no_probe_and_it_is_not_asked_again(
    jack_server: str, fresh_probe: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that is not there: None (present() walks the ports as
    before), and no client is tried again at every look until forget()."""
    import rtmidi  # noqa: F401

    monkeypatch.setenv("JACK_DEFAULT_SERVER", f"trackjammer-nobody-{os.getpid()}")
    opened = []
    real_open = jack_probe._open
    monkeypatch.setattr(jack_probe, "_open", lambda name: opened.append(name) or real_open(name))
    assert jack_probe.probe("tj-test") is None
    assert jack_probe.probe("tj-test") is None
    assert opened == ["tj-test probe"]
