"""Indexing and gathering: ``x[...]``, ``keras.ops.take``, ``tf.gather``, ``one_hot``.

``x[key]`` follows TensorFlow's strided slice (what ``tf.Tensor.__getitem__`` does while
tracing); a KerasTensor agrees wherever it accepts the key (it rejects a bare slice or
``None`` key, which TensorFlow takes). Keys are plain Python: ints, ``None`` (new axis),
``Ellipsis``, ``slice`` objects whose bounds are ints, ``None`` or :data:`DYNAMIC`, and
:data:`DYNAMIC` itself for a scalar tensor index.
"""
from __future__ import annotations

from typing import Any

from shapelint.interp.values import ListValue
from shapelint.ops.common import axis_in, dims
from shapelint.ops.spec import Arguments, OpSpec, TensorFn, Unknowable, is_int, shape_value
from shapelint.shapes import Dim, Shape, is_known


class _Dynamic:
    """An index or slice bound that is a tensor: its value is not known statically."""

    def __repr__(self) -> str:
        return "DYNAMIC"


DYNAMIC = _Dynamic()


def getitem(x: Shape, key: tuple[Any, ...]) -> Shape:
    for k in key:
        if not (k is None or k is Ellipsis or k is DYNAMIC or is_int(k) or isinstance(k, slice)):
            raise Unknowable("index")       # advanced indexing, unknown keys
        if isinstance(k, slice):
            if k.step == 0:
                raise Unknowable("step")
            if not all(b is None or b is DYNAMIC or is_int(b) for b in (k.start, k.stop, k.step)):
                raise Unknowable("index")
    if list(key).count(Ellipsis) > 1:
        raise Unknowable("ellipsis")
    if x.dims is None:
        raise Unknowable("rank")
    consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
    if consumed > len(x.dims):
        raise Unknowable("too many indices")
    rest = list(x.dims)
    out: list[Dim] = []
    keys = list(key)
    if Ellipsis not in keys:
        keys.append(Ellipsis)
    for i, k in enumerate(keys):
        if k is Ellipsis:
            take = len(rest) - sum(1 for j in keys[i + 1:] if j is not None and j is not Ellipsis)
            out.extend(rest[:take])
            rest = rest[take:]
        elif k is None:
            out.append(1)
        elif k is DYNAMIC:
            rest.pop(0)
        elif is_int(k):
            d = rest.pop(0)
            if is_known(d) and not -d <= k < d:
                raise Unknowable("index out of range")
        else:
            d = rest.pop(0)
            bounds = (k.start, k.stop, k.step)
            if is_known(d) and all(b is None or is_int(b) for b in bounds):
                out.append(len(range(*k.indices(d))))
            elif k.start is None and k.stop is None and (k.step is None or k.step in (1, -1)):
                out.append(d)              # x[:] and x[::-1] keep the size, known or not
            else:
                out.append(None)
    return Shape(tuple(out))


def _index_shape(v: Any) -> Shape:
    shape = shape_value(v)
    if shape is not None:
        return shape
    if is_int(v):
        return Shape(())
    items = list(v) if isinstance(v, (tuple, list)) else (v.items if isinstance(v, ListValue) else None)
    if items is not None and all(is_int(i) for i in items):
        return Shape((len(items),))
    raise Unknowable("indices")


def _gather(x: Shape, idx: Shape, axis: int) -> Shape:
    xd = dims(x)
    ax = axis_in(axis, len(xd), "axis", x)
    return Shape(xd[:ax] + dims(idx) + xd[ax + 1:])


def keras_take(a: Arguments) -> Shape:
    x = a.tensor("x")
    idx = _index_shape(a.raw("indices"))
    axis = a.opt_int("axis")
    if axis is None:
        dims(x)
        return Shape(dims(idx))
    return _gather(x, idx, axis)


def tf_gather(a: Arguments) -> Shape:
    if a.opt_int("batch_dims"):
        raise Unknowable("batch_dims")
    axis = a.opt_int("axis")
    return _gather(a.tensor("params"), _index_shape(a.raw("indices")), 0 if axis is None else axis)


def k_gather(a: Arguments) -> Shape:
    return _gather(a.tensor("reference"), _index_shape(a.raw("indices")), 0)


def _one_hot(tensor: str, depth: str, keras: bool) -> TensorFn:
    """A new axis of size ``depth`` at ``axis`` (-1: last). Keras places it before an
    existing axis only; TensorFlow also after the last one."""
    def infer(a: Arguments) -> Shape:
        xd = dims(a.tensor(tensor))
        n = a.int(depth)
        axis = a.opt_int("axis")
        if n < 1:
            raise Unknowable(depth)
        if axis is None or axis == -1:
            return Shape((*xd, n))
        if not 0 <= axis < len(xd) + (0 if keras else 1):
            raise Unknowable("axis")
        return Shape((*xd[:axis], n, *xd[axis:]))
    return infer


SPECS = [
    OpSpec("keras.ops.take", ("x", "indices", "axis"), keras_take),
    OpSpec("tensorflow.gather", ("params", "indices", "validate_indices", "axis", "batch_dims", "name"),
           tf_gather, {"batch_dims": 0}, tensors=("params",)),
    OpSpec("keras.backend.gather", ("reference", "indices"), k_gather, tensors=("reference",)),
    OpSpec("keras.ops.one_hot", ("x", "num_classes", "axis", "dtype", "sparse"),
           _one_hot("x", "num_classes", keras=True), {"axis": -1}),
    OpSpec("tensorflow.one_hot", ("indices", "depth", "on_value", "off_value", "axis", "dtype", "name"),
           _one_hot("indices", "depth", keras=False), tensors=("indices",)),
]
