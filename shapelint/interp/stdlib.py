"""The few functions of Python's standard library model code computes sizes and names with:
``math.ceil`` of a depth multiplier, ``copy.deepcopy`` of a block table, ``functools.partial``
of a layer constructor. Part of the core: they are Python, not a library's semantics."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shapelint.interp.folding import MAX_INT_BITS
from shapelint.interp.kinds import Kind, register
from shapelint.interp.values import (
    UNKNOWN,
    DictValue,
    ListValue,
    ObjectValue,
    Value,
    is_plain,
    sequence_items,
)

if TYPE_CHECKING:
    from shapelint.interp.host import Host


@dataclass(eq=False)
class Partial:
    """``functools.partial(func, *args, **kwargs)``: calling it calls ``func`` with them first."""

    func: Value
    args: list[Value]
    kwargs: dict[str, Value]


class PartialKind(Kind[Partial]):
    callable = True

    def call(self, host: Host, value: Partial, args: list[Value], kwargs: dict[str, Value], node: Any,
             complete: bool) -> Value:
        return host.call(value.func, [*value.args, *args], {**value.kwargs, **kwargs}, node, complete)


register(Partial, PartialKind())


def _deepcopy(value: Value, depth: int = 0) -> Value:
    """A copy of the containers the analysis models (their contents known or not)."""
    if depth > 8:
        return UNKNOWN
    if isinstance(value, ListValue):
        return ListValue(None if value.items is None else [_deepcopy(v, depth + 1) for v in value.items])
    if isinstance(value, DictValue):
        return DictValue(None if value.items is None
                         else {k: _deepcopy(v, depth + 1) for k, v in value.items.items()})
    if isinstance(value, tuple):
        return tuple(_deepcopy(v, depth + 1) for v in value)
    if isinstance(value, ObjectValue):
        return UNKNOWN          # its class may define __deepcopy__: not followed
    return value


def _copy(value: Value) -> Value:
    if isinstance(value, ListValue):
        return ListValue(None if value.items is None else list(value.items))
    if isinstance(value, DictValue):
        return DictValue(None if value.items is None else dict(value.items))
    return _deepcopy(value) if is_plain(value) else UNKNOWN


def _numeric(fn: Callable[..., Value]) -> Callable[..., Value]:
    def run(*args: Value) -> Value:
        if not args or not all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args):
            return UNKNOWN
        if any(isinstance(a, int) and a.bit_length() > MAX_INT_BITS for a in args):
            return UNKNOWN
        try:
            return fn(*args)
        except (ValueError, OverflowError, ZeroDivisionError, TypeError):
            return UNKNOWN
    return run


def _prod(*args: Value) -> Value:
    items = sequence_items(args[0]) if len(args) == 1 else None
    if items is None or not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        return UNKNOWN
    out = 1
    for i in items:
        out *= i
        if out.bit_length() > MAX_INT_BITS:
            return UNKNOWN
    return out


FUNCTIONS: dict[str, Callable[..., Value]] = {
    "copy.copy": _copy,
    "copy.deepcopy": _deepcopy,
    "math.ceil": _numeric(math.ceil),
    "math.floor": _numeric(math.floor),
    "math.sqrt": _numeric(math.sqrt),
    "math.log2": _numeric(math.log2),
    "math.log": _numeric(math.log),
    "math.gcd": _numeric(math.gcd),
    "math.prod": _prod,
}


def call(name: str, args: list[Value], kwargs: dict[str, Value]) -> Value | None:
    """The result of a modeled standard-library function, or None when ``name`` is not one."""
    if name == "functools.partial":
        return Partial(args[0], list(args[1:]), dict(kwargs)) if args else UNKNOWN
    fn = FUNCTIONS.get(name)
    if fn is None:
        return None
    return fn(*args) if not kwargs else UNKNOWN
