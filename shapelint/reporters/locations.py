"""Where a finding is, for each kind of reader. Rows are the checked program's everywhere
before the reporters; a notebook's are turned here into a cell and a row in that cell (for
people and JSON, as ruff shows them) or into a line and column of the ``.ipynb`` text (for
tools that open the file itself: SARIF, GitHub and GitLab annotations)."""
from __future__ import annotations

from shapelint.findings import FileResult, NotebookIndex, Position


def in_cell(notebook: NotebookIndex | None, pos: Position) -> tuple[int | None, Position]:
    """(cell number, position in that cell) in a notebook; (None, the position) elsewhere."""
    if notebook is None:
        return None, pos
    found = notebook.cell_of(pos.row)
    if found is None:
        return None, pos
    return found[0], Position(found[1], pos.column)


def label(notebook: NotebookIndex | None, pos: Position) -> str:
    """``12:5``, or ``cell 3:2:5`` in a notebook (ruff's notation)."""
    cell, at = in_cell(notebook, pos)
    prefix = f"cell {cell}:" if cell is not None else ""
    return f"{prefix}{at.row}:{at.column}"


def in_file(result: FileResult, pos: Position) -> Position:
    """The position in the file as stored: a notebook's JSON text, or the source itself."""
    return result.notebook.in_file(pos.row, pos.column) if result.notebook is not None else pos
