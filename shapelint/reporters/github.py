"""GitHub Actions workflow commands: one annotation per finding, plus a step summary.

GitHub shows only about 10 annotations of each level per step, so when
``$GITHUB_STEP_SUMMARY`` is set every finding also goes into a Markdown table there.
"""
from __future__ import annotations

import os
from typing import Sequence

from shapelint.findings import Diagnostic, FileResult
from shapelint.reporters.text import summary


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic) -> str:
    level = "error" if d.severity == "error" else "warning"
    props = ",".join([
        f"file={_prop(d.path)}", f"line={d.location.row}", f"endLine={d.end_location.row}",
        f"col={d.location.column}", f"endColumn={d.end_location.column}",
        f"title={_prop(f'{d.code} {d.name}')}",
    ])
    body = d.message + (f"\nFix: {d.fix}" if d.fix else "")
    return f"::{level} {props}::{_data(body)}"


def step_summary(results: Sequence[FileResult]) -> str:
    rows = ["| File | Line | Code | Message |", "|---|---|---|---|"]
    for r in results:
        for d in r.diagnostics:
            message = d.message.replace("|", "\\|")
            rows.append(f"| `{d.path}` | {d.location.row} | {d.code} {d.name} | {message} |")
    return "### shapelint\n\n" + "\n".join(rows) + "\n"


def render(results: Sequence[FileResult], checked: int) -> str:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path and any(r.diagnostics for r in results):
        try:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(step_summary(results))
        except OSError:
            pass
    lines = [annotation(d) for r in results for d in r.diagnostics]
    return "\n".join(lines + [summary(results, checked)])
