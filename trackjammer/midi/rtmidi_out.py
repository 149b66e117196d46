"""MIDI ports through python-rtmidi: the one module that imports rtmidi.

Outputs and inputs alike: an input port (`open_input`, `find_ports(...,
direction="in")`) is chosen by the same rules and on the same backend as an
output, and read as a `midi.input.Input`: opened and read in a listening
process of its own (`open_midi_in` is that process's part, see
midi/input_process.py), never in TrackJammer's own process.

rtmidi is imported inside the functions, so the language, export and the
tests that need no port never load it (nor ALSA or JACK with it).

What `open_output` opens follows engine.md: the port the user named; if
none is named, a virtual port "TrackJammer" where the backend has virtual
ports (ALSA, JACK, CoreMIDI), else the first port, else no output at all.
The choice is made by `choose_port`, a pure function of the port list, so
it is tested exactly without any MIDI system.

A missing MIDI system is normal (a container without /dev/snd/seq, no JACK
server running): it means "no output" and one line saying why, never a
traceback, and the C libraries' own complaints on stderr are kept out of
the performer's terminal.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

from trackjammer.errors import TrackJammerError
from trackjammer.midi import jack_probe
from trackjammer.midi.input import Input
from trackjammer.midi.quiet import quiet_stderr as _quiet_stderr
from trackjammer.midi.output import NullOutput, Output
from trackjammer.midi.remote_input import open_remote_input

BACKENDS = {"auto", "alsa", "jack", "coremidi", "winmm"}
ENV_VAR = "TRACKJAMMER_MIDI_BACKEND"
VIRTUAL_PORT_NAME = "TrackJammer"
ALSA_SEQ_DEVICE = "/dev/snd/seq"
NO_OUTPUT = "no MIDI output: nothing will sound (export and recording still work)"
JACK_CLOSE_GRACE = 0.1  # seconds: a few JACK periods for the last note-offs to get out
TASKS = "/proc/self/task"  # this process's threads (Linux): a JACK client's end shows there
UNSEEN_BYTES = 4096  # sent to a JACK client before looking, between bursts, whether it still runs
IN_BURST_LOOK = 7168  # sent before looking in the middle of a burst: twice that (a new client's first look counts as a run) stays under RtMidi's 16 KiB buffer

# Our names for rtmidi's API constants, in the order we list them.
_API_ATTRS = {
    "auto": "API_UNSPECIFIED",
    "alsa": "API_LINUX_ALSA",
    "jack": "API_UNIX_JACK",
    "coremidi": "API_MACOSX_CORE",
    "winmm": "API_WINDOWS_MM",
}
_VIRTUAL = {"alsa", "jack", "coremidi"}  # WinMM has no virtual ports


def no_output_notice(why: str | None = None) -> str:
    """The one line said when nothing will sound, with the reason if known."""
    if not why:
        return NO_OUTPUT
    return f"no MIDI output ({why}): nothing will sound (export and recording still work)"


# --- backends -------------------------------------------------------------------


def _api_of(name: str) -> int:
    import rtmidi  # optional at run time: the C extension loads only when ports are used

    return int(getattr(rtmidi, _API_ATTRS[name]))


def _name_of(api: int) -> str:
    for name in _API_ATTRS:
        if _api_of(name) == api:
            return name
    return f"api {api}"


def _compiled() -> list[str]:
    """The backend names compiled into this rtmidi, in our order ("auto" first)."""
    import rtmidi  # optional at run time: the C extension loads only when ports are used

    compiled = set(rtmidi.get_compiled_api())
    return ["auto"] + [name for name in _API_ATTRS if name != "auto" and _api_of(name) in compiled]


def backend_api(name: str | None = None) -> int:
    """rtmidi's API constant for a backend name.

    None means the TRACKJAMMER_MIDI_BACKEND environment variable, else
    "auto" (rtmidi.API_UNSPECIFIED). An unknown name, or a backend this
    rtmidi was built without, is the user's error.
    """
    source = ""
    if name is None:
        name = os.environ.get(ENV_VAR, "").strip() or "auto"
        if name != "auto":
            source = f" (from {ENV_VAR})"
    key = name.strip().lower()
    if key not in BACKENDS:
        raise TrackJammerError(
            f"unknown MIDI backend '{name}'{source}",
            hint=f"the backends available here: {', '.join(_compiled())}",
        )
    available = _compiled()
    if key not in available:
        raise TrackJammerError(
            f"the MIDI backend '{key}'{source} is not available here",
            hint=f"the backends available here: {', '.join(available)}",
        )
    return _api_of(key)


def _load_problem() -> str | None:
    """Why python-rtmidi cannot be used here (its C libraries may be missing), or None."""
    try:
        importlib.import_module("rtmidi")
    except ImportError as error:
        return f"python-rtmidi cannot be loaded: {error}"
    return None


def _errors() -> tuple[type[BaseException], ...]:
    import rtmidi  # optional at run time: the C extension loads only when ports are used

    return (rtmidi.RtMidiError, OSError, RuntimeError, SystemError)


def _reason(error: BaseException) -> str:
    """RtMidi's message without its 'MidiOutJack::initialize: ' prefix."""
    text = re.sub(r"^\w+::\w+:\s*", "", str(error)).strip().rstrip(".")
    return text or type(error).__name__


