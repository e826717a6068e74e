"""Joining and splitting: concatenate/concat, stack, split, unstack.

``keras.ops`` follows ``keras.src.ops.numpy`` on symbolic tensors (inputs are compared
with the first one, whose unknown sizes are kept); ``tf`` follows TensorFlow's shape
functions (``ConcatV2``, ``Pack``, ``Split``/``SplitV``, ``Unpack``), which merge the
inputs' known sizes; ``K`` (Keras 2 backend) wraps the TensorFlow ops.
"""
from __future__ import annotations

import itertools

from shapelint.ops.common import axis_in, dims
from shapelint.ops.spec import Arguments, OpSpec, Tensors, Unknowable
from shapelint.shapes import Dim, Shape, add_dims, dims_differ, is_known
from shapelint.violations.base import Rejected
from shapelint.violations.merging import (
    ConcatAxisMismatch,
    ConcatRankMismatch,
    SplitSectionsMismatch,
    SplitSizesMismatch,
    StackShapeMismatch,
    UnstackCountMismatch,
)


def _merge_dim(a: Dim, b: Dim) -> Dim:
    """TensorFlow's Merge of two compatible sizes: the known one."""
    return a if is_known(a) or not is_known(b) else b


# --- concatenate ---------------------------------------------------------------------------

def _concat(xs: list[Shape], axis: int, refine: bool) -> Shape:
    known = [x.dims for x in xs if x.dims is not None]
    first = xs[0]
    first_dims = dims(first)
    rank = len(first_dims)
    ax = axis_in(axis, rank, "axis", first)
    for i, x in enumerate(xs[1:], start=1):
        if x.dims is None:
            continue
        if len(x.dims) != rank:
            raise Rejected(ConcatRankMismatch(axis=axis, shapes=tuple(xs)))
        for d in range(rank):
            if d != ax and dims_differ(first_dims[d], x.dims[d]):
                raise Rejected(ConcatAxisMismatch(axis=axis, norm_axis=ax, shapes=tuple(xs), index=i))
    out = list(first_dims)
    total = first_dims[ax]
    for x in xs[1:]:
        total = add_dims(total, x.dims[ax]) if x.dims is not None else None
    out[ax] = total if is_known(total) else None
    if refine:
        for x_dims in known[1:]:
            for d in range(rank):
                if d != ax:
                    out[d] = _merge_dim(out[d], x_dims[d])
    return Shape(tuple(out))


def keras_concatenate(a: Arguments) -> Shape:
    return _concat(a.tensor_list("xs"), a.int("axis"), refine=False)


def tf_concat(a: Arguments) -> Shape:
    xs = a.tensor_list("values")
    if len(xs) == 1:
        return xs[0]                      # identity: the axis is not checked
    return _concat(xs, a.int("axis"), refine=True)


def k_concatenate(a: Arguments) -> Shape:
    xs = a.tensor_list("tensors")
    axis = a.int("axis")
    if axis < 0:
        rank = xs[0].rank
        if rank is None:
            raise Unknowable("rank")      # tf_keras then uses axis 0
        axis = axis % rank if rank else 0
    if len(xs) == 1:
        return xs[0]
    return _concat(xs, axis, refine=True)


# --- stack -----------------------------------------------------------------------------------

def _stack(xs: list[Shape], axis: int, refine: bool) -> Shape:
    first = xs[0]
    if first.dims is None:
        raise Unknowable("rank")
    rank = len(first.dims)
    ax = axis_in(axis, rank + 1, "axis", first)
    out = list(first.dims)
    for i, x in enumerate(xs[1:], start=1):
        if x.dims is None:
            continue
        if len(x.dims) != rank:
            raise Rejected(StackShapeMismatch(axis=axis, shapes=tuple(xs), index=i))
        for d in range(rank):
            if dims_differ(first.dims[d], x.dims[d]):
                raise Rejected(StackShapeMismatch(axis=axis, shapes=tuple(xs), index=i))
            if refine:
                out[d] = _merge_dim(out[d], x.dims[d])
    out.insert(ax, len(xs))
    return Shape(tuple(out))


def keras_stack(a: Arguments) -> Shape:
    return _stack(a.tensor_list("x"), a.int("axis"), refine=False)


def tf_stack(a: Arguments) -> Shape:
    return _stack(a.tensor_list("values"), a.int("axis"), refine=True)


def k_stack(a: Arguments) -> Shape:
    return _stack(a.tensor_list("x"), a.int("axis"), refine=True)


# --- split -----------------------------------------------------------------------------------

def _with(x: tuple[Dim, ...], ax: int, d: Dim) -> Shape:
    out = list(x)
    out[ax] = d
    return Shape(tuple(out))


