"""The FluidSynth route: the messages played through a General MIDI
SoundFont by pyfluidsynth over the system's libfluidsynth.

FluidSynth runs without an audio driver: it is asked for exactly the frames
between one message and the next, as floats (so its own output never
clips; `wav.py` keeps the level). Each channel starts on program 0, channel
10 on the drum kit (bank 128), as a General MIDI player starts (programs.py);
program changes, pitch bend, pressure and poly aftertouch are played as sent.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from trackjammer.audio.timeline import SAMPLE_RATE, Timed
from trackjammer.audio.programs import DEFAULT_PROGRAM, DRUM_CHANNEL
from trackjammer.audio import AudioError
from trackjammer.midi.messages import BEND, BEND_CENTRE, CONTROL, NOTE_OFF, NOTE_ON, POLYTOUCH, PRESSURE, PROGRAM

if TYPE_CHECKING:
    import numpy as np

# Where SoundFonts usually are; the first one found is the default.
SEARCH = [
    "/usr/share/sounds/sf2", "/usr/share/soundfonts", "/usr/share/sounds/sf3", "/usr/local/share/soundfonts",
    "~/.local/share/soundfonts", "/opt/homebrew/share/soundfonts", "~/Library/Audio/Sounds/Banks",
]
PREFERRED = ["default-GM.sf2", "FluidR3_GM.sf2", "default-GM.sf3", "FluidR3_GM.sf3"]
SUFFIXES = (".sf2", ".sf3")
GAIN = 0.5  # FluidSynth's master gain (its default 0.2 is quiet for one instrument)
BLOCK = 4096  # frames asked for at a time
# Load a preset's samples when a channel selects it, not the whole SoundFont at
# once: a GM font is 140 MB, a song plays a few of its presets, and loading it all
# took a third of a render (the same sound: the samples a note plays are loaded
# before it starts). Only 16 channels, as MIDI has (pyfluidsynth's default is 256).
DYNAMIC_SAMPLES = "synth.dynamic-sample-loading"
# Before 2.4.4, a sample loaded so plays what lies past its end in memory when the
# font does not pad each sample with 46 zero frames (FluidSynth's issue #1484): a
# click in every drum hit with Debian's TimGM6mb. Older libraries load it all.
DYNAMIC_SAMPLES_SOUND_FROM = (2, 4, 4)
INSTALL_HINT = ("pip install 'trackjammer[audio]' and the FluidSynth library"
                " (Debian/Ubuntu: apt-get install libfluidsynth3; macOS: brew install fluid-synth)")


def _library() -> Any:
    """The pyfluidsynth module, or an AudioError saying what is missing."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # under CI=…, pyfluidsynth prints where it found the library
            import fluidsynth  # optional dependency (the [audio] extra)
    except ImportError as error:  # pyfluidsynth itself, or libfluidsynth under it
        missing = "pyfluidsynth is not installed" if getattr(error, "name", None) == "fluidsynth" else str(error)
        raise AudioError(f"FluidSynth is not available: {missing}", hint=INSTALL_HINT) from None
    except OSError as error:
        raise AudioError(f"FluidSynth is not available: {error}", hint=INSTALL_HINT) from None
    return fluidsynth


def available() -> str | None:
    """Why the FluidSynth route cannot run here, or None when it can."""
    try:
        _library()
    except AudioError as error:
        return error.message
    return None