class _Client(NamedTuple):
    """An rtmidi MidiOut (or MidiIn) that opened, on one backend, with its port list."""

    midi: Any
    backend: str
    ports: list[str]

    def delete(self) -> None:
        self.midi.delete()


def _try_backend(backend: str, client_name: str, direction: str = "out") -> tuple[_Client | None, str | None]:
    import rtmidi  # optional at run time: the C extension loads only when ports are used

    kind = rtmidi.MidiIn if direction == "in" else rtmidi.MidiOut

    if backend == "alsa" and sys.platform.startswith("linux") and not os.path.exists(ALSA_SEQ_DEVICE):
        return None, f"alsa: no ALSA sequencer, {ALSA_SEQ_DEVICE} is missing"
    midi = None
    try:
        with _quiet_stderr():
            midi = kind(_api_of(backend), name=client_name)
            ports = list(midi.get_ports())
    except _errors() as error:
        if midi is not None:
            midi.delete()
        return None, f"{backend}: {_reason(error)}"
    return _Client(midi, backend, ports), None


def _connect(api: int, client_name: str, direction: str = "out") -> tuple[_Client | None, list[str]]:
    """Open a client on `api`, and say why the backends tried failed.

    For "auto", try the compiled backends in order and take, as RtMidi
    does, the first with ports, else the first that opened. RtMidi's own
    "auto" gives up when the first backend fails (no ALSA in a container),
    so we do the trying ourselves.
    """
    name = _name_of(api)
    candidates = _compiled()[1:] if name == "auto" else [name]
    problems: list[str] = []
    fallback: _Client | None = None
    for backend in candidates:
        client, problem = _try_backend(backend, client_name, direction)
        if client is None:
            problems.append(problem or backend)
        elif client.ports:
            if fallback is not None:
                fallback.delete()
            return client, problems
        elif fallback is None:
            fallback = client
        else:
            client.delete()
    return fallback, problems


# --- listing ------------------------------------------------------------------


class PortListing(NamedTuple):
    """The output (or input) ports of a backend; `backend` is the one that
    answered (for "auto", the one chosen), `problem` why none did."""

    backend: str
    ports: list[str]
    problem: str | None = None


def find_ports(backend: str | None = None, client_name: str = "TrackJammer", direction: str = "out") -> PortListing:
    """The output ports `open_output(backend=...)` would choose among (with
    direction "in": the input ports `open_input` would)."""
    problem = _load_problem()
    if problem is not None:
        return PortListing(backend or "auto", [], problem)
    api = backend_api(backend)
    client, problems = _connect(api, client_name, direction)
    if client is None:
        return PortListing(_name_of(api), [], "; ".join(problems))
    client.delete()
    return PortListing(client.backend, client.ports)


def port_lines(outputs: Sequence[str], inputs: Sequence[str]) -> list[str]:
    """`out INDEX: NAME` for each output, then `in INDEX: NAME` for each input
    (what `trackjammer ports` prints and `ports()` gives)."""
    return [f"out {i}: {name}" for i, name in enumerate(outputs)] + [f"in {i}: {name}" for i, name in enumerate(inputs)]


def list_ports(backend: str | None = None, direction: str = "out") -> list[str]:
    """The names of the output (or input) ports (empty when the backend cannot open)."""
    return find_ports(backend, direction=direction).ports


