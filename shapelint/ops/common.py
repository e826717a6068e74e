"""Helpers shared by the op families: axes, ranks, broadcasting."""
from __future__ import annotations

from typing import Optional, Sequence

from shapelint.ops.spec import OpIssue, Unknowable
from shapelint.shapes import Dim, Shape, dims_equal, is_known


def dims(x: Shape) -> tuple:
    """The dims of a shape of known rank (Unknowable otherwise)."""
    if x.dims is None:
        raise Unknowable("rank")
    return x.dims


def axis_in(axis: int, rank: int, what: str = "axis", shape: Optional[Shape] = None) -> int:
    """``axis`` normalised into ``[0, rank)``; SHP206 when it is out of range."""
    if -rank <= axis < rank:
        return axis % rank if rank else 0
    raise OpIssue("SHP206", kind="range", axis=axis, rank=rank, what=what, shape=shape)


def axes_in(axes: Sequence[int], rank: int, shape: Optional[Shape] = None, what: str = "axis") -> list[int]:
    return [axis_in(a, rank, what, shape) for a in axes]


def known(d: Dim) -> bool:
    return is_known(d)


def product(ds) -> Optional[int]:
    out = 1
    for d in ds:
        if not is_known(d):
            return None
        out *= d
    return out


# --- broadcasting --------------------------------------------------------------------------

class Mismatch(Exception):
    """Two sizes that can never broadcast (``index`` counts from the left of the result)."""

    def __init__(self, index: int, a: Dim, b: Dim, rank: int):
        super().__init__(index, a, b)
        self.index, self.a, self.b, self.rank = index, a, b, rank


def broadcast_dim(a: Dim, b: Dim) -> Dim:
    """One axis of NumPy broadcasting as Keras and TensorFlow infer it statically:
    a known 1 takes the other side; a known size above 1 wins over an unknown one (the
    program is assumed correct); two unknowns stay unknown unless they are the same size."""
    if is_known(a) and a == 1:
        return b
    if is_known(b) and b == 1:
        return a
    eq = dims_equal(a, b)
    if eq:
        return a
    if eq is False:
        raise ValueError("mismatch")
    if is_known(a):
        return a if a > 1 else None
    if is_known(b):
        return b if b > 1 else None
    return None


def broadcast(a: Shape, b: Shape) -> Shape:
    """Broadcast two shapes; raises :class:`Mismatch` on a definite conflict."""
    if a.dims is None or b.dims is None:
        return Shape(None)
    n = max(len(a.dims), len(b.dims))
    pa = (1,) * (n - len(a.dims)) + a.dims
    pb = (1,) * (n - len(b.dims)) + b.dims
    out = []
    for i, (x, y) in enumerate(zip(pa, pb)):
        try:
            out.append(broadcast_dim(x, y))
        except ValueError:
            raise Mismatch(i, x, y, n) from None
    return Shape(tuple(out))


def broadcast_issue(shapes: list[Shape], m: Mismatch) -> OpIssue:
    return OpIssue("SHP102", shapes=shapes, axis=m.index, a=m.a, b=m.b, rank=m.rank)


def broadcast_all(shapes: list[Shape]) -> Shape:
    out = shapes[0]
    for s in shapes[1:]:
        try:
            out = broadcast(out, s)
        except Mismatch as m:
            raise broadcast_issue(shapes, m) from None
    return out