def default_soundfont() -> Path | None:
    """The first SoundFont in the usual places (a GM default by name first)."""
    for folder in SEARCH:
        place = Path(os.path.expanduser(folder))
        if not place.is_dir():
            continue
        for name in PREFERRED:
            if (place / name).is_file():
                return place / name
        found = sorted(p for p in place.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
        if found:
            return found[0]
    return None


def checked_soundfont(text: Any) -> Path:
    """A path the user gave to soundfont(): an existing .sf2 or .sf3 file."""
    if not isinstance(text, str) or not text.strip():
        raise AudioError("soundfont needs a file name in quotes", hint='soundfont("/usr/share/sounds/sf2/FluidR3_GM.sf2")')
    path = Path(text).expanduser()
    if not path.exists():
        raise AudioError(f"there is no SoundFont at {text}",
                         hint="give the path of a .sf2 or .sf3 file; Debian's GM SoundFonts are in /usr/share/sounds/sf2/")
    if not path.is_file() or path.suffix.lower() not in SUFFIXES:
        raise AudioError(f"{text} is not a SoundFont (.sf2 or .sf3 file)", hint='soundfont("/usr/share/sounds/sf2/FluidR3_GM.sf2")')
    return path.resolve()


def library_version(fluidsynth: Any) -> tuple[int, ...]:
    """The version of the libfluidsynth under pyfluidsynth, as (2, 3, 1)."""
    text = fluidsynth.cfunc("fluid_version_str", ctypes.c_char_p)().decode("ascii", "replace")
    return tuple(int(part) for part in text.split(".")[:3] if part.isdigit())


def render_fluid(
    messages: list[Timed], frames: int, soundfont: Path, progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """The stereo mix (frames × 2, float32) FluidSynth plays for the messages."""
    import numpy as np  # optional dependency (the [audio] extra)

    fluidsynth = _library()
    write_float = fluidsynth.cfunc(
        "fluid_synth_write_float", ctypes.c_int, ("synth", ctypes.c_void_p, 1), ("len", ctypes.c_int, 1),
        ("lout", ctypes.c_void_p, 1), ("loff", ctypes.c_int, 1), ("lincr", ctypes.c_int, 1),
        ("rout", ctypes.c_void_p, 1), ("roff", ctypes.c_int, 1), ("rincr", ctypes.c_int, 1),
    )
    pressure = fluidsynth.cfunc("fluid_synth_channel_pressure", ctypes.c_int, ("synth", ctypes.c_void_p, 1),
                                ("chan", ctypes.c_int, 1), ("val", ctypes.c_int, 1))
    key_pressure = fluidsynth.cfunc("fluid_synth_key_pressure", ctypes.c_int, ("synth", ctypes.c_void_p, 1),
                                    ("chan", ctypes.c_int, 1), ("key", ctypes.c_int, 1), ("val", ctypes.c_int, 1))
    loading = {DYNAMIC_SAMPLES: 1} if library_version(fluidsynth) >= DYNAMIC_SAMPLES_SOUND_FROM else {}
    synth = fluidsynth.Synth(gain=GAIN, samplerate=float(SAMPLE_RATE), channels=16, **loading)
    try:
        font = synth.sfload(str(soundfont))
        if font < 0:
            raise AudioError(f"FluidSynth cannot read the SoundFont {soundfont}", hint="is it a .sf2/.sf3 file? try another")
        for channel in range(16):
            if channel == DRUM_CHANNEL:
                synth.program_select(channel, font, 128, 0)
            else:
                synth.program_select(channel, font, 0, DEFAULT_PROGRAM)
        mix = np.zeros((frames, 2), dtype=np.float32)
        address = mix.ctypes.data
        at = 0
        told = 0

        def play_until(frame: int) -> None:
            nonlocal at, told
            while at < frame:
                count = min(BLOCK, frame - at)
                write_float(synth.synth, count, address + at * 8, 0, 2, address + at * 8, 1, 2)
                at += count
            if progress is not None and at - told >= SAMPLE_RATE:
                told = at
                progress(at / frames)

        for m in messages:
            play_until(min(m.frame, frames))
            if m.kind == NOTE_ON:
                synth.noteon(m.channel, m.data1, m.data2)
            elif m.kind == NOTE_OFF:
                synth.noteoff(m.channel, m.data1)
            elif m.kind == CONTROL:
                synth.cc(m.channel, m.data1, m.data2)
            elif m.kind == PROGRAM:
                synth.program_change(m.channel, m.data1)
            elif m.kind == BEND:
                synth.pitch_bend(m.channel, (m.data2 << 7 | m.data1) - BEND_CENTRE)
            elif m.kind == PRESSURE and pressure is not None:
                pressure(synth.synth, m.channel, m.data1)
            elif m.kind == POLYTOUCH and key_pressure is not None:  # FluidSynth 2 and later
                key_pressure(synth.synth, m.channel, m.data1, m.data2)
        play_until(frames)
        if progress is not None:
            progress(1.0)
        return mix
    finally:
        synth.delete()
