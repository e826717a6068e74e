"""Edits as ruff writes them: replace a range of the text (1-based rows and columns, the end
excluded) with new content. Made from a node of the user's code and the code it becomes,
trimmed to the characters that change so every other character (comments, spacing, line
breaks) stays as the user wrote it; applied together when no two overlap."""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from itertools import pairwise

import libcst as cst
from libcst.metadata import CodeRange

from shapelint.findings import Edit, Position

_LINE_END = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> list[int]:
    """The offset of each line's first character, lines ended as Python ends them."""
    return [0] + [m.end() for m in _LINE_END.finditer(text)]


def offset(starts: list[int], pos: Position) -> int:
    return starts[pos.row - 1] + pos.column - 1


def apply(text: str, edits: Sequence[Edit]) -> str | None:
    """The text with every edit made; None when two edits overlap or one is out of range."""
    starts = line_starts(text)
    spans = []
    for e in edits:
        if not (1 <= e.location.row <= len(starts) and 1 <= e.end_location.row <= len(starts)):
            return None
        a, b = offset(starts, e.location), offset(starts, e.end_location)
        if not 0 <= a <= b <= len(text):
            return None
        spans.append((a, b, e.content))
    spans.sort(key=lambda s: (s[0], s[1]))
    if any(later[0] < earlier[1] for earlier, later in pairwise(spans)):
        return None
    out, at = [], 0
    for a, b, content in spans:
        out += [text[at:a], content]
        at = b
    return "".join(out) + text[at:]


def position_at(starts: list[int], at: int) -> Position:
    row = bisect_right(starts, at) - 1
    return Position(row + 1, at - starts[row] + 1)


def common_ends(before: str, after: str) -> tuple[int, int]:
    """How many leading and trailing characters two texts share (not overlapping): an edit
    is trimmed to what lies between them."""
    head = 0
    while head < min(len(before), len(after)) and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < min(len(before), len(after)) - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    return head, tail


def replacement(text: str, module: cst.Module, ranges: Mapping[cst.CSTNode, CodeRange], old: cst.CSTNode,
                new: cst.CSTNode | str) -> Edit | None:
    """The edit that turns node ``old`` into ``new`` (a node, or code as a string), trimmed
    to what changes; None when ``old`` is not where its position says (never guess)."""
    rng = ranges.get(old)
    if rng is None:
        return None
    starts = line_starts(text)
    a = offset(starts, Position(rng.start.line, rng.start.column + 1))
    b = offset(starts, Position(rng.end.line, rng.end.column + 1))
    code = module.code_for_node(old)
    if text[a:b] != code:
        # libcst's positions leave out a node's own parentheses, which its code holds: the
        # node is the one occurrence of its code that covers its position.
        around = [i for i in range(max(0, b - len(code)), a + 1) if text.startswith(code, i)]
        if len(around) != 1:
            return None
        a, b = around[0], around[0] + len(code)
    before = text[a:b]
    after = new if isinstance(new, str) else module.code_for_node(new)
    if before == after:
        return None
    head, tail = common_ends(before, after)
    return Edit(after[head:len(after) - tail], position_at(starts, a + head),
                position_at(starts, b - tail))
