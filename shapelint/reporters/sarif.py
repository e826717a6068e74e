"""SARIF 2.1.0 for GitHub code scanning, written by hand with plain dicts.

Each result carries the shape trace twice: as ``relatedLocations`` (where each input
shape came from) and as a ``codeFlow`` with one thread per input (its steps, oldest first,
each with the calls it ran in as a ``stack``); the calls the finding was made in are the
result's ``stacks``, and edits its ``fixes`` (not in a notebook, whose text is JSON).
A file's notes (skipped, analysis stopped early) are the invocation's
``toolExecutionNotifications``, at level ``note``, located at the file.

Files below the working directory are percent-encoded relative URIs against
``%SRCROOT%`` (given in ``originalUriBaseIds``), others ``file://`` URIs. A notebook's
regions are lines and columns of the ``.ipynb`` text, the file code scanning opens.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from shapelint import __version__
from shapelint.findings import Diagnostic, FileResult, Frame, Position, TraceEntry
from shapelint.registry import RULES
from shapelint.reporters.locations import in_file
from shapelint.rule_docs import rule_page

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning"}
SRCROOT = "%SRCROOT%"


def artifact(path: str) -> dict[str, str]:
    """An artifactLocation: relative to %SRCROOT% (the working directory) when below it."""
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(Path.cwd())
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": SRCROOT}


def _region(row: int, col: int, end_row: int | None = None, end_col: int | None = None) -> dict[str, int]:
    region = {"startLine": row, "startColumn": col}
    if end_row is not None and end_col is not None:
        region.update(endLine=end_row, endColumn=end_col)   # endColumn: one past the last char
    return region


def _location(path: str, region: dict[str, int], message: str | None = None) -> dict[str, Any]:
    loc: dict[str, Any] = {"physicalLocation": {"artifactLocation": artifact(path), "region": region}}
    if message:
        loc["message"] = {"text": message}
    return loc


def _fingerprint(d: Diagnostic, lines: Sequence[str]) -> str:
    text = lines[d.location.row - 1].strip() if 0 < d.location.row <= len(lines) else ""
    return hashlib.sha256(f"{d.code}:{text}".encode()).hexdigest()[:32]


def _at(r: FileResult | None, row: int, column: int, path: str | None = None) -> tuple[int, int]:
    """A position in the file as stored (a notebook's JSON text), for a step in this file."""
    if r is None or path is not None:
        return row, column
    pos = in_file(r, Position(row, column))
    return pos.row, pos.column


def result(d: Diagnostic, lines: Sequence[str], index: dict[str, int],
           r: FileResult | None = None) -> dict[str, Any]:
    region = _region(*_at(r, d.location.row, d.location.column),
                     *_at(r, d.end_location.row, d.end_location.column))
    out: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": index[d.code],
        "level": LEVEL.get(d.severity, "warning"),
        "message": {"text": d.message + (f" Fix: {d.fix}" if d.fix else "")},
        "locations": [_location(d.path, region)],
        "partialFingerprints": {"primaryLocationLineHash": _fingerprint(d, lines)},
    }
    related = []
    for entry in d.trace:
        for step in entry.steps:
            related.append(_location(step.path or d.path, _region(*_at(r, step.row, step.column, step.path)),
                                     f"{entry.label}: {step.layer} -> {step.shape}"))
    if related:
        out["relatedLocations"] = [{"id": i, **loc} for i, loc in enumerate(related)]
    threads = [_thread(entry, d, r, region) for entry in d.trace if entry.steps]
    if threads:
        out["codeFlows"] = [{"message": {"text": "where each input's shape came from"},
                             "threadFlows": threads}]
    if d.chain:
        out["stacks"] = [_stack(d.chain, d, r, "the calls the finding was made in, innermost first")]
    if d.edits and (r is None or r.notebook is None):   # a notebook's text is JSON: no raw edits
        out["fixes"] = [_fixes(d)]
    return out


def _thread(entry: TraceEntry, d: Diagnostic, r: FileResult | None, region: dict[str, int]) -> dict[str, Any]:
    """One input's history, oldest step first, ending at the finding; each step with the
    calls it ran in as a stack."""
    locations = []
    for s in reversed(entry.steps):
        where = _location(s.path or d.path, _region(*_at(r, s.row, s.column, s.path)),
                          f"{s.layer} -> {s.shape}" + (f" ({s.note})" if s.note else ""))
        step: dict[str, Any] = {"location": where}
        if s.chain:
            step["stack"] = _stack(s.chain, d, r, f"the calls {s.layer} ran in")
        locations.append(step)
    locations.append({"location": _location(d.path, region, d.message)})
    return {"message": {"text": f"{entry.label}: {entry.shape}"}, "locations": locations}


def _stack(chain: Sequence[Frame], d: Diagnostic, r: FileResult | None, message: str) -> dict[str, Any]:
    frames = []
    for f in chain:
        text = {"call": f"{f.name}() called here",
                "uncalled": f"{f.name}(), never called: its arguments are its defaults, or unknown",
                }.get(f.kind, f"pass {f.index} of this loop")
        region = _region(*_at(r, f.row, f.column, f.path))
        frames.append({"location": _location(f.path or d.path, region, text)})
    return {"message": {"text": message}, "frames": frames}


def _fixes(d: Diagnostic) -> dict[str, Any]:
    """The edits as SARIF replacements: a deleted region (empty for an insertion) and the
    text put in its place."""
    return {
        "description": {"text": (d.fix or "") + f" ({d.applicability or 'unsafe'} fix)"},
        "artifactChanges": [{
            "artifactLocation": artifact(d.path),
            "replacements": [{
                "deletedRegion": _region(e.location.row, e.location.column, e.end_location.row,
                                         e.end_location.column),
                "insertedContent": {"text": e.content},
            } for e in d.edits],
        }],
    }


def rules() -> list[dict[str, Any]]:
    out = []
    for r in RULES:
        page = rule_page(r)
        out.append({
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.summary},
            "help": {"text": page, "markdown": page},
            "helpUri": r.url,
            "defaultConfiguration": {"level": LEVEL.get(r.severity, "warning")},
        })
    return out


def notification(path: str | None, note: str) -> dict[str, Any]:
    """A note, located at its file (a note of the whole run has no location)."""
    out: dict[str, Any] = {"level": "note", "message": {"text": note}}
    if path is not None:
        out["locations"] = [{"physicalLocation": {"artifactLocation": artifact(path)}}]
    return out


def render(results: Sequence[FileResult], run_notes: Sequence[str] = ()) -> str:
    index = {r.code: i for i, r in enumerate(RULES)}
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "shapelint", "version": __version__,
                "informationUri": "https://github.com/shapelint/shapelint", "rules": rules(),
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
            "invocations": [{
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    *(notification(r.path, n) for r in results for n in r.all_notes),
                    *(notification(None, n) for n in run_notes),
                ],
            }],
            "results": [result(d, r.source_lines, index, r) for r in results for d in r.diagnostics],
        }],
    }
    return json.dumps(doc, indent=2)
