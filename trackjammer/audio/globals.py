"""The globals of audio renders: render() and soundfont().

Registered here, not in the language, so the language never imports audio;
`trackjammer/globals.py` assembles every package's globals.
"""

from __future__ import annotations

from trackjammer.lang.globals_registry import builtin
from trackjammer.session import Session


@builtin(family="output")
def render(session: Session, what, cycles, path=None, overwrite=False, synth="auto", tail=2):
    """Play cycles 0 … cycles-1 of a pattern, a track or #[tracks] into a
    .wav file (44.1 kHz, 16-bit stereo) and return its path: render(bass, 4).
    The same notes midi_export writes, through FluidSynth and a General MIDI
    SoundFont when there is one, else the built-in synthesizer (synth:
    "fluidsynth" or "builtin" chooses). Then tail seconds (2) for the last
    notes to ring out. Without a path it goes to
    renders/<project>/<datetime>/render.wav, beside snapshot.tj and
    render.json."""
    from trackjammer.audio.render import render as render_audio  # start-up time: loads at first use

    return render_audio(session, what, cycles, path, overwrite=overwrite, synth=synth, tail=tail)


@builtin(family="output")
def soundfont(session: Session, path=None):
    """Choose the General MIDI SoundFont (.sf2/.sf3) render() plays through
    FluidSynth: soundfont("/usr/share/sounds/sf2/FluidR3_GM.sf2"). soundfont()
    gives the one render() uses (chosen, else the first in the usual places),
    or none when it uses the built-in synthesizer."""
    from trackjammer.audio.render import choose_soundfont, current_soundfont  # start-up time: loads at first use

    return current_soundfont(session) if path is None else choose_soundfont(session, path)


@builtin(family="output")
def bundle_export(session: Session, what, cycles, synth="auto"):
    """Write a folder any DAW (Logic Pro too) imports in one drag, and a
    .zip of it: bundle_export(#[bass, lead], 8). It holds a Type 1 .mid
    (named tracks, tempo, CC automation), one .wav stem per track rendered
    from the same notes, and README.txt listing each track's channel,
    program and stem; in renders/<project>/<datetime>/ beside snapshot.tj
    and render.json. Without numpy the stems are left out, and the README
    says so. synth: "builtin" or "fluidsynth" chooses as render() does."""
    from trackjammer.audio.bundle import bundle_export as export  # start-up time: loads at first use

    return export(session, what, cycles, synth=synth)
