"""GitLab Code Quality: a JSON array of issues (``description``, ``check_name``,
``fingerprint``, ``severity``, ``location``), the report GitLab shows in merge requests.

Paths are relative to ``$CI_PROJECT_DIR`` (the checkout GitLab resolves them in), else to the
working directory. A fingerprint must stay the same while the finding does: it hashes the
path, the rule and the offending line's text (not its number), with a counter for identical
lines. A notebook's positions are lines of the ``.ipynb`` text. Notes are issues of severity
``info``, so they reach the report too (the run's own at the project's root, ``.``)."""
from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Sequence
from typing import Any

from shapelint.findings import Diagnostic, FileResult
from shapelint.reporters.locations import in_file

SEVERITY = {"error": "major", "warning": "minor"}

# How many times each (path, rule, line text) has been fingerprinted in this report.
Seen = Counter[tuple[str, ...]]


def _path(path: str) -> str:
    base = os.environ.get("CI_PROJECT_DIR") or os.getcwd()
    relative = os.path.relpath(os.path.abspath(path), base)
    return os.path.abspath(path) if relative.startswith("..") else relative.replace(os.sep, "/")


def _fingerprint(parts: tuple[str, ...], seen: Seen) -> str:
    seen[parts] += 1
    return hashlib.sha256("\0".join((*parts, str(seen[parts]))).encode()).hexdigest()


def issue(d: Diagnostic, r: FileResult, seen: Seen) -> dict[str, Any]:
    start, end = in_file(r, d.location), in_file(r, d.end_location)
    row = d.location.row
    line = r.source_lines[row - 1].strip() if 0 < row <= len(r.source_lines) else d.message
    return {
        "type": "issue",
        "check_name": d.code,
        "description": f"{d.code} {d.name}: {d.message}" + (f" Fix: {d.fix}" if d.fix else ""),
        "categories": ["Bug Risk"],
        "severity": SEVERITY.get(d.severity, "minor"),
        "fingerprint": _fingerprint((_path(d.path), d.code, line), seen),
        "location": {"path": _path(d.path), "positions": {
            "begin": {"line": start.row, "column": start.column},
            "end": {"line": end.row, "column": end.column},
        }},
    }


def note(path: str, text: str, seen: Seen) -> dict[str, Any]:
    return {
        "type": "issue", "check_name": "shapelint-note", "description": f"shapelint note: {text}",
        "categories": ["Bug Risk"], "severity": "info",
        "fingerprint": _fingerprint((_path(path), "note", text), seen),
        "location": {"path": _path(path), "lines": {"begin": 1}},
    }


def render(results: Sequence[FileResult], run_notes: Sequence[str] = ()) -> str:
    seen: Seen = Counter()
    root = os.environ.get("CI_PROJECT_DIR") or os.getcwd()
    return json.dumps([*(entry for r in results for entry in [
        *(issue(d, r, seen) for d in r.diagnostics), *(note(r.path, n, seen) for n in r.all_notes),
    ]), *(note(root, n, seen) for n in run_notes)], indent=2)
