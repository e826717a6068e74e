"""Cutting a block out of a tensor and padding one around it: slice, slice_update, pad.

Offsets, sizes and pad widths may be dynamic (``ops.shape(x)[1]`` inside a layer's
``call()`` is a scalar tensor): such an entry makes only the sizes it decides unknown.
TensorFlow checks a slice's bounds and a reflecting pad's widths only when the op runs, so
those are not findings; a negative size or width, a zero size, or widths that do not fit the
input's rank leave the result unknown (both Keras and TensorFlow raise, but no rule says so yet).
"""
from __future__ import annotations

from typing import Any

from shapelint.interp.values import ListValue
from shapelint.ops.common import dims
from shapelint.ops.spec import Arguments, OpSpec, TensorFn, Unknowable, is_int, shape_value
from shapelint.shapes import Dim, Shape, is_known

# --- slice -------------------------------------------------------------------------------------


def _slice(x: Shape, begin: tuple[Dim, ...], size: tuple[Dim, ...]) -> Shape:
    """``size`` entries: a length, or -1 for the rest of the axis from ``begin``. TensorFlow
    works out the rest only when every size is known while tracing."""
    xd = dims(x)
    if not xd or len(begin) != len(xd) or len(size) != len(xd):
        raise Unknowable("rank")
    if not all(is_known(s) for s in size):
        begin = (None,) * len(begin)
    out: list[Dim] = []
    for d, b, s in zip(xd, begin, size):
        if not is_known(s):
            out.append(None)
        elif s == 0 or s < -1:
            raise Unknowable("size")
        elif s != -1:
            out.append(s)
        elif is_known(d) and is_known(b) and b >= 0:
            if b >= d:
                raise Unknowable("begin")     # an empty or negative rest
            out.append(d - b)
        else:
            out.append(None)
    return Shape(tuple(out))


def keras_slice(a: Arguments) -> Shape:
    return _slice(a.tensor("inputs"), a.dims("start_indices", allow_none=False),
                  a.dims("shape", allow_none=False))


def tf_slice(a: Arguments) -> Shape:
    return _slice(a.tensor("input_"), a.dims("begin", allow_none=False),
                  a.dims("size", allow_none=False))


def keras_slice_update(a: Arguments) -> Shape:
    """The input's shape: neither Keras nor TensorFlow compares the update's while tracing.
    Empty start indices become a float tensor, which TensorFlow refuses."""
    start = a.raw("start_indices")
    if shape_value(start) is None and not a.dims("start_indices", allow_none=False):
        raise Unknowable("start_indices")
    return a.tensor("inputs")


# --- pad -------------------------------------------------------------------------------------

Pair = tuple[Dim, Dim]
_MODES = ("CONSTANT", "REFLECT", "SYMMETRIC")     # what TensorFlow pads with


def _items(v: Any) -> list[Any] | None:
    if isinstance(v, (tuple, list)):
        return list(v)
    if isinstance(v, ListValue):
        return None if v.items is None else list(v.items)
    return None


def _row(v: Any, name: str) -> tuple[Dim, ...]:
    """One row of widths: ints, and None where a width is dynamic."""
    return Arguments({name: v}, {}, name).dims(name, allow_none=False)


def _pad(x: Shape, pairs: list[Pair]) -> Shape:
    """Each axis grows by its (before, after) widths; a width that is not known leaves
    the axis' size unknown."""
    xd = dims(x)
    if not xd or len(pairs) != len(xd):
        raise Unknowable("paddings")          # no widths for a scalar: an empty float list
    if any(is_known(w) and w < 0 for p in pairs for w in p):
        raise Unknowable("paddings")          # TensorFlow refuses negative widths
    out: list[Dim] = []
    for d, (before, after) in zip(xd, pairs):
        grown = d + before + after if is_known(d) and is_known(before) and is_known(after) else None
        out.append(grown)
    return Shape(tuple(out))


def _keras_pairs(v: Any) -> list[Pair]:
    """``keras.ops.pad``'s ``pad_width``: an int, one (before, after) pair, or one row per
    axis; rows of one width mean (w, w), which Keras writes back into a list only."""
    if is_int(v):
        return [(v, v)]
    items = _items(v)
    if not items:
        raise Unknowable("pad_width")
    if is_int(items[0]):
        row = _row(v, "pad_width")
        if len(row) != 2:
            raise Unknowable("pad_width")
        return [(row[0], row[1])]
    rows = [_row(r, "pad_width") for r in items]
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        raise Unknowable("pad_width")
    if width == 1 and isinstance(v, (list, ListValue)):
        return [(r[0], r[0]) for r in rows]
    if width != 2:
        raise Unknowable("pad_width")
    return [(r[0], r[1]) for r in rows]


