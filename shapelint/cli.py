"""The ``shapelint`` command: a thin click layer over :mod:`shapelint.checker`.

Exit codes follow ruff: 0 no findings, 1 findings, 2 usage or internal error.
"""
from __future__ import annotations

import os
import sys
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Optional

import click

from shapelint import __version__
from shapelint import cache, config
from shapelint.batch import check_files
from shapelint.discovery import iter_python_files
from shapelint.findings import Diagnostic, FileResult, Position
from shapelint.registry import BY_CODE, RULES, lookup
from shapelint.reporters import FORMATS
from shapelint.rule_docs import rule_page

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _missing(path: str) -> FileResult:
    rule = BY_CODE["SHP002"]
    pos = Position(1, 1)
    d = Diagnostic(path, rule.code, rule.name, rule.severity, "Cannot read file: No such file or directory",
                   pos, pos, url=rule.url)
    return FileResult(path, (d,))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="shapelint")
def main() -> None:
    """Find tensor-shape mistakes in Keras model code without running it."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)), default="full",
              show_default=True, help="Output format.")
@click.option("--select", help="Only these rules (codes, names or code prefixes, comma-separated).")
@click.option("--ignore", help="Skip these rules (codes, names or code prefixes).")
@click.option("--target-keras", type=click.Choice(["2", "3"]), default=None,
              help="Keras major version the code targets [default: 3; tf_keras imports imply 2].")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Use this pyproject.toml or shapelint.toml instead of the closest one.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--force-exclude", is_flag=True,
              help="Apply configured excludes to files named on the command line (for pre-commit).")
@click.option("--stdin-filename", help="Name to report for source read from '-'.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help="Worker processes (0: one per core when there are many files).")
@click.option("--validate", is_flag=True,
              help="Build the models with TensorFlow to confirm or refute each finding (needs shapelint[tensorflow]).")
@click.option("--validate-timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
              metavar="SECONDS", help="Time limit for building one file with --validate.")
@click.option("--sandbox", type=click.Choice(["auto", "strict", "off"]), default=None,
              help="OS isolation of --validate builds: strict refuses to build without it "
                   "(for untrusted code); auto uses what the machine has "
                   "[default: auto, or `sandbox` in config].")
@click.option("--no-cache", is_flag=True, envvar="SHAPELINT_NO_CACHE",
              help="Analyse every file again instead of reusing cached results.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help=f"Cache directory [default: {cache.DIRECTORY_NAME} next to the config file, "
                   f"or ${cache.ENV_VAR}].")
def check(paths: tuple[str, ...], output_format: str, select: Optional[str], ignore: Optional[str],
          target_keras: Optional[str], config_path: Optional[Path], exit_zero: bool,
          force_exclude: bool, stdin_filename: Optional[str], jobs: int, validate: bool,
          validate_timeout: float, sandbox: Optional[str], no_cache: bool, cache_dir: Optional[Path]) -> None:
    """Check PATHS (files, directories, or - for stdin; default: current directory)."""
    if validate:
        from shapelint.validation import tensorflow_missing  # finds TensorFlow, never imports it
        missing = tensorflow_missing()
        if missing:
            click.echo(missing, err=True)
            sys.exit(EXIT_ERROR)
    try:
        cfg = config.from_file(config_path) if config_path else config.load(Path.cwd())
        if select:
            cfg.select = config.rule_codes(select, "--select")
        if ignore:
            cfg.ignore |= config.rule_codes(ignore, "--ignore")
    except config.ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    version = int(target_keras) if target_keras else cfg.target_keras
    buffers: dict[str, bytes] = {}   # what was read from stdin: --validate builds it, not the file on disk
    try:
        store = cache.ResultCache.open(
            None if no_cache else cache_dir or cache.default_directory(cfg.root, cfg.cache_dir), version)
    except cache.CacheRefused as exc:
        click.echo(f"shapelint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    try:
        results = list(_run(paths or (".",), version, stdin_filename, cfg, force_exclude, jobs, store,
                            buffers))
    except Exception:  # pragma: no cover - an internal error is reported, not raised
        click.echo("shapelint: internal error\n" + traceback.format_exc(), err=True)
        sys.exit(EXIT_ERROR)
    results = [_filter(r, cfg) for r in results]
    if validate:
        from shapelint.validation.validate import SandboxUnavailable, validate_results
        try:
            results = validate_results(results, timeout=validate_timeout, keras_version=version,
                                       keep=lambda code, path: cfg.enabled(code, Path(path)),
                                       sandbox=sandbox or cfg.sandbox, buffers=buffers)
        except SandboxUnavailable as exc:
            click.echo(f"shapelint: error: {exc}", err=True)
            sys.exit(EXIT_ERROR)
    click.echo(FORMATS[output_format](results, len(results)))   # notes included, in every format
    found = any(r.diagnostics for r in results)
    sys.exit(EXIT_FINDINGS if found and not exit_zero else EXIT_CLEAN)


def _run(paths: tuple[str, ...], version: int, stdin_filename: Optional[str], cfg: config.Config,
         force_exclude: bool, jobs: int, store: cache.ResultCache, buffers: dict[str, bytes]):
    files: list[Path] = []
    for raw in paths:
        if raw == "-":
            from shapelint.checker import check_bytes

            data = buffers[stdin_filename or "-"] = sys.stdin.buffer.read()
            yield check_bytes(data, stdin_filename or "-", version, tuple(map(str, cfg.src)))
            continue
        path = Path(raw)
        if not os.path.lexists(path):      # a symlink loop or a dangling link: the checker says which
            yield _missing(raw)
            continue
        files.extend(iter_python_files([path], cfg.excluded, force_exclude))
    yield from check_files(files, version, jobs, store, tuple(map(str, cfg.src)))


def _filter(result: FileResult, cfg: config.Config) -> FileResult:
    path = Path(result.path)
    kept = tuple(d for d in result.diagnostics if cfg.enabled(d.code, path))
    return replace(result, diagnostics=kept)


@main.command()
@click.argument("rule", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every rule.")
def rule(rule: Optional[str], show_all: bool) -> None:
    """Explain RULE (a code such as SHP101 or a name such as reshape-size-mismatch)."""
    if show_all or not rule:
        for r in RULES:
            click.echo(f"{r.code}  {r.name:<28} {r.severity:<8} {r.summary}")
        return
    found = lookup(rule)
    if found is None:
        raise click.BadParameter(f"unknown rule {rule!r} (see `shapelint rule --all`)", param_hint="RULE")
    click.echo(rule_page(found))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def summary(paths: tuple[Path, ...], output_format: str) -> None:
    """Print a Keras-style summary of every model PATHS build, without TensorFlow."""
    from shapelint.checker import summarize_file
    from shapelint.reporters import summary_report

    results = {str(f): summarize_file(f) for f in iter_python_files(list(paths))}
    if output_format == "json":
        click.echo(summary_report.as_json(results))
    else:
        click.echo("\n\n".join(summary_report.table(p, s) for p, s in results.items()))


@main.command()
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The cache directory to remove [default: as for `check`].")
def clean(cache_dir: Optional[Path]) -> None:
    """Remove the results cache (only the files shapelint wrote there)."""
    try:
        cfg = config.load(Path.cwd())
    except config.ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    directory = cache_dir or cache.default_directory(cfg.root, cfg.cache_dir)
    try:
        cleaned = cache.CacheDir(directory).clean()
    except cache.CacheRefused as exc:
        click.echo(f"shapelint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except OSError as exc:
        click.echo(f"shapelint: error: cannot clean {directory}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_ERROR)
    if cleaned is None:
        click.echo(f"No shapelint cache at {directory}")
        return
    entries = f"{cleaned.removed} cached result{'' if cleaned.removed == 1 else 's'}"
    if cleaned.kept:
        click.echo(f"Removed {entries} from {directory}; kept the directory, which holds files "
                   "shapelint did not create")
    else:
        click.echo(f"Removed {directory} ({entries})")


@main.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def layers(output_format: str) -> None:
    """List every modeled Keras layer (accepted input ranks, batch included, and family)
    and every modeled op, operator and tensor attribute."""
    from shapelint.layers import listing

    click.echo(listing.as_json() if output_format == "json" else listing.as_text())
