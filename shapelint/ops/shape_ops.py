"""Asking a tensor for its shape.

``keras.ops.shape`` and ``K.int_shape`` give Python tuples: known sizes are ints, the
others unknown (never ``None``: a size unknown to the analysis may be known to Keras).
``tf.shape`` / ``K.shape`` give a 1-D int tensor whose values are dynamic: only its length
(the rank) is known. ``tf.rank`` and ``tf.size`` are dynamic scalars.
"""
from __future__ import annotations

from shapelint.interp.values import UNKNOWN
from shapelint.ops.spec import Arguments, OpSpec, TensorFn, Value, scalar_python
from shapelint.shapes import Shape


def python_shape(a: Arguments) -> Value:
    x = a.tensor("x")
    if x.dims is None:
        return Value(UNKNOWN)
    return Value(tuple(scalar_python(d) for d in x.dims))


def python_ndim(a: Arguments) -> Value:
    x = a.tensor("x")
    return Value(UNKNOWN if x.dims is None else len(x.dims))


def _dynamic_shape(name: str) -> TensorFn:
    def infer(a: Arguments) -> Shape:
        x = a.tensor(name)
        return Shape((None if x.dims is None else len(x.dims),))
    return infer


def _dynamic_scalar(name: str) -> TensorFn:
    def infer(a: Arguments) -> Shape:
        a.tensor(name)
        return Shape(())
    return infer


SPECS = [
    OpSpec("keras.ops.shape", ("x",), python_shape, returns="value"),
    OpSpec("keras.backend.int_shape", ("x",), python_shape, returns="value"),
    OpSpec("keras.backend.ndim", ("x",), python_ndim, returns="value"),
    OpSpec("tensorflow.shape", ("input", "out_type", "name"), _dynamic_shape("input"),
           tensors=("input",)),
    OpSpec("keras.backend.shape", ("x",), _dynamic_shape("x")),
    OpSpec("tensorflow.rank", ("input", "name"), _dynamic_scalar("input"), tensors=("input",)),
    OpSpec("tensorflow.size", ("input", "out_type", "name"), _dynamic_scalar("input"),
           tensors=("input",)),
    OpSpec("keras.ops.size", ("x",), _dynamic_scalar("x")),
]
