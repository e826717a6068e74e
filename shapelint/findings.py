"""Plain frozen records that cross module boundaries: findings and their traces.

Positions are 1-based lines and columns everywhere outside the interpreter.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from shapelint.violations.base import Claims


@dataclass(frozen=True)
class Position:
    row: int
    column: int


@dataclass(frozen=True)
class Frame:
    """One level of the code a finding or a trace step ran in: a call of one of the user's
    functions (located at its call site) or one pass of a loop (at the loop)."""

    kind: str                      # "call" | "loop" | "uncalled" (a function the file never calls)
    name: str                      # the function called ("" for a loop)
    row: int
    column: int
    path: str | None = None        # another file of the project (None: the checked file)
    index: int = 0                 # the pass of a loop, from 1


@dataclass(frozen=True)
class Origin:
    """One step in the history of a tensor: which layer call produced it, and where."""

    row: int
    column: int
    layer: str
    shape: str
    path: str | None = None        # another file of the project (None: the checked file)
    chain: tuple[Frame, ...] = ()  # the calls and loop passes it ran in, innermost first
    kept: tuple[str, ...] = ()     # shape-preserving layers between the step shown before and this one
    note: str = ""                 # what this step did to the sizes, when it explains the finding


@dataclass(frozen=True)
class TraceEntry:
    """Where one input of the offending call came from (most recent step first), up to
    where it joins another input's history (``meets``: that input's label), an Input, or
    the bound of the walk (``truncated``: earlier steps exist and are not shown)."""

    label: str
    shape: str
    steps: tuple[Origin, ...]
    meets: str | None = None
    truncated: bool = False


@dataclass(frozen=True)
class Edit:
    """Replace the text from ``location`` up to (not including) ``end_location`` with
    ``content``: ruff's edit. 1-based rows and columns of the checked program."""

    content: str
    location: Position
    end_location: Position


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
    fix: str | None = None
    url: str | None = None
    notes: tuple[str, ...] = field(default=())
    # What a build can check (copies and parameter counts of sharing/hot-spot findings).
    claims: Claims | None = field(default=None, compare=False)
    chain: tuple[Frame, ...] = ()          # the calls (and loop passes) it was found in, innermost first
    edits: tuple[Edit, ...] = ()           # the fix as code, when it can be applied mechanically
    # Of the edits: "safe" (the file checked again with them lost this finding, gained none)
    # or "unsafe"; "unchecked" only inside the checker, before that check.
    applicability: str | None = None


__all__ = ["CellSpan", "Claims", "Coverage", "Diagnostic", "Edit", "FileResult", "Frame", "NotebookIndex",
           "Origin", "Position", "RawLine", "TraceEntry"]


@dataclass(frozen=True)
class Coverage:
    """How much of a file the analysis could follow, so that silence means clean rather
    than "gave up": layer calls by how well their output shape is known, and the models
    whose input shape is not known. Shown as notes, never findings."""

    layer_calls: int = 0
    fully_known: int = 0        # every axis but the batch axis has a known size
    partly_known: int = 0       # the rank is known, some sizes are not (or are dynamic)
    unknown: int = 0            # not even the rank is known
    unknown_inputs: tuple[str, ...] = ()   # "model 'encoder' (line 12)"

    def notes(self) -> tuple[str, ...]:
        out = [f"the input shape of {m} is not known: only what its layers fix (ranks, sizes "
               f"they set) was checked" for m in self.unknown_inputs]
        if self.unknown:
            out.append(f"shapelint could not work out the output shape of {self.unknown} of "
                       f"{self.layer_calls} layer calls ({self.fully_known} fully known, "
                       f"{self.partly_known} partly known); what follows them was not checked")
        return tuple(out)


@dataclass(frozen=True)
class CellSpan:
    """One code cell of a notebook as it sits in the checked program."""

    number: int        # the cell's 1-based position among all the notebook's cells (as ruff counts)
    first_row: int     # its first line in the program
    rows: int


@dataclass(frozen=True)
class RawLine:
    """Where one program line of a notebook is written in the ``.ipynb`` file: inside a JSON
    string, so a character may take more than one (``\\"`` takes two)."""

    row: int                                   # 1-based line of the .ipynb file
    column: int                                # 1-based column of the line's first character
    escapes: tuple[tuple[int, int], ...] = ()  # (program column, extra characters) per escape


@dataclass(frozen=True)
class NotebookIndex:
    """How a notebook's program lines map back to its cells and to its ``.ipynb`` text, so
    findings stay computed on one program and are located at the edge."""

    cells: tuple[CellSpan, ...]
    raw: tuple[RawLine, ...]      # one per program line

    def cell_of(self, row: int) -> tuple[int, int] | None:
        """(cell number, row in that cell) of a program row; None outside every cell."""
        for cell in self.cells:
            if cell.first_row <= row < cell.first_row + cell.rows:
                return cell.number, row - cell.first_row + 1
        return None

    def in_file(self, row: int, column: int) -> Position:
        """The position in the ``.ipynb`` text of a program position (1-based)."""
        if not 1 <= row <= len(self.raw):
            return Position(1, 1)
        line = self.raw[row - 1]
        extra = sum(n for at, n in line.escapes if at < column)
        return Position(line.row, line.column + column - 1 + extra)


@dataclass(frozen=True)
class FileResult:
    """Everything shapelint has to say about one file; a failure is a result, not a crash."""

    path: str
    diagnostics: tuple[Diagnostic, ...]
    source_lines: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()   # analysis limits and analyzer errors: shown, never findings
    coverage: Coverage | None = None
    notebook: NotebookIndex | None = None      # set for a .ipynb: rows are its program's rows
    # (path, sha256) of the project modules the analysis read: a cached result holds only
    # while none of them changed.
    dependencies: tuple[tuple[str, str], ...] = ()
    # False when the result depends on the machine (the time limit ran out): never cached.
    cacheable: bool = True

    @property
    def all_notes(self) -> tuple[str, ...]:
        """What the output says about the run besides findings: problems, then coverage."""
        return self.notes + (self.coverage.notes() if self.coverage is not None else ())
