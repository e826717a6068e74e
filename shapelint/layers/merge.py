"""Merging layers: Concatenate, the element-wise family, Dot.

Rules follow ``keras.src.layers.merging``: Concatenate needs equal ranks and equal
sizes off the axis (a ``None`` matches anything) and takes every size but the summed
one from its first input; element-wise merges broadcast the non-batch axes from the
right, a ``None`` on either side giving ``None``, and need one batch size; Dot checks the
contracted sizes when both are known.
"""
from __future__ import annotations

from typing import Any

from shapelint.arguments import is_int
from shapelint.layers.common import checks, dims
from shapelint.layers.spec import Arguments, LayerSpec, Unknowable, Weights
from shapelint.shapes import UNWORKED, Dim, Shape, dims_differ, is_known, normalize_axis
from shapelint.violations.arguments import AxisArgumentOutOfRange, WrongInputCount, WrongLength
from shapelint.violations.base import Rejected
from shapelint.violations.merging import (
    BroadcastMismatch,
    ConcatAxisMismatch,
    ConcatRankMismatch,
    DotAxesMismatch,
)


def concatenate(cfg: Arguments, xs: list[Shape]) -> Shape:
    """Keras' ``Concatenate.build`` then ``compute_output_shape``, quirks included.

    build deletes the axis from every input (when the input is long enough) and needs the
    rest to agree; compute_output_shape sums the axis over the inputs, stopping at the first
    unknown size (so a short input after an unknown size is never indexed).
    """
    axis = cfg.int("axis")
    if not xs:
        raise Unknowable("inputs")
    if any(x.dims is None for x in xs):
        known = [x for x in xs if x.dims is not None]
        if not known:
            raise Unknowable("rank")
        return Shape.unknown(known[0].rank)
    reduced = []
    for x in xs:
        r = list(dims(x))
        if len(r) > axis:
            if axis < -len(r):
                raise Rejected(AxisArgumentOutOfRange(argument="axis", value=axis, shape=x))
            del r[axis]
        reduced.append(r)
    ranks = {len(r) for r in reduced}
    if len(ranks) > 1:
        raise Rejected(ConcatRankMismatch(axis=axis, shapes=tuple(xs)))
    rank = len(dims(xs[0]))
    ax = normalize_axis(axis, rank)
    for d in range(ranks.pop()):
        for i in range(1, len(reduced)):
            for j in range(i):
                if dims_differ(reduced[j][d], reduced[i][d]):
                    if len({len(dims(x)) for x in xs}) > 1:
                        raise Rejected(ConcatRankMismatch(axis=axis, shapes=tuple(xs)))
                    raise Rejected(ConcatAxisMismatch(axis=axis, norm_axis=ax,
                                                      shapes=(xs[j], xs[i]) if j else tuple(xs),
                                                      index=1 if j else i))
    out = list(dims(xs[0]))
    if len(xs) == 1:
        return xs[0]
    if ax is None:
        raise Rejected(AxisArgumentOutOfRange(argument="axis", value=axis, shape=xs[0]))
    for x in xs[1:]:
        total = out[ax]
        if not is_known(total):
            out[ax] = _unknown_total(xs, axis)
            break
        x_dims = dims(x)
        if not -len(x_dims) <= axis < len(x_dims):
            raise Rejected(ConcatRankMismatch(axis=axis, shapes=tuple(xs)))
        size = x_dims[axis]
        if not is_known(size):
            out[ax] = _unknown_total(xs, axis)
            break
        out[ax] = total + size
    return Shape(tuple(out))


def _unknown_total(xs: list[Shape], axis: int) -> Dim:
    """The concatenated size when some size is not known: dynamic (None, as Keras says) if
    an input's is, else one the analysis could not work out (Keras adds the ints)."""
    sizes = [d[axis] for d in map(dims, xs) if -len(d) <= axis < len(d)]
    return None if any(s is None for s in sizes) else UNWORKED


