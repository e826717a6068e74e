"""Helpers the array families share: running an op table shape function on array
arguments, reading sizes and dtypes, and wrapping results."""
from __future__ import annotations

from typing import Any

from shapelint.arrays.spec import ArrayType, array_of, dtype_class, promote, python_dtype
from shapelint.ops.spec import Args, Unknowable, is_int, shape_value
from shapelint.ops.table import op_spec
from shapelint.shapes import Dim, Shape


def run_op(op: str, **values: Any) -> Shape:
    """The op table's shape function for ``op`` (an op with one output tensor) on these
    (already bound) arguments: where NumPy agrees with ``keras.ops``, one mechanism answers
    for both."""
    spec = op_spec(op)
    assert spec is not None, op
    out = spec.infer(Args(values, spec.defaults, spec.display))
    assert isinstance(out, Shape), op
    return out


def arr(a: Args, name: str) -> ArrayType:
    """An array argument: an ArrayType, a tensor-like value with a Shape, or a number."""
    return array_of(a, name)


def items_of(v: Any) -> list[Any] | None:
    """The items of a tuple, list or known list value; None otherwise."""
    if isinstance(v, (tuple, list)):
        return list(v)
    items = getattr(v, "items", None)
    if isinstance(items, list):
        return list(items)
    return None


def arrays_of(a: Args, name: str) -> list[ArrayType]:
    """A sequence of array arguments (concatenate, stack): every item must be known."""
    v = a.raw(name)
    if shape_value(v) is not None:
        raise Unknowable(name)           # an array is iterated along axis 0: not modeled
    items = items_of(v)
    if not items:
        raise Unknowable(name)
    return [x if isinstance(x, ArrayType) else ArrayType(Args.shape_of(x), python_dtype(x))
            for x in items]


def dtype_arg(a: Args, name: str, default: str | None) -> str | None:
    """A ``dtype=`` argument as a class; ``default`` when it is not given."""
    v = a.raw(name)
    if v is None:
        return default
    return dtype_name_class(v)


def dtype_name_class(v: Any) -> str | None:
    """``"float32"``, ``np.int64`` (a symbol ``numpy.int64``), ``float`` (a builtin)."""
    for attr in ("path", "name"):
        inner = getattr(v, attr, None)
        if isinstance(inner, str):
            v = inner
            break
    if v is float:
        return "float"
    if v is int:
        return "int"
    if v is bool:
        return "bool"
    if v is str:
        return "str"
    return dtype_class(v)


def size_arg(a: Args, name: str) -> tuple[Dim, ...] | None:
    """A ``size=``/``shape=`` argument: None stays None, an int is a 1-D shape, a tuple of
    sizes; negative sizes are left unknown (NumPy raises; no rule says so)."""
    v = a.raw(name)
    if v is None:
        return None
    dims = a.dims(name, allow_none=False)
    if any(is_int(d) and d < 0 for d in dims):
        raise Unknowable(name)
    return dims


def number(v: Any) -> bool:
    """A Python int or float (a bool is no number here)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


__all__ = ["Args", "ArrayType", "Shape", "Unknowable", "arr", "arrays_of", "dtype_arg",
           "dtype_name_class", "items_of", "number", "promote", "run_op", "size_arg"]
