"""The one reader of arguments, shared by the layer table and the op table.

A layer's constructor arguments and an op's call arguments are both a dict of values as far
as the interpreter knew them, plus the defaults of the spec. Shape functions read them
through typed accessors that raise :class:`Unknowable` when a value is not known or not of
the type asked for: the result is then unknown, silently, never an error.

Two choices differ between Keras arguments, and each is explicit here rather than a hidden
difference between two readers:

* ``lists_as_tuples`` (per reader): Keras standardizes a layer's list and tuple arguments
  alike, so layer arguments read a list as a tuple; op arguments are read as given, since
  some ops tell them apart (tf.data: a tuple is a structure, a list one tensor).
* ``fold_case`` (per string read): Keras lower-cases some strings before comparing them
  (``standardize_padding``, ``standardize_data_format``) and compares the rest as written
  (pooling's ``padding``, einsum equations).
"""
from __future__ import annotations

import builtins
from typing import Any, TypeGuard

from shapelint.interp.values import ListValue, Unknown, dim_of, is_fully_known
from shapelint.shapes import Dim, Shape, Sym


class Unknowable(Exception):
    """A value a shape function needs is not known: the result is unknown, not an error."""


def is_int(v: object) -> TypeGuard[int]:
    """A Python int that is not a bool (``True`` is an int to Python, not a size)."""
    return isinstance(v, int) and not isinstance(v, bool)


def shape_value(v: Any) -> Shape | None:
    """The shape of a value that has one: a tensor, an array, or a bare :class:`Shape`
    (how tables are tested without the interpreter); None for anything else."""
    if isinstance(v, Shape):
        return v
    shape = getattr(v, "shape", None)
    return shape if isinstance(shape, Shape) else None


def _items(v: Any) -> list[Any] | None:
    """The items of a tuple or known list value; None otherwise."""
    if isinstance(v, tuple):
        return list(v)
    if isinstance(v, (list, ListValue)):
        items = v if isinstance(v, list) else v.items
        return None if items is None else list(items)
    return None


def _as_tuples(value: Any) -> Any:
    """The interpreter's known list values (nested in tuples too) as plain tuples."""
    if isinstance(value, ListValue) and value.items is not None:
        return tuple(_as_tuples(v) for v in value.items)
    if isinstance(value, tuple):
        return tuple(_as_tuples(v) for v in value)
    return value


