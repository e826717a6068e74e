"""Convolution, pooling and spatial (padding/cropping/upsampling) layers.

Output sizes follow ``keras.src.ops.operation_utils`` (conv, pooling) and
``keras.src.backend.common.backend_utils`` (transposed convolution); constructor checks
follow ``keras.src.layers.convolutional.base_*`` and ``keras.src.layers.pooling``.
"""
from __future__ import annotations

import contextlib
from math import prod
from typing import Any

from shapelint.arguments import is_int
from shapelint.layers.common import (
    bias,
    checks,
    data_format,
    dims,
    int_tuple,
    weight_dim,
)
from shapelint.layers.spec import Arguments, Check, CountFn, Counts, LayerSpec, ShapeFn, Unknowable, Weights
from shapelint.shapes import Dim, Shape, is_known
from shapelint.violations.arguments import (
    GroupsNotDividingChannels,
    GroupsNotDividingFilters,
    MissingArgument,
    Negative,
    NotAChoice,
    NotAnInt,
    NotPositive,
    OutputPaddingTooLarge,
    WrongLength,
)
from shapelint.violations.base import Rejected
from shapelint.violations.inputs import InputRankMismatch, StridesWithDilation
from shapelint.violations.spatial import CroppingTooLarge, NonPositiveOutput


def spatial_axes(cfg: Arguments, x: Shape) -> tuple[list[int], int]:
    """Indices of the spatial axes and of the channel axis."""
    rank = len(dims(x))
    if data_format(cfg) == "channels_first":
        return list(range(2, rank)), 1
    return list(range(1, rank - 1)), rank - 1


def channel_weights(cfg: Arguments, x: Shape) -> dict[int, Dim] | None:
    if x.dims is None:
        return None
    try:
        _, ch = spatial_axes(cfg, x)
    except (Unknowable, Rejected):
        return None
    return {ch - len(x.dims): x.dims[ch]}


def conv_length(length: Dim, k: int, stride: int, padding: str, dilation: int) -> Dim:
    if not is_known(length):
        return None
    if padding == "valid":
        return (length - dilation * (k - 1) - 1) // stride + 1
    if padding in ("same", "causal"):
        return (length - 1) // stride + 1
    raise Unknowable("padding")


def transpose_length(length: Dim, k: int, stride: int, padding: str, dilation: int,
                     output_padding: int | None) -> Dim:
    """``_get_output_shape_given_tf_padding``."""
    if not is_known(length):
        return None
    k = (k - 1) * dilation + 1
    if padding == "valid":
        op = max(k, stride) - k if output_padding is None else output_padding
        return (length - 1) * stride + k + op
    if output_padding is None:
        return length * stride
    return (length - 1) * stride + k % 2 + output_padding


def _rank_issue(spec_name: str, family: str, n: int, x: Shape) -> Rejected:
    return Rejected(InputRankMismatch(expected=(n + 2,), min_rank=n + 2, got=x, layer=spec_name,
                                      family=family))


def _padding(cfg: Arguments, allowed: tuple[str, ...]) -> str:
    """``standardize_padding``: Keras lower-cases the name."""
    v = cfg.known("padding")
    if isinstance(v, (tuple, list)):
        raise Rejected(NotAChoice(argument="padding", value=v, choices=allowed))
    p = cfg.str("padding", fold_case=True)
    if p not in allowed:
        raise Rejected(NotAChoice(argument="padding", value=v, choices=allowed))
    return p


# --- constructor checks -----------------------------------------------------------------------

def _check_strides_dilation(n: int) -> Check:
    def check(cfg: Arguments) -> None:
        try:
            strides = int_tuple(cfg, "strides", n)
            dilation = int_tuple(cfg, "dilation_rate", n)
        except Unknowable:
            return
        if max(strides) > 1 and max(dilation) > 1:
            raise Rejected(StridesWithDilation(strides=strides, dilation_rate=dilation))
    return check


