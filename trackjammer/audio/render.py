"""`render()`: what `midi_export` would write, played into a .wav file.

The messages come from the same place as the MIDI file's (`plan_export`,
`export_messages`, `layout`), so the audio holds exactly the notes and
controls the file holds, at the session's tempo. Cycles 0 … cycles-1 are
rendered (notes still sounding at the end are cut there, as in the file),
then `tail` seconds more (2 by default) so those notes ring out in their
release. The file is 44.1 kHz, 16-bit stereo, never clipped (`wav.py`).

Everything is checked and rendered before anything touches the disk: a bad
argument or a failing pattern writes nothing. An automatic render gets a
render folder with `render.wav`, `snapshot.tj` and `render.json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

from trackjammer.audio import AudioError, fluid, require_numpy
from trackjammer.audio.timeline import SAMPLE_RATE, frames_of, timed_messages
from trackjammer.core.registry import describe
from trackjammer.core.time import to_time
from trackjammer.core.values import is_number
from trackjammer.errors import ArgumentError
from trackjammer.lang.provenance import source_of, string_text
from trackjammer.midi.collector import collector_paused
from trackjammer.midi.smf import export_messages, layout, tempo_for, ticks_per_cycle
from trackjammer.progress import Progress
from trackjammer.project.export import check_cycles, json_number, plan_export
from trackjammer.project.record import RECORD, RenderRecord
from trackjammer.project.renders import (
    NAME_MAX, check_path_text, explicit_target, fill_render_folder, json_bytes, make_folders, render_folder,
    shown_path, write_together,
)
from trackjammer.project.snapshot import snapshot_source
from trackjammer.session import Session

RENDER_NAME = "render.wav"
ROUTES = ("auto", "fluidsynth", "builtin")
DEFAULT_TAIL = 2  # seconds after the last cycle, for releases to ring out
MAX_TAIL = 30
MAX_SECONDS = 600  # of audio in one render: the mix is held in memory
EXAMPLE = "render(bass, 4)"


@dataclass(frozen=True)
class Route:
    name: str  # "fluidsynth" or "builtin"
    soundfont: Path | None = None


def render(
    session: Session, what: Any, cycles: Any, path: Any = None, overwrite: bool = False, synth: Any = "auto",
    tail: Any = DEFAULT_TAIL, base: Path | None = None, now: Callable[[], datetime] = datetime.now,
) -> str:
    """Render cycles 0 … cycles-1 of `what` to a .wav file; return its path."""
    require_numpy()
    cycles = check_cycles(cycles, EXAMPLE, what)
    if not isinstance(overwrite, bool):
        raise ArgumentError(f"overwrite must be true or false, got {describe(overwrite)}", hint="overwrite: true")
    if not is_number(tail) or not 0 <= tail <= MAX_TAIL:
        raise ArgumentError(f"tail must be a number of seconds from 0 to {MAX_TAIL}, got {_shown(tail)}",
                            hint="the seconds after the last cycle for notes to ring out: render(bass, 4, tail: 1)")
    export = plan_export(what, session.seed, "render")
    bpc = session.beats_per_cycle
    per_cycle = ticks_per_cycle(bpc)
    tempo = tempo_for(session.cps, bpc)
    cps = to_time(session.cps) if session.cps > 0 else Fraction(tempo.bpm) / (60 * bpc)
    loop_frames = frames_of(cycles * per_cycle, per_cycle, cps)
    frames = loop_frames + round(Fraction(to_time(tail)) * SAMPLE_RATE)
    if frames > MAX_SECONDS * SAMPLE_RATE:
        raise AudioError(f"{cycles} cycles at cps {_shown(session.cps)} last {frames / SAMPLE_RATE:,.0f} seconds;"
                         f" render() makes at most {MAX_SECONDS // 60} minutes",
                         hint="render fewer cycles, or midi_export() the whole and play the file in a DAW")
    route = choose_route(session, synth)
    if path is not None:
        try:
            target = explicit_target(path, overwrite, base)
        except ArgumentError as error:  # its hints show midi_export
            error.hint = error.hint and error.hint.replace("midi_export(p", "render(bass").replace(".mid", ".wav")
            raise
        if target.suffix.lower() != ".wav":
            raise ArgumentError(f"render writes a .wav file, not {path}", hint=f'render(bass, 4, "{Path(path).stem or "loop"}.wav")')
    progress = Progress(2 * cycles + 1, "render", "steps")
    with collector_paused():  # the messages and notes: many objects, none in cycles (midi/collector.py)
        try:
            messages, stream = export_messages(export.plans, cycles, session.seed, bpc, True, progress.update)
            timed = timed_messages(layout(messages, per_cycle), per_cycle, cps)

            def synthesized(fraction: float) -> None:
                progress.update(cycles + int(fraction * cycles))

            if route.name == "fluidsynth":
                mix = fluid.render_fluid(timed, frames, route.soundfont, synthesized)
            else:
                from trackjammer.audio.synth import render_builtin  # optional dependency: it needs numpy (the [audio] extra)

                mix = render_builtin(timed, frames, synthesized)
            from trackjammer.audio.wav import level_of, wav_bytes  # optional dependency: it needs numpy (the [audio] extra)

            level = level_of(mix)
            data = wav_bytes(mix, level)
            del mix
            progress.update(2 * cycles + 1)
        finally:
            progress.close()
    for name in export.skipped:
        session.out(f"warning: {name} has no note pattern; skipped")
    if tempo.warning and session.cps <= 0:
        session.out(f"warning: cps is {session.cps}, so the render plays at {tempo.bpm} BPM")
    if stream.dropped:
        session.out(f"warning: {stream.dropped} note{'s' if stream.dropped != 1 else ''} outside 0..127 left out")
    moment = now()
    if path is not None:
        make_folders(target.parent, shown_path(target.parent, base))
        write_together([(target, data)], "overwrite" if overwrite else "new", base)
        return path
    described = _describe(session, what, export, cycles, synth, tail, cps, tempo, route, frames, loop_frames, level,
                          moment, base)
    folder = render_folder(session.project, base, lambda: moment)
    fill_render_folder(folder, [(RENDER_NAME, data)] + described, base)
    return shown_path(folder / RENDER_NAME, base)


def choose_route(session: Session, synth: Any) -> Route:
    """FluidSynth when asked, or (for "auto") when a SoundFont was chosen or
    one is found and FluidSynth is there; else the built-in synthesizer."""
    if synth not in ROUTES:
        raise ArgumentError(f"synth must be \"auto\", \"fluidsynth\" or \"builtin\", got {_shown(synth)}",
                            hint='render(bass, 4, synth: "builtin")')
    if synth == "builtin":
        return Route("builtin")
    chosen = Path(session.soundfont) if session.soundfont else None
    if chosen is not None and not chosen.is_file():
        raise AudioError(f"the SoundFont {session.soundfont} is gone", hint='choose another: soundfont("/path/to/font.sf2")')
    if synth == "auto" and chosen is None and (fluid.available() is not None or fluid.default_soundfont() is None):
        return Route("builtin")
    missing = fluid.available()
    if missing is not None:
        raise AudioError(missing, hint=fluid.INSTALL_HINT)
    font = chosen or fluid.default_soundfont()
    if font is None:
        raise AudioError("no SoundFont was chosen and none is in the usual places",
                         hint="soundfont(\"/path/to/font.sf2\"), or install one (Debian: apt-get install fluid-soundfont-gm)")
    return Route("fluidsynth", font)


def current_soundfont(session: Session) -> str | None:
    """The SoundFont render() would use: the chosen one, else the first found
    (when FluidSynth is there to play it)."""
    if session.soundfont:
        return session.soundfont
    found = fluid.default_soundfont()
    return str(found) if found is not None and fluid.available() is None else None


def choose_soundfont(session: Session, path: Any) -> str:
    if isinstance(path, str):  # a path no file system takes is said in words, not as an internal error
        check_path_text(path, 'soundfont("/usr/share/sounds/sf2/FluidR3_GM.sf2")', NAME_MAX)
    font = fluid.checked_soundfont(path)
    missing = fluid.available()
    if missing is not None:
        raise AudioError(missing, hint=fluid.INSTALL_HINT)
    session.soundfont = str(font)
    return str(font)


def _describe(
    session: Session, what: Any, export: Any, cycles: int, synth: str, tail: Any, cps: Fraction,
    tempo: Any, route: Route, frames: int, loop_frames: int, level: Any, moment: datetime, base: Path | None,
) -> list[tuple[str, bytes]]:
    """snapshot.tj and render.json, to go beside the file."""
    what_text = source_of(session, what)
    options = ("" if synth == "auto" else f", synth: {string_text(synth)}") + ("" if tail == DEFAULT_TAIL else f", tail: {tail}")
    call = f"render({what_text}, {cycles}{options})"
    source = snapshot_source(session, f"rendered: {call}")
    if session.soundfont:
        source += f"soundfont({string_text(session.soundfont)});\n"
    record = RenderRecord.new(
        "render", RENDER_NAME, session.project, moment, base,
        what=what_text,
        cycles=cycles,
        synth=route.name,
        soundfont=str(route.soundfont) if route.soundfont else None,
        sample_rate=SAMPLE_RATE,
        bits=16,
        channels=2,
        frames=frames,
        loop_frames=loop_frames,
        tail_seconds=json_number(to_time(tail)),
        seconds=round(frames / SAMPLE_RATE, 6),
        peak=round(level.peak, 6),
        gain_db=level.gain_db,
        cps=json_number(cps),
        bpm=json_number(tempo.bpm),
        beats_per_cycle=session.beats_per_cycle,
        seed=session.seed,
        tracks=[{"name": plan.name, "channel": plan.channel + 1} for plan in export.plans],
        skipped=export.skipped,
    )
    return [("snapshot.tj", source.encode("utf-8")), (RECORD, json_bytes(record.as_json()))]


def _shown(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value) if is_number(value) else describe(value)
