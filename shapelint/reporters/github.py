"""GitHub Actions workflow commands: one annotation per finding, a ``::notice`` per note,
plus a step summary.

GitHub shows only about 10 annotations of each level per step, so when
``$GITHUB_STEP_SUMMARY`` is set every finding also goes into a Markdown table there.
A file name or message cannot start a workflow command of its own: CR, LF and ``%`` are
escaped in data (and ``:`` ``,`` in properties) as GitHub decodes them, and the other
control characters are made printable.
"""
from __future__ import annotations

import html
import os
from typing import Sequence

from shapelint.findings import Diagnostic, FileResult
from shapelint.reporters.printable import printable
from shapelint.reporters.text import summary


def _data(text: str) -> str:
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


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


def notice(path: str, note: str) -> str:
    return f"::notice file={_prop(path)},title=shapelint note::{_data(note)}"


def _cell(text: str) -> str:
    """Table cell text: printable, no HTML, and no ``|`` that would end the cell."""
    return html.escape(printable(text)).replace("|", "\\|")


def step_summary(results: Sequence[FileResult]) -> str:
    rows = ["| File | Line | Code | Message |", "|---|---|---|---|"]
    for r in results:
        for d in r.diagnostics:
            rows.append(f"| <code>{_cell(d.path)}</code> | {d.location.row} | {d.code} {d.name} "
                        f"| {_cell(d.message)} |")
    return "### shapelint\n\n" + "\n".join(rows) + "\n"


def render(results: Sequence[FileResult], checked: int) -> str:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path and any(r.diagnostics for r in results):
        try:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(step_summary(results))
        except OSError:
            pass
    lines = [line for r in results
             for line in [*map(annotation, r.diagnostics), *(notice(r.path, n) for n in r.all_notes)]]
    return "\n".join(lines + [summary(results, checked)])
