"""The output layer: Output's checks and note bookkeeping, port choice, and
MIDI through rtmidi over a real JACK server to a receiver process."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import rtmidi

from tests.support.jack_receiver import JackReceiver
from tests.support.xruns import retry_on_xrun
from trackjammer.errors import TrackJammerError
from trackjammer.midi import rtmidi_out
from trackjammer.midi.output import MemoryOutput, NullOutput, Output
from trackjammer.midi.rtmidi_out import (
    NO_OUTPUT,
    PortChoice,
    RtMidiOutput,
    backend_api,
    choose_port,
    find_ports,
    list_ports,
    open_output,
)

NOTE_ON_60 = bytes([0x90, 60, 100])
CC_74_64 = bytes([0xB0, 74, 64])
NOTE_OFF_60 = bytes([0x80, 60, 0])
ALL_OFF_CH1 = bytes([0xB0, 123, 0])
NO_JACK_SERVER = "trackjammer-no-such-server"
HAS_ALSA_SEQ = os.path.exists("/dev/snd/seq")


def unique_client() -> str:
    return f"tj-out-{uuid.uuid4().hex[:8]}"


def jack_connect(source: str, destination: str, server: str) -> None:
    """Connect two JACK ports (tried again if the busy server does not answer)."""
    env = dict(os.environ, JACK_NO_START_SERVER="1")
    command = [shutil.which("jack_connect") or "jack_connect", "-s", server, source, destination]
    for attempt in range(3):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=10)
        if result.returncode == 0:
            return
        time.sleep(0.05)
    raise AssertionError(f"jack_connect {source} {destination} failed: {result.stderr}")


def settle(rx: JackReceiver, count: int) -> list[bytes]:
    """Wait for `count` messages, then a moment for any extra one; all bytes."""
    rx.wait_for(count)
    time.sleep(0.1)
    return [m.data for m in rx.messages]


def wait_connected(rx: JackReceiver, sender_port: str, timeout: float = 5.0) -> None:
    """Until `sender_port` feeds the receiver, then a moment for JACK's graph.

    jack_lsp now and then fails to reach a busy server: asked again.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            if sender_port in rx.connections():
                time.sleep(0.02)
                return
        except subprocess.CalledProcessError:
            pass
        if time.monotonic() >= deadline:
            raise AssertionError(f"{sender_port} not connected to {rx.port} within {timeout} s")
        time.sleep(0.01)


@contextlib.contextmanager
def jack_inputs(server: str, *clients: str) -> Iterator[list[str]]:
    """JACK MIDI input ports, one receiver process per client name.

    Processes, not MidiIn ports in this one: if libjack crashes on a
    struggling server, it takes down a receiver, not the test run.
    """
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(JackReceiver(server=server, client_name=c)).port for c in clients]





# --- Output: checks and bookkeeping (no MIDI system) ------------------------------


@pytest.mark.parametrize("message", [
    [0x90, 60, 100], [0x80, 60, 0], [0xB0, 74, 64], [0xE0, 0, 64], [0xC0, 5], [0xD3, 7],
    [0xF8], [0xFA], [0xFB], [0xFC], [0xF2, 0x10, 0x20], bytes([0x9F, 127, 127]), (0xA0, 1, 2),
])
def test_well_formed_messages_are_sent_as_given(message: Sequence[int]) -> None:
    out = MemoryOutput()
    out.send(message)
    assert out.messages == [bytes(message)]


@pytest.mark.parametrize("message, words", [
    ([], "empty"),
    ([0x40, 1, 2], "status byte"),
    ([0x90, 60], "takes 3 bytes, not 2"),
    ([0x90, 60, 100, 0], "takes 3 bytes, not 4"),
    ([0xC0, 5, 6], "takes 2 bytes, not 3"),
    ([0xF8, 0], "takes 1 bytes, not 2"),
    ([0xF2, 0x10], "takes 3 bytes, not 2"),
    ([0x90, 60, 128], "data bytes must be 0..127"),
    ([0x90, -1, 100], "data bytes must be 0..127"),
    ([0x90, 60, 1.5], "data bytes must be 0..127"),
    ([0x100, 60, 100], "status byte"),
    ([0xF0, 1, 0xF7], "not supported"),
    ([0xF9], "not supported"),
])
def test_malformed_messages_raise_value_error_and_send_nothing(message: list, words: str) -> None:
    out = MemoryOutput()
    with pytest.raises(ValueError, match=words):
        out.send(message)
    assert out.sent == [] and out.channels_used == set() and out.held_notes == frozenset()


