"""Inline suppressions: `# shapelint: ignore[SHP101]`, `# noqa: SHP101`, file-level ignore.

A bare `# noqa` is deliberately not honoured: it is too broad (ruff users' habit);
`# shapelint: ignore` without codes silences every shapelint finding on that line.
Each comment remembers which of its codes silenced something, so that suppressions
which no longer silence anything (or name no rule) can be reported, as ruff's RUF100 does.
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

from shapelint.registry import lookup

_IGNORE = re.compile(r"shapelint:\s*ignore(?:\[([^\]]*)\])?", re.I)
_FILE_IGNORE = re.compile(r"shapelint:\s*ignore-file(?:\[([^\]]*)\])?", re.I)
_NOQA = re.compile(r"noqa:\s*([A-Z]+[0-9]+[A-Z0-9]*(?:[\s,]+[A-Z]+[0-9]+[A-Z0-9]*)*)", re.I)
ALL = "*"


@dataclass
class Comment:
    """One suppression comment: where it is, what it silences, what it has silenced."""

    row: int
    column: int            # 0-based, as the tokenizer gives it
    end_column: int
    file_wide: bool
    codes: set[str]        # rule codes, or {ALL}
    unknown: list[str] = field(default_factory=list)   # names that are no rule
    used: set[str] = field(default_factory=set)

    def matches(self, code: str, row: int, blanket: bool = True) -> bool:
        named = code in self.codes or (blanket and ALL in self.codes)
        return named and (self.file_wide or self.row == row)

    def unused_codes(self) -> list[str]:
        if ALL in self.codes:
            return [] if self.used else [ALL]
        return sorted(self.codes - self.used)


@dataclass
class Suppressions:
    comments: list[Comment] = field(default_factory=list)

    def covers(self, code: str, row: int, blanket: bool = True) -> bool:
        """Whether a finding `code` at `row` is silenced (and remember which comments did).

        ``blanket=False``: only comments naming the code count (an unused blanket ignore
        must not silence its own report)."""
        hit = False
        for comment in self.comments:
            if comment.matches(code, row, blanket):
                comment.used.add(code)
                hit = True
        return hit


def _codes(text: str | None) -> tuple[set[str], list[str]]:
    if text is None or not text.strip():
        return {ALL}, []
    codes, unknown = set(), []
    for part in re.split(r"[\s,]+", text.strip()):
        if not part:
            continue
        rule = lookup(part)
        if rule is None:
            unknown.append(part)
        else:
            codes.add(rule.code)
    return codes, unknown


def _comment(tok: tokenize.TokenInfo) -> Comment | None:
    text, (row, col), end_col = tok.string, tok.start, tok.end[1]
    m = _FILE_IGNORE.search(text)
    if m:
        codes, unknown = _codes(m.group(1))
        return Comment(row, col, end_col, True, codes, unknown)
    codes, unknown, found = set(), [], False
    for m in _IGNORE.finditer(text):
        found = True
        more, bad = _codes(m.group(1))
        codes |= more
        unknown += bad
    m = _NOQA.search(text)
    if m:
        # A noqa comment is shared with other tools: only SHP codes are ours to judge.
        ours = [c for c in re.split(r"[\s,]+", m.group(1)) if c.upper().startswith("SHP")]
        for c in ours:
            found = True
            rule = lookup(c)
            if rule is None:
                unknown.append(c.upper())
            else:
                codes.add(rule.code)
    return Comment(row, col, end_col, False, codes, unknown) if found else None


def parse_suppressions(text: str) -> Suppressions:
    result = Suppressions()
    if "shapelint" not in text and "noqa" not in text:
        return result
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return result
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            comment = _comment(tok)
            if comment is not None:
                result.comments.append(comment)
    return result
