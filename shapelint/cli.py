"""The ``shapelint`` command: a thin click layer over :mod:`shapelint.checker` and
:mod:`shapelint.run`, with ruff's options where ruff users will type them.

Exit codes follow ruff: 0 no findings, 1 findings, 2 usage or internal error.
"""
from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from shapelint import __version__, cache, config
from shapelint.discovery import NotRegularFile, iter_python_files, read_source
from shapelint.registry import RULES, lookup
from shapelint.reporters import FORMATS
from shapelint.rule_docs import rule_page
from shapelint.run import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, Options, RunError
from shapelint.run import check as run_check

__all__ = ["EXIT_CLEAN", "EXIT_ERROR", "EXIT_FINDINGS", "main"]

FORMAT_ENV = "SHAPELINT_OUTPUT_FORMAT"

Command = TypeVar("Command", bound=Callable[..., Any])


class Group(click.Group):
    """Lists each command with the whole first paragraph of its help, not 45 characters."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                first = (command.help or "").split("\n\n")[0]
                rows.append((name, " ".join(first.split())))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="shapelint")
def main() -> None:
    """Find tensor-shape mistakes in Keras model code without running it."""


def colour(choice: str) -> bool | None:
    """--color, then NO_COLOR and FORCE_COLOR (https://no-color.org), else a terminal decides."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return None


def _per_file(values: tuple[str, ...], option: str) -> dict[str, list[str]]:
    """``PATTERN:CODES`` pairs, as ruff's --per-file-ignores takes them."""
    table: dict[str, list[str]] = {}
    for value in values:
        pattern, sep, codes = value.rpartition(":")
        if not sep or not pattern:
            raise config.ConfigError(f"{option}: expected PATTERN:CODES, got {value!r}")
        table.setdefault(pattern, []).extend(c for c in codes.split(",") if c.strip())
    return table


def command_line_layer(given: dict[str, Any], cwd: Path) -> dict[str, Any]:
    """The command line's settings, parsed as a configuration layer (patterns relative to
    the working directory); repeated options add up."""
    raw: dict[str, Any] = {}
    for key in ("select", "extend-select", "ignore", "extend-ignore", "exclude", "extend-exclude"):
        values = [v for value in given.get(key, ()) for v in value.split(",") if v.strip()]
        if given.get(key):
            raw[key] = values
    for key in ("per-file-ignores", "extend-per-file-ignores"):
        if given.get(key):
            raw[key] = _per_file(given[key], f"--{key}")
    for key in ("target-keras", "fail-on"):
        if given.get(key) is not None:
            raw[key] = given[key]
    return {key: config.PARSERS[key](value, f"--{key}", cwd) for key, value in raw.items()}


def _repeatable(name: str, help: str) -> Callable[[Command], Command]:
    return click.option(name, multiple=True, metavar="RULES", help=help + " Repeat, or separate with commas.")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--output-format", "--format", "output_format", type=click.Choice(list(FORMATS)),
              default="full", envvar=FORMAT_ENV, show_default=True, show_envvar=True, help="Output format.")
@_repeatable("--select", "Only these rules (codes, names, prefixes such as SHP1, or ALL); replaces `select`.")
@_repeatable("--extend-select", "Rules to enable on top of the selection.")
@_repeatable("--ignore", "Rules to switch off.")
@_repeatable("--extend-ignore", "Rules to switch off (as --ignore).")
@click.option("--per-file-ignores", multiple=True, metavar="PATTERN:RULES",
              help="Switch rules off in files matching PATTERN; replaces `per-file-ignores`.")
@click.option("--extend-per-file-ignores", multiple=True, metavar="PATTERN:RULES",
              help="As --per-file-ignores, on top of the configured ones.")
@click.option("--exclude", multiple=True, metavar="PATTERN",
              help="Gitignore-style patterns of files to skip; replaces `exclude`.")
@click.option("--extend-exclude", multiple=True, metavar="PATTERN",
              help="Patterns to skip on top of `exclude`.")
@click.option("--target-keras", type=click.Choice(["2", "3"]), default=None,
              help="Keras major version the code targets [default: 3; tf_keras imports imply 2].")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Use this pyproject.toml or shapelint.toml for every file instead of the closest one.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--fail-on", type=click.Choice(config.FAIL_ON), default=None,
              help="The least severe finding that makes the exit code 1 [default: warning, or `fail-on`].")
