"""NumPy functions that transform arrays: reshape, axes, joins, tiling, reductions, element-wise
arithmetic, matmul.

Where NumPy's shape rule is ``keras.ops``' (reshape, expand_dims, squeeze, transpose,
concatenate, stack, tile, repeat, ravel, reductions, argmax, broadcasting, matmul), the op
table's shape function answers (:func:`~shapelint.arrays.shared.run_op`); the NumPy-only
ones (swapaxes, moveaxis, vstack/hstack/dstack/column_stack, ``axis=None`` joins) are here.
The dtype class follows NumPy's promotion (NEP 50: a Python number takes the array's kind
unless it is of a higher one).
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from math import prod
from typing import Any

from shapelint.arrays.shared import (
    Args,
    ArrayType,
    Shape,
    Unknowable,
    arr,
    arrays_of,
    dtype_arg,
    promote,
    run_op,
)
from shapelint.arrays.spec import ArrayFn, python_dtype
from shapelint.ops.common import axis_in, dims
from shapelint.ops.spec import OpSpec, is_int
from shapelint.shapes import Dim, is_known
from shapelint.violations.base import Rejected
from shapelint.violations.spatial import ReshapeOpSizeMismatch


def scalar_axis(x: Shape, axis: Any) -> bool:
    """NumPy takes an int ``axis`` of 0 or -1 on a 0-d array as no axis (reductions,
    squeeze, argmax; repeat flattens): keras.ops does not."""
    return x.dims == () and is_int(axis) and axis in (0, -1)


def _same_dtype(op: str, x: str = "a", **names: str) -> ArrayFn:
    """A keras.ops shape function on array ``x``; the dtype is kept. ``names`` maps the op's
    parameter names to NumPy's."""
    def infer(a: Args) -> ArrayType:
        src = arr(a, x)
        values = {"x": src.shape, **{k: a.raw(v) for k, v in names.items()}}
        return ArrayType(run_op(op, **values), src.dtype)
    return infer


def squeeze(a: Args) -> ArrayType:
    src = arr(a, "a")
    if scalar_axis(src.shape, a.raw("axis")):
        return src
    return ArrayType(run_op("keras.ops.squeeze", x=src.shape, axis=a.raw("axis")), src.dtype)


def repeat(a: Args) -> ArrayType:
    """A list of counts with ``axis=None`` needs one count per element: unknown unless the
    size is known (keras.ops answers an unknown length, which may be no length at all)."""
    src = arr(a, "a")
    axis = None if scalar_axis(src.shape, a.raw("axis")) else a.raw("axis")
    reps = a.raw("repeats")
    if axis is None and not is_int(reps) and not is_known(src.shape.size(0)):
        raise Unknowable("repeats")
    return ArrayType(run_op("keras.ops.repeat", x=src.shape, repeats=reps, axis=axis), src.dtype)


def reshape_shape(x: Shape, target: Any) -> Shape:
    """keras.ops.reshape's rule, plus one NumPy makes certain: with several unknown input
    sizes (each at least 1) and a fully known target, the known input sizes must divide it."""
    out = run_op("keras.ops.reshape", x=x, newshape=target)
    xd, sizes = x.dims, [d for d in out.dims or () if is_known(d) and d > 0]
    if xd is not None and sum(1 for d in xd if not is_known(d)) > 1 \
            and len(sizes) == len(out.dims or ()):
        known_in = prod(d for d in xd if isinstance(d, int))
        known_out = prod(sizes)
        if known_out % known_in:
            raise Rejected(ReshapeOpSizeMismatch(input=x, target=tuple(sizes), in_size=None,
                                                 known_in=known_in, out_size=known_out))
    return out


def reshape(a: Args) -> ArrayType:
    src = arr(a, "a")
    target = a.raw("shape") if a.given("shape") else a.raw("newshape")
    if target is None:
        raise Unknowable("shape")
    return ArrayType(reshape_shape(src.shape, target), src.dtype)


def swapaxes(a: Args) -> ArrayType:
    src = arr(a, "a")
    xd = list(dims(src.shape))
    i = axis_in(a.int("axis1"), len(xd), "axis1", src.shape)
    j = axis_in(a.int("axis2"), len(xd), "axis2", src.shape)
    xd[i], xd[j] = xd[j], xd[i]
    return ArrayType(Shape(tuple(xd)), src.dtype)


def moveaxis(a: Args) -> ArrayType:
    src = arr(a, "a")
    xd = dims(src.shape)
    n = len(xd)
    source = [axis_in(s, n, "source", src.shape) for s in a.int_list("source")]
    dest = [axis_in(d, n, "destination", src.shape) for d in a.int_list("destination")]
    if len(source) != len(dest) or len(set(source)) != len(source) or len(set(dest)) != len(dest):
        raise Unknowable("axes")         # NumPy raises; no rule names it
    order = [i for i in range(n) if i not in source]
    for d, s in sorted(zip(dest, source)):
        order.insert(d, s)
    return ArrayType(Shape(tuple(xd[i] for i in order)), src.dtype)


