"""``shapelint server`` driven as an editor drives it: pygls' LanguageClient talks LSP to the
server over stdio, opens and edits buffers, asks for hover, inlay hints and code actions.

What the server says is compared with what the command line says about the same file
(``check --output-format json``, ``summary --format json``), never with numbers written here.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT, is_program, run_shapelint

pytest.importorskip("pygls")
from lsprotocol import types  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402

WAIT = 60.0   # seconds an answer may take on a loaded machine before the test fails

BUGGY = '''import keras
from keras import layers

inputs = keras.Input(shape=(32, 32, 3))
a = layers.Conv2D(8, 3)(inputs)
b = layers.Conv2D(8, 5)(inputs)
label = "\N{FACE SAVOURING DELICIOUS FOOD}"; merged = layers.Concatenate()([a, b])
'''
FIXED = BUGGY.replace("layers.Conv2D(8, 5)", "layers.Conv2D(8, 3)")


class Editor:
    """An editor with ``shapelint server`` attached: a real LSP client over stdio, run on an
    event loop of its own so that tests read as plain steps."""

    def __init__(self, root: Path, *args: str, env: dict[str, str] | None = None):
        self.root = root
        self.loop = asyncio.new_event_loop()
        self.client = LanguageClient("test-editor", "1")
        self.published: list[types.PublishDiagnosticsParams] = []
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            self.published.append(params)

        self.run(self.client.start_io(sys.executable, "-m", "shapelint", "server", *args, cwd=str(root),
                                      env={**os.environ, **(env or {})}))
        self.run(self.client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=from_fs_path(str(root)))))
        self.client.initialized(types.InitializedParams())

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(coroutine, WAIT))

    def close(self) -> None:
        self.run(self.client.shutdown_async(None))
        self.client.exit(None)
        self.run(self.client.stop())
        self.loop.close()

    # --- buffers ---------------------------------------------------------------------------
    def open(self, path: Path, text: str | None = None) -> str:
        uri = from_fs_path(str(path))
        self.texts[uri] = path.read_text(encoding="utf-8") if text is None else text
        self.versions[uri] = 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, "python", 1, self.texts[uri])))
        return uri

    def change(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(self.versions[uri], uri),
            [types.TextDocumentContentChangeWholeDocument(text)]))

    def type_at_end(self, uri: str, typed: str) -> None:
        """An incremental change, as editors send them: ``typed`` at the end of the buffer."""
        end = types.Position(len(self.texts[uri].splitlines()), 0)
        self.versions[uri] += 1
        self.texts[uri] += typed
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(self.versions[uri], uri),
            [types.TextDocumentContentChangePartial(types.Range(end, end), typed)]))

    def diagnostics(self, uri: str, after: int = 0) -> list[types.Diagnostic]:
        """The findings published for the buffer's current version (waits for them); ``after``:
        only those published after that many publications."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            for p in reversed(self.published[after:]):
                if p.uri == uri and p.version == self.versions[uri]:
                    return list(p.diagnostics)
            self.run(asyncio.sleep(0.02))
        raise AssertionError(f"no diagnostics for version {self.versions[uri]} of {uri}")

    # --- requests --------------------------------------------------------------------------
    def hover(self, uri: str, line: int, character: int) -> str | None:
        found = self.run(self.client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(uri), types.Position(line, character))))
        return None if found is None else found.contents.value

    def hints(self, uri: str) -> list[types.InlayHint]:
        return list(self.run(self.client.text_document_inlay_hint_async(types.InlayHintParams(
            types.TextDocumentIdentifier(uri), types.Range(types.Position(0, 0), types.Position(10_000, 0))))))

    def actions(self, uri: str, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
        return list(self.run(self.client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(uri), diagnostic.range,
            types.CodeActionContext(diagnostics=[diagnostic])))))


