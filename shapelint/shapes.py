"""The shape domain: dimensions, shapes, broadcasting and joins, defined once.

A dimension is a known ``int``, unknown (``None``, as Keras prints it) or a named
symbol (:class:`Sym`, a size the analysis cannot compute but can recognise when it
meets the same one again). A shape is a tuple of dimensions, or of unknown rank.

Every comparison answers *yes*, *no* or *unknown* (``None``): only a definite *no*
may ever become a finding.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from math import prod
from typing import TypeGuard


@dataclass(frozen=True)
class Sym:
    """A named but unknown size, e.g. the ``n_features`` read from data."""

    name: str

    def __repr__(self) -> str:
        return self.name


Dim = int | None | Sym

# A size the analysis could not work out although Keras knows it (a units argument read from
# a config file, two branches that disagree): printed "?", apart from None, which is what Keras
# itself prints for a dynamic axis (the batch, a variable sequence length). Like a named
# symbol it is some positive int when the model is built; unlike one, it equals nothing.
UNWORKED = Sym("?")


def is_unworked(d: object) -> bool:
    return isinstance(d, Sym) and d.name == UNWORKED.name


def _unknown_of(a: Dim, b: Dim) -> Dim:
    """What an operation on two sizes gives when it cannot compute it: dynamic if either
    side is, else a size the analysis could not work out."""
    return None if a is None or b is None else UNWORKED


def is_known(d: object) -> TypeGuard[int]:
    """A size the analysis knows (a bool is not one); narrows ``d`` for the type checker."""
    return isinstance(d, int) and not isinstance(d, bool)


def known_sizes(dims: Iterable[object]) -> tuple[int, ...] | None:
    """The sizes as ints when every one is known; None when any is not."""
    sizes = tuple(dims)
    known = tuple(d for d in sizes if is_known(d))
    return known if len(known) == len(sizes) else None


def dims_equal(a: Dim, b: Dim) -> bool | None:
    """True/False when decidable, None when unknown."""
    if is_known(a) and is_known(b):
        return a == b
    if isinstance(a, Sym) and isinstance(b, Sym) and a == b and not is_unworked(a):
        return True
    return None


def dims_differ(a: Dim, b: Dim) -> bool:
    """Definitely different sizes (the only answer that may become a finding)."""
    return dims_equal(a, b) is False


def join_dim(a: Dim, b: Dim) -> Dim:
    return a if dims_equal(a, b) else _unknown_of(a, b)


def add_dims(a: Dim, b: Dim) -> Dim:
    return a + b if is_known(a) and is_known(b) else _unknown_of(a, b)


def mul_dims(a: Dim, b: Dim) -> Dim:
    if is_known(a) and is_known(b):
        return a * b
    if (is_known(a) and a == 0) or (is_known(b) and b == 0):
        return 0
    return _unknown_of(a, b)


@dataclass(frozen=True)
class Shape:
    """A tensor shape including the batch axis; ``dims is None`` means unknown rank."""

    dims: tuple[Dim, ...] | None

    @staticmethod
    def of(*dims: Dim) -> Shape:
        return Shape(tuple(dims))

    @staticmethod
    def unknown(rank: int | None = None) -> Shape:
        return Shape(None if rank is None else (None,) * rank)

    @property
    def rank(self) -> int | None:
        return None if self.dims is None else len(self.dims)

    @property
    def known_rank(self) -> bool:
        return self.dims is not None

    def __getitem__(self, i: int) -> Dim:
        assert self.dims is not None
        return self.dims[i]

    def with_dim(self, axis: int, d: Dim) -> Shape:
        assert self.dims is not None
        dims = list(self.dims)
        dims[axis] = d
        return Shape(tuple(dims))

    def size(self, start: int = 1) -> Dim:
        """Number of elements from ``start`` on (default: per example); None if unknown."""
        if self.dims is None:
            return None
        rest = self.dims[start:]
        known = known_sizes(rest)
        if known is not None:
            return prod(known)
        if any(is_known(d) and d == 0 for d in rest):
            return 0
        return None if any(d is None for d in rest) else UNWORKED

    def __str__(self) -> str:
        return format_shape(self)


def format_dim(d: Dim) -> str:
    return "None" if d is None else str(d)


def format_shape(s: Shape) -> str:
    if s.dims is None:
        return "(unknown rank)"
    inner = ", ".join(format_dim(d) for d in s.dims)
    return f"({inner},)" if len(s.dims) == 1 else f"({inner})"


def join(a: Shape, b: Shape) -> Shape:
    """Least upper bound of two shapes (what holds after either branch of an ``if``)."""
    if a.dims is None or b.dims is None or len(a.dims) != len(b.dims):
        return Shape(None)
    return Shape(tuple(join_dim(x, y) for x, y in zip(a.dims, b.dims)))


def join_all(shapes: Iterable[Shape]) -> Shape:
    out: Shape | None = None
    for s in shapes:
        out = s if out is None else join(out, s)
    return out if out is not None else Shape(None)


class BroadcastError(Exception):
    """Two sizes that can never broadcast; ``index`` counts from the left of the result."""

    def __init__(self, index: int, a: Dim, b: Dim, rank: int):
        super().__init__(index, a, b)
        self.index, self.a, self.b, self.rank = index, a, b, rank

    @property
    def axis_from_right(self) -> int:
        return self.rank - self.index


def broadcast_dim(a: Dim, b: Dim) -> Dim:
    """One axis of NumPy broadcasting as Keras and TensorFlow infer it statically: a known 1
    takes the other side; a known size above 1 wins over an unknown one (at run time the
    unknown is 1 or equal); two unknowns stay unknown unless they are the same symbol.
    Raises ValueError only when the sizes definitely cannot broadcast."""
    if is_known(a) and a == 1:
        return b
    if is_known(b) and b == 1:
        return a
    eq = dims_equal(a, b)
    if eq:
        return a
    if eq is False:
        raise ValueError("incompatible")
    if is_known(a):
        return a if a > 1 else None
    if is_known(b):
        return b if b > 1 else None
    return _unknown_of(a, b)


def broadcast(a: Shape, b: Shape) -> Shape:
    """NumPy broadcasting; raises :class:`BroadcastError` only on a definite mismatch."""
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
            raise BroadcastError(i, x, y, n) from None
    return Shape(tuple(out))


def normalize_axis(axis: int, rank: int) -> int | None:
    """Python-style negative axis to a non-negative one; None if out of range."""
    if -rank <= axis < rank:
        return axis % rank
    return None
