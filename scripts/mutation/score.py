"""Run shapelint on the unmutated and mutated code and score it against the builds.

shapelint is run as users run it (``shapelint.checker.check_source``, no validation), twice
over: on the mutated *file* itself, at its real path so that its project-module resolution
sees the real siblings, and on each *driver* (overlay.py), the script that builds one of the
mutant's models with the mutated package as its project modules. Each lint is compared with
the same lint of the unmutated code: a finding is *new* when its (code, message) is not among
the unmutated one's.
- recall: mutants that raise and get a new error-severity finding in either lint (anywhere /
  within 2 lines of the edit: a file finding by its row, a driver finding by the
  ``raised in f() (file.py:N)`` note that locates it in the mutated file);
- false alarm: a mutant that builds and gets any new finding in either lint;
- crash: check_source raising, or a note that reports an analyzer exception.
For a missed mutant, ``probe`` says what the analysis saw where Keras raised; it reads the
interpreter's layer calls (an internal API), so it is best-effort and never affects scores.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field

INTERNAL_NOTE = re.compile(r"\b\w*(Error|Exception)\b: |could not render")
RAISED_IN = re.compile(r"\(([^()\s]+):(\d+)\), called here")
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
        {
            "code": d.code,
            "name": d.name,
            "severity": d.severity,
            "row": d.location.row,
            "message": d.message,
            "notes": list(d.notes),
        }
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
class Lint:
    """One way of linting a mutant, with the same lint of the unmutated code."""

    kind: str  # "file" (the mutated file itself) or "driver"
    mutant: LintResult
    baseline: LintResult
    entry: str | None = None  # a driver's build call


def row_in_mutated_file(finding: dict, kind: str, filename: str) -> int | None:
    """Where in the mutated file a finding was raised, when it was raised there: a file
    lint's row, or the file and line that a driver's ``raised in`` note names."""
    if kind == "file":
        return finding["row"]
    for note in finding.get("notes", ()):
        m = RAISED_IN.search(note)
        if m and m.group(1) == filename:
            return int(m.group(2))
    return None


@dataclass
class Verdict:
    lints: list[dict] = field(default_factory=list)  # per lint: kind, entry, new, detected, near
    detected: bool = False  # a new error-severity finding anywhere, in any lint
    detected_near: bool = False  # ... raised within NEAR lines of the edit
    false_alarm: bool = False
    found_by: list[str] = field(default_factory=list)  # the kinds of lint that detected it

    @property
    def new(self) -> list[dict]:
        return [f for x in self.lints for f in x["new"]]


def judge(outcome: str, line: int, end_line: int, lints: list[Lint], filename: str) -> Verdict:
    """Score a mutant of the file named ``filename`` (its base name) over all its lints."""
    v = Verdict()
    for x in lints:
        new = new_findings(x.mutant, x.baseline)
        errors = [f for f in new if f["severity"] == "error"]
        rows = [row_in_mutated_file(f, x.kind, filename) for f in errors]
        near = any(r is not None and line - NEAR <= r <= end_line + NEAR for r in rows)
        v.lints.append({"kind": x.kind, "entry": x.entry, "new": new, "errors": bool(errors), "near": near})
    if outcome == "raises":
        v.detected = any(x["errors"] for x in v.lints)
        v.detected_near = any(x["near"] for x in v.lints)
        v.found_by = sorted({x["kind"] for x in v.lints if x["errors"]})
    elif outcome == "builds":
        v.false_alarm = any(x["new"] for x in v.lints)
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
    except ImportError:  # before the SourceFile API
        import libcst as cst

        from shapelint.checker import analyse_module

        interp = analyse_module(cst.parse_module(text), path)
        return interp, interp.layer_calls
    analysis = analyse(SourceFile(path, text))
    return analysis.interpreter, analysis.log.layer_calls


PROBE_ORDER = (
    "input shape fully known",
    "input shape partly known",
    "input shape unknown rank",
    "no layer call analysed there",
)


def _same_file(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and os.path.realpath(a) == os.path.realpath(b)


def probe(text: str, path: str, line: int, target: str | None = None) -> str:
    """What the analysis of this text knew at a line of ``target`` (default: the checked
    file; a driver probes a line of a package module): no layer call there, or the inputs of
    the layer calls there (fully known / partly known / unknown rank)."""
    try:
        interpreter, calls = _layer_calls(text, path)
        locate = getattr(interpreter, "locate", None)
        seen = []
        for call in calls:
            if locate is not None:
                where, ((start, _), (end, _)) = locate(call.node)
                here = _same_file(where or path, target or path)
            else:
                (start, _), (end, _) = interpreter.where(call.node)
                here = target is None
            if here and start <= line <= end:
                seen.append(f"input shape {_knowledge(call.input_shapes)}")
        return best_probe(seen)
    except Exception as exc:  # the probe is a diagnostic only
        return f"probe failed: {type(exc).__name__}: {exc}"


def best_probe(labels: list[str]) -> str:
    """The most the analysis knew, over several probes of one line."""
    for label in PROBE_ORDER:
        if label in labels:
            return label
    return labels[0] if labels else PROBE_ORDER[-1]