# --- joins ------------------------------------------------------------------------------------

def _joined_dtype(a: Args, xs: list[ArrayType]) -> str | None:
    return dtype_arg(a, "dtype", promote(*(x.dtype for x in xs)))


def _flat(xs: list[ArrayType]) -> Shape:
    total: Dim = 0
    for x in xs:
        size = x.shape.size(0)
        total = total + size if is_known(total) and is_known(size) else None
    return Shape((total,))


def _joined(op: str, name: str, shapes: list[Shape], axis: int) -> Shape:
    """keras.ops' concatenate/stack compare every input with the first; NumPy fails as well
    when two later inputs differ (the first's size being unknown), so pairs are compared too:
    the finding then names the two that differ."""
    out = run_op(op, **{name: shapes, "axis": axis})
    for i, j in itertools.combinations(range(1, len(shapes)), 2):
        run_op(op, **{name: [shapes[i], shapes[j]], "axis": axis})
    return out


def concatenate(a: Args) -> ArrayType:
    xs = arrays_of(a, "arrays")
    if a.raw("axis") is None:             # axis=None joins the arrays flattened
        return ArrayType(_flat(xs), _joined_dtype(a, xs))
    shape = _joined("keras.ops.concatenate", "xs", [x.shape for x in xs], a.int("axis"))
    return ArrayType(shape, _joined_dtype(a, xs))


def stack(a: Args) -> ArrayType:
    xs = arrays_of(a, "arrays")
    shape = _joined("keras.ops.stack", "x", [x.shape for x in xs], a.int("axis"))
    return ArrayType(shape, _joined_dtype(a, xs))


def _at_least(x: Shape, rank: int) -> Shape:
    """np.atleast_1d/2d/3d: 0-d -> (1,)*rank; 1-d (n,) -> (n,) / (1, n) / (1, n, 1);
    2-d (m, n) -> (m, n, 1) for 3."""
    xd = dims(x)
    if len(xd) >= rank:
        return x
    if not xd:
        return Shape((1,) * rank)
    if len(xd) == 1:
        return Shape(((1,) + xd + (1,))[:rank] if rank > 1 else xd)
    return Shape(xd + (1,))


def _column(x: Shape) -> Shape:
    """column_stack: a 0-d or 1-d array becomes one column."""
    xd = dims(x)
    if len(xd) >= 2:
        return x
    return Shape((xd[0] if xd else 1, 1))


def _stack_along(prepare: Callable[[Shape], Shape], axis_of: Callable[[list[Shape]], int]) -> ArrayFn:
    def infer(a: Args) -> ArrayType:
        xs = arrays_of(a, "tup")
        shapes = [prepare(x.shape) for x in xs]
        shape = _joined("keras.ops.concatenate", "xs", shapes, axis_of(shapes))
        return ArrayType(shape, _joined_dtype(a, xs))
    return infer


def _hstack_axis(shapes: list[Shape]) -> int:
    return 0 if len(dims(shapes[0])) == 1 else 1


vstack = _stack_along(lambda s: _at_least(s, 2), lambda _: 0)
hstack = _stack_along(lambda s: _at_least(s, 1), _hstack_axis)
dstack = _stack_along(lambda s: _at_least(s, 3), lambda _: 2)
column_stack = _stack_along(_column, lambda _: 1)


# --- reductions ---------------------------------------------------------------------------------

# dtype class of a reduction's result, by the input's class (None: NumPy raises or unknown).
_SUM = {"bool": "int", "int": "int", "float": "float"}
_MEAN = {"bool": "float", "int": "float", "float": "float"}
_KEEP = {"bool": "bool", "int": "int", "float": "float"}
_BOOL = {"bool": "bool", "int": "bool", "float": "bool", "str": "bool"}
_INDEX = {"bool": "int", "int": "int", "float": "int", "str": "int"}


def _reduce(op: str, kinds: dict[str, str], lenient: bool = True) -> ArrayFn:
    """``lenient``: a ufunc reduction, which takes axis 0 or -1 on a 0-d array (mean, std
    and var do not)."""
    def infer(a: Args) -> ArrayType:
        src = arr(a, "a")
        if src.dtype not in kinds:
            raise Unknowable("dtype")
        lax = lenient and scalar_axis(src.shape, a.raw("axis"))
        axis = None if lax else a.raw("axis")
        keep = a.raw("keepdims") and src.shape.dims != ()
        shape = run_op(op, x=src.shape, axis=axis, keepdims=keep)
        return ArrayType(shape, dtype_arg(a, "dtype", kinds[src.dtype]))
    return infer


