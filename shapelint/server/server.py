"""The language server: LSP over stdio (pygls), one analysis per version of each buffer.

A buffer is checked when it is opened or saved, and a moment after the last of a burst of
changes (debounced); the check of a version is kept, so hover, inlay hints and code actions
on that version answer from it at once, and a request for a version not checked yet waits for
its check. Checks run one at a time on a worker thread, so the server keeps reading messages
(a newer change makes an older version's check moot: it is skipped, or its result dropped).
A change to a configuration file, or to a Python file outside the editor, checks every open
buffer again.
"""
from __future__ import annotations

import asyncio
import gc
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path, uri_scheme

from shapelint import __version__
from shapelint.checker import GC_THRESHOLDS
from shapelint.config import CONFIG_NAMES
from shapelint.notebooks import is_notebook
from shapelint.server import actions, convert
from shapelint.server.buffers import BufferChecker, Checked, Snapshot

# Long enough to let a burst of keystrokes pass, short enough to feel immediate.
DEBOUNCE_SECONDS = 0.3
WATCHED = ("**/*.py", *(f"**/{name}" for name in CONFIG_NAMES))


class ShapelintServer(LanguageServer):
    """pygls' server, with the state of the open buffers: their latest versions, the check of
    each (a future until it is done) and the pending publication of their findings."""

    def __init__(self, cache_dir: Path | None = None, use_cache: bool = True):
        super().__init__("shapelint", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.cache_dir = cache_dir
        self.use_cache = use_cache
        self._checker: BufferChecker | None = None
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shapelint-check")
        self.versions: dict[str, int] = {}       # the latest version of each open buffer
        self.checks: dict[str, tuple[int, asyncio.Future[Checked | None]]] = {}
        self.pending: dict[str, asyncio.Task[None]] = {}

    @property
    def checker(self) -> BufferChecker:
        if self._checker is None:
            folders = list(self.workspace.folders.values())
            root = self.workspace.root_path or (to_fs_path(folders[0].uri) if folders else None)
            self._checker = BufferChecker(Path(root or os.getcwd()), self.cache_dir, self.use_cache)
        return self._checker

    # --- checks -------------------------------------------------------------------------
    def lines(self, checked: Checked) -> convert.Lines:
        return convert.Lines(checked.lines, self.workspace.position_codec)

    async def current(self, uri: str) -> Checked | None:
        """The check of the buffer's latest version (started now if it was not)."""
        version = self.versions.get(uri)
        if version is None:
            return None
        entry = self.checks.get(uri)
        if entry is None or entry[0] != version:
            doc = self.workspace.get_text_document(uri)
            path = to_fs_path(uri) if uri_scheme(uri) == "file" else None
            snapshot = Snapshot(uri, path, doc.source, version)
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(self.worker, self._check, self.checker, snapshot)
            entry = self.checks[uri] = (version, future)
        checked = await asyncio.shield(entry[1])
        return checked if checked is not None and self.versions.get(uri) == checked.snapshot.version else None

    def _check(self, checker: BufferChecker, snapshot: Snapshot) -> Checked | None:
        """On the worker thread: nothing for a version a newer one has replaced."""
        if self.versions.get(snapshot.uri) != snapshot.version:
            return None
        return checker.check(snapshot)

    def publish_soon(self, uri: str, delay: float = 0.0) -> None:
        """Publish the buffer's findings after ``delay`` (a newer call replaces an older one)."""
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self.pending[uri] = asyncio.ensure_future(self._publish(uri, delay))

    async def _publish(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        checked = await self.current(uri)
        if checked is None:
            return
        found = convert.diagnostics(checked.result, self.lines(checked), uri)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=checked.snapshot.version, diagnostics=found))

    def check_all_again(self) -> None:
        """Something every buffer may depend on changed: a configuration or a project module."""
        self.checks.clear()
        for uri in self.versions:
            self.publish_soon(uri, DEBOUNCE_SECONDS)
        refresh = self.client_capabilities.workspace
        if refresh is not None and refresh.inlay_hint is not None and refresh.inlay_hint.refresh_support:
            self.workspace_inlay_hint_refresh(None)


