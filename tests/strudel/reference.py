"""Compare TrackJammer's reading of mini-notation with Strudel's, event for
event: the pinned Strudel packages (package.json, installed by scripts/test
and scripts/bench into node_modules here, never a system path) answer a whole
batch of patterns in one node process (haps.mjs)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import trackjammer.core  # noqa: F401  (registers every transformation)
from trackjammer.core.pattern import State
from trackjammer.core.span import TimeSpan
from trackjammer.lang.mini_parser import parse_mini
from trackjammer.lang.mini_patterns import build
from tests.strudel.generator import Generator

HERE = Path(__file__).parent
SPANS = ((Fraction(0), Fraction(1)), (Fraction(0), Fraction(4)), (Fraction(1, 3), Fraction(7, 3)), (Fraction(7, 2), Fraction(5)))


def unavailable() -> str | None:
    """Why Strudel cannot be asked here, or None."""
    if shutil.which("node") is None:
        return "node is not installed (apt-get install nodejs npm), so Strudel cannot be run"
    if not (HERE / "node_modules" / "@strudel" / "mini" / "mini.mjs").exists():
        return ("the pinned Strudel packages are not installed in tests/strudel/node_modules "
                "(scripts/test installs them with npm ci; it needs npm and the npm registry)")
    return None


def ask_strudel(patterns: list[str], spans=SPANS, js: bool = False) -> subprocess.Popen:
    """Start Strudel on a batch; `answers()` collects what it says, so the
    caller can work out its own answers meanwhile (on the other core). With
    `js`, each is a JavaScript expression (`m` is mini: m("c4 e4").press())."""
    request = {"patterns": patterns, "spans": [[str(b), str(e)] for b, e in spans], "js": js}
    process = subprocess.Popen(
        ["node", str(HERE / "haps.mjs")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=None, text=True, cwd=HERE,
    )
    process.stdin.write(json.dumps(request))
    process.stdin.close()
    return process


def answers(process: subprocess.Popen) -> list[dict]:
    """Strudel's answer for each pattern: {"spans": [haps per span]} or {"error": text}."""
    out = process.stdout.read()
    process.wait(timeout=60)
    if process.returncode != 0:
        raise RuntimeError(f"node haps.mjs failed ({process.returncode}); see its messages above")
    return json.loads(out)


def strudel_haps(patterns: list[str], spans=SPANS, js: bool = False) -> list[dict]:
    return answers(ask_strudel(patterns, spans, js))


def canonical(haps) -> tuple[list[tuple], list[tuple]]:
    """Haps as (onsets, touched): the events that start in the span, as a
    sorted list of (whole begin, whole end, value), and every distinct
    (whole begin, whole end, value) the span touches. How an event that
    crosses the span's edges is cut into fragments is left out: Strudel cuts
    some at inner cycle boundaries where TrackJammer keeps one piece, with
    the same whole and value (nothing a listener or a MIDI file can tell)."""
    onsets, touched = [], set()
    for wb, we, pb, pe, value in haps:
        whole = (Fraction(wb), Fraction(we), value)
        touched.add(whole)
        if Fraction(pb) == whole[0]:
            onsets.append(whole)
    key = lambda h: (h[0], h[1], str(h[2]))  # noqa: E731
    return sorted(onsets, key=key), sorted(touched, key=key)


def our_haps(text: str, spans=SPANS) -> list[list[tuple]]:
    """Our events for mini-notation `text`, as `canonical`."""
    return haps_of(build(parse_mini(text)), spans)


def haps_of(pattern, spans=SPANS) -> list[list[tuple]]:
    """A pattern's events over each span, as `canonical`."""
    answers = []
    for begin, end in spans:
        events = pattern.query(State(TimeSpan(begin, end)))
        answers.append(canonical(
            (e.whole.begin, e.whole.end, e.part.begin, e.part.end, e.value) for e in events
        ))
    return answers


@dataclass
class Report:
    compared: int = 0
    agreed: int = 0
    strudel_rejected: int = 0
    differences: Counter = field(default_factory=Counter)  # documented difference -> patterns that used it
    disagreements: list[tuple[str, str, str]] = field(default_factory=list)  # (ours, theirs, what)

    def summary(self) -> str:
        lines = [f"{self.compared} patterns compared with Strudel 1.2.6 over spans "
                 + ", ".join(f"{b}-{e}" for b, e in SPANS)
                 + f": {self.agreed} agreed, {len(self.disagreements)} disagreed"
                 + (f", {self.strudel_rejected} rejected by Strudel" if self.strudel_rejected else "")]
        for tag, n in sorted(self.differences.items()):
            lines.append(f"  {n} patterns used a documented difference: {tag}")
        for ours, theirs, what in self.disagreements[:10]:
            lines.append(f"  DIFFERENT: [{ours}]  (Strudel: \"{theirs}\"): {what}")
        return "\n".join(lines)


def compare(count: int, seed: int = 0) -> Report:
    """Generate `count` patterns from `seed` and compare each."""
    texts = [Generator(seed * 1_000_003 + i).pattern() for i in range(count)]
    strudel = ask_strudel([t.theirs for t in texts])
    mine = []
    for text in texts:
        try:
            mine.append(our_haps(text.ours))
        except Exception as error:  # noqa: BLE001 - any failure is a disagreement to report
            mine.append(f"TrackJammer: {error}")
    report = Report()
    for text, ours, answer in zip(texts, mine, answers(strudel)):
        report.compared += 1
        if "error" in answer:
            report.strudel_rejected += 1
            report.disagreements.append((text.ours, text.theirs, "Strudel: " + answer["error"][:200]))
            continue
        if isinstance(ours, str):
            report.disagreements.append((text.ours, text.theirs, ours))
            continue
        theirs = [canonical(haps) for haps in answer["spans"]]
        if ours == theirs:
            report.agreed += 1
            for tag in text.tags:
                report.differences[tag] += 1
        else:
            where = next(i for i in range(len(SPANS)) if ours[i] != theirs[i])
            report.disagreements.append((text.ours, text.theirs, _first_difference(ours[where], theirs[where], SPANS[where])))
    return report


def _first_difference(ours: tuple, theirs: tuple, span) -> str:
    b, e = span
    ours, theirs = (ours[0], theirs[0]) if ours[0] != theirs[0] else (ours[1], theirs[1])
    only_ours = [h for h in ours if h not in theirs][:3]
    only_theirs = [h for h in theirs if h not in ours][:3]
    show = lambda hs: " ".join(f"{h[0]}-{h[1]}:{h[2]}" for h in hs)  # noqa: E731
    return (f"span {b}-{e}: {len(ours)} events here, {len(theirs)} in Strudel; "
            f"only here: {show(only_ours)}; only in Strudel: {show(only_theirs)}")
