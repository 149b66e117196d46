"""`bundle_export`: a folder any DAW imports in one drag (and a .zip of it).

Logic Pro's project format is closed, and every DAW imports a Type 1 .mid
and .wav files; so the hand-off is those, side by side: `<project>.mid`
(named tracks, the tempo and time signature in a conductor track, CC lanes
as automation), one .wav stem per track rendered from that track's messages
of the same file (the route `render()` takes, sample-aligned to the .mid:
a stem starts at its track's first tick, every stem is as long as the
loop plus the tail), and README.txt listing each track's channel, program
and stem. Everything goes into a new render folder, with snapshot.tj and
render.json beside the bundle.

Each stem keeps the level the synthesizer made, unless it alone would clip:
then it is turned down to −1 dBFS, and README.txt says by how much. Without
numpy (the [audio] extra) the .mid and README are still written, the README
saying that the stems were not, and why.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

from trackjammer.audio import AudioError, fluid, require_numpy
from trackjammer.audio.render import DEFAULT_TAIL, MAX_SECONDS, choose_route
from trackjammer.audio.timeline import SAMPLE_RATE, frames_of, timed_messages
from trackjammer.core.registry import describe
from trackjammer.core.time import to_time
from trackjammer.errors import ArgumentError
from trackjammer.lang.provenance import source_of, string_text
from trackjammer.midi.messages import TrackPlan
from trackjammer.midi.smf import PPQN, midi_bytes, ticks_per_cycle
from trackjammer.progress import Progress
from trackjammer.project.export import check_cycles, json_number
from trackjammer.project.laid_out import LaidOut, lay_out, track_label, track_program, warn
from trackjammer.project.record import RECORD, RenderRecord
from trackjammer.project.renders import fill_render_folder, json_bytes, make_folders, render_folder, safe_name, shown_path
from trackjammer.project.sessions import read_meta
from trackjammer.project.snapshot import snapshot_source
from trackjammer.session import Session

EXAMPLE = "bundle_export(#[bass, lead], 8)"
README = "README.txt"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the same bytes for the same bundle


@dataclass(frozen=True)
class Stem:
    plan: TrackPlan
    file: str  # in the bundle folder
    gain_db: float | None  # how much it was turned down (0.0: not at all); None: not rendered


def bundle_export(
    session: Session, what: Any, cycles: Any, synth: Any = "auto", base: Path | None = None,
    now: Callable[[], datetime] = datetime.now,
) -> str:
    """Write the bundle of cycles 0 … cycles-1 of `what`; return the bundle folder's path."""
    cycles = check_cycles(cycles, EXAMPLE)
    steps = Progress(2 * cycles + 1, "bundle_export", "steps")
    try:
        laid = lay_out(session, what, cycles, "bundle_export", steps.update)
        per_cycle = ticks_per_cycle(laid.beats_per_cycle)
        cps = to_time(session.cps) if session.cps > 0 else Fraction(laid.tempo.bpm) / (60 * laid.beats_per_cycle)
        loop_frames = frames_of(laid.end_tick, per_cycle, cps)
        frames = loop_frames + DEFAULT_TAIL * SAMPLE_RATE
        try:
            require_numpy()
            missing = None
        except AudioError as error:
            missing = f"{error} ({error.hint})"
        if missing is None:
            if frames > MAX_SECONDS * SAMPLE_RATE:
                raise AudioError(f"{cycles} cycles at cps {session.cps} last {frames / SAMPLE_RATE:,.0f} seconds;"
                                 f" bundle_export renders stems of at most {MAX_SECONDS // 60} minutes",
                                 hint="export fewer cycles, or midi_export() the whole")
            route = choose_route(session, synth)
        elif synth not in ("auto", "fluidsynth", "builtin"):
            raise ArgumentError(f"synth must be \"auto\", \"fluidsynth\" or \"builtin\", got {describe(synth)}",
                                hint='bundle_export(bass, 4, synth: "builtin")')
        name = safe_name(session.project)
        files = stem_names(laid.plans)
        mid = midi_bytes([(track_label(plan), plan.channel, laid.by_track[plan.index]) for plan in laid.plans],
                         1, laid.tempo, laid.beats_per_cycle, laid.end_tick)
        stems: list[tuple[Stem, bytes | None]] = []
        for number, plan in enumerate(laid.plans, start=1):
            if missing is None:
                data, gain_db = render_stem(laid, plan, per_cycle, cps, frames, route)
                stems.append((Stem(plan, files[plan.index], gain_db), data))
            else:
                stems.append((Stem(plan, files[plan.index], None), None))
            steps.update(cycles + number * cycles // len(laid.plans))
        readme = readme_text(name, laid, cycles, [stem for stem, _ in stems], missing, read_meta(session.project, base))
    finally:
        steps.close()
    warn(session, laid)
    if missing is not None:
        session.out(f"warning: no stems: {missing}")
    moment = now()
    contents = [(f"{name}.mid", mid)] + [(stem.file, data) for stem, data in stems if data is not None]
    contents.append((README, readme.encode("utf-8")))
    what_text = source_of(session, what)
    option = "" if synth == "auto" else f", synth: {string_text(synth)}"
    source = snapshot_source(session, f"rendered: bundle_export({what_text}, {cycles}{option})")
    if session.soundfont:
        source += f"soundfont({string_text(session.soundfont)});\n"
    record = RenderRecord.new(
        "bundle_export", f"{name}/", session.project, moment, base,
        what=what_text, cycles=cycles, zip=f"{name}.zip", mid=f"{name}/{name}.mid",
        synth=None if missing else route.name, soundfont=str(route.soundfont) if not missing and route.soundfont else None,
        cps=json_number(cps), bpm=json_number(laid.tempo.bpm), beats_per_cycle=laid.beats_per_cycle, seed=session.seed,
        sample_rate=SAMPLE_RATE, loop_frames=loop_frames, frames=frames,
        tracks=[{"name": stem.plan.name, "channel": stem.plan.channel + 1, "program": track_program(stem.plan),
                 "stem": None if stem.gain_db is None else f"{name}/{stem.file}", "gain_db": stem.gain_db}
                for stem, _ in stems],
        skipped=laid.export.skipped, stems_missing=missing,
    )
    folder = render_folder(session.project, base, lambda: moment)
    bundle = folder / name
    make_folders(bundle, shown_path(bundle, base))
    files = [(f"{name}/{file}", data) for file, data in contents]
    files += [(f"{name}.zip", zip_bytes(name, contents)), ("snapshot.tj", source.encode("utf-8")),
              (RECORD, json_bytes(record.as_json()))]
    fill_render_folder(folder, files, base)
    return shown_path(bundle, base)


def stem_names(plans: list[TrackPlan]) -> dict[int, str]:
    """plan index → `NN name.wav`: numbered in track order, so a DAW lays
    them out in the .mid's order, and never the same name twice."""
    return {plan.index: f"{number:02d} {safe_name(track_label(plan), fallback=f'channel_{plan.channel + 1}')}.wav"
            for number, plan in enumerate(plans, start=1)}


def render_stem(laid: LaidOut, plan: TrackPlan, per_cycle: int, cps: Fraction, frames: int, route: Any) -> tuple[bytes, float]:
    """One track's messages, alone, as .wav bytes, and the gain it took (dB)."""
    from trackjammer.audio.wav import level_of, wav_bytes  # optional dependency: it needs numpy (the [audio] extra)

    timed = timed_messages(laid.by_track[plan.index], per_cycle, cps)
    if route.name == "fluidsynth":
        mix = fluid.render_fluid(timed, frames, route.soundfont)
    else:
        from trackjammer.audio.synth import render_builtin  # optional dependency: it needs numpy (the [audio] extra)

        mix = render_builtin(timed, frames)
    level = level_of(mix)
    return wav_bytes(mix, level), level.gain_db


def readme_text(name: str, laid: LaidOut, cycles: int, stems: list[Stem], missing: str | None, meta: dict) -> str:
    bpm = float(laid.tempo.bpm)
    lines = [
        f"{name}: a bundle from TrackJammer",
        "",
        f"{name}.mid   Type 1 MIDI file, {PPQN} ticks per quarter: a conductor track (tempo, time signature),",
        "              then one named track per row below, with its notes and CC automation.",
        f"Tempo {bpm:g} BPM, time signature {laid.beats_per_cycle}/4, {cycles} cycle{'s' if cycles != 1 else ''}"
        f" = {cycles * laid.beats_per_cycle} beats; every stem starts at beat 0.",
        "",
        "Drag the whole folder into your DAW (Logic Pro, Ableton Live, Bitwig, Reaper, …): the .mid gives the",
        "tracks and the tempo, each .wav is that track rendered from the same notes.",
        "",
    ]
    rows = [("track", "channel", "program", "stem")]
    for stem in stems:
        program = track_program(stem.plan)
        shown_program = "none (GM: drum kit)" if program is None and stem.plan.channel == 9 else (
            "none (GM: 1, piano)" if program is None else str(program + 1))
        if stem.gain_db is None:
            file = "not rendered"
        else:
            file = stem.file + ("" if stem.gain_db == 0 else f" (turned down {-stem.gain_db:g} dB to fit)")
        rows.append((track_label(stem.plan), str(stem.plan.channel + 1), shown_program, file))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3] for row in rows]
    lines += ["", "Programs are numbered as General MIDI lists them (1 to 128); no program change is in the .mid"
              " unless a program is shown."]
    if missing is not None:
        lines += ["", f"No stems were rendered: {missing}"]
    shown = [f"{key}: {value}" for key, value in meta.items() if value not in (None, "")]
    if shown:
        lines += [""] + shown
    return "\n".join(lines) + "\n"


def zip_bytes(name: str, contents: list[tuple[str, bytes]]) -> bytes:
    """The bundle folder as a ZIP (entries under `name/`); audio stored, text compressed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file, data in contents:
            entry = zipfile.ZipInfo(f"{name}/{file}", ZIP_DATE)
            entry.compress_type = zipfile.ZIP_STORED if file.endswith(".wav") else zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return buffer.getvalue()
