"""The library API: check source text or files, get :class:`FileResult` back.

source file -> interpreter with Keras semantics and observers -> whole-file analyses ->
violations -> diagnostics (messages, traces, notes). A file's failure (unreadable, not
Python, analyzer bug) is a result, never a crash.
"""
from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from shapelint import fixes, traces
from shapelint.analyses import run_all
from shapelint.analyses.coverage import measure
from shapelint.analyses.untracked import UntrackedLayers
from shapelint.findings import Diagnostic, FileResult, Frame, Position, TraceEntry
from shapelint.fixes import Code
from shapelint.fixes.edits import apply as apply_edits
from shapelint.interp.budget import DEFAULT_SECONDS, Budget
from shapelint.interp.events import ContextFrame, Observer
from shapelint.interp.interpreter import Interpreter
from shapelint.interp.modules import ModuleFinder
from shapelint.interp.reporting import Issue, Positions
from shapelint.keras.events import EventLog
from shapelint.keras.semantics import KerasSemantics
from shapelint.notebooks import source_of
from shapelint.registry import BY_CODE, closest
from shapelint.source import SourceError, SourceFile
from shapelint.suppressions import Suppressions
from shapelint.traces import Traced
from shapelint.violations.base import Violation
from shapelint.violations.meta import SyntaxErrorFound, UnknownSuppression, UnreadableFile, UnusedSuppression

if TYPE_CHECKING:
    from shapelint.accounting.summary import ModelSummary

LIBRARY_ROOTS = frozenset({"keras", "tensorflow", "tf_keras"})   # how Keras reaches a file
# libcst needs ~1 KB of memory per character of source and ~0.3 ms per line: a 50,000-line
# generated model (1.9 MB) peaks at ~2 GB. Larger files are not analysed (a note says so)
# rather than exhausting the memory of an editor or a pre-commit run; the largest file of
# Keras itself is 0.45 MB (a test module), of TensorFlow 0.7 MB (generated op wrappers).
MAX_ANALYSED_CHARS = 2_500_000
UNUSED_SUPPRESSION = "SHP003"
MAX_DEFAULTS_SHOWN = 4
_EMPTY = cst.Module([])               # renders a node's code


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
    finder: ModuleFinder | None = None
    for name, level in source.imports():
        if level or name.partition(".")[0] in LIBRARY_ROOTS:
            return True
        finder = finder or ModuleFinder(source.path, roots)
        if finder.find(name) is not None:
            return True
    return False


def analyse(source: SourceFile, keras_version: int = 3, observers: tuple[Observer, ...] = (),
            roots: tuple[str, ...] = (), seconds: float | None = DEFAULT_SECONDS) -> Analysis:
    """Run the interpreter over a parsed file with Keras semantics, then the analyses.

    ``observers`` (validation's recorder, an editor's hover index) watch the run; ``roots``
    are source roots where the project's own modules are found (besides the file's own
    directory and package); ``seconds`` bounds the analysis' wall-clock time (None: no bound)."""
    module = source.module
    assert module is not None, "analyse() needs a file that parses"
    log = EventLog()
    interp = Interpreter(module, lambda host: KerasSemantics(host, keras_version), path=source.path,
                         observers=(log, *observers), positions=Positions(module, lambda: source.ranges),
                         module_roots=roots, budget=Budget(seconds))
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


def explained(issue: Issue, analysis: Analysis,
              code: Code | None) -> tuple[Violation, Traced, tuple[Frame, ...]]:
    """A finding with what the checker learns around it: its inputs' traces and histories,
    the call chain it was found in, and the facts only its code can tell (read where the
    code is this file's)."""
    interp = analysis.interpreter
    traced = traces.trace(issue.inputs, interp.locate)
    violation = issue.violation
    nested = runs_repeatedly(issue.context, analysis.log)
    if traced.history or nested:
        violation = replace(violation, history=traced.history, nested=nested)
    violation = fixes.explain(violation, _own_node(issue), code)
    return violation, traced, traces.chain(issue.context, interp.locate)