@pytest.fixture(scope="module")
def editor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Editor]:
    root = tmp_path_factory.mktemp("workspace")
    e = Editor(root)
    yield e
    e.close()


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    """What the editor does with a code action's edits (positions in UTF-16 code units)."""
    lines = text.splitlines(keepends=True)

    def offset(p: types.Position) -> int:
        line = lines[p.line]
        units = 0
        for i, char in enumerate(line):
            if units >= p.character:
                return sum(map(len, lines[:p.line])) + i
            units += len(char.encode("utf-16-le")) // 2
        return sum(map(len, lines[:p.line + 1]))

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[:offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
    return text


def _utf16(line: str, column: int) -> int:
    """An LSP character offset (UTF-16) of a 0-based column counted in code points."""
    return len(line[:column].encode("utf-16-le")) // 2


def _cli_findings(path: Path) -> list[dict[str, Any]]:
    done = run_shapelint("check", "--output-format", "json", str(path))
    return json.loads(done.stdout)


# --- diagnostics -------------------------------------------------------------------------------

def test_diagnostics_are_check_s_findings_and_clear_on_edit(editor: Editor, tmp_path: Path) -> None:
    path = tmp_path / "merge.py"
    path.write_text(BUGGY, encoding="utf-8")
    uri = editor.open(path)
    [found] = editor.diagnostics(uri)
    [expected] = _cli_findings(path)
    line = BUGGY.splitlines()[expected["location"]["row"] - 1]
    assert found.code == expected["code"] == "SHP101"
    assert found.source == "shapelint"
    assert found.severity == types.DiagnosticSeverity.Error
    assert found.message == f"{expected['message']}\nfix: {expected['fix']['message']}"
    assert found.code_description is not None and found.code_description.href == expected["url"]
    # 0-based lines, UTF-16 columns: the emoji before the span counts twice
    assert found.range == types.Range(
        types.Position(expected["location"]["row"] - 1, _utf16(line, expected["location"]["column"] - 1)),
        types.Position(expected["end_location"]["row"] - 1, _utf16(line, expected["end_location"]["column"] - 1)))
    assert found.range.start.character == expected["location"]["column"]   # one more than the 0-based column
    # the trace, step by step, as related information in the same file
    steps = [(s["row"] - 1, f"{t['input']} {t['shape']}: {s['layer']} -> {s['shape']}")
             for t in expected["trace"] for s in t["steps"]]
    assert [(r.location.range.start.line, r.message) for r in found.related_information or []] == steps
    assert {r.location.uri for r in found.related_information or []} == {uri}

    editor.change(uri, FIXED)
    assert editor.diagnostics(uri) == []
    editor.change(uri, BUGGY)
    assert [d.code for d in editor.diagnostics(uri)] == ["SHP101"]


def test_a_burst_of_changes_is_checked_once(editor: Editor, tmp_path: Path) -> None:
    path = tmp_path / "burst.py"
    path.write_text(FIXED, encoding="utf-8")
    uri = editor.open(path)
    editor.diagnostics(uri)
    before = len(editor.published)
    for i in range(5):                  # typed faster than the debounce
        editor.change(uri, FIXED + f"n = {i}\n")
    editor.change(uri, BUGGY)
    assert [d.code for d in editor.diagnostics(uri)] == ["SHP101"]
    editor.run(asyncio.sleep(1.0))
    assert [p.version for p in editor.published[before:] if p.uri == uri] == [editor.versions[uri]]


def test_per_file_settings_and_the_cache(tmp_path: Path) -> None:
    """The closest configuration file above the buffer's file applies, and results of saved
    files go to the cache as ``check`` writes them."""
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint]\nper-file-ignores = {"legacy/*" = ["SHP101"]}\n')
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.py").write_text(BUGGY, encoding="utf-8")
    (tmp_path / "new.py").write_text(BUGGY, encoding="utf-8")
    cache = tmp_path / "cache"
    e = Editor(tmp_path, "--cache-dir", str(cache), env={"SHAPELINT_NO_CACHE": ""})
    try:
        assert e.diagnostics(e.open(tmp_path / "legacy" / "old.py")) == []
        assert [d.code for d in e.diagnostics(e.open(tmp_path / "new.py"))] == ["SHP101"]
        uri = e.open(tmp_path / "edited.py", BUGGY)        # a buffer that is not on disk
        assert [d.code for d in e.diagnostics(uri)] == ["SHP101"]
    finally:
        e.close()
    # one entry: old.py and new.py hold the same bytes; the unsaved buffer is not kept
    assert len([p for p in cache.rglob("*.json")]) == 1
    assert (cache / "CACHEDIR.TAG").is_file()


def test_a_changed_configuration_applies_at_once(editor: Editor, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    path = project / "model.py"
    path.write_text(BUGGY, encoding="utf-8")
    uri = editor.open(path)
    assert [d.code for d in editor.diagnostics(uri)] == ["SHP101"]
    config = project / "shapelint.toml"
    config.write_text('ignore = ["concatenate-shape-mismatch"]\n', encoding="utf-8")
    seen = len(editor.published)
    editor.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        [types.FileEvent(from_fs_path(str(config)), types.FileChangeType.Created)]))
    assert editor.diagnostics(uri, after=seen) == []


