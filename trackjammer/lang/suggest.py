"""Did you mean …? First the names other live-coding tools use for what
TrackJammer spells differently, then the nearest spelling.

A performer coming from Strudel types `note("c e g")`, from Tidal `hurry 2`,
from Sonic Pi `use_bpm 120`. Spelling distance would suggest nonsense
(`note` → `often`); the alias table names TrackJammer's word instead.
"""

from __future__ import annotations

import difflib
from typing import Iterable

SOUND = ("write drum names in a pattern: [bd sd hh] on a track (MidiTrack(10) for GM drums); "
         "an instrument is the track's program: t.program(1)")

# A name from Strudel, Tidal, Sonic Pi or FoxDot → how TrackJammer says it.
ALIASES: dict[str, str] = {
    "note": "write the notes themselves: [C4 E4 G4] (or \"C4 E4 G4\")",
    "n": "write the numbers themselves: [0 2 4], and .scale(\"C3:major\") for degrees",
    "s": SOUND,
    "sound": SOUND,
    "play": "bind a pattern to a track: let t = MidiTrack(1); t << [C4 E4]",
    "hurry": "use fast: fast(2)",
    "density": "use fast: fast(2)",
    "sparsity": "use slow: slow(2)",
    "slowcat": "use cat: cat(a, b)",
    "fastcat": "use seq: seq(a, b)",
    "sequence": "use seq: seq(a, b)",
    "randcat": "use | in a pattern: [a | b | c]",
    "pure": "a value is a pattern wherever one is wanted: C4 plays as [C4]",
    "polymeter": "use { } in a pattern: [{C4 E4, G4 A4 B4}] plays both at the first one's steps",
    "polymeterSteps": "use { }% in a pattern: [{C4 E4 G4}%4] plays 4 steps a cycle",
    "scan": "use run, the numbers from 0 up: run(4) is [0 1 2 3]",
    "timecat": "use @ weights in a pattern: [a@3 b]",
    "sometimes_by": "use sometimesBy: sometimesBy(0.3, rev)",
    "degrade_by": "use degradeBy: degradeBy(0.3)",
    "when_mod": "use whenmod: whenmod(4, 2, rev)",
    "up": "use transpose: transpose(12)",
    "trans": "use transpose: transpose(12)",
    "velocity": "use vel, 0..127: vel(100)",
    "amp": "use vel, 0..127: vel(100)",
    "clip": "use gate (legato): gate(0.5)",
    "sustain": "use gate (legato): gate(0.5)",
    "arpeggiate": "use arp: arp(\"up\")",
    "arpg": "use arp: arp(\"up\")",
    "rotL": "use early: early(1/4)",
    "rotR": "use late: late(1/4)",
    "spread": "use euclid: euclid(3, 8)",
    "cpm": "use cps with cycles per second: cps(30 / 60)",
    "use_bpm": "use bpm: bpm(120)",
    "set_bpm": "use setbpm: setbpm(120)",
    "rrand": "use rand or irand: rand.range(1, 5)",
    "rrand_i": "use irand: irand(8)",
    "choose_by": "use choose: choose(C3, E3, G3)",
    "sinewave": "use Sine(f) or sine",
    "noise": "use Rand() or rand",
    "hushAll": "use hush",
    # Strudel's MIDI output and its visuals: here a track is the MIDI channel and port, show() the piano roll
    "midi": "a pattern plays on MIDI once bound to a track: let t = MidiTrack(1); t << [C4 E4] "
            "(t.device(\"port\") picks the port)",
    "midichan": "the channel is the track's: MidiTrack(2) plays on channel 2",
    "midiport": "use the track's device: t.device(\"IAC Driver Bus 1\"), or output(\"...\") for every track",
    "ccn": "a CC is a lane of the track: t.cc(74) << [20 100]",
    "ccv": "a CC is a lane of the track: t.cc(74) << [20 100]",
    "pianoroll": "use show: show([C4 E4], 2) draws a piano roll of 2 cycles",
    "punchcard": "use show: show([C4 E4], 2) draws a piano roll of 2 cycles",
    "voicing": "chord turns each note into a chord: [<C3 D3>].chord(\"<^7 m7>\")",
    "rootNotes": "the roots are the notes themselves: [<C3 D3>].chord(\"<^7 m7>\")",
    "scaleTranspose": "add the steps before scale: [0 2 4].add(\"<0 1>\").scale(\"C4:major\")",
    "chop": "use ply: [C4 E4].ply(2) plays each note twice in its slot (chop cuts samples)",
    "stopAll": "use stop",
    # Strudel's and SuperDirt's sound controls: on MIDI the synth makes the sound, a CC lane drives it
    "lpf": "a synth's filter is a CC lane on MIDI: t.cc(74) << [20 100] (cutoff on most synths)",
    "cutoff": "a synth's filter is a CC lane on MIDI: t.cc(74) << [20 100] (cutoff on most synths)",
    "lpq": "a synth's resonance is a CC lane on MIDI: t.cc(71) << [20 100] (on most synths)",
    "resonance": "a synth's resonance is a CC lane on MIDI: t.cc(71) << [20 100] (on most synths)",
    "room": "reverb is a CC lane on MIDI: t.cc(91) << 60 (the General MIDI reverb send)",
    "pan": "pan is a CC lane on MIDI: t.cc(10) << [0 127]",
    "jux": "on MIDI there is no stereo to split; pan is a CC lane: t.cc(10) << [0 127]",
    "attack": "a synth's attack is a CC lane on MIDI: t.cc(73) << 20 (the General MIDI attack time)",
    "release": "a synth's release is a CC lane on MIDI: t.cc(72) << 90 (the General MIDI release time)",
    "juxBy": "on MIDI there is no stereo to split; pan is a CC lane: t.cc(10) << [0 127]",
    "octave": "use transpose: transpose(12) is an octave up",
    "color": "TrackJammer draws no colours; show([C4 E4], 2) draws a piano roll of 2 cycles",
    "dur": "the pattern gives each step its length ([C4 E4] halves the cycle); how long a note sounds is gate(0.5)",
    "duration": "the pattern gives each step its length ([C4 E4] halves the cycle); how long a note sounds is gate(0.5)",
    "postgain": "use gain, a share of the velocity: gain(0.8)",
    # Tidal's and Strudel's names for what TrackJammer has under another
    "rolled": "use strum: [C4,E4,G4].strum(1/16) spreads each chord from its lowest note up",
    "rolledBy": "use strum: [C4,E4,G4].strum(1/16) spreads each chord from its lowest note up",
    "stutter": "use echo without fading: [C4 E4].echo(4, 1/16, 1)",
    "quantise": "use round: [0.4 1.6].round()",
    "toScale": "scale takes a scale's name: [0 2 4].scale(\"C4:major\")",
    "trunc": "use mask with a rhythm: [C4 E4 G4 B4].mask([1 1 1 0]) keeps the first three quarters of each cycle",
}