# --- choosing -----------------------------------------------------------------


class PortChoice(NamedTuple):
    """What to open: kind "named" or "first" (port `index`, `name`),
    "virtual" (a virtual port), or "none" (no output)."""

    kind: str
    index: int | None = None
    name: str | None = None


def _port_table(ports: Sequence[str], backend: str, direction: str = "output") -> str:
    where = f" (backend {backend})" if backend else ""
    if not ports:
        return f"there are no MIDI {direction} ports{where}"
    return f"the ports{where}: " + ", ".join(f"{i}: {p}" for i, p in enumerate(ports))


def choose_port(
    port: str | int | None, ports: Sequence[str], supports_virtual: bool, backend: str = "",
    direction: str = "output",
) -> PortChoice:
    """Which port to open, by engine.md's rules. Pure: no MIDI system needed.

    A name matches exactly, else case-insensitively, else as a unique
    case-insensitive part of one name; an index counts from 0. With no
    port named: virtual if the backend can, else the first port, else none.
    """
    if port is None:
        if supports_virtual:
            return PortChoice("virtual", name=VIRTUAL_PORT_NAME)
        if ports:
            return PortChoice("first", 0, ports[0])
        return PortChoice("none")
    if isinstance(port, bool) or not isinstance(port, (int, str)):
        raise TrackJammerError(f"a MIDI port is a name or an index, not {port!r}")
    if isinstance(port, int):
        if not 0 <= port < len(ports):
            raise TrackJammerError(
                f"there is no MIDI {direction} port {port}", hint=_port_table(ports, backend, direction)
            )
        return PortChoice("named", port, ports[port])
    if port in ports:
        index = list(ports).index(port)
        return PortChoice("named", index, port)
    wanted = port.casefold()
    for test in (lambda p: p.casefold() == wanted, lambda p: wanted in p.casefold()):
        matches = [i for i, p in enumerate(ports) if test(p)]
        if len(matches) == 1:
            return PortChoice("named", matches[0], ports[matches[0]])
        if len(matches) > 1:
            raise TrackJammerError(
                f"the MIDI port name '{port}' matches {len(matches)} ports",
                hint="give more of the name, or its index: " + ", ".join(f"{i}: {ports[i]}" for i in matches),
            )
    raise TrackJammerError(f"no MIDI {direction} port matches '{port}'", hint=_port_table(ports, backend, direction))


# --- opening ------------------------------------------------------------------