def _even(x: Shape, n: int, axis: int, ax: int) -> Tensors:
    if n <= 0:
        raise Unknowable("num")
    xd = dims(x)
    d = xd[ax]
    if is_known(d) and d % n:
        raise Rejected(SplitSectionsMismatch(size=d, n=n, axis=axis, shape=x))
    return Tensors(tuple(_with(xd, ax, d // n if is_known(d) else None) for _ in range(n)))


def keras_split(a: Arguments) -> Tensors:
    x = a.tensor("x")
    xd = dims(x)
    axis = a.int("axis")
    ax = axis_in(axis, len(xd), "axis", x)
    spec = a.raw("indices_or_sections")
    if isinstance(spec, int) and not isinstance(spec, bool):
        return _even(x, spec, axis, ax)
    indices = a.int_list("indices_or_sections")
    d = xd[ax]
    if not is_known(d):
        raise Unknowable("size")          # TensorFlow cannot compute the last part's size
    bounds: list[int | None] = [0, *indices, d]
    sizes: list[Dim] = []
    for start, end in itertools.pairwise(bounds):
        if start is None or end is None:
            sizes.append(None)
        elif end - start < 0:
            raise Unknowable("indices")   # Keras rejects the negative size (no rule for it)
        else:
            sizes.append(end - start)
    if any(i < 0 for i in indices):
        raise Unknowable("indices")
    return Tensors(tuple(_with(xd, ax, s) for s in sizes))


def tf_split(a: Arguments) -> Tensors:
    x = a.tensor("value")
    xd = dims(x)
    axis = a.int("axis")
    ax = axis_in(axis, len(xd), "axis", x)
    spec = a.raw("num_or_size_splits")
    if isinstance(spec, int) and not isinstance(spec, bool):
        return _even(x, spec, axis, ax)
    sizes = list(a.int_list("num_or_size_splits"))
    if not sizes or any(s < -1 for s in sizes) or sizes.count(-1) > 1:
        raise Unknowable("num_or_size_splits")
    d = xd[ax]
    fixed = sum(s for s in sizes if s != -1)
    if is_known(d):
        if -1 in sizes:
            if fixed > d:
                raise Rejected(SplitSizesMismatch(size=d, sizes=tuple(sizes), axis=axis, shape=x))
            sizes = [d - fixed if s == -1 else s for s in sizes]
        elif fixed != d:
            raise Rejected(SplitSizesMismatch(size=d, sizes=tuple(sizes), axis=axis, shape=x))
    return Tensors(tuple(_with(xd, ax, None if s == -1 else s) for s in sizes))


# --- unstack ---------------------------------------------------------------------------------

def _unstack(a: Arguments, name: str) -> Tensors:
    x = a.tensor(name)
    xd = dims(x)
    axis = a.int("axis")
    ax = axis_in(axis, len(xd), "axis", x)
    num = a.opt_int("num")
    d = xd[ax]
    if num is None:
        if not is_known(d):
            raise Unknowable("num")       # the real op cannot infer it either
        num = d
    elif is_known(d) and d != num:
        raise Rejected(UnstackCountMismatch(size=d, n=num, axis=axis, shape=x))
    if num < 0:
        raise Unknowable("num")
    rest = Shape(xd[:ax] + xd[ax + 1:])
    return Tensors((rest,) * num)


def keras_unstack(a: Arguments) -> Tensors:
    return _unstack(a, "x")


def tf_unstack(a: Arguments) -> Tensors:
    return _unstack(a, "value")


SPECS = [
    OpSpec("keras.ops.concatenate", ("xs", "axis"), keras_concatenate, {"axis": 0}, tensors=("xs",)),
    OpSpec("tensorflow.concat", ("values", "axis", "name"), tf_concat, tensors=("values",)),
    OpSpec("keras.backend.concatenate", ("tensors", "axis"), k_concatenate, {"axis": -1},
           tensors=("tensors",)),
    OpSpec("keras.ops.stack", ("x", "axis"), keras_stack, {"axis": 0}, tensors=("x",)),
    OpSpec("tensorflow.stack", ("values", "axis", "name"), tf_stack, {"axis": 0}, tensors=("values",)),
    OpSpec("keras.backend.stack", ("x", "axis"), k_stack, {"axis": 0}, tensors=("x",)),
    OpSpec("keras.ops.split", ("x", "indices_or_sections", "axis"), keras_split, {"axis": 0},
           returns="tensors"),
    OpSpec("tensorflow.split", ("value", "num_or_size_splits", "axis", "num", "name"), tf_split,
           {"axis": 0}, tensors=("value",), returns="tensors"),
    OpSpec("keras.ops.unstack", ("x", "num", "axis"), keras_unstack, {"axis": 0}, returns="tensors"),
    OpSpec("tensorflow.unstack", ("value", "num", "axis", "name"), tf_unstack, {"axis": 0},
           tensors=("value",), returns="tensors"),
]
