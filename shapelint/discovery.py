"""Which files a run checks: named files as given, directories recursed for ``*.py``."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

# Never descend into these: tool caches, VCS metadata, virtual environments.
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox", ".nox", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", "node_modules", "site-packages", ".eggs", "build", "dist",
    ".shapelint_cache", ".hypothesis", ".ipynb_checkpoints",
})


def iter_python_files(paths: list[Path]) -> Iterator[Path]:
    """Named files always (whatever their suffix); ``*.py`` below named directories, sorted."""
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
                for name in sorted(files):
                    if name.endswith(".py"):
                        p = Path(root) / name
                        if p not in seen:
                            seen.add(p)
                            yield p
        elif path not in seen:
            seen.add(path)
            yield path
