"""Plain frozen records that cross module boundaries: findings and their traces.

Positions are 1-based lines and columns everywhere outside the interpreter.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from shapelint.violations.base import Claims


@dataclass(frozen=True)
class Position:
    row: int
    column: int


@dataclass(frozen=True)
class Origin:
    """One step in the history of a tensor: which layer call produced it, and where."""

    row: int
    column: int
    layer: str
    shape: str


@dataclass(frozen=True)
class TraceEntry:
    """Where one input of the offending call came from (most recent step first)."""

    label: str
    shape: str
    steps: tuple[Origin, ...]


@dataclass(frozen=True)
class Diagnostic:
    path: str
    code: str
    name: str
    severity: str
    message: str
    location: Position
    end_location: Position
    trace: tuple[TraceEntry, ...] = ()
    fix: Optional[str] = None
    url: Optional[str] = None
    notes: tuple[str, ...] = field(default=())
    # What a build can check (copies and parameter counts of sharing/hot-spot findings).
    claims: Optional[Claims] = field(default=None, compare=False)


__all__ = ["Claims", "Diagnostic", "FileResult", "Origin", "Position", "TraceEntry"]


@dataclass(frozen=True)
class FileResult:
    """Everything shapelint has to say about one file; a failure is a result, not a crash."""

    path: str
    diagnostics: tuple[Diagnostic, ...]
    source_lines: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()   # analysis limits and analyzer errors: shown, never findings
