"""What Strudel, Tidal and JavaScript write where TrackJammer reads
something else, and TrackJammer's way, as the hint of the syntax error it
causes: `x => x.add(7)` is `add(7)`, Tidal's `|+` is `+`, `setcps 0.5` is
`setcps(0.5)`, `const x = …` is `let x = …`, `$: …` binds to a track,
Strudel's `arrange([4, a], …)` is `arrange(#[4, a], …)`, Sonic Pi's
`live_loop :name do` and FoxDot's `p1 >> pluck([0, 2])` are a track bound
with `<<`, FoxDot's `Clock.bpm = 140` is `bpm(140)`.
"""

from __future__ import annotations

import re

BIND = "to play a pattern, bind it to a track: let t = MidiTrack(1); t << [C4 E4]"
ONE_CALL = re.compile(r"[A-Za-z_]\w*\((?:[^()]|\([^()]*\))*\)")
TIDAL_TRACK = re.compile(r"(?:^|[\s;])(d\d{1,2})[ \t]*$")  # d1 … d16
SOUNDS_AFTER = re.compile(r':?\s*(?:sound|s)\s*\(?\s*"([^"\n]*)"')  # Tidal's sound "bd*2", Strudel's s("bd sd")
WORD_BEFORE = re.compile(r"(?:^|[\s;(])([A-Za-z_]\w*)[ \t]+$")
LIVE_LOOP = re.compile(r"(?:^|[\s;])live_loop[ \t]+$")  # Sonic Pi's live_loop :name do … end
LOOP_NAME = re.compile(r":([A-Za-z_]\w*)")
FOXDOT_PLAYER = re.compile(r"(?:^|[\s;])([A-Za-z_]\w*)[ \t]*$")  # FoxDot's p1 >> pluck([0, 2, 4])
FOXDOT_DEGREES = re.compile(r">>\s*\w+\s*\(\s*\[([-\d\s,]{1,30})\]")
FOXDOT_CLOCK = re.compile(r"(?:^|[\s;])Clock\.bpm[ \t]*$")  # FoxDot's Clock.bpm = 140
# inside the [ ] of a section of arrange(…), as Strudel writes its arrays
ARRANGE_SECTION = re.compile(r"\b(arrange|wchoose)\s*\((?:\s*#?\[[^\[\]]*\]\s*,)*\s*\[[^\[\]]*$")
ARRANGE = {
    "arrange": "arrange's sections are arrays, written #[ ]: arrange(#[4, verse], #[2, chorus]); [ ] is a pattern",
    "wchoose": "wchoose's choices are arrays, written #[ ]: wchoose(#[C3, 3], #[G3, 1]); [ ] is a pattern",
}


def arrange_hint(text: str, where: int) -> str | None:
    """Strudel's `arrange([4, a], [2, b])` and `wchoose(["c", 3], ["e", 1])`:
    here `[ ]` is a pattern, an array is `#[ ]`."""
    found = ARRANGE_SECTION.search(text[:where])
    return ARRANGE[found.group(1)] if found else None


def foreign_hint(text: str, where: int, expected: set[str]) -> str | None:
    """The hint for another tool's way of writing found at `where`, or None."""
    found = text[where:where + 1]
    hint = arrange_hint(text, where)
    if hint:
        return hint
    if text[where:where + 2] == "=>":
        return _arrow_hint(text, where)
    if found == "|":
        return _tidal_operator_hint(text, where)
    line = text[text.rfind("\n", 0, where) + 1:where]  # before the error, on its line
    if found == "$":  # Strudel's `$: pattern`, Tidal's `d1 $ pattern`
        return _dollar_hint(text, where, line)
    if found == ":" and LIVE_LOOP.search(line):
        name = LOOP_NAME.match(text, where)
        name = name.group(1) if name else "t"
        return (f"Sonic Pi's live_loop is a track here, which loops its pattern by itself: "
                f"let {name} = MidiTrack(1); {name} << [C4 E4 G4]")
    player = FOXDOT_PLAYER.search(line) if text[where:where + 2] == ">>" else None
    if player:
        name = player.group(1)
        degrees = FOXDOT_DEGREES.match(text, where)
        steps = " ".join(degrees.group(1).replace(",", " ").split()) if degrees else "0 2 4"
        return (f"FoxDot's >> is << here, to a track (its numbers, degrees of a scale): "
                f"let {name} = MidiTrack(1); {name} << [{steps}].scale(\"C4:major\")")
    if found == "=" and FOXDOT_CLOCK.search(line):
        tempo = re.match(r"=\s*([\d.]+)", text[where:])
        return f"the tempo is set with bpm: bpm({tempo.group(1) if tempo else 120})"
    word_before = WORD_BEFORE.search(line)
    if word_before and word_before.group(1) in ("const", "var") and found.isalpha():
        name = re.match(r"\w+", text[where:]).group()
        return f"TrackJammer names a value with let: let {name} = …"
    if word_before and found and "SEMI" in expected and (found.isdigit() or found in '"[<'):
        return _application_hint(word_before.group(1), text, where)
    return None


