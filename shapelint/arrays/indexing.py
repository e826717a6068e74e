"""Indexing an array: ``X[..., None]``, ``X[:, :, np.newaxis]``, ``X[:100]``, ``np.eye(n)[labels]``,
``X[mask]``.

Basic keys (ints, slices, ``None``, ``...``) follow the op table's ``getitem`` (NumPy's rules
are TensorFlow's strided slice). One advanced index among slices is modeled too: an integer
array (or list) replaces its axis by the index's shape; a boolean mask replaces the axes it
covers by one axis whose length (the number of True values) is unknown.
"""
from __future__ import annotations

from typing import Any

from shapelint.arrays.shared import ArrayType, Shape, Unknowable, items_of
from shapelint.interp.values import Unknown
from shapelint.ops.common import dims
from shapelint.ops.indexing import DYNAMIC
from shapelint.ops.indexing import getitem as basic_getitem
from shapelint.ops.spec import is_int, shape_value
from shapelint.shapes import dims_differ


def _basic(k: Any) -> Any:
    """A basic key item, with an unknown int as a dynamic index."""
    if isinstance(k, Unknown):
        return DYNAMIC
    return k


def _advanced(k: Any) -> bool:
    """An array, a tensor or a list (of ints or bools) as an index."""
    if isinstance(k, (ArrayType, list)) or shape_value(k) is not None:
        return True
    return not isinstance(k, tuple) and isinstance(getattr(k, "items", None), list)


def _index_array(k: Any) -> tuple[str, Shape]:
    """("int" | "bool", shape) of an advanced index."""
    if isinstance(k, ArrayType):
        if k.dtype not in ("int", "bool") or k.shape.dims is None:
            raise Unknowable("index")
        return k.dtype, k.shape
    items = items_of(k)
    if items is not None and items and all(is_int(i) for i in items):
        return "int", Shape((len(items),))
    if items is not None and items and all(isinstance(i, bool) for i in items):
        return "bool", Shape((len(items),))
    raise Unknowable("index")


def getitem(x: ArrayType, key: Any) -> ArrayType:
    keys = list(key) if isinstance(key, tuple) else [key]
    advanced = [i for i, k in enumerate(keys) if _advanced(k)]
    if not advanced:
        return ArrayType(basic_getitem(x.shape, tuple(_basic(k) for k in keys)), x.dtype)
    if len(advanced) > 1 or any(k is None or is_int(k) or isinstance(k, Unknown) for k in keys):
        raise Unknowable("index")        # several advanced indexes, or mixed with ints/newaxis
    pos = advanced[0]
    kind, idx = _index_array(keys[pos])
    if x.shape.dims is None:
        raise Unknowable("rank")
    idx_dims = dims(idx)
    span = len(idx_dims) if kind == "bool" else 1
    if span == 0:
        if len(keys) != 1:
            raise Unknowable("index")
        return ArrayType(Shape((None, *x.shape.dims)), x.dtype)   # a 0-d mask: 0 or 1 rows
    if list(keys).count(Ellipsis) > 1:
        raise Unknowable("ellipsis")
    # Expand the key to one entry per input axis (slices keep their axis, one for one).
    stated = len(keys) - keys.count(Ellipsis) - 1 + span
    if stated > len(x.shape.dims):
        raise Unknowable("too many indices")
    full: list[Any] = []
    for i, k in enumerate(keys):
        if k is Ellipsis:
            full.extend([slice(None)] * (len(x.shape.dims) - stated))
        elif i == pos:
            full.extend(["advanced"] * span)
        else:
            full.append(k)
    full.extend([slice(None)] * (len(x.shape.dims) - len(full)))
    first = full.index("advanced")
    plain = [slice(None) if k == "advanced" else k for k in full]
    out = list(dims(basic_getitem(x.shape, tuple(plain))))
    if kind == "int":
        out[first:first + 1] = list(idx_dims)
    else:
        covered = x.shape.dims[first:first + span]
        if any(dims_differ(a, b) for a, b in zip(covered, idx_dims)):
            raise Unknowable("mask")      # NumPy raises IndexError; no rule names it
        out[first:first + span] = [None]
    return ArrayType(Shape(tuple(out)), x.dtype)