class RtMidiOutput(Output):
    """An open rtmidi.MidiOut port.

    Over JACK, the server can go away (or drop our client) under it, and
    nothing says so: the client's thread ends, and RtMidi then waits for room
    in its ring buffer with a busy loop once it is full (holding the GIL: the
    whole process spins, and nothing else in it runs). So the client's
    threads are noted when it opens (`threads`), `present()` finds the client
    dead when one of them ended, nothing is sent to a dead client (its notes
    go nowhere, as to a vanished port), and `reconnect()` opens a new client
    and the port again by name once a server is there.

    `present()` is asked every quarter second or so, later on a loaded
    machine, and a dense stream fills RtMidi's buffer (16 KiB) in about a
    second and a half: so the sending itself looks too, every UNSEEN_BYTES,
    whether the client's threads ran since it last looked (they run every
    JACK period, and each run empties the buffer); a client that did not is
    dead, and the buffer never fills. A look reads /proc (0.1 to 0.2 ms), so
    the sending process looks after a burst (`look_after_sending`), not in
    its middle, where it made the burst's last messages that late (the send
    p99 at 8 tracks went 0.25 → 0.09–0.12 ms); within a burst, only past
    IN_BURST_LOOK, before the buffer could fill."""

    def __init__(self, midi_out: Any, name: str, backend: str, virtual: bool = False,
                 threads: frozenset[str] = frozenset(), client_name: str = "TrackJammer") -> None:
        super().__init__(name)
        self._midi = midi_out
        self.backend = backend
        self.virtual = virtual
        self.threads = threads  # the thread ids its JACK client started (empty: not watched)
        self.client_name = client_name
        self.dead = False  # its client lost its server: sending to it would spin
        self._fresh: tuple[Any, frozenset[str]] | None = None  # a new client, its port not yet open
        self._unseen = 0  # bytes sent since its client's threads were last seen to run
        self._runs: int | None = None  # how often they had run then (None: not looked yet)
        self._at: int | None = None  # where `present()` last found its port in the list of ports

    def _send(self, data: Sequence[int]) -> None:
        if self.dead:
            return
        if self.threads:
            self._unseen += len(data) + 4  # RtMidi keeps each message behind its size (an int)
            if self._unseen > IN_BURST_LOOK and not self._client_ran():
                self.dead = True  # its client stopped running: the buffer would fill and RtMidi spin
                return
        self._midi.send_message(data)

    def look_after_sending(self) -> None:
        """Between bursts: once UNSEEN_BYTES went out unseen, whether the client still runs."""
        if self._unseen > UNSEEN_BYTES and self.threads and not self.dead and not self._client_ran():
            self.dead = True

    def _client_ran(self) -> bool:
        """Whether the JACK client's threads ran since this last looked (the
        first look counts as a run: the client was just opened, or seen)."""
        runs = _runs(self.threads)
        ran = runs is not None and runs != self._runs
        if ran:
            self._runs, self._unseen = runs, 0
        return ran

    def present(self) -> bool:
        """Whether the port it sends to is still there (a virtual port always
        is: it is our own, while its client lives). Over JACK a vanished peer
        raises nothing when sent to, so the sending process asks this now and
        then (engine/port_health.py)."""
        if self.closed:
            return True
        if self.dead or not _alive(self.threads):
            self.dead = True
            return False
        if self.virtual:
            return True
        if self.backend == "jack" and (found := jack_probe.probe(self.client_name)) is not None:
            return found.has_port(self.name)  # one lookup by name, not two walks of every port (midi/jack_probe.py)
        midi, at = self._midi, self._at
        try:
            # Where it was last found first: over JACK each name asked for is one
            # walk of the server's port table (get_ports walks it once per port:
            # 198 µs against 30 with 12 ports), and this runs in the sending loop.
            # Counted first: RtMidi's JACK getPortName reads its list unchecked
            # past its end (a place beyond the end reads whatever memory follows).
            if at is not None and at < midi.get_port_count() and midi.get_port_name(at) == self.name:
                return True
            ports = midi.get_ports()
        except _errors():
            return False
        self._at = ports.index(self.name) if self.name in ports else None
        return self._at is not None

    def reconnect(self) -> bool:
        """Open the port of the same name again (it came back); False while it is not there."""
        if self.dead or not _alive(self.threads):  # the server went too (or was gone already)
            self.dead = True
            return self._revive()
        try:
            ports = list(self._midi.get_ports())
            if self.name not in ports:
                return False
            with _quiet_stderr():
                self._midi.close_port()
                self._midi.open_port(ports.index(self.name), name=VIRTUAL_PORT_NAME)
        except _errors():
            return False
        return True

    def _revive(self) -> bool:
        """A server is there again: a client of its own, then the port by
        name (or our virtual port). The dead client is kept, never deleted:
        RtMidi waits a second for its process cycle, which never comes."""
        if self._fresh is not None and not _alive(self._fresh[1]):
            _dead_clients.append(self._fresh[0])  # the server went again before the port came
            self._fresh = None
        if self._fresh is None:
            before = _threads()
            client, _ = _try_backend(self.backend, self.client_name)
            if client is None:
                return False  # no server yet
            self._fresh = (client.midi, _threads() - before)
        midi, threads = self._fresh
        try:
            with _quiet_stderr():
                if self.virtual:
                    midi.open_virtual_port(VIRTUAL_PORT_NAME)
                else:
                    ports = list(midi.get_ports())
                    if self.name not in ports:
                        return False
                    midi.open_port(ports.index(self.name), name=VIRTUAL_PORT_NAME)
        except _errors():
            return False
        _dead_clients.append(self._midi)
        if self.backend == "jack":
            jack_probe.forget()  # it was a client of the server that went away
        self._midi, self.threads, self._fresh, self.dead = midi, threads, None, False
        self._unseen, self._runs, self._at = 0, None, None
        return True

    def _close(self) -> None:
        if self._fresh is not None:
            self._fresh[0].delete()
            self._fresh = None
        if self.dead:
            _dead_clients.append(self._midi)  # see _revive
            return
        if self.backend == "jack":
            # JACK moves what we send into the graph in its process cycle;
            # RtMidi waits for one cycle before unregistering the port, but a
            # receiver running late (an xrun) then never sees the final
            # note-offs and CC 123, and a note sticks. Give it a few periods.
            time.sleep(JACK_CLOSE_GRACE)
        try:
            self._midi.close_port()
        finally:
            self._midi.delete()


