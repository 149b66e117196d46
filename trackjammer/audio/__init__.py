"""Audio renders: the messages `midi_export` writes, played into a .wav.

`render.py` is the `render()` call (what, where, the files beside it);
`timeline.py` turns the export's messages into sample frames and notes;
`fluid.py` plays them through FluidSynth and a General MIDI SoundFont,
`synth.py` (with `voices.py` and `drums.py`) through the built-in numpy
synthesizer; `wav.py` keeps the result from clipping and writes the file.
"""

from __future__ import annotations

from trackjammer.errors import TrackJammerError

NUMPY_HINT = "install the audio extra: pip install 'trackjammer[audio]' (or just numpy: pip install numpy)"


class AudioError(TrackJammerError):
    """Audio cannot be rendered the way it was asked for."""


def require_numpy() -> None:
    """An AudioError that says how to install numpy, when it is missing."""
    try:
        import numpy  # noqa: F401 - optional dependency (the [audio] extra)
    except ImportError:
        raise AudioError("render() needs numpy, which is not installed", hint=NUMPY_HINT) from None
