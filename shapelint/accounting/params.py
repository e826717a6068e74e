"""Parameter counts per layer, from its configuration and the input its weights were built for.

Counted once per layer *instance*, however often it is called. ``None`` means unknown:
a count is only given when Keras would give exactly that number.
"""
from __future__ import annotations

from math import prod
from typing import Any, Callable, Optional

from shapelint.interp.values import ListValue as ListValueLike
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


def _last(shape: Any) -> int:
    if not isinstance(shape, Shape):
        raise Unknowable("shape")
    return _dim(shape, -1)


def multi_head_attention(cfg: Config, q: Shape, args: dict) -> Counts:
    """query/key/value projections to heads, and the output projection (Keras 3 EinsumDense)."""
    heads, key_dim = cfg.int("num_heads"), cfg.int("key_dim")
    value_dim = cfg.opt_int("value_dim") or key_dim
    if cfg.raw("attention_axes") is not None:
        raise Unknowable("attention_axes")
    out = cfg.raw("output_shape")
    v = args.get("value")
    k = args.get("key", v)
    dq, dv, dk = _last(q), _last(v), _last(k)
    dout = dq if out is None else (out if isinstance(out, int) else None)
    if not isinstance(dout, int):
        raise Unknowable("output_shape")
    bias = cfg.bool("use_bias")
    proj = lambda d, n: d * n + (n if bias else 0)  # noqa: E731
    return (proj(dq, heads * key_dim) + proj(dk, heads * key_dim) + proj(dv, heads * value_dim)
            + heads * value_dim * dout + (dout if bias else 0)), 0


def group_query_attention(cfg: Config, q: Shape, args: dict) -> Counts:
    head_dim, qh, kvh = cfg.int("head_dim"), cfg.int("num_query_heads"), cfg.int("num_key_value_heads")
    v = args.get("value")
    k = args.get("key", v)
    dq, dv, dk = _last(q), _last(v), _last(k)
    bias = cfg.bool("use_bias")
    proj = lambda d, n: d * n + (n if bias else 0)  # noqa: E731
    return proj(dq, qh * head_dim) + proj(dk, kvh * head_dim) + proj(dv, kvh * head_dim) + \
        qh * head_dim * dq + (dq if bias else 0), 0


def attention(cfg: Config, x: Any) -> Counts:
    scale = 1 if cfg.bool("use_scale") else 0
    return scale + (1 if cfg.str("score_mode") == "concat" else 0), 0


def additive_attention(cfg: Config, xs: Any) -> Counts:
    if not cfg.bool("use_scale"):
        return 0, 0
    first = xs[0] if isinstance(xs, (list, tuple)) and xs else xs
    return _last(first), 0


def rms_norm(cfg: Config, x: Shape) -> Counts:
    return _axis_size(cfg, x), 0


def group_norm(cfg: Config, x: Shape) -> Counts:
    c = _axis_size(cfg, x)
    return c * (int(cfg.bool("center")) + int(cfg.bool("scale"))), 0


def normalization(cfg: Config, x: Shape) -> Counts:
    """mean, variance and a count, all non-trainable (Keras 3 adapt() state)."""
    if cfg.raw("mean") is not None or cfg.raw("variance") is not None:
        raise Unknowable("mean")
    axis = cfg.raw("axis")
    size = 1 if axis is None else _axis_size(cfg, x)
    return 0, 2 * size + 1


def reversible_embedding(cfg: Config, x: Shape) -> Counts:
    tied = cfg.raw("tie_weights")
    n = cfg.int("input_dim") * cfg.int("output_dim")
    return (n if tied is None or tied else 2 * n), 0


def _cell_counts(cell: Any, features: int) -> Optional[Counts]:
    """A recurrent cell on ``features`` inputs, or a list of stacked cells."""
    if isinstance(cell, (list, tuple)):
        total, width = (0, 0), features
        for c in cell:
            counts = _cell_counts(c, width)
            if counts is None:
                return None
            total = (total[0] + counts[0], total[1] + counts[1])
            width = c.config.int("units")
        return total
    name = getattr(getattr(cell, "spec", None), "name", None)
    if name == "StackedRNNCells":
        return _cell_counts(cell.config.seq("cells"), features)
    counter = {"SimpleRNNCell": "SimpleRNN", "LSTMCell": "LSTM", "GRUCell": "GRU"}.get(name or "")
    if counter is None:
        return None
    cfg = _with_defaults(cell.config, counter)
    return COUNTS[counter](cfg, Shape((None, None, features)))


