"""The results cache: a file's findings keyed by its contents, as ruff's `.ruff_cache`.

An unchanged file is not parsed or analysed again, and a run whose files all hit the cache
never imports libcst or the interpreter (the cost of starting up). Results are stored
before `--select`/`--ignore` apply, so the key is only the bytes, the Keras target and the
analyzer itself: the shapelint version plus a hash of the bytes of its source, so an edited
checkout never serves stale results. Where the cache lives and what may be written or
deleted there is :mod:`shapelint.cache_dir`'s job. An entry is read back field by field
against the types of :class:`FileResult`: anything malformed or foreign is a miss, so
reporters only ever see well-formed results, and any failure to read or write costs only
speed.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import types
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from shapelint import __version__
from shapelint.cache_dir import CacheDir, CacheRefused
from shapelint.findings import FileResult
from shapelint.notebooks import is_notebook, program_text
from shapelint.source import split_lines

__all__ = ["CacheDir", "CacheRefused", "ResultCache", "analyzer_fingerprint", "default_directory"]

DIRECTORY_NAME = ".shapelint_cache"
ENV_VAR = "SHAPELINT_CACHE_DIR"
SCHEMA = 2
# Recomputed on a hit: the name the file is read under, and its lines.
_NOT_STORED = ("path", "source_lines")


@lru_cache(maxsize=1)
def analyzer_fingerprint() -> str:
    """shapelint's version and the bytes of every module it is made of: sizes and mtimes
    would miss an edit that keeps both. About 0.6 MB to hash: ~2 ms, once per run."""
    return fingerprint_of(Path(__file__).resolve().parent)


def fingerprint_of(package: Path) -> str:
    h = hashlib.sha256(f"{__version__}:{SCHEMA}".encode())
    for path in sorted(package.rglob("*.py")):
        h.update(f"{path.relative_to(package).as_posix()}\0".encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:16]


def default_directory(root: Path, configured: Path | None = None) -> Path:
    """Where the cache goes when `--cache-dir` is not given: $SHAPELINT_CACHE_DIR, else
    `cache-dir` from the config, else `.shapelint_cache` next to the config file (or in
    the current directory)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return configured or root / DIRECTORY_NAME


class ResultCache:
    """Read and write cached results in one directory; ``None`` disables the cache."""

    def __init__(self, directory: Path | None, keras_version: int):
        self.directory = directory
        self.keras_version = keras_version
        self.hits = 0
        self._dir = CacheDir(directory) if directory is not None else None

    @classmethod
    def open(cls, directory: Path | None, keras_version: int) -> ResultCache:
        """The cache for a run; raises CacheRefused for a directory shapelint did not create."""
        cache = cls(directory, keras_version)
        if cache._dir is not None:
            reason = cache._dir.refusal()
            if reason:
                raise CacheRefused(reason)
        return cache

    def _where(self, data: bytes, path: str) -> tuple[tuple[str, ...], str]:
        key = hashlib.sha256(data).hexdigest()
        kind = "nb" if is_notebook(path) else ""    # the same bytes read as a notebook differ
        return (analyzer_fingerprint(), f"k{self.keras_version}{kind}", key[:2]), f"{key}.json"

    def get(self, data: bytes, path: str) -> FileResult | None:
        if self._dir is None:
            return None
        try:
            stored = json.loads(self._dir.read(*self._where(data, path)))
            result = _result_from_json(stored, path, data)
        except Exception:  # whatever is on disk, a bad entry is only a miss
            return None
        if any(file_digest(dep) != digest for dep, digest in result.dependencies):
            return None          # a project module it imports changed since (as mypy's cache)
        self.hits += 1
        return result

    def put(self, data: bytes, result: FileResult) -> None:
        if self._dir is None:
            return
        try:
            encoded = json.dumps(_result_to_json(result)).encode("utf-8")
            self._dir.write(*self._where(data, result.path), encoded)
        except (OSError, TypeError, ValueError):
            pass


def file_digest(path: str) -> str | None:
    """sha256 of a file's bytes (None when it cannot be read), computed once per version of
    the file in a run."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return _digest(path, st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=1024)
def _digest(path: str, size: int, mtime_ns: int) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


def _result_to_json(result: FileResult) -> dict[str, Any]:
    return {f.name: _plain(getattr(result, f.name)) for f in dataclasses.fields(FileResult)
            if f.name not in _NOT_STORED}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _result_from_json(stored: Any, path: str, data: bytes) -> FileResult:
    if not isinstance(stored, dict) or _NOT_STORED[0] in stored or _NOT_STORED[1] in stored:
        raise Malformed("not a stored result")
    text = program_text(data, path)
    lines = tuple(split_lines(text)) if text is not None else ()
    result: FileResult = decode_as(FileResult, {**stored, "path": path, "source_lines": list(lines)})
    # Each finding names the file it is read under now (the same bytes may have moved).
    return dataclasses.replace(result, diagnostics=tuple(
        dataclasses.replace(d, path=path) for d in result.diagnostics))


class Malformed(ValueError):
    """A stored value that does not have the type its field declares."""


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def decode_as(kind: Any, value: Any) -> Any:
    """Parsed JSON ``value`` as the declared type ``kind`` (dataclasses, tuples, Optional,
    str/int/float/bool, dict); Malformed for anything else."""
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise Malformed(f"{kind.__name__}: expected an object")
        fields = {f.name for f in dataclasses.fields(kind) if f.init}
        if not set(value) <= fields:
            raise Malformed(f"{kind.__name__}: unknown fields {sorted(set(value) - fields)}")
        hints = _hints(kind)
        return kind(**{name: decode_as(hints[name], v) for name, v in value.items()})
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arg in (a for a in args if a is not type(None)):
            try:
                return decode_as(arg, value)
            except (Malformed, TypeError):
                continue
        raise Malformed(f"{value!r:.40} is none of {args}")
    if origin is tuple:
        if not isinstance(value, list):
            raise Malformed("expected an array")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode_as(args[0], v) for v in value)
        if len(args) != len(value):
            raise Malformed(f"expected {len(args)} items")
        return tuple(decode_as(a, v) for a, v in zip(args, value))
    if kind is dict or origin is dict:
        if not isinstance(value, dict):
            raise Malformed("expected an object")
        return value
    if kind is Any:
        return value
    if kind in (str, bool) and isinstance(value, kind):
        return value
    if kind in (int, float) and isinstance(value, (int, float) if kind is float else int) \
            and not isinstance(value, bool):
        return value
    raise Malformed(f"{value!r:.40} is not {kind}")
