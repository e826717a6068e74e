"""The shape domain's algebra: joins are a lattice, broadcasting agrees with NumPy."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shapelint.shapes import (
    UNWORKED,
    BroadcastError,
    Shape,
    Sym,
    add_dims,
    broadcast,
    dims_equal,
    format_shape,
    join,
    join_dim,
)

dims = st.one_of(st.integers(0, 6), st.none(), st.sampled_from([Sym("n"), Sym("m"), UNWORKED]))
shapes = st.one_of(st.just(Shape(None)), st.lists(dims, max_size=4).map(lambda d: Shape(tuple(d))))
known = st.lists(st.integers(1, 4), max_size=4).map(tuple)


@given(shapes, shapes)
def test_join_is_commutative(a, b):
    assert join(a, b) == join(b, a)


@given(shapes)
def test_join_is_idempotent(a):
    assert join(a, a) == a


@given(shapes, shapes, shapes)
def test_join_is_associative(a, b, c):
    assert join(join(a, b), c) == join(a, join(b, c))


@given(known, known)
def test_broadcast_agrees_with_numpy(a, b):
    try:
        expected = np.broadcast_shapes(a, b)
    except ValueError:
        with pytest.raises(BroadcastError):
            broadcast(Shape(a), Shape(b))
        return
    assert broadcast(Shape(a), Shape(b)) == Shape(tuple(expected))


@given(shapes, shapes)
def test_unknowns_never_make_broadcasting_fail(a, b):
    """Replace every unknown by a size that would fit: if that fits, the abstract one must too."""
    if a.dims is None or b.dims is None:
        assert broadcast(a, b) == Shape(None)
        return
    try:
        broadcast(a, b)
    except BroadcastError as err:
        assert isinstance(err.a, int) and isinstance(err.b, int) and 1 not in (err.a, err.b)


def test_symbols_compare_by_name_only_when_equal():
    assert dims_equal(Sym("n"), Sym("n")) is True
    assert dims_equal(Sym("n"), Sym("m")) is None
    assert dims_equal(Sym("n"), 3) is None
    assert dims_equal(None, 3) is None
    assert dims_equal(2, 3) is False


def test_a_dynamic_axis_and_a_size_not_worked_out_print_apart():
    """None is what Keras prints for a dynamic axis; ``?`` is a size Keras knows and the
    analysis could not work out (two branches that disagree, an unknown ``units``)."""
    assert join_dim(3, 4) is UNWORKED and join_dim(None, 4) is None and join_dim(None, None) is None
    assert add_dims(Sym("n"), 2) is UNWORKED and add_dims(None, 2) is None
    assert dims_equal(UNWORKED, UNWORKED) is None
    assert format_shape(join(Shape((None, 8, 3)), Shape((None, None, 4)))) == "(None, None, ?)"
