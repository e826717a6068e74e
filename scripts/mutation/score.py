"""Run shapelint on the unmutated and mutated files and score it against the builds.

shapelint is run as users run it (``shapelint.checker.check_source``, no validation), with
the file's real path so that its project-module resolution sees the real siblings.
A finding is *new* when its (code, message) is not among the unmutated file's findings.
- recall: mutants that raise and get a new error-severity finding (anywhere / within 2 lines
  of the edit);
- false alarm: a mutant that builds and gets any new finding;
- crash: check_source raising, or a note that reports an analyzer exception.
For a missed mutant, ``probe`` says what the analysis saw where Keras raised; it reads the
interpreter's layer calls (an internal API), so it is best-effort and never affects scores.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field

INTERNAL_NOTE = re.compile(r"\b\w*(Error|Exception)\b: |could not render")
NEAR = 2


@dataclass
class LintResult:
    findings: list[dict]
    notes: list[str]
    seconds: float
    lines: int
    crash: str | None = None

    @property
    def internal_notes(self) -> list[str]:
        return [n for n in self.notes if INTERNAL_NOTE.search(n)]


def lint(text: str, path: str) -> LintResult:
    from shapelint.checker import check_source

    t0 = time.perf_counter()
    try:
        result = check_source(text, path)
    except Exception as exc:  # check_source promises never to raise: this is a crash
        return LintResult(
            [], [], time.perf_counter() - t0, text.count("\n") + 1, f"{type(exc).__name__}: {exc}"
        )
    seconds = time.perf_counter() - t0
    findings = [
        {"code": d.code, "name": d.name, "severity": d.severity, "row": d.location.row, "message": d.message}
        for d in result.diagnostics
    ]
    return LintResult(findings, list(result.notes), seconds, len(result.source_lines))


def new_findings(mutant: LintResult, baseline: LintResult) -> list[dict]:
    """Findings of the mutant beyond the baseline's (compared as a multiset of code+message)."""
    left = Counter((f["code"], f["message"]) for f in baseline.findings)
    out = []
    for f in mutant.findings:
        key = (f["code"], f["message"])
        if left[key]:
            left[key] -= 1
        else:
            out.append(f)
    return out


@dataclass
class Verdict:
    new: list[dict] = field(default_factory=list)
    detected: bool = False  # a new error-severity finding anywhere
    detected_near: bool = False  # ... within NEAR lines of the edit
    false_alarm: bool = False


def judge(outcome: str, line: int, end_line: int, mutant: LintResult, baseline: LintResult) -> Verdict:
    new = new_findings(mutant, baseline)
    errors = [f for f in new if f["severity"] == "error"]
    v = Verdict(new=new)
    if outcome == "raises":
        v.detected = bool(errors)
        v.detected_near = any(line - NEAR <= f["row"] <= end_line + NEAR for f in errors)
    elif outcome == "builds":
        v.false_alarm = bool(new)
    return v


def raise_site(frames: list) -> tuple[str | None, int | None]:
    """The innermost (file, line) of the package's code on the traceback of Keras's error."""
    return (frames[-1][0], frames[-1][1]) if frames else (None, None)


def _knowledge(shapes) -> str:
    shapes = shapes if isinstance(shapes, (list, tuple)) else [shapes]
    dims = [getattr(s, "dims", None) for s in shapes]
    if any(d is None for d in dims):
        return "unknown rank"
    if all(isinstance(x, int) and not isinstance(x, bool) for d in dims for x in d[1:]):
        return "fully known"
    return "partly known"


def _layer_calls(text: str, path: str):
    """The interpreter and its layer calls, through whichever analysis API this shapelint has."""
    try:
        from shapelint.checker import analyse
        from shapelint.source import SourceFile
    except ImportError:   # before the SourceFile API
        import libcst as cst

        from shapelint.checker import analyse_module

        interp = analyse_module(cst.parse_module(text), path)
        return interp, interp.layer_calls
    analysis = analyse(SourceFile(path, text))
    return analysis.interpreter, analysis.log.layer_calls


def probe(text: str, path: str, line: int) -> str:
    """What the analysis of this text knew at a line: no layer call there, or the inputs of
    the layer calls there (fully known / partly known / unknown rank)."""
    try:
        interpreter, calls = _layer_calls(text, path)
        seen = []
        for call in calls:
            (start, _), (end, _) = interpreter.where(call.node)
            if start <= line <= end:
                seen.append(_knowledge(call.input_shapes))
        if not seen:
            return "no layer call analysed there"
        for label in ("fully known", "partly known", "unknown rank"):
            if label in seen:
                return f"input shape {label}"
        return seen[0]
    except Exception as exc:  # the probe is a diagnostic only
        return f"probe failed: {type(exc).__name__}: {exc}"
