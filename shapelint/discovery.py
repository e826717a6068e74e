"""Which files a run checks, and reading them without ever hanging on one.

Like ruff, directories yield the files ``include`` names (``*.py`` and ``*.ipynb`` unless
configured) and skip what .gitignore files ignore, tool and VCS folders, and the configured
excludes; a file named on the command line is always checked unless ``--force-exclude``
(what pre-commit passes) asks for excludes to apply to it too.
Directories are walked without following symlinks (no loops) and without recursion (no
depth limit). A candidate that is not a regular file (a FIFO, a device, a socket) is never
opened: :func:`read_source` says what it is instead, and the run notes it and goes on.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pathspec

# Never descend into these: tool caches, VCS metadata, virtual environments.
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox", ".nox", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", "node_modules", "site-packages", ".eggs", "build", "dist",
    ".shapelint_cache", ".hypothesis", ".ipynb_checkpoints",
})

Excluded = Callable[[Path], bool]
Included = Callable[[Path], bool]
DEFAULT_SUFFIXES = (".py", ".ipynb")


def _default_included(path: Path) -> bool:
    return path.name.endswith(DEFAULT_SUFFIXES)
Specs = list[tuple[Path, pathspec.GitIgnoreSpec]]

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)
# O_NONBLOCK: a FIFO that appears between the stat and the open does not block it.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
    | getattr(os, "O_CLOEXEC", 0)


class NotRegularFile(Exception):
    """A path that is not a regular file; ``note`` says what it is, for the run's output."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.note = f"skipped: {kind}, not a regular file"


def read_source(path: str | Path) -> bytes:
    """A regular file's bytes. Raises NotRegularFile for anything else (checked before it is
    opened, and again on the open descriptor), OSError when it cannot be read."""
    _require_regular(os.stat(path).st_mode)
    fd = os.open(path, _OPEN_FLAGS)
    with os.fdopen(fd, "rb") as f:
        _require_regular(os.fstat(f.fileno()).st_mode)
        return f.read()


def _require_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise NotRegularFile(next((kind for test, kind in _KINDS if test(mode)), "not a file"))


def _gitignore(directory: Path) -> pathspec.GitIgnoreSpec | None:
    try:
        text = read_source(directory / ".gitignore").decode("utf-8")
    except (OSError, NotRegularFile, UnicodeDecodeError):
        return None
    return pathspec.GitIgnoreSpec.from_lines(text.splitlines())


def _ignored(path: Path, specs: Specs, is_dir: bool) -> bool:
    for base, spec in specs:
        rel = path.relative_to(base).as_posix() + ("/" if is_dir else "")
        if spec.match_file(rel):
            return True
    return False


def iter_python_files(paths: list[Path], excluded: Excluded | None = None,
                      force_exclude: bool = False, included: Included | None = None) -> Iterator[Path]:
    """Named files (whatever their suffix) and the included files (``*.py``, ``*.ipynb``)
    below named directories, sorted."""
    excluded = excluded or (lambda p: False)
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            yield from _walk(path, excluded, seen, included or _default_included)
        elif path not in seen and not (force_exclude and excluded(path)):
            seen.add(path)
            yield path


def _walk(top: Path, excluded: Excluded, seen: set[Path], included: Included) -> Iterator[Path]:
    """Each directory's files, then its subdirectories in order (as os.walk), by a stack."""
    stack: list[tuple[Path, Specs]] = [(top, [])]
    while stack:
        here, inherited = stack.pop()
        own = _gitignore(here)
        active = inherited + ([(here, own)] if own is not None else [])
        try:
            with os.scandir(here) as it:
                entries = sorted((e.name, e.is_dir(follow_symlinks=False)) for e in it)
        except OSError:
            continue        # vanished or unreadable: as os.walk, nothing to check there
        subdirs = []
        for name, is_dir in entries:
            p = here / name
            if is_dir:
                if name not in SKIP_DIRS and not name.endswith(".egg-info") \
                        and not _ignored(p, active, True) and not excluded(p):
                    subdirs.append(p)
            elif included(p) and p not in seen and not _ignored(p, active, False) \
                    and not excluded(p):
                seen.add(p)
                yield p
        stack.extend((d, active) for d in reversed(subdirs))
