"""The library API: check source text or files, get :class:`FileResult` back.

source -> resolution + interpretation -> issues -> diagnostics (messages, traces).
A file's failure (unreadable, not Python, analyzer bug) is a result, never a crash.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Optional

import libcst as cst

from shapelint.analyses import run_all
from shapelint.findings import Diagnostic, FileResult, Origin, Position, TraceEntry
from shapelint.interp.interpreter import Interpreter, Issue
from shapelint.interp.values import Tensor
from shapelint.registry import BY_CODE, closest
from shapelint.shapes import format_shape
from shapelint.source import SourceError, check_syntax, decode, mentions_keras, parse
from shapelint.suppressions import Suppressions, parse_suppressions
from shapelint.violations.base import Violation
from shapelint.violations.meta import (
    SyntaxErrorFound, UnknownSuppression, UnreadableFile, UnusedSuppression,
)

MAX_TRACE_STEPS = 6
UNUSED_SUPPRESSION = "SHP003"


class Analysis:
    """What the interpreter saw in one file: issues, plus diagnostics about the run itself."""

    def __init__(self, interpreter: Optional[Interpreter]):
        self.interpreter = interpreter

    @property
    def issues(self) -> list[Issue]:
        return self.interpreter.issues if self.interpreter else []

    @property
    def internal_errors(self) -> list[str]:
        return self.interpreter.internal_errors if self.interpreter else []


def analyse_module(module: cst.Module, path: str, keras_version: int = 3) -> Interpreter:
    interp = Interpreter(module, path=path, keras_version=keras_version)
    interp.run_module(module)
    try:
        run_all(interp)
    except Exception as exc:  # an analysis bug must not lose the file's other findings
        interp.internal_errors.append(f"analyses: {type(exc).__name__}: {exc}")
    return interp


def diagnostic(path: str, violation: Violation, start: Position, end: Position,
               trace: tuple[TraceEntry, ...] = ()) -> Diagnostic:
    """A violation as users see it: its rule, its words, where, and the trace."""
    rule = BY_CODE[violation.code]
    return Diagnostic(path=path, code=rule.code, name=rule.name, severity=rule.severity,
                      message=violation.message(), location=start, end_location=end, trace=trace,
                      fix=violation.fix(), url=rule.url, claims=violation.claims())


def _source_diagnostic(path: str, err: SourceError) -> Diagnostic:
    violation: Violation = SyntaxErrorFound(reason=err.message) if err.code == "SHP001" \
        else UnreadableFile(reason=err.message)
    pos = Position(err.row, err.column)
    return diagnostic(path, violation, pos, pos)


def _trace(label: str, tensor: Tensor) -> TraceEntry:
    steps = []
    seen = set()
    current: Optional[Tensor] = tensor
    while current is not None and current.producer is not None and len(steps) < MAX_TRACE_STEPS:
        p = current.producer
        if id(p) in seen:
            break
        seen.add(id(p))
        steps.append(Origin(p.row, p.column + 1, p.layer, format_shape(current.shape)))
        current = p.inputs[0] if p.inputs else None
    return TraceEntry(label, format_shape(tensor.shape), tuple(steps))


def to_diagnostic(path: str, issue: Issue) -> Diagnostic:
    trace = tuple(_trace(label, t) for label, t in issue.inputs if isinstance(t, Tensor))
    return diagnostic(path, issue.violation, Position(issue.start[0], issue.start[1] + 1),
                      Position(issue.end[0], issue.end[1] + 1), trace)


# Suppressions of these codes cannot be judged by the static pass: meta rules, and
# build errors that only `check --validate` reports.
_NOT_JUDGED = {"SHP001", "SHP002", UNUSED_SUPPRESSION, "SHP901"}


def unused_suppressions(path: str, suppressions: Suppressions) -> list[Diagnostic]:
    """SHP003 for each suppressed code that silenced nothing, and each unknown one."""
    out = []
    for c in suppressions.comments:
        found: list[Violation] = [
            UnusedSuppression(suppressed=code, rule_name=BY_CODE[code].name if code in BY_CODE else "",
                              file_wide=c.file_wide)
            for code in c.unused_codes() if code not in _NOT_JUDGED]
        found += [UnknownSuppression(name=name, hint=closest(name)) for name in c.unknown]
        out += [diagnostic(path, v, Position(c.row, c.column + 1), Position(c.row, c.end_column + 1))
                for v in found]
    return out


def check_source(text: str, path: str = "<stdin>", keras_version: int = 3) -> FileResult:
    """Check Python source text; never raises for any input."""
    lines = tuple(text.splitlines())
    err = check_syntax(text, path)
    if err is not None:
        return FileResult(path, (_source_diagnostic(path, err),), lines)
    if not mentions_keras(text):
        return FileResult(path, (), lines)
    module, err = parse(text)
    if err is not None or module is None:
        return FileResult(path, (_source_diagnostic(path, err),), lines)  # type: ignore[arg-type]
    notes: list[str] = []
    try:
        interp = analyse_module(module, path, keras_version)
    except RecursionError:
        return FileResult(path, (), lines, notes=("analysis stopped: the file nests too deeply",))
    diagnostics = []
    for issue in interp.issues:
        try:
            diagnostics.append(to_diagnostic(path, issue))
        except Exception as exc:  # a message bug must not lose the run
            notes.append(f"line {issue.start[0]}: could not render {issue.code}: {exc!r}")
    notes.extend(interp.internal_errors)
    if interp.stopped:
        notes.append(f"analysis stopped early: {interp.stopped}")
    suppressions = parse_suppressions(text)
    kept = [d for d in diagnostics if not suppressions.covers(d.code, d.location.row)]
    if not notes:   # an incomplete analysis cannot tell which suppressions are unused
        kept += [d for d in unused_suppressions(path, suppressions)
                 if not suppressions.covers(d.code, d.location.row, blanket=False)]
    kept.sort(key=lambda d: (d.location.row, d.location.column, d.code))
    return FileResult(path, tuple(kept), lines, notes=tuple(notes))


def check_bytes(data: bytes, path: str, keras_version: int = 3) -> FileResult:
    """Check raw file contents, decoding them as Python would."""
    text, err = decode(data)
    if err is not None or text is None:
        return FileResult(path, (_source_diagnostic(path, err),))  # type: ignore[arg-type]
    return check_source(text, path, keras_version)


def check_file(path: Path, display: Optional[str] = None, keras_version: int = 3) -> FileResult:
    name = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        err = SourceError("SHP002", exc.strerror or str(exc))
        return FileResult(name, (_source_diagnostic(name, err),))
    return check_bytes(data, name, keras_version)


def summarize_file(path: Path, keras_version: int = 3) -> list:
    """Model summaries for one file (empty when it cannot be read, parsed, or builds none)."""
    from shapelint.accounting.summary import summarize

    try:
        text, err = decode(path.read_bytes())
    except OSError:
        return []
    if text is None or check_syntax(text, str(path)) is not None or not mentions_keras(text):
        return []
    module, err = parse(text)
    if module is None:
        return []
    return summarize(analyse_module(module, str(path), keras_version))


PARALLEL_THRESHOLD = 16   # below this many files a process pool costs more than it saves


def check_many(files: list[Path], keras_version: int = 3, jobs: int = 0) -> list[FileResult]:
    """Check files in order; in worker processes when there are many (``jobs=0``: auto)."""
    workers = jobs or (os.cpu_count() or 1)
    if workers <= 1 or (jobs == 0 and len(files) < PARALLEL_THRESHOLD):
        return [check_file(p, keras_version=keras_version) for p in files]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(partial(check_file, keras_version=keras_version), files, chunksize=8))
