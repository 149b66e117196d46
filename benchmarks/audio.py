"""render() through the built-in synthesizer and through FluidSynth, side by
side: seconds of audio made per second of computing.

Two songs. The five-track one: 16 cycles at cps 0.5 (32 s of audio, plus
the 2 s tail) of a 16th-note bass (channel 1), a square lead panned by a saw
(channel 2), a four-note pad whose brightness a sine sweeps (channel 3),
electric-piano chords (channel 4) and a drum kit (channel 10). The 8-track
one is the engine benchmark's (benchmarks/engine.py): eight `[N*16]` tracks
on eight channels, a sine sweeping the first one's brightness (CC74) and a
saw on the second one's CC1, 16 cycles too.

Each route renders the whole call (messages, synthesis, limiter, .wav bytes,
atomic write) three times, alternating, and the best run counts. Beside the
FluidSynth route, the `fluidsynth` command line renders the .mid midi_export
writes of the same song with the same SoundFont and gain (`fluidsynth -ni
-g 0.5 -r 44100 -F out.wav font song.mid`, its whole run: loading the font,
reading the file, synthesis, writing); scripts/bench installs it (Debian's
fluidsynth) where it can, else that line says why it is missing.
Targets: issue 8, both routes at least 10x real time; issue 20, the 8-track
song through the built-in synthesizer at least 100x, and the FluidSynth
route no slower than the command line.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import trackjammer.core  # noqa: F401
from trackjammer.audio import fluid
from trackjammer.audio.render import render
from trackjammer.lang.evaluator import Interpreter
from trackjammer.project.export import midi_export
from trackjammer.session import Session

CYCLES = 16
TARGET = 10.0  # seconds of audio per second of computing, at least
TARGET_BUILTIN_8 = 100.0  # the 8-track song through the built-in synthesizer (issue 20)
TARGET_CLI_RATIO = 1.0  # the FluidSynth route's time over the command line's, at most (issue 20)
SONG = """
let bass = MidiTrack(1, 90); bass << [C2 C2 Eb2 G2].fast(4);
let lead = MidiTrack(2, 100); lead << [C5 ~ Eb5 G5 ~ Bb5 G5 ~].every(2, rev); lead.cc(10) << Saw(1);
let pad = MidiTrack(3, 80); pad << [<[C3,G3,Bb3,D4] [Ab2,Eb3,G3,C4]>]; pad.cc(74) << Sine(0.25);
let keys = MidiTrack(4, 90); keys << [~ [C4,Eb4,G4] ~ [Bb3,D4,F4]].fast(2);
let drums = MidiTrack(10, 110); drums << [C2 F#2 [D2 C2] F#2, ~ F#2*4, [~ ~ ~ A#2]];
"""
NOTES = ["C4", "D4", "E4", "F4", "G4", "A4", "B4", "C5"]
SONG_8 = ";\n".join([f"let t{i} = MidiTrack({i}); t{i} << [{note}*16]" for i, note in enumerate(NOTES, start=1)]
                    + ["t1.cc(74) << Sine(0.25); t2.cc(1) << Saw(1).range(20, 100)"])


def song(source: str = SONG) -> Session:
    session = Session(out=lambda text: None)
    Interpreter(session).execute(source)
    return session


def fluidsynth_command() -> str | None:
    return shutil.which("fluidsynth")


def run(repeats: int = 3) -> bool:
    seconds = CYCLES / 0.5 + 2
    missing = fluid.available() or (None if fluid.default_soundfont() else "no SoundFont found")
    command = fluidsynth_command()
    routes = ["builtin"] + (["fluidsynth"] if missing is None else [])
    songs = {"5 tracks": song(SONG), "8 tracks": song(SONG_8)}
    best = {(name, route): float("inf") for name in songs for route in routes}
    cli = float("inf")
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        mid = base / "song8.mid"
        midi_export(songs["8 tracks"], songs["8 tracks"].tracks(), CYCLES, str(mid), overwrite=True)
        for _ in range(repeats):
            for name, session in songs.items():
                for route in routes:
                    start = time.perf_counter()
                    render(session, session.tracks(), CYCLES, str(base / f"{route}.wav"), overwrite=True, synth=route)
                    best[name, route] = min(best[name, route], time.perf_counter() - start)
            if missing is None and command is not None:
                start = time.perf_counter()
                subprocess.run([command, "-n", "-i", "-q", "-g", str(fluid.GAIN), "-r", "44100", "-F",
                                str(base / "cli.wav"), str(fluid.default_soundfont()), str(mid)],
                               check=True, capture_output=True)
                cli = min(cli, time.perf_counter() - start)
    print(f"audio: render() of {CYCLES} cycles ({seconds:g} s of audio with the tail), best of {repeats}")
    met = True
    for (name, route), took in best.items():
        speed = seconds / took
        target = TARGET_BUILTIN_8 if (name, route) == ("8 tracks", "builtin") else TARGET
        met = met and speed >= target
        print(f"  {name:9} {route:12} {took:7.3f} s   {speed:7.1f} s of audio per second"
              f" ({'meets' if speed >= target else 'MISSES'} the target of at least {target:g}x)")
    if missing is not None:
        print(f"  fluidsynth   not measured: {missing}")
    elif command is None:
        print("  fluidsynth command line not measured: not installed (Debian: apt-get install fluidsynth)")
    else:
        ratio = best["8 tracks", "fluidsynth"] / cli
        met = met and ratio <= TARGET_CLI_RATIO
        print(f"  8 tracks  fluidsynth CLI {cli:7.3f} s   {seconds / cli:7.1f} s of audio per second (the exported .mid)")
        print(f"  ratio render() through FluidSynth / the command line: {ratio:.2f}x"
              f" ({'meets' if ratio <= TARGET_CLI_RATIO else 'MISSES'} the target of at most {TARGET_CLI_RATIO:g}x)")
    return met


if __name__ == "__main__":
    run()