def runs_repeatedly(context: Sequence[ContextFrame], log: EventLog) -> bool:
    """Whether the code a finding is in runs more than once: in a loop pass, or in a
    function some layer call shows was called more than once."""
    if any(frame.kind == "loop" for frame in context):
        return True
    functions = {id(frame.node) for frame in context if frame.kind == "call"}
    if not functions:
        return False
    calls: dict[int, set[int]] = {}
    for frame in context:
        if frame.kind == "call":
            calls.setdefault(id(frame.node), set()).add(frame.serial)
    for call in log.layer_calls:
        for frame in call.context:
            if frame.kind == "call" and id(frame.node) in functions:
                calls[id(frame.node)].add(frame.serial)
    return any(len(serials) > 1 for serials in calls.values())


def _own_node(issue: Issue) -> cst.CSTNode | None:
    """The node of the checked file a finding is at (None for one in another module)."""
    return issue.node if issue.via is None else None


def to_diagnostic(path: str, issue: Issue, analysis: Analysis, code: Code | None = None) -> Diagnostic:
    violation, traced, chain = explained(issue, analysis, code)
    d = diagnostic(path, violation, Position(issue.start[0], issue.start[1] + 1),
                   Position(issue.end[0], issue.end[1] + 1), traced.entries)
    edits, guess = fixes.offered_edits(violation, _own_node(issue), code)
    # A guess is never safe; the rest is judged by checking the file again (check_file_source).
    applicability = ("unsafe" if guess else "unchecked") if edits else None
    d = replace(d, chain=chain, edits=edits, applicability=applicability)
    notes = tuple(n for n in (issue.via, _defaults_note(issue)) if n)
    return replace(d, notes=notes) if notes else d


_LITERALS = (cst.Integer, cst.Float, cst.Tuple, cst.List, cst.UnaryOperation)


def _defaults_note(issue: Issue) -> str | None:
    """A finding made while running a function nothing in the file calls used its defaults:
    say which sizes those were, since a caller may pass others."""
    frame = issue.context[0] if issue.context else None
    node = getattr(frame, "node", None)
    if frame is None or frame.kind != "call" or frame.call_node is not None \
            or not isinstance(node, cst.FunctionDef):
        return None
    params = (*node.params.params, *node.params.kwonly_params)
    shown = [f"{p.name.value}={_EMPTY.code_for_node(p.default)}" for p in params
             if isinstance(p.default, _LITERALS)]
    if not shown:
        return None
    return (f"found with the defaults of {node.name.value}(): {', '.join(shown[:MAX_DEFAULTS_SHOWN])}"
            " (nothing in this file calls it; a caller may pass others)")


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


# As mypy does: an analysis makes millions of small objects that live until the file is done,
# and the default young-generation collection every 700 allocations keeps rescanning them
# (quadratic in the file: 5,000 lines of layer calls took 8 s, 3 s with these thresholds).
# The middle generation is collected every 100 young collections, not 30: a 50,000-line model
# ran at 0.77 of a 5,000-line one's lines/s, 0.89 now (scripts/bench_static.py).
GC_THRESHOLDS = (200_000, 100, 30)


@contextmanager
def collecting_less() -> Iterator[None]:
    """Fewer collections while one file is analysed (:data:`GC_THRESHOLDS`)."""
    old = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def check_file_source(source: SourceFile, keras_version: int = 3, roots: tuple[str, ...] = (), *,
                      seconds: float | None = DEFAULT_SECONDS) -> FileResult:
    """Check one source file; never raises for any input. ``roots``: source roots where the
    project's own modules are found (besides the file's own directory and package).

    A finding whose fix comes with edits is checked again with the edits made: the edits
    are ``safe`` when that removes the finding and adds none (no other finding, note or
    unknown shape), ``unsafe`` when the file still parses, and dropped when it would not."""
    with collecting_less():
        result = _check(source, keras_version, roots, seconds)
        if not any(d.edits for d in result.diagnostics):
            return result
        return replace(result, diagnostics=tuple(
            _judged(d, result, source, keras_version, roots, seconds) for d in result.diagnostics))


def _judged(d: Diagnostic, before: FileResult, source: SourceFile, keras_version: int,
            roots: tuple[str, ...], seconds: float | None) -> Diagnostic:
    """The diagnostic with its edits' applicability, from checking the file they give."""
    if not d.edits:
        return d
    text = apply_edits(source.text, d.edits)
    if text is None or SourceFile(source.path, text).syntax_error is not None:
        return replace(d, edits=(), applicability=None)
    if d.applicability == "unsafe":
        return d
    after = _check(SourceFile(source.path, text), keras_version, roots, seconds)
    return replace(d, applicability="safe" if only_fixed(before, after, d) else "unsafe")


