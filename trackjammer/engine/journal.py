"""The take's journal: one text line per thing recorded, readable after a crash.

The recorder's writer thread appends lines to `recording.journal` in the
take's folder and flushes them to the disk at least every 250 ms; a
process killed at any moment leaves every complete line readable (a last,
half-written line is skipped). Lines:

    TrackJammer journal 1 {"project": ..., "beats_per_cycle": 4, "start": "0", "cps": "1/2", "started": ...}
    t CYCLE CPS              the tempo changed at CYCLE
    n TRACK "NAME"           the name of a track number, before its first message
    m CYCLE TRACK HEX        a message sent at CYCLE (TRACK is - for stop, hush, panic)
    e CYCLE                  the take ended at CYCLE
    l CYCLE COUNT "PORT"     COUNT note-ons were sent to PORT while it was gone (lost)
    p INPUT "PORT"           the name of MIDI input number INPUT, before its first message
    i CYCLE INPUT HEX        a message that came in on input INPUT at CYCLE (engine/inputs.py)

Cycles and cps are exact fractions ("3/8"), as the message path has them.
`build_recording` turns a journal into the take's MIDI file.

With a sending process, that process journals the messages itself, in
`recording.sent` beside the journal (`m` lines with the port number at the
end): it sends them, and it outlives a killed main process, so it writes
what it sent right after each burst and everything on its way out
(engine/sent_file.py: while it writes, the file ends in reserved zeros). The
main journal then holds the header, tempo, names and end; `build_recording`
reads the messages of both. (engine/sent_file.py writes these lines
itself, with the standard library only: importing this module there
would slow the sending process's start.)
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import chain
from pathlib import Path
from typing import Any, Iterator

try:
    import fcntl
except ImportError:  # Windows: journals are not locked
    fcntl = None  # type: ignore[assignment]

from trackjammer.engine.sent_file import data_end
from trackjammer.midi.encoder import TrackEncoder, conductor, header
from trackjammer.midi.kinds import NOTE_OFF, NOTE_ON, channel_of, order_kind
from trackjammer.midi.smf import PPQN, tempo_for, ticks_per_cycle, to_tick

MAGIC = "TrackJammer journal 1 "
JOURNAL = "recording.journal"
SENT = "recording.sent"  # what the sending process sent, journaled by that process
RECORDING = "recording.mid"


def header_line(info: dict) -> str:
    return MAGIC + json.dumps(info, ensure_ascii=False) + "\n"


def message_line(cycle: Fraction, data: Any, track: int | None) -> str:
    return f"m {cycle} {'-' if track is None else track} {bytes(data).hex()}\n"


def tempo_line(cycle: Fraction, cps: Fraction) -> str:
    return f"t {cycle} {cps}\n"


def name_line(track: int, name: str | None) -> str:
    return f"n {track} {json.dumps(name, ensure_ascii=False)}\n"


def lost_line(cycle: Fraction, count: int, port: str) -> str:
    return f"l {cycle} {count} {json.dumps(port, ensure_ascii=False)}\n"


def port_line(number: int, name: str) -> str:
    return f"p {number} {json.dumps(name, ensure_ascii=False)}\n"


def input_line(cycle: Fraction, number: int, data: Any) -> str:
    return f"i {cycle} {number} {bytes(data).hex()}\n"


def end_line(cycle: Fraction) -> str:
    return f"e {cycle}\n"


def lock(file: Any) -> None:
    """Hold the journal open in `file` as ours alone while this process lives."""
    if fcntl is not None:
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pass  # a file system without locks: the take is still journaled


def in_use(path: Path) -> bool:
    """True when a running TrackJammer still writes this journal (it holds
    the lock), or a sending process still writes the file beside it (its
    engine was killed, and it is ending the notes and journaling them)."""
    if fcntl is None:
        return False
    sent = path.with_name(SENT)
    return _locked(path) or (os.path.exists(sent) and _locked(sent))


def _locked(path: Path) -> bool:
    try:
        with open(path, "r+", encoding="utf-8") as file:  # never creates one that just went
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)
    except OSError:
        return True  # gone, or cannot even be opened: not ours to touch
    return False


def _ticks(start: Fraction, per_cycle: int):
    """cycle text → tick from the take's start (never before it: "now" at a
    stop may read just before cycle 0), as `to_tick` rounds it; the common
    case, a take from cycle 0, in plain integers."""
    if start == 0:
        def tick_of(text: str) -> int:
            numerator, _, denominator = text.partition("/")
            n, d = int(numerator), int(denominator or 1)
            return max(0, (2 * n * per_cycle + d) // (2 * d))
        return tick_of
    return lambda text: max(0, to_tick(Fraction(text) - start, per_cycle))


def complete_lines(path: Path) -> Iterator[str]:
    """Every line that was written whole (a crash may cut the last one; a
    sending process killed leaves its reserved space as zeros, and the
    first zero ends what it wrote: engine/sent_file.py)."""
    with open(path, encoding="utf-8", errors="replace") as file:
        for line in file:
            if "\0" in line:
                return
            if line.endswith("\n"):
                yield line[:-1]


def sent_lines(path: Path) -> Iterator[str]:
    """The message lines the sending process journaled beside the journal at `path`, if it did."""
    sent = path.with_name(SENT)
    if os.path.exists(sent):
        yield from (line for line in complete_lines(sent) if line.startswith("m "))


def held_after(path: Path, tail: int = 1 << 18) -> list[tuple[int, bytes]]:
    """What the last `tail` bytes a sending process wrote show it sent (its
    whole lines, before the zeros of its reserved space), as (port, data), in
    order: read when that process died, for the notes it had not yet reported."""
    try:
        with open(path, "rb") as file:
            whole, _ = data_end(file.fileno())  # the zeros after are space it reserved
            text = os.pread(file.fileno(), min(whole, tail), max(0, whole - tail)).decode("utf-8", errors="replace")
    except OSError:
        return []
    lines = text.split("\n")
    if whole > tail:
        lines = lines[1:]  # the first is cut
    found = []
    for line in lines[:-1]:  # the last is cut, or empty
        fields = line.split(" ")
        if len(fields) == 5 and fields[0] == "m":
            try:
                found.append((int(fields[4]), bytes.fromhex(fields[3])))
            except ValueError:
                continue
    return found


@dataclass
class Built:
    """What a journal held, and the MIDI file made of it."""

    data: bytes | None  # None: the take sent nothing that a MIDI file keeps
    info: dict
    tracks: list[dict] = field(default_factory=list)  # {"channel": 1, "name": "bass"}
    messages: int = 0
    tempo_changes: int = 0
    end_cycle: Fraction = Fraction(0)
    end_tick: int = 0
    finished: bool = False  # the journal ends with the take's end (not cut by a crash)
    lost: dict[str, int] = field(default_factory=dict)  # port name → note-ons sent while it was gone


def build_recording(path: Path) -> Built:
    """Read a journal line by line (memory grows with the channels used,
    a few bytes a message, never with Python objects per message) and lay
    the take out as a Type 1 file."""
    lines = complete_lines(path)
    first = next(lines, "")
    lines = chain(lines, sent_lines(path))  # the header, tempo, names and end first: then the sender's messages
    if not first.startswith(MAGIC):
        return Built(None, {})
    info = json.loads(first[len(MAGIC):])
    bpc = int(info["beats_per_cycle"])
    per_cycle = ticks_per_cycle(bpc)
    start = Fraction(info["start"])
    tempos: list[tuple[int, Any]] = [(0, Fraction(info["cps"]))]
    names: dict[str, str | None] = {}
    channels: dict[int, TrackEncoder] = {}
    ports: dict[str, str] = {}  # input number → the name of its port
    heard: dict[tuple[int, int], TrackEncoder] = {}  # (input number, channel) → what came in there
    struck: dict[tuple[int, int, int], int] = {}  # (input number, channel, note) → the tick of its note-on
    built = Built(None, info)
    last = 0  # the latest tick of the take
    tick_of = _ticks(start, per_cycle)
    for line in lines:
        try:
            kind, rest = line[0], line[2:]
            if kind == "m":
                fields = rest.split(" ")
                if len(fields) not in (3, 4):  # 4: the sending process's, with its port
                    continue
                cycle_text, track, hexed = fields[0], fields[1], fields[2]
                data = bytes.fromhex(hexed)
                message_kind = order_kind(data)
                if message_kind is None:
                    continue
                channel = channel_of(data[0])
                target = channels.get(channel)
                if target is None:
                    target = channels[channel] = TrackEncoder(channel)
                name = names.get(track)
                if name and name not in target.names:
                    target.names.append(name)
                tick = tick_of(cycle_text)
                last = max(last, tick)
                target.add(tick, message_kind, data[1], data[2] if len(data) > 2 else 0)
            elif kind == "i":
                cycle_text, number, hexed = rest.split(" ")
                data = bytes.fromhex(hexed)
                message_kind = order_kind(data)
                if message_kind is None:
                    continue
                key = (int(number), channel_of(data[0]))
                target = heard.get(key)
                if target is None:
                    target = heard[key] = TrackEncoder(key[1])
                tick = tick_of(cycle_text)
                if message_kind == NOTE_ON:
                    struck[(*key, data[1])] = tick
                elif message_kind == NOTE_OFF and struck.pop((*key, data[1]), None) == tick:
                    tick += 1  # a hit shorter than a tick (a drum pad's) keeps one: nothing played is lost
                last = max(last, tick)
                target.add(tick, message_kind, data[1], data[2] if len(data) > 2 else 0)
            elif kind == "p":
                number, name = rest.split(" ", 1)
                ports[number] = json.loads(name)
            elif kind == "t":
                cycle_text, cps_text = rest.split(" ")
                tempos.append((tick_of(cycle_text), Fraction(cps_text)))
            elif kind == "n":
                track, name = rest.split(" ", 1)
                names[track] = json.loads(name)
            elif kind == "l":
                _, count, port = rest.split(" ", 2)
                port = json.loads(port)
                built.lost[port] = built.lost.get(port, 0) + int(count)
            elif kind == "e":
                last = max(last, tick_of(rest))
                built.end_cycle = max(Fraction(0), Fraction(rest) - start)
                built.finished = True
        except (ValueError, IndexError, json.JSONDecodeError):
            continue  # a line we cannot read is skipped; the rest of the take is kept
    if not channels and not heard:
        return built
    end_tick = max([last] + [c.least_end() for c in chain(channels.values(), heard.values())])
    tracks = [channels[c].close(end_tick, ", ".join(channels[c].names) or f"channel {c + 1}") for c in sorted(channels)]
    inputs = _input_tracks(heard, ports)
    tracks += [heard[key].close(end_tick, name) for key, name, _ in inputs]
    tempo_map = [(tick, tempo_for(cps, bpc).microseconds) for tick, cps in tempos]
    built.data = header(1, 1 + len(tracks), PPQN) + conductor(tempo_map, bpc, end_tick) + b"".join(tracks)
    built.tracks = [{"channel": c + 1, "name": ", ".join(channels[c].names) or None} for c in sorted(channels)]
    built.tracks += [{"channel": key[1] + 1, "name": name, "input": port} for key, name, port in inputs]
    built.messages = sum(c.messages for c in chain(channels.values(), heard.values()))
    built.tempo_changes = len(tempos) - 1
    built.end_tick = end_tick
    if not built.finished:
        built.end_cycle = Fraction(end_tick, per_cycle)
    return built


def _input_tracks(heard: dict[tuple[int, int], TrackEncoder], ports: dict[str, str]) -> list[tuple]:
    """(key, track name, port name) of each input's track, after the channels'
    tracks, input by input: a track per input named after its port (per
    channel it used, when it used more than one)."""
    found = []
    for key in sorted(heard):
        port = ports.get(str(key[0])) or f"input {key[0]}"
        several = sum(1 for number, _ in heard if number == key[0]) > 1
        found.append((key, f"{port} (channel {key[1] + 1})" if several else port, port))
    return found
