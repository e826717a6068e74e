"""Methods and attributes of an array (``x.reshape(...)``, ``x.astype(...)``, ``x.T``,
``x.shape``, ``len(x)``, ``x[key]``): table names ``ndarray.<name>``.

A method is its NumPy function with the array as the first argument, so most entries point
at the function's shape function; ``reshape`` and ``transpose`` also take their sizes as
separate arguments (``x.reshape(-1, 28, 28, 1)``).
"""
from __future__ import annotations

from typing import Any

from shapelint.arrays import transforms
from shapelint.arrays.indexing import getitem
from shapelint.arrays.shared import Args, ArrayType, Shape, Unknowable, arr, items_of, run_op
from shapelint.ops.common import dims
from shapelint.ops.spec import OpSpec, Value, scalar_python
from shapelint.shapes import is_known


def _sizes(a: Args, name: str) -> Any:
    """``x.reshape(2, 3)`` or ``x.reshape((2, 3))``: the varargs as one shape argument."""
    given = a.raw(name)
    if not isinstance(given, tuple):
        return given                      # None, or given by keyword
    if len(given) == 1 and (items_of(given[0]) is not None or given[0] is None):
        return given[0]
    return tuple(given)


def reshape(a: Args) -> ArrayType:
    src = arr(a, "a")
    target = _sizes(a, "shape") if a.raw("shape") is not None else None
    if target is None:
        raise Unknowable("shape")
    return ArrayType(transforms.reshape_shape(src.shape, target), src.dtype)


def transpose(a: Args) -> ArrayType:
    src = arr(a, "a")
    axes = _sizes(a, "axes")
    return ArrayType(run_op("keras.ops.transpose", x=src.shape, axes=axes), src.dtype)


def flatten(a: Args) -> ArrayType:
    src = arr(a, "a")
    return ArrayType(run_op("keras.ops.ravel", x=src.shape), src.dtype)


def T(a: Args) -> ArrayType:
    src = arr(a, "a")
    return ArrayType(Shape(tuple(reversed(dims(src.shape)))), src.dtype)


def shape(a: Args) -> Value:
    return Value(tuple(scalar_python(d) for d in dims(arr(a, "a").shape)))


def ndim(a: Args) -> Value:
    return Value(len(dims(arr(a, "a").shape)))


def size(a: Args) -> Value:
    total = arr(a, "a").shape.size(0)
    if not is_known(total):
        raise Unknowable("size")
    return Value(total)


def length(a: Args) -> Value:
    """len(x): the first size; a 0-d array has no length (Python raises TypeError)."""
    xd = dims(arr(a, "a").shape)
    if not xd:
        raise Unknowable("len")
    return Value(scalar_python(xd[0]))


def subscript(a: Args) -> ArrayType:
    return getitem(arr(a, "a"), a.raw("key"))


def _like_function(name: str, params: tuple[str, ...]) -> OpSpec:
    """``x.name(...)`` is ``numpy.name(x, ...)``."""
    spec = next(s for s in transforms.SPECS if s.name == f"numpy.{name}")
    return OpSpec(f"ndarray.{name}", params, spec.infer, spec.defaults, tensors=("a",))


def _astype(a: Args) -> ArrayType:
    return transforms.astype(Args({"x": a.raw("a"), "dtype": a.raw("dtype")}, {}))


_REDUCE = ("a", "axis", "dtype", "out", "keepdims")
_ARG = ("a", "axis", "out", "keepdims")

METHODS = [
    OpSpec("ndarray.reshape", ("a",), reshape, tensors=("a",), varargs="shape"),
    OpSpec("ndarray.transpose", ("a",), transpose, tensors=("a",), varargs="axes"),
    OpSpec("ndarray.flatten", ("a", "order"), flatten, tensors=("a",)),
    OpSpec("ndarray.ravel", ("a", "order"), flatten, tensors=("a",)),
    OpSpec("ndarray.astype", ("a", "dtype", "order", "casting", "subok", "copy"), _astype,
           tensors=("a",)),
    OpSpec("ndarray.copy", ("a", "order"), lambda a: arr(a, "a"), tensors=("a",)),
    OpSpec("ndarray.__getitem__", ("a", "key"), subscript, tensors=("a",)),
    OpSpec("ndarray.__len__", ("a",), length, tensors=("a",), returns="value"),
    _like_function("squeeze", ("a", "axis")),
    _like_function("swapaxes", ("a", "axis1", "axis2")),
    _like_function("repeat", ("a", "repeats", "axis")),
    _like_function("clip", ("a", "a_min", "a_max")),
    *(_like_function(n, _REDUCE) for n in ("sum", "prod", "mean", "std", "var")),
    *(_like_function(n, _ARG) for n in ("max", "min", "any", "all", "argmax", "argmin")),
]

ATTRIBUTES = [
    OpSpec("ndarray.T", ("a",), T, tensors=("a",)),
    OpSpec("ndarray.shape", ("a",), shape, tensors=("a",), returns="value"),
    OpSpec("ndarray.ndim", ("a",), ndim, tensors=("a",), returns="value"),
    OpSpec("ndarray.size", ("a",), size, tensors=("a",), returns="value"),
]
