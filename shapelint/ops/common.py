"""Helpers shared by the op families: axes, ranks, broadcasting."""
from __future__ import annotations

from collections.abc import Sequence

from shapelint.ops.spec import Unknowable
from shapelint.shapes import BroadcastError, Dim, Shape, broadcast
from shapelint.violations.base import Rejected
from shapelint.violations.inputs import AxisOutOfRange
from shapelint.violations.merging import BroadcastMismatch


def dims(x: Shape) -> tuple[Dim, ...]:
    """The dims of a shape of known rank (Unknowable otherwise)."""
    if x.dims is None:
        raise Unknowable("rank")
    return x.dims


def axis_in(axis: int, rank: int, what: str = "axis", shape: Shape | None = None) -> int:
    """``axis`` normalised into ``[0, rank)``; SHP206 when it is out of range."""
    if -rank <= axis < rank:
        return axis % rank if rank else 0
    raise Rejected(AxisOutOfRange(axis=axis, rank=rank, what=what, shape=shape))


def axes_in(axes: Sequence[int], rank: int, shape: Shape | None = None, what: str = "axis") -> list[int]:
    return [axis_in(a, rank, what, shape) for a in axes]


# --- broadcasting --------------------------------------------------------------------------

# Broadcasting is defined once, in shapelint.shapes; ops only report its conflicts.

def broadcast_issue(shapes: Sequence[Shape], m: BroadcastError) -> Rejected:
    return Rejected(BroadcastMismatch(shapes=tuple(shapes), axis=m.index, a=m.a, b=m.b, rank=m.rank))


def broadcast_all(shapes: list[Shape]) -> Shape:
    out = shapes[0]
    for s in shapes[1:]:
        try:
            out = broadcast(out, s)
        except BroadcastError as m:
            raise broadcast_issue(shapes, m) from None
    return out
