"""``--add-noqa``, as ruff does it: a ``# noqa: SHP101`` comment on each line with a finding,
merged into a ``# noqa:`` comment the line already has, so a codebase can adopt shapelint
and fix its findings later.

Only the reported line's end is touched, and only where a comment can go: never inside a
string that runs on, nor after a backslash continuation (those findings are left and
counted). A notebook is edited in its JSON text, inside the cell's source string, so
nothing else in the file changes. A file whose contents changed since it was checked, or
that would no longer parse, is left as it was.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shapelint.findings import FileResult, NotebookIndex
from shapelint.notebooks import is_notebook, program_text
from shapelint.source import split_lines

# Not silenced by a comment on the line: the file cannot be read, or the finding is about
# a comment; a build error is reported where the build failed, not where the code is.
NOT_SUPPRESSIBLE = frozenset({"SHP001", "SHP002", "SHP003", "SHP901"})
_NOQA = re.compile(r"#\s*noqa:\s*[A-Z]+[0-9]+[A-Z0-9]*(?:[\s,]+[A-Z]+[0-9]+[A-Z0-9]*)*", re.I)
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass
class Outcome:
    added: int = 0                 # comments added or extended
    files: int = 0                 # files written
    skipped: list[str] = field(default_factory=list)   # what could not be done, for the user


def add_noqa(results: Sequence[FileResult]) -> Outcome:
    outcome = Outcome()
    for r in results:
        rows: dict[int, set[str]] = defaultdict(set)
        for d in r.diagnostics:
            if d.code not in NOT_SUPPRESSIBLE:
                rows[d.location.row].add(d.code)
        if rows:
            _one_file(r, rows, outcome)
    return outcome


def _one_file(r: FileResult, rows: dict[int, set[str]], outcome: Outcome) -> None:
    path = Path(r.path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        outcome.skipped.append(f"{r.path}: cannot read it ({exc.strerror or exc})")
        return
    text = program_text(data, r.path)
    if text is None or tuple(split_lines(text)) != tuple(r.source_lines):
        outcome.skipped.append(f"{r.path}: changed since it was checked")
        return
    edits, unsafe = _edits(text, rows)
    outcome.skipped += [f"{r.path}:{row}: a comment cannot go at the end of this line" for row in unsafe]
    if not edits:
        return
    new: bytes | None
    if r.notebook is not None and is_notebook(r.path):
        new = _edit_notebook(data, r.notebook, edits)
    else:
        new = _edit_source(data, text, edits)
        if new is not None and not _parses(new, text):
            new = None
    if new is None:
        outcome.skipped.append(f"{r.path}: left unchanged (the edit would not parse)")
        return
    path.write_bytes(new)
    outcome.added += len(edits)
    outcome.files += 1


def _edits(text: str, rows: dict[int, set[str]]) -> tuple[dict[int, tuple[int, str]], list[int]]:
    """(row -> (0-based column, text to insert there)), and the rows where no comment can go."""
    lines = split_lines(text)
    comments, unsafe = _comments_and_unsafe_rows(text)
    edits: dict[int, tuple[int, str]] = {}
    bad: list[int] = []
    for row, codes in sorted(rows.items()):
        if not 0 < row <= len(lines) or row in unsafe:
            bad.append(row)
            continue
        line = lines[row - 1]
        listed = ", ".join(sorted(codes))
        existing = comments.get(row)
        m = _NOQA.search(line, existing) if existing is not None else None
        if m:
            edits[row] = (m.end(), f", {listed}")
        else:
            edits[row] = (len(line.rstrip()), f"  # noqa: {listed}")
    return edits, bad


def _comments_and_unsafe_rows(text: str) -> tuple[dict[int, int], set[int]]:
    """Column of each row's comment, and rows whose end is inside a string or continued
    by a backslash."""
    comments: dict[int, int] = {}
    unsafe: set[int] = set()
    opened: list[int] = []           # rows where f-strings (3.12 tokens) start
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            name = tokenize.tok_name[tok.type]
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.start[1]
            elif name == "FSTRING_START":
                opened.append(tok.start[0])
            elif name == "FSTRING_END" and opened:
                unsafe.update(range(opened.pop(), tok.end[0]))
            elif tok.start[0] < tok.end[0] and tok.type == tokenize.STRING:
                unsafe.update(range(tok.start[0], tok.end[0]))
    except (tokenize.TokenError, SyntaxError):
        return comments, set(range(1, len(split_lines(text)) + 1))
    for row, line in enumerate(split_lines(text), start=1):
        if line.endswith("\\") and row not in comments:
            unsafe.add(row)
    return comments, unsafe


def _edit_source(data: bytes, text: str, edits: dict[int, tuple[int, str]]) -> bytes | None:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    starts = [0] + [m.end() for m in _LINE_END.finditer(text)]
    out = text
    for row, (column, insert) in sorted(edits.items(), reverse=True):
        at = starts[row - 1] + column
        out = out[:at] + insert + out[at:]
    try:
        return out.encode(encoding)
    except UnicodeEncodeError:
        return None


def _parses(new: bytes, old: str) -> bool:
    try:
        ast.parse(new)
    except (SyntaxError, ValueError):
        try:
            ast.parse(old)
        except (SyntaxError, ValueError):
            return True      # it did not parse before either: the comments changed nothing
        return False
    return True


def _edit_notebook(data: bytes, notebook: NotebookIndex, edits: dict[int, tuple[int, str]]) -> bytes:
    bom = data.startswith(b"\xef\xbb\xbf")
    raw = data.decode("utf-8-sig")
    starts = [0] + [m.end() for m in re.finditer("\n", raw)]
    places = []
    for row, (column, insert) in edits.items():
        pos = notebook.in_file(row, column + 1)
        places.append((starts[pos.row - 1] + pos.column - 1, insert))
    for at, insert in sorted(places, reverse=True):
        raw = raw[:at] + insert + raw[at:]
    return (b"\xef\xbb\xbf" if bom else b"") + raw.encode("utf-8")
