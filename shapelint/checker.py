"""The library API: check source text or files, get :class:`FileResult` back.

source file -> interpreter with Keras semantics and observers -> whole-file analyses ->
violations -> diagnostics (messages, traces, notes). A file's failure (unreadable, not
Python, analyzer bug) is a result, never a crash.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Optional

from shapelint.analyses import run_all
from shapelint.analyses.coverage import measure
from shapelint.analyses.untracked import UntrackedLayers
from shapelint.findings import Diagnostic, FileResult, Origin, Position, TraceEntry
from shapelint.interp.interpreter import Interpreter
from shapelint.interp.modules import ModuleFinder
from shapelint.interp.reporting import Issue, Positions
from shapelint.keras.events import EventLog
from shapelint.keras.semantics import KerasSemantics
from shapelint.notebooks import source_of
from shapelint.registry import BY_CODE, closest
from shapelint.shapes import Shape, format_shape
from shapelint.source import SourceError, SourceFile
from shapelint.suppressions import Suppressions
from shapelint.violations.base import Violation
from shapelint.violations.meta import (
    SyntaxErrorFound, UnknownSuppression, UnreadableFile, UnusedSuppression,
)

MAX_TRACE_STEPS = 6
LIBRARY_ROOTS = frozenset({"keras", "tensorflow", "tf_keras"})   # how Keras reaches a file
# libcst needs ~1 KB of memory per character of source and ~0.3 ms per line: a 50,000-line
# generated model (1.9 MB) peaks at ~2 GB. Larger files are not analysed (a note says so)
# rather than exhausting the memory of an editor or a pre-commit run; the largest file of
# Keras itself is 0.45 MB (a test module), of TensorFlow 0.7 MB (generated op wrappers).
MAX_ANALYSED_CHARS = 2_500_000
UNUSED_SUPPRESSION = "SHP003"


@dataclass
class Analysis:
    """One file analysed: the interpreter (issues, positions, notes) and its event log."""

    interpreter: Interpreter
    log: EventLog

    @property
    def notes(self) -> list[str]:
        """What the analysis could not do, for the user: never findings."""
        interp = self.interpreter
        notes = list(interp.internal_errors)
        notes += [f"analysis gave up on {what}" for what in interp.abandoned]
        return notes


def may_build_models(source: SourceFile, roots: tuple[str, ...] = ()) -> bool:
    """Only a file that imports Keras (in any spelling) or one of the project's own modules
    can build a model or feed one: any other file costs a parse, never an analysis (a file
    that names Keras only in its docstring takes milliseconds)."""
    finder: Optional[ModuleFinder] = None
    for name, level in source.imports():
        if level or name.partition(".")[0] in LIBRARY_ROOTS:
            return True
        finder = finder or ModuleFinder(source.path, roots)
        if finder.find(name) is not None:
            return True
    return False


def analyse(source: SourceFile, keras_version: int = 3, observers: tuple = (),
            roots: tuple[str, ...] = ()) -> Analysis:
    """Run the interpreter over a parsed file with Keras semantics, then the analyses.

    ``observers`` (validation's recorder, an editor's hover index) watch the run; ``roots``
    are source roots where the project's own modules are found (besides the file's own
    directory and package)."""
    module = source.module
    assert module is not None, "analyse() needs a file that parses"
    log = EventLog()
    interp = Interpreter(module, lambda host: KerasSemantics(host, keras_version), path=source.path,
                         observers=(log, *observers), positions=Positions(module, lambda: source.ranges),
                         module_roots=roots)
    interp.subscribe(UntrackedLayers(interp))
    interp.run_module()
    try:
        run_all(log, interp)
    except Exception as exc:  # an analysis bug must not lose the file's other findings
        interp.internal_errors.append(f"analyses: {type(exc).__name__}: {exc}")
    return Analysis(interp, log)


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


def _shape_text(value: Any) -> str:
    shape = getattr(value, "shape", None)
    return format_shape(shape) if isinstance(shape, Shape) else "(dataset)"


def _trace(label: str, value: Any) -> TraceEntry:
    """Where a tensor or an array came from: the calls that produced it, nearest first."""
    steps = []
    seen = set()
    current = value
    while current is not None and getattr(current, "producer", None) is not None \
            and len(steps) < MAX_TRACE_STEPS:
        p = current.producer
        if id(p) in seen:
            break
        seen.add(id(p))
        steps.append(Origin(p.row, p.column + 1, p.layer, _shape_text(current), _display(p.path)))
        current = p.inputs[0] if p.inputs else None
    return TraceEntry(label, _shape_text(value), tuple(steps))


def _display(path: Optional[str]) -> Optional[str]:
    """A project module's path as the user reaches it: relative to the working directory
    when it is below it."""
    if path is None:
        return None
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def to_diagnostic(path: str, issue: Issue) -> Diagnostic:
    trace = tuple(_trace(label, t) for label, t in issue.inputs if hasattr(t, "producer"))
    d = diagnostic(path, issue.violation, Position(issue.start[0], issue.start[1] + 1),
                   Position(issue.end[0], issue.end[1] + 1), trace)
    return replace(d, notes=(issue.via,)) if issue.via else d


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


def _too_large(chars: int) -> str:
    return (f"skipped: {chars / 1e6:.1f} MB of source is more than the {MAX_ANALYSED_CHARS / 1e6:.1f} MB "
            "shapelint analyses in one file; exclude generated files like this one")


def check_file_source(source: SourceFile, keras_version: int = 3, roots: tuple[str, ...] = ()) -> FileResult:
    """Check one source file; never raises for any input. ``roots``: source roots where the
    project's own modules are found (besides the file's own directory and package)."""
    path, lines = source.path, source.lines
    if len(source.text) > MAX_ANALYSED_CHARS:
        return FileResult(path, (), lines, notes=(_too_large(len(source.text)),))
    err = source.syntax_error
    if err is not None:
        return FileResult(path, (_source_diagnostic(path, err),), lines)
    if not may_build_models(source, roots):
        return FileResult(path, (), lines)
    module, err = source.parse()
    if err is not None or module is None:
        return FileResult(path, (_source_diagnostic(path, err),), lines)  # type: ignore[arg-type]
    try:
        analysis = analyse(source, keras_version, roots=roots)
    except RecursionError:
        return FileResult(path, (), lines, notes=("analysis stopped: the file nests too deeply",))
    notes: list[str] = []
    diagnostics = []
    for issue in analysis.interpreter.issues:
        try:
            diagnostics.append(to_diagnostic(path, issue))
        except Exception as exc:  # a message bug must not lose the run
            notes.append(f"line {issue.start[0]}: could not render {issue.code}: {exc!r}")
    notes.extend(analysis.notes)
    suppressions = source.suppressions
    kept = [d for d in diagnostics if not suppressions.covers(d.code, d.location.row)]
    if not notes:   # an incomplete analysis cannot tell which suppressions are unused
        kept += [d for d in unused_suppressions(path, suppressions)
                 if not suppressions.covers(d.code, d.location.row, blanket=False)]
    kept.sort(key=lambda d: (d.location.row, d.location.column, d.code))
    coverage = measure(analysis.log, analysis.interpreter.where,
                       frozenset(analysis.interpreter.reporter.nodes))
    loader = analysis.interpreter.loader
    return FileResult(path, tuple(kept), lines, notes=tuple(notes), coverage=coverage,
                      dependencies=loader.dependencies() if loader is not None else ())


def check_source(text: str, path: str = "<stdin>", keras_version: int = 3,
                 roots: tuple[str, ...] = ()) -> FileResult:
    """Check Python source text; never raises for any input."""
    return check_file_source(SourceFile(path, text), keras_version, roots)


def check_bytes(data: bytes, path: str, keras_version: int = 3, roots: tuple[str, ...] = ()) -> FileResult:
    """Check raw file contents, decoding them as Python would (a ``.ipynb``: its code cells)."""
    source, notebook = source_of(data, path)
    if isinstance(source, SourceError):
        return FileResult(path, (_source_diagnostic(path, source),))
    result = check_file_source(source, keras_version, roots)
    return replace(result, notebook=notebook) if notebook is not None else result


def check_file(path: Path, display: Optional[str] = None, keras_version: int = 3) -> FileResult:
    name = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        err = SourceError("SHP002", exc.strerror or str(exc))
        return FileResult(name, (_source_diagnostic(name, err),))
    return check_bytes(data, name, keras_version)


def summarize_source(source: SourceFile, keras_version: int = 3) -> list[Any]:
    """Model summaries for one file (empty when it cannot be parsed, or builds none)."""
    from shapelint.accounting.summary import summarize

    if source.module is None or not may_build_models(source):
        return []
    analysis = analyse(source, keras_version)
    return summarize(analysis.log, analysis.interpreter.where)


def summarize_file(path: Path, keras_version: int = 3) -> list[Any]:
    try:
        source = SourceFile.from_bytes(path.read_bytes(), str(path))
    except OSError:
        return []
    return [] if isinstance(source, SourceError) else summarize_source(source, keras_version)