# --- element-wise ------------------------------------------------------------------------------

def _operand(a: Args, name: str) -> ArrayType:
    v = a.raw(name)
    if isinstance(v, ArrayType):
        return v
    return ArrayType(Args.shape_of(v), python_dtype(v))


def _classes_of(result: dict[str, str]) -> Callable[[ArrayType, ArrayType], str | None]:
    """A binary op's dtype class: ``result`` maps a promoted class to the result's class;
    a promoted class missing from it means NumPy raises (bool - bool) or is not modeled."""
    def dtype(x: ArrayType, y: ArrayType) -> str | None:
        p = promote(x.dtype, y.dtype)
        if p is None:
            return None
        if p not in result:
            raise Unknowable("dtype")
        return result[p]
    return dtype


_ARITH = {"bool": "bool", "int": "int", "float": "float"}
_NO_BOOL = {"int": "int", "float": "float"}            # bool - bool raises TypeError
_BOOL_TO_INT = {"bool": "int", "int": "int", "float": "float"}
_TRUE_DIV = {"bool": "float", "int": "float", "float": "float"}
_COMPARE = {"bool": "bool", "int": "bool", "float": "bool"}

_BINARY = {
    "add": _ARITH, "multiply": _ARITH, "maximum": _ARITH, "minimum": _ARITH,
    "subtract": _NO_BOOL, "floor_divide": _BOOL_TO_INT, "mod": _BOOL_TO_INT,
    "remainder": _BOOL_TO_INT, "power": _BOOL_TO_INT, "divide": _TRUE_DIV,
    "true_divide": _TRUE_DIV, "equal": _COMPARE, "not_equal": _COMPARE, "less": _COMPARE,
    "less_equal": _COMPARE, "greater": _COMPARE, "greater_equal": _COMPARE,
    "logical_and": _COMPARE, "logical_or": _COMPARE, "logical_xor": _COMPARE,
}

# Python operators on arrays, by the NumPy function they call.
OPERATORS = {"+": "add", "-": "subtract", "*": "multiply", "/": "true_divide",
             "//": "floor_divide", "%": "remainder", "**": "power", "==": "equal",
             "!=": "not_equal", "<": "less", "<=": "less_equal", ">": "greater",
             ">=": "greater_equal", "@": "matmul"}


def _binary(result: dict[str, str]) -> ArrayFn:
    dtype = _classes_of(result)

    def infer(a: Args) -> ArrayType:
        x, y = _operand(a, "x1"), _operand(a, "x2")
        kind = dtype(x, y)
        return ArrayType(run_op("keras.ops.add", x1=x.shape, x2=y.shape), kind)
    return infer


def matmul(a: Args) -> ArrayType:
    x, y = _operand(a, "x1"), _operand(a, "x2")
    if not dims(x.shape) or not dims(y.shape):
        raise Unknowable("scalar")        # NumPy raises (SHP104's text is tf.matmul's: rank 2)
    kind = _classes_of(_ARITH)(x, y)
    return ArrayType(run_op("keras.ops.matmul", x1=x.shape, x2=y.shape), kind)


# Unary functions: the result's class by the input's (missing: NumPy raises, or unmodeled).
_FLOATING = {"bool": "float", "int": "float", "float": "float"}
_FLOATING_INT = {"bool": "float", "int": "int", "float": "float"}     # round: bool -> float16
_UNARY = {
    "exp": _FLOATING, "log": _FLOATING, "sqrt": _FLOATING, "sin": _FLOATING, "cos": _FLOATING,
    "tanh": _FLOATING, "log1p": _FLOATING, "expm1": _FLOATING,
    "abs": _KEEP, "absolute": _KEEP, "square": _BOOL_TO_INT, "sign": _NO_BOOL,
    "negative": _NO_BOOL, "floor": _KEEP, "ceil": _KEEP, "trunc": _KEEP, "round": _FLOATING_INT,
    "around": _FLOATING_INT,
    "logical_not": _COMPARE, "isnan": _COMPARE, "isfinite": _COMPARE,
}


def _unary(kinds: dict[str, str]) -> ArrayFn:
    def infer(a: Args) -> ArrayType:
        src = _operand(a, "x")
        if src.dtype is not None and src.dtype not in kinds:
            raise Unknowable("dtype")
        return ArrayType(src.shape, None if src.dtype is None else kinds[src.dtype])
    return infer


def clip(a: Args) -> ArrayType:
    src = _operand(a, "a")
    shape = src.shape
    bounds = [_operand(a, n) for n in ("a_min", "a_max") if a.raw(n) is not None]
    if not bounds:
        raise Unknowable("bounds")       # NumPy requires one
    for b in bounds:
        shape = run_op("keras.ops.add", x1=shape, x2=b.shape)
    return ArrayType(shape, promote(src.dtype, *(b.dtype for b in bounds)))


