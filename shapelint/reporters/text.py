"""Human output in ruff's shape: ``path:line:col: CODE message``, source, caret, trace, fix,
and ``path: note: ...`` for what a file's analysis could not do. Everything that came from
the user's files is made printable first."""
from __future__ import annotations

import os
from typing import Sequence

import click

from shapelint.findings import Diagnostic, FileResult, Origin
from shapelint.reporters.printable import printable

TEXT_TRACE_STEPS = 4


def _header(d: Diagnostic) -> str:
    where = click.style(f"{printable(d.path)}:{d.location.row}:{d.location.column}:", bold=True)
    colour = "red" if d.severity == "error" else "yellow"
    code = click.style(d.code, fg=colour, bold=True)
    return f"{where} {code} {printable(d.message)}"


def _snippet(d: Diagnostic, lines: Sequence[str]) -> list[str]:
    row = d.location.row
    if not (1 <= row <= len(lines)):
        return []
    src = printable(lines[row - 1])     # one character for one: the caret stays aligned
    gutter = len(str(row))
    start = max(d.location.column - 1, 0)
    end = d.end_location.column - 1 if d.end_location.row == row else len(src.rstrip())
    width = max(end - start, 1)
    pad = " " * gutter
    caret = click.style("^" * width, fg="red" if d.severity == "error" else "yellow")
    name = printable(d.name)
    return [
        f"{pad} |",
        f"{row} | {src}",
        f"{pad} | {' ' * start}{caret} {click.style(name, dim=True)}",
    ]


def _trace(d: Diagnostic) -> list[str]:
    out = []
    for entry in d.trace:
        out.append(printable(f"  = trace {entry.label}: {entry.shape}"))
        steps = list(entry.steps)
        if len(steps) > TEXT_TRACE_STEPS:   # keep the nearest steps and the origin
            steps = steps[:TEXT_TRACE_STEPS - 1] + [None] + steps[-1:]
        for step in steps:
            out.append("      ..." if step is None else printable(f"      {_where(step)} {step.layer:<22} -> {step.shape}"))
    return out


def _where(step: Origin) -> str:
    """``line 12``, or ``blocks.py:12`` for a step in another module of the project."""
    where = f"line {step.row}" if step.path is None else f"{os.path.basename(step.path)}:{step.row}"
    return f"{where:<10}"


def _validation(d: Diagnostic) -> list[str]:
    """The --validate verdict, when there is one."""
    v = getattr(d, "validation", None)
    if v is None:
        return []
    colour = {"confirmed": "green", "refuted": "magenta"}.get(v.verdict, "yellow")
    verdict = printable(f"{v.verdict} ({v.reason})")
    lines = [f"  = {click.style('validation', fg=colour, bold=True)}: {verdict}"]
    if v.keras_error and v.verdict == "confirmed" and v.keras_error not in d.message:
        lines.append(f"      keras: {printable(v.keras_error)}")
    return lines


def full(results: Sequence[FileResult], checked: int) -> str:
    blocks = []
    for result in results:
        for d in result.diagnostics:
            lines = [_header(d), *_snippet(d, result.source_lines), *_trace(d),
                     *(f"  = {click.style('note', fg='cyan', bold=True)}: {printable(n)}" for n in d.notes),
                     *_validation(d)]
            if d.fix:
                lines.append(f"  = {click.style('fix', fg='green', bold=True)}: {printable(d.fix)}")
            blocks.append("\n".join(lines))
        for d in getattr(result, "withdrawn", ()):   # refuted by --validate: an analyzer bug
            blocks.append("\n".join([f"withdrawn: {_header(d)}", *_validation(d)]))
        if result.all_notes:
            blocks.append("\n".join(_notes(result)))
    return "\n\n".join(blocks) + ("\n\n" if blocks else "") + summary(results, checked)


def concise(results: Sequence[FileResult], checked: int) -> str:
    lines = [line for r in results for line in [*map(_header, r.diagnostics), *_notes(r)]]
    return "\n".join(lines + [summary(results, checked)])


def _notes(result: FileResult) -> list[str]:
    """What the analysis of a file could not do (skipped, stopped early): never a finding,
    and never in the ``path:line:col:`` shape editors jump to."""
    where = click.style(f"{printable(result.path)}:", bold=True)
    return [f"{where} {click.style('note', fg='cyan', bold=True)}: {printable(n)}" for n in result.all_notes]


def summary(results: Sequence[FileResult], checked: int) -> str:
    n = sum(len(r.diagnostics) for r in results)
    files = sum(1 for r in results if r.diagnostics)
    noun = "file" if checked == 1 else "files"
    if n == 0:
        return f"All checks passed ({checked} {noun} checked)."
    finding = "finding" if n == 1 else "findings"
    return f"Found {n} {finding} in {files} of {checked} {noun} checked."
