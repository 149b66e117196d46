"""General MIDI drum names: the GM Level 1 percussion map (keys 35..81 on
channel 10), so a drum part reads `[bd ~ sd ~, hh*8]` instead of numbers.

Each key has one short name (the drum-machine abbreviations Tidal and Strudel
users type) and one long name. No name here also reads as a note name: where
a drum's usual abbreviation is a note (`cb` is C flat, `ab` A flat, `es` E
sharp), the note wins and the drum is written by its other name (`cowbell`).
"""

from __future__ import annotations

# key, short name, long name, General MIDI's name of the sound
GM_DRUMS: tuple[tuple[int, str, str, str], ...] = (
    (35, "abd", "kick2", "Acoustic Bass Drum"),
    (36, "bd", "kick", "Bass Drum 1"),
    (37, "rim", "sidestick", "Side Stick"),
    (38, "sd", "snare", "Acoustic Snare"),
    (39, "cp", "clap", "Hand Clap"),
    (40, "esd", "snare2", "Electric Snare"),
    (41, "lft", "floortom", "Low Floor Tom"),
    (42, "hh", "hihat", "Closed Hi-Hat"),
    (43, "hft", "floortom2", "High Floor Tom"),
    (44, "ph", "pedalhat", "Pedal Hi-Hat"),
    (45, "lt", "lowtom", "Low Tom"),
    (46, "oh", "openhat", "Open Hi-Hat"),
    (47, "mt", "midtom", "Low-Mid Tom"),
    (48, "hmt", "midtom2", "Hi-Mid Tom"),
    (49, "cr", "crash", "Crash Cymbal 1"),
    (50, "ht", "hightom", "High Tom"),
    (51, "rd", "ride", "Ride Cymbal 1"),
    (52, "chi", "china", "Chinese Cymbal"),
    (53, "rb", "ridebell", "Ride Bell"),
    (54, "tb", "tambourine", "Tambourine"),
    (55, "spl", "splash", "Splash Cymbal"),
    (56, "cow", "cowbell", "Cowbell"),
    (57, "cr2", "crash2", "Crash Cymbal 2"),
    (58, "vib", "vibraslap", "Vibraslap"),
    (59, "rd2", "ride2", "Ride Cymbal 2"),
    (60, "hbo", "hibongo", "Hi Bongo"),
    (61, "lbo", "lowbongo", "Low Bongo"),
    (62, "mhc", "muteconga", "Mute Hi Conga"),
    (63, "ohc", "openconga", "Open Hi Conga"),
    (64, "lc", "lowconga", "Low Conga"),
    (65, "hti", "hitimbale", "High Timbale"),
    (66, "lti", "lowtimbale", "Low Timbale"),
    (67, "hag", "hiagogo", "High Agogo"),
    (68, "lag", "lowagogo", "Low Agogo"),
    (69, "cab", "cabasa", "Cabasa"),
    (70, "mar", "maracas", "Maracas"),
    (71, "swh", "whistle", "Short Whistle"),
    (72, "lwh", "longwhistle", "Long Whistle"),
    (73, "sgu", "guiro", "Short Guiro"),
    (74, "lgu", "longguiro", "Long Guiro"),
    (75, "cl", "claves", "Claves"),
    (76, "hwb", "woodblock", "Hi Wood Block"),
    (77, "lwb", "lowwoodblock", "Low Wood Block"),
    (78, "mcu", "mutecuica", "Mute Cuica"),
    (79, "ocu", "cuica", "Open Cuica"),
    (80, "mtr", "mutetriangle", "Mute Triangle"),
    (81, "tri", "triangle", "Open Triangle"),
)

DRUMS: dict[str, int] = {name: key for key, short, long, _ in GM_DRUMS for name in (short, long)}


def drum_number(name: str) -> int | None:
    """The GM key of a drum name (any case), or None."""
    return DRUMS.get(name.lower())
