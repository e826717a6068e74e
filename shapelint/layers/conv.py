"""Convolution, pooling and spatial (padding/cropping/upsampling) layers.

Output sizes follow ``keras.src.ops.operation_utils`` (conv, pooling, transpose).
"""
from __future__ import annotations

from typing import Optional

from shapelint.layers.spec import Config, LayerIssue, LayerSpec, Unknowable
from shapelint.shapes import Dim, Shape, is_known


def spatial_axes(cfg: Config, x: Shape) -> tuple[list[int], int]:
    """Indices of the spatial axes and of the channel axis."""
    rank = len(x.dims)  # type: ignore[arg-type]
    fmt = cfg.data_format()
    if fmt == "channels_first":
        return list(range(2, rank)), 1
    return list(range(1, rank - 1)), rank - 1


def channel_weights(cfg: Config, x: Shape):
    if x.dims is None:
        return None
    _, ch = spatial_axes(cfg, x)
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
                     output_padding: Optional[int]) -> Dim:
    if not is_known(length):
        return None
    k = k + (k - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(k - stride, 0)
        if padding == "same":
            return length * stride
        raise Unknowable("padding")
    pad = k // 2 if padding == "same" else 0
    return (length - 1) * stride + k - 2 * pad + output_padding


def _check_strides_dilation(n: int):
    def check(cfg: Config) -> None:
        try:
            strides = cfg.int_tuple("strides", n)
            dilation = cfg.int_tuple("dilation_rate", n)
        except Unknowable:
            return
        if max(strides) > 1 and max(dilation) > 1:
            raise LayerIssue("SHP204", strides=strides, dilation_rate=dilation)
    return check


def _spatial_output(cfg: Config, x: Shape, n: int, out_channels: int, *, kernel_key: str,
                    transpose: bool = False) -> Shape:
    axes, ch = spatial_axes(cfg, x)
    kernel = cfg.int_tuple(kernel_key, n)
    strides = cfg.int_tuple("strides", n) if cfg.raw("strides") is not None else kernel
    padding = cfg.str("padding") or "valid"
    dilation = cfg.int_tuple("dilation_rate", n) if cfg.raw("dilation_rate") is not None else (1,) * n
    dims = list(x.dims)  # type: ignore[arg-type]
    for i, axis in enumerate(axes):
        if transpose:
            op = cfg.raw("output_padding")
            out_pad = None if op is None else cfg.int_tuple("output_padding", n)[i]
            dims[axis] = transpose_length(dims[axis], kernel[i], strides[i], padding, dilation[i], out_pad)
        else:
            dims[axis] = conv_length(dims[axis], kernel[i], strides[i], padding, dilation[i])
        if is_known(dims[axis]) and dims[axis] <= 0:
            raise LayerIssue("SHP402", axis=axis, size=x.dims[axis], kernel=kernel[i],  # type: ignore[index]
                             strides=strides[i], dilation=dilation[i], padding=padding,
                             out=dims[axis], what=kernel_key)
    dims[ch] = out_channels
    return Shape(tuple(dims))


def conv(n: int):
    def infer(cfg: Config, x: Shape) -> Shape:
        if x.dims is None:
            raise Unknowable("rank")
        return _spatial_output(cfg, x, n, cfg.int("filters"), kernel_key="kernel_size")
    return infer


def conv_transpose(n: int):
    def infer(cfg: Config, x: Shape) -> Shape:
        if x.dims is None:
            raise Unknowable("rank")
        return _spatial_output(cfg, x, n, cfg.int("filters"), kernel_key="kernel_size", transpose=True)
    return infer


def depthwise(n: int):
    def infer(cfg: Config, x: Shape) -> Shape:
        if x.dims is None:
            raise Unknowable("rank")
        _, ch = spatial_axes(cfg, x)
        c = x.dims[ch]
        out = c * cfg.int("depth_multiplier") if is_known(c) else None
        return _spatial_output(cfg, x, n, out, kernel_key="kernel_size")
    return infer


def pooling(n: int):
    def infer(cfg: Config, x: Shape) -> Shape:
        if x.dims is None:
            raise Unknowable("rank")
        _, ch = spatial_axes(cfg, x)
        return _spatial_output(cfg, x, n, x.dims[ch], kernel_key="pool_size")
    return infer


def global_pooling(cfg: Config, x: Shape) -> Shape:
    if x.dims is None:
        raise Unknowable("rank")
    axes, ch = spatial_axes(cfg, x)
    if cfg.bool("keepdims"):
        return Shape(tuple(1 if i in axes else d for i, d in enumerate(x.dims)))
    return Shape((x.dims[0], x.dims[ch]))


def _pairs(cfg: Config, key: str, n: int) -> tuple[tuple[int, int], ...]:
    """Keras' padding/cropping argument: int, n ints, or n (before, after) pairs."""
    v = cfg.known(key)
    if isinstance(v, int) and not isinstance(v, bool):
        return ((v, v),) * n
    if isinstance(v, (tuple, list)):
        if n == 1 and len(v) == 2 and all(isinstance(a, int) for a in v):
            return ((v[0], v[1]),)
        if len(v) == n and all(isinstance(a, int) for a in v):
            return tuple((a, a) for a in v)
        if len(v) == n and all(isinstance(p, (tuple, list)) and len(p) == 2
                               and all(isinstance(a, int) for a in p) for p in v):
            return tuple((p[0], p[1]) for p in v)
    raise Unknowable(key)


def zero_padding(n: int):
    def infer(cfg: Config, x: Shape) -> Shape:
        if x.dims is None:
            raise Unknowable("rank")
        axes, _ = spatial_axes(cfg, x) if n > 1 else ([1], 2)
        pads = _pairs(cfg, "padding", n)
        dims = list(x.dims)
        for axis, (a, b) in zip(axes, pads):
            dims[axis] = dims[axis] + a + b if is_known(dims[axis]) else None
        return Shape(tuple(dims))
    return infer


def cropping(n: int):
    def infer(cfg: Config, x: Shape) -> Shape:
        if x.dims is None:
            raise Unknowable("rank")
        axes, _ = spatial_axes(cfg, x) if n > 1 else ([1], 2)
        crops = _pairs(cfg, "cropping", n)
        dims = list(x.dims)
        for axis, (a, b) in zip(axes, crops):
            if is_known(dims[axis]):
                out = dims[axis] - a - b
                if out <= 0:
                    raise LayerIssue("SHP402", axis=axis, size=dims[axis], cropping=(a, b),
                                     out=out, what="cropping")
                dims[axis] = out
        return Shape(tuple(dims))
    return infer


def upsampling(n: int):
    def infer(cfg: Config, x: Shape) -> Shape:
        if x.dims is None:
            raise Unknowable("rank")
        axes, _ = spatial_axes(cfg, x) if n > 1 else ([1], 2)
        size = cfg.int_tuple("size", n)
        dims = list(x.dims)
        for axis, s in zip(axes, size):
            dims[axis] = dims[axis] * s if is_known(dims[axis]) else None
        return Shape(tuple(dims))
    return infer


_CONV_PARAMS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                "groups", "activation", "use_bias")
_CONV_DEFAULTS = {"strides": 1, "padding": "valid", "dilation_rate": 1, "groups": 1}
_TRANSPOSE_PARAMS = ("filters", "kernel_size", "strides", "padding", "output_padding",
                     "data_format", "dilation_rate", "activation", "use_bias")
