"""The package index's page: the README followed by every page of docs/.

pyproject.toml holds all the metadata but the long description. On GitHub
and in a checkout, the README's links to docs/*.md are relative and work.
A package index renders the README alone, where those links would lead
nowhere (and there is no public repository to point them at), and it gives
headings ids of its own spelling. So the description built here carries
the docs with it: before each page and each heading stands an empty block
with an explicit id (an attribute the index keeps), and every link to a
page or a heading becomes a link to that id on the same page. The sources
stay as they are; tests/test_packaging.py renders the result with the
index's own renderer and follows every link.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DOCS = ["language", "repl", "live", "export", "audio", "recording", "architecture"]  # the README's order
FENCE = re.compile(r"^(```|~~~)")
HEADING = re.compile(r"^(#{1,6}) +(.+?) *#*$")
PREFIX = "user-content-"
LINK = re.compile(r"\]\(((?:docs/)?([a-z-]+)\.md)?(#[^)\s]*)?\)")


def slug(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped,
    spaces as '-' (so the fragments in the docs' links are these)."""
    text = title.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _outside_code(lines: list[str]):
    """(index, line) for each line not inside a fenced block."""
    fenced = False
    for index, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            yield index, line


def _anchor(page: str, fragment: str | None) -> str:
    return f"#{page}" if not fragment else f"#{page}--{fragment}"


def _target(anchor: str) -> str:
    """Empty blocks carrying the id a link points at, as written and as the
    index's renderer spells it once it rewrites links (readme_renderer 46
    turns href="#x" into href="#user-content-x"; older ones did not)."""
    return f'<div id="{anchor}"></div><div id="{PREFIX}{anchor}"></div>'


def _relink(line: str, page: str) -> str:
    """Links to docs pages or their headings (or, in a page, to its own
    headings) pointed at the ids this description carries."""
    def target(match: re.Match) -> str:
        path, name, fragment = match.groups()
        if path is None and fragment is None:
            return match.group(0)
        fragment = fragment[1:] if fragment else None
        return f"]({_anchor(name if path else page, fragment)})"
    return LINK.sub(target, line)


def _page(name: str, text: str) -> list[str]:
    lines = text.splitlines()
    seen: dict[str, int] = {}
    out = list(lines)
    for index, line in _outside_code(lines):
        heading = HEADING.match(line)
        if heading:
            base = slug(heading.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            fragment = base if count == 0 else f"{base}-{count}"
            ids = [_anchor(name, None), _anchor(name, fragment)] if index == 0 else [_anchor(name, fragment)]
            out[index] = "".join(_target(anchor[1:]) for anchor in ids) + "\n\n" + line
        else:
            out[index] = _relink(line, name)
    return out


def long_description(root: Path = ROOT) -> str:
    out = _page("readme", (root / "README.md").read_text(encoding="utf-8"))
    for name in DOCS:
        out += ["", "---", ""] + _page(name, (root / "docs" / f"{name}.md").read_text(encoding="utf-8"))
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # setuptools runs this file as __main__
    from setuptools import setup

    setup(long_description=long_description(), long_description_content_type="text/markdown")
