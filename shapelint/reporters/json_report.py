"""JSON with ruff's field names (filename, code, message, location, end_location, url, fix,
cell) so existing tooling reads it, plus shapelint's own: name, severity, trace. In a notebook,
``cell`` is the cell's number and rows count in that cell, as ruff writes them; elsewhere
``cell`` is null. ``json-lines`` writes the same entries one per line.

A file's notes (skipped, analysis stopped early) are entries of the same list with
``"severity": "note"`` and ``"code": null``, with no location (the run's own notes also
with ``"filename": null``): the list stays ruff's list,
and a reader that keeps ``code`` entries sees only findings. Control characters in any
string are escaped by JSON itself (``\u001b``), never written raw."""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Sequence

from shapelint.findings import Diagnostic, FileResult, NotebookIndex, Position
from shapelint.reporters.locations import in_cell


def _row_column(notebook: NotebookIndex | None, pos: Position) -> dict[str, int]:
    _, at = in_cell(notebook, pos)
    return {"row": at.row, "column": at.column}


def _step(step: Any, notebook: NotebookIndex | None) -> dict[str, Any]:
    out = asdict(step)
    if step.path is None and notebook is not None:
        cell, at = in_cell(notebook, Position(step.row, step.column))
        out.update(row=at.row, cell=cell)
    return out


def diagnostic_dict(d: Diagnostic, notebook: NotebookIndex | None = None) -> dict[str, Any]:
    cell, _ = in_cell(notebook, d.location)
    out = {
        "cell": cell,
        "filename": d.path,
        "code": d.code,
        "name": d.name,
        "severity": d.severity,
        "message": d.message,
        "location": _row_column(notebook, d.location),
        "end_location": _row_column(notebook, d.end_location),
        "noqa_row": in_cell(notebook, d.location)[1].row,
        "url": d.url,
        "fix": None if d.fix is None else {
            "applicability": "display-only", "message": d.fix, "edits": [],
        },
        "trace": [
            {"input": e.label, "shape": e.shape, "steps": [_step(s, notebook) for s in e.steps]}
            for e in d.trace
        ],
    }
    validation = getattr(d, "validation", None)   # set by `check --validate`
    if validation is not None:
        out["validation"] = validation.as_dict()
    return out


def note_dict(path: str | None, note: str) -> dict[str, Any]:
    return {
        "cell": None, "filename": path, "code": None, "name": "note", "severity": "note", "message": note,
        "location": None, "end_location": None, "noqa_row": None, "url": None, "fix": None,
        "trace": [],
    }


def entries(results: Sequence[FileResult], run_notes: Sequence[str] = ()) -> list[dict[str, Any]]:
    # Findings --validate refuted stay listed (verdict "refuted") but are no longer findings.
    return [*(entry for r in results for entry in [
        *(diagnostic_dict(d, r.notebook) for d in (*r.diagnostics, *getattr(r, "withdrawn", ()))),
        *(note_dict(r.path, n) for n in r.all_notes),
    ]), *(note_dict(None, n) for n in run_notes)]


def render(results: Sequence[FileResult], run_notes: Sequence[str] = ()) -> str:
    return json.dumps(entries(results, run_notes), indent=2)


def render_lines(results: Sequence[FileResult], run_notes: Sequence[str] = ()) -> str:
    return "\n".join(json.dumps(entry) for entry in entries(results, run_notes))
