"""Human output in ruff's shape: ``path:line:col: CODE message`` (``path:cell 3:2:5:`` in a
notebook), source, caret, trace, fix, and ``path: note: ...`` for what a file's analysis could
not do. Everything that came from the user's files is made printable first."""
from __future__ import annotations

import os
from collections.abc import Sequence

import click

from shapelint.findings import Diagnostic, FileResult, Frame, NotebookIndex, Origin, Position
from shapelint.reporters.locations import in_cell, label
from shapelint.reporters.printable import printable
from shapelint.reporters.validated import verdict, withdrawn


def _header(d: Diagnostic, notebook: NotebookIndex | None = None) -> str:
    where = click.style(f"{printable(d.path)}:{label(notebook, d.location)}:", bold=True)
    colour = "red" if d.severity == "error" else "yellow"
    code = click.style(d.code, fg=colour, bold=True)
    mark = f"{click.style('[*]', fg='cyan', bold=True)} " if d.edits and d.applicability == "safe" else ""
    return f"{where} {code} {mark}{printable(d.message)}"


def _snippet(d: Diagnostic, lines: Sequence[str], notebook: NotebookIndex | None = None) -> list[str]:
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


def _trace(d: Diagnostic, notebook: NotebookIndex | None = None) -> list[str]:
    """Each input's history: a line per step (with what it did to an uneven size, and the
    calls it ran in when they differ from the line before's), the shape-preserving steps
    between two shown ones as a count, and where it joins another input's history."""
    out = []
    for entry in d.trace:
        out.append(printable(f"  = trace {entry.label}: {entry.shape}"))
        context = d.chain
        for step in entry.steps:
            if step.kept:
                n = len(step.kept)
                out.append(printable(f"      ({n} step{'s' if n > 1 else ''} that keep{'' if n > 1 else 's'} "
                                     f"the shape: {', '.join(dict.fromkeys(step.kept))})"))
            extra = [step.note] if step.note else []
            if step.chain != context:
                extra.append(describe_chain(step.chain, notebook) or "at the top level")
                context = step.chain
            tail = f"  {'; '.join(extra)}" if extra else ""
            out.append(printable(f"      {_where(step, notebook)} {step.layer:<22} -> {step.shape}{tail}"))
        if entry.meets:
            out.append(printable(f"      (joins the history of {entry.meets})"))
        elif entry.truncated:
            out.append("      (earlier steps not shown)")
    return out


def describe_chain(chain: Sequence[Frame], notebook: NotebookIndex | None = None) -> str:
    """``in decoder_block(), called at line 31 from build_unet(), called at line 48``, with
    the loop passes on the way (``in pass 3 of the loop at line 15``)."""
    parts: list[str] = []
    for frame in chain:
        where = _place(frame.row, frame.column, frame.path, notebook)
        if frame.kind == "call":
            parts.append(f"{'from' if parts else 'in'} {frame.name}(), called at {where}")
        elif frame.kind == "uncalled":
            parts.append(f"{'from' if parts else 'in'} {frame.name}() (defined at {where}, never "
                         f"called: its arguments are its defaults, or unknown)")
        else:
            parts.append(f"in pass {frame.index} of the loop at {where}")
    return " ".join(parts)


def _place(row: int, column: int, path: str | None, notebook: NotebookIndex | None) -> str:
    if path is not None:
        return f"{os.path.basename(path)}:{row}"
    cell, at = in_cell(notebook, Position(row, column))
    return f"line {row}" if cell is None else f"cell {cell}:{at.row}"


def _where(step: Origin, notebook: NotebookIndex | None = None) -> str:
    """``line 12``, ``cell 3:2`` in a notebook, or ``blocks.py:12`` for a step in another
    module of the project."""
    return f"{_place(step.row, step.column, step.path, notebook):<10}"


def _validation(d: Diagnostic) -> list[str]:
    """The --validate verdict, when there is one."""
    v = verdict(d)
    if v is None:
        return []
    colour = {"confirmed": "green", "refuted": "magenta"}.get(v.verdict, "yellow")
    said = printable(f"{v.verdict} ({v.reason})")
    lines = [f"  = {click.style('validation', fg=colour, bold=True)}: {said}"]
    if v.keras_error and v.verdict == "confirmed" and v.keras_error not in d.message:
        lines.append(f"      keras: {printable(v.keras_error)}")
    return lines


def full(results: Sequence[FileResult], run_notes: Sequence[str] = ()) -> str:
    blocks = []
    for result in results:
        nb = result.notebook
        for d in result.diagnostics:
            where = [printable(f"  = {describe_chain(d.chain, nb)}")] if d.chain else []
            lines = [_header(d, nb), *_snippet(d, result.source_lines, nb), *where, *_trace(d, nb),
                     *(f"  = {click.style('note', fg='cyan', bold=True)}: {printable(n)}" for n in d.notes),
                     *_validation(d)]
            if d.fix:
                lines.append(f"  = {click.style('fix', fg='green', bold=True)}: {printable(d.fix)}")
            blocks.append("\n".join(lines))
        for d in withdrawn(result):   # refuted by --validate: an analyzer bug
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
    found = f"Found {n} {finding} in {files} of {checked} {noun} checked."
    safe = sum(1 for r in results for d in r.diagnostics if d.edits and d.applicability == "safe")
    unsafe = sum(1 for r in results for d in r.diagnostics if d.edits and d.applicability == "unsafe")
    if not (safe or unsafe):
        return found
    hidden = (f" ({unsafe} hidden fix{'es' if unsafe > 1 else ''} can be enabled with the "
              f"`--unsafe-fixes` option)" if unsafe else "")
    if not safe:
        return found + f"\nNo fixes available{hidden}."
    return found + f"\n[*] {safe} fixable with the `--fix` option{hidden}."