def _dollar_hint(text: str, where: int, line: str) -> str:
    """Tidal's `d1 $ sound "bd*2"` and Strudel's `$: s("bd sd")`: a
    pattern plays on a track, named as Tidal named it; sounds are drums,
    General MIDI's names on channel 10 (`[bd*2]`)."""
    before = TIDAL_TRACK.search(line)
    sounds = SOUNDS_AFTER.match(text, where + 1)
    name = before.group(1) if before else "t"
    if sounds:
        return (f"a pattern plays on a track; sounds are drums on channel 10: "
                f"let {name} = MidiTrack(10); {name} << [{sounds.group(1)}]")
    return BIND if before is None else f"a pattern plays on a track: let {name} = MidiTrack(1); {name} << [C4 E4]"


def _arrow_hint(text: str, where: int) -> str:
    """Strudel's `x => x.add(7)`: the same function, waiting for its
    pattern, is `add(7)` (docs/language.md, Currying). Only one call can
    wait so: for a chain, the general form is shown."""
    start = "TrackJammer has no arrow functions; pass the function waiting for its pattern"
    parameter = re.search(r"\(?\s*([A-Za-z_]\w*)\s*\)?\s*$", text[:where])
    body = _argument_after(text, where + 2).strip()
    if parameter and body.startswith(parameter.group(1) + "."):
        waiting = body[len(parameter.group(1)) + 1:]
        if len(waiting) <= 40 and ONE_CALL.fullmatch(waiting):
            return f"{start}: {waiting}"
    return f"{start}: off(1/8, add(7)) for off(1/8, x => x.add(7))"


def _argument_after(text: str, start: int) -> str:
    """The text from `start` to the ',' or ')' that ends the argument it is in."""
    depth = 0
    for end in range(start, len(text)):
        char = text[end]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return text[start:end]
            depth -= 1
        elif char in ",\n" and depth == 0:
            return text[start:end]
    return text[start:]


def _tidal_operator_hint(text: str, where: int) -> str | None:
    """Tidal's |+| |+ +| (and -): TrackJammer's + keeps the left side's
    structure, as Tidal's |+ does."""
    begin = end = where
    while begin > 0 and text[begin - 1] in "|+-":
        begin -= 1
    while end < len(text) and text[end] in "|+-":
        end += 1
    operator = text[begin:end]
    plain = operator.strip("|")
    if plain not in ("+", "-"):
        return None
    if operator == "|" + plain:
        return f"Tidal's {operator} is written {plain} here"
    return f"Tidal's {operator} is written {plain} here, with the structure of the left side (Tidal's |{plain})"


def _application_hint(name: str, text: str, where: int) -> str:
    """Tidal's `setcps 0.5`, `every 2 (fast 2) …`: arguments in parentheses."""
    rest = text[where:].split("\n", 1)[0].strip()
    first = re.match(r'"[^"]*"|\[[^\]]*\]|<[^>]*>|\S+', rest).group()
    arguments = first if first == rest else f"{first}, …"
    return f"arguments go in parentheses, separated by commas: {name}({arguments})"
