"""Human output in ruff's shape: ``path:line:col: CODE message`` (``path:cell 3:2:5:`` in a
notebook), source, caret, trace, fix, and ``path: note: ...`` for what a file's analysis could
not do. Everything that came from the user's files is made printable first."""
from __future__ import annotations

import os
from typing import Optional, Sequence

import click

from shapelint.findings import Diagnostic, FileResult, NotebookIndex, Origin, Position
from shapelint.reporters.locations import in_cell, label
from shapelint.reporters.printable import printable

TEXT_TRACE_STEPS = 4


def _header(d: Diagnostic, notebook: Optional[NotebookIndex] = None) -> str:
    where = click.style(f"{printable(d.path)}:{label(notebook, d.location)}:", bold=True)
    colour = "red" if d.severity == "error" else "yellow"
    code = click.style(d.code, fg=colour, bold=True)
    return f"{where} {code} {printable(d.message)}"


def _snippet(d: Diagnostic, lines: Sequence[str], notebook: Optional[NotebookIndex] = None) -> list[str]:
    row = d.location.row
    if not (1 <= row <= len(lines)):
        return []
    src = printable(lines[row - 1])     # one character for one: the caret stays aligned
    shown = in_cell(notebook, d.location)[1].row     # a notebook's rows count in the cell
    gutter = len(str(shown))
    start = max(d.location.column - 1, 0)
    end = d.end_location.column - 1 if d.end_location.row == row else len(src.rstrip())
    width = max(end - start, 1)
    pad = " " * gutter
    caret = click.style("^" * width, fg="red" if d.severity == "error" else "yellow")
    name = printable(d.name)
    return [
        f"{pad} |",
        f"{shown} | {src}",
        f"{pad} | {' ' * start}{caret} {click.style(name, dim=True)}",
    ]


def _trace(d: Diagnostic, notebook: Optional[NotebookIndex] = None) -> list[str]:
    out = []
    for entry in d.trace:
        out.append(printable(f"  = trace {entry.label}: {entry.shape}"))
        steps: list[Optional[Origin]] = list(entry.steps)
        if len(steps) > TEXT_TRACE_STEPS:   # keep the nearest steps and the origin
            steps = steps[:TEXT_TRACE_STEPS - 1] + [None] + steps[-1:]
        for step in steps:
            out.append("      ..." if step is None
                       else printable(f"      {_where(step, notebook)} {step.layer:<22} -> {step.shape}"))
    return out


def _where(step: Origin, notebook: Optional[NotebookIndex] = None) -> str:
    """``line 12``, ``cell 3:2`` in a notebook, or ``blocks.py:12`` for a step in another
    module of the project."""
    if step.path is not None:
        where = f"{os.path.basename(step.path)}:{step.row}"
    else:
        cell, at = in_cell(notebook, Position(step.row, step.column))
        where = f"line {step.row}" if cell is None else f"cell {cell}:{at.row}"
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


def full(results: Sequence[FileResult], run_notes: Sequence[str] = ()) -> str:
    blocks = []
    for result in results:
        nb = result.notebook
        for d in result.diagnostics:
            lines = [_header(d, nb), *_snippet(d, result.source_lines, nb), *_trace(d, nb),
                     *(f"  = {click.style('note', fg='cyan', bold=True)}: {printable(n)}" for n in d.notes),
                     *_validation(d)]
            if d.fix:
                lines.append(f"  = {click.style('fix', fg='green', bold=True)}: {printable(d.fix)}")
            blocks.append("\n".join(lines))
        for d in getattr(result, "withdrawn", ()):   # refuted by --validate: an analyzer bug
            blocks.append("\n".join([f"withdrawn: {_header(d, nb)}", *_validation(d)]))
        if result.all_notes:
            blocks.append("\n".join(notes(result)))
    if run_notes:
        blocks.append("\n".join(_run_notes(run_notes)))
    return "\n\n".join(blocks)


def concise(results: Sequence[FileResult], run_notes: Sequence[str] = ()) -> str:
    return "\n".join([*(line for r in results
                       for line in [*(_header(d, r.notebook) for d in r.diagnostics), *notes(r)]),
                     *_run_notes(run_notes)])


def _run_notes(run_notes: Sequence[str]) -> list[str]:
    """The run's own notes: ``note: ...``, after every file's."""
    return [f"{click.style('note', fg='cyan', bold=True)}: {printable(n)}" for n in run_notes]


def notes(result: FileResult) -> list[str]:
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