class Arguments:
    """Arguments bound to a layer constructor or an op call; typed accessors raise
    :class:`Unknowable`. ``owner`` names the layer or op (for debugging)."""

    def __init__(self, values: dict[str, Any], defaults: dict[str, Any], owner: str = "", *,
                 lists_as_tuples: bool = False):
        self._values = values
        self._defaults = defaults
        self._lists_as_tuples = lists_as_tuples
        self.owner = owner

    def __repr__(self) -> str:
        return f"Arguments({self.owner or '?'}: {self._values!r})"

    def raw(self, name: str, default: Any = None) -> Any:
        """The value as given, else the spec's default, else ``default``; may be unknown."""
        if name in self._values:
            value = self._values[name]
            return _as_tuples(value) if self._lists_as_tuples else value
        return self._defaults.get(name, default)

    def given(self, name: str) -> bool:
        """Whether the caller wrote the argument (``None`` included)."""
        return name in self._values

    def known(self, name: str) -> Any:
        """The value, known all the way down (nested tuples and lists included)."""
        v = self.raw(name)
        if not is_fully_known(v):
            raise Unknowable(name)
        return v

    # --- tensors -----------------------------------------------------------------------
    @staticmethod
    def shape_of(v: Any) -> Shape:
        """A tensor argument's shape: a Python number is a scalar; anything else that is
        not a tensor (NumPy arrays, lists, unknowns) has a shape the analysis does not know."""
        shape = shape_value(v)
        if shape is not None:
            return shape
        if isinstance(v, (int, float)) and not isinstance(v, Unknown):
            return Shape(())
        raise Unknowable("not a tensor")

    def tensor(self, name: str) -> Shape:
        return self.shape_of(self.raw(name))

    def tensor_list(self, name: str) -> list[Shape]:
        """A list of tensors (concat, stack): every item must be a tensor."""
        v = self.raw(name)
        if shape_value(v) is not None:
            raise Unknowable(name)     # a tensor is unpacked along axis 0: not modeled
        items = _items(v)
        if items is None or not items:
            raise Unknowable(name)
        return [self.shape_of(x) for x in items]

    # --- Python values ---------------------------------------------------------------------
    def int(self, name: builtins.str) -> builtins.int:
        v = self.known(name)
        if not is_int(v):
            raise Unknowable(name)
        return v

    def size(self, name: builtins.str) -> Dim:
        """A size argument that only sizes the output (``units``, ``filters``): its int, or
        the symbol of an unknown one (UNWORKED, printed ``?``, when it has no name), so the
        rest of the shape stays known. A known value that is not an int is Keras' to reject."""
        v = self.raw(name)
        if is_int(v):
            return v
        if isinstance(v, Unknown):
            return dim_of(v)
        raise Unknowable(name)

    def opt_int(self, name: builtins.str) -> builtins.int | None:
        v = self.known(name)
        if v is None:
            return None
        if not is_int(v):
            raise Unknowable(name)
        return v

    def bool(self, name: builtins.str) -> builtins.bool:
        """A flag; ``None`` reads as False, as Keras' ``if flag:`` does."""
        v = self.known(name)
        if v is None:
            return False
        if not isinstance(v, (bool, int)):
            raise Unknowable(name)
        return bool(v)

    def str(self, name: builtins.str, *, fold_case: builtins.bool = False) -> builtins.str:
        """A string, as written or lower-cased (``fold_case``, where Keras lower-cases it)."""
        v = self.known(name)
        if not isinstance(v, str):
            raise Unknowable(name)
        return v.lower() if fold_case else v

    def seq(self, name: builtins.str) -> tuple[Any, ...]:
        """A tuple or list of known values, as a tuple."""
        v = self.known(name)
        items = _items(v)
        if items is None:
            raise Unknowable(name)
        return tuple(items)

    def axes(self, name: builtins.str) -> tuple[builtins.int, ...] | None:
        """``None``, an int, or a tuple/list of ints, as a tuple (None stays None)."""
        v = self.raw(name)
        if v is None:
            return None
        return self.int_list(name)

    def int_list(self, name: builtins.str) -> tuple[builtins.int, ...]:
        """A tuple/list of known ints (a single int is a 1-tuple)."""
        v = self.raw(name)
        if is_int(v):
            return (v,)
        items = _items(v)
        if items is None or not all(is_int(a) for a in items):
            raise Unknowable(name)
        return tuple(items)

    def dims(self, name: builtins.str, allow_none: builtins.bool = True) -> tuple[Dim, ...]:
        """A shape-like argument (reshape target, broadcast shape): a tuple whose entries
        are ints, or ``None`` where the entry is not known statically (a dynamic value such
        as ``tf.shape(x)[0]``, or Python ``None`` when ``allow_none``), or a :class:`Sym`
        for a named unknown. A 1-D tensor of known length gives that many unknowns."""
        v = self.raw(name)
        shape = shape_value(v)
        if shape is not None:
            length = shape.dims[0] if shape.dims is not None and len(shape.dims) == 1 else None
            if isinstance(length, builtins.int) and is_int(length):
                return (None,) * length
            raise Unknowable(name)
        if is_int(v):
            return (v,)
        items = _items(v)
        if items is None:
            raise Unknowable(name)
        out: list[Dim] = []
        for item in items:
            if is_int(item):
                out.append(item)
            elif item is None:
                if not allow_none:
                    raise Unknowable(name)
                out.append(None)
            elif (item_shape := shape_value(item)) is not None:
                if item_shape.dims is not None and len(item_shape.dims) > 0:
                    raise Unknowable(name)      # not a scalar
                out.append(None)
            elif isinstance(item, Unknown):
                d = dim_of(item)
                out.append(d if isinstance(d, Sym) else None)
            else:
                raise Unknowable(name)
        return tuple(out)
