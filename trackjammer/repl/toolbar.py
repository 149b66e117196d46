"""The status bar under the prompt, redrawn several times a second.

It shows: play state, bar:beat and the cycle, cps and bpm, the external
clock followed (its port, its tempo, and whether it is locked), the output port,
every track (dim when muted, marked when soloed, marked `!` in yellow when
a failing binding handed it back to the one before, until it is bound
again, lit for a moment whenever it sends a note-on), a port that vanished
(✗ gone) and a recording indicator. Fields keep their width, so
the bar does not jitter, and prompt_toolkit redraws only what changed, so
it does not flicker. It reads the engine's public state only.
"""

from __future__ import annotations

import math
from typing import Any
from trackjammer.lang.display import show_number

FLASH_SECONDS = 0.25  # longer than the redraw interval, so every note-on is seen lit
SEPARATOR = ("class:toolbar.separator", " │ ")


def bar_beat(cycle: float, beats_per_cycle: int) -> str:
    """`bar:beat`, both from 1 (a bar is one cycle)."""
    cycle = max(cycle, 0.0)
    bar = math.floor(cycle)
    beat = min(beats_per_cycle - 1, math.floor((cycle - bar) * beats_per_cycle))
    return f"{bar + 1}:{beat + 1}"


def fragments(engine: Any, session: Any) -> list[tuple[str, str]]:
    """The status bar as prompt_toolkit (style, text) fragments."""
    try:
        return _fragments(engine, session)
    except Exception as error:  # noqa: BLE001 - the status bar must never end the REPL
        return [("class:toolbar.error", f" status unavailable: {error}")]


def _fragments(engine: Any, session: Any) -> list[tuple[str, str]]:
    playing = engine.scheduler.playing
    position = engine.scheduler.position() if playing else None
    out: list[tuple[str, str]] = []
    if playing:
        out.append(("class:toolbar.playing", " ▶ playing "))
        out.append(("class:toolbar.position", f" {bar_beat(position, session.beats_per_cycle):>7}  cycle {max(position, 0):8.2f}"))
    else:
        out.append(("class:toolbar.stopped", " ■ stopped "))
        stopped = getattr(engine, "stopped_at", None)  # where continue() plays on from
        if stopped is None:
            out.append(("class:toolbar.position", f" {'-':>7}  cycle {'-':>8}"))
        else:
            out.append(("class:toolbar.position", f" {bar_beat(float(stopped), session.beats_per_cycle):>7}  cycle "
                                                  f"{float(stopped):8.2f}"))
    out.append(SEPARATOR)
    try:
        bpm = show_number(session.bpm)
    except Exception:  # noqa: BLE001 - a tempo too large to show as bpm
        bpm = "?"
    out.append(("class:toolbar.tempo", f"{show_number(session.cps)} cps  {bpm} bpm"))
    out.append(SEPARATOR)
    sync = engine.sync_state() if hasattr(engine, "sync_state") else None
    if sync is not None and sync.source != "internal":
        out.extend(sync_fragments(sync, session.beats_per_cycle))
        out.append(SEPARATOR)
    out.append(("class:toolbar.port", f"→ {engine.output.name}"))
    gone = engine.ports_gone() if hasattr(engine, "ports_gone") else []
    if gone:  # a port that vanished: its notes are lost until it comes back (engine/port_health.py)
        out.append(("class:toolbar.error", " ✗ gone: " + ", ".join(gone)))
    tracks = session.tracks()
    if tracks:
        out.append(SEPARATOR)
        soloing = any(track.soloed for track in tracks)
        for index, track in enumerate(tracks):
            if index:
                out.append(("class:toolbar", " "))
            out.append((_track_style(engine, session, track, position, soloing), _track_text(track)))
    if getattr(getattr(engine, "recorder", None), "active", False):
        out.append(SEPARATOR)
        out.append(("class:toolbar.recording", "● REC"))
    return out


def sync_fragments(sync: Any, beats_per_cycle: int) -> list[tuple[str, str]]:
    """`⇠ clock PORT 121.3 bpm locked`, or `no clock` (dim) while nothing comes;
    `⇠ link 120.0 bpm 2 peers`, or `no peers` (dim) while alone in the session."""
    tempo = "---.- bpm" if sync.cps is None else f"{sync.cps * 60 * beats_per_cycle:5.1f} bpm"
    if sync.source == "link":
        peers = getattr(sync, "peers", None) or 0
        state = ("class:toolbar.sync.locked", f"{peers} peer{'' if peers == 1 else 's'}") if peers \
            else ("class:toolbar.sync.lost", "no peers")
        return [("class:toolbar.sync", f"⇠ link {tempo} "), state]
    state = ("class:toolbar.sync.locked", "locked") if sync.locked else ("class:toolbar.sync.lost", "no clock")
    return [("class:toolbar.sync", f"⇠ {sync.source} {sync.port} {tempo} "), state]


def _track_text(track: Any) -> str:
    name = track.name or f"ch{track.channel}"
    marks = ("M" if track.muted else "") + ("S" if track.soloed else "")
    marks += "!" if getattr(track, "fell_back", False) else ""
    return f" {name}{'[' + marks + ']' if marks else ''} "


def _track_style(engine: Any, session: Any, track: Any, position: float | None, soloing: bool) -> str:
    silent = track.muted or (soloing and not track.soloed)
    if silent:
        return "class:toolbar.track.muted"
    if position is not None and _flashing(engine, session, track, position):
        return "class:toolbar.track.flash"
    if getattr(track, "fell_back", False):
        return "class:toolbar.track.fallback"
    return "class:toolbar.track"


def _flashing(engine: Any, session: Any, track: Any, position: float) -> bool:
    last = engine.last_note_on(track) if hasattr(engine, "last_note_on") else None
    if last is None or session.cps <= 0:
        return False
    seconds = (position - float(last)) / float(session.cps)
    return 0 <= seconds < FLASH_SECONDS
