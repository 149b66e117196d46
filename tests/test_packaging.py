"""The licence, and the page a package index shows for TrackJammer: the
README followed by the docs (setup.py), rendered with the index's own
renderer (readme_renderer), every in-page link landing on an id."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def setup_module_of(root: Path = ROOT):
    """setup.py as a module: its functions, without running setup()."""
    spec = importlib.util.spec_from_file_location("trackjammer_setup", root / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_licence_is_mit_for_the_trackjammer_authors() -> None:
    lines = (ROOT / "LICENSE").read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["MIT License", "", "Copyright (c) 2026 the TrackJammer authors"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert (project["project"]["license"], project["project"]["license-files"]) == ("MIT", ["LICENSE"])
    # setuptools 77 is the first to take an SPDX expression, and refuses a licence classifier beside it
    assert project["build-system"]["requires"] == ["setuptools>=77"]
    assert not [c for c in project["project"]["classifiers"] if c.startswith("License ::")]
    assert "readme" in project["project"]["dynamic"] and "readme" not in project["project"]


def _links(text: str) -> list[str]:
    """The targets of the Markdown links outside fenced blocks."""
    setup = setup_module_of()
    lines = text.splitlines()
    return [m.group(1) for _, line in setup._outside_code(lines) for m in re.finditer(r"\]\(([^)\s]+)\)", line)]


def _heading_slugs(path: Path) -> set[str]:
    setup = setup_module_of()
    slugs, seen = set(), {}
    for _, line in setup._outside_code(path.read_text(encoding="utf-8").splitlines()):
        heading = setup.HEADING.match(line)
        if heading:
            base = setup.slug(heading.group(2))
            slugs.add(base if base not in seen else f"{base}-{seen[base]}")
            seen[base] = seen.get(base, 0) + 1
    return slugs


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_every_relative_link_in_the_sources_leads_somewhere(source: Path) -> None:
    """On GitHub and in a checkout: the file is there, and so is the heading."""
    for target in _links(source.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://", "mailto:")) or not re.match(r"[\w./#-]+$", target):
            continue  # absolute, or mini-notation such as (3,8) that only looks like a link
        path, _, fragment = target.partition("#")
        file = (source.parent / path) if path else source
        assert file.is_file(), f"{source.name}: {target}"
        if fragment:
            assert fragment in _heading_slugs(file), f"{source.name}: {target}"


def test_every_link_on_the_index_page_lands_on_an_id() -> None:
    from readme_renderer.markdown import render

    html = render(setup_module_of().long_description())
    assert html is not None
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    hrefs = re.findall(r'\bhref="([^"]+)"', html)
    in_page = [href[1:] for href in hrefs if href.startswith("#")]
    assert len(in_page) > 100  # the README's links to the docs, and the docs' own
    assert [href for href in hrefs if not href.startswith(("#", "http://", "https://", "mailto:"))] == []
    assert [target for target in in_page if target not in ids] == []
    assert 'href="#user-content-repl"' in html  # the README's "See docs/repl.md"
    assert 'href="#user-content-repl--options-and-the-config-file"' in html  # live.md → repl.md#…


def test_the_description_is_the_readme_then_each_page_with_links_pointed_inside(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("# Tool\n\nSee [the REPL](docs/repl.md) and [x](https://example.org).\n")
    setup = setup_module_of()
    for name in setup.DOCS:
        (tmp_path / "docs" / f"{name}.md").write_text(f"# {name.title()}\n")
    (tmp_path / "docs" / "repl.md").write_text(
        "# The REPL\n\n## Keys\n\n```text\n# not a heading, [not](live.md)\n```\n\n"
        "See [Keys](#keys), [live](live.md#live), [`k(n)`](language.md).\n\n## Keys\n"
    )

    def ids(anchor: str) -> str:
        return f'<div id="{anchor}"></div><div id="user-content-{anchor}"></div>'

    pages = "".join(f"\n---\n\n{ids(name)}{ids(name + '--' + name)}\n\n# {name.title()}\n" if name != "repl" else
                    f"\n---\n\n{ids('repl')}{ids('repl--the-repl')}\n\n# The REPL\n\n{ids('repl--keys')}\n\n## Keys\n\n"
                    "```text\n# not a heading, [not](live.md)\n```\n\n"
                    "See [Keys](#repl--keys), [live](#live--live), [`k(n)`](#language).\n\n"
                    f"{ids('repl--keys-1')}\n\n## Keys\n" for name in setup.DOCS)
    assert setup.long_description(tmp_path) == (
        f"{ids('readme')}{ids('readme--tool')}\n\n# Tool\n\nSee [the REPL](#repl) and [x](https://example.org).\n"
        + pages
    )