def _check_tuples(n: int, *names: str, allow_zero: tuple[str, ...] = ()) -> Check:
    def check(cfg: Arguments) -> None:
        for name in names:
            if cfg.raw(name) is None:
                continue
            with contextlib.suppress(Unknowable):
                int_tuple(cfg, name, n, allow_zero=name in allow_zero)
    return check


def _check_padding(allowed: tuple[str, ...]) -> Check:
    def check(cfg: Arguments) -> None:
        if isinstance(cfg.raw("padding"), str):   # a list or tuple is rejected when called
            _padding(cfg, allowed)
    return check


def _check_data_format(cfg: Arguments) -> None:
    data_format(cfg)


def _check_positive_or_none(name: str) -> Check:
    def check(cfg: Arguments) -> None:
        v = cfg.raw(name)
        if is_int(v) and v <= 0:
            raise Rejected(NotPositive(argument=name, value=v))
    return check


def _check_groups(cfg: Arguments) -> None:
    g = cfg.raw("groups")
    if not is_int(g):
        return
    if g <= 0:
        raise Rejected(NotPositive(argument="groups", value=g))
    f = cfg.raw("filters")
    if is_int(f) and f > 0 and f % g:
        raise Rejected(GroupsNotDividingFilters(argument="groups", value=g, filters=f))


def _check_output_padding(n: int) -> Check:
    def check(cfg: Arguments) -> None:
        if cfg.raw("output_padding") is None:
            return
        op = int_tuple(cfg, "output_padding", n, allow_zero=True)
        strides = int_tuple(cfg, "strides", n)
        for i, (o, s) in enumerate(zip(op, strides)):
            if o >= s:
                raise Rejected(OutputPaddingTooLarge(argument="output_padding",
                                                     value=cfg.raw("output_padding"),
                                                     strides=strides, index=i))
    return check


# --- shape functions ----------------------------------------------------------------------------

def _spatial_output(cfg: Arguments, x: Shape, n: int, out_channels: Dim, *,
                    kernel: tuple[int, ...], strides: tuple[int, ...], padding: str,
                    dilation: tuple[int, ...], what: str, transpose: bool = False,
                    output_padding: tuple[int, ...] | None = None) -> Shape:
    axes, ch = spatial_axes(cfg, x)
    d = dims(x)
    out = list(d)
    for i, axis in enumerate(axes):
        if transpose:
            out[axis] = transpose_length(d[axis], kernel[i], strides[i], padding, dilation[i],
                                         None if output_padding is None else output_padding[i])
        else:
            size = out[axis] = conv_length(d[axis], kernel[i], strides[i], padding, dilation[i])
            if is_known(size) and size <= 0:
                raise Rejected(NonPositiveOutput(
                    axis=axis, size=d[axis], kernel=kernel[i],
                    strides=strides[i], dilation=dilation[i], padding=padding, out=size, what=what))
    out[ch] = out_channels
    return Shape(tuple(out))


def _conv_geometry(cfg: Arguments, n: int, allowed: tuple[str, ...]
                   ) -> tuple[tuple[int, ...], tuple[int, ...], str, tuple[int, ...]]:
    kernel = int_tuple(cfg, "kernel_size", n)
    strides = int_tuple(cfg, "strides", n)
    dilation = int_tuple(cfg, "dilation_rate", n)
    return kernel, strides, _padding(cfg, allowed), dilation


def conv(n: int, name: str) -> ShapeFn:
    allowed = ("valid", "same", "causal") if n == 1 else ("valid", "same")

    def infer(cfg: Arguments, x: Shape) -> Shape:
        d = dims(x)
        if len(d) != n + 2:
            raise _rank_issue(name, f"conv{n}d", n, x)
        filters = cfg.size("filters")
        groups = cfg.int("groups")
        _, ch = spatial_axes(cfg, x)
        c = d[ch]
        if is_known(c) and groups > 0 and c % groups:
            raise Rejected(GroupsNotDividingChannels(argument="groups", value=groups, shape=x,
                                                     channels=c))
        kernel, strides, padding, dilation = _conv_geometry(cfg, n, allowed)
        return _spatial_output(cfg, x, n, filters, kernel=kernel, strides=strides,
                               padding=padding, dilation=dilation, what="kernel_size")
    return infer


