"""Where the next build of a file goes on when one stopped early.

A build stops at its first exception, so in a file with two bugs the second would stay
unverified. When a build stops at a statement of the file, the next build leaves that
statement out together with everything that uses what it makes (the build program's
*dead* names, :mod:`shapelint.validation.program`) and runs the rest of the file as
written. Each build is one more fork of the TensorFlow zygote, never a new TensorFlow.

Why not stand a tensor of the static output shape in for the call that failed: shapelint
gives a call it reports no output shape (it cannot know what Keras would have made), so
there is no shape to stand in, and an invented one could make later layers raise where
the code is right. By the same rule no later finding can depend on that call (an unknown
shape never gives a finding), so leaving its consequences out loses nothing a build could
check, and everything that does run is the user's code.

A statement that imports a module the build cannot find (an optional package that is not
installed) is cut the same way: the file is built without what needs that module.
"""
from __future__ import annotations

import libcst as cst

from shapelint.validation.program import BuildProgram, Cut
from shapelint.validation.protocol import ErrorInfo
from shapelint.validation.static_facts import StaticFacts

MAX_BUILDS = 8          # builds of one file: the first, then one per statement left out
CUTTABLE = ("build", "program", "missing", "network", "write", "exit")


class _Statements(cst.CSTVisitor):
    """Every statement with its range, and the ranges of class bodies."""

    def __init__(self, facts: StaticFacts):
        self.facts = facts
        # (statement, (row, col) where it starts, (row, col) where it ends)
        self.statements: list[tuple[cst.CSTNode, tuple[int, int], tuple[int, int]]] = []
        self.classes: list[tuple[int, int]] = []

    def _add(self, node: cst.CSTNode) -> None:
        rng = self.facts.positions.get(node)
        if rng is not None:
            self.statements.append((node, (rng.start.line, rng.start.column), (rng.end.line, rng.end.column)))

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            self._add(node)
        if isinstance(node, cst.ClassDef):
            self.classes.append(self.facts.lines(node))
        return True


def _statement_at(index: _Statements, row: int, col: int) -> cst.CSTNode | None:
    """The innermost statement holding the position (1-based row, 0-based column), or
    failing that the line."""
    inside = [(start, end, node) for node, start, end in index.statements if start <= (row, col) < end]
    if not inside:
        inside = [(start, end, node) for node, start, end in index.statements if start[0] <= row <= end[0]]
    if not inside:
        return None
    return max(inside, key=lambda t: (t[0], (-t[1][0], -t[1][1])))[2]


def _frame(error: ErrorInfo, program: BuildProgram, index: _Statements) -> tuple[int, int] | None:
    """Where to cut: the deepest frame in the file that is not inside a class (a layer's
    call() left without a statement would be broken; its caller is cut instead)."""
    def in_file(places: list[tuple[int | None, int | None]]) -> list[tuple[int, int]]:
        return [(row, col if isinstance(col, int) else 0) for row, col in places
                if isinstance(row, int) and not program.in_epilogue(row)]

    frames = in_file([(f[0], f[1]) for f in error.get("frames") or [] if isinstance(f, list) and len(f) >= 2])
    frames = frames or in_file([(error.get("row"), error.get("col"))])
    for row, col in reversed(frames):
        if not any(start <= row <= end for start, end in index.classes):
            return row, col
    return frames[0] if frames else None


def _imported_root(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.ImportFrom) and node.module is not None and not node.relative:
        return cst.Module([]).code_for_node(node.module).split(".")[0]
    return None


def _missing_names(node: cst.CSTNode, root: str) -> frozenset[str] | None:
    """The names an ``import a, gym`` binds from the missing module (None: all it binds)."""
    if not isinstance(node, cst.Import):
        return None
    names = set()
    for alias in node.names:
        module = cst.Module([]).code_for_node(alias.name)
        if module.split(".")[0] == root:
            bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) \
                else module.split(".")[0]
            names.add(bound)
    return frozenset(names) or None


def _words(error: ErrorInfo, row: int) -> tuple[str, str]:
    """(why the statement is left out, why what uses it is left out)."""
    kind, kind_type = error.get("kind"), error.get("type", "an exception")
    if kind == "network":
        return ("it tried to reach the network in an earlier build (blocked)",
                f"it uses what line {row} makes, which tried to reach the network")
    if kind == "write":
        return ("it tried to write outside the sandbox in an earlier build (blocked)",
                f"it uses what line {row} makes, which tried to write outside the sandbox")
    if kind == "exit":
        return ("it exited in an earlier build (SystemExit)", f"it comes after line {row}, which exited")
    return (f"an earlier build raised {kind_type} here",
            f"it uses what line {row} makes, where an earlier build raised {kind_type}")


def next_cut(facts: StaticFacts | None, program: BuildProgram, error: ErrorInfo | None) -> Cut | None:
    """What the next build of the file leaves out after ``program`` stopped with ``error``;
    None when it cannot go on (no statement of the file to leave out, or no progress)."""
    if facts is None or not error or error.get("kind") not in CUTTABLE:
        return None
    index = _Statements(facts)
    facts.module.visit(index)
    where = _frame(error, program, index)
    node = _statement_at(index, *where) if where else None
    if node is None or isinstance(node, (cst.FunctionDef, cst.ClassDef)) or \
            any(c.node is node for c in program.cuts):
        return None
    row = facts.lines(node)[0]
    missing = error.get("missing_module")
    if error.get("kind") == "missing" and isinstance(missing, str) and missing:
        root = missing.split(".")[0]
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            names = _missing_names(node, root)
            own = names is not None or _imported_root(node) == root
            if own:
                return Cut(node, row, f"{root} is not installed where the build runs",
                           f"it uses {root} (line {row}), which is not installed where the build runs", names)
        return Cut(node, row, f"it needs {root}, which is not installed where the build runs",
                   f"it uses what line {row} makes, which needs {root} (not installed where the build runs)")
    reason, consequence = _words(error, row)
    return Cut(node, row, reason, consequence)
