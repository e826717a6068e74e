"""One run of ``shapelint check``: which files, with which settings, checked, filtered,
compared with a baseline, and written out; the exit code. The click layer
(:mod:`shapelint.cli`) only reads the command line into :class:`Options`.

Exit codes follow ruff: 0 no findings (or only ones ``fail-on`` lets through, or only
baselined ones), 1 findings, 2 usage, configuration or internal error.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import click

from shapelint import baseline, cache, config
from shapelint.batch import check_files
from shapelint.discovery import iter_python_files
from shapelint.findings import Diagnostic, FileResult, Position
from shapelint.notebooks import is_notebook, program_text
from shapelint.registry import BY_CODE
from shapelint.reporters import FORMATS, statistics

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class RunError(Exception):
    """Stops the run with exit code 2 and this message (``usage``: a usage error)."""

    def __init__(self, message: str, usage: bool = False):
        super().__init__(message)
        self.usage = usage


@dataclass
class Options:
    paths: tuple[str, ...] = ()
    output_format: str = "full"
    stdin_filename: str | None = None
    force_exclude: bool = False
    jobs: int = 0
    validate: bool = False
    validate_timeout: float = 60.0
    sandbox: str | None = None
    time_limit: float | None = None           # --time-limit; else each file's `time-limit`
    no_cache: bool = False
    cache_dir: Path | None = None
    exit_zero: bool = False
    statistics: bool = False
    output_file: Path | None = None
    quiet: bool = False
    silent: bool = False
    color: bool | None = None          # None: colour when writing to a terminal
    baseline: Path | None = None
    write_baseline: Path | None = None
    add_noqa: bool = False
    show_files: bool = False
    show_settings: str | None = None
    fix: bool = False                     # write the fixes (safe ones, unsafe ones too with unsafe_fixes)
    diff: bool = False                    # show the fixes as a diff and write nothing
    unsafe_fixes: bool = False


def message(text: str, options: Options) -> None:
    """A line for the user about the run (not a finding): stderr, unless -s."""
    if not options.silent:
        click.echo(text, err=True)


def _missing(path: str) -> FileResult:
    rule = BY_CODE["SHP002"]
    pos = Position(1, 1)
    d = Diagnostic(path, rule.code, rule.name, rule.severity, "Cannot read file: No such file or directory",
                   pos, pos, url=rule.url)
    return FileResult(path, (d,))


@dataclass
class _Stdin:
    name: str


def _targets(options: Options, resolver: config.Resolver) -> Iterator[Path | FileResult | _Stdin]:
    """What the run checks, in order: files, a result for a path that does not exist, and
    standard input (``-``, or any run with ``--stdin-filename``, as ruff)."""
    paths = options.paths or (() if options.stdin_filename else (".",))
    if options.stdin_filename is not None:
        for other in (p for p in paths if p != "-"):
            message(f"shapelint: warning: ignoring {other} in favour of standard input (--stdin-filename)",
                    options)
        name = options.stdin_filename
        if not (options.force_exclude and resolver.excluded(Path(name))):
            yield _Stdin(name)
        return
    files: list[Path] = []
    for raw in paths:
        if raw == "-":
            yield _Stdin("-")
            continue
        path = Path(raw)
        if not os.path.lexists(path):      # a symlink loop or a dangling link: the checker says which
            yield _missing(raw)
            continue
        files.extend(iter_python_files([path], resolver.excluded, options.force_exclude, resolver.included))
    yield from files


def collect(options: Options, resolver: config.Resolver) -> list[Path | FileResult | _Stdin]:
    return list(_targets(options, resolver))


def _check(targets: list[Path | FileResult | _Stdin], options: Options, resolver: config.Resolver,
           buffers: dict[str, bytes]) -> list[FileResult]:
    """Results in the order of ``targets``; files are checked in one batch per Keras target and
    set of source roots."""
    results: dict[int, FileResult] = {}
    groups: dict[tuple[int, tuple[str, ...], float], list[tuple[int, Path]]] = {}
    for i, target in enumerate(targets):
        if isinstance(target, FileResult):
            results[i] = target
        elif isinstance(target, _Stdin):
            from shapelint.checker import check_bytes

            data = buffers[target.name] = sys.stdin.buffer.read()
            settings = resolver.for_path(Path(target.name))
            results[i] = check_bytes(data, target.name, settings.target_keras, _roots(settings),
                                     seconds=options.time_limit or settings.time_limit)
        else:
            settings = resolver.for_path(target)
            key = (settings.target_keras, _roots(settings), options.time_limit or settings.time_limit)
            groups.setdefault(key, []).append((i, target))
    directory = None if options.no_cache else cache_directory(options, resolver)
    for (version, roots, seconds), members in sorted(groups.items()):
        store = cache.ResultCache.open(directory, version)
        files = [path for _, path in members]
        for (i, _), result in zip(members, check_files(files, version, options.jobs, store, roots, seconds)):
            results[i] = result
    return [results[i] for i in range(len(targets))]      # every target has its result


def _roots(settings: config.Config) -> tuple[str, ...]:
    return tuple(map(str, settings.src))


def cache_directory(options: Options, resolver: config.Resolver) -> Path:
    """One cache for the run: --cache-dir, $SHAPELINT_CACHE_DIR, or the working directory's settings."""
    return options.cache_dir or cache.default_directory(resolver.default.root, resolver.default.cache_dir)


