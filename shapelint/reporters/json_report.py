"""JSON with ruff's field names (filename, code, message, location, end_location, url, fix,
cell) so existing tooling reads it, plus shapelint's own: name, severity, trace (each
input's steps, with the calls and loop passes each ran in), chain (those of the finding).
``fix`` is ruff's: ``applicability`` is ``safe`` (the edits were made and the file checked
again in the same run: the finding went and nothing came), ``unsafe`` (edits that may change
what the code means) or ``display-only`` (words only); ``edits`` hold the changes. In a notebook,
``cell`` is the cell's number and rows count in that cell, as ruff writes them; elsewhere
``cell`` is null. ``json-lines`` writes the same entries one per line.

A file's notes (skipped, analysis stopped early) are entries of the same list with
``"severity": "note"`` and ``"code": null``, with no location (the run's own notes also
with ``"filename": null``): the list stays ruff's list,
and a reader that keeps ``code`` entries sees only findings. Control characters in any
string are escaped by JSON itself (``\u001b``), never written raw."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from shapelint.findings import Diagnostic, FileResult, Frame, NotebookIndex, Origin, Position
from shapelint.reporters.locations import in_cell
from shapelint.reporters.validated import verdict, withdrawn


def _row_column(notebook: NotebookIndex | None, pos: Position) -> dict[str, int]:
    _, at = in_cell(notebook, pos)
    return {"row": at.row, "column": at.column}


def _placed(item: Origin | Frame, notebook: NotebookIndex | None) -> dict[str, Any]:
    """A step or frame as a dict, with a notebook cell and its row there when in one."""
    out = asdict(item)
    if item.path is None and notebook is not None:
        cell, at = in_cell(notebook, Position(item.row, item.column))
        out.update(row=at.row, cell=cell)
    return out


def _step(step: Origin, notebook: NotebookIndex | None) -> dict[str, Any]:
    out = _placed(step, notebook)
    out["chain"] = [_placed(frame, notebook) for frame in step.chain]
    return out


def _fix(d: Diagnostic, notebook: NotebookIndex | None) -> dict[str, Any] | None:
    """ruff's fix object: the words, and the edits with how safe they are."""
    if d.fix is None and not d.edits:
        return None
    return {
        "applicability": d.applicability if d.edits and d.applicability else "display-only",
        "message": d.fix,
        "edits": [{"content": e.content, "location": _row_column(notebook, e.location),
                   "end_location": _row_column(notebook, e.end_location)} for e in d.edits],
    }


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
        "fix": _fix(d, notebook),
        "trace": [
            {"input": e.label, "shape": e.shape, "steps": [_step(s, notebook) for s in e.steps],
             "joins": e.meets, "truncated": e.truncated}
            for e in d.trace
        ],
        "chain": [_placed(frame, notebook) for frame in d.chain],
    }
    validation = verdict(d)   # set by `check --validate`
    if validation is not None:
        out["validation"] = validation.as_dict()
    return out


def note_dict(path: str | None, note: str) -> dict[str, Any]:
    return {
        "cell": None, "filename": path, "code": None, "name": "note", "severity": "note", "message": note,
        "location": None, "end_location": None, "noqa_row": None, "url": None, "fix": None,
        "trace": [], "chain": [],
    }


def entries(results: Sequence[FileResult], run_notes: Sequence[str] = ()) -> list[dict[str, Any]]:
    # Findings --validate refuted stay listed (verdict "refuted") but are no longer findings.
    return [*(entry for r in results for entry in [
        *(diagnostic_dict(d, r.notebook) for d in (*r.diagnostics, *withdrawn(r))),
        *(note_dict(r.path, n) for n in r.all_notes),
    ]), *(note_dict(None, n) for n in run_notes)]


def render(results: Sequence[FileResult], run_notes: Sequence[str] = ()) -> str:
    return json.dumps(entries(results, run_notes), indent=2)


def render_lines(results: Sequence[FileResult], run_notes: Sequence[str] = ()) -> str:
    return "\n".join(json.dumps(entry) for entry in entries(results, run_notes))
