"""The ``--validate`` pipeline: static facts -> build program -> sandboxed builds -> verdicts.

Files are built one after another, each in its own sandboxed process forked from one
TensorFlow zygote. A build that stops at a statement of the file is followed by another
that leaves that statement out with what depends on it
(:mod:`shapelint.validation.continuation`), until every finding has a verdict of its own.
Each file comes back as a :class:`~shapelint.validation.verdicts.ValidatedFileResult`;
what is true of the whole run (the sandbox every build had, the packages no build could
import) comes back once, as the run's notes.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from shapelint.findings import FileResult
from shapelint.source import decode, mentions_keras
from shapelint.suppressions import parse_suppressions
from shapelint.validation.agreement import Disagreement, compare
from shapelint.validation.continuation import MAX_BUILDS, next_cut
from shapelint.validation.program import BuildProgram, build_program
from shapelint.validation.runner import DEFAULT_TIMEOUT, BuildOutcome, BuildRunner, SandboxUnavailable
from shapelint.validation.sandbox import DEFAULT_MODE
from shapelint.validation.static_facts import StaticFacts, collect
from shapelint.validation.verdicts import Round, ValidatedFileResult, judge

_NOT_BUILDABLE = {"SHP001", "SHP002"}


@dataclass
class Job:
    result: FileResult
    text: str
    facts: StaticFacts | None
    program: BuildProgram                          # the first build's program
    rounds: list[Round] = field(default_factory=list)   # every build of the file, in order

    @property
    def outcome(self) -> BuildOutcome | None:
        """The first build's outcome."""
        return self.rounds[0].outcome if self.rounds else None


@dataclass(frozen=True)
class ValidationRun:
    """Every file's result, and the notes about the run as a whole (said once)."""

    results: list[FileResult]
    notes: tuple[str, ...] = ()


class Builder(Protocol):
    """What builds a file's programs: a :class:`BuildRunner` (tests script one)."""

    timeout: float

    def build(self, program: BuildProgram, timeout: float | None = None) -> BuildOutcome: ...


__all__ = ["Job", "SandboxUnavailable", "ValidationRun", "build", "finish", "prepare", "validate_results"]


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


def build(job: Job, runner: Builder) -> list[Round]:
    """Build the file, and again without what each build stopped at, until nothing is left
    to learn: every finding settled, or no statement of the file to leave out. A build that
    only stopped for a missing package also goes on (the rest of the file may still raise).
    All the builds of a file share its time limit."""
    program = job.program
    started = time.monotonic()
    job.rounds = [Round(program, runner.build(program))]
    while len(job.rounds) < MAX_BUILDS:
        left = runner.timeout - (time.monotonic() - started)
        outcome = job.rounds[-1].outcome
        error = outcome.error if outcome is not None and outcome.status == "raised" else None
        if error is None or not (error.get("kind") == "missing" or _unsettled(job)):
            break
        cut = next_cut(job.facts, program, error)
        if cut is None:
            break
        program = build_program(job.text, job.facts, program.path, program.filename, (*program.cuts, cut))
        if program.error or left < 1:
            break
        job.rounds.append(Round(program, runner.build(program, timeout=left)))
    return job.rounds


def _unsettled(job: Job) -> bool:
    """Whether a finding of the file still waits for a build that gets further."""
    return judge(job.result, job.rounds).unsettled > 0


def finish(job: Job | None, result: FileResult, keep: Callable[[str, str], bool],
           run_sandbox: str = "") -> FileResult:
    """The file's result with verdicts, SHP901 findings, withdrawals and disagreements;
    ``run_sandbox``: the run's sandbox note, said for the file only when its builds differ."""
    if job is None:
        return result
    suppressions = parse_suppressions(job.text)
    judged = judge(result, job.rounds,
                   suppressed=lambda code, row: not keep(code, result.path) or suppressions.covers(code, row))
    found: dict[tuple[int, int, str, str], Disagreement] = {}
    if job.facts is not None:
        for rnd in job.rounds:
            if rnd.outcome is not None and rnd.outcome.calls:
                for d in compare(job.facts.calls, rnd.outcome.calls):
                    found.setdefault((d.row, d.column, d.static, d.tensorflow), d)
    disagreements = tuple(sorted(found.values(), key=lambda d: (d.row, d.column)))
    diagnostics = sorted(judged.kept + judged.added,
                         key=lambda d: (d.location.row, d.location.column, d.code))
    notes = [*result.notes, *judged.notes, *(f"validation: shape disagreement at {d}" for d in disagreements)]
    for rnd in job.rounds:
        note = rnd.outcome.sandbox_note if rnd.outcome is not None else ""
        if note and note != run_sandbox and note not in notes:
            notes.append(note)
    return ValidatedFileResult(result.path, tuple(diagnostics), result.source_lines, tuple(notes),
                               coverage=result.coverage, notebook=result.notebook,
                               dependencies=result.dependencies,
                               withdrawn=tuple(judged.withdrawn), disagreements=disagreements,
                               outcome=job.outcome, outcomes=tuple(r.outcome for r in job.rounds),
                               missing=tuple(sorted(judged.missing)))


def validate_results(results: Iterable[FileResult], timeout: float = DEFAULT_TIMEOUT,
                     keep: Callable[[str, str], bool] = lambda code, path: True, keras_version: int = 3,
                     runner: BuildRunner | None = None, sandbox: str = DEFAULT_MODE,
                     buffers: Mapping[str, bytes] = {}) -> ValidationRun:
    """Validate every result's findings by building its file; ``keep(code, path)`` filters SHP901;
    ``buffers``: the bytes of results read from stdin, by path. Raises
    :class:`SandboxUnavailable` when ``sandbox="strict"`` and the machine cannot isolate builds."""
    results = list(results)
    jobs: list[Job | None] = []
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
        for i, job in enumerate(jobs):
            if job is not None:
                try:
                    build(job, runner)
                except SandboxUnavailable:
                    raise
                except Exception as exc:
                    problems[i] = f"validation: could not build ({type(exc).__name__}: {exc})"
    finally:
        if own:
            runner.close()
    sandbox_note = run_sandbox_note(runner, jobs)
    out: list[FileResult] = []
    for i, (job, r) in enumerate(zip(jobs, results)):
        try:
            out.append(finish(job, r, keep, sandbox_note))
        except Exception as exc:
            problems[i] = f"validation: could not judge the build ({type(exc).__name__}: {exc})"
            out.append(r)
        if i in problems:
            out[-1] = replace(out[-1], notes=(*out[-1].notes, problems[i]))
    return ValidationRun(out, tuple(n for n in (sandbox_note, missing_note(out)) if n))


def run_sandbox_note(runner: BuildRunner, jobs: list[Job | None]) -> str:
    """The isolation the run's builds had (the zygote sets up the same for every build)."""
    for job in jobs:
        for rnd in job.rounds if job is not None else ():
            if rnd.outcome is not None and rnd.outcome.sandbox_note:
                return rnd.outcome.sandbox_note
    return ""


def missing_note(results: list[FileResult]) -> str:
    """The modules files import that no build could, with the files, said once per run."""
    files: dict[str, list[str]] = {}
    for r in results:
        for module in r.missing if isinstance(r, ValidatedFileResult) else ():
            files.setdefault(module, []).append(r.path)
    if not files:
        return ""
    listed = "; ".join(f"{module} ({', '.join(paths)})" for module, paths in sorted(files.items()))
    return ("validation: not installed where the builds run, so each file was built without what "
            f"needs it: {listed}")
