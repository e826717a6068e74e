"""Parameter counts per layer, from its configuration and the input its weights were built for.

Counted once per layer *instance*, however often it is called. ``None`` means unknown:
a count is only given when Keras would give exactly that number.
"""
from __future__ import annotations

from math import prod
from typing import Any, Callable, Optional

from shapelint.layers.spec import Config, Unknowable
from shapelint.shapes import Shape, is_known, normalize_axis

Counts = tuple[int, int]          # (trainable, non-trainable)
CountFn = Callable[[Config, Shape], Optional[Counts]]


def _dim(x: Shape, axis: int) -> int:
    if x.dims is None:
        raise Unknowable("rank")
    d = x.dims[axis]
    if not is_known(d):
        raise Unknowable("dim")
    return d  # type: ignore[return-value]


def _bias(cfg: Config, n: int) -> int:
    return n if cfg.bool("use_bias") else 0


def _channels(cfg: Config, x: Shape) -> int:
    return _dim(x, 1 if cfg.data_format() == "channels_first" else -1)


def dense(cfg: Config, x: Shape) -> Counts:
    units = cfg.int("units")
    return _dim(x, -1) * units + _bias(cfg, units), 0


def conv(n: int, transpose: bool = False) -> CountFn:
    def count(cfg: Config, x: Shape) -> Counts:
        filters = cfg.int("filters")
        k = prod(cfg.int_tuple("kernel_size", n))
        cin = _channels(cfg, x)
        groups = 1 if transpose else cfg.int("groups")
        return k * (cin // groups) * filters + _bias(cfg, filters), 0
    return count


def separable(n: int) -> CountFn:
    def count(cfg: Config, x: Shape) -> Counts:
        filters, mult = cfg.int("filters"), cfg.int("depth_multiplier")
        k = prod(cfg.int_tuple("kernel_size", n))
        cin = _channels(cfg, x)
        return k * cin * mult + cin * mult * filters + _bias(cfg, filters), 0
    return count


def depthwise(n: int) -> CountFn:
    def count(cfg: Config, x: Shape) -> Counts:
        mult = cfg.int("depth_multiplier")
        k = prod(cfg.int_tuple("kernel_size", n))
        cin = _channels(cfg, x)
        return k * cin * mult + _bias(cfg, cin * mult), 0
    return count


def _axis_size(cfg: Config, x: Shape) -> int:
    axis = cfg.known("axis")
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if x.dims is None:
        raise Unknowable("rank")
    size = 1
    for a in axes:
        n = normalize_axis(a, len(x.dims)) if isinstance(a, int) else None
        if n is None:
            raise Unknowable("axis")
        size *= _dim(x, n)
    return size


def batch_norm(cfg: Config, x: Shape) -> Counts:
    c = _axis_size(cfg, x)
    trainable = c * (int(cfg.bool("center")) + int(cfg.bool("scale")))
    return trainable, 2 * c


def layer_norm(cfg: Config, x: Shape) -> Counts:
    c = _axis_size(cfg, x)
    return c * (int(cfg.bool("center")) + int(cfg.bool("scale"))), 0


def embedding(cfg: Config, x: Shape) -> Counts:
    return cfg.int("input_dim") * cfg.int("output_dim"), 0


def rnn(gates: int, extra_bias: int = 0) -> CountFn:
    def count(cfg: Config, x: Shape) -> Counts:
        units, features = cfg.int("units"), _dim(x, -1)
        bias = gates * units * (1 + extra_bias) if cfg.bool("use_bias") else 0
        return gates * units * (features + units) + bias, 0
    return count


def gru(cfg: Config, x: Shape) -> Counts:
    reset_after = cfg.bool("reset_after")
    return rnn(3, 1 if reset_after else 0)(cfg, x)


def conv_lstm(n: int) -> CountFn:
    def count(cfg: Config, x: Shape) -> Counts:
        filters = cfg.int("filters")
        k = prod(cfg.int_tuple("kernel_size", n))
        channels_first = cfg.data_format() == "channels_first"
        cin = _dim(x, 2 if channels_first else -1)
        bias = 4 * filters if cfg.bool("use_bias") else 0
        return 4 * (k * cin * filters + k * filters * filters) + bias, 0
    return count


def prelu(cfg: Config, x: Shape) -> Counts:
    if x.dims is None:
        raise Unknowable("rank")
    shared = cfg.raw("shared_axes")
    shared_axes = set()
    if isinstance(shared, int):
        shared_axes = {shared}
    elif isinstance(shared, (tuple, list)):
        shared_axes = set(shared)
    elif shared is not None:
        raise Unknowable("shared_axes")
    return prod(1 if i in shared_axes else _dim(x, i) for i in range(1, len(x.dims))), 0


def _frames(x: Shape) -> Shape:
    if x.dims is None or len(x.dims) < 2:
        raise Unknowable("rank")
    return Shape((x.dims[0],) + x.dims[2:])


# Layers with weights; every other modeled layer has none (see NO_WEIGHTS in the tests).
COUNTS: dict[str, CountFn] = {
    "Dense": dense,
    "Embedding": embedding,
    "BatchNormalization": batch_norm,
    "LayerNormalization": layer_norm,
    "SimpleRNN": rnn(1),
    "LSTM": rnn(4),
    "GRU": gru,
    "PReLU": prelu,
    **{f"Conv{n}D": conv(n) for n in (1, 2, 3)},
    **{f"Conv{n}DTranspose": conv(n, transpose=True) for n in (1, 2, 3)},
    **{f"SeparableConv{n}D": separable(n) for n in (1, 2)},
    **{f"DepthwiseConv{n}D": depthwise(n) for n in (1, 2)},
    **{f"ConvLSTM{n}D": conv_lstm(n) for n in (1, 2, 3)},
}

# Defaults the constructors apply that shape semantics did not need.
DEFAULTS: dict[str, dict[str, Any]] = {
    "BatchNormalization": {"center": True, "scale": True},
    "LayerNormalization": {"center": True, "scale": True},
    "GRU": {"reset_after": True},
}
WITH_BIAS = {"Dense", "SimpleRNN", "LSTM", "GRU"} | {n for n in COUNTS if "Conv" in n}


def layer_counts(layer: Any, x: Shape) -> Optional[Counts]:
    """(trainable, non-trainable) of a layer instance built for input ``x``; None if unknown.

    Layers unknown to this table count as unknown, never as zero, unless they are in the
    layer table and listed weightless.
    """
    name = layer.spec.name
    cfg = _with_defaults(layer.config, name)
    try:
        if name in ("Bidirectional", "TimeDistributed"):
            inner = cfg.known("layer")
            inner_x = x if name == "Bidirectional" else _frames(x)
            counts = layer_counts(inner, inner_x)
            if counts is None:
                return None
            if name == "Bidirectional":
                back = cfg.raw("backward_layer")
                back_counts = layer_counts(back, x) if back is not None else counts
                if back_counts is None:
                    return None
                counts = (counts[0] + back_counts[0], counts[1] + back_counts[1])
        elif name in COUNTS:
            counts = COUNTS[name](cfg, x)
        elif name in WEIGHTLESS:
            counts = (0, 0)
        else:
            return None
    except Unknowable:
        return None
    if counts is not None and layer.attrs.get("trainable", cfg.raw("trainable")) is False:
        return 0, counts[0] + counts[1]   # frozen: every weight counts as non-trainable
    return counts


def _with_defaults(cfg: Config, name: str) -> Config:
    extra = dict(DEFAULTS.get(name, {}))
    if name in WITH_BIAS:
        extra.setdefault("use_bias", True)
    if not extra:
        return cfg
    return Config(cfg._values, {**extra, **cfg._defaults}, cfg._is_known)


WEIGHTLESS = frozenset({
    "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "Identity", "Masking", "Dropout",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
    "GaussianDropout", "AlphaDropout", "ActivityRegularization", "UnitNormalization", "Lambda",
    "Flatten", "Reshape", "Permute", "RepeatVector",
    "Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot",
    *(f"{kind}{n}D" for n in (1, 2, 3) for kind in (
        "MaxPooling", "AveragePooling", "GlobalMaxPooling", "GlobalAveragePooling",
        "ZeroPadding", "Cropping", "UpSampling")),
})
