"""Checking an editor's buffer as ``shapelint check`` checks the file: the settings of the
closest configuration file above it, the results cache, the rules it enables — plus the
:class:`~shapelint.server.index.ShapeIndex` that hover and inlay hints read.

No LSP here: a :class:`Snapshot` (a version of a buffer's text) goes in, a :class:`Checked`
comes out, and any failure of the analysis is a note on the result, never an exception.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from shapelint import cache, config
from shapelint.checker import analyse, check_file_source, may_build_models
from shapelint.discovery import NotRegularFile, read_source
from shapelint.findings import FileResult
from shapelint.notebooks import is_notebook
from shapelint.server.index import ShapeIndex, ValueRecorder
from shapelint.source import SourceFile, decode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """One version of a buffer. ``path`` is None for a buffer with no file (untitled)."""

    uri: str
    path: str | None
    text: str
    version: int


@dataclass(frozen=True)
class Checked:
    """A version of a buffer, checked: its findings after the file's settings, the notes on
    what was not analysed, and the index of shapes (None: the buffer does not parse)."""

    snapshot: Snapshot
    result: FileResult
    index: ShapeIndex | None
    lines: tuple[str, ...]


class BufferChecker:
    """Checks snapshots one at a time (the server runs it on one worker thread)."""

    def __init__(self, root: Path, cache_dir: Path | None = None, use_cache: bool = True):
        self.root = root
        self.cache_dir = cache_dir
        self.use_cache = use_cache
        self._lock = threading.Lock()
        self._caches: dict[int, cache.ResultCache] = {}
        self.reload()

    def reload(self) -> None:
        """Read the configuration files again (one of them changed)."""
        with self._lock:
            self._resolver: config.Resolver | None = None
            self._caches = {}

    def _settings(self, path: str | None) -> tuple[config.Config, str | None]:
        """The settings of a buffer's file (the workspace's for an untitled one), and the
        configuration error that made them the defaults, if any."""
        with self._lock:
            try:
                if self._resolver is None:
                    self._resolver = config.Resolver(self.root)
                resolver = self._resolver
                return (resolver.for_path(Path(path)) if path else resolver.default), None
            except config.ConfigError as exc:
                return config.Config(root=self.root), f"configuration error: {exc}; the defaults apply"

    def _cache(self, keras_version: int) -> cache.ResultCache | None:
        """One cache for the workspace, as for one ``check`` run: ``--cache-dir``, else
        $SHAPELINT_CACHE_DIR, else the workspace's ``cache-dir`` or ``.shapelint_cache``."""
        if not self.use_cache:
            return None
        with self._lock:
            if keras_version not in self._caches:
                directory = self.cache_dir
                if directory is None:
                    default = self._resolver.default if self._resolver is not None \
                        else config.Config(root=self.root)
                    directory = cache.default_directory(default.root, default.cache_dir)
                try:
                    self._caches[keras_version] = cache.ResultCache.open(directory, keras_version)
                except cache.CacheRefused as exc:
                    log.warning("shapelint: not using the results cache: %s", exc)
                    self._caches[keras_version] = cache.ResultCache(None, keras_version)
            return self._caches[keras_version]

    def check(self, snapshot: Snapshot) -> Checked:
        source = SourceFile(snapshot.path or "untitled.py", snapshot.text)
        try:
            return self._check(source, snapshot)
        except Exception as exc:   # an analyzer bug costs this version's answers, never the server
            log.exception("shapelint: checking %s failed", snapshot.uri)
            note = (f"analysis failed: internal error {type(exc).__name__}: {str(exc)[:200]}; "
                    "its findings are unknown")
            failed = FileResult(source.path, (), source.lines, notes=(note,))
            return Checked(snapshot, failed, None, source.lines)

    def _check(self, source: SourceFile, snapshot: Snapshot) -> Checked:
        settings, problem = self._settings(snapshot.path)
        roots = tuple(map(str, settings.src))
        result = self._findings(source, snapshot, settings, roots)
        index = self._index(source, settings.target_keras, roots)
        if index is None and source.syntax_error is None:
            result = replace(result, notes=(*result.notes, "hover and inlay hints: the analysis failed"))
        if problem:
            result = replace(result, notes=(problem, *result.notes))
        return Checked(snapshot, result, index, source.lines)

    def _findings(self, source: SourceFile, snapshot: Snapshot, settings: config.Config,
                  roots: tuple[str, ...]) -> FileResult:
        """The file's findings: cached when the buffer is what the file holds on disk (the only
        text worth keeping), filtered by the file's rules and per-file ignores."""
        path = snapshot.path
        if path is not None and settings.excluded(Path(path)):
            return FileResult(source.path, (), source.lines)
        on_disk = _disk_bytes(path, snapshot.text)
        store = self._cache(settings.target_keras) if on_disk is not None else None
        result = store.get(on_disk, source.path) if store is not None and on_disk is not None else None
        if result is None:
            result = check_file_source(source, settings.target_keras, roots, seconds=settings.time_limit)
            if store is not None and on_disk is not None and result.cacheable:
                store.put(on_disk, result)
        if path is None:
            return result
        kept = tuple(d for d in result.diagnostics if settings.enabled(d.code, Path(path)))
        return replace(result, diagnostics=kept)

    def _index(self, source: SourceFile, keras_version: int, roots: tuple[str, ...]) -> ShapeIndex | None:
        """The shapes of the buffer's expressions. A run of the interpreter of its own:
        ``check_file_source`` does not take observers, so a buffer the cache does not hold is
        analysed twice."""
        if source.module is None:
            return None
        if not may_build_models(source, roots):
            return ShapeIndex.empty()
        recorder = ValueRecorder()
        try:
            analysis = analyse(source, keras_version, observers=(recorder,), roots=roots)
            return ShapeIndex.build(source, analysis, recorder)
        except Exception:   # RecursionError included: hover is lost, the server goes on
            log.exception("shapelint: indexing shapes failed")
            return None


def _disk_bytes(path: str | None, text: str) -> bytes | None:
    """The file's bytes when the buffer holds exactly what the file does (else None)."""
    if path is None or is_notebook(path):
        return None
    try:
        data = read_source(path)
    except (OSError, NotRegularFile):
        return None
    decoded, _ = decode(data)
    return data if decoded is not None and decoded == text else None
