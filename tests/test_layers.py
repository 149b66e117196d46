"""The package's layers, read from its own imports (docs/architecture.md).

A module may import its own layer and the layers below it, never one
above: the language knows nothing of the engine, the project or the REPL;
the engine nothing of the project's folders. Imports inside functions count
too (hiding an upward import in a function is still an upward import), and
no two modules may import each other, directly or round a longer loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "trackjammer"

# Lowest first. A name is a package (every module in it) or one module.
LAYERS: list[set[str]] = [
    {"trackjammer.version", "trackjammer.errors", "trackjammer.progress", "trackjammer.assembly", "trackjammer.tempo",
     "trackjammer.helper_process"},
    {"trackjammer.core"},
    {"trackjammer.midi"},
    {"trackjammer.session", "trackjammer.lang"},
    {"trackjammer.engine"},
    {"trackjammer.project"},
    {"trackjammer.audio"},
    {"trackjammer.repl", "trackjammer.commands"},
    {"trackjammer", "trackjammer.globals", "trackjammer.cli", "trackjammer.__main__"},
]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, module) for every import of the package in a file; `from
    package import module` names the module, not the package's __init__."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                child = f"{base}.{alias.name}"
                is_module = (root.parent / (child.replace(".", "/") + ".py")).exists() or (
                    root.parent / child.replace(".", "/")).is_dir()
                found.append((node.lineno, child if is_module else base))
    top = root.name
    return sorted({(line, module) for line, module in found if module == top or module.startswith(top + ".")})


def layer_of(module: str, layers: list[set[str]]) -> int:
    """The layer of the longest name that holds the module (the top
    package's name means its `__init__` alone)."""
    best, depth = None, -1
    for number, names in enumerate(layers):
        for name in names:
            holds = module == name or ("." in name and module.startswith(name + "."))
            if holds and name.count(".") > depth:
                best, depth = number, name.count(".")
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS and to docs/architecture.md")
    return best


def upward_imports(root: Path, layers: list[set[str]]) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        here = module_name(path, root)
        for line, target in imports_of(path, root):
            if layer_of(target, layers) > layer_of(here, layers):
                problems.append(f"{path.relative_to(root.parent)}:{line} ({here}) imports {target}, a higher layer")
    return problems


def import_cycles(root: Path) -> list[list[str]]:
    """Every loop of modules importing each other (strongly connected sets)."""
    graph = {module_name(p, root): {t for _, t in imports_of(p, root)} for p in root.rglob("*.py")}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_module_imports_a_higher_layer():
    assert upward_imports(PACKAGE, LAYERS) == []


def test_no_modules_import_each_other_round_a_loop():
    assert import_cycles(PACKAGE) == []


def test_every_module_has_a_layer():
    for path in PACKAGE.rglob("*.py"):
        layer_of(module_name(path, PACKAGE), LAYERS)


# -- the checks themselves can fail ---------------------------------------------------------------


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    """A package of three layers: low, mid (a package), high."""
    root = tmp_path / "toy"
    (root / "mid").mkdir(parents=True)
    for name, text in {
        "__init__.py": "",
        "low.py": "",
        "mid/__init__.py": "",
        "mid/a.py": "from toy import low\nfrom toy.mid import b\n",
        "mid/b.py": "import toy.low\n",
        "high.py": "from toy.mid.a import thing\n",
    }.items():
        (root / name).write_text(text)
    return root


TOY_LAYERS = [{"toy.low"}, {"toy.mid"}, {"toy", "toy.high"}]


def test_the_layer_check_names_both_files_of_an_upward_import(toy: Path):
    assert upward_imports(toy, TOY_LAYERS) == []
    (toy / "mid" / "b.py").write_text("import toy.low\n\n\ndef late():\n    from toy.high import thing\n")
    assert upward_imports(toy, TOY_LAYERS) == ["toy/mid/b.py:5 (toy.mid.b) imports toy.high, a higher layer"]


def test_the_cycle_check_finds_a_loop_through_a_package_module(toy: Path):
    assert import_cycles(toy) == []
    (toy / "mid" / "b.py").write_text("from toy.mid import a\n")
    assert import_cycles(toy) == [["toy.mid.a", "toy.mid.b"]]


def test_a_module_outside_every_layer_is_named(toy: Path):
    with pytest.raises(AssertionError, match="toy.extra is in no layer"):
        layer_of("toy.extra", TOY_LAYERS)