def _filtered(result: FileResult, resolver: config.Resolver) -> FileResult:
    settings = resolver.for_path(Path(result.path))
    kept = tuple(d for d in result.diagnostics if settings.enabled(d.code, Path(result.path)))
    return replace(result, diagnostics=kept)


def _validate(results: list[FileResult], options: Options, resolver: config.Resolver,
              buffers: dict[str, bytes]) -> tuple[list[FileResult], tuple[str, ...]]:
    """--validate, one batch per Keras target; a notebook is built from its program. Returns
    the results and the notes about the whole run (said once)."""
    from shapelint.validation.validate import SandboxUnavailable, validate_results

    for r in results:
        if is_notebook(r.path) and r.path not in buffers and r.notebook is not None:
            try:
                text = program_text(Path(r.path).read_bytes(), r.path)
            except OSError:
                continue
            if text is not None:
                buffers[r.path] = text.encode("utf-8")
    out: dict[int, FileResult] = {}
    run_notes: list[str] = []
    groups: dict[int, list[int]] = {}
    for i, r in enumerate(results):
        groups.setdefault(resolver.for_path(Path(r.path)).target_keras, []).append(i)
    for version, indices in sorted(groups.items()):
        try:
            run = validate_results([results[i] for i in indices], timeout=options.validate_timeout,
                                    keras_version=version,
                                    keep=lambda code, path: resolver.enabled(code, Path(path)),
                                    sandbox=options.sandbox or resolver.default.sandbox, buffers=buffers)
        except SandboxUnavailable as exc:
            raise RunError(str(exc)) from None
        run_notes += [n for n in run.notes if n not in run_notes]
        for i, r in zip(indices, run.results):
            # the notebook's index survives validation, which rebuilds the result
            out[i] = r if r.notebook is not None or results[i].notebook is None \
                else replace(r, notebook=results[i].notebook)
    return [out[i] for i in range(len(results))], tuple(run_notes)   # every result validated


def check(options: Options, resolver: config.Resolver, write: Callable[[str], None]) -> int:
    """One run; returns the exit code. ``write`` takes the report."""
    if options.show_settings is not None:
        write(show_settings(Path(options.show_settings), resolver, cache_directory(options, resolver)))
        return EXIT_CLEAN
    try:
        targets = collect(options, resolver)
    except config.ConfigError as exc:
        raise RunError(str(exc), usage=True) from None
    if options.show_files:
        write("\n".join(str(t) for t in targets if isinstance(t, Path)))
        return EXIT_CLEAN
    buffers: dict[str, bytes] = {}   # what was read from stdin: --validate builds it, not the file on disk
    try:
        results = [_filtered(r, resolver) for r in _check(targets, options, resolver, buffers)]
    except cache.CacheRefused as exc:
        raise RunError(str(exc)) from None
    except config.ConfigError as exc:
        raise RunError(str(exc), usage=True) from None
    run_notes: tuple[str, ...] = ()
    if options.validate:
        results, run_notes = _validate(results, options, resolver, buffers)
    if options.write_baseline is not None:
        count = baseline.write(options.write_baseline, results)
        message(f"Wrote {count} finding{'' if count == 1 else 's'} to the baseline {options.write_baseline}",
                options)
        return EXIT_CLEAN
    if options.baseline is not None:
        try:
            results, hidden, stale = baseline.Baseline.read(options.baseline).filter(results)
        except baseline.BaselineError as exc:
            raise RunError(str(exc)) from None
        if hidden and not options.quiet:
            noun = "finding" if hidden == 1 else "findings"
            message(f"{hidden} {noun} in the baseline {options.baseline} not shown", options)
        if stale and not options.quiet:
            message(f"{stale} finding{'' if stale == 1 else 's'} in the baseline no longer found: "
                    "run --write-baseline to drop them", options)
    if options.fix or options.diff:
        results, diffs = _fix(results, options, resolver)
        if options.diff:
            if not options.silent:
                write("".join(diffs).rstrip("\n"))
            return EXIT_FINDINGS if diffs and not options.exit_zero else EXIT_CLEAN
    if options.add_noqa:
        from shapelint.noqa import add_noqa

        outcome = add_noqa(results)
        for skipped in outcome.skipped:
            message(f"shapelint: warning: {skipped}", options)
        message(f"Added {outcome.added} noqa directive{'' if outcome.added == 1 else 's'}.", options)
        return EXIT_CLEAN
    if not options.silent:
        write(_report(results, len(results), options, run_notes))
    failing = any(resolver.for_path(Path(r.path)).fails(d.severity) for r in results for d in r.diagnostics)
    return EXIT_FINDINGS if failing and not options.exit_zero else EXIT_CLEAN


