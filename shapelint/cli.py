"""The ``shapelint`` command: a thin click layer over :mod:`shapelint.checker`.

Exit codes follow ruff: 0 no findings, 1 findings, 2 usage or internal error.
"""
from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Optional

import click

from shapelint import __version__
from shapelint.checker import check_bytes, check_file
from shapelint.discovery import iter_python_files
from shapelint.findings import Diagnostic, FileResult, Position
from shapelint.registry import BY_CODE, RULES, lookup
from shapelint.reporters import FORMATS
from shapelint.rule_docs import rule_page

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _parse_rule_list(value: Optional[str], option: str) -> Optional[set[str]]:
    """`--select SHP101,reshape-size-mismatch,SHP2` -> codes (prefixes select groups)."""
    if not value:
        return None
    codes: set[str] = set()
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        rule = lookup(part)
        if rule is not None:
            codes.add(rule.code)
            continue
        prefix = [r.code for r in RULES if r.code.startswith(part.upper())]
        if part.upper() == "ALL" or not prefix:
            if part.upper() == "ALL":
                codes.update(r.code for r in RULES)
                continue
            raise click.BadParameter(f"unknown rule {part!r}", param_hint=option)
        codes.update(prefix)
    return codes


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
@click.option("--target-keras", type=click.Choice(["2", "3"]), default="3", show_default=True,
              help="Keras major version the code targets (tf_keras imports imply 2).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--stdin-filename", help="Name to report for source read from '-'.")
def check(paths: tuple[str, ...], output_format: str, select: Optional[str], ignore: Optional[str],
          target_keras: str, exit_zero: bool, stdin_filename: Optional[str]) -> None:
    """Check PATHS (files, directories, or - for stdin; default: current directory)."""
    selected = _parse_rule_list(select, "--select")
    ignored = _parse_rule_list(ignore, "--ignore") or set()
    version = int(target_keras)
    try:
        results = list(_run(paths or (".",), version, stdin_filename))
    except Exception:  # pragma: no cover - an internal error is reported, not raised
        click.echo("shapelint: internal error\n" + traceback.format_exc(), err=True)
        sys.exit(EXIT_ERROR)
    results = [_filter(r, selected, ignored) for r in results]
    click.echo(FORMATS[output_format](results, len(results)))
    for r in results:
        for note in r.notes:
            click.echo(f"note: {r.path}: {note}", err=True)
    found = any(r.diagnostics for r in results)
    sys.exit(EXIT_FINDINGS if found and not exit_zero else EXIT_CLEAN)


def _run(paths: tuple[str, ...], version: int, stdin_filename: Optional[str]):
    for raw in paths:
        if raw == "-":
            yield check_bytes(sys.stdin.buffer.read(), stdin_filename or "-", version)
            continue
        path = Path(raw)
        if not path.exists():
            yield _missing(raw)
            continue
        for file in iter_python_files([path]):
            yield check_file(file, keras_version=version)


def _filter(result: FileResult, selected: Optional[set[str]], ignored: set[str]) -> FileResult:
    if selected is None and not ignored:
        return result
    kept = tuple(d for d in result.diagnostics
                 if (selected is None or d.code in selected) and d.code not in ignored)
    return FileResult(result.path, kept, result.source_lines, result.notes)


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
