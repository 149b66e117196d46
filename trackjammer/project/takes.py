"""Where takes go: the project layer's side of the recorder (engine/sink.py).

A take is a render like any other: renders/<project>/<datetime>/ holds its
recording.mid and render.json. The engine records and builds the file from
its journal; this module makes the folder, writes the file and its record
safely, and finds the journals a crash left so they are finished on the
next start.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable

from trackjammer.engine import journal
from trackjammer.engine.recorder import finish_journal
from trackjammer.errors import TrackJammerError
from trackjammer.midi.smf import PPQN, ticks_per_cycle
from trackjammer.project.record import RenderRecord
from trackjammer.project.renders import RENDERS, atomic_write, render_folder, safe_name, shown_path


class RenderTakes:
    """Takes under `base` (by default the working directory when the sink is
    made: a take's writer thread opens its folder later, and must not follow
    a working directory that changed meanwhile)."""

    def __init__(self, base: Path | None = None):
        self.base = base if base is not None else Path.cwd()

    def folder(self, project: str | None, moment: datetime) -> Path:
        return render_folder(project or "untitled", self.base, lambda: moment)

    def store(self, folder: Path, built: journal.Built, recovered: bool) -> Path:
        target = folder / journal.RECORDING
        atomic_write(target, built.data)
        _record(built, recovered, self.base).write(folder)
        return target

    def shown(self, path: Path) -> str:
        return shown_path(path, self.base)


def _record(built: journal.Built, recovered: bool, base: Path | None) -> RenderRecord:
    info = built.info
    bpc = int(info["beats_per_cycle"])
    return RenderRecord.new(
        "recording", journal.RECORDING, info.get("project"), info.get("started"), base,
        type=1,
        start_cycle=info.get("start"),
        end_cycle=str(built.end_cycle),  # exact: "3", or "1201/400" for a take stopped mid-cycle
        cps=info.get("cps"),
        tempo_changes=built.tempo_changes,
        beats_per_cycle=bpc,
        ppqn=PPQN,
        ticks_per_cycle=ticks_per_cycle(bpc),
        end_tick=built.end_tick,
        messages=built.messages,
        tracks=built.tracks,
        recovered=recovered,
        **({"lost_notes": built.lost} if built.lost else {}),  # port → note-ons sent while it was gone
    )


def recover_unfinished(project: str | None = None, base: Path | None = None,
                       report: Callable[[str], None] = print) -> list[Path]:
    """Turn every journal left by a take that never finished (of `project`,
    or of every project) into its recording.mid, saying so for each."""
    takes = RenderTakes(base)
    root = (base if base is not None else Path.cwd()) / RENDERS
    pattern = f"{safe_name(project)}/*/{journal.JOURNAL}" if project is not None else f"*/*/{journal.JOURNAL}"
    recovered = []
    for path in sorted(root.glob(pattern)):
        if journal.in_use(path):
            continue
        try:
            made = finish_journal(path, takes, report, recovered=True)
        except (OSError, TrackJammerError, ValueError) as error:
            report(f"warning: cannot recover the take in {shown_path(path.parent, base)}: {error}")
            continue
        if made is not None:
            recovered.append(made)
    return recovered
