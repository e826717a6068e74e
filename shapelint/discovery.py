"""Which files a run checks: named files as given, directories recursed for ``*.py``.

Like ruff, directories skip what .gitignore files ignore, tool and VCS folders, and the
configured excludes; a file named on the command line is always checked unless
``--force-exclude`` (what pre-commit passes) asks for excludes to apply to it too.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator, Optional

import pathspec

# Never descend into these: tool caches, VCS metadata, virtual environments.
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox", ".nox", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", "node_modules", "site-packages", ".eggs", "build", "dist",
    ".shapelint_cache", ".hypothesis", ".ipynb_checkpoints",
})

Excluded = Callable[[Path], bool]


def _gitignore(directory: Path) -> Optional[pathspec.PathSpec]:
    path = directory / ".gitignore"
    try:
        return pathspec.GitIgnoreSpec.from_lines(path.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return None


def _ignored(path: Path, specs: list[tuple[Path, pathspec.PathSpec]], is_dir: bool) -> bool:
    for base, spec in specs:
        rel = path.relative_to(base).as_posix() + ("/" if is_dir else "")
        if spec.match_file(rel):
            return True
    return False


def iter_python_files(paths: list[Path], excluded: Optional[Excluded] = None,
                      force_exclude: bool = False) -> Iterator[Path]:
    """Named files (whatever their suffix) and ``*.py`` below named directories, sorted."""
    excluded = excluded or (lambda p: False)
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            yield from _walk(path, excluded, seen)
        elif path not in seen and not (force_exclude and excluded(path)):
            seen.add(path)
            yield path


def _walk(top: Path, excluded: Excluded, seen: set[Path]) -> Iterator[Path]:
    specs: dict[str, list[tuple[Path, pathspec.PathSpec]]] = {}
    for root, dirs, files in os.walk(top):
        here = Path(root)
        inherited = specs.get(str(here.parent), []) if here != top else []
        own = _gitignore(here)
        active = inherited + ([(here, own)] if own is not None else [])
        specs[root] = active
        dirs[:] = sorted(
            d for d in dirs
            if d not in SKIP_DIRS and not d.endswith(".egg-info")
            and not _ignored(here / d, active, True) and not excluded(here / d)
        )
        for name in sorted(files):
            p = here / name
            if name.endswith(".py") and p not in seen and not _ignored(p, active, False) \
                    and not excluded(p):
                seen.add(p)
                yield p
