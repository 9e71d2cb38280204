"""The packages import one way, corpus <- index <- qa <- ui, and no modules import each other in
a circle (lazy imports inside functions count too: they hide a circle, they do not remove it)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("corpus", "index", "qa", "ui")


def _imports() -> dict[str, set[str]]:
    modules = {f"{pkg}.{f.stem}": f for pkg in LAYERS for f in (ROOT / pkg).glob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for m, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            graph[m].update(n for n in names if n in modules and n != m)
    return graph


def test_imports_run_one_way() -> None:
    rank = {pkg: i for i, pkg in enumerate(LAYERS)}
    upward = [
        f"{m} imports {n}"
        for m, deps in _imports().items()
        for n in deps
        if rank[n.split(".")[0]] > rank[m.split(".")[0]]
    ]
    assert not upward


def test_no_import_circles() -> None:
    graph = _imports()
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                circles.append(path[path.index(n) :] + [n])
            elif n not in state:
                visit(n)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert not circles
