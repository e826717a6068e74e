"""The kinds of the core's own mutable values: lists, dicts and instances of user classes."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shapelint.interp.budget import MAX_UNROLL
from shapelint.interp.kinds import Kind, join_values, register
from shapelint.interp.values import (
    UNKNOWN,
    DictValue,
    ListValue,
    MethodOf,
    ObjectValue,
    Value,
    is_fully_known,
    is_plain,
)

if TYPE_CHECKING:
    from shapelint.interp.host import Host


class ListKind(Kind[ListValue]):
    def attr(self, host: Host, value: ListValue, name: str, node: Any = None) -> Value:
        return MethodOf(value, name)

    def iterate(self, value: ListValue) -> list[Value] | None:
        return None if value.items is None else list(value.items)

    def truth(self, value: ListValue) -> bool | None:
        return None if value.items is None else bool(value.items)

    def subscript(self, host: Host, value: ListValue, key: Value, node: Any) -> Value:
        if value.items is None:
            return UNKNOWN
        if isinstance(key, slice):
            if all(v is None or (isinstance(v, int) and not isinstance(v, bool))
                   for v in (key.start, key.stop, key.step)) and key.step != 0:
                return ListValue(value.items[key])
            return UNKNOWN
        if isinstance(key, int) and not isinstance(key, bool) and -len(value.items) <= key < len(value.items):
            return value.items[key]
        return UNKNOWN

    def join(self, a: ListValue, b: ListValue) -> Value:
        return UNKNOWN

    def state(self, value: ListValue) -> Any:
        return ("list", None if value.items is None else value.items.copy())

    def set_state(self, value: ListValue, state: Any) -> None:
        value.items = None if state[1] is None else state[1].copy()

    def join_state(self, value: ListValue, a: Any, b: Any) -> Any:
        x, y = a[1], b[1]
        if x is None or y is None or len(x) != len(y):
            return ("list", None)
        return ("list", [join_values(p, q) for p, q in zip(x, y)])

    def children(self, value: ListValue) -> list[Value]:
        return list(value.items or [])

    def forget(self, value: ListValue) -> None:
        value.items = None

    def call_method(self, host: Host, lst: ListValue, name: str, args: list[Value],
                    kwargs: dict[str, Value], node: Any) -> Value:
        items = lst.items
        if name == "append" and len(args) == 1:
            if items is not None:
                if len(items) >= MAX_UNROLL * 64:
                    lst.items = None
                else:
                    items.append(args[0])
            return None
        if name == "extend" and len(args) == 1:
            more = host.iterate(args[0])
            lst.items = None if items is None or more is None else items + more
            return None
        if name == "insert" and len(args) == 2 and isinstance(args[0], int):
            if items is not None:
                items.insert(args[0], args[1])
            return None
        if name == "pop":
            if items is None or not items:
                lst.items = None
                return UNKNOWN
            index = args[0] if args else -1
            if isinstance(index, int) and -len(items) <= index < len(items):
                return items.pop(index)
            lst.items = None
            return UNKNOWN
        if name == "copy":
            return ListValue(None if items is None else list(items))
        if name in ("reverse", "sort", "clear", "remove"):
            if name == "clear":
                lst.items = []
            elif name == "reverse" and items is not None:
                items.reverse()
            else:
                lst.items = None
            return None
        return UNKNOWN


class DictKind(Kind[DictValue]):
    def attr(self, host: Host, value: DictValue, name: str, node: Any = None) -> Value:
        return MethodOf(value, name)

    def iterate(self, value: DictValue) -> list[Value] | None:
        return None if value.items is None else list(value.items.keys())

    def truth(self, value: DictValue) -> bool | None:
        return None if value.items is None else bool(value.items)

    def subscript(self, host: Host, value: DictValue, key: Value, node: Any) -> Value:
        if value.items is not None and is_plain(key):
            return value.items.get(key, UNKNOWN)
        return UNKNOWN

    def state(self, value: DictValue) -> Any:
        return ("dict", None if value.items is None else value.items.copy())

    def set_state(self, value: DictValue, state: Any) -> None:
        value.items = None if state[1] is None else state[1].copy()

    def join_state(self, value: DictValue, a: Any, b: Any) -> Any:
        return ("dict", _join_mappings(a[1], b[1]))

    def children(self, value: DictValue) -> list[Value]:
        return list((value.items or {}).values())

    def forget(self, value: DictValue) -> None:
        value.items = None

    def call_method(self, host: Host, d: DictValue, name: str, args: list[Value],
                    kwargs: dict[str, Value], node: Any) -> Value:
        items = d.items
        if name == "get" and args:
            default = args[1] if len(args) > 1 else None
            if items is None or not is_fully_known(args[0]):
                return UNKNOWN
            return items.get(args[0], default)
        if name in ("items", "keys", "values"):
            if items is None:
                return ListValue(None)
            if name == "items":
                return ListValue([(k, v) for k, v in items.items()])
            return ListValue(list(getattr(items, name)()))
        if name in ("update", "setdefault", "pop"):
            if name == "setdefault" and items is not None and args and is_fully_known(args[0]):
                return items.setdefault(args[0], args[1] if len(args) > 1 else None)
            if name == "pop" and items is not None and args and is_fully_known(args[0]):
                return items.pop(args[0], args[1] if len(args) > 1 else UNKNOWN)
            if name == "update" and items is not None and args and isinstance(args[0], DictValue) \
                    and args[0].items is not None:
                items.update(args[0].items)
                return None
            d.items = None
            return UNKNOWN
        if name == "copy":
            return DictValue(None if items is None else dict(items))
        return UNKNOWN


def _join_mappings(a: dict[Any, Value] | None, b: dict[Any, Value] | None) -> dict[Any, Value] | None:
    if a is None or b is None:
        return None
    return {k: join_values(a[k], b[k]) if k in a and k in b else (a.get(k, b.get(k)))
            for k in {**a, **b}}


class ObjectKind(Kind[ObjectValue]):
    """Instances of user classes: their attributes are state; methods come from the class."""

    def set_attr(self, value: ObjectValue, name: str, new: Value) -> None:
        value.attrs[name] = new

    def state(self, value: ObjectValue) -> Any:
        return value.attrs.copy()

    def set_state(self, value: ObjectValue, state: Any) -> None:
        value.attrs = state.copy()

    def join_state(self, value: ObjectValue, a: Any, b: Any) -> Any:
        return _join_mappings(a, b) or {}

    def children(self, value: ObjectValue) -> list[Value]:
        return list(value.attrs.values())

    def forget(self, value: ObjectValue) -> None:
        value.attrs = {name: UNKNOWN for name in value.attrs}


register(ListValue, ListKind())
register(DictValue, DictKind())
register(ObjectValue, ObjectKind())
