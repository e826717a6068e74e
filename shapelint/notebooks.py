"""Jupyter notebooks as ruff checks them: the code cells, in order, as one program.

IPython syntax (line magics ``%time``, shell escapes ``!pip``, ``x = !ls``, help ``model?``)
is blanked, never dropped, so every line keeps its number; a cell that starts with a cell
magic whose body is not Python (``%%bash``, ``%%writefile``) is left out whole, as ruff does.
Findings are computed on the program and located at the edge through a
:class:`~shapelint.findings.NotebookIndex`: by cell (``model.ipynb:cell 3:2:5``) for people,
and by line and column of the ``.ipynb`` text itself for SARIF and CI annotations. The JSON
is read by the standard library's own scanner, told to remember where each string starts.
A file that is not notebook JSON is unreadable (SHP002), never a pass.
"""
from __future__ import annotations

import bisect
import json
import json.scanner
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from shapelint.findings import CellSpan, NotebookIndex, RawLine
from shapelint.source import SourceError, SourceFile, decode

SUFFIX = ".ipynb"
# Cell magics whose body is Python (ruff's list): the body is checked, the magic line blanked.
PYTHON_CELL_MAGICS = frozenset({"capture", "debug", "prun", "pypy", "python", "python3", "time", "timeit"})

_MAGIC = re.compile(r"^([ \t]*)(?:%|!)")                               # %magic, %%magic, !cmd
_ASSIGNED_MAGIC = re.compile(r"^([ \t]*[\w.\[\], \t]+?[ \t]*=[ \t]*)(?:%|!)")   # x = !ls
_HELP = re.compile(r"^([ \t]*)(?:\?{1,2}[\w.]+|[\w.]+\?{1,2})[ \t]*$")          # model?  ??fn
_ESCAPE_WIDTH = {"u": 6}                 # \uXXXX; every other escape takes two characters


def is_notebook(path: str) -> bool:
    return path.lower().endswith(SUFFIX)


class NotANotebook(ValueError):
    """The bytes are not a Jupyter notebook; the message says why."""


@dataclass(frozen=True)
class Notebook:
    text: str              # the program: code cells in order, IPython syntax blanked
    index: NotebookIndex


def source_of(data: bytes, path: str) -> tuple[SourceFile | SourceError, NotebookIndex | None]:
    """What the checker analyses for a file's bytes: Python source as it is, or a notebook's
    program with its index (an unreadable notebook is a SourceError, SHP002)."""
    if not is_notebook(path):
        return SourceFile.from_bytes(data, path), None
    try:
        notebook = read_notebook(data)
    except NotANotebook as exc:
        return SourceError("SHP002", f"not a Jupyter notebook ({exc})"), None
    return SourceFile(path, notebook.text), notebook.index


def program_text(data: bytes, path: str) -> str | None:
    """The text the checker's rows count in (a notebook's program), or None."""
    if not is_notebook(path):
        return decode(data)[0]
    try:
        return read_notebook(data).text
    except NotANotebook:
        return None


class _At(str):
    """A JSON string value that remembers where its text starts in the document."""

    at: int


def _located(string: str, end: int, strict: bool = True) -> tuple[str, int]:
    # scanstring is undocumented (not in typeshed), but CPython's decoder has used it since 2.6.
    value, after = json.decoder.scanstring(string, end, strict)   # type: ignore[attr-defined]
    located = _At(value)
    located.at = end
    return located, after


class _LocatingDecoder(json.JSONDecoder):
    """A JSON decoder whose strings are :class:`_At`: the pure-Python scanner reads
    ``parse_string`` from its decoder (the C one does not, so it is not used)."""

    def __init__(self) -> None:
        super().__init__()
        self.parse_string = _located
        # py_make_scanner is undocumented (not in typeshed), like the scanner hook it builds.
        self.scan_once = json.scanner.py_make_scanner(self)   # type: ignore[attr-defined]


def _load(raw: str) -> Any:
    return _LocatingDecoder().decode(raw)


def read_notebook(data: bytes) -> Notebook:
    """The program of an nbformat-4 notebook; NotANotebook for anything else."""
    try:
        raw = data.decode("utf-8-sig")
        doc = _load(raw)
    except UnicodeDecodeError as exc:
        raise NotANotebook(f"not UTF-8: {exc.reason}") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise NotANotebook(f"invalid JSON: {exc}") from None
    cells = _cells(doc) if _language(doc) in ("python", "") else []   # an R notebook: nothing to check
    starts = [0] + [m.end() for m in re.finditer("\n", raw)]
    lines: list[str] = []
    spans: list[CellSpan] = []
    mapped: list[RawLine] = []
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        pieces = cell["source"] if isinstance(cell["source"], list) else [cell["source"]]
        cell_lines = list(_lines(pieces, raw, starts))
        if not cell_lines or _foreign_cell_magic(cell_lines[0][0]):
            continue
        spans.append(CellSpan(number, len(lines) + 1, len(cell_lines)))
        lines += blank_ipython([text for text, _ in cell_lines])
        mapped += [where for _, where in cell_lines]
    text = "".join(line + "\n" for line in lines)
    return Notebook(text, NotebookIndex(tuple(spans), tuple(mapped)))