_dead_clients: list[Any] = []  # clients whose JACK server went away (see RtMidiOutput._revive)


def _threads() -> frozenset[str]:
    """The ids of this process's threads (empty where /proc is not there)."""
    try:
        return frozenset(os.listdir(TASKS))
    except OSError:
        return frozenset()


def _runs(threads: frozenset[str]) -> int | None:
    """How many times these threads have been run by the kernel so far
    (schedstat's third field, summed), or None when one of them ended."""
    total = 0
    for thread in threads:
        try:
            with open(f"{TASKS}/{thread}/schedstat", "rb") as stat:
                total += int(stat.read().split()[2])
        except (OSError, IndexError, ValueError):
            return None
    return total


def _alive(threads: frozenset[str]) -> bool:
    """Whether every one of these threads still runs."""
    return all(os.path.exists(f"{TASKS}/{thread}") for thread in threads)


def open_output(
    port: str | int | None = None, backend: str | None = None, client_name: str = "TrackJammer"
) -> tuple[Output, str | None]:
    """Open the MIDI output to play through, and a line to tell the user.

    A port the user named that is not there is an error (TrackJammerError,
    listing the ports). A MIDI system that is not there is not: the result
    is a NullOutput and a notice saying why.
    """
    problem = _load_problem()
    if problem is not None:
        if backend is not None and backend.strip().lower() not in BACKENDS:
            raise TrackJammerError(f"unknown MIDI backend '{backend}'",
                                   hint=f"use one of: {', '.join(sorted(BACKENDS))}")
        return NullOutput(), no_output_notice(problem)

    before = _threads()  # a JACK client's threads are watched: they end when its server goes
    client, problems = _connect(backend_api(backend), client_name)
    if client is None:
        return NullOutput(), no_output_notice("; ".join(problems))
    try:
        choice = choose_port(port, client.ports, client.backend in _VIRTUAL, client.backend)
        _refuse_own(choice, client, OWN_INPUT, "input: what is sent there would come in again", "takes")
    except TrackJammerError:
        client.delete()
        raise
    if choice.kind == "none":
        client.delete()
        return NullOutput(), no_output_notice()

    try:
        with _quiet_stderr():
            if choice.kind == "virtual":
                client.midi.open_virtual_port(VIRTUAL_PORT_NAME)
            else:
                client.midi.open_port(choice.index, name=VIRTUAL_PORT_NAME)
    except _errors() as error:
        client.delete()
        if choice.kind == "named":
            raise TrackJammerError(
                f"cannot open the MIDI port '{choice.name}': {_reason(error)}",
                hint=_port_table(client.ports, client.backend),
            ) from None
        what = "a virtual port" if choice.kind == "virtual" else f"the port '{choice.name}'"
        return NullOutput(), no_output_notice(f"{client.backend}: cannot open {what}: {_reason(error)}")

    assert choice.name is not None
    threads = _threads() - before if client.backend == "jack" else frozenset()
    output = RtMidiOutput(client.midi, choice.name, client.backend, virtual=choice.kind == "virtual",
                          threads=threads, client_name=client_name)
    if choice.kind == "virtual":
        return output, f"MIDI output: virtual port '{VIRTUAL_PORT_NAME}' ({client.backend}); connect an instrument to it"
    if choice.kind == "first":
        return output, f"MIDI output: the first port, '{choice.name}' ({client.backend})"
    return output, None


# --- inputs -------------------------------------------------------------------

INPUT_PORT_NAME = "TrackJammer in"
# An output port of TrackJammer's own, as inputs list it: JACK's "TrackJammer:TrackJammer" (a second
# client of the name is "TrackJammer-01"), ALSA's "TrackJammer:TrackJammer 128:0", CoreMIDI's "TrackJammer".
OWN_OUTPUT = re.compile(rf"(?:{VIRTUAL_PORT_NAME}(?:-\d+)?:)?{VIRTUAL_PORT_NAME}(?: \d+:\d+)?")
OWN_INPUT = re.compile(rf"(?:{VIRTUAL_PORT_NAME}(?:-\d+)?:)?{INPUT_PORT_NAME}(?: \d+:\d+)?")  # and its input
INPUT_HINT = "start the MIDI system (JACK, ALSA) or connect the device; `trackjammer ports` lists what is there"