def only_fixed(before: FileResult, after: FileResult, fixed: Sequence[Diagnostic] | Diagnostic) -> bool:
    """Whether ``after`` reports what ``before`` did, less ``fixed``, and knows as much: no
    new finding (by rule and message), note, or layer call of unknown output."""
    gone = Counter((d.code, d.message) for d in ([fixed] if isinstance(fixed, Diagnostic) else fixed))
    expected = Counter((d.code, d.message) for d in before.diagnostics) - gone
    found = Counter((d.code, d.message) for d in after.diagnostics)
    return found == expected and set(after.notes) <= set(before.notes) \
        and _unknown_calls(after) <= _unknown_calls(before)


def _unknown_calls(result: FileResult) -> int:
    """Layer calls whose output shape the analysis could not work out."""
    return result.coverage.unknown if result.coverage is not None else 0


def _too_large(chars: int) -> str:
    return (f"skipped: {chars / 1e6:.1f} MB of source is more than the {MAX_ANALYSED_CHARS / 1e6:.1f} MB "
            "shapelint analyses in one file; exclude generated files like this one")


def _check(source: SourceFile, keras_version: int, roots: tuple[str, ...],
           seconds: float | None) -> FileResult:
    path, lines = source.path, source.lines
    if len(source.text) > MAX_ANALYSED_CHARS:
        return FileResult(path, (), lines, notes=(_too_large(len(source.text)),))
    err = source.syntax_error
    if err is not None:
        return FileResult(path, (_source_diagnostic(path, err),), lines)
    if not may_build_models(source, roots):
        return FileResult(path, (), lines)
    module, err = source.parse()
    if err is not None:
        return FileResult(path, (_source_diagnostic(path, err),), lines)
    assert module is not None, "parse() gives a module or the reason there is none"
    try:
        analysis = analyse(source, keras_version, roots=roots, seconds=seconds)
    except RecursionError:
        return FileResult(path, (), lines, notes=("analysis stopped: the file nests too deeply",))
    notes: list[str] = []
    diagnostics = []
    code = Code(source.text, module, source.ranges) if analysis.interpreter.issues else None
    for issue in analysis.interpreter.issues:
        try:
            diagnostics.append(to_diagnostic(path, issue, analysis, code))
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
                      dependencies=loader.dependencies() if loader is not None else (),
                      cacheable=not analysis.interpreter.budget.timed_out)


def check_source(text: str, path: str = "<stdin>", keras_version: int = 3,
                 roots: tuple[str, ...] = (), *, seconds: float | None = DEFAULT_SECONDS) -> FileResult:
    """Check Python source text; never raises for any input."""
    return check_file_source(SourceFile(path, text), keras_version, roots, seconds=seconds)


def check_bytes(data: bytes, path: str, keras_version: int = 3, roots: tuple[str, ...] = (), *,
                seconds: float | None = DEFAULT_SECONDS) -> FileResult:
    """Check raw file contents, decoding them as Python would (a ``.ipynb``: its code cells)."""
    source, notebook = source_of(data, path)
    if isinstance(source, SourceError):
        return FileResult(path, (_source_diagnostic(path, source),))
    result = check_file_source(source, keras_version, roots, seconds=seconds)
    return replace(result, notebook=notebook) if notebook is not None else result


def check_file(path: Path, display: str | None = None, keras_version: int = 3) -> FileResult:
    name = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        err = SourceError("SHP002", exc.strerror or str(exc))
        return FileResult(name, (_source_diagnostic(name, err),))
    return check_bytes(data, name, keras_version)


def summarize_source(source: SourceFile, keras_version: int = 3) -> list[ModelSummary]:
    """Model summaries for one file (empty when it cannot be parsed, or builds none)."""
    from shapelint.accounting.summary import summarize

    if source.module is None or not may_build_models(source):
        return []
    analysis = analyse(source, keras_version)
    return summarize(analysis.log, analysis.interpreter.where)


def summarize_file(path: Path, keras_version: int = 3) -> list[ModelSummary]:
    try:
        source = SourceFile.from_bytes(path.read_bytes(), str(path))
    except OSError:
        return []
    return [] if isinstance(source, SourceError) else summarize_source(source, keras_version)
