"""render() through the built-in synthesizer and through FluidSynth, side by
side: seconds of audio made per second of computing.

The song: 16 cycles at cps 0.5 (32 s of audio, plus the 2 s tail) of five
tracks: a 16th-note bass (channel 1), a square lead panned by a saw
(channel 2), a four-note pad whose brightness a sine sweeps (channel 3),
electric-piano chords (channel 4) and a drum kit (channel 10). Each route
renders the whole call (messages, synthesis, limiter, .wav bytes, atomic
write) three times, alternating, and the best run counts. Target (issue
8): both far faster than real time, at least 10×.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import trackjammer.core  # noqa: F401
from trackjammer.audio import fluid
from trackjammer.audio.render import render
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session

CYCLES = 16
TARGET = 10.0  # seconds of audio per second of computing, at least
SONG = """
let bass = MidiTrack(1, 90); bass << [C2 C2 Eb2 G2].fast(4);
let lead = MidiTrack(2, 100); lead << [C5 ~ Eb5 G5 ~ Bb5 G5 ~].every(2, rev); lead.cc(10) << Saw(1);
let pad = MidiTrack(3, 80); pad << [<[C3,G3,Bb3,D4] [Ab2,Eb3,G3,C4]>]; pad.cc(74) << Sine(0.25);
let keys = MidiTrack(4, 90); keys << [~ [C4,Eb4,G4] ~ [Bb3,D4,F4]].fast(2);
let drums = MidiTrack(10, 110); drums << [C2 F#2 [D2 C2] F#2, ~ F#2*4, [~ ~ ~ A#2]];
"""


def song() -> Session:
    session = Session(out=lambda text: None)
    Interpreter(session).execute(SONG)
    return session


def run(repeats: int = 3) -> bool:
    session = song()
    seconds = CYCLES / 0.5 + 2
    routes = ["builtin"]
    missing = fluid.available() or (None if fluid.default_soundfont() else "no SoundFont found")
    if missing is None:
        routes.append("fluidsynth")
    best = {route: float("inf") for route in routes}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeats):
            for route in routes:
                start = time.perf_counter()
                render(session, session.tracks(), CYCLES, str(Path(folder) / f"{route}.wav"), overwrite=True, synth=route)
                best[route] = min(best[route], time.perf_counter() - start)
    print(f"audio: render() of {CYCLES} cycles x 5 tracks ({seconds:g} s of audio with the tail), best of {repeats}")
    met = True
    for route in routes:
        speed = seconds / best[route]
        met = met and speed >= TARGET
        print(f"  {route:12} {best[route]:7.3f} s   {speed:7.1f} s of audio per second"
              f" ({'meets' if speed >= TARGET else 'MISSES'} the target of at least {TARGET:g}x)")
    if missing is not None:
        print(f"  fluidsynth   not measured: {missing}")
    if len(routes) == 2:
        print(f"  ratio fluidsynth / builtin time: {best['fluidsynth'] / best['builtin']:.2f}x")
    return met


if __name__ == "__main__":
    run()