def separable(n: int, name: str) -> ShapeFn:
    def infer(cfg: Arguments, x: Shape) -> Shape:
        d = dims(x)
        if len(d) != n + 2:
            raise _rank_issue(name, f"conv{n}d", n, x)
        filters = cfg.size("filters")
        kernel, strides, padding, dilation = _conv_geometry(cfg, n, ("valid", "same"))
        return _spatial_output(cfg, x, n, filters, kernel=kernel, strides=strides,
                               padding=padding, dilation=dilation, what="kernel_size")
    return infer


def conv_transpose(n: int, name: str) -> ShapeFn:
    def infer(cfg: Arguments, x: Shape) -> Shape:
        d = dims(x)
        if len(d) != n + 2:
            raise _rank_issue(name, f"conv{n}d", n, x)
        filters = cfg.size("filters")
        kernel, strides, padding, dilation = _conv_geometry(cfg, n, ("valid", "same"))
        op = None if cfg.raw("output_padding") is None else \
            int_tuple(cfg, "output_padding", n, allow_zero=True)
        return _spatial_output(cfg, x, n, filters, kernel=kernel, strides=strides,
                               padding=padding, dilation=dilation, what="kernel_size",
                               transpose=True, output_padding=op)
    return infer


def depthwise(n: int, name: str) -> ShapeFn:
    def infer(cfg: Arguments, x: Shape) -> Shape:
        d = dims(x)
        if len(d) != n + 2:
            raise _rank_issue(name, f"conv{n}d", n, x)
        _, ch = spatial_axes(cfg, x)
        c = d[ch]
        mult = cfg.int("depth_multiplier")
        out = c * mult if is_known(c) else None
        kernel, strides, padding, dilation = _conv_geometry(cfg, n, ("valid", "same"))
        return _spatial_output(cfg, x, n, out, kernel=kernel, strides=strides,
                               padding=padding, dilation=dilation, what="kernel_size")
    return infer


def pooling(n: int) -> ShapeFn:
    def infer(cfg: Arguments, x: Shape) -> Shape:
        d = dims(x)
        _require(cfg, "pool_size")
        pool = int_tuple(cfg, "pool_size", n)
        strides = pool if cfg.raw("strides") is None else \
            int_tuple(cfg, "strides", n, allow_zero=True)
        padding = cfg.known("padding")
        if padding not in ("valid", "same"):   # compared as given, not lower-cased
            if isinstance(padding, str):
                raise Rejected(NotAChoice(argument="padding", value=padding,
                                          choices=("valid", "same")))
            raise Unknowable("padding")
        if 0 in strides:
            raise Rejected(NotPositive(argument="strides", value=cfg.raw("strides")))
        axes, _ch = spatial_axes(cfg, x)
        if len(axes) != n:
            raise Unknowable("rank")   # only reachable through a wrapper; numpy broadcasting
        out = list(d)
        for i, axis in enumerate(axes):
            length = d[axis]
            if not is_known(length):
                out[axis] = None
                continue
            size = (length - pool[i]) // strides[i] + 1 if padding == "valid" else \
                (length - 1) // strides[i] + 1
            if size <= 0:
                raise Rejected(NonPositiveOutput(axis=axis, size=length, kernel=pool[i],
                                                 strides=strides[i], dilation=1, padding=padding,
                                                 out=size, what="pool_size"))
            out[axis] = size
        return Shape(tuple(out))
    return infer


def _require(cfg: Arguments, name: str) -> None:
    """A required argument left out or None (AveragePooling has no default pool_size)."""
    if cfg.raw(name) is None:
        raise Rejected(MissingArgument(argument=name, value=None))