def _refuse_own(choice: PortChoice, client: _Client, own: re.Pattern, said: str, verb: str, lead: str = "") -> None:
    """TrackJammer's own port chosen (its output as an input, its input as an
    output): what goes out would come back in, and played through a track
    go out again without end. Refused, the other ports as the hint."""
    if choice.kind == "virtual" or not own.fullmatch(choice.name or ""):
        return
    others = [name for name in client.ports if not own.fullmatch(name)]
    direction = "output" if own is OWN_INPUT else "input"
    raise TrackJammerError(
        f"'{choice.name}' is TrackJammer's own {said} (and, played through a track, go out again, without end)",
        hint=lead + (_port_table(others, client.backend, direction) if others else f"no other port {verb} MIDI now"))


class OpenedInput(NamedTuple):
    """An rtmidi.MidiIn with its port open (in a listening process), what
    the port is, and the line to tell the user."""

    midi: Any
    name: str
    backend: str
    virtual: bool
    notice: str | None
    threads: frozenset[str]  # the thread ids its JACK client started (empty: not watched)


def open_midi_in(
    port: str | int | None, backend: str | None, client_name: str, callback: Any = None,
) -> OpenedInput:
    """Open a MIDI input port in this process, `callback(message, data)`
    called for each message from the moment it is open (None: none, the
    messages wait for get_message()) (the listening
    process's part of `open_input`, midi/input_process.py). Chosen as
    outputs are: by name, a unique part of one, or index; with none named,
    a virtual port "TrackJammer in" where the backend has them, else the
    first port. Anything that keeps an input from opening is a
    TrackJammerError saying why. MIDI clock and start/stop are let through,
    active sensing is not."""
    problem = _load_problem()
    if problem is not None:
        raise TrackJammerError(f"no MIDI input can be opened: {problem}", hint=INPUT_HINT)
    before = _threads()
    client, problems = _connect(backend_api(backend), client_name, "in")
    if client is None:
        raise TrackJammerError(f"no MIDI input can be opened: {'; '.join(problems)}", hint=INPUT_HINT)
    try:
        choice = choose_port(port, client.ports, client.backend in _VIRTUAL, client.backend, "input")
        if choice.kind == "none":
            raise TrackJammerError("there are no MIDI input ports", hint="connect a device, or start the program to follow")
        _refuse_own(choice, client, OWN_OUTPUT, "output: read back, every note it sends would come in again",
                    "offers", f"input() alone opens a port '{INPUT_PORT_NAME}' to connect a controller or a program to; ")
        with _quiet_stderr():
            client.midi.ignore_types(sysex=False, timing=False, active_sense=True)
            if callback is not None:
                client.midi.set_callback(callback)
            if choice.kind == "virtual":
                client.midi.open_virtual_port(INPUT_PORT_NAME)
            else:
                client.midi.open_port(choice.index, name=INPUT_PORT_NAME)
    except _errors() as error:
        client.delete()
        raise TrackJammerError(f"cannot open the MIDI input '{choice.name}': {_reason(error)}",
                               hint=_port_table(client.ports, client.backend, "input")) from None
    except TrackJammerError:
        client.delete()
        raise
    threads = _threads() - before if client.backend == "jack" else frozenset()
    if choice.kind == "virtual":
        notice = (f"MIDI input: virtual port '{INPUT_PORT_NAME}' ({client.backend}); "
                  "connect what plays in (a controller, a program, a clock) to it")
        return OpenedInput(client.midi, INPUT_PORT_NAME, client.backend, True, notice, threads)
    assert choice.name is not None
    return OpenedInput(client.midi, choice.name, client.backend, False, None, threads)


def input_client(backend: str, client_name: str, callback: Any) -> tuple[Any, frozenset[str]] | None:
    """An rtmidi.MidiIn on `backend`, no port open yet, `callback` set, and
    the threads its JACK client started; None while it cannot open (no
    server yet). For a listening process that waits for its port."""
    if _load_problem() is not None:
        return None
    before = _threads()
    client, _ = _try_backend(backend, client_name, "in")
    if client is None:
        return None
    try:
        with _quiet_stderr():
            client.midi.ignore_types(sysex=False, timing=False, active_sense=True)
            client.midi.set_callback(callback)
    except _errors():
        client.delete()
        return None
    return client.midi, (_threads() - before if backend == "jack" else frozenset())


