"""Reading and parsing one file: any failure becomes a reason, never an exception."""
from __future__ import annotations

import ast
import io
import tokenize
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import libcst as cst


@dataclass
class SourceError:
    code: str          # SHP001 syntax error, SHP002 unreadable
    message: str
    row: int = 1
    column: int = 1


def decode(data: bytes) -> tuple[Optional[str], Optional[SourceError]]:
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


def check_syntax(text: str, filename: str) -> Optional[SourceError]:
    """CPython's own parser: exact messages, and it rejects what would overflow libcst."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text, filename=filename)
    except SyntaxError as exc:
        return SourceError("SHP001", exc.msg or "invalid syntax", exc.lineno or 1, max(exc.offset or 1, 1))
    except (ValueError, RecursionError, MemoryError) as exc:
        return SourceError("SHP001", f"cannot be parsed: {type(exc).__name__}: {exc}")
    return None


def parse(text: str) -> tuple[Optional[cst.Module], Optional[SourceError]]:
    import libcst as cst   # here, so that reading a file (and a cache hit) does not load it

    try:
        return cst.parse_module(text), None
    except cst.ParserSyntaxError as exc:
        return None, SourceError("SHP001", exc.message, exc.raw_line, exc.raw_column + 1)
    except (RecursionError, MemoryError, Exception) as exc:  # libcst limits on odd inputs
        return None, SourceError("SHP001", f"cannot be parsed: {type(exc).__name__}")


def mentions_keras(text: str) -> bool:
    """Cheap pre-filter: a file that never names Keras cannot build a Keras model."""
    return "keras" in text