def global_pooling(cfg: Arguments, x: Shape) -> Shape:
    d = dims(x)
    keep = cfg.bool("keepdims")
    n = len(d) - 2
    if data_format(cfg) == "channels_last":
        return Shape((d[0],) + (1,) * n + (d[-1],)) if keep else Shape((d[0], d[-1]))
    return Shape((d[0], d[1]) + (1,) * n) if keep else Shape((d[0], d[1]))


def _output_size(cfg: Arguments, n: int) -> tuple[Any, ...]:
    """``output_size`` as n entries, not yet checked (the shape function checks them)."""
    v = cfg.known("output_size")
    if is_int(v):
        return (v,) * n
    if isinstance(v, (tuple, list)) and len(v) == n:
        return tuple(v)
    if isinstance(v, (tuple, list)):
        raise Rejected(WrongLength(argument="output_size", value=v, length=n))
    raise Unknowable("output_size")


def _check_adaptive(n: int) -> Check:
    def check(cfg: Arguments) -> None:
        _output_size(cfg, n)
        v = cfg.raw("data_format")
        if isinstance(v, str) and v not in ("channels_first", "channels_last"):
            raise Rejected(NotAChoice(argument="data_format", value=v,
                                      choices=("channels_first", "channels_last")))
    return checks(check)


def adaptive_pooling(n: int) -> ShapeFn:
    def infer(cfg: Arguments, x: Shape) -> Shape:
        d = dims(x)
        size = _output_size(cfg, n)
        if not all(s is None or is_int(s) for s in size):
            raise Unknowable("output_size")
        fmt = cfg.known("data_format") or "channels_last"
        if fmt == "channels_last":
            return Shape((d[0],) + size + (d[-1],))
        if fmt == "channels_first":
            if len(d) < 2:
                raise Rejected(InputRankMismatch(expected=(), min_rank=2, got=x,
                                                 layer=f"AdaptivePooling{n}D", family=f"pool{n}d"))
            return Shape((d[0], d[1]) + size)
        raise Unknowable("data_format")
    return infer


# --- padding, cropping, upsampling -----------------------------------------------------------

def _pairs(cfg: Arguments, key: str, n: int, *, negative_int_ok: bool) -> tuple[tuple[int, int], ...]:
    """ZeroPadding/Cropping 2D/3D: an int, n ints, or n (before, after) pairs."""
    v = cfg.known(key)
    if is_int(v):
        if v < 0 and not negative_int_ok:
            raise Rejected(Negative(argument=key, value=v))
        return ((v, v),) * n
    if not isinstance(v, (tuple, list)):
        raise Unknowable(key)
    if len(v) != n:
        raise Rejected(WrongLength(argument=key, value=v, length=n))
    out = []
    for entry in v:
        if is_int(entry):
            pair = (entry, entry)
        elif isinstance(entry, (tuple, list)) and all(is_int(a) for a in entry):
            if len(entry) != 2:
                raise Rejected(WrongLength(argument=key, value=v, length=n))
            pair = (entry[0], entry[1])
        else:
            raise Unknowable(key)
        if min(pair) < 0:
            raise Rejected(Negative(argument=key, value=v))
        out.append(pair)
    return tuple(out)


def _pad_crop_axes(cfg: Arguments, x: Shape, n: int) -> list[int]:
    if n == 1:
        return [1]
    return spatial_axes(cfg, x)[0]


