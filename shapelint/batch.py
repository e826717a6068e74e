"""Checking the files of one run: cached results first, the checker for the rest.

The checker (and with it libcst) is imported only when some file is not in the cache, so
a re-run over unchanged files starts and finishes in a fraction of the time.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from shapelint.cache import ResultCache
from shapelint.findings import FileResult


def check_files(files: list[Path], keras_version: int, jobs: int, cache: ResultCache) -> list[FileResult]:
    """Results for ``files`` in order; every freshly checked file is stored in the cache."""
    results: list[Any] = [None] * len(files)      # every slot is a FileResult at the end
    contents: dict[int, bytes] = {}
    misses: list[int] = []
    for i, path in enumerate(files):
        try:
            data = path.read_bytes()
        except OSError:
            misses.append(i)            # the checker reports why it cannot be read
            continue
        hit = cache.get(data, str(path))
        if hit is not None:
            results[i] = hit
        else:
            misses.append(i)
            contents[i] = data
    if misses:
        from shapelint.checker import check_many

        checked = check_many([files[i] for i in misses], keras_version, jobs)
        for i, result in zip(misses, checked):
            results[i] = result
            if i in contents:
                cache.put(contents[i], result)
    return results
