"""The ``--validate`` pipeline: static facts -> build program -> sandboxed build -> verdicts.

Files are built one after another, each in its own sandboxed process forked from one
TensorFlow zygote; each comes back as a
:class:`~shapelint.validation.verdicts.ValidatedFileResult` whose notes say which
isolation its build ran under.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from shapelint.findings import FileResult
from shapelint.source import decode, mentions_keras
from shapelint.suppressions import parse_suppressions
from shapelint.validation.agreement import compare
from shapelint.validation.program import BuildProgram, build_program
from shapelint.validation.runner import DEFAULT_TIMEOUT, BuildOutcome, BuildRunner, SandboxUnavailable
from shapelint.validation.sandbox import DEFAULT_MODE
from shapelint.validation.static_facts import StaticFacts, collect
from shapelint.validation.verdicts import ValidatedFileResult, judge

_NOT_BUILDABLE = {"SHP001", "SHP002"}


@dataclass
class Job:
    result: FileResult
    text: str
    facts: StaticFacts | None
    program: BuildProgram
    outcome: BuildOutcome | None = None


__all__ = ["Job", "SandboxUnavailable", "finish", "prepare", "validate_results"]


def _source(result: FileResult, buffer: bytes | None = None) -> tuple[str, str]:
    """(text, absolute filename) of a checked file. Source read from stdin is the buffer
    that was checked, never the file of that name on disk."""
    path = Path(result.path)
    if buffer is not None:
        text, _ = decode(buffer)
        if text is not None:
            return text, os.path.abspath(result.path or "stdin.py")
    elif path.is_file():
        text, _ = decode(path.read_bytes())
        if text is not None:
            return text, str(path.resolve())
    return "\n".join(result.source_lines) + "\n", os.path.abspath(result.path or "stdin.py")


def prepare(result: FileResult, keras_version: int = 3, buffer: bytes | None = None) -> Job | None:
    """The job for one checked file (``buffer``: its bytes, when they came from stdin),
    or None when there is nothing to build."""
    if any(d.code in _NOT_BUILDABLE for d in result.diagnostics):
        return None
    text, filename = _source(result, buffer)
    if not mentions_keras(text):
        return None
    facts = collect(text, result.path, keras_version)
    return Job(result, text, facts, build_program(text, facts, result.path, filename))


def finish(job: Job | None, result: FileResult, keep: Callable[[str, str], bool]) -> FileResult:
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
    if job.outcome is not None and job.outcome.sandbox_note:
        notes.append(job.outcome.sandbox_note)
    return ValidatedFileResult(result.path, tuple(diagnostics), result.source_lines, tuple(notes),
                               withdrawn=tuple(judged.withdrawn), disagreements=disagreements,
                               outcome=job.outcome)


def validate_results(results: Iterable[FileResult], timeout: float = DEFAULT_TIMEOUT,
                     keep: Callable[[str, str], bool] = lambda code, path: True, keras_version: int = 3,
                     runner: BuildRunner | None = None, sandbox: str = DEFAULT_MODE,
                     buffers: Mapping[str, bytes] = {}) -> list[FileResult]:
    """Validate every result's findings by building its file; ``keep(code, path)`` filters SHP901;
    ``buffers``: the bytes of results read from stdin, by path. Raises
    :class:`SandboxUnavailable` when ``sandbox="strict"`` and the machine cannot isolate builds."""
    results = list(results)
    jobs: list = []
    problems: dict[int, str] = {}
    for i, r in enumerate(results):
        try:
            jobs.append(prepare(r, keras_version, buffers.get(r.path)))
        except Exception as exc:   # a validator bug must not lose the static results
            jobs.append(None)
            problems[i] = f"validation: could not prepare the build ({type(exc).__name__}: {exc})"
    own = runner is None
    runner = runner or BuildRunner(timeout=timeout, sandbox=sandbox)
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