# Sample playback (Strudel, Tidal): on MIDI the synth makes the sound, there is no sample to cut
SAMPLES = ("it plays samples, and on MIDI the synth makes the sound: [C4 E4].ply(2) repeats each note in its "
           "slot, [C4 E4 G4 B4].zoom(1/4, 3/4) plays the middle of the cycle")
ALIASES.update(dict.fromkeys(("striate", "slice", "splice", "loopAt", "fit", "begin", "end", "speed", "cut", "unit",
                              "loop", "bank"), SAMPLES))
# Effects with no General MIDI controller: the synth has them, a CC lane it maps drives them
EFFECT = ("on MIDI the synth makes its effects; drive one with a CC lane the synth maps: t.cc(12) << [0 127] "
          "(effect control 1)")
ALIASES.update(dict.fromkeys(("crush", "coarse", "shape", "distort", "delay", "delaytime", "delayfeedback", "vowel",
                              "hpf", "hcutoff", "hpq", "bpf", "bandf", "bpq", "dry", "size", "roomsize", "orbit",
                              "fm", "phaser", "tremolo", "squiz", "djf", "leslie"), EFFECT))


def alias_hint(name: str) -> str | None:
    """TrackJammer's word for a name another tool uses, as a hint."""
    said = ALIASES.get(name)
    return f"'{name}' is not a TrackJammer name; {said}" if said else None


def suggest(name: str, known: Iterable[str]) -> str | None:
    """A hint for an unknown name: the alias table first, then a name that
    differs only in case, then the nearest spelling (with case, then without)."""
    hint = alias_hint(name)
    if hint is not None:
        return hint
    known = list(known)
    same = [k for k in known if k.lower() == name.lower()]
    if same:
        return f"did you mean '{same[0]}'?"
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    lowered = {k.lower(): k for k in reversed(known)}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1)
    return f"did you mean '{lowered[close[0]]}'?" if close else None
