"""Core, activation, normalization and regularization layers, and Embedding."""
from __future__ import annotations

from shapelint.layers.spec import Config, LayerIssue, LayerSpec, Unknowable
from shapelint.shapes import Shape, normalize_axis


def dense(cfg: Config, x: Shape) -> Shape:
    units = cfg.int("units")
    if x.dims is None:
        raise Unknowable("rank")
    return Shape(x.dims[:-1] + (units,))


def last_axis_weights(cfg: Config, x: Shape):
    """Layers whose weights are sized by the last input axis (Dense, RNN kernels)."""
    if x.dims is None:
        return None
    return {-1: x.dims[-1]}


def axis_weights(cfg: Config, x: Shape):
    """Normalization layers: weights sized by their ``axis`` (default -1)."""
    if x.dims is None:
        return None
    try:
        axis = cfg.known("axis")
    except Unknowable:
        return None
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = {}
    for a in axes:
        if not isinstance(a, int):
            return None
        n = normalize_axis(a, len(x.dims))
        if n is None:
            return None
        out[n - len(x.dims)] = x.dims[n]
    return out


def embedding(cfg: Config, x: Shape) -> Shape:
    dim = cfg.int("output_dim")
    if x.dims is None:
        raise Unknowable("rank")
    return Shape(x.dims + (dim,))


def lambda_layer(cfg: Config, x: Shape) -> Shape:
    """Opaque unless ``output_shape`` is given (a tuple without the batch axis)."""
    out = cfg.raw("output_shape")
    if isinstance(out, (tuple, list)) and all(d is None or isinstance(d, int) for d in out):
        batch = x.dims[0] if x.dims else None
        return Shape((batch,) + tuple(out))
    raise Unknowable("output_shape")


def same(cfg: Config, x: Shape) -> Shape:
    return x


SPECS = [
    LayerSpec("Dense", ("units", "activation", "use_bias"), {"use_bias": True}, dense,
              min_rank=2, weight_axes=last_axis_weights, family="dense"),
    LayerSpec("Activation", ("activation",), {}, same),
    LayerSpec("ReLU", ("max_value", "negative_slope", "threshold"), {}, same),
    LayerSpec("LeakyReLU", ("negative_slope",), {}, same),
    LayerSpec("PReLU", (), {}, same),
    LayerSpec("ELU", ("alpha",), {}, same),
    LayerSpec("Softmax", ("axis",), {}, same),
    LayerSpec("Identity", (), {}, same),
    LayerSpec("Masking", ("mask_value",), {}, same),
    LayerSpec("Dropout", ("rate", "noise_shape", "seed"), {}, same),
    LayerSpec("SpatialDropout1D", ("rate",), {}, same, ranks=(3,)),
    LayerSpec("SpatialDropout2D", ("rate", "data_format"), {}, same, ranks=(4,)),
    LayerSpec("SpatialDropout3D", ("rate", "data_format"), {}, same, ranks=(5,)),
    LayerSpec("GaussianNoise", ("stddev",), {}, same),
    LayerSpec("GaussianDropout", ("rate",), {}, same),
    LayerSpec("AlphaDropout", ("rate",), {}, same),
    LayerSpec("ActivityRegularization", ("l1", "l2"), {}, same),
    LayerSpec("BatchNormalization", ("axis", "momentum", "epsilon", "center", "scale"),
              {"axis": -1}, same, weight_axes=axis_weights, family="norm"),
    LayerSpec("LayerNormalization", ("axis", "epsilon", "center", "scale"),
              {"axis": -1}, same, weight_axes=axis_weights, family="norm"),
    LayerSpec("UnitNormalization", ("axis",), {"axis": -1}, same),
    LayerSpec("Embedding", ("input_dim", "output_dim"), {}, embedding, family="embedding"),
    LayerSpec("Lambda", ("function", "output_shape", "mask", "arguments"), {}, lambda_layer),
]