def test_notes_and_channels_are_tracked() -> None:
    out = MemoryOutput()
    out.send([0x90, 60, 100])
    out.send([0x93, 64, 90])
    out.send([0x90, 60, 0])  # velocity 0: an off
    out.send([0xB5, 7, 100])
    out.send([0xF8])
    assert out.held_notes == {(3, 64)}
    assert out.channels_used == {0, 3, 5}
    out.send([0x83, 64, 64])
    assert out.held_notes == frozenset()


def test_panic_ends_held_notes_then_all_notes_off_on_every_channel_used() -> None:
    out = MemoryOutput()
    for message in ([0x99, 36, 110], [0x90, 64, 100], [0x90, 60, 100], [0x90, 67, 100], [0x90, 67, 0],
                    [0xB4, 74, 10]):
        out.send(message)
    out.sent.clear()
    out.panic()
    assert out.messages == [
        bytes([0x80, 60, 0]), bytes([0x80, 64, 0]), bytes([0x89, 36, 0]),
        bytes([0xB0, 123, 0]), bytes([0xB4, 123, 0]), bytes([0xB9, 123, 0]),
    ]
    assert out.held_notes == frozenset()
    assert out.channels_used == {0, 4, 9}


def test_panic_on_a_fresh_output_sends_nothing() -> None:
    out = MemoryOutput()
    out.panic()
    assert out.sent == []


class CountingOutput(MemoryOutput):
    def __init__(self) -> None:
        super().__init__("counting")
        self.closes = 0

    def _close(self) -> None:
        self.closes += 1


def test_close_panics_once_then_does_nothing_and_later_sends_are_dropped() -> None:
    out = CountingOutput()
    out.send(NOTE_ON_60)
    out.close()
    out.close()
    out.send(NOTE_ON_60)
    out.panic()
    assert out.messages == [NOTE_ON_60, NOTE_OFF_60, ALL_OFF_CH1]
    assert out.closes == 1 and out.closed


def test_context_manager_closes() -> None:
    with CountingOutput() as out:
        out.send(NOTE_ON_60)
    assert out.messages == [NOTE_ON_60, NOTE_OFF_60, ALL_OFF_CH1] and out.closes == 1


class FlakyOutput(CountingOutput):
    """Fails to send one particular message."""

    def __init__(self, bad: bytes) -> None:
        super().__init__()
        self.bad = bad

    def _send(self, data: Sequence[int]) -> None:
        if bytes(data) == self.bad:
            raise OSError("port went away")
        super()._send(data)


def test_a_failing_message_does_not_stop_panic_or_close() -> None:
    out = FlakyOutput(bad=bytes([0x80, 60, 0]))
    out.send([0x90, 60, 100])
    out.send([0x91, 62, 100])
    with pytest.raises(OSError, match="port went away"):
        out.close()
    # Everything else still went out, and the port was released.
    assert out.messages[2:] == [bytes([0x81, 62, 0]), bytes([0xB0, 123, 0]), bytes([0xB1, 123, 0])]
    assert out.closes == 1 and out.closed


def test_a_failed_note_off_keeps_the_note_held() -> None:
    out = FlakyOutput(bad=NOTE_OFF_60)
    out.send(NOTE_ON_60)
    with pytest.raises(OSError):
        out.send(NOTE_OFF_60)
    assert out.held_notes == {(0, 60)}


def test_null_output_sounds_nothing_but_keeps_the_books() -> None:
    out = NullOutput()
    assert out.name == "no output"
    out.send([0x92, 50, 1])
    assert out.held_notes == {(2, 50)} and out.channels_used == {2}
    out.close()
    assert out.held_notes == frozenset() and out.closed