# --- hover and inlay hints -----------------------------------------------------------------------

SUMMARY_FIXTURES = ["correct/sequential_build.py", "correct/subclassed_model.py",
                    "correct/s2_cnn_lstm_frames_reshape.py"]
LAYER = re.compile(r"\blayers\.(\w+)\(")


@pytest.mark.parametrize("name", SUMMARY_FIXTURES)
def test_hover_and_hints_give_the_summary_s_shapes(editor: Editor, name: str) -> None:
    path = FIXTURES / name
    text = path.read_text(encoding="utf-8")
    [model] = json.loads(run_shapelint("summary", "--format", "json", str(path)).stdout)
    rows = [r for r in model["rows"] if r["kind"] != "InputLayer"]
    uri = editor.open(path)
    editor.diagnostics(uri)
    # the layer written first on each line (not the one it wraps), in order, is a row of the summary
    constructors = [(i, m) for i, line in enumerate(text.splitlines()) if (m := LAYER.search(line))]
    assert [m.group(1) for _, m in constructors] == [r["kind"] for r in rows]
    for (line, m), row in zip(constructors, rows):
        shown = editor.hover(uri, line, m.start())
        assert shown is not None
        assert shown.startswith(f"**{row['kind']}** layer\n\noutput `{row['output_shape']}`\n\ninput `")
        assert f"\n\nparameters: {row['params']:,} (" in shown
    # the lines that make the model's tensors show its output shapes, in order
    labels = [h.label for h in editor.hints(uri)]
    shapes = [r["output_shape"] for r in model["rows"]]
    assert labels[:len(shapes)] == shapes


def test_hover_on_a_model_is_its_summary(editor: Editor) -> None:
    path = FIXTURES / "correct" / "sequential_build.py"
    uri = editor.open(path)
    shown = editor.hover(uri, 4, 0)       # `model` in `model = keras.Sequential([`
    table = run_shapelint("summary", str(path)).stdout.rstrip("\n").split("\n", 1)[1]
    assert shown == f"**model** `model` (sequential)\n\n```text\n{table}\n```"


def test_hover_on_tensors_names_and_arrays(editor: Editor, tmp_path: Path) -> None:
    text = '''import numpy as np
import keras
from keras import layers


def block(x, filters):
    return layers.Conv2D(filters, 3, padding="same")(x)


images = np.zeros((100, 28, 28, 1), dtype="float32")
inputs = keras.Input(shape=(28, 28, 1))
x = block(inputs, 8)
y = block(x, 16)
'''
    path = tmp_path / "tensors.py"
    path.write_text(text, encoding="utf-8")
    uri = editor.open(path)
    editor.diagnostics(uri)
    assert editor.hover(uri, 9, 0) == "**array** `(100, 28, 28, 1)`, float"
    assert editor.hover(uri, 11, 0) == "**tensor** `(None, 28, 28, 8)`\n\nmade by Conv2D at line 7"
    assert editor.hover(uri, 12, 10) == "**tensor** `(None, 28, 28, 8)`\n\nmade by Conv2D at line 7"
    assert editor.hover(uri, 6, 53) == ("**tensor**, one of (this code runs more than once):\n"
                                        "- `(None, 28, 28, 1)`\n- `(None, 28, 28, 8)`")
    assert editor.hover(uri, 5, 0) is None       # `def`: nothing with a shape
    hints = {h.position.line: h.label for h in editor.hints(uri)}
    assert hints == {6: "(None, 28, 28, 8) | (None, 28, 28, 16)", 9: "(100, 28, 28, 1)",
                     10: "(None, 28, 28, 1)", 11: "(None, 28, 28, 8)", 12: "(None, 28, 28, 16)"}
    line = text.splitlines()[6]
    assert [h.position.character for h in editor.hints(uri) if h.position.line == 6] == [len(line)]


# --- code actions --------------------------------------------------------------------------------

