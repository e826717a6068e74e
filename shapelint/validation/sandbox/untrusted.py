"""Everything that comes back from a build is data written by the file's code: bound its
size and shape, strip control characters (terminal escapes, bidi overrides, line
breaks), and blank any value of this process's secret-looking environment variables.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeAlias

MAX_TEXT = 2000
MAX_KEY = 64
MAX_ITEMS = 20_000
MAX_DEPTH = 8
REDACTED = "[redacted]"

_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
_BREAKS = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|PRIVATE|SESSION|COOKIE|SIGNATURE|API",
                          re.IGNORECASE)
_TOKEN_LIKE = re.compile(r"(?=.*[A-Za-z])(?=.*\d)[^\s/]{20,}")

# A JSON value, as :meth:`Cleaner.value` gives it back.
JSON: TypeAlias = "bool | int | float | str | list[JSON] | dict[str, JSON] | None"


def secret_values(environ: Mapping[str, str]) -> list[str]:
    """Values worth blanking: those of variables named like secrets (6+ characters) and
    any token-looking value (20+ characters of letters and digits, no path, no space)."""
    found = {v for k, v in environ.items()
             if (len(v) >= 6 and _SECRET_NAME.search(k)) or _TOKEN_LIKE.fullmatch(v)}
    return sorted(found, key=len, reverse=True)


class Cleaner:
    def __init__(self, secrets: list[str] | None = None):
        self.pattern = re.compile("|".join(map(re.escape, secrets))) if secrets else None

    def text(self, value: str, limit: int = MAX_TEXT) -> str:
        value = _CONTROLS.sub("", _BREAKS.sub(" ", _ESCAPES.sub("", value)))
        if self.pattern is not None:
            value = self.pattern.sub(REDACTED, value)
        return value if len(value) <= limit else value[:limit - 4] + " ..."

    def value(self, value: object, depth: int = 0) -> JSON:
        """A JSON value with every string cleaned, at most MAX_ITEMS per container and
        MAX_DEPTH levels deep; anything else becomes None."""
        if value is None or isinstance(value, (bool, float)):
            return value
        if isinstance(value, int):
            return value if abs(value) < 1 << 62 else None
        if isinstance(value, str):
            return self.text(value)
        if depth >= MAX_DEPTH:
            return None
        if isinstance(value, list):
            return [self.value(v, depth + 1) for v in value[:MAX_ITEMS]]
        if isinstance(value, dict):
            items = list(value.items())[:MAX_ITEMS]
            return {self.text(str(k), MAX_KEY): self.value(v, depth + 1) for k, v in items}
        return None
