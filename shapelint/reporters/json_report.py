"""JSON with ruff's field names (filename, code, message, location, end_location, url, fix)
so existing tooling reads it, plus shapelint's own: name, severity, trace.

A file's notes (skipped, analysis stopped early) are entries of the same list with
``"severity": "note"`` and ``"code": null``, with no location: the list stays ruff's list,
and a reader that keeps ``code`` entries sees only findings. Control characters in any
string are escaped by JSON itself (``\u001b``), never written raw."""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Sequence

from shapelint.findings import Diagnostic, FileResult


def diagnostic_dict(d: Diagnostic) -> dict[str, Any]:
    out = {
        "filename": d.path,
        "code": d.code,
        "name": d.name,
        "severity": d.severity,
        "message": d.message,
        "location": {"row": d.location.row, "column": d.location.column},
        "end_location": {"row": d.end_location.row, "column": d.end_location.column},
        "noqa_row": d.location.row,
        "url": d.url,
        "fix": None if d.fix is None else {
            "applicability": "display-only", "message": d.fix, "edits": [],
        },
        "trace": [
            {"input": e.label, "shape": e.shape, "steps": [asdict(s) for s in e.steps]}
            for e in d.trace
        ],
    }
    validation = getattr(d, "validation", None)   # set by `check --validate`
    if validation is not None:
        out["validation"] = validation.as_dict()
    return out


def note_dict(path: str, note: str) -> dict[str, Any]:
    return {
        "filename": path, "code": None, "name": "note", "severity": "note", "message": note,
        "location": None, "end_location": None, "noqa_row": None, "url": None, "fix": None,
        "trace": [],
    }


def render(results: Sequence[FileResult], checked: int) -> str:
    # Findings --validate refuted stay listed (verdict "refuted") but are no longer findings.
    return json.dumps([entry for r in results for entry in [
        *(diagnostic_dict(d) for d in (*r.diagnostics, *getattr(r, "withdrawn", ()))),
        *(note_dict(r.path, n) for n in r.all_notes),
    ]], indent=2)
