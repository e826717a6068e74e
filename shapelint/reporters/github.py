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
from collections.abc import Sequence

from shapelint.findings import Diagnostic, FileResult
from shapelint.reporters.locations import in_file, label
from shapelint.reporters.printable import printable


def _data(text: str) -> str:
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic, result: FileResult | None = None) -> str:
    """One finding; in a notebook it points into the ``.ipynb`` text, where GitHub shows it."""
    level = "error" if d.severity == "error" else "warning"
    start, end = (in_file(result, d.location), in_file(result, d.end_location)) if result else \
        (d.location, d.end_location)
    props = ",".join([
        f"file={_prop(d.path)}", f"line={start.row}", f"endLine={end.row}",
        f"col={start.column}", f"endColumn={end.column}",
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
            where = label(r.notebook, d.location).rsplit(":", 1)[0]     # the line, or cell and line
            rows.append(f"| <code>{_cell(d.path)}</code> | {where} | {d.code} {d.name} "
                        f"| {_cell(d.message)} |")
    return "### shapelint\n\n" + "\n".join(rows) + "\n"


def render(results: Sequence[FileResult], run_notes: Sequence[str] = ()) -> str:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path and any(r.diagnostics for r in results):
        try:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(step_summary(results))
        except OSError:
            pass
    lines: list[str] = []
    for r in results:
        lines += [annotation(d, r) for d in r.diagnostics]
        lines += [notice(r.path, n) for n in r.all_notes]
    lines += [f"::notice title=shapelint note::{_data(n)}" for n in run_notes]
    return "\n".join(lines)
