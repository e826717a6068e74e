"""Behaviour per kind of abstract value, in one place per kind.

The evaluator never asks "is this a tensor?": it looks up the value's :class:`Kind` and
lets it answer attribute access, calls, operators, indexing, iteration, truth, joins and
snapshots. A library adds a value kind by registering one :class:`Kind` subclass for
its value class (:func:`register`); nothing in the core changes. Plain Python values
(numbers, strings, tuples, None) have no kind: the core folds them itself.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from shapelint.interp.values import (
    UNKNOWN,
    Alternatives,
    BoundMethod,
    Builtin,
    ClassValue,
    FunctionValue,
    ObjectValue,
    Symbol,
    Value,
    join_plain,
)

if TYPE_CHECKING:
    from shapelint.interp.host import Host

NOT_HANDLED: Any = NotImplemented   # an operator this kind leaves to the other operand

V = TypeVar("V")   # the value class a kind is registered for


class Kind(Generic[V]):
    """What the analysis knows how to do with one kind of value. The defaults know
    nothing: every answer is unknown, so a new kind is silent until it says more."""

    # Reading a value of this kind makes a condition depend on data the analysis
    # models abstractly (a tensor's shape): findings under such a condition are withheld.
    symbolic = False
    # Values of this kind are called (layers, models, partials): two that differ after
    # branches are kept as :class:`~shapelint.interp.values.Alternatives`, not forgotten.
    callable = False

    def attr(self, host: Host, value: V, name: str, node: Any = None) -> Value:
        """``value.name``; ``node`` is the attribute expression (None when not from code)."""
        return UNKNOWN

    def set_attr(self, value: V, name: str, new: Value) -> None:
        """``value.name = new``; kinds without attributes ignore it."""

    def call(self, host: Host, value: V, args: list[Value], kwargs: dict[str, Value], node: Any,
             complete: bool) -> Value:
        return UNKNOWN

    def call_method(self, host: Host, value: V, name: str, args: list[Value], kwargs: dict[str, Value],
                    node: Any) -> Value:
        """A method this kind handed out as :class:`~shapelint.interp.values.MethodOf`."""
        return UNKNOWN

    def binop(self, host: Host, op: str, left: Value, right: Value, node: Any) -> Value:
        """``left op right`` with a value of this kind on either side (``op`` is ``"+"``...)."""
        return NOT_HANDLED

    def compare(self, host: Host, op: str, left: Value, right: Value, node: Any) -> Value:
        return NOT_HANDLED

    def unary(self, host: Host, op: str, value: V, node: Any) -> Value:
        return UNKNOWN

    def subscript(self, host: Host, value: V, key: Value, node: Any) -> Value:
        """``value[key]``; ``key`` is evaluated as Python would build it (slices, tuples)."""
        return UNKNOWN

    def iterate(self, value: V) -> list[Value] | None:
        """The items when they are known statically, else None."""
        return None

    def length(self, value: V) -> Value:
        """``len(value)``: the number of items when known, else unknown."""
        items = self.iterate(value)
        return UNKNOWN if items is None else len(items)

    def truth(self, value: V) -> bool | None:
        return True                       # objects, functions, layers are truthy

    def join(self, a: V, b: V) -> Value:
        """Two values of this kind that differ, after two branches."""
        return UNKNOWN

    # --- mutable state, so that two branches start from the same state ---------------------
    def state(self, value: V) -> Any:
        """A copy of the value's mutable state, or None when it has none."""
        return None

    def set_state(self, value: V, state: Any) -> None:
        pass

    def join_state(self, value: V, a: Any, b: Any) -> Any:
        return a

    def children(self, value: V) -> list[Value]:
        """Values reachable from this one (their state is snapshotted too)."""
        return []

    def forget(self, value: V) -> None:
        """Code the analysis gave up on may have changed this value: forget its contents."""


_KINDS: dict[type, Kind[Any]] = {}
_DEFAULT: Kind[Any] = Kind()


def register(value_type: type[V], kind: Kind[V]) -> None:
    _KINDS[value_type] = kind


def kind_of(value: Value) -> Kind[Any] | None:
    """The kind of a value, or None for plain Python values and unknowns."""
    return _KINDS.get(type(value))


def kind_or_default(value: Value) -> Kind[Any]:
    return _KINDS.get(type(value), _DEFAULT)


def join_values(a: Value, b: Value) -> Value:
    """What a name holds after two branches: exact when they agree, else as known as can be."""
    if a is b:
        return a
    if type(a) is type(b):
        kind = _KINDS.get(type(a))
        if kind is not None:
            return kind.join(a, b)
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        return tuple(join_values(x, y) for x, y in zip(a, b))
    if is_callable(a) and is_callable(b):
        return either(a, b)
    return join_plain(a, b)


MAX_ALTERNATIVES = 4          # beyond this many callables, the value is unknown


def is_callable(value: Value) -> bool:
    """A value code calls (a function, class, layer, model, partial), never data."""
    if isinstance(value, (Alternatives, FunctionValue, BoundMethod, Builtin, ClassValue, ObjectValue,
                          Symbol)):
        return True
    kind = _KINDS.get(type(value))
    return kind is not None and kind.callable


def either(a: Value, b: Value) -> Value:
    """``a`` or ``b``, whichever a branch chose: their options together, or unknown when
    there would be too many."""
    options: list[Value] = []
    for value in (a, b):
        for option in value.options if isinstance(value, Alternatives) else (value,):
            if not any(option is known for known in options):
                options.append(option)
    return Alternatives(tuple(options)) if len(options) <= MAX_ALTERNATIVES else UNKNOWN