def test_the_suppression_code_action_silences_the_finding(editor: Editor, tmp_path: Path) -> None:
    path = tmp_path / "suppress.py"
    path.write_text(BUGGY, encoding="utf-8")
    uri = editor.open(path)
    [found] = editor.diagnostics(uri)
    [action] = [a for a in editor.actions(uri, found) if a.title.startswith("Suppress")]
    assert action.title == "Suppress SHP101 (concatenate-shape-mismatch) on line 7: # shapelint: ignore[SHP101]"
    assert action.kind == types.CodeActionKind.QuickFix
    assert list(action.diagnostics or []) == [found]
    assert action.edit is not None and action.edit.changes is not None
    edited = _apply(BUGGY, action.edit.changes[uri])
    assert edited.splitlines()[6] == BUGGY.splitlines()[6] + "  # shapelint: ignore[SHP101]"
    editor.change(uri, edited)
    assert editor.diagnostics(uri) == []          # silenced, and the comment is not unused (SHP003)


def test_the_suppression_joins_a_comment_the_line_has(editor: Editor, tmp_path: Path) -> None:
    text = BUGGY.replace("([a, b])\n", "([a, b])  # shapelint: ignore[SHP102]\n")
    path = tmp_path / "joined.py"
    path.write_text(text, encoding="utf-8")
    uri = editor.open(path)
    found = next(d for d in editor.diagnostics(uri) if d.code == "SHP101")
    [action] = [a for a in editor.actions(uri, found) if a.title.startswith("Suppress")]
    assert action.edit is not None and action.edit.changes is not None
    edited = _apply(text, action.edit.changes[uri])
    assert edited.splitlines()[6].endswith("# shapelint: ignore[SHP102, SHP101]")


def test_no_suppression_where_a_comment_cannot_go(editor: Editor, tmp_path: Path) -> None:
    """A finding whose line ends inside a string: a comment there would be part of it."""
    text = BUGGY.replace('label = "\N{FACE SAVOURING DELICIOUS FOOD}"; merged = layers.Concatenate()([a, b])',
                         'merged = layers.Concatenate()([a, b]); doc = """\nmore text\n"""')
    path = tmp_path / "string.py"
    path.write_text(text, encoding="utf-8")
    uri = editor.open(path)
    [found] = editor.diagnostics(uri)
    assert [a.title for a in editor.actions(uri, found) if a.title.startswith("Suppress")] == []


def _json_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """``check --output-format json``'s edits made (1-based rows and columns, code points)."""
    lines = text.splitlines(keepends=True)

    def offset(at: dict[str, int]) -> int:
        return sum(map(len, lines[:at["row"] - 1])) + at["column"] - 1

    for e in sorted(edits, key=lambda e: (e["location"]["row"], e["location"]["column"]), reverse=True):
        text = text[:offset(e["location"])] + e["content"] + text[offset(e["end_location"]):]
    return text


def test_a_fix_with_edits_is_a_code_action(editor: Editor, tmp_path: Path) -> None:
    """The first finding of the buggy fixtures that carries edits (those ``check --fix``
    makes) is offered them as a quick fix, preferred when they are safe."""
    found = json.loads(run_shapelint("check", "--output-format", "json", str(FIXTURES / "buggy")).stdout)
    fixable = [f for f in found if f.get("code") and f["fix"] and f["fix"]["edits"] and f["cell"] is None
               and is_program(ROOT / f["filename"])]
    if not fixable:
        pytest.skip("no finding of the buggy fixtures carries edits yet")
    expected = fixable[0]
    text = (ROOT / expected["filename"]).read_text(encoding="utf-8")
    path = tmp_path / Path(expected["filename"]).name
    path.write_text(text, encoding="utf-8")
    uri = editor.open(path)
    before = editor.diagnostics(uri)
    finding = next(d for d in before if d.code == expected["code"]
                   and d.range.start.line == expected["location"]["row"] - 1)
    [action] = [a for a in editor.actions(uri, finding) if a.title.startswith("Fix")]
    safe = expected["fix"]["applicability"] == "safe"
    assert action.title == f"Fix {expected['code']} ({expected['name']})" + ("" if safe else ", unsafe: review the change")
    assert bool(action.is_preferred) == safe
    assert action.edit is not None and action.edit.changes is not None
    edited = _apply(text, action.edit.changes[uri])
    assert edited == _json_edits(text, expected["fix"]["edits"])
    editor.change(uri, edited)
    after = editor.diagnostics(uri)
    assert (expected["code"], expected["location"]["row"] - 1) not in [(d.code, d.range.start.line) for d in after]
    if safe:
        assert len(after) == len(before) - 1