def test_the_base_class_needs_a_send() -> None:
    with pytest.raises(NotImplementedError):
        Output("abstract").send(NOTE_ON_60)


def test_sending_from_8_threads_records_every_message_whole_and_in_each_threads_order() -> None:
    out = MemoryOutput()
    threads, per_thread = 8, 500
    start = threading.Barrier(threads)

    def play(channel: int) -> None:
        start.wait()
        for i in range(per_thread):
            out.send([0xB0 | channel, i % 128, i // 128])

    workers = [threading.Thread(target=play, args=(c,)) for c in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert len(out.sent) == threads * per_thread
    stamps = [stamp for stamp, _ in out.sent]
    assert stamps == sorted(stamps)
    for channel in range(threads):
        mine = [data for _, data in out.sent if data[0] == 0xB0 | channel]
        assert mine == [bytes([0xB0 | channel, i % 128, i // 128]) for i in range(per_thread)]
    assert out.channels_used == set(range(threads))


# --- backends ---------------------------------------------------------------------


def test_backend_names_map_to_rtmidi_apis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKJAMMER_MIDI_BACKEND", raising=False)
    assert backend_api(None) == rtmidi.API_UNSPECIFIED
    assert backend_api("auto") == rtmidi.API_UNSPECIFIED
    assert backend_api("jack") == rtmidi.API_UNIX_JACK
    assert backend_api(" ALSA ") == rtmidi.API_LINUX_ALSA
    monkeypatch.setenv("TRACKJAMMER_MIDI_BACKEND", "jack")
    assert backend_api(None) == rtmidi.API_UNIX_JACK
    assert backend_api("alsa") == rtmidi.API_LINUX_ALSA  # a name given wins


def available_here() -> str:
    names = {rtmidi.API_LINUX_ALSA: "alsa", rtmidi.API_UNIX_JACK: "jack",
             rtmidi.API_MACOSX_CORE: "coremidi", rtmidi.API_WINDOWS_MM: "winmm"}
    compiled = rtmidi.get_compiled_api()
    return ", ".join(["auto"] + [n for a, n in names.items() if a in compiled])


def test_an_unknown_backend_is_the_users_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TrackJammerError) as caught:
        backend_api("pulse")
    assert caught.value.message == "unknown MIDI backend 'pulse'"
    assert caught.value.hint == f"the backends available here: {available_here()}"
    monkeypatch.setenv("TRACKJAMMER_MIDI_BACKEND", "pulse")
    with pytest.raises(TrackJammerError, match=r"^unknown MIDI backend 'pulse' \(from TRACKJAMMER_MIDI_BACKEND\)$"):
        backend_api(None)


def test_a_backend_not_built_into_rtmidi_is_the_users_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rtmidi, "get_compiled_api", lambda: [rtmidi.API_UNIX_JACK])
    with pytest.raises(TrackJammerError) as caught:
        backend_api("alsa")
    assert caught.value.message == "the MIDI backend 'alsa' is not available here"
    assert caught.value.hint == "the backends available here: auto, jack"
    assert backend_api("jack") == rtmidi.API_UNIX_JACK


# --- choosing a port (pure) ---------------------------------------------------------

PORTS = ["Midi Through:Midi Through Port-0 14:0", "USB Synth:USB Synth MIDI 1 20:0",
         "usb synth", "Drum Machine 24:0"]


def test_with_no_port_named_the_choice_is_virtual_then_first_then_none() -> None:
    assert choose_port(None, PORTS, supports_virtual=True) == PortChoice("virtual", None, "TrackJammer")
    assert choose_port(None, [], supports_virtual=True) == PortChoice("virtual", None, "TrackJammer")
    assert choose_port(None, PORTS, supports_virtual=False) == PortChoice("first", 0, PORTS[0])
    assert choose_port(None, [], supports_virtual=False) == PortChoice("none")


def test_a_port_by_exact_name_case_insensitive_name_unique_part_or_index() -> None:
    assert choose_port("usb synth", PORTS, True) == PortChoice("named", 2, "usb synth")
    assert choose_port("Drum Machine 24:0", PORTS, True) == PortChoice("named", 3, PORTS[3])
    assert choose_port("DRUM MACHINE 24:0", PORTS, True) == PortChoice("named", 3, PORTS[3])
    assert choose_port("drum", PORTS, True) == PortChoice("named", 3, PORTS[3])
    assert choose_port("USB SYNTH", PORTS, True) == PortChoice("named", 2, "usb synth")  # whole name first
    assert choose_port(1, PORTS, True) == PortChoice("named", 1, PORTS[1])
    assert choose_port(0, PORTS, False) == PortChoice("named", 0, PORTS[0])


def test_an_ambiguous_name_lists_what_it_matches() -> None:
    with pytest.raises(TrackJammerError) as caught:
        choose_port("midi", PORTS, True)
    assert caught.value.message == "the MIDI port name 'midi' matches 2 ports"
    assert caught.value.hint == f"give more of the name, or its index: 0: {PORTS[0]}, 1: {PORTS[1]}"


def test_a_missing_name_or_index_lists_the_ports() -> None:
    table = f"the ports (backend alsa): 0: {PORTS[0]}, 1: {PORTS[1]}, 2: {PORTS[2]}, 3: {PORTS[3]}"
    with pytest.raises(TrackJammerError) as caught:
        choose_port("piano", PORTS, True, "alsa")
    assert (caught.value.message, caught.value.hint) == ("no MIDI output port matches 'piano'", table)
    for index in (4, -1):
        with pytest.raises(TrackJammerError) as caught:
            choose_port(index, PORTS, True, "alsa")
        assert (caught.value.message, caught.value.hint) == (f"there is no MIDI output port {index}", table)
    with pytest.raises(TrackJammerError) as caught:
        choose_port(0, [], True, "jack")
    assert caught.value.hint == "there are no MIDI output ports (backend jack)"
    with pytest.raises(TrackJammerError, match="a name or an index"):
        choose_port(True, PORTS, True)


class FakeMidiOut:
    def __init__(self, ports: list[str]) -> None:
        self.ports, self.deleted = ports, False

    def delete(self) -> None:
        self.deleted = True


def test_no_virtual_ports_and_no_ports_means_no_output_with_the_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeMidiOut([])
    monkeypatch.setattr(rtmidi_out, "_connect", lambda api, name: (rtmidi_out._Client(fake, "winmm", []), []))
    out, notice = open_output(backend="auto")
    assert isinstance(out, NullOutput)
    assert notice == NO_OUTPUT == "no MIDI output: nothing will sound (export and recording still work)"
    assert fake.deleted


# --- no MIDI system: no output, one line, nothing on stderr ------------------------------


def test_without_a_loadable_rtmidi_there_is_no_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rtmidi", None)  # import rtmidi raises ImportError
    out, notice = open_output()
    assert isinstance(out, NullOutput)
    assert notice is not None and notice.startswith("no MIDI output (python-rtmidi cannot be loaded: ")
    assert notice.endswith("): nothing will sound (export and recording still work)")
    assert list_ports() == []
    with pytest.raises(TrackJammerError, match="unknown MIDI backend 'pulse'"):
        open_output(backend="pulse")


def test_no_jack_server_means_no_output_and_a_clean_notice(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JACK_DEFAULT_SERVER", NO_JACK_SERVER)
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    out, notice = open_output(backend="jack")
    assert isinstance(out, NullOutput)
    assert notice == "no MIDI output (jack: JACK server not running?): nothing will sound (export and recording still work)"
    assert list_ports("jack") == []
    out.close()
    assert capfd.readouterr() == ("", "")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ALSA is Linux only")
def test_no_alsa_sequencer_device_means_no_output(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "seq"
    monkeypatch.setattr(rtmidi_out, "ALSA_SEQ_DEVICE", str(missing))
    out, notice = open_output(backend="alsa")
    assert isinstance(out, NullOutput)
    assert notice == (f"no MIDI output (alsa: no ALSA sequencer, {missing} is missing):"
                      " nothing will sound (export and recording still work)")
    assert capfd.readouterr() == ("", "")


@pytest.mark.skipif(HAS_ALSA_SEQ or not sys.platform.startswith("linux"), reason="needs Linux without ALSA")
def test_alsa_failing_inside_rtmidi_is_a_notice_and_its_stderr_noise_is_kept_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    pretend = tmp_path / "seq"
    pretend.write_text("")  # the pre-check passes; libasound then fails and prints
    monkeypatch.setattr(rtmidi_out, "ALSA_SEQ_DEVICE", str(pretend))
    out, notice = open_output(backend="alsa")
    assert isinstance(out, NullOutput)
    assert notice == ("no MIDI output (alsa: error creating ALSA sequencer client object):"
                      " nothing will sound (export and recording still work)")
    assert capfd.readouterr() == ("", "")
    print("stderr works again", file=sys.stderr)
    assert capfd.readouterr().err == "stderr works again\n"


@pytest.mark.skipif(HAS_ALSA_SEQ or not sys.platform.startswith("linux"), reason="needs Linux without ALSA")
def test_auto_without_alsa_or_jack_says_why_for_both(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JACK_DEFAULT_SERVER", NO_JACK_SERVER)
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    monkeypatch.delenv("TRACKJAMMER_MIDI_BACKEND", raising=False)
    out, notice = open_output()
    assert isinstance(out, NullOutput)
    assert notice == ("no MIDI output (alsa: no ALSA sequencer, /dev/snd/seq is missing;"
                      " jack: JACK server not running?): nothing will sound (export and recording still work)")
    assert capfd.readouterr() == ("", "")


# --- over JACK ---------------------------------------------------------------------------
# The test server is up, yet on a busy machine a JACK client now and then
# fails to reach it (jack_lsp too); open_output then rightly gives no output.
# Those opens are tried again; a second failure is reported with its notice.


def open_jack(port: str | int | None = None, client_name: str = "TrackJammer") -> tuple[Output, str | None]:
    for _ in range(3):
        out, notice = open_output(port=port, backend="jack", client_name=client_name)
        if not isinstance(out, NullOutput):
            return out, notice
        time.sleep(0.05)
    raise AssertionError(f"the test JACK server could not be reached: {notice}")


def jack_ports() -> list[str]:
    for _ in range(3):
        listing = find_ports("jack")
        if listing.problem is None:
            return listing.ports
        time.sleep(0.05)
    raise AssertionError(f"the test JACK server could not be reached: {listing.problem}")

# What our output's own JACK port is called when it connects to a named port.
SENDER_PORT = "TrackJammer"


@pytest.mark.jack
def test_no_port_named_makes_a_virtual_port_that_plays_exactly(jack_server: str) -> None:
    def attempt() -> None:
        client = unique_client()
        with JackReceiver(server=jack_server) as rx:
            out, notice = open_jack(client_name=client)
            try:
                assert isinstance(out, RtMidiOutput)
                assert (out.name, out.backend, out.virtual) == ("TrackJammer", "jack", True)
                assert notice == "MIDI output: virtual port 'TrackJammer' (jack); connect an instrument to it"
                jack_connect(f"{client}:TrackJammer", rx.port, jack_server)
                wait_connected(rx, f"{client}:TrackJammer")
                for message in (NOTE_ON_60, CC_74_64, NOTE_OFF_60):
                    out.send(message)
                assert settle(rx, 3) == [NOTE_ON_60, CC_74_64, NOTE_OFF_60]
            finally:
                out.close()
            # close() ends with CC 123 on the channel used.
            assert settle(rx, 4) == [NOTE_ON_60, CC_74_64, NOTE_OFF_60, ALL_OFF_CH1]

    retry_on_xrun(attempt)


@pytest.mark.skipif(HAS_ALSA_SEQ, reason="auto picks ALSA where it exists")
@pytest.mark.jack
def test_auto_uses_jack_when_alsa_is_missing(jack_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKJAMMER_MIDI_BACKEND", raising=False)
    for _ in range(3):  # see open_jack
        out, notice = open_output(client_name=unique_client())
        if not isinstance(out, NullOutput):
            break
    try:
        assert isinstance(out, RtMidiOutput) and (out.backend, out.virtual) == ("jack", True)
        assert notice == "MIDI output: virtual port 'TrackJammer' (jack); connect an instrument to it"
    finally:
        out.close()


@pytest.mark.jack
def test_panic_delivers_exactly_the_note_offs_then_all_notes_off(jack_server: str) -> None:
    def attempt() -> None:
        client = unique_client()
        with JackReceiver(server=jack_server) as rx:
            out, notice = open_jack(rx.port, client_name=client)
            try:
                assert notice is None and out.name == rx.port
                wait_connected(rx, f"{client}:{SENDER_PORT}")
                out.send([0x90, 60, 100])  # channel 1
                out.send([0x99, 36, 110])  # channel 10
                out.panic()
                assert settle(rx, 6)[2:] == [
                    bytes([0x80, 60, 0]), bytes([0x89, 36, 0]), bytes([0xB0, 123, 0]), bytes([0xB9, 123, 0]),
                ]
            finally:
                out.close()
            # close() panics again: no note is held any more, so only CC 123.
            assert settle(rx, 8)[6:] == [bytes([0xB0, 123, 0]), bytes([0xB9, 123, 0])]

    retry_on_xrun(attempt)


@pytest.mark.jack
def test_a_port_by_exact_name_by_part_and_by_index(jack_server: str) -> None:
    def attempt() -> None:
        with JackReceiver(server=jack_server) as rx:
            assert rx.port in jack_ports()
            part = rx.client_name.split("-")[-1].upper()  # its unique hex, in another case
            index = jack_ports().index(rx.port)
            for done, port in enumerate((rx.port, part, index)):
                client = unique_client()
                out, notice = open_jack(port, client_name=client)
                try:
                    assert (out.name, notice) == (rx.port, None)
                    wait_connected(rx, f"{client}:{SENDER_PORT}")
                    out.send(NOTE_ON_60)
                    out.send(NOTE_OFF_60)
                    rx.wait_for(3 * done + 2)
                finally:
                    out.close()
            # Each output played its note, and closing it said CC 123.
            assert settle(rx, 9) == [NOTE_ON_60, NOTE_OFF_60, ALL_OFF_CH1] * 3

    retry_on_xrun(attempt)


@pytest.mark.jack
def test_wrong_port_names_and_indexes_are_errors_listing_the_ports(jack_server: str) -> None:
    tag = uuid.uuid4().hex[:8]
    with jack_inputs(jack_server, f"tj-amb-{tag}-a", f"tj-amb-{tag}-b") as (a, b):
        with pytest.raises(TrackJammerError) as caught:
            open_jack(f"tj-amb-{tag}")
        assert caught.value.message == f"the MIDI port name 'tj-amb-{tag}' matches 2 ports"
        ports = jack_ports()
        assert caught.value.hint == (f"give more of the name, or its index: "
                                     f"{ports.index(a)}: {a}, {ports.index(b)}: {b}")

        with pytest.raises(TrackJammerError) as caught:
            open_jack(f"nothing-{tag}")
        assert caught.value.message == f"no MIDI output port matches 'nothing-{tag}'"
        assert caught.value.hint == "the ports (backend jack): " + ", ".join(f"{i}: {p}" for i, p in enumerate(ports))

        with pytest.raises(TrackJammerError) as caught:
            open_jack(len(ports))
        assert caught.value.message == f"there is no MIDI output port {len(ports)}"
        assert caught.value.hint == "the ports (backend jack): " + ", ".join(f"{i}: {p}" for i, p in enumerate(ports))


@pytest.mark.jack
def test_list_ports_on_jack_lists_the_input_ports_of_other_clients(jack_server: str) -> None:
    tag = uuid.uuid4().hex[:8]
    with jack_inputs(jack_server, f"tj-list-{tag}") as (port,):
        for _ in range(3):  # see open_jack
            ports = list_ports("jack")
            if ports:
                break
        assert port in ports
    assert port not in jack_ports()


@pytest.mark.jack
def test_without_virtual_ports_the_first_port_is_opened(jack_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rtmidi_out, "_VIRTUAL", set())  # as on WinMM
    with jack_inputs(jack_server, f"tj-first-{uuid.uuid4().hex[:8]}"):
        first = jack_ports()[0]
        out, notice = open_jack(client_name=unique_client())
        try:
            assert isinstance(out, RtMidiOutput) and not out.virtual and out.name == first
            assert notice == f"MIDI output: the first port, '{first}' (jack)"
        finally:
            out.close()


@pytest.mark.jack
@pytest.mark.parametrize("probed", [True, False], ids=["probe", "walk"])
def test_a_port_is_present_wherever_it_moves_in_the_list_and_absent_once_gone(
    jack_server: str, probed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The port's health asks `present()` four times a second: by name
    through a client of our own (midi/jack_probe.py), the port table never
    walked; where that cannot be opened, it walks the table, looking first
    where it found the port last, so a port that moved in the list (one
    listed before it went) must still be found, and a vanished one not."""
    if not probed:
        monkeypatch.setattr(rtmidi_out.jack_probe, "probe", lambda client_name: None)
    tag = uuid.uuid4().hex[:8]
    before = JackReceiver(server=jack_server, client_name=f"tj-before-{tag}").start()
    synth = JackReceiver(server=jack_server, client_name=f"tj-synth-{tag}").start()
    out, _ = open_jack(synth.port, client_name=unique_client())
    try:
        assert out.present() and out.present()  # found, then found where it was
        assert out._at == (None if probed else jack_ports().index(synth.port))
        before.stop()
        deadline = time.monotonic() + 5
        while before.port in jack_ports() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert before.port not in jack_ports()
        assert out.present()  # moved up the list
        assert out._at == (None if probed else jack_ports().index(synth.port))
        synth.stop()
        while synth.port in jack_ports() and time.monotonic() < deadline + 5:
            time.sleep(0.02)
        assert out.present() is False
        assert out.present() is False  # and stays so while it is gone
    finally:
        out.close()
        for receiver in (before, synth):
            with contextlib.suppress(Exception):
                receiver.stop()


class _ListedMidiOut:
    """Stands in for rtmidi.MidiOut over JACK: the ports it lists, and each
    walk of the server's port table it would make, counted."""

    def __init__(self, ports: list[str]) -> None:
        self.ports, self.walks = ports, 0

    def get_port_count(self) -> int:
        self.walks += 1
        return len(self.ports)

    def get_port_name(self, at: int) -> str:
        self.walks += 1
        # RtMidi's JACK getPortName checks only that the place holds no name:
        # past the list's NULL end it reads whatever memory follows (it crashed).
        assert at <= len(self.ports), f"read {at - len(self.ports)} past the end of JACK's port list"
        if at == len(self.ports):
            raise rtmidi.InvalidPortError(f"MidiOutJack::getPortName: the 'portNumber' argument ({at}) is invalid.")
        return self.ports[at]

    def get_ports(self) -> list[str]:
        self.walks += len(self.ports)  # python-rtmidi asks each name in turn
        return list(self.ports)


def test_a_port_still_where_it_was_costs_two_walks_of_the_port_table_and_none_past_its_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a probe (midi/jack_probe.py), in the sending loop each walk
    costs ~180 µs with cold caches, four times a second; a place past the
    list's end is never asked (RtMidi's JACK backend reads past it unchecked)."""
    monkeypatch.setattr(rtmidi_out.jack_probe, "probe", lambda client_name: None)
    midi = _ListedMidiOut(["a:in", "b:in", "c:in", "synth:in", "d:in"])
    out = rtmidi_out.RtMidiOutput(midi, "synth:in", "jack")
    assert out.present() and out._at == 3
    midi.walks = 0
    assert out.present() and midi.walks == 2  # where it was: counted, then one name asked
    midi.ports = ["synth:in"]  # three went: where it was is two past the end now
    midi.walks = 0
    assert out.present() and out._at == 0 and midi.walks == 1 + 1  # counted, then read whole
    midi.ports = []
    assert out.present() is False and out._at is None


class _CountingMidiOut:
    """Stands in for rtmidi.MidiOut: counts what it is given."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send_message(self, data: Sequence[int]) -> None:
        self.sent.append(bytes(data))


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads threads' schedstat in /proc (Linux)")
def test_sending_stops_to_a_jack_client_whose_threads_no_longer_run(monkeypatch) -> None:
    """A JACK client whose server went (or stopped running it) no longer
    empties RtMidi's 16 KiB buffer, and once it is full RtMidi spins forever
    with the GIL held. The client's threads are real threads here: one that
    runs as JACK's does every period, and one that is parked. The sending
    process looks between bursts; within one, only before the buffer could fill."""
    stop = threading.Event()
    running = threading.Thread(target=lambda: [time.sleep(0.001) for _ in iter(stop.is_set, True)], daemon=True)
    parked = threading.Thread(target=stop.wait, daemon=True)
    running.start()
    parked.start()
    looks = []
    runs = rtmidi_out._runs
    monkeypatch.setattr(rtmidi_out, "_runs", lambda threads: looks.append(1) or runs(threads))
    try:
        note = (0x90, 60, 100)
        burst = rtmidi_out.UNSEEN_BYTES // 7 + 1  # one look's worth
        alive = rtmidi_out.RtMidiOutput(_CountingMidiOut(), "synth", "jack", threads=frozenset({str(running.native_id)}))
        for _ in range(3):  # a few bursts, each looked after, with the thread run meanwhile
            for _ in range(burst):
                alive.send(note)
            alive.look_after_sending()
            time.sleep(0.01)
        assert not alive.dead and len(alive._midi.sent) == 3 * burst
        assert len(looks) == 3  # one after each burst, none in the middle of one

        looks.clear()
        stalled = rtmidi_out.RtMidiOutput(_CountingMidiOut(), "synth", "jack", threads=frozenset({str(parked.native_id)}))
        for _ in range(burst):
            stalled.send(note)
        assert looks == []  # a burst of 4 KiB: no /proc read in its middle (it made the burst's last sends 0.2 ms late)
        stalled.look_after_sending()  # the first look counts as a run: it was just opened
        for _ in range(burst):
            stalled.send(note)
        stalled.look_after_sending()
        assert stalled.dead and len(looks) == 2
        assert len(stalled._midi.sent) == 2 * burst
        stalled.send(note)
        assert len(stalled._midi.sent) == 2 * burst  # nothing more goes to it
        assert stalled.present() is False  # said gone by the port's health, and opened again when a server is back

        looks.clear()  # one long burst, never looked after: looked at within it before the buffer fills
        endless = rtmidi_out.RtMidiOutput(_CountingMidiOut(), "synth", "jack", threads=frozenset({str(parked.native_id)}))
        for _ in range(3 * (rtmidi_out.IN_BURST_LOOK // 7)):
            endless.send(note)
        in_burst = rtmidi_out.IN_BURST_LOOK // 7 + 1  # messages sent up to and with the first look
        assert endless.dead and len(looks) == 2
        assert len(endless._midi.sent) == 2 * in_burst - 1  # the second look found it had not run,
        assert 7 * len(endless._midi.sent) < 16384  # before RtMidi's buffer was full
    finally:
        stop.set()


@pytest.mark.parametrize(("name", "own_output", "own_input"), [
    ("TrackJammer:TrackJammer", True, False),  # JACK
    ("TrackJammer-01:TrackJammer", True, False),  # JACK, a second client of the name
    ("TrackJammer:TrackJammer 128:0", True, False),  # ALSA
    ("TrackJammer", True, False),  # CoreMIDI's virtual source
    ("TrackJammer-01:TrackJammer in", False, True),
    ("TrackJammer:TrackJammer in 129:0", False, True),
    ("TrackJammer in", False, True),
    ("Keystation:in", False, False),
    ("Midi Through:Midi Through Port-0 14:0", False, False),
    ("TrackJammer:TrackJammer out", False, False),  # not a name of ours
])
def test_trackjammers_own_ports_are_known_by_name_on_every_backend(name, own_output, own_input):
    """Read back (or sent to itself), they make a loop without end: refused (test_inputs_jack.py)."""
    assert (bool(rtmidi_out.OWN_OUTPUT.fullmatch(name)), bool(rtmidi_out.OWN_INPUT.fullmatch(name))) == (
        own_output, own_input)