def where(a: Args) -> ArrayType:
    if a.raw("x") is None or a.raw("y") is None:
        raise Unknowable("nonzero")      # where(cond) gives index arrays of data-dependent size
    c, x, y = _operand(a, "condition"), _operand(a, "x"), _operand(a, "y")
    shape = run_op("keras.ops.where", condition=c.shape, x1=x.shape, x2=y.shape)
    return ArrayType(shape, promote(x.dtype, y.dtype))


def astype(a: Args) -> ArrayType:
    src = arr(a, "x")
    return ArrayType(src.shape, dtype_arg(a, "dtype", None))


_REDUCERS = {"sum": _SUM, "prod": _SUM, "mean": _MEAN, "std": _MEAN, "var": _MEAN,
             "max": _KEEP, "min": _KEEP, "amax": _KEEP, "amin": _KEEP, "any": _BOOL,
             "all": _BOOL}
_REDUCE_PARAMS = ("a", "axis", "dtype", "out", "keepdims")
_MINMAX_PARAMS = ("a", "axis", "out", "keepdims")


def _reducer_spec(name: str) -> OpSpec:
    op = {"amax": "max", "amin": "min"}.get(name, name)
    params = _MINMAX_PARAMS if op in ("max", "min", "any", "all") else _REDUCE_PARAMS
    lenient = name not in ("mean", "std", "var")
    return OpSpec(f"numpy.{name}", params,
                  _reduce(f"keras.ops.{op}", _REDUCERS[name], lenient), tensors=("a",))


SPECS = [
    OpSpec("numpy.reshape", ("a", "shape", "order"), reshape, tensors=("a",)),
    OpSpec("numpy.expand_dims", ("a", "axis"), _same_dtype("keras.ops.expand_dims", axis="axis"),
           tensors=("a",)),
    OpSpec("numpy.squeeze", ("a", "axis"), squeeze, tensors=("a",)),
    OpSpec("numpy.transpose", ("a", "axes"), _same_dtype("keras.ops.transpose", axes="axes"),
           tensors=("a",)),
    OpSpec("numpy.swapaxes", ("a", "axis1", "axis2"), swapaxes, tensors=("a",)),
    OpSpec("numpy.moveaxis", ("a", "source", "destination"), moveaxis, tensors=("a",)),
    OpSpec("numpy.ravel", ("a", "order"), _same_dtype("keras.ops.ravel"), tensors=("a",)),
    OpSpec("numpy.tile", ("A", "reps"), _same_dtype("keras.ops.tile", "A", repeats="reps"),
           tensors=("A",)),
    OpSpec("numpy.repeat", ("a", "repeats", "axis"), repeat, tensors=("a",)),
    OpSpec("numpy.concatenate", ("arrays", "axis", "out", "dtype"), concatenate, {"axis": 0},
           tensors=()),
    OpSpec("numpy.stack", ("arrays", "axis", "out", "dtype"), stack, {"axis": 0}, tensors=()),
    OpSpec("numpy.vstack", ("tup",), vstack, tensors=()),
    OpSpec("numpy.hstack", ("tup",), hstack, tensors=()),
    OpSpec("numpy.dstack", ("tup",), dstack, tensors=()),
    OpSpec("numpy.column_stack", ("tup",), column_stack, tensors=()),
    *(_reducer_spec(n) for n in _REDUCERS),
    OpSpec("numpy.argmax", ("a", "axis", "out", "keepdims"),
           _reduce("keras.ops.argmax", _INDEX), tensors=("a",)),
    OpSpec("numpy.argmin", ("a", "axis", "out", "keepdims"),
           _reduce("keras.ops.argmin", _INDEX), tensors=("a",)),
    *(OpSpec(f"numpy.{n}", ("x1", "x2"), _binary(kinds), tensors=("x1", "x2"))
      for n, kinds in _BINARY.items()),
    OpSpec("numpy.matmul", ("x1", "x2"), matmul, tensors=("x1", "x2")),
    *(OpSpec(f"numpy.{n}", ("x",), _unary(kinds)) for n, kinds in _UNARY.items()),
    OpSpec("numpy.clip", ("a", "a_min", "a_max"), clip, tensors=("a",)),
    OpSpec("numpy.where", ("condition", "x", "y"), where, tensors=("condition", "x", "y")),
    OpSpec("numpy.astype", ("x", "dtype"), astype),
]

ALIASES = {"numpy.row_stack": "numpy.vstack", "numpy.concat": "numpy.concatenate",
           "numpy.permute_dims": "numpy.transpose", "numpy.pow": "numpy.power",
           "numpy.round_": "numpy.round"}