def test_a_finding_s_edits_are_the_action_s_edits() -> None:
    """Findings count columns from 1, the action's edits from 0 (the LSP edge converts them)."""
    from shapelint.findings import Diagnostic, Edit, Position
    from shapelint.server import actions

    text = "import keras\n\ninputs = keras.Input(shape=(5))\n"
    edit = Edit("(5,)", Position(3, 28), Position(3, 31))
    found = Diagnostic("f.py", "SHP202", "int-shape-argument", "error", "", Position(3, 22), Position(3, 32),
                       edits=(edit,), applicability="unsafe")
    action = actions.fix(found)
    assert action is not None and not action.preferred
    assert action.title == "Fix SHP202 (int-shape-argument), unsafe: review the change"
    assert actions.apply(text, action.edits) == "import keras\n\ninputs = keras.Input(shape=(5,))\n"
    assert actions.fix(replace(found, edits=())) is None


# --- robustness ------------------------------------------------------------------------------------

def test_a_syntax_error_mid_edit(editor: Editor, tmp_path: Path) -> None:
    path = tmp_path / "typing.py"
    path.write_text(FIXED, encoding="utf-8")
    uri = editor.open(path)
    assert editor.diagnostics(uri) == []
    broken = FIXED + "c = layers.Dense(4)(\n"
    editor.type_at_end(uri, "c = layers.Dense(4)(\n")
    [error] = editor.diagnostics(uri)
    broken_path = tmp_path / "broken.py"
    broken_path.write_text(broken, encoding="utf-8")
    [expected] = _cli_findings(broken_path)
    assert (error.code, error.message) == ("SHP001", expected["message"])
    assert error.range.start == types.Position(expected["location"]["row"] - 1, expected["location"]["column"] - 1)
    assert editor.hover(uri, 4, 0) is None and editor.hints(uri) == []
    editor.change(uri, FIXED)
    assert editor.diagnostics(uri) == []
    assert editor.hover(uri, 4, 0) == "**tensor** `(None, 30, 30, 8)`"


def test_a_file_that_exhausts_the_analysis_budget(editor: Editor, tmp_path: Path) -> None:
    text = FIXED + '''total = 0
for i in range(60):
    for j in range(60):
        for k in range(60):
            total = total + i * j * k
c = layers.Flatten()(a)
'''
    path = tmp_path / "budget.py"
    path.write_text(text, encoding="utf-8")
    uri = editor.open(path)
    done = run_shapelint("check", "--output-format", "json", str(path))
    notes = [n["message"] for n in json.loads(done.stdout) if n.get("code") is None] or \
        [line.split("note: ", 1)[1] for line in run_shapelint("check", str(path)).stdout.splitlines()
         if "note: " in line]
    found = editor.diagnostics(uri)
    assert [(d.severity, d.message) for d in found] == [(types.DiagnosticSeverity.Information, n) for n in notes]
    assert notes and "budget" in notes[0]
    assert editor.hover(uri, 12, 0) == "**tensor** `(None, 7200)`"      # the rest was analysed


def test_answers_within_200_ms_after_the_first_analysis(editor: Editor, tmp_path: Path) -> None:
    lines = ["import keras", "from keras import layers", "", "", "def block(x, filters):",
             "    y = layers.Conv2D(filters, 3, padding='same')(x)", "    y = layers.BatchNormalization()(y)",
             "    return layers.ReLU()(y)", "", "", "inputs = keras.Input(shape=(64, 64, 3))", "x = inputs"]
    i = 0
    while len(lines) < 298:
        lines += [f"x = block(x, {16 + 8 * (i % 4)})", f"skip_{i} = layers.Conv2D({16 + 8 * (i % 4)}, 1)(x)",
                  f"x = layers.Add()([x, skip_{i}])"]
        i += 1
    lines += ["outputs = layers.GlobalAveragePooling2D()(x)", "model = keras.Model(inputs, outputs)"]
    path = tmp_path / "long.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(lines) >= 300
    uri = editor.open(path)
    editor.diagnostics(uri)                      # the first analysis
    times = []
    for row in range(12, 292, 14):
        start = time.perf_counter()
        assert editor.hover(uri, row, 0) is not None
        editor.hints(uri)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.2, times


def test_the_command_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from shapelint.server import server_missing

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pygls" else real(name, *a))
    assert server_missing() == ("shapelint: the language server needs pygls, which is not installed. "
                                'Install it with:\n    pip install "shapelint[server]"')
