"""Where things are, and what was found there: lazy source positions and the issue list.

Positions cost a full pass over the file (libcst's PositionProvider), which only files
with findings need to pay, so they are computed on first use.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange

from shapelint.interp.events import Context
from shapelint.interp.flow import Guards
from shapelint.interp.host import Range, TraceInputs
from shapelint.interp.values import Value
from shapelint.source import code_ranges
from shapelint.violations.base import Violation

Ranges = dict[cst.CSTNode, CodeRange]


@dataclass
class Issue:
    """A violation found at a source range, with the values its trace starts from."""

    violation: Violation
    start: tuple[int, int]     # (line, 0-based column)
    end: tuple[int, int]
    inputs: list[tuple[str, Value]] = field(default_factory=list)   # values with a .producer
    via: str | None = None                        # found in another module, reached from here
    node: Any = None                              # where it was found (before anchoring)
    context: Context = ()                         # the interpreter's context stack then

    @property
    def code(self) -> str:
        return self.violation.code


class Positions:
    """Node -> source range, resolved on first need (``ranges`` computes the mapping; a
    :class:`~shapelint.source.SourceFile` shares its own)."""

    def __init__(self, module: cst.Module, ranges: Callable[[], Ranges] | None = None) -> None:
        self.module = module
        self._compute = ranges or self._resolve
        self._ranges: Ranges | None = None

    def _resolve(self) -> Ranges:
        return code_ranges(self.module)

    @property
    def ranges(self) -> Ranges:
        if self._ranges is None:
            self._ranges = self._compute()
        return self._ranges

    def where(self, node: Any) -> Range:
        rng: CodeRange | None = self.ranges.get(node)
        if rng is None:
            return (1, 0), (1, 0)
        return (rng.start.line, rng.start.column), (rng.end.line, rng.end.column)


class Reporter:
    """Collects issues once per (code, position), and none where findings are withheld.

    ``anchor`` maps a node to where it is reported in the checked file (a node of another
    module is reported at the call in this file that led there, with a note saying so)."""

    def __init__(self, positions: Positions, guards: Guards,
                 anchor: Callable[[Any], tuple[Any, str | None]] | None = None,
                 context: Callable[[], Context] = tuple) -> None:
        self.positions = positions
        self.guards = guards
        self.anchor = anchor
        self.context = context              # the call chain a finding is made in
        self.issues: list[Issue] = []
        self.nodes: set[int] = set()        # ids of the nodes violations were found at
        self._seen: set[tuple[str, tuple[int, int], int | None]] = set()

    def report(self, violation: Violation, node: Any, inputs: TraceInputs = ()) -> None:
        if self.guards.active:
            return
        self.nodes.add(id(node))
        via, found = None, node
        if self.anchor is not None:
            node, via = self.anchor(node)
        start, end = self.positions.where(node)
        # Several findings of another module reported at one call here stay apart.
        key = (violation.code, start, None if via is None else id(found))
        if key in self._seen:
            return
        self._seen.add(key)
        self.issues.append(Issue(violation, start, end, list(inputs), via, found, self.context()))
