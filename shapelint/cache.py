"""The results cache: a file's findings keyed by its contents, as ruff's `.ruff_cache`.

An unchanged file is not parsed or analysed again, and a run whose files all hit the cache
never imports libcst or the interpreter (the cost of starting up). Results are stored
before `--select`/`--ignore` apply, so the key is only the bytes, the Keras target and the
analyzer itself: the shapelint version plus a fingerprint of its installed source, so an
edited checkout never serves stale results. The directory carries a CACHEDIR.TAG (backup
tools skip it) and a `.gitignore` of `*` (git never sees it). Any failure to read or write
the cache only costs speed.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from shapelint import __version__
from shapelint.findings import Claims, Diagnostic, FileResult, Origin, Position, TraceEntry
from shapelint.source import decode

DIRECTORY_NAME = ".shapelint_cache"
ENV_VAR = "SHAPELINT_CACHE_DIR"
SCHEMA = 1
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by shapelint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


@lru_cache(maxsize=1)
def analyzer_fingerprint() -> str:
    """shapelint's version and the size and mtime of every module it is made of."""
    package = Path(__file__).resolve().parent
    h = hashlib.sha256(f"{__version__}:{SCHEMA}".encode())
    for path in sorted(package.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(package)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def default_directory(root: Path, configured: Optional[Path] = None) -> Path:
    """Where the cache goes when `--cache-dir` is not given: $SHAPELINT_CACHE_DIR, else
    `cache-dir` from the config, else `.shapelint_cache` next to the config file (or in
    the current directory)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return configured or root / DIRECTORY_NAME


class ResultCache:
    """Read and write cached results in one directory; ``None`` disables the cache."""

    def __init__(self, directory: Optional[Path], keras_version: int):
        self.directory = directory
        self.keras_version = keras_version
        self.hits = 0

    def _entry(self, data: bytes) -> Optional[Path]:
        if self.directory is None:
            return None
        key = hashlib.sha256(data).hexdigest()
        return self.directory / analyzer_fingerprint() / f"k{self.keras_version}" / key[:2] / f"{key}.json"

    def get(self, data: bytes, path: str) -> Optional[FileResult]:
        entry = self._entry(data)
        if entry is None:
            return None
        try:
            stored = json.loads(entry.read_text(encoding="utf-8"))
            result = _from_json(stored, path, data)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        self.hits += 1
        return result

    def put(self, data: bytes, result: FileResult) -> None:
        entry = self._entry(data)
        if entry is None:
            return
        try:
            self._prepare()
            entry.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(_to_json(result), f)
            os.replace(tmp, entry)          # atomic: parallel runs never read half a file
        except OSError:
            pass

    def _prepare(self) -> None:
        assert self.directory is not None
        if (self.directory / "CACHEDIR.TAG").exists():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "CACHEDIR.TAG").write_text(CACHEDIR_TAG)
        (self.directory / ".gitignore").write_text("# Automatically created by shapelint.\n*\n")


def _to_json(result: FileResult) -> dict[str, Any]:
    return {"diagnostics": [asdict(d) for d in result.diagnostics], "notes": list(result.notes)}


def _from_json(stored: dict, path: str, data: bytes) -> FileResult:
    diagnostics = tuple(_diagnostic(d, path) for d in stored["diagnostics"])
    text, _ = decode(data)
    lines = tuple(text.splitlines()) if text is not None else ()
    return FileResult(path, diagnostics, lines, tuple(stored["notes"]))


def _diagnostic(d: dict, path: str) -> Diagnostic:
    trace = tuple(TraceEntry(t["label"], t["shape"], tuple(Origin(**o) for o in t["steps"]))
                  for t in d["trace"])
    claims = d.get("claims")
    return Diagnostic(**{**d, "path": path, "location": Position(**d["location"]),
                         "end_location": Position(**d["end_location"]), "trace": trace,
                         "notes": tuple(d["notes"]),
                         "claims": None if claims is None else Claims(**{
                             **claims, "ctor_rows": tuple(claims["ctor_rows"])})})
