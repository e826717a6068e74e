"""NumPy functions that make arrays from Python values: ``array``/``asarray`` of nested
literals, ``zeros``/``ones``/``empty``/``full`` and their ``_like``, ``arange``, ``linspace``,
``eye``/``identity``; and the readers (``load``, ``loadtxt``...), whose arrays are unknown.

NumPy's own numbers: ``arange`` has ``ceil((stop - start) / step)`` values, none when the range
is empty (``keras.ops.arange`` differs there, so it is written here); ``eye(N, M, k)`` is
``(N, M)`` whatever ``k``.
"""
from __future__ import annotations

import math
from typing import Any

from shapelint.arrays.shared import (
    Args,
    ArrayType,
    Shape,
    Unknowable,
    arr,
    dtype_arg,
    items_of,
    number,
    size_arg,
)
from shapelint.arrays.spec import ArrayFn, promote, python_dtype, unknown_array
from shapelint.interp.values import Unknown
from shapelint.ops.spec import OpSpec, Value, is_int, scalar_python
from shapelint.shapes import Dim

# --- array / asarray ------------------------------------------------------------------------------


def _literal(v: Any) -> tuple[tuple[Dim, ...], str | None]:
    """Shape and dtype class of a nested literal; Unknowable when ragged or unknown."""
    if isinstance(v, ArrayType):
        if v.shape.dims is None:
            raise Unknowable("rank")
        return v.shape.dims, v.dtype
    if isinstance(v, (bool, int, float, str)) and not isinstance(v, Unknown):
        return (), python_dtype(v)
    items = items_of(v)
    if items is None:
        raise Unknowable("element")
    if not items:
        return (0,), "float"
    parts = [_literal(x) for x in items]
    shapes = {p[0] for p in parts}
    if len(shapes) != 1:
        raise Unknowable("ragged")         # NumPy raises (inhomogeneous shape)
    kinds = [p[1] for p in parts]
    if "str" in kinds:
        kind: str | None = "str" if None not in kinds else None
    else:
        kind = promote(*kinds)
    return (len(items),) + parts[0][0], kind


def array(a: Args) -> ArrayType:
    dims, kind = _literal(a.raw("object"))
    ndmin = a.raw("ndmin") or 0
    if not is_int(ndmin):
        raise Unknowable("ndmin")
    dims = (1,) * max(0, ndmin - len(dims)) + dims
    return ArrayType(Shape(dims), dtype_arg(a, "dtype", kind))


def as_array(a: Args, name: str) -> ArrayType:
    """An array argument, or a literal list made into one as NumPy would."""
    v = a.raw(name)
    if isinstance(v, ArrayType) or is_int(v):
        return arr(a, name)
    return array(Args({"object": v}, {}))


# --- filled arrays ------------------------------------------------------------------------------

def _filled(default: str | None) -> ArrayFn:
    def infer(a: Args) -> ArrayType:
        dims = size_arg(a, "shape")
        if dims is None:
            raise Unknowable("shape")
        return ArrayType(Shape(dims), dtype_arg(a, "dtype", default))
    return infer


def full(a: Args) -> ArrayType:
    dims = size_arg(a, "shape")
    fill = a.raw("fill_value")
    if dims is None or not isinstance(fill, (bool, int, float, str)) or isinstance(fill, Unknown):
        raise Unknowable("fill_value")    # an array fill value broadcasts: not modeled
    return ArrayType(Shape(dims), dtype_arg(a, "dtype", python_dtype(fill)))


def _like(fixed: str | None = None) -> ArrayFn:
    """zeros_like & co: the array's shape (or ``shape=``) and dtype (or ``dtype=``)."""
    def infer(a: Args) -> ArrayType:
        src = arr(a, "a")
        dims = size_arg(a, "shape")
        shape = Shape(dims) if dims is not None else src.shape
        return ArrayType(shape, dtype_arg(a, "dtype", fixed or src.dtype))
    return infer


# --- ranges -----------------------------------------------------------------------------------

