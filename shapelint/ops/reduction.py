"""Reductions (sum, mean, max, argmax...), ops that keep the shape along an axis
(softmax, l2_normalize, cumsum, flip, roll) and top_k: an ``axis`` outside the input's rank
is SHP206 for reductions, an unknown result for the others."""
from __future__ import annotations

from math import prod

from shapelint.ops.common import axes_in, dims
from shapelint.ops.spec import Arguments, InferFn, OpSpec, TensorFn, Tensors, Unknowable
from shapelint.shapes import Shape, is_known, known_sizes


def reduce_shape(x: Shape, axes: tuple[int, ...] | None, keepdims: bool, allow_duplicates: bool) -> Shape:
    if axes is None:
        if keepdims:
            return Shape((1,) * len(dims(x)))
        return Shape(())
    xd = dims(x)
    norm = axes_in(axes, len(xd), x)
    if len(set(norm)) != len(norm) and not allow_duplicates:
        raise Unknowable("axis")
    if keepdims:
        return Shape(tuple(1 if i in norm else d for i, d in enumerate(xd)))
    return Shape(tuple(d for i, d in enumerate(xd) if i not in norm))


def _reducer(tensor: str, tf: bool) -> TensorFn:
    def infer(a: Arguments) -> Shape:
        return reduce_shape(a.tensor(tensor), a.axes("axis"), a.bool("keepdims"), allow_duplicates=tf)
    return infer


def _arg(tensor: str, default_axis_none_flat: bool) -> TensorFn:
    """argmax/argmin: one axis; Keras reduces everything when ``axis`` is None, TensorFlow
    uses axis 0."""
    def infer(a: Arguments) -> Shape:
        x = a.tensor(tensor)
        axis = a.opt_int("axis")
        keepdims = a.bool("keepdims")
        if axis is None:
            if default_axis_none_flat:
                return Shape((1,) * len(dims(x))) if keepdims else Shape(())
            axis = 0
        if len(dims(x)) <= 1 and not default_axis_none_flat:
            # TensorFlow's ArgMax of a scalar or a vector is a scalar, whatever the axis.
            if dims(x) and -1 <= axis < 1 and not keepdims:
                return Shape(())
            raise Unknowable("rank")
        return reduce_shape(x, (axis,), keepdims, allow_duplicates=False)
    return infer


def _along_axis(tensor: str, min_rank: int = 1) -> TensorFn:
    """Same shape out; the axis (or axes) must exist, else the result is left unknown
    (Keras does not check on symbolic tensors; TensorFlow does)."""
    def infer(a: Arguments) -> Shape:
        x = a.tensor(tensor)
        xd = dims(x)
        if len(xd) < min_rank:
            raise Unknowable("rank")
        axes = a.axes("axis")
        if axes is not None and not all(-len(xd) <= ax < len(xd) for ax in axes):
            raise Unknowable("axis")
        if axes is not None and len({ax % len(xd) for ax in axes}) != len(axes):
            raise Unknowable("axis")      # an axis given twice
        return x
    return infer


def _cumulative(tensor: str) -> TensorFn:
    """Keras' cumsum/cumprod: the input's shape along an axis; without one, over the
    flattened input."""
    along = _along_axis(tensor, min_rank=0)

    def infer(a: Arguments) -> Shape:
        if a.raw("axis") is not None:
            return along(a)
        sizes = known_sizes(dims(a.tensor(tensor)))
        return Shape((prod(sizes) if sizes is not None else None,))
    return infer


def _top_k(tensor: str) -> InferFn:
    """The ``k`` largest entries along the last axis, and their indices; TensorFlow
    refuses a ``k`` above that axis' size."""
    def infer(a: Arguments) -> Tensors:
        xd = dims(a.tensor(tensor))
        k = a.int("k")
        if not xd or k < 1 or (is_known(xd[-1]) and k > xd[-1]):
            raise Unknowable("k")
        out = Shape((*xd[:-1], k))
        return Tensors((out, out))
    return infer


_KERAS_REDUCERS = ("sum", "mean", "max", "min", "prod", "any", "all", "std", "var", "amax", "amin",
                   "logsumexp")
