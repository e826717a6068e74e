"""Reading and parsing one file: any failure becomes a reason, never an exception."""
from __future__ import annotations

import ast
import io
import re
import sys
import threading
import tokenize
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
    from libcst.metadata import CodeRange

    from shapelint.suppressions import Suppressions


@dataclass
class SourceError:
    code: str          # SHP001 syntax error, SHP002 unreadable
    message: str
    row: int = 1
    column: int = 1


def decode(data: bytes) -> tuple[str | None, SourceError | None]:
    """Decode as Python does (PEP 263 coding cookie, BOM, default UTF-8)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        return None, SourceError("SHP002", f"cannot decode the file as Python source ({reason})")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, None


def check_syntax(text: str, filename: str) -> SourceError | None:
    """CPython's own parser: exact messages, and it rejects what would overflow libcst."""
    return python_ast(text, filename)[1]


def python_ast(text: str, filename: str) -> tuple[ast.Module | None, SourceError | None]:
    """The ``ast`` of the text, or the syntax error CPython reports for it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=filename), None
    except SyntaxError as exc:
        return None, SourceError("SHP001", exc.msg or "invalid syntax", exc.lineno or 1,
                                 max(exc.offset or 1, 1))
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, SourceError("SHP001", f"cannot be parsed: {type(exc).__name__}: {exc}")


def parse(text: str) -> tuple[cst.Module | None, SourceError | None]:
    import libcst as cst  # here, so that reading a file (and a cache hit) does not load it

    try:
        return cst.parse_module(text), None
    except cst.ParserSyntaxError as exc:
        return None, SourceError("SHP001", exc.message, exc.raw_line, exc.raw_column + 1)
    except (RecursionError, MemoryError, Exception) as exc:  # libcst limits on odd inputs
        return None, SourceError("SHP001", f"cannot be parsed: {type(exc).__name__}")


def mentions_keras(text: str) -> bool:
    """Cheap pre-filter: a file that never names Keras cannot build a Keras model."""
    return "keras" in text


_LINE_END = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of a source file as Python numbers them (and libcst positions count).

    ``str.splitlines()`` also ends a line at \\v, \\f, \\x1c-\\x1e, \\x85, U+2028 and U+2029,
    which Python's tokenizer does not, so every line after one would be shown for the line
    before it. Only \\n, \\r\\n and \\r end a line here.
    """
    lines = _LINE_END.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


# libcst's position pass recurses once per nesting level, about ten frames each: a list
# nested 199 deep (the parser allows 200) needs ~2,000 frames, over Python's default limit.
# It then runs in its own thread, with a stack big enough for the parser's deepest nesting.
_DEEP_RECURSION = 20_000
_DEEP_STACK_BYTES = 64 << 20


def code_ranges(module: cst.Module) -> dict[cst.CSTNode, CodeRange]:
    """Node -> libcst CodeRange for every node of ``module``, however deeply it nests
    (RecursionError only beyond what any parser accepts)."""
    from libcst.metadata import MetadataWrapper, PositionProvider

    def resolve() -> dict[cst.CSTNode, CodeRange]:
        return dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))

    try:
        return resolve()
    except RecursionError:
        pass
    outcome: list[dict[cst.CSTNode, CodeRange] | BaseException] = []

    def deep() -> None:
        try:
            outcome.append(resolve())
        except BaseException as exc:  # handed back to the calling thread
            outcome.append(exc)

    limit = sys.getrecursionlimit()
    size = threading.stack_size(_DEEP_STACK_BYTES)
    sys.setrecursionlimit(max(limit, _DEEP_RECURSION))
    try:
        thread = threading.Thread(target=deep, name="shapelint-positions")
        thread.start()
        thread.join()
    finally:
        sys.setrecursionlimit(limit)
        threading.stack_size(size)
    [result] = outcome
    if isinstance(result, BaseException):
        raise result
    return result


class SourceFile:
    """One file as every stage sees it, read and decoded once: its text and lines, and —
    computed on first need and then shared by check, summary and validation — its syntax
    check, libcst module, node positions and suppression comments."""

    def __init__(self, path: str, text: str):
        self.path = path
        self.text = text

    @classmethod
    def from_bytes(cls, data: bytes, path: str) -> SourceFile | SourceError:
        text, err = decode(data)
        if err is not None or text is None:
            return err or SourceError("SHP002", "cannot decode the file")
        return cls(path, text)

    @cached_property
    def lines(self) -> tuple[str, ...]:
        return tuple(split_lines(self.text))

    @cached_property
    def _python(self) -> tuple[ast.Module | None, SourceError | None]:
        return python_ast(self.text, self.path)

    @property
    def syntax_error(self) -> SourceError | None:
        """CPython's verdict on the syntax (exact messages), before libcst sees the file."""
        return self._python[1]

    def imports(self) -> list[tuple[str, int]]:
        """(module, level) of every import statement in the file, at any depth of blocks:
        ``import a.b`` gives ("a.b", 0), ``from ..c import d`` gives ("c", 2)."""
        tree, error = self._python
        if error is not None or tree is None:
            return []
        found: list[tuple[str, int]] = []
        stack: list[ast.AST] = list(tree.body)
        while stack:             # statements only: an import is never inside an expression
            node = stack.pop()
            if isinstance(node, ast.Import):
                found += [(a.name, 0) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                found.append((node.module or "", node.level))
            for block in ("body", "orelse", "finalbody", "handlers", "cases"):
                inner = getattr(node, block, None)
                if isinstance(inner, list):
                    stack.extend(inner)
        return found

    @cached_property
    def _parsed(self) -> tuple[cst.Module | None, SourceError | None]:
        err = self.syntax_error
        return (None, err) if err is not None else parse(self.text)

    def parse(self) -> tuple[cst.Module | None, SourceError | None]:
        """The libcst module, or why there is none (a syntax error included)."""
        return self._parsed

    @property
    def module(self) -> cst.Module | None:
        return self.parse()[0]

    @cached_property
    def ranges(self) -> dict[cst.CSTNode, CodeRange]:
        """Node -> libcst CodeRange for every node (one pass over the file, on first need)."""
        module = self.module
        assert module is not None, "positions of a file that does not parse"
        return code_ranges(module)

    @cached_property
    def suppressions(self) -> Suppressions:
        from shapelint.suppressions import parse_suppressions

        return parse_suppressions(self.text)