def zero_padding(n: int) -> ShapeFn:
    def infer(cfg: Arguments, x: Shape) -> Shape:
        d = dims(x)
        if len(d) != n + 2:
            raise Unknowable("rank")   # only reachable through a wrapper (TimeDistributed)
        axes = [2 if data_format(cfg) == "channels_first" else 1] if n == 1 else spatial_axes(cfg, x)[0]
        pads: tuple[tuple[int, ...], ...]
        try:
            pads = (int_tuple(cfg, "padding", 2, allow_zero=True),) if n == 1 \
                else _pairs(cfg, "padding", n, negative_int_ok=True)
        except Unknowable:
            # Padding computed from sizes the analysis does not know (imagenet_utils.correct_pad
            # on a dynamic image): the padded axes are unknown, the others stay.
            return Shape(tuple(None if i in axes else dim for i, dim in enumerate(d)))
        out = list(d)
        for axis, (a, b) in zip(axes, pads):
            size = d[axis]
            out[axis] = padded = size + a + b if is_known(size) else None
            if is_known(padded) and padded < 0:
                # A negative int padding crops; Keras cannot make a negative size.
                raise Rejected(CroppingTooLarge(axis=axis, size=size, cropping=(-a, -b), out=padded))
        return Shape(tuple(out))
    return infer


def cropping(n: int) -> ShapeFn:
    def infer(cfg: Arguments, x: Shape) -> Shape:
        d = dims(x)
        if len(d) != n + 2:
            raise Unknowable("rank")   # only reachable through a wrapper (TimeDistributed)
        crops: tuple[tuple[int, ...], ...]
        if n == 1:
            crops = (int_tuple(cfg, "cropping", 2, allow_zero=True),)
        else:
            crops = _pairs(cfg, "cropping", n, negative_int_ok=False)
        axes = _pad_crop_axes(cfg, x, n)
        out = list(d)
        for axis, (a, b) in zip(axes, crops):
            length = d[axis]
            if is_known(length):
                size = length - a - b
                if size <= 0:
                    raise Rejected(CroppingTooLarge(axis=axis, size=length, cropping=(a, b), out=size))
                out[axis] = size
            else:
                out[axis] = None
        return Shape(tuple(out))
    return infer


def _check_upsampling1d(cfg: Arguments) -> None:
    v = cfg.known("size")
    if isinstance(v, bool) or not is_int(v):
        raise Rejected(NotAnInt(argument="size", value=v))
    if v <= 0:
        raise Rejected(NotPositive(argument="size", value=v))


def upsampling(n: int) -> ShapeFn:
    def infer(cfg: Arguments, x: Shape) -> Shape:
        d = dims(x)
        if len(d) != n + 2:
            raise Unknowable("rank")   # only reachable through a wrapper (TimeDistributed)
        size: tuple[int, ...]
        if n == 1:
            _check_upsampling1d(cfg)
            size = (cfg.int("size"),)
        else:
            size = int_tuple(cfg, "size", n)
        axes = _pad_crop_axes(cfg, x, n)
        out = list(d)
        for axis, s in zip(axes, size):
            length = d[axis]
            out[axis] = length * s if is_known(length) else None
        return Shape(tuple(out))
    return infer


# --- weights ------------------------------------------------------------------------------------

def _in_channels(cfg: Arguments, x: Shape) -> int:
    return weight_dim(x, 1 if data_format(cfg) == "channels_first" else -1)


def _kernel_size(cfg: Arguments, n: int) -> int:
    return prod(int_tuple(cfg, "kernel_size", n, check=False))


