"""``check --watch``: check, then check again whenever a Python file, a notebook or a
configuration file below the checked paths changes, until interrupted (as ``ruff check
--watch``). Watching is watchfiles' job (native file events, debounced); it is an optional
extra, ``pip install "shapelint[watch]"``. The results cache keeps each re-run to the files
that changed.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import click

from shapelint.config import CONFIG_NAMES, Resolver
from shapelint.discovery import DEFAULT_SUFFIXES
from shapelint.run import EXIT_CLEAN, EXIT_ERROR, Options

INSTALL_HINT = 'pip install "shapelint[watch]"'


def relevant(path: str) -> bool:
    """A change worth a new run: a checked kind of file, or a configuration file."""
    name = Path(path).name
    return name.endswith(DEFAULT_SUFFIXES) or name in CONFIG_NAMES


def watch_and_check(options: Options, resolver_factory: Callable[[], Resolver],
                    once: Callable[[Options, Resolver], int]) -> int:
    """Check, then again on each relevant change (settings read anew each time), until Ctrl-C."""
    try:
        from watchfiles import watch
    except ImportError:
        click.echo(f"shapelint: --watch needs watchfiles, which is not installed. Install it with:\n"
                   f"    {INSTALL_HINT}", err=True)
        return EXIT_ERROR
    roots = [p for p in (options.paths or (".",)) if p != "-"]
    if options.stdin_filename is not None or not roots:
        click.echo("shapelint: --watch cannot watch standard input", err=True)
        return EXIT_ERROR
    _banner("Starting shapelint in watch mode...", options)
    once(options, resolver_factory())
    try:
        for changes in watch(*roots, watch_filter=lambda change, path: relevant(path), raise_interrupt=False):
            _banner(f"File change detected ({len(changes)}), checking again...", options)
            once(options, resolver_factory())      # settings are read again: a config may have changed
    except KeyboardInterrupt:   # pragma: no cover - watchfiles returns on Ctrl-C
        pass
    return EXIT_CLEAN


def _banner(text: str, options: Options) -> None:
    if not options.silent:
        stamp = datetime.datetime.now().strftime("%H:%M:%S")
        click.echo(f"[{stamp}] {text}", err=True)