def rnn_layer(cfg: Config, x: Shape) -> Optional[Counts]:
    cell = cfg.raw("cell")
    if isinstance(cell, ListValueLike):
        cell = list(cell.items or [])
    return _cell_counts(cell, _dim(x, -1))


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
    "Attention": attention,
    "AdditiveAttention": additive_attention,
    "RMSNormalization": rms_norm,
    "GroupNormalization": group_norm,
    "Normalization": normalization,
    "ReversibleEmbedding": reversible_embedding,
    "RNN": rnn_layer,
}
# Layers whose weights depend on other call arguments (attention's value and key).
COUNTS_WITH_ARGS: dict[str, Callable[[Config, Shape, dict], Counts]] = {
    "MultiHeadAttention": multi_head_attention,
    "GroupQueryAttention": group_query_attention,
}

# Defaults the constructors apply that shape semantics did not need.
DEFAULTS: dict[str, dict[str, Any]] = {
    "BatchNormalization": {"center": True, "scale": True},
    "LayerNormalization": {"center": True, "scale": True},
    "GroupNormalization": {"center": True, "scale": True},
    "GRU": {"reset_after": True},
    "AdditiveAttention": {"use_scale": True},
    "Attention": {"use_scale": False, "score_mode": "dot"},
}
WITH_BIAS = {"Dense", "SimpleRNN", "LSTM", "GRU", "MultiHeadAttention", "GroupQueryAttention"} | \
    {n for n in COUNTS if "Conv" in n}


def layer_counts(layer: Any, x: Shape, call_args: Optional[dict] = None) -> Optional[Counts]:
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
        elif name == "SpectralNormalization":
            inner = layer_counts(cfg.known("layer"), x)
            if inner is None:
                return None
            units = _spectral_vector(cfg.known("layer"))
            counts = (inner[0], inner[1] + units)
        elif name in COUNTS_WITH_ARGS:
            counts = COUNTS_WITH_ARGS[name](cfg, x, call_args or {})
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


def _spectral_vector(layer: Any) -> int:
    """SpectralNormalization keeps a (1, units) power-iteration vector as non-trainable state."""
    cfg = layer.config
    for key in ("units", "filters"):
        if cfg.given(key) or key in getattr(layer.spec, "params", ())[:1]:
            try:
                return cfg.int(key)
            except Unknowable:
                break
    raise Unknowable("spectral vector")


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
    # preprocessing and augmentation: state lives outside the weights
    "Rescaling", "Resizing", "CenterCrop", "RandomCrop", "RandomFlip", "RandomRotation",
    "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness", "RandomHue",
    "RandomSaturation", "RandomSharpness", "RandomShear", "RandomGrayscale", "RandomInvert",
    "RandomPosterization", "RandomColorDegeneration", "RandomColorJitter", "RandomErasing",
    "RandomElasticTransform", "RandomGaussianBlur", "RandomPerspective", "AugMix", "AutoContrast",
    "CutMix", "MixUp", "RandAugment", "Equalization", "Solarization", "MaxNumBoundingBoxes",
    "ContrastLimitedAdaptiveHistogramEqualization",
    "CategoryEncoding", "Discretization", "Hashing", "HashedCrossing", "StringLookup",
    "IntegerLookup", "TextVectorization",
    *(f"Adaptive{kind}Pooling{n}D" for n in (1, 2, 3) for kind in ("Max", "Average")),
    *(f"{kind}{n}D" for n in (1, 2, 3) for kind in (
        "MaxPooling", "AveragePooling", "GlobalMaxPooling", "GlobalAveragePooling",
        "ZeroPadding", "Cropping", "UpSampling")),
})
