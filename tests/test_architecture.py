"""The architecture holds: imports flow one way down the layers the README lists
(import-linter's contract in pyproject.toml), and no module imports itself back in a cycle
(imports for type checking only do not count: they never run)."""
from __future__ import annotations

import subprocess
import sys
from collections import defaultdict

import grimp

from conftest import ROOT


def test_imports_follow_the_layer_contract():
    run = subprocess.run([sys.executable, "-m", "importlinter.cli", "--config", str(ROOT / "pyproject.toml")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]


def _cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import cycle among the given modules, or [] (an iterative depth-first search)."""
    state: dict[str, int] = {}
    for start in sorted(edges):
        if state.get(start):
            continue
        stack = [(start, iter(sorted(edges[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(edges.get(child, ())))))
    return []


def test_no_import_cycle_between_modules():
    graph = grimp.build_graph("shapelint", exclude_type_checking_imports=True)
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if not module.startswith(imported + "."):     # a package's own __init__ is not a cycle
                edges[module].add(imported)
    assert _cycle(edges) == []