def _fix(results: list[FileResult], options: Options,
         resolver: config.Resolver) -> tuple[list[FileResult], list[str]]:
    """--fix / --diff: the results left to report and the diffs (for --diff)."""
    from shapelint.autofix import Recheck, fix_results, fixable, recheck_with

    if options.validate or options.stdin_filename is not None or "-" in options.paths:
        raise RunError("--fix and --diff edit files: they cannot be combined with --validate or "
                       "standard input", usage=True)

    def recheck(path: str) -> Recheck:
        settings = resolver.for_path(Path(path))
        check = recheck_with(settings.target_keras, _roots(settings))
        return lambda source: _filtered(check(source), resolver)   # only the enabled rules are fixed

    outcome = fix_results(results, options.unsafe_fixes, options.fix and not options.diff, recheck)
    for skipped in outcome.skipped:
        message(f"shapelint: warning: {skipped}", options)
    left = outcome.results
    hidden = sum(1 for r in left for d in r.diagnostics
                 if fixable(d, True) and not fixable(d, options.unsafe_fixes))
    noun = "finding" if outcome.fixed == 1 else "findings"
    files = f" in {outcome.files} file{'' if outcome.files == 1 else 's'}" if outcome.files else ""
    verb = "Would fix" if options.diff else "Fixed"
    hint = (f" ({hidden} more with --unsafe-fixes)" if hidden else "")
    if not options.quiet:
        message(f"{verb} {outcome.fixed} {noun}{files}{hint}.", options)
    return left, outcome.diffs


def _report(results: list[FileResult], checked: int, options: Options, run_notes: tuple[str, ...]) -> str:
    if options.statistics:
        if options.output_format in ("json", "json-lines"):
            return statistics.as_json(results)
        return statistics.as_text(results)
    return FORMATS[options.output_format](results, checked, quiet=options.quiet, notes=run_notes)


NO_SRC = "(none: the file's own directory and package only)"


def show_settings(path: Path, resolver: config.Resolver, cache_dir: Path) -> str:
    """What applies to ``path``, as ``--show-settings`` prints it."""
    s = resolver.for_path(path)
    chain = " <- ".join(str(p) for p in reversed(s.chain)) if s.chain else "(none: defaults)"
    ignored = sorted(s.ignored_here(path))
    patterns = [f"{p.base}: {', '.join(p.lines)}" for p in (*s.exclude, *s.extend_exclude)]
    include = [f"{p.base}: {', '.join(p.lines)}" for p in s.include] or [", ".join(config.DEFAULT_INCLUDE)]
    lines = [
        f"Settings for {path}",
        f"  config file:      {chain}",
        f"  enabled rules:    {', '.join(sorted(s.codes)) or '(none)'}",
        f"  per-file-ignores: {', '.join(ignored) or '(none for this file)'}",
        f"  include:          {'; '.join(include)}",
        f"  exclude:          {'; '.join(patterns) or '(none)'}",
        f"  excluded:         {'yes' if s.excluded(path) else 'no'}",
        f"  target-keras:     {s.target_keras}",
        f"  fail-on:          {s.fail_on}",
        f"  sandbox:          {s.sandbox}",
        f"  time-limit:       {s.time_limit:g} s per file",
        f"  src:              {', '.join(map(str, s.src)) or NO_SRC}",
        f"  cache-dir:        {cache_dir} (one for the whole run)",
    ]
    return "\n".join(lines)