_TF_REDUCERS = ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
                "reduce_any", "reduce_all", "reduce_logsumexp", "reduce_std", "reduce_variance",
                "reduce_euclidean_norm")
_K_REDUCERS = ("sum", "mean", "max", "min", "prod", "any", "all", "std", "var")

SPECS = [
    *(OpSpec(f"keras.ops.{n}", ("x", "axis", "keepdims"), _reducer("x", tf=False))
      for n in _KERAS_REDUCERS),
    *(OpSpec(f"tensorflow.math.{n}", ("input_tensor", "axis", "keepdims", "name"),
             _reducer("input_tensor", tf=True), tensors=("input_tensor",))
      for n in _TF_REDUCERS),
    *(OpSpec(f"keras.backend.{n}", ("x", "axis", "keepdims"), _reducer("x", tf=True))
      for n in _K_REDUCERS),
    OpSpec("keras.ops.argmax", ("x", "axis", "keepdims"), _arg("x", True)),
    OpSpec("keras.ops.argmin", ("x", "axis", "keepdims"), _arg("x", True)),
    OpSpec("tensorflow.math.argmax", ("input", "axis", "output_type", "name"), _arg("input", False),
           tensors=("input",)),
    OpSpec("tensorflow.math.argmin", ("input", "axis", "output_type", "name"), _arg("input", False),
           tensors=("input",)),
    OpSpec("keras.backend.argmax", ("x", "axis"), _arg("x", False), {"axis": -1}),
    OpSpec("keras.backend.argmin", ("x", "axis"), _arg("x", False), {"axis": -1}),
    OpSpec("keras.ops.softmax", ("x", "axis"), _along_axis("x"), {"axis": -1}),
    OpSpec("keras.ops.log_softmax", ("x", "axis"), _along_axis("x"), {"axis": -1}),
    OpSpec("keras.ops.normalize", ("x", "axis", "order"), _along_axis("x"), {"axis": -1}),
    OpSpec("tensorflow.nn.softmax", ("logits", "axis", "name"), _along_axis("logits"),
           tensors=("logits",)),
    OpSpec("tensorflow.nn.log_softmax", ("logits", "axis", "name"), _along_axis("logits"),
           tensors=("logits",)),
    OpSpec("tensorflow.math.l2_normalize", ("x", "axis", "epsilon", "name"), _along_axis("x")),
    OpSpec("keras.backend.softmax", ("x", "axis"), _along_axis("x", min_rank=2), {"axis": -1}),
    OpSpec("keras.backend.l2_normalize", ("x", "axis"), _along_axis("x")),
    OpSpec("keras.ops.cumsum", ("x", "axis", "dtype"), _cumulative("x")),
    OpSpec("keras.ops.cumprod", ("x", "axis", "dtype"), _cumulative("x")),
    OpSpec("keras.ops.flip", ("x", "axis"), _along_axis("x", min_rank=0)),
    OpSpec("keras.ops.roll", ("x", "shift", "axis"), _along_axis("x", min_rank=0)),
    OpSpec("keras.ops.top_k", ("x", "k", "sorted"), _top_k("x"), returns="tensors"),
    OpSpec("tensorflow.math.top_k", ("input", "k", "sorted", "index_type", "name"), _top_k("input"),
           {"k": 1}, tensors=("input",), returns="tensors"),
]

ALIASES = {
    **{f"tensorflow.{n}": f"tensorflow.math.{n}" for n in _TF_REDUCERS
       if n not in ("reduce_std", "reduce_variance", "reduce_euclidean_norm")},
    "tensorflow.argmax": "tensorflow.math.argmax",
    "tensorflow.argmin": "tensorflow.math.argmin",
    "tensorflow.math.softmax": "tensorflow.nn.softmax",
    "tensorflow.math.log_softmax": "tensorflow.nn.log_softmax",
    "tensorflow.nn.l2_normalize": "tensorflow.math.l2_normalize",
    "tensorflow.nn.top_k": "tensorflow.math.top_k",
}
