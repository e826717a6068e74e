"""``check --fix`` / ``--diff`` / ``--unsafe-fixes``, as ruff does them: make the edits of the
findings that have them (``safe`` ones; ``unsafe`` ones too when asked), check the file
again, and repeat while that leaves new fixable findings; then write the file (``--fix``)
or show what would change (``--diff``, which writes nothing).

Several edits made together are checked together: when they bring a finding no single one
of them would, the first is made alone. A file is left as it is when its contents changed
since it was checked or when the edits would not parse; a notebook is edited inside its
cells' JSON strings, so nothing else in the file changes.
"""
from __future__ import annotations

import difflib
import io
import json
import re
import tokenize
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from shapelint.checker import check_file_source, only_fixed
from shapelint.findings import Diagnostic, Edit, FileResult, NotebookIndex
from shapelint.fixes.edits import apply, common_ends
from shapelint.notebooks import is_notebook, program_text
from shapelint.source import SourceFile, split_lines

MAX_PASSES = 10        # ruff stops after 100; a shape fix rarely makes another possible


@dataclass
class Outcome:
    fixed: int = 0                                         # findings fixed
    files: int = 0                                         # files changed (or that would be)
    diffs: list[str] = field(default_factory=list)         # unified diffs, for --diff
    skipped: list[str] = field(default_factory=list)       # what could not be done, for the user
    results: list[FileResult] = field(default_factory=list)    # what is left to report, per file


Recheck = Callable[[SourceFile], FileResult]


def fixable(d: Diagnostic, unsafe: bool) -> bool:
    return bool(d.edits) and (d.applicability == "safe" or (unsafe and d.applicability == "unsafe"))


def fix_results(results: Sequence[FileResult], unsafe: bool, write: bool,
                recheck: Callable[[str], Recheck]) -> Outcome:
    """Fix every file with fixable findings; ``recheck(path)`` checks a file's new text with
    that file's settings."""
    outcome = Outcome()
    for r in results:
        if not any(fixable(d, unsafe) for d in r.diagnostics):
            outcome.results.append(r)
            continue
        outcome.results.append(_one_file(r, unsafe, write, recheck(r.path), outcome))
    return outcome


def _one_file(r: FileResult, unsafe: bool, write: bool, recheck: Recheck, outcome: Outcome) -> FileResult:
    path = Path(r.path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        outcome.skipped.append(f"{r.path}: cannot read it ({exc.strerror or exc})")
        return r
    text = program_text(data, r.path)
    if text is None or tuple(split_lines(text)) != tuple(r.source_lines):
        outcome.skipped.append(f"{r.path}: changed since it was checked")
        return r
    notebook = r.notebook if is_notebook(r.path) else None
    current, before, fixed = text, r, 0
    seen = {text}
    for _ in range(MAX_PASSES):
        chosen = _disjoint([d for d in before.diagnostics if fixable(d, unsafe)])
        if not chosen:
            break
        step = _step(current, before, chosen, r.path, recheck)
        if step is None or step[0] in seen:      # no edit made, or one that undoes another
            break
        current, after, n = step
        seen.add(current)
        before, fixed = _kept_notebook(after, r), fixed + n
    if current == text:
        return before
    new = _encoded(data, text, current, notebook)
    if new is None:
        outcome.skipped.append(f"{r.path}: left unchanged (the edits cannot be written into it)")
        return r
    outcome.fixed += fixed
    outcome.files += 1
    if write:
        path.write_bytes(new)
    else:
        outcome.diffs.append(_diff(r.path, text, current))
    return before


def _step(text: str, before: FileResult, chosen: list[Diagnostic], path: str,
          recheck: Recheck) -> tuple[str, FileResult, int] | None:
    """The text with the chosen fixes made and its check: all of them when together they
    bring nothing new, else the first alone."""
    for group in (chosen, chosen[:1]) if len(chosen) > 1 else (chosen,):
        new = apply(text, [e for d in group for e in d.edits])
        if new is None or SourceFile(path, new).syntax_error is not None:
            continue
        after = recheck(SourceFile(path, new))
        if len(group) == 1 or only_fixed(before, after, group):
            return new, after, len(group)
    return None


def _disjoint(found: list[Diagnostic]) -> list[Diagnostic]:
    """Findings whose edits do not overlap, in order (the first wins), safe ones first."""
    out: list[Diagnostic] = []
    taken: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for d in sorted(found, key=lambda d: (d.applicability != "safe", d.location.row, d.location.column)):
        spans = [((e.location.row, e.location.column), (e.end_location.row, e.end_location.column))
                 for e in d.edits]
        if any((a < y and x < b) or a == x == b == y for a, b in spans for x, y in taken):
            continue
        out.append(d)
        taken += spans
    return out


def _kept_notebook(after: FileResult, r: FileResult) -> FileResult:
    return replace(after, path=r.path, notebook=r.notebook) if r.notebook is not None else after


def _encoded(data: bytes, old: str, new: str, notebook: NotebookIndex | None) -> bytes | None:
    """The file's new bytes: the source in its own encoding, or the notebook's JSON with
    the changed lines written into their cells."""
    if notebook is not None:
        return _notebook_bytes(data, old, new, notebook)
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    try:
        out = new.encode(encoding)
    except UnicodeEncodeError:
        return None
    bom = b"\xef\xbb\xbf"
    return bom + out if data.startswith(bom) and not out.startswith(bom) else out


def _notebook_bytes(data: bytes, old: str, new: str, notebook: NotebookIndex) -> bytes | None:
    """Each changed program line replaced inside its JSON string; the line count must stay
    (a line added to a cell would need a new string in its source list)."""
    old_lines, new_lines = split_lines(old), split_lines(new)
    if len(old_lines) != len(new_lines):
        return None
    bom = data.startswith(b"\xef\xbb\xbf")
    raw = data.decode("utf-8-sig")
    starts = [0] + [m.end() for m in re.finditer("\n", raw)]
    places = []
    for row, (a, b) in enumerate(zip(old_lines, new_lines), start=1):
        if a == b:
            continue
        head, tail = common_ends(a, b)
        start = notebook.in_file(row, head + 1)
        end = notebook.in_file(row, len(a) - tail + 1)
        content = json.dumps(b[head:len(b) - tail], ensure_ascii=False)[1:-1]
        places.append((starts[start.row - 1] + start.column - 1,
                       starts[end.row - 1] + end.column - 1, content))
    for a_at, b_at, content in sorted(places, reverse=True):
        raw = raw[:a_at] + content + raw[b_at:]
    out = (b"\xef\xbb\xbf" if bom else b"") + raw.encode("utf-8")
    return out if program_text(out, "fixed.ipynb") == new else None


def _diff(path: str, old: str, new: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=path, tofile=path))


def recheck_with(keras_version: int, roots: tuple[str, ...]) -> Recheck:
    return lambda source: check_file_source(source, keras_version, roots)


__all__ = ["Edit", "Outcome", "fix_results", "fixable", "recheck_with"]
