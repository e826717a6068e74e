"""Merging layers: Concatenate, the element-wise family, Dot.

Rules follow ``keras.src.layers.merging``: Concatenate needs equal ranks and equal
sizes off the axis; element-wise merges broadcast from the right, and Keras treats
a ``None`` on either side as unknown (the output is ``None`` there).
"""
from __future__ import annotations

from shapelint.layers.spec import Config, LayerIssue, LayerSpec, Unknowable
from shapelint.shapes import Shape, dims_differ, is_known, normalize_axis


def concatenate(cfg: Config, xs: list[Shape]) -> Shape:
    axis = cfg.int("axis")
    if any(x.dims is None for x in xs):
        known = [x for x in xs if x.dims is not None]
        if not known:
            raise Unknowable("rank")
        return Shape.unknown(known[0].rank)
    ranks = {len(x.dims) for x in xs}  # type: ignore[arg-type]
    if len(ranks) > 1:
        raise LayerIssue("SHP101", kind="rank", axis=axis, shapes=xs)
    rank = ranks.pop()
    ax = normalize_axis(axis, rank)
    if ax is None:
        raise Unknowable("axis")
    first = xs[0]
    for i, x in enumerate(xs[1:], start=1):
        for d in range(rank):
            if d != ax and dims_differ(first.dims[d], x.dims[d]):  # type: ignore[index]
                raise LayerIssue("SHP101", kind="axis", axis=axis, norm_axis=ax, bad_axis=d,
                                 shapes=xs, index=i)
    out = list(first.dims)  # type: ignore[arg-type]
    total = 0
    for x in xs:
        d = x.dims[ax]  # type: ignore[index]
        if not is_known(d):
            total = None
            break
        total += d
    out[ax] = total
    for d in range(rank):
        if d != ax and out[d] is None:
            out[d] = next((x.dims[d] for x in xs if is_known(x.dims[d])), None)  # type: ignore[index]
    return Shape(tuple(out))


def _elementwise_pair(a: Shape, b: Shape, xs: list[Shape]) -> Shape:
    if a.dims is None or b.dims is None:
        return Shape(None)
    if len(a.dims) < len(b.dims):
        a, b = b, a
    if not b.dims:
        return a
    out = list(a.dims[: len(a.dims) - len(b.dims)])
    offset = len(a.dims) - len(b.dims)
    for k, (i, j) in enumerate(zip(a.dims[offset:], b.dims)):
        if i is None or j is None:
            out.append(None)
        elif is_known(i) and i == 1:
            out.append(j)
        elif is_known(j) and j == 1:
            out.append(i)
        elif dims_differ(i, j):
            raise LayerIssue("SHP102", shapes=xs, axis=offset + k, a=i, b=j)
        else:
            out.append(i)
    return Shape(tuple(out))


def elementwise(cfg: Config, xs: list[Shape]) -> Shape:
    out = xs[0]
    for x in xs[1:]:
        out = _elementwise_pair(out, x, xs)
    return out


def subtract(cfg: Config, xs: list[Shape]) -> Shape:
    if len(xs) != 2:
        raise Unknowable("inputs")
    return elementwise(cfg, xs)


def _dot_axes(cfg: Config, a: Shape, b: Shape) -> tuple[int, int]:
    axes = cfg.known("axes")
    if isinstance(axes, int):
        if axes < 0:
            return axes % len(a.dims), axes % len(b.dims)  # type: ignore[arg-type]
        return axes, axes
    if isinstance(axes, (tuple, list)) and len(axes) == 2 and all(isinstance(v, int) for v in axes):
        return (axes[0] % len(a.dims), axes[1] % len(b.dims))  # type: ignore[arg-type]
    raise Unknowable("axes")


def dot(cfg: Config, xs: list[Shape]) -> Shape:
    if len(xs) != 2 or xs[0].dims is None or xs[1].dims is None:
        raise Unknowable("inputs")
    a, b = xs
    ax_a, ax_b = _dot_axes(cfg, a, b)
    if ax_a >= len(a.dims) or ax_b >= len(b.dims):  # type: ignore[arg-type]
        raise Unknowable("axes")
    if dims_differ(a.dims[ax_a], b.dims[ax_b]):  # type: ignore[index]
        raise LayerIssue("SHP103", shapes=xs, axes=(ax_a, ax_b),
                         a=a.dims[ax_a], b=b.dims[ax_b])  # type: ignore[index]
    left = list(a.dims)  # type: ignore[arg-type]
    right = list(b.dims)  # type: ignore[arg-type]
    left.pop(ax_a)
    right.pop(ax_b)
    right.pop(0)
    out = left + right
    if len(out) == 1:
        out.append(1)
    return Shape(tuple(out))


_MERGE = dict(takes="list", family="merge")

SPECS = [
    LayerSpec("Concatenate", ("axis",), {"axis": -1}, concatenate, functional="concatenate", **_MERGE),
    LayerSpec("Add", (), {}, elementwise, functional="add", **_MERGE),
    LayerSpec("Subtract", (), {}, subtract, functional="subtract", **_MERGE),
    LayerSpec("Multiply", (), {}, elementwise, functional="multiply", **_MERGE),
    LayerSpec("Average", (), {}, elementwise, functional="average", **_MERGE),
    LayerSpec("Maximum", (), {}, elementwise, functional="maximum", **_MERGE),
    LayerSpec("Minimum", (), {}, elementwise, functional="minimum", **_MERGE),
    LayerSpec("Dot", ("axes", "normalize"), {}, dot, functional="dot", **_MERGE),
]