def _is_python(uri: str, language_id: str) -> bool:
    """Python buffers; a notebook's JSON opened as text is not one."""
    return language_id == "python" and not is_notebook(uri)


def build(cache_dir: Path | None = None, use_cache: bool = True) -> ShapelintServer:
    server = ShapelintServer(cache_dir, use_cache)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: ShapelintServer, params: types.InitializedParams) -> None:
        watched = ls.client_capabilities.workspace
        if watched is None or watched.did_change_watched_files is None \
                or not watched.did_change_watched_files.dynamic_registration:
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=g) for g in WATCHED])
        await ls.client_register_capability_async(types.RegistrationParams(registrations=[types.Registration(
            id="shapelint-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options)]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ShapelintServer, params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        if _is_python(doc.uri, doc.language_id):
            ls.versions[doc.uri] = doc.version
            ls.publish_soon(doc.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ShapelintServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri in ls.versions:
            ls.versions[uri] = params.text_document.version
            ls.publish_soon(uri, DEBOUNCE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ShapelintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        name = uri.rsplit("/", 1)[-1]
        if name in CONFIG_NAMES:
            ls.checker.reload()
            ls.check_all_again()
        elif uri in ls.versions:
            ls.checks.pop(uri, None)       # check it as saved: the cache now applies
            ls.publish_soon(uri)
            for other in ls.versions:      # buffers that import it see the saved version
                if other != uri:
                    ls.checks.pop(other, None)
                    ls.publish_soon(other, DEBOUNCE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ShapelintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.versions.pop(uri, None)
        ls.checks.pop(uri, None)
        pending = ls.pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_changed(ls: ShapelintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(change.uri.rsplit("/", 1)[-1] in CONFIG_NAMES for change in params.changes):
            ls.checker.reload()
        ls.check_all_again()

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: ShapelintServer, params: types.HoverParams) -> types.Hover | None:
        checked = await ls.current(params.text_document.uri)
        if checked is None or checked.index is None:
            return None
        lines = ls.lines(checked)
        span = checked.index.at(*lines.point(params.position))
        if span is None:
            return None
        text = checked.index.hover(span)
        return convert.hover(span, text, lines) if text else None

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    async def inlay_hints(ls: ShapelintServer, params: types.InlayHintParams) -> list[types.InlayHint]:
        checked = await ls.current(params.text_document.uri)
        if checked is None or checked.index is None:
            return []
        first, last = params.range.start.line + 1, params.range.end.line + 1
        lines = ls.lines(checked)
        return [convert.inlay_hint(h, lines) for h in checked.index.hints if first <= h.row <= last]

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    async def code_actions(ls: ShapelintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        only = params.context.only
        if only and not any(types.CodeActionKind.QuickFix.value.startswith(k) for k in only):
            return []
        uri = params.text_document.uri
        checked = await ls.current(uri)
        if checked is None:
            return []
        lines = ls.lines(checked)
        first, last = params.range.start.line + 1, params.range.end.line + 1
        out = []
        for d in checked.result.diagnostics:
            if d.location.row > last or d.end_location.row < first:
                continue
            found = [convert.diagnostic(d, lines, uri)]
            for action in (actions.fix(d), actions.suppression(checked.snapshot.text, d)):
                if action is not None:
                    out.append(convert.code_action(action, uri, lines, found))
        return out

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: ShapelintServer, params: Any) -> None:
        for task in ls.pending.values():
            task.cancel()
        ls.worker.shutdown(wait=False, cancel_futures=True)

    return server


def serve(cache_dir: Path | None = None, use_cache: bool = True) -> None:
    """Serve one editor over standard input and output until it says exit. The process
    collects garbage less often, as ``check`` does while it analyses (checker.GC_THRESHOLDS)."""
    gc.set_threshold(*GC_THRESHOLDS)
    build(cache_dir, use_cache).start_io()
