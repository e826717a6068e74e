"""Python builtins and methods of lists, dicts and strings, as far as shapes need them."""
from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from shapelint.interp.kinds import kind_of
from shapelint.interp.values import (
    UNKNOWN,
    Builtin,
    ClassValue,
    DictValue,
    ListValue,
    ObjectValue,
    Unknown,
    Value,
    is_fully_known,
    is_plain,
    sequence_items,
)

if TYPE_CHECKING:
    from shapelint.interp.host import Host

_MODELED = {
    "len", "range", "int", "float", "str", "bool", "tuple", "list", "dict", "zip", "enumerate",
    "min", "max", "sum", "abs", "isinstance", "print", "super", "round", "sorted", "reversed",
    "any", "all", "staticmethod", "classmethod", "property", "getattr", "hasattr", "setattr",
    "type", "divmod", "pow", "map", "filter", "iter", "next", "repr", "format", "object",
}
_TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool, "tuple": tuple, "list": list,
          "dict": dict}


def is_builtin(name: str) -> bool:
    return name in _MODELED or hasattr(builtins, name)


def _plain_list(items: list[Value] | None) -> bool:
    return items is not None and all(
        isinstance(x, (int, float, str, bool, type(None))) or (isinstance(x, tuple) and is_fully_known(x))
        for x in items)


def call(host: Host, name: str, args: list[Value], kwargs: dict[str, Value], node: Any,
         complete: bool) -> Value:
    if not complete:
        return UNKNOWN
    try:
        return _call(host, name, args, kwargs)
    except Exception:
        return UNKNOWN


def _call(host: Host, name: str, args: list[Value], kwargs: dict[str, Value]) -> Value:
    if name == "len" and len(args) == 1:
        kind = kind_of(args[0])
        if kind is not None:
            return kind.length(args[0])
        items = host.iterate(args[0])
        return UNKNOWN if items is None else len(items)
    if name == "range":
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args) and 1 <= len(args) <= 3:
            return range(*args)
        return UNKNOWN
    if name in ("int", "float", "str", "bool") and len(args) == 1:
        v = args[0]
        if isinstance(v, (int, float, str, bool)) and not isinstance(v, Unknown):
            return _TYPES[name](v)
        if isinstance(v, Unknown) and name == "int":
            return v if v.label else UNKNOWN
        return UNKNOWN
    if name in ("tuple", "list"):
        if not args:
            return () if name == "tuple" else ListValue([])
        items = host.iterate(args[0])
        if items is None:
            return UNKNOWN if name == "tuple" else ListValue(None)
        return tuple(items) if name == "tuple" else ListValue(items)
    if name == "dict":
        if not args:
            return DictValue(dict(kwargs))
        return DictValue(None)
    if name in ("zip", "enumerate"):
        if name == "enumerate":
            items = host.iterate(args[0]) if args else None
            start = args[1] if len(args) > 1 else kwargs.get("start", 0)
            if items is None or not isinstance(start, int):
                return ListValue(None)
            return ListValue([(start + i, v) for i, v in enumerate(items)])
        seqs = [host.iterate(a) for a in args]
        if any(s is None for s in seqs):
            return ListValue(None)
        return ListValue([tuple(t) for t in zip(*seqs)])
    if name in ("min", "max", "sum", "sorted", "any", "all"):
        items = host.iterate(args[0]) if len(args) == 1 else list(args)
        if not _plain_list(items):
            return UNKNOWN if name != "sorted" else ListValue(None)
        result = getattr(builtins, name)(items)
        return ListValue(result) if name == "sorted" else result
    if name == "reversed" and len(args) == 1:
        items = host.iterate(args[0])
        return ListValue(None if items is None else items[::-1])
    if name in ("abs", "round", "divmod", "pow"):
        if all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args):
            if name == "pow" and abs(args[-1]) > 256:
                return UNKNOWN
            return getattr(builtins, name)(*args)
        return UNKNOWN
    if name == "isinstance" and len(args) == 2:
        return _isinstance(args[0], args[1])
    if name in ("getattr", "hasattr") and len(args) >= 2 and isinstance(args[1], str):
        value = host.get_attr(args[0], args[1])
        if name == "hasattr":
            return UNKNOWN
        if isinstance(value, Unknown) and len(args) == 3:
            return UNKNOWN
        return value
    if name == "setattr" and len(args) == 3 and isinstance(args[1], str):
        if isinstance(args[0], ObjectValue):
            args[0].attrs[args[1]] = args[2]
        return None
    if name == "print":
        return None
    if name in ("chr", "ord", "hex", "bin", "oct") and len(args) == 1 and is_plain(args[0]):
        try:
            return getattr(builtins, name)(args[0])
        except (TypeError, ValueError, OverflowError):
            return UNKNOWN
    return UNKNOWN


def _isinstance(value: Value, types: Value) -> Value:
    options = types if isinstance(types, tuple) else (types,)
    py_types: list[type] = []
    for t in options:
        if isinstance(t, Builtin) and t.name in _TYPES:
            py_types.append(_TYPES[t.name])
        else:
            return UNKNOWN
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, (ObjectValue, ClassValue)) or (
            kind_of(value) is not None and not isinstance(value, (ListValue, DictValue))):
        return False                      # tensors, layers, models, user objects
    if isinstance(value, ListValue):
        return list in py_types
    if isinstance(value, DictValue):
        return dict in py_types
    return isinstance(value, tuple(py_types))


_STR_METHODS = {"lower", "upper", "strip", "lstrip", "rstrip", "title", "capitalize", "startswith",
                "endswith", "replace", "split", "rsplit", "join", "format", "zfill", "count", "find"}
MAX_STRING = 10_000


def _str_method(target: str, name: str, args: list[Value]) -> Value:
    """String methods of known strings and arguments (layer names are built with them:
    ``"mixed{0}".format(5 + i)``); a result too large is unknown."""
    if name not in _STR_METHODS:
        return UNKNOWN
    if name == "join":
        items = sequence_items(args[0]) if len(args) == 1 else None
        if items is None or not all(isinstance(i, str) for i in items):
            return UNKNOWN
        args = [items]
    elif not all(is_fully_known(a) and not isinstance(a, ListValue) for a in args):
        return UNKNOWN
    try:
        result = getattr(target, name)(*args)
    except Exception:
        return UNKNOWN
    if isinstance(result, list):
        return ListValue(result)
    return result if not isinstance(result, str) or len(result) <= MAX_STRING else UNKNOWN


def call_method(target: str | tuple[Value, ...], name: str, args: list[Value]) -> Value:
    """Methods of the plain values str and tuple (lists and dicts have kinds of their own)."""
    if isinstance(target, str):
        return _str_method(target, name, args)
    if name in ("index", "count") and len(args) == 1 and is_fully_known(target) and is_fully_known(args[0]):
        try:
            return getattr(target, name)(args[0])
        except ValueError:
            return UNKNOWN
    return UNKNOWN