@click.option("--force-exclude", is_flag=True,
              help="Apply configured excludes to files named on the command line (for pre-commit).")
@click.option("--stdin-filename", help="Read the source from standard input and report it under this name.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help="Worker processes (0: one per core when there are many files).")
@click.option("--statistics", is_flag=True, help="Count the findings of each rule instead of listing them.")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of standard output.")
@click.option("--quiet", "-q", is_flag=True, help="Print the findings and nothing else.")
@click.option("--silent", "-s", is_flag=True,
              help="Print nothing (the exit code still says whether there are findings).")
@click.option("--color", "color_choice", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True,
              help="Colour the text output [NO_COLOR and FORCE_COLOR are honoured under auto].")
@click.option("--watch", "-w", is_flag=True,
              help="Check again whenever a checked file or a config file changes.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Report only findings that are not in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Record the current findings in this baseline file and exit 0.")
@click.option("--add-noqa", is_flag=True, help="Add `# noqa: CODE` comments to every line with a finding.")
@click.option("--fix", is_flag=True,
              help="Apply the safe fixes (checked again in this run: the finding goes, nothing comes) "
                   "and report what is left.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff, apply the unsafe fixes too.")
@click.option("--diff", is_flag=True,
              help="Print the changes --fix would make as a unified diff and write nothing "
                   "(exit 1 when there are any).")
@click.option("--show-settings", metavar="FILE", help="Print the settings that apply to FILE and exit.")
@click.option("--show-files", is_flag=True, help="Print the files that would be checked and exit.")
@click.option("--validate", is_flag=True,
              help="Build the models with TensorFlow to confirm or refute each finding "
                   "(needs shapelint[tensorflow]).")
@click.option("--validate-timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
              metavar="SECONDS", help="Time limit for building one file with --validate.")
@click.option("--sandbox", type=click.Choice(["auto", "strict", "off"]), default=None,
              help="OS isolation of --validate builds: strict refuses to build without it "
                   "(for untrusted code); auto uses what the machine has "
                   "[default: auto, or `sandbox` in config].")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Wall-clock time the analysis of one file may take; past it, a note says what "
                   "was left out [default: 20, or `time-limit` in config].")