def _language(doc: dict[str, Any]) -> str:
    """The notebook's language as its metadata names it ("" when it does not)."""
    meta = doc.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        table = meta.get(key)
        value = table.get(field) if isinstance(table, dict) else None
        if isinstance(value, str) and value:
            return value.lower()
    return ""


def _cells(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list):
        raise NotANotebook("no 'cells' list: not nbformat 4")
    for i, cell in enumerate(doc["cells"], start=1):
        source = cell.get("source") if isinstance(cell, dict) else None
        if not isinstance(source, (str, list)) or (
                isinstance(source, list) and not all(isinstance(s, str) for s in source)):
            raise NotANotebook(f"cell {i} has no source text")
    cells: list[dict[str, Any]] = doc["cells"]     # each one a dict with a source, as checked
    return cells


def _lines(pieces: list[str], raw: str, starts: list[int]) -> Iterator[tuple[str, RawLine]]:
    """The lines of a cell's source and where each starts in the raw JSON. A line ends at
    \\n, \\r\\n or \\r, as Python numbers them; a line continued in the next JSON string
    keeps the position of its start."""
    text, where = "", None
    escapes: list[tuple[int, int]] = []
    for piece in pieces:
        at: int | None = piece.at if isinstance(piece, _At) else None
        for i, ch in enumerate(piece):
            if where is None:
                where = _position(at, starts) if at is not None else RawLine(1, 1)
                text, escapes = "", []
            width = _width(raw, at) if at is not None else 1
            if ch == "\n" or (ch == "\r" and piece[i + 1:i + 2] != "\n"):
                yield text, RawLine(where.row, where.column, tuple(escapes))
                where = None
            elif ch != "\r":
                if width > 1:
                    escapes.append((len(text) + 1, width - 1))
                text += ch
            if at is not None:
                at += width
    if where is not None:
        yield text, RawLine(where.row, where.column, tuple(escapes))


def _position(offset: int, starts: list[int]) -> RawLine:
    row = bisect.bisect_right(starts, offset)
    return RawLine(row, offset - starts[row - 1] + 1)


def _width(raw: str, at: int) -> int:
    """How many characters of JSON text the character at ``at`` takes."""
    if raw[at] != "\\":
        return 1
    width = _ESCAPE_WIDTH.get(raw[at + 1], 2)
    if width == 6 and 0xD800 <= int(raw[at + 2:at + 6], 16) < 0xDC00 and raw[at + 6:at + 8] == "\\u":
        width = 12      # a surrogate pair: one character
    return width


def _foreign_cell_magic(first_line: str) -> bool:
    stripped = first_line.lstrip()
    if not stripped.startswith("%%"):
        return False
    name = stripped[2:].split(maxsplit=1)[0] if stripped[2:].strip() else ""
    return name not in PYTHON_CELL_MAGICS


def blank_ipython(lines: list[str]) -> list[str]:
    """The lines with IPython syntax replaced by Python that keeps every line in place: a
    magic or shell escape (and its ``\\`` continuation lines) becomes ``pass`` at its
    indentation (nothing at the top level), an assigned one ``x = None``, a help request
    ``pass``. Only a line that starts a statement can be IPython syntax: ``% b`` inside
    brackets or a string is Python."""
    out: list[str] = []
    state = _Scan()
    magic_continues = False
    for line in lines:
        if magic_continues:
            out.append("")
            magic_continues = line.rstrip().endswith("\\")
            continue
        if state.fresh:
            assigned = None if _MAGIC.match(line) else _ASSIGNED_MAGIC.match(line)
            magic = _MAGIC.match(line) or _HELP.match(line)
            blanked = (assigned.group(1) + "None" if assigned
                       else (magic.group(1) + "pass" if magic.group(1) else "") if magic else None)
            if blanked is not None:
                out.append(blanked)
                magic_continues = line.rstrip().endswith("\\")
                continue
        state.feed(line)
        out.append(line)
    return out


class _Scan:
    """Just enough of Python's lexer to tell whether the next line starts a statement:
    open brackets, an open string, a backslash continuation."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None
        self.continued = False

    @property
    def fresh(self) -> bool:
        return not (self.depth or self.quote or self.continued)

    def feed(self, line: str) -> None:
        i, n = 0, len(line)
        self.continued = False
        while i < n:
            if self.quote:
                i = self._close(line, i)
                if self.quote:
                    break
                continue
            ch = line[i]
            if ch == "#":
                return
            if ch in "\"'":
                self.quote = line[i:i + 3] if line[i:i + 3] in ('"""', "'''") else ch
                i += len(self.quote)
                continue
            if ch in "([{":
                self.depth += 1
            elif ch in ")]}":
                self.depth = max(self.depth - 1, 0)
            i += 1
        ends_with_backslash = line.endswith("\\")
        if self.quote and len(self.quote) == 1 and not ends_with_backslash:
            self.quote = None          # an unterminated string: the parser will say so
        self.continued = ends_with_backslash and not self.quote

    def _close(self, line: str, i: int) -> int:
        """Past the end of the open string, or the end of the line while it stays open."""
        assert self.quote is not None
        while i < len(line):
            if line[i] == "\\":
                i += 2
            elif line.startswith(self.quote, i):
                i += len(self.quote)
                self.quote = None
                return i
            else:
                i += 1
        return i
