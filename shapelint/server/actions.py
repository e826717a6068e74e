"""Edits a code action makes: a suppression comment for a finding, and a finding's own fix
when it carries machine-applicable edits.

Edits are plain records in shapelint's coordinates (1-based rows, 0-based columns counted in
code points); the LSP edge converts them. A suppression edit is offered only when, once made,
the file still parses and its suppressions really cover the finding: one check that rules out
a line ending inside a string, after a backslash, or anywhere a comment cannot go.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from shapelint.findings import Diagnostic
from shapelint.noqa import NOT_SUPPRESSIBLE
from shapelint.source import python_ast, split_lines
from shapelint.suppressions import parse_suppressions

_CODES = re.compile(r"shapelint:\s*ignore\[([^\]]*)\]", re.I)


@dataclass(frozen=True)
class Edit:
    """Replace the text from (row, column) up to (end_row, end_column) with ``content``."""

    row: int
    column: int
    end_row: int
    end_column: int
    content: str


@dataclass(frozen=True)
class Action:
    """A quick fix: what the editor's menu says, and the edits it makes."""

    title: str
    edits: tuple[Edit, ...]
    preferred: bool = False


def suppression(text: str, d: Diagnostic) -> Action | None:
    """``# shapelint: ignore[CODE]`` on the finding's line (merged into such a comment the line
    already has), or None when no comment there would silence it."""
    if d.code in NOT_SUPPRESSIBLE:
        return None
    row = d.location.row
    lines = split_lines(text)
    if not 0 < row <= len(lines):
        return None
    for edit in _candidates(lines[row - 1], row, d.code):
        if _silences(text, edit, d.code):
            title = f"Suppress {d.code} ({d.name}) on line {row}: # shapelint: ignore[{d.code}]"
            return Action(title, (edit,))
    return None


def _candidates(line: str, row: int, code: str) -> Iterator[Edit]:
    existing = _CODES.search(line)
    if existing is not None:
        at = existing.end(1)
        glue = ", " if existing.group(1).strip() else ""
        yield Edit(row, at, row, at, f"{glue}{code}")
    end = len(line.rstrip())
    yield Edit(row, end, row, end, f"  # shapelint: ignore[{code}]")


def _silences(text: str, edit: Edit, code: str) -> bool:
    new = apply(text, (edit,))
    if python_ast(new, "<edit>")[1] is not None and python_ast(text, "<edit>")[1] is None:
        return False
    return parse_suppressions(new).covers(code, edit.row, blanket=False)


def apply(text: str, edits: tuple[Edit, ...]) -> str:
    """The text with the edits made (they must not overlap)."""
    starts = [0]
    for line in re.finditer(r"\r\n|\r|\n", text):
        starts.append(line.end())

    def offset(row: int, column: int) -> int:
        return starts[min(row, len(starts)) - 1] + column

    out = text
    for e in sorted(edits, key=lambda e: (e.row, e.column), reverse=True):
        out = out[:offset(e.row, e.column)] + e.content + out[offset(e.end_row, e.end_column):]
    return out


def fix(d: Diagnostic) -> Action | None:
    """The finding's own fix, when it carries edits (the ones ``--fix`` makes); preferred
    when it is safe (the finding goes, and nothing new comes)."""
    if not d.edits:
        return None
    edits = tuple(Edit(e.location.row, e.location.column - 1, e.end_location.row, e.end_location.column - 1,
                       e.content) for e in d.edits)
    safe = d.applicability == "safe"
    title = f"Fix {d.code} ({d.name})" + ("" if safe else ", unsafe: review the change")
    return Action(title, edits, preferred=safe)
