"""daw_export and bundle_export next to midi_export of the same song, in one run.

The song is the midi_export benchmark's (benchmarks/export.py): 64 cycles ×
8 tracks of 16th-note four-note chords with two CC lanes each, at cps 0.5
(128 s). `midi_export` writes the .mid; `daw_export` the .dawproject (the
same messages as XML notes and automation points, zipped); `bundle_export`
the .mid, eight .wav stems through the built-in synthesizer (128 s + 2 s
tail each), the README and the .zip. The exports are timed three times,
alternating, the best run counting; the bundle, which renders 17 minutes
of audio, once. Reported, not asserted: no target was set (issue 18).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.export import CYCLES, TRACKS, song
from trackjammer.project.dawproject import daw_export
from trackjammer.project.export import midi_export


def run(repeats: int = 3) -> bool:
    from trackjammer.audio.bundle import bundle_export  # imported here: it needs numpy (the [audio] extra)

    session = song()
    tracks = session.tracks()
    best_mid = best_daw = float("inf")
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for _ in range(repeats):
            start = time.perf_counter()
            midi_export(session, tracks, CYCLES, str(base / "song.mid"), overwrite=True, base=base)
            best_mid = min(best_mid, time.perf_counter() - start)
            start = time.perf_counter()
            daw_export(session, tracks, CYCLES, str(base / "song.dawproject"), overwrite=True, base=base)
            best_daw = min(best_daw, time.perf_counter() - start)
        start = time.perf_counter()
        bundle = bundle_export(session, tracks, CYCLES, synth="builtin", base=base)
        bundle_seconds = time.perf_counter() - start
        mid_size = (base / "song.mid").stat().st_size
        daw_size = (base / "song.dawproject").stat().st_size
        zip_size = next((base / bundle).parent.glob("*.zip")).stat().st_size
    audio = TRACKS * (CYCLES * 2 + 2)  # seconds of stems: cps 0.5, a 2 s tail each
    print(f"daw: {CYCLES} cycles x {TRACKS} tracks (16ths of 4-note chords, 2 CC lanes each); exports best of {repeats}")
    print(f"  {'midi_export (.mid)':44} {best_mid:7.3f} s  {mid_size / 1e6:7.2f} MB")
    print(f"  {'daw_export (.dawproject)':44} {best_daw:7.3f} s  {daw_size / 1e6:7.2f} MB  ({best_daw / best_mid:.1f}x midi_export)")
    print(f"  {'bundle_export (.mid + 8 stems + .zip), once':44} {bundle_seconds:7.3f} s  {zip_size / 1e6:7.2f} MB"
          f"  ({audio / bundle_seconds:.1f} s of audio a second)")
    return True


if __name__ == "__main__":
    run()