def conv_weights(n: int, transpose: bool = False) -> CountFn:
    """kernel (k..., channels / groups, filters) and bias (filters)."""
    def count(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
        filters = cfg.int("filters")
        groups = 1 if transpose else cfg.int("groups")
        return _kernel_size(cfg, n) * (_in_channels(cfg, x) // groups) * filters + bias(cfg, filters), 0
    return count


def separable_weights(n: int) -> CountFn:
    """depthwise kernel (k..., channels, multiplier), pointwise kernel, bias (filters)."""
    def count(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
        filters, mult = cfg.int("filters"), cfg.int("depth_multiplier")
        cin = _in_channels(cfg, x)
        return _kernel_size(cfg, n) * cin * mult + cin * mult * filters + bias(cfg, filters), 0
    return count


def depthwise_weights(n: int) -> CountFn:
    """kernel (k..., channels, multiplier) and bias (channels * multiplier)."""
    def count(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
        mult = cfg.int("depth_multiplier")
        cin = _in_channels(cfg, x)
        return _kernel_size(cfg, n) * cin * mult + bias(cfg, cin * mult), 0
    return count


# --- the table ----------------------------------------------------------------------------------

_CONV_PARAMS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                "groups", "activation", "use_bias")
_CONV_DEFAULTS = {"strides": 1, "padding": "valid", "dilation_rate": 1, "groups": 1,
                  "data_format": None, "use_bias": True}
_TRANSPOSE_PARAMS = ("filters", "kernel_size", "strides", "padding", "output_padding",
                     "data_format", "dilation_rate", "activation", "use_bias")
_TRANSPOSE_DEFAULTS = {"strides": 1, "padding": "valid", "output_padding": None,
                       "dilation_rate": 1, "data_format": None, "use_bias": True}
_SEPARABLE_PARAMS = ("filters", "kernel_size", "strides", "padding", "data_format",
                     "dilation_rate", "depth_multiplier", "activation", "use_bias")
_DEPTHWISE_PARAMS = ("kernel_size", "strides", "padding", "depth_multiplier", "data_format",
                     "dilation_rate", "activation", "use_bias")
_DEPTHWISE_DEFAULTS = {"strides": 1, "padding": "valid", "dilation_rate": 1,
                       "depth_multiplier": 1, "data_format": None, "use_bias": True}
_POOL_PARAMS = ("pool_size", "strides", "padding", "data_format")
_POOL_DEFAULTS = {"pool_size": 2, "strides": None, "padding": "valid", "data_format": None}


def _conv_checks(n: int, *, groups: bool = False, transpose: bool = False,
                 depth: bool = False, filters: bool = True, causal: bool = False,
                 strides_dilation: bool = True) -> Check:
    fns = [_check_tuples(n, "kernel_size", "strides", "dilation_rate"),
           _check_padding(("valid", "same", "causal") if causal else ("valid", "same")),
           _check_data_format]
    if filters:
        fns.insert(0, _check_positive_or_none("filters"))
    if depth:
        fns.insert(0, _check_positive_or_none("depth_multiplier"))
    if groups:
        fns.append(_check_groups)
    if transpose:
        fns.append(_check_output_padding(n))
    if strides_dilation:
        fns.append(_check_strides_dilation(n))
    return checks(*fns)


def _spatial(n: int) -> dict[str, Any]:
    """Padding, cropping and upsampling: rank n + 2, no weights."""
    return dict(ranks=(n + 2,), family=f"spatial{n}d", weights=Weights.NONE)


def _conv_specs() -> list[LayerSpec]:
    specs: list[LayerSpec] = []
    for n in (1, 2, 3):
        common: dict[str, Any] = dict(ranks=(n + 2,), family=f"conv{n}d", weight_axes=channel_weights)
        spatial = _spatial(n)
        pool: dict[str, Any] = dict(ranks=(n + 2,), family=f"pool{n}d", weights=Weights.NONE)
        specs += [
            LayerSpec(f"Conv{n}D", _CONV_PARAMS, _CONV_DEFAULTS, conv(n, f"Conv{n}D"),
                      check=_conv_checks(n, groups=True, causal=n == 1),
                      weights=conv_weights(n), **common),
            LayerSpec(f"Conv{n}DTranspose", _TRANSPOSE_PARAMS, _TRANSPOSE_DEFAULTS,
                      conv_transpose(n, f"Conv{n}DTranspose"),
                      check=_conv_checks(n, transpose=True),
                      weights=conv_weights(n, transpose=True), **common),
            LayerSpec(f"MaxPooling{n}D", _POOL_PARAMS, _POOL_DEFAULTS, pooling(n),
                      check=checks(lambda c: _require(c, "pool_size"), _check_tuples(n, "pool_size"),
                                   _check_tuples(n, "strides", allow_zero=("strides",)),
                                   _check_data_format), **pool),
            LayerSpec(f"AveragePooling{n}D", _POOL_PARAMS, {**_POOL_DEFAULTS, "pool_size": None},
                      pooling(n),
                      check=checks(lambda c: _require(c, "pool_size"), _check_tuples(n, "pool_size"),
                                   _check_tuples(n, "strides", allow_zero=("strides",)),
                                   _check_data_format), **pool),
            LayerSpec(f"GlobalMaxPooling{n}D", ("data_format", "keepdims"),
                      {"data_format": None, "keepdims": False}, global_pooling,
                      check=checks(_check_data_format), **pool),
            LayerSpec(f"GlobalAveragePooling{n}D", ("data_format", "keepdims"),
                      {"data_format": None, "keepdims": False}, global_pooling,
                      check=checks(_check_data_format), **pool),
            LayerSpec(f"AdaptiveMaxPooling{n}D", ("output_size", "data_format"),
                      {"data_format": None}, adaptive_pooling(n), family=f"pool{n}d",
                      check=_check_adaptive(n), weights=Weights.NONE),
            LayerSpec(f"AdaptiveAveragePooling{n}D", ("output_size", "data_format"),
                      {"data_format": None}, adaptive_pooling(n), family=f"pool{n}d",
                      check=_check_adaptive(n), weights=Weights.NONE),
            LayerSpec(f"UpSampling{n}D", ("size",) if n == 1 else ("size", "data_format"),
                      {"size": 2 if n == 1 else (2,) * n, "data_format": None}, upsampling(n),
                      check=checks(_check_upsampling1d) if n == 1 else
                      checks(_check_tuples(n, "size"), _check_data_format), **spatial),
        ]
    specs += [
        LayerSpec("ZeroPadding1D", ("padding", "data_format"), {"padding": 1, "data_format": None},
                  zero_padding(1), check=checks(_check_data_format), **_spatial(1)),
        LayerSpec("ZeroPadding2D", ("padding", "data_format"),
                  {"padding": (1, 1), "data_format": None}, zero_padding(2),
                  check=checks(_check_data_format), **_spatial(2)),
        LayerSpec("ZeroPadding3D", ("padding", "data_format"),
                  {"padding": ((1, 1), (1, 1), (1, 1)), "data_format": None}, zero_padding(3),
                  check=checks(_check_data_format), **_spatial(3)),
        LayerSpec("Cropping1D", ("cropping",), {"cropping": (1, 1)}, cropping(1), **_spatial(1)),
        LayerSpec("Cropping2D", ("cropping", "data_format"),
                  {"cropping": ((0, 0), (0, 0)), "data_format": None}, cropping(2),
                  check=checks(_check_data_format), **_spatial(2)),
        LayerSpec("Cropping3D", ("cropping", "data_format"),
                  {"cropping": ((1, 1), (1, 1), (1, 1)), "data_format": None}, cropping(3),
                  check=checks(_check_data_format), **_spatial(3)),
    ]
    for n in (1, 2):
        common = dict(ranks=(n + 2,), family=f"conv{n}d", weight_axes=channel_weights)
        specs += [
            LayerSpec(f"SeparableConv{n}D", _SEPARABLE_PARAMS,
                      {**_DEPTHWISE_DEFAULTS}, separable(n, f"SeparableConv{n}D"),
                      check=_conv_checks(n, depth=True, strides_dilation=False),
                      weights=separable_weights(n), **common),
            LayerSpec(f"DepthwiseConv{n}D", _DEPTHWISE_PARAMS, _DEPTHWISE_DEFAULTS,
                      depthwise(n, f"DepthwiseConv{n}D"),
                      check=_conv_checks(n, depth=True, filters=False, strides_dilation=False),
                      weights=depthwise_weights(n), **common),
        ]
    return specs


SPECS = _conv_specs()