def arange(a: Args) -> ArrayType:
    start, stop, step = a.raw("start"), a.raw("stop"), a.raw("step")
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    ends = (start, stop, step)
    if not all(number(v) for v in ends) or step == 0:
        raise Unknowable("range")
    if all(is_int(v) for v in ends):
        n = -((start - stop) // step)
        kind = "int"
    else:
        n = math.ceil((stop - start) / step)
        kind = "float"
    return ArrayType(Shape((max(n, 0),)), dtype_arg(a, "dtype", kind))


def linspace(a: Args) -> ArrayType:
    num = a.raw("num")
    if not is_int(num) or num < 0 or a.bool("retstep"):
        raise Unknowable("num")
    if not all(number(a.raw(n)) for n in ("start", "stop")):
        raise Unknowable("ends")          # array ends add axes: not modeled
    return ArrayType(Shape((num,)), dtype_arg(a, "dtype", "float"))


def eye(a: Args) -> ArrayType:
    n, m = a.raw("N"), a.raw("M")
    m = n if m is None else m
    if not (is_int(n) and is_int(m)) or n < 0 or m < 0 or not is_int(a.raw("k") or 0):
        raise Unknowable("N")
    return ArrayType(Shape((n, m)), dtype_arg(a, "dtype", "float"))


def identity(a: Args) -> ArrayType:
    n = a.raw("n")
    if not is_int(n) or n < 0:
        raise Unknowable("n")
    return ArrayType(Shape((n, n)), dtype_arg(a, "dtype", "float"))


def from_disk(a: Args) -> ArrayType:
    """Read from a file or the network: unknown, never a finding."""
    return unknown_array()


def copy(a: Args) -> ArrayType:
    return arr(a, "a")


def shape_of(a: Args) -> Value:
    src = a.raw("a")
    dims = Args.shape_of(src).dims
    if dims is None:
        raise Unknowable("rank")
    return Value(tuple(scalar_python(d) for d in dims))


_ARRAY = ("object", "dtype", "copy", "order", "subok", "ndmin", "like")
_LIKE = ("a", "dtype", "order", "subok", "shape")

SPECS = [
    OpSpec("numpy.array", _ARRAY, array, tensors=()),
    OpSpec("numpy.asarray", ("a", "dtype", "order"), lambda a: array(
        Args({"object": a.raw("a"), "dtype": a.raw("dtype")}, {})), tensors=()),
    OpSpec("numpy.zeros", ("shape", "dtype", "order"), _filled("float"), tensors=()),
    OpSpec("numpy.ones", ("shape", "dtype", "order"), _filled("float"), tensors=()),
    OpSpec("numpy.empty", ("shape", "dtype", "order"), _filled("float"), tensors=()),
    OpSpec("numpy.full", ("shape", "fill_value", "dtype", "order"), full, tensors=()),
    OpSpec("numpy.zeros_like", _LIKE, _like(), tensors=("a",)),
    OpSpec("numpy.ones_like", _LIKE, _like(), tensors=("a",)),
    OpSpec("numpy.empty_like", _LIKE, _like(), tensors=("a",)),
    OpSpec("numpy.full_like", ("a", "fill_value", "dtype", "order", "subok", "shape"), _like(),
           tensors=("a",)),
    OpSpec("numpy.arange", ("start", "stop", "step", "dtype"), arange, tensors=()),
    OpSpec("numpy.linspace", ("start", "stop", "num", "endpoint", "retstep", "dtype", "axis"),
           linspace, {"num": 50}, tensors=()),
    OpSpec("numpy.eye", ("N", "M", "k", "dtype"), eye, tensors=()),
    OpSpec("numpy.identity", ("n", "dtype"), identity, tensors=()),
    OpSpec("numpy.copy", ("a", "order", "subok"), copy, tensors=("a",)),
    OpSpec("numpy.shape", ("a",), shape_of, tensors=("a",), returns="value"),
    *(OpSpec(f"numpy.{n}", ("file",), from_disk, tensors=(), varargs="rest")
      for n in ("load", "loadtxt", "genfromtxt", "fromfile", "frombuffer", "fromstring",
                "memmap")),
]

ALIASES = {"numpy.asanyarray": "numpy.asarray", "numpy.ascontiguousarray": "numpy.asarray"}
