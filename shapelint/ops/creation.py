"""Ops that create a tensor from Python arguments: zeros, ones, full, eye, arange, linspace,
random draws.

Model code makes positional indices (``ops.arange(maxlen)``), masks (``ops.tri``) and noise
(``keras.random.normal((batch, dim))``) this way. The shape comes from a shape argument or
from counts; a dynamic entry (``tf.shape(x)[0]``) is an unknown size. These ops never report
a finding: a size the analysis cannot see as a positive int makes the result unknown.
"""
from __future__ import annotations

from typing import Any

from shapelint.ops.spec import Arguments, OpSpec, TensorFn, Unknowable, is_int, shape_value
from shapelint.shapes import Dim, Shape


def _sizes(a: Arguments, name: str, bare_int: bool = False) -> tuple[Dim, ...]:
    """A shape argument: positive ints stay, dynamic entries are unknown sizes. A bare int
    is a 1-D shape only for the ops that take one (zeros, ones, empty); the others raise."""
    if is_int(a.raw(name)) and not bare_int:
        raise Unknowable(name)
    dims = a.dims(name, allow_none=False)
    if any(is_int(d) and d < 1 for d in dims):
        raise Unknowable(name)          # zero or negative sizes are not modeled
    return dims


def _count(a: Arguments, name: str) -> int:
    v = a.raw(name)
    if not is_int(v) or v < 1:
        raise Unknowable(name)
    return v


def _shaped(name: str, bare_int: bool = False) -> TensorFn:
    def infer(a: Arguments) -> Shape:
        return Shape(_sizes(a, name, bare_int))
    return infer


def _shaped_or_int(name: str) -> TensorFn:
    return _shaped(name, bare_int=True)


def _square(rows: str, cols: str, offset: str = "") -> TensorFn:
    """eye / tri: (rows, cols), cols defaulting to rows. ``offset``: a diagonal offset
    other than 0 makes the shape unknown (Keras' TensorFlow eye pads by it)."""
    def infer(a: Arguments) -> Shape:
        if offset and a.raw(offset) not in (None, 0):
            raise Unknowable(offset)
        n = _count(a, rows)
        m = _count(a, cols) if cols and a.raw(cols) is not None else n
        return Shape((n, m))
    return infer


def tf_eye(a: Arguments) -> Shape:
    n = _count(a, "num_rows")
    m = _count(a, "num_columns") if a.raw("num_columns") is not None else n
    batch = _sizes(a, "batch_shape") if a.raw("batch_shape") is not None else ()
    return Shape((*batch, n, m))


def _scalar_number(v: Any) -> bool:
    shape = shape_value(v)
    if shape is not None:
        return shape.dims == ()
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _arange(start: str, stop: str, step: str) -> TensorFn:
    """``ceil((stop - start) / step)`` values when all are ints; one axis of unknown size
    when any is a float or a scalar tensor (its length is known only when the op runs)."""
    def infer(a: Arguments) -> Shape:
        lo, hi, by = a.raw(start), a.raw(stop), a.raw(step)
        if hi is None:
            lo, hi = 0, lo
        if by is None:
            by = 1
        ends = (lo, hi, by)
        if not all(_scalar_number(v) for v in ends):
            raise Unknowable("range")
        if any(shape_value(v) is not None for v in ends):
            return Shape((None,))
        if by == 0 or (hi - lo) / by <= 0:
            raise Unknowable("empty range")     # TensorFlow raises for a reversed one
        if not all(is_int(v) for v in ends):
            return Shape((None,))               # float ends: TensorFlow counts in float32
        return Shape((-((lo - hi) // by),))     # ceil((hi - lo) / by) in integers
    return infer


def _linspace(same_type: bool) -> TensorFn:
    """``num`` values between two Python numbers (tensor ends broadcast: not modeled);
    ``same_type``: TensorFlow takes an int and a float end only as the same dtype."""
    def infer(a: Arguments) -> Shape:
        ends = (a.raw("start"), a.raw("stop"))
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in ends):
            raise Unknowable("tensor ends")
        if same_type and type(ends[0]) is not type(ends[1]):
            raise Unknowable("mixed dtypes")
        if a.bool("retstep"):
            raise Unknowable("retstep")
        return Shape((_count(a, "num"),))
    return infer


SPECS = [
    OpSpec("keras.ops.zeros", ("shape", "dtype"), _shaped_or_int("shape"), tensors=()),
    OpSpec("keras.ops.ones", ("shape", "dtype"), _shaped_or_int("shape"), tensors=()),
    OpSpec("keras.ops.empty", ("shape", "dtype"), _shaped_or_int("shape"), tensors=()),
    OpSpec("keras.ops.full", ("shape", "fill_value", "dtype"), _shaped("shape"), tensors=()),
    OpSpec("keras.ops.eye", ("N", "M", "k", "dtype"), _square("N", "M", "k"), tensors=()),
    OpSpec("keras.ops.identity", ("n", "dtype"), _square("n", ""), tensors=()),
    OpSpec("keras.ops.tri", ("N", "M", "k", "dtype"), _square("N", "M"), tensors=()),
    OpSpec("keras.ops.arange", ("start", "stop", "step", "dtype"), _arange("start", "stop", "step"),
           tensors=()),
    OpSpec("keras.ops.linspace", ("start", "stop", "num", "endpoint", "retstep", "dtype", "axis"),
           _linspace(same_type=False), defaults={"num": 50}, tensors=()),
    OpSpec("keras.random.normal", ("shape", "mean", "stddev", "dtype", "seed"), _shaped("shape"),
           tensors=()),
    OpSpec("keras.random.uniform", ("shape", "minval", "maxval", "dtype", "seed"), _shaped("shape"),
           tensors=()),
    OpSpec("keras.random.truncated_normal", ("shape", "mean", "stddev", "dtype", "seed"),
           _shaped("shape"), tensors=()),
    OpSpec("keras.random.randint", ("shape", "minval", "maxval", "dtype", "seed"), _shaped("shape"),
           tensors=()),
    OpSpec("tensorflow.zeros", ("shape", "dtype", "name"), _shaped_or_int("shape"), tensors=()),
    OpSpec("tensorflow.ones", ("shape", "dtype", "name"), _shaped_or_int("shape"), tensors=()),
    OpSpec("tensorflow.fill", ("dims", "value", "name"), _shaped("dims"), tensors=()),
    OpSpec("tensorflow.eye", ("num_rows", "num_columns", "batch_shape", "dtype", "name"), tf_eye,
           tensors=()),
    OpSpec("tensorflow.range", ("start", "limit", "delta", "dtype", "name"),
           _arange("start", "limit", "delta"), tensors=()),
    OpSpec("tensorflow.linspace", ("start", "stop", "num", "name", "axis"), _linspace(same_type=True),
           tensors=()),
    OpSpec("tensorflow.random.normal", ("shape", "mean", "stddev", "dtype", "seed", "name"),
           _shaped("shape"), tensors=()),
    OpSpec("tensorflow.random.uniform", ("shape", "minval", "maxval", "dtype", "seed", "name"),
           _shaped("shape"), tensors=()),
    OpSpec("tensorflow.random.truncated_normal", ("shape", "mean", "stddev", "dtype", "seed", "name"),
           _shaped("shape"), tensors=()),
]

ALIASES = {"tensorflow.lin_space": "tensorflow.linspace"}