_SEPARABLE_PARAMS = ("filters", "kernel_size", "strides", "padding", "data_format",
                     "dilation_rate", "depth_multiplier", "activation", "use_bias")
_DEPTHWISE_PARAMS = ("kernel_size", "strides", "padding", "depth_multiplier", "data_format",
                     "dilation_rate", "activation", "use_bias")
_POOL_PARAMS = ("pool_size", "strides", "padding", "data_format")


def _conv_specs() -> list[LayerSpec]:
    specs = []
    for n in (1, 2, 3):
        common = dict(ranks=(n + 2,), family=f"conv{n}d", weight_axes=channel_weights)
        specs += [
            LayerSpec(f"Conv{n}D", _CONV_PARAMS, _CONV_DEFAULTS, conv(n),
                      check=_check_strides_dilation(n), **common),
            LayerSpec(f"Conv{n}DTranspose", _TRANSPOSE_PARAMS, _CONV_DEFAULTS, conv_transpose(n),
                      check=_check_strides_dilation(n), **common),
            LayerSpec(f"MaxPooling{n}D", _POOL_PARAMS, {"pool_size": 2, "padding": "valid"},
                      pooling(n), ranks=(n + 2,), family=f"pool{n}d"),
            LayerSpec(f"AveragePooling{n}D", _POOL_PARAMS, {"pool_size": 2, "padding": "valid"},
                      pooling(n), ranks=(n + 2,), family=f"pool{n}d"),
            LayerSpec(f"GlobalMaxPooling{n}D", ("data_format", "keepdims"), {}, global_pooling,
                      ranks=(n + 2,), family=f"pool{n}d"),
            LayerSpec(f"GlobalAveragePooling{n}D", ("data_format", "keepdims"), {}, global_pooling,
                      ranks=(n + 2,), family=f"pool{n}d"),
            LayerSpec(f"ZeroPadding{n}D", ("padding", "data_format"), {"padding": 1},
                      zero_padding(n), ranks=(n + 2,), family=f"spatial{n}d"),
            LayerSpec(f"Cropping{n}D", ("cropping", "data_format"),
                      {"cropping": (1, 1) if n == 1 else 0}, cropping(n), ranks=(n + 2,),
                      family=f"spatial{n}d"),
            LayerSpec(f"UpSampling{n}D", ("size", "data_format"), {"size": 2}, upsampling(n),
                      ranks=(n + 2,), family=f"spatial{n}d"),
        ]
    for n in (1, 2):
        common = dict(ranks=(n + 2,), family=f"conv{n}d", weight_axes=channel_weights)
        specs += [
            # Keras 3 builds separable/depthwise convolutions with strides and dilation > 1.
            LayerSpec(f"SeparableConv{n}D", _SEPARABLE_PARAMS,
                      {**_CONV_DEFAULTS, "depth_multiplier": 1}, conv(n), **common),
            LayerSpec(f"DepthwiseConv{n}D", _DEPTHWISE_PARAMS,
                      {**_CONV_DEFAULTS, "depth_multiplier": 1}, depthwise(n), **common),
        ]
    return specs


SPECS = _conv_specs()
