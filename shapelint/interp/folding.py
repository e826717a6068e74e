"""Constant folding of plain Python values, refusing results too large to be useful.

``s = s + s`` in a loop, ``(0,) * 4096 * 4096`` or ``7 ** 256 ** 2`` must not hang the
analysis or exhaust memory: any result above a size limit becomes unknown.
"""
from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from shapelint.interp.values import UNKNOWN, ListValue, Value, is_plain

MAX_SEQUENCE = 10_000            # items of a folded str/tuple/list
MAX_INT_BITS = 4_096             # bits of a folded int

BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "&": operator.and_,
    "|": operator.or_, "^": operator.xor, "<<": operator.lshift, ">>": operator.rshift,
}
COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}


def _bits(v: Value) -> int:
    return v.bit_length() if isinstance(v, int) else 64


def _too_big(op: str, a: Value, b: Value) -> bool:
    """Whether ``a op b`` could exceed the limits (decided before computing it)."""
    seq = (str, tuple, list)
    if op == "*" and (isinstance(a, seq) or isinstance(b, seq)):
        n, times = (len(a), b) if isinstance(a, seq) else (len(b), a)
        return not isinstance(times, int) or n * max(times, 0) > MAX_SEQUENCE
    if op == "+" and isinstance(a, seq) and isinstance(b, seq):
        return len(a) + len(b) > MAX_SEQUENCE
    if not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return False
    if op == "**":
        return abs(b) > 256 or (isinstance(a, int) and isinstance(b, int) and b > 0
                                and _bits(a) * b > MAX_INT_BITS)
    if op == "<<":
        return isinstance(b, int) and b > MAX_INT_BITS
    if op == "*":
        return _bits(a) + _bits(b) > MAX_INT_BITS
    return False


def fold_binary(op: str, left: Value, right: Value) -> Value:
    """``left op right`` for plain values and known lists; unknown when not computable."""
    if isinstance(left, ListValue) or isinstance(right, ListValue):
        a = left.items if isinstance(left, ListValue) else left
        b = right.items if isinstance(right, ListValue) else right
        if a is None or b is None:
            return UNKNOWN
        if op == "+" and isinstance(a, list) and isinstance(b, list) and not _too_big(op, a, b):
            return ListValue(a + b)
        if op == "*" and isinstance(a, list) and isinstance(b, int) and not isinstance(b, bool) \
                and not _too_big(op, a, b):
            return ListValue(a * b)
        return UNKNOWN
    if not (is_plain(left) and is_plain(right)) or op not in BINARY or _too_big(op, left, right):
        return UNKNOWN
    try:
        return BINARY[op](left, right)
    except Exception:   # ZeroDivisionError, TypeError, OverflowError: not a value
        return UNKNOWN


def fold_unary(op: str, value: Value) -> Value:
    if not is_plain(value) or isinstance(value, (str, tuple)) or value is None:
        return UNKNOWN
    try:
        if op == "-":
            return -value
        if op == "+":
            return +value
        if op == "~":
            return ~value
    except Exception:
        return UNKNOWN
    return UNKNOWN