def _pair(a: tuple[Dim, ...], b: tuple[Dim, ...], xs: list[Shape]) -> tuple[Dim, ...]:
    """``_compute_elemwise_op_output_shape`` on the non-batch axes."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out = list(a[: len(a) - len(b)])
    offset = len(a) - len(b)
    for k, (i, j) in enumerate(zip(a[offset:], b)):
        if i is None or j is None:
            out.append(None)
        elif is_known(i) and i == 1:
            out.append(j)
        elif is_known(j) and j == 1:
            out.append(i)
        elif dims_differ(i, j):
            raise Rejected(BroadcastMismatch(shapes=tuple(xs), axis=1 + offset + k, a=i, b=j))
        else:
            out.append(i if is_known(i) else j if is_known(j) else i)
    return tuple(out)


def elementwise(cfg: Arguments, xs: list[Shape]) -> Shape:
    if not xs:
        raise Unknowable("inputs")
    if any(x.dims is None for x in xs):
        return Shape(None)
    if any(len(dims(x)) == 0 for x in xs):
        raise Unknowable("rank")
    batches = {d for d in (dims(x)[0] for x in xs) if is_known(d)}
    if len(batches) > 1:
        a, b = sorted(batches)[:2]
        raise Rejected(BroadcastMismatch(shapes=tuple(xs), axis=0, a=a, b=b))
    out = dims(xs[0])[1:]
    for x in xs[1:]:
        out = _pair(out, dims(x)[1:], xs)
    batch = batches.pop() if batches else None
    return Shape((batch,) + tuple(out))


def subtract(cfg: Arguments, xs: list[Shape]) -> Shape:
    if len(xs) != 2:
        raise Rejected(WrongInputCount(argument="inputs", value=len(xs), count=2))
    return elementwise(cfg, xs)


def _dot_axes(cfg: Arguments, a: Shape, b: Shape) -> tuple[int, int]:
    axes = cfg.known("axes")
    if is_int(axes):
        if axes < 0:
            return axes % len(dims(a)), axes % len(dims(b))
        return axes, axes
    if isinstance(axes, (tuple, list)) and len(axes) == 2 and all(is_int(v) for v in axes):
        return axes[0], axes[1]
    raise Unknowable("axes")


def _check_dot(cfg: Arguments) -> None:
    axes = cfg.known("axes")
    if isinstance(axes, (tuple, list)) and len(axes) != 2:
        raise Rejected(WrongLength(argument="axes", value=axes, length=2))


def dot(cfg: Arguments, xs: list[Shape]) -> Shape:
    if len(xs) != 2:
        raise Rejected(WrongInputCount(argument="inputs", value=len(xs), count=2))
    if xs[0].dims is None or xs[1].dims is None:
        raise Unknowable("inputs")
    a, b = xs
    ax_a, ax_b = _dot_axes(cfg, a, b)
    left, right = list(dims(a)), list(dims(b))
    la, lb = len(left), len(right)
    if not (-la <= ax_a < la and -lb <= ax_b < lb) or lb < 1:
        raise Rejected(AxisArgumentOutOfRange(argument="axes", value=cfg.raw("axes"), shape=a, other=b))
    da, db = left[ax_a], right[ax_b]
    if dims_differ(da, db):
        raise Rejected(DotAxesMismatch(shapes=tuple(xs), axes=(ax_a % la, ax_b % lb), a=da, b=db))
    left.pop(ax_a)
    right.pop(ax_b)
    if not right:
        raise Unknowable("rank")
    right.pop(0)
    out = left + right
    if len(out) == 1:
        out.append(1)
    return Shape(tuple(out))


_MERGE: dict[str, Any] = dict(takes="list", family="merge", weights=Weights.NONE)

SPECS = [
    LayerSpec("Concatenate", ("axis",), {"axis": -1}, concatenate, functional="concatenate", **_MERGE),
    LayerSpec("Add", (), {}, elementwise, functional="add", **_MERGE),
    LayerSpec("Subtract", (), {}, subtract, functional="subtract", **_MERGE),
    LayerSpec("Multiply", (), {}, elementwise, functional="multiply", **_MERGE),
    LayerSpec("Average", (), {}, elementwise, functional="average", **_MERGE),
    LayerSpec("Maximum", (), {}, elementwise, functional="maximum", **_MERGE),
    LayerSpec("Minimum", (), {}, elementwise, functional="minimum", **_MERGE),
    LayerSpec("Dot", ("axes", "normalize"), {"normalize": False}, dot, functional="dot",
              check=checks(_check_dot), **_MERGE),
]
