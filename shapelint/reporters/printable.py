"""Text from a user's files (file names, source lines, names and values quoted in messages,
errors a build raised) cannot steer the terminal or CI log that shows it.

Control characters become visible stand-ins of one character each, so columns under a
source line stay aligned: C0 controls their Control Pictures (ESC shows as ␛, a form feed
as ␌), DEL ␡, a tab a space; C1 controls, the line and paragraph separators U+2028/U+2029
and the bidirectional overrides of "Trojan Source" show as U+FFFD.
"""
from __future__ import annotations

_REPLACEMENT = "\ufffd"
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))

_TABLE: dict[int, str] = {
    **{c: chr(0x2400 + c) for c in range(0x20)},
    0x09: " ",
    0x7F: "\u2421",
    **{c: _REPLACEMENT for c in range(0x80, 0xA0)},
    **{c: _REPLACEMENT for c in (0x2028, 0x2029, *_BIDI)},
}


def printable(text: str) -> str:
    """``text`` with every control character replaced by a visible stand-in."""
    return text.translate(_TABLE)