def keras_pad(a: Arguments) -> Shape:
    x = a.tensor("x")
    mode = a.str("mode")
    if mode.upper() not in _MODES:
        raise Unknowable("mode")              # TensorFlow pads in three modes only
    if a.raw("constant_values") is not None and mode != "constant":
        raise Unknowable("constant_values")   # Keras refuses a value for the other modes
    pairs = _keras_pairs(a.raw("pad_width"))
    if len(pairs) == 1 and len(dims(x)) != 1:
        # Keras' own shapes spread one pair over every axis, but TensorFlow's pad wants a
        # pair per axis: the model fails when it runs.
        raise Unknowable("pad_width")
    return _pad(x, pairs)


def _tf_pairs(v: Any, rank: int) -> list[Pair]:
    """TensorFlow's ``paddings``: a (rank, 2) nest of widths, or a tensor of that shape."""
    shape = shape_value(v)
    if shape is not None:
        if shape.dims != (rank, 2):
            raise Unknowable("paddings")
        return [(None, None)] * rank
    items = _items(v)
    if items is None:
        raise Unknowable("paddings")
    rows = [_row(r, "paddings") for r in items]
    if any(len(r) != 2 for r in rows):
        raise Unknowable("paddings")
    return [(r[0], r[1]) for r in rows]


def tf_pad(a: Arguments) -> Shape:
    x = a.tensor("tensor")
    if a.str("mode").upper() not in _MODES:
        raise Unknowable("mode")
    return _pad(x, _tf_pairs(a.raw("paddings"), len(dims(x))))


def _k_padding(spatial: int) -> TensorFn:
    """tf_keras' ``temporal_padding`` (one axis after the batch) and
    ``spatial_2d_padding``/``spatial_3d_padding`` (two or three axes, before or after the
    channels): a TensorFlow pad with zero widths on the other axes."""
    def infer(a: Arguments) -> Shape:
        x = a.tensor("x")
        if spatial == 1:
            pairs = [_row(a.raw("padding"), "padding")]
            fmt = "channels_last"
        else:
            pairs = [_row(r, "padding") for r in _items(a.raw("padding")) or ()]
            fmt = a.str("data_format") if a.raw("data_format") is not None else "channels_last"
        if len(pairs) != spatial or any(len(p) != 2 for p in pairs):
            raise Unknowable("padding")
        zero: Pair = (0, 0)
        spans = [(p[0], p[1]) for p in pairs]
        if fmt == "channels_last":
            pattern = [zero, *spans, zero]
        elif fmt == "channels_first" and spatial > 1:
            pattern = [zero, zero, *spans]
        else:
            raise Unknowable("data_format")
        return _pad(x, pattern)
    return infer


SPECS = [
    OpSpec("keras.ops.slice", ("inputs", "start_indices", "shape"), keras_slice,
           tensors=("inputs",)),
    OpSpec("tensorflow.slice", ("input_", "begin", "size", "name"), tf_slice, tensors=("input_",)),
    OpSpec("keras.ops.slice_update", ("inputs", "start_indices", "updates"), keras_slice_update,
           tensors=("inputs", "updates")),
    OpSpec("keras.ops.pad", ("x", "pad_width", "mode", "constant_values"), keras_pad,
           {"mode": "constant"}),
    OpSpec("tensorflow.pad", ("tensor", "paddings", "mode", "constant_values", "name"), tf_pad,
           {"mode": "CONSTANT"}, tensors=("tensor",)),
    OpSpec("keras.backend.temporal_padding", ("x", "padding"), _k_padding(1),
           {"padding": (1, 1)}),
    OpSpec("keras.backend.spatial_2d_padding", ("x", "padding", "data_format"), _k_padding(2),
           {"padding": ((1, 1), (1, 1))}),
    OpSpec("keras.backend.spatial_3d_padding", ("x", "padding", "data_format"), _k_padding(3),
           {"padding": ((1, 1), (1, 1), (1, 1))}),
]
