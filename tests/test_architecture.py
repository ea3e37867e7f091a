"""The shape of the package: wings in a declared order, no import circle, no long module.

The import graph of ``src/banshishi`` is read with :mod:`ast`, so every import
counts: at the top of a module, under ``if TYPE_CHECKING:``, inside a function,
relative or absolute, and ``importlib.import_module("banshishi....")`` with a
literal name. docs/architecture.md explains the wings and why they are in this
order.
"""

import ast
import graphlib
import itertools
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Set
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "src" / "banshishi"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

WINGS = (
    "_core",
    "_calendar",
    "_model",
    "_metrics",
    "_workflow",
    "_exchange",
    "_disclosure",
    "_reports",
    "_notify",
    "_store",
    "_simulation",
    "_cli",
)
"""The private wings, bottom to top: a wing imports only itself and the wings before it.
The public modules (``banshishi``, ``banshishi.__main__``, ``banshishi.store``, …)
stand above every wing, and no wing imports them."""

MAX_LINES = 500

STILL_LONG: frozenset[str] = frozenset()
"""Modules still over MAX_LINES while issue 16 splits them: the list may only shrink."""

Graph = Mapping[str, Set[str]]


# -- reading the graph -------------------------------------------------------------------------


def modules(root: Path) -> dict[str, Path]:
    """Every module of the package in the folder ``root``, by its dotted name."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = (root.name, *path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imported_names(name: str, path: Path) -> Iterator[tuple[str, str | None]]:
    """Each ``(module, attribute)`` that the module ``name`` at ``path`` imports,
    anywhere in it; ``attribute`` is the name after ``from module import``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                if node.level > len(parts):
                    raise ValueError(f"{name}: a relative import above the top package")
                base = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            for alias in node.names:
                yield target, alias.name
        elif (
            isinstance(node, ast.Call)
            and _called_name(node) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value, None


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _resolve(target: str, attribute: str | None, known: Set[str]) -> str | None:
    """The module of the package an import loads: the submodule for ``from
    package import submodule``, else the longest known prefix of ``target``."""
    if attribute is not None and f"{target}.{attribute}" in known:
        return f"{target}.{attribute}"
    parts = target.split(".")
    while parts:
        if ".".join(parts) in known:
            return ".".join(parts)
        parts.pop()
    return None


def import_graph(root: Path) -> dict[str, set[str]]:
    """Each module of the package at ``root`` with the modules of the package it imports.

    Importing a submodule also runs its parent packages' ``__init__``; like other
    import checkers, the graph leaves those implicit edges out and keeps the
    module that is named."""
    found = modules(root)
    graph: dict[str, set[str]] = {}
    for name, path in found.items():
        graph[name] = {
            module
            for target, attribute in _imported_names(name, path)
            if (module := _resolve(target, attribute, found.keys())) is not None
        }
    return graph


# -- circles -----------------------------------------------------------------------------------


def _strongly_connected(graph: Graph) -> list[list[str]]:
    """Tarjan's strongly connected components of ``graph``, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in graph:
                    continue
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


def _shortest_circle(graph: Graph, members: Set[str]) -> list[str]:
    """A shortest circle through the first of ``members`` (a strongly connected
    component), staying among them: ``[a, b, …, a]``."""
    start = min(members)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for successor in sorted(graph[node] & members):
            if successor == start:
                way = [node]
                while way[-1] != start:
                    way.append(came_from[way[-1]])
                return [*reversed(way), start]
            if successor not in came_from:
                came_from[successor] = node
                queue.append(successor)
    raise AssertionError(f"{sorted(members)} is not strongly connected")  # pragma: no cover


def circles(graph: Graph) -> list[list[str]]:
    """One circle for each group of modules that import each other, directly or
    not (a module importing itself included): ``[a, b, …, a]``."""
    found = []
    for component in _strongly_connected(graph):
        if len(component) > 1 or component[0] in graph[component[0]]:
            found.append(_shortest_circle(graph, set(component)))
    return sorted(found)


# -- wings -------------------------------------------------------------------------------------


def wing_of(module: str) -> str | None:
    """The wing (``_core``, …) that holds ``module``; ``None`` for a public module."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1].startswith("_") and not parts[1].startswith("__"):
        return parts[1]
    return None


def upward_imports(graph: Graph, order: Iterable[str]) -> list[str]:
    """Every import from a wing of a wing above it or of a public module."""
    rank = {wing: position for position, wing in enumerate(order)}
    found = []
    for importer in sorted(graph):
        low = wing_of(importer)
        if low is None:
            continue
        for imported in sorted(graph[importer]):
            high = wing_of(imported)
            if high is None:
                found.append(f"{importer} (wing {low}) imports the public module {imported}")
            elif rank.get(high, len(rank)) > rank.get(low, len(rank)):
                found.append(f"{importer} (wing {low}) imports {imported} (wing {high}, above)")
    return found


def layout_problems(root: Path, order: Iterable[str]) -> list[str]:
    """Wings that are not declared or declared but absent, and private modules
    outside every wing."""
    declared = set(order)
    present = {
        path.name
        for path in root.iterdir()
        if path.is_dir() and wing_of(f"{root.name}.{path.name}") and any(path.rglob("*.py"))
    }
    problems = [
        f"{root.name}/{wing}/ is a wing not in the declared order"
        for wing in sorted(present - declared)
    ]
    problems += [f"the declared wing {wing} has no folder" for wing in sorted(declared - present)]
    problems += [
        f"{root.name}/{path.name} is a private module outside every wing"
        for path in sorted(root.glob("*.py"))
        if wing_of(f"{root.name}.{path.stem}") is not None
    ]
    return problems


def wing_table(text: str) -> dict[str, set[str]]:
    """The wings of a page's table (rows ``| `_wing/` | what | module, module |``),
    in order, each with the modules it lists."""
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `_") and len(cells) >= 2:
            rows[cells[0].strip("`/")] = {name.strip() for name in cells[-1].split(",")}
    return rows


def wing_modules(root: Path) -> dict[str, set[str]]:
    """Each wing's modules (and subpackages), by name within the wing."""
    return {
        path.name: {
            module.stem if module.suffix == ".py" else module.name
            for module in path.iterdir()
            if module.name != "__init__.py"
            and (module.suffix == ".py" or (module / "__init__.py").exists())
        }
        for path in sorted(root.iterdir())
        if path.is_dir() and wing_of(f"{root.name}.{path.name}")
    }


def long_modules(root: Path, limit: int) -> dict[str, int]:
    """The modules under ``root`` with more than ``limit`` lines, by their path from ``root``."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found[path.relative_to(root).as_posix()] = lines
    return found


# -- the package -------------------------------------------------------------------------------


def test_the_graph_is_the_whole_package() -> None:
    graph = import_graph(PACKAGE)
    assert "banshishi" in graph
    assert "banshishi._core.errors" in graph
    assert "banshishi._core.errors" in graph["banshishi"]
    assert {"banshishi._cli.main"} <= graph["banshishi.__main__"]


def test_no_import_circle() -> None:
    found = circles(import_graph(PACKAGE))
    assert not found, "import circles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_no_wing_imports_a_wing_above_it() -> None:
    found = upward_imports(import_graph(PACKAGE), WINGS)
    assert not found, "imports against the order of the wings:\n" + "\n".join(found)


def test_every_wing_is_declared_and_every_module_is_in_a_wing() -> None:
    assert layout_problems(PACKAGE, WINGS) == []


def test_the_architecture_page_lists_every_wing_and_module_in_order() -> None:
    table = wing_table(ARCHITECTURE.read_text(encoding="utf-8"))
    assert list(table) == list(WINGS)
    present = wing_modules(PACKAGE)
    stale = {
        wing: {"missing": sorted(present[wing] - listed), "gone": sorted(listed - present[wing])}
        for wing, listed in table.items()
        if listed != present[wing]
    }
    assert not stale, f"docs/architecture.md's table of wings is out of date: {stale}"


def test_no_module_over_500_lines() -> None:
    found = long_modules(PACKAGE, MAX_LINES)
    assert set(found) - STILL_LONG == set(), f"over {MAX_LINES} lines: {found}"
    done = STILL_LONG - set(found)
    assert not done, f"no longer over {MAX_LINES} lines: take {sorted(done)} off STILL_LONG"


# -- the checks themselves, on small fake packages ---------------------------------------------


def _package(root: Path, files: Mapping[str, str]) -> Path:
    """A package ``pkg`` under ``root`` with ``files`` (path inside it: source)."""
    package = root / "pkg"
    for name, source in {"__init__.py": "", **files}.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(package).parents:
            if parent != Path(".") and not (package / parent / "__init__.py").exists():
                (package / parent / "__init__.py").write_text("")
        path.write_text(source, encoding="utf-8")
    return package


def test_every_kind_of_import_is_an_edge(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "_low/a.py": "from . import b\nfrom .c import thing\n",
            "_low/b.py": "import pkg._low.c\nimport os\n",
            "_low/c.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from pkg._high.d import D\n"
            ),
            "_high/__init__.py": "from .d import D as D\n",
            "_high/d.py": (
                "def f():\n    from .._low import a\n"
                "def g():\n    import importlib\n    return importlib.import_module('pkg._low.b')\n"
            ),
            "_high/e.py": "from ..import _low\nfrom pkg import _high\nfrom pkg._high import d\n",
            "public.py": "from ._high.d import *\n",
        },
    )
    assert import_graph(package) == {
        "pkg": set(),
        "pkg._low": set(),
        "pkg._low.a": {"pkg._low.b", "pkg._low.c"},
        "pkg._low.b": {"pkg._low.c"},
        "pkg._low.c": {"pkg._high.d"},
        "pkg._high": {"pkg._high.d"},
        "pkg._high.d": {"pkg._low.a", "pkg._low.b"},
        "pkg._high.e": {"pkg._low", "pkg._high", "pkg._high.d"},
        "pkg.public": {"pkg._high.d"},
    }


def test_a_circle_is_found_and_named(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "_low/a.py": "from .b import x\n",
            "_low/b.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .c import y\n"
            ),
            "_low/c.py": "def f():\n    from pkg._low.a import z\n",
            "_low/d.py": "from .a import x\n",
            "_low/selfish.py": "from pkg._low import selfish\n",
        },
    )
    assert circles(import_graph(package)) == [
        ["pkg._low.a", "pkg._low.b", "pkg._low.c", "pkg._low.a"],
        ["pkg._low.selfish", "pkg._low.selfish"],
    ]


def test_a_circle_is_named_by_its_shortest_way_round() -> None:
    graph = {"a": {"b", "c"}, "b": {"c"}, "c": {"a"}}
    assert circles(graph) == [["a", "c", "a"]]


def test_an_upward_import_is_found(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "_low/a.py": "def f():\n    from pkg._high.b import x\n",
            "_low/c.py": "from pkg import public\n",
            "_low/d.py": "import pkg\n",
            "_high/b.py": "from pkg._low.a import f\n",
            "public.py": "from pkg._high.b import x\n",
        },
    )
    assert upward_imports(import_graph(package), ("_low", "_high")) == [
        "pkg._low.a (wing _low) imports pkg._high.b (wing _high, above)",
        "pkg._low.c (wing _low) imports the public module pkg.public",
        "pkg._low.d (wing _low) imports the public module pkg",
    ]
    assert upward_imports(import_graph(package), ("_high", "_low"))[0] == (
        "pkg._high.b (wing _high) imports pkg._low.a (wing _low, above)"
    )


def test_undeclared_wings_and_stray_modules_are_found(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "_low/a.py": "",
            "_extra/b.py": "",
            "_stray.py": "",
            "__main__.py": "",
            "public.py": "",
        },
    )
    (package / "_empty").mkdir()  # a folder with no module is no wing
    assert layout_problems(package, ("_low", "_gone")) == [
        "pkg/_extra/ is a wing not in the declared order",
        "the declared wing _gone has no folder",
        "pkg/_stray.py is a private module outside every wing",
    ]
    assert layout_problems(package, ("_low", "_extra")) == [
        "pkg/_stray.py is a private module outside every wing"
    ]


def test_a_wing_table_is_read_row_by_row(tmp_path: Path) -> None:
    page = (
        "| wing | holds | modules |\n|---|---|---|\n"
        "| `_b/` | x | two, one |\n| `_a/` | y | three |\n"
    )
    assert wing_table(page) == {"_b": {"one", "two"}, "_a": {"three"}}
    package = _package(tmp_path, {"_b/one.py": "", "_b/deep/two.py": "", "_a/x.txt": ""})
    (package / "_a" / "three.py").write_text("")
    assert wing_modules(package) == {"_a": {"three"}, "_b": {"one", "deep"}}


def test_long_modules_are_counted_in_lines(tmp_path: Path) -> None:
    package = _package(tmp_path, {"_low/a.py": "x = 1\n" * 3, "_low/b.py": "x = 1\n" * 4})
    assert long_modules(package, 3) == {"_low/b.py": 4}


def test_a_relative_import_above_the_package_is_refused(tmp_path: Path) -> None:
    package = _package(tmp_path, {"a.py": "from ... import x\n"})
    with pytest.raises(ValueError, match="above the top package"):
        import_graph(package)


@st.composite
def _graphs(draw: st.DrawFn) -> dict[str, set[str]]:
    nodes = [f"m{i}" for i in range(draw(st.integers(1, 8)))]
    return {node: draw(st.sets(st.sampled_from(nodes), max_size=3)) for node in nodes}


@given(_graphs())
def test_circles_exactly_when_there_is_no_import_order(graph: dict[str, set[str]]) -> None:
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError:
        ordered = False
    else:
        ordered = True
    found = circles(graph)
    assert (found == []) == ordered
    for circle in found:  # each a real way round, through distinct modules
        assert circle[0] == circle[-1]
        assert len(set(circle[:-1])) == len(circle) - 1
        assert all(b in graph[a] for a, b in itertools.pairwise(circle))
    members = [set(circle) for circle in found]
    assert all(a.isdisjoint(b) for i, a in enumerate(members) for b in members[i + 1 :])