@click.option("--no-cache", is_flag=True, envvar="SHAPELINT_NO_CACHE",
              help="Analyse every file again instead of reusing cached results.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help=f"Cache directory [default: {cache.DIRECTORY_NAME} next to the config file, "
                   f"or ${cache.ENV_VAR}].")
def check(paths: tuple[str, ...], output_format: str, config_path: Path | None, isolated: bool,
          color_choice: str, watch: bool, **given: Any) -> None:
    """Check PATHS (files, directories, or - for stdin; default: the current directory).

    Directories yield *.py and *.ipynb files (configurable with include and
    extend-include). Settings come from the closest configuration file above each file.
    """
    if given["validate"]:
        from shapelint.validation import tensorflow_missing  # finds TensorFlow, never imports it
        missing = tensorflow_missing()
        if missing:
            click.echo(missing, err=True)
            sys.exit(EXIT_ERROR)
    cwd = Path.cwd()
    try:
        layer = command_line_layer({k.replace("_", "-"): v for k, v in given.items()}, cwd)
        resolver = config.Resolver(cwd, layer, config_path, isolated)
    except config.ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    names = {f.replace("-", "_") for f in ("select", "extend-select", "ignore", "extend-ignore", "exclude",
                                          "extend-exclude", "per-file-ignores", "extend-per-file-ignores",
                                          "target-keras", "fail-on")}
    options = Options(paths=paths, output_format=output_format, color=colour(color_choice),
                      **{k: v for k, v in given.items() if k not in names})
    if options.output_file is not None:       # a file gets colours only when asked for
        options.color = color_choice == "always"
    if watch:
        from shapelint.watching import watch_and_check

        sys.exit(watch_and_check(options, lambda: config.Resolver(cwd, layer, config_path, isolated), _once))
    sys.exit(_once(options, resolver))


def _once(options: Options, resolver: config.Resolver) -> int:
    """One run, its report written where it goes; the exit code."""
    def write(text: str) -> None:
        if options.output_file is not None:
            options.output_file.write_text((text if options.color else click.unstyle(text)) + "\n",
                                           encoding="utf-8")
        else:
            click.echo(text, color=options.color)

    try:
        return run_check(options, resolver, write)
    except RunError as exc:
        if exc.usage:
            click.echo(f"Error: {exc}", err=True)
        else:
            click.echo(f"shapelint: error: {exc}", err=True)
        return EXIT_ERROR
    except Exception:  # pragma: no cover - an internal error is reported, not raised
        click.echo("shapelint: internal error\n" + traceback.format_exc(), err=True)
        return EXIT_ERROR


@main.command()
@click.argument("rule", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every rule.")
def rule(rule: str | None, show_all: bool) -> None:
    """Explain RULE (a code such as SHP101 or a name such as reshape-size-mismatch)."""
    if show_all or not rule:
        name_width = max(len(r.name) for r in RULES)
        severity_width = max(len(r.severity) for r in RULES)
        for r in RULES:
            click.echo(f"{r.code}  {r.name:<{name_width}}  {r.severity:<{severity_width}}  {r.summary}")
        return
    found = lookup(rule)
    if found is None:
        raise click.BadParameter(f"unknown rule {rule!r} (see `shapelint rule --all`)", param_hint="RULE")
    click.echo(rule_page(found))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--target-keras", type=click.Choice(["2", "3"]), default="3", show_default=True,
              help="Keras major version the code targets.")
def summary(paths: tuple[Path, ...], output_format: str, target_keras: str) -> None:
    """Print a Keras-style summary of every model PATHS build, without TensorFlow.

    PATHS are Python files, notebooks or directories. A file that cannot be read or
    parsed is named on standard error, and the exit code is 2.
    """
    from shapelint.checker import summarize_source
    from shapelint.findings import Position
    from shapelint.notebooks import source_of
    from shapelint.reporters import summary_report
    from shapelint.reporters.locations import label
    from shapelint.reporters.printable import printable
    from shapelint.source import SourceError

    results = {}
    failed = False
    for f in iter_python_files(list(paths)):
        try:
            source, notebook = source_of(read_source(f), str(f))
        except (OSError, NotRegularFile) as exc:
            source, notebook = SourceError("SHP002", str(getattr(exc, "strerror", None) or exc)), None
        if isinstance(source, SourceError) or source.syntax_error is not None:
            error = source if isinstance(source, SourceError) else source.syntax_error
            assert error is not None
            kind = "SyntaxError" if error.code == "SHP001" else "cannot read the file"
            where = label(notebook, Position(error.row, error.column))
            click.echo(printable(f"{f}:{where}: {error.code} {kind}: {error.message}; no summary"), err=True)
            failed = True
            continue
        results[str(f)] = (summarize_source(source, int(target_keras)), notebook)
    if output_format == "json":
        click.echo(summary_report.as_json(results))
    elif results:
        click.echo("\n\n".join(summary_report.table(p, s, nb) for p, (s, nb) in results.items()))
    if failed:
        sys.exit(EXIT_ERROR)


@main.command()
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The cache directory to remove [default: as for `check`].")
def clean(cache_dir: Path | None) -> None:
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
@click.option("--no-cache", is_flag=True, envvar="SHAPELINT_NO_CACHE",
              help="Analyse every buffer instead of reusing cached results.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help=f"Cache directory [default: as for `check`, or ${cache.ENV_VAR}].")
def server(no_cache: bool, cache_dir: Path | None) -> None:
    """Run the language server on standard input and output, for editors: findings,
    shapes on hover and as inlay hints, quick fixes (needs shapelint[server])."""
    from shapelint.server import serve, server_missing

    missing = server_missing()
    if missing:
        click.echo(missing, err=True)
        sys.exit(EXIT_ERROR)
    serve(cache_dir, use_cache=not no_cache)


@main.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def layers(output_format: str) -> None:
    """List every modeled Keras layer (accepted input ranks, batch included, and family)
    and every modeled op, operator and tensor attribute."""
    from shapelint.layers import listing

    click.echo(listing.as_json() if output_format == "json" else listing.as_text())
