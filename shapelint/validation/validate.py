"""The ``--validate`` pipeline: static facts -> build program -> worker -> verdicts.

Files are built one after another in one TensorFlow worker; each comes back as a
:class:`~shapelint.validation.verdicts.ValidatedFileResult`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Optional

from shapelint.findings import FileResult
from shapelint.source import decode, mentions_keras
from shapelint.suppressions import parse_suppressions
from shapelint.validation.agreement import compare
from shapelint.validation.program import BuildProgram, build_program
from shapelint.validation.runner import DEFAULT_TIMEOUT, BuildOutcome, BuildRunner
from shapelint.validation.static_facts import StaticFacts, collect
from shapelint.validation.verdicts import ValidatedFileResult, judge

_NOT_BUILDABLE = {"SHP001", "SHP002"}


@dataclass
class Job:
    result: FileResult
    text: str
    facts: Optional[StaticFacts]
    program: BuildProgram
    outcome: Optional[BuildOutcome] = None


def _source(result: FileResult) -> tuple[str, str]:
    """(text, absolute filename) of a checked file; stdin falls back to its kept lines."""
    path = Path(result.path)
    if path.is_file():
        text, _ = decode(path.read_bytes())
        if text is not None:
            return text, str(path.resolve())
    return "\n".join(result.source_lines) + "\n", os.path.abspath(result.path or "stdin.py")


def prepare(result: FileResult, keras_version: int = 3) -> Optional[Job]:
    """The job for one checked file, or None when there is nothing to build."""
    if any(d.code in _NOT_BUILDABLE for d in result.diagnostics):
        return None
    text, filename = _source(result)
    if not mentions_keras(text):
        return None
    facts = collect(text, result.path, keras_version)
    return Job(result, text, facts, build_program(text, facts, result.path, filename))


def finish(job: Optional[Job], result: FileResult, keep: Callable[[str, str], bool]) -> FileResult:
    """The file's result with verdicts, SHP901 findings, withdrawals and disagreements."""
    if job is None:
        return result
    suppressions = parse_suppressions(job.text)
    judged = judge(result, job.program, job.outcome,
                   suppressed=lambda code, row: not keep(code, result.path) or suppressions.covers(code, row))
    disagreements: tuple = ()
    if job.outcome is not None and job.facts is not None and job.outcome.calls:
        disagreements = tuple(compare(job.facts.calls, job.outcome.calls))
    diagnostics = sorted(judged.kept + judged.added,
                         key=lambda d: (d.location.row, d.location.column, d.code))
    notes = [*result.notes, *judged.notes, *(f"validation: shape disagreement at {d}" for d in disagreements)]
    return ValidatedFileResult(result.path, tuple(diagnostics), result.source_lines, tuple(notes),
                               withdrawn=tuple(judged.withdrawn), disagreements=disagreements,
                               outcome=job.outcome)


def validate_results(results: Iterable[FileResult], timeout: float = DEFAULT_TIMEOUT,
                     keep: Callable[[str, str], bool] = lambda code, path: True, keras_version: int = 3,
                     runner: Optional[BuildRunner] = None) -> list[FileResult]:
    """Validate every result's findings by building its file; ``keep(code, path)`` filters SHP901."""
    results = list(results)
    jobs: list = []
    problems: dict[int, str] = {}
    for i, r in enumerate(results):
        try:
            jobs.append(prepare(r, keras_version))
        except Exception as exc:   # a validator bug must not lose the static results
            jobs.append(None)
            problems[i] = f"validation: could not prepare the build ({type(exc).__name__}: {exc})"
    own = runner is None
    runner = runner or BuildRunner(timeout=timeout)
    try:
        for job in jobs:
            if job is not None:
                job.outcome = runner.build(job.program)
    finally:
        if own:
            runner.close()
    out = []
    for i, (job, r) in enumerate(zip(jobs, results)):
        try:
            out.append(finish(job, r, keep))
        except Exception as exc:
            problems[i] = f"validation: could not judge the build ({type(exc).__name__}: {exc})"
            out.append(r)
        if i in problems:
            out[-1] = replace(out[-1], notes=(*out[-1].notes, problems[i]))
    return out
