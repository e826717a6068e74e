"""Inline suppressions: `# shapelint: ignore[SHP101]`, `# noqa: SHP101`, file-level ignore.

A bare `# noqa` is deliberately not honoured: it is too broad (ruff users' habit);
`# shapelint: ignore` without codes silences every shapelint finding on that line.
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

from shapelint.registry import lookup

_IGNORE = re.compile(r"shapelint:\s*ignore(?:\[([^\]]*)\])?", re.I)
_FILE_IGNORE = re.compile(r"shapelint:\s*ignore-file(?:\[([^\]]*)\])?", re.I)
_NOQA = re.compile(r"noqa:\s*([A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)", re.I)
ALL = "*"


@dataclass
class Suppressions:
    by_line: dict[int, set[str]] = field(default_factory=dict)
    file_wide: set[str] = field(default_factory=set)

    def covers(self, code: str, line: int) -> bool:
        for codes in (self.file_wide, self.by_line.get(line, set())):
            if ALL in codes or code in codes:
                return True
        return False


def _codes(text: str | None) -> set[str]:
    if not text:
        return {ALL}
    out = set()
    for part in re.split(r"[\s,]+", text.strip()):
        rule = lookup(part) if part else None
        if rule is not None:
            out.add(rule.code)
    return out


def parse_suppressions(text: str) -> Suppressions:
    result = Suppressions()
    if "shapelint" not in text and "noqa" not in text:
        return result
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return result
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        comment, line = tok.string, tok.start[0]
        m = _FILE_IGNORE.search(comment)
        if m:
            result.file_wide |= _codes(m.group(1))
            continue
        m = _IGNORE.search(comment)
        if m:
            result.by_line.setdefault(line, set()).update(_codes(m.group(1)))
        m = _NOQA.search(comment)
        if m:
            codes = {c.upper() for c in re.split(r"[\s,]+", m.group(1)) if c.upper().startswith("SHP")}
            if codes:
                result.by_line.setdefault(line, set()).update(codes)
    return result
