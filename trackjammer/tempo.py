"""The bounds of a tempo a performer sets, named once for every way of
setting one: cps() and bpm() in the language, --cps and the config file.

10 cycles a second is 2,400 BPM at 4 beats a cycle, far past any music;
cps(120), meant as BPM, would send every note 240 times too fast, so a
tempo past it is refused with the way to say it. (A tempo followed from
MIDI clock or Link is the other player's and is not bounded here.)
"""

from __future__ import annotations

MAX_CPS = 10  # cycles a second