def open_input_port(midi: Any, name: str, virtual: bool) -> bool:
    """Open the port called exactly `name` (or our virtual port) on a client
    from `input_client`; False while it is not there or cannot open."""
    try:
        with _quiet_stderr():
            if virtual:
                midi.open_virtual_port(INPUT_PORT_NAME)
                return True
            ports = list(midi.get_ports())
            if name not in ports:
                return False
            midi.open_port(ports.index(name), name=INPUT_PORT_NAME)
    except _errors():
        return False
    return True


def input_there(midi: Any, name: str, virtual: bool, threads: frozenset[str]) -> bool:
    """Whether an open input's port is still there: its client alive (its
    JACK server did not go), and the port it reads listed (a virtual port
    is our own)."""
    if not _alive(threads):
        return False
    if virtual:
        return True
    try:
        return name in midi.get_ports()
    except _errors():
        return False


def open_input(
    port: str | int | None = None, backend: str | None = None, client_name: str = "TrackJammer",
    report: Any = print,
) -> tuple[Input, str | None]:
    """Open a MIDI input port (not started: call `start()` once listening),
    and a line to tell the user. The port is opened and read by a listening
    process of its own (midi/remote_input.py, midi/input_process.py), as
    `open_midi_in` chooses it; anything that keeps it from opening is a
    TrackJammerError saying why, raised here. Where no listening process
    can run (not POSIX: it needs pipes select() can wait on), the port is
    opened in this process and polled (`PolledInput`)."""
    if os.name != "posix":
        return open_polled_input(port, backend, client_name, report)
    return open_remote_input(port, backend, client_name, report)


POLL = 0.001  # seconds between a PolledInput's looks at its port (the stamps do not depend on it)
LOOK_EVERY = 1.0  # seconds between its looks whether the port is still there


class PolledInput(Input):
    """An input port opened in this process, where no listening process can
    run: a thread polls it every millisecond (rtmidi's callback would wait
    in the backend's thread for this process's GIL), so stamps come from the
    poll as they would from the callback (midi/input.py). A port that
    vanishes is said once and opened again by name when it is back."""

    def __init__(self, opened: OpenedInput, report: Any = print) -> None:
        super().__init__(opened.name, opened.backend, report)
        self._midi, self.virtual = opened.midi, opened.virtual

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._join_reader()
        try:
            self._midi.close_port()
        finally:
            self._midi.delete()

    def _look(self) -> None:
        there = self.virtual or self.name in self._midi.get_ports()
        if not there and not self.gone:
            self.gone = True
            self.report(f"warning: the MIDI input '{self.name}' is gone; it is opened again when it comes back")
        elif there and self.gone:
            try:
                ports = list(self._midi.get_ports())
                with _quiet_stderr():
                    self._midi.close_port()
                    self._midi.open_port(ports.index(self.name), name=INPUT_PORT_NAME)
            except (*_errors(), ValueError):
                return  # gone again: looked for at the next look
            self.gone = False
            self.report(f"the MIDI input '{self.name}' is back")

    def _run(self) -> None:
        clock, looked = time.monotonic, time.monotonic()
        while not self.closed:
            try:
                while (got := self._midi.get_message()) is not None:
                    self.take(bytes(got[0]), got[1], clock())
                if clock() - looked >= LOOK_EVERY:
                    looked = clock()
                    self._look()
            except Exception as error:  # noqa: BLE001 - the port's own failure: said, and the input goes on
                self.report(f"warning: reading MIDI input '{self.name}' failed ({type(error).__name__}: {error})")
                time.sleep(LOOK_EVERY)
            time.sleep(POLL)


def open_polled_input(port: str | int | None = None, backend: str | None = None, client_name: str = "TrackJammer",
                      report: Any = print) -> tuple[PolledInput, str | None]:
    """`open_input` where no listening process can run: the port opened here, polled."""
    opened = open_midi_in(port, backend, client_name, None)
    return PolledInput(opened, report), opened.notice
