"""Core, activation, normalization and regularization layers, Embedding and EinsumDense.

Semantics follow ``keras.src.layers.core``, ``activations``, ``normalization`` and
``regularization`` of Keras 3: ``__init__`` validation becomes a constructor check,
``build``/``compute_output_shape`` become the shape function.
"""
from __future__ import annotations

import re
from math import prod
from typing import Any

from shapelint.arguments import is_int
from shapelint.layers import engine
from shapelint.layers.common import (
    axis_size,
    bias,
    center_scale,
    check_positive_int,
    check_range,
    checks,
    dims,
    number,
    same,
    weight_dim,
)
from shapelint.layers.spec import Arguments, Check, Counts, LayerSpec, Unknowable, Weights, call_flag
from shapelint.shapes import Dim, Shape, is_known, known_sizes, normalize_axis
from shapelint.violations.arguments import (
    AxisArgumentOutOfRange,
    BadEinsumEquation,
    BadGroupsValue,
    GroupsNotDividingChannels,
    Negative,
    NothingToNormalize,
    NotPositive,
)
from shapelint.violations.base import Rejected

# --- Dense / EinsumDense / Embedding --------------------------------------------------------

def dense(cfg: Arguments, x: Shape) -> Shape:
    units = cfg.size("units")
    d = dims(x)
    if len(d) < 1:
        raise Unknowable("rank")
    return Shape(d[:-1] + (units,))


def last_axis_weights(cfg: Arguments, x: Shape) -> dict[int, Dim] | None:
    """Layers whose weights are sized by the last input axis (Dense, RNN kernels)."""
    if x.dims is None or not x.dims:
        return None
    return {-1: x.dims[-1]}


def axis_weights(cfg: Arguments, x: Shape) -> dict[int, Dim] | None:
    """Normalization layers: weights sized by their ``axis`` (default -1)."""
    if x.dims is None:
        return None
    try:
        axis = cfg.known("axis")
    except Unknowable:
        return None
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out: dict[int, Dim] = {}
    for a in axes:
        if not is_int(a):
            return None
        n = normalize_axis(a, len(x.dims))
        if n is None:
            return None
        out[n - len(x.dims)] = x.dims[n]
    return out


class _EinsumError(Exception):
    pass


class _ConfigNone:
    """A ``None`` written in output_shape: definitely None, unlike an unknown input size."""

    def __repr__(self) -> str:
        return "None"


_CFG_NONE = _ConfigNone()
_EinsumDim = Dim | _ConfigNone


def einsum_shapes(equation: str, bias_axes: Any, input_shape: tuple[Dim, ...],
                  partial: tuple[int | None, ...]
                  ) -> tuple[list[Dim], list[_EinsumDim], list[_EinsumDim]]:
    """``_analyze_einsum_string`` of Keras' EinsumDense: the output, kernel and bias shapes,
    and its errors.

    Unknown sizes (None or named symbols) never make a comparison fail.
    """
    eq = re.sub(r"\.\.\.", "0", equation)
    left_elided = False
    m = re.match("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", eq)
    if not m:
        m = re.match("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", eq)
        left_elided = bool(m)
    if not m:
        m = re.match("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", eq)
    if not m:
        raise _EinsumError("einsum_equation")
    input_spec, weight_spec, output_spec = m.group(1), m.group(2), m.group(3)
    elided = len(input_shape) - len(input_spec)
    output_shape: list[_EinsumDim] = [_CFG_NONE if d is None else d for d in partial]
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0 and not left_elided:
        for i in range(len(input_shape) - elided, len(input_shape)):
            output_shape.append(input_shape[i])
    if left_elided:
        input_dim_map = {d: (i + elided) - len(input_shape) for i, d in enumerate(input_spec)}
        output_dim_map = {d: (i + elided) for i, d in enumerate(output_spec)}
    else:
        input_dim_map = {d: i for i, d in enumerate(input_spec)}
        output_dim_map = {d: i for i, d in enumerate(output_spec)}
    for d in input_spec:
        in_d = input_shape[input_dim_map[d]]
        if d in output_dim_map:
            out_d = output_shape[output_dim_map[d]]
            if is_known(out_d) and is_known(in_d) and out_d != in_d:
                raise _EinsumError("einsum_shared_dim")
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise _EinsumError("einsum_output_dim")
    weight: list[_EinsumDim] = []
    for d in weight_spec:
        if d in output_dim_map:
            weight.append(output_shape[output_dim_map[d]])
        elif d in input_dim_map:
            weight.append(input_shape[input_dim_map[d]])
        else:
            raise _EinsumError("einsum_weight_dim")
    bias: list[_EinsumDim] = []
    if bias_axes is not None:
        num_left_elided = elided if left_elided else 0
        idx_map = {c: output_shape[i + num_left_elided] for i, c in enumerate(output_spec)}
        for c in bias_axes:
            if c not in output_spec:
                raise _EinsumError("einsum_bias_axes")
        first = min(output_spec.find(c) for c in bias_axes) if bias_axes else 0
        bias = [idx_map[c] for c in output_spec[first:] if c in bias_axes]
    if any(w is _CFG_NONE for w in weight + bias):
        raise _EinsumError("einsum_weight_none")   # add_weight needs every size
    return [None if isinstance(d, _ConfigNone) else d for d in output_shape], weight, bias


def _einsum_partial(cfg: Arguments) -> tuple[int | None, ...]:
    out = cfg.known("output_shape")
    if is_int(out):
        return (out,)
    if isinstance(out, (tuple, list)) and all(d is None or is_int(d) for d in out):
        return tuple(out)
    raise Unknowable("output_shape")


def _einsum(cfg: Arguments, x: Shape) -> tuple[list[Dim], list[_EinsumDim], list[_EinsumDim]]:
    equation = cfg.known("equation")
    bias_axes = cfg.known("bias_axes")
    if not isinstance(equation, str) or not (bias_axes is None or isinstance(bias_axes, str)):
        raise Unknowable("equation")
    partial = _einsum_partial(cfg)
    d = dims(x)
    try:
        return einsum_shapes(equation, bias_axes, d, partial)
    except _EinsumError as err:
        raise Rejected(BadEinsumEquation(argument="equation", value=equation, problem=str(err), shape=x,
                                         output_shape=partial, bias_axes=bias_axes)) from None
    except IndexError:
        raise Rejected(BadEinsumEquation(argument="equation", value=equation, problem="einsum_rank",
                                         shape=x, output_shape=partial)) from None


def einsum_dense(cfg: Arguments, x: Shape) -> Shape:
    return Shape(tuple(_einsum(cfg, x)[0]))


def _check_embedding(cfg: Arguments) -> None:
    for name in ("input_dim", "output_dim"):
        try:
            v = cfg.known(name)
        except Unknowable:
            continue
        if isinstance(v, bool) or (is_int(v) and v <= 0) or (number(v) and not is_int(v)):
            raise Rejected(NotPositive(argument=name, value=v))


def embedding(cfg: Arguments, x: Shape) -> Shape:
    return Shape(dims(x) + (cfg.size("output_dim"),))


def reversible_embedding(cfg: Arguments, x: Shape, call: dict[str, Any] | None) -> Shape:
    d = dims(x)
    if call_flag(call, "reverse"):
        if not d:
            raise Unknowable("rank")
        return Shape(d[:-1] + (cfg.int("input_dim"),))
    return Shape(d + (cfg.int("output_dim"),))


def lambda_layer(cfg: Arguments, x: Shape) -> Shape:
    """Keras trusts ``output_shape`` (a tuple without the batch axis) when it is given."""
    out = cfg.raw("output_shape")
    if isinstance(out, tuple) and all(d is None or is_int(d) for d in out):
        batch = x.dims[0] if x.dims else None
        return Shape((batch,) + tuple(out))
    raise Unknowable("output_shape")


def dense_weights(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
    """kernel (features, units) and bias (units)."""
    units = cfg.int("units")
    return weight_dim(x, -1) * units + bias(cfg, units), 0


def _size(shape: list[_EinsumDim]) -> int:
    sizes = known_sizes(shape)
    if sizes is None:
        raise Unknowable("weight shape")
    return prod(sizes)


def einsum_dense_weights(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
    """The kernel and bias shapes the equation gives."""
    _, kernel, bias_shape = _einsum(cfg, x)
    return _size(kernel) + (_size(bias_shape) if cfg.known("bias_axes") else 0), 0


def embedding_weights(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
    return cfg.int("input_dim") * cfg.int("output_dim"), 0


def reversible_embedding_weights(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
    """One table, or a second (output_dim, input_dim) one for the reverse projection when
    ``tie_weights=False``."""
    n = cfg.int("input_dim") * cfg.int("output_dim")
    return (n if cfg.bool("tie_weights") else 2 * n), 0


# --- activations ------------------------------------------------------------------------------

def _check_relu(cfg: Arguments) -> None:
    mv = cfg.raw("max_value")
    if number(mv) and mv < 0:
        raise Rejected(Negative(argument="max_value", value=mv))
    for name in ("negative_slope", "threshold"):
        if not cfg.given(name):
            continue
        v = cfg.raw(name)
        if v is None or (number(v) and v < 0):
            raise Rejected(Negative(argument=name, value=v))


def _check_leaky_relu(cfg: Arguments) -> None:
    name = "alpha" if cfg.given("alpha") else "negative_slope"
    if not cfg.given(name):
        return
    v = cfg.raw(name)
    if v is None or (number(v) and v < 0):
        raise Rejected(Negative(argument=name, value=v))


def _shared_axes(cfg: Arguments) -> tuple[int, ...]:
    v = cfg.known("shared_axes")
    if v is None:
        return ()
    if is_int(v):
        return (v,)
    if isinstance(v, (tuple, list)) and all(is_int(a) for a in v):
        return tuple(v)
    raise Unknowable("shared_axes")


def prelu(cfg: Arguments, x: Shape) -> Shape:
    d = dims(x)
    for a in _shared_axes(cfg):
        # build: param_shape[a - 1] over the non-batch axes (Python indexing).
        if not -(len(d) - 1) <= a - 1 < len(d) - 1:
            raise Rejected(AxisArgumentOutOfRange(argument="shared_axes", value=cfg.raw("shared_axes"),
                                                  shape=x))
    return x


def prelu_weights(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
    """alpha over the non-batch axes, size 1 along ``shared_axes`` (build sets
    ``param_shape[a - 1] = 1``: Python indexing, so 0 shares the last axis)."""
    param_shape: list[Dim] = list(dims(x)[1:])
    for a in _shared_axes(cfg):
        if not -len(param_shape) <= a - 1 < len(param_shape):
            raise Unknowable("shared_axes")
        param_shape[a - 1] = 1
    return prod(weight_dim(Shape((None, *param_shape)), i) for i in range(1, len(param_shape) + 1)), 0


# --- normalization ----------------------------------------------------------------------------

def _axes(cfg: Arguments, *, allow_list: bool = True) -> tuple[int, ...]:
    v = cfg.known("axis")
    if is_int(v):
        return (v,)
    if allow_list and isinstance(v, (tuple, list)) and all(is_int(a) for a in v):
        return tuple(v)
    raise Unknowable("axis")


def _check_axes_in_range(cfg: Arguments, x: Shape, axes: tuple[int, ...]) -> None:
    rank = len(dims(x))
    for a in axes:
        if a >= rank or a < -rank:
            raise Rejected(AxisArgumentOutOfRange(argument="axis", value=cfg.raw("axis"), shape=x))


def axis_preserving(cfg: Arguments, x: Shape) -> Shape:
    """LayerNormalization, RMSNormalization, UnitNormalization, BatchNormalization."""
    _check_axes_in_range(cfg, x, _axes(cfg))
    return x


def axis_preserving_int(cfg: Arguments, x: Shape) -> Shape:
    """BatchNormalization: ``axis`` is a single int (``int(axis)`` in ``__init__``)."""
    _check_axes_in_range(cfg, x, _axes(cfg, allow_list=False))
    return x


def _check_group_norm(cfg: Arguments) -> None:
    try:
        g = cfg.known("groups")
    except Unknowable:
        return
    if isinstance(g, bool) or (is_int(g) and g <= 0 and g != -1) or (number(g) and not is_int(g)):
        raise Rejected(BadGroupsValue(argument="groups", value=g))


def group_norm(cfg: Arguments, x: Shape) -> Shape:
    axis = cfg.int("axis")
    d = dims(x)
    if not -len(d) <= axis < len(d):
        raise Rejected(AxisArgumentOutOfRange(argument="axis", value=axis, shape=x))
    dim = d[axis]
    groups = cfg.int("groups")
    if is_known(dim):
        g = dim if groups == -1 else groups
        if dim < g or dim % g:
            raise Rejected(GroupsNotDividingChannels(argument="groups", value=groups, shape=x,
                                                     channels=dim, axis=axis))
    return x


def batch_norm_weights(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
    """gamma/beta (trainable) and the moving mean and variance (not)."""
    c = axis_size(cfg, x)
    return center_scale(cfg, c), 2 * c


def layer_norm_weights(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
    return center_scale(cfg, axis_size(cfg, x)), 0


def rms_norm_weights(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
    return axis_size(cfg, x), 0


def _check_spectral(cfg: Arguments) -> None:
    v = cfg.raw("power_iterations")
    if number(v) and v <= 0:
        raise Rejected(NotPositive(argument="power_iterations", value=v))


# Layers with a ``kernel`` or ``embeddings`` attribute, which SpectralNormalization needs.
_KERNEL_LAYERS = frozenset(
    {"Dense", "EinsumDense", "Embedding", "ReversibleEmbedding"}
    | {f"Conv{n}D" for n in (1, 2, 3)} | {f"Conv{n}DTranspose" for n in (1, 2, 3)}
    | {f"DepthwiseConv{n}D" for n in (1, 2)})


def spectral_normalization(cfg: Arguments, x: Shape) -> Any:
    inner = cfg.known("layer")
    name = getattr(getattr(inner, "spec", None), "name", None)
    if name is None:
        raise Unknowable("layer")
    if name not in _KERNEL_LAYERS:
        raise Rejected(NothingToNormalize(argument="layer", value=name))
    return engine.infer_output(inner, x, input_spec=False)


# --- the table --------------------------------------------------------------------------------

def _rate(name: str, hi: float | None = 1.0) -> Check:
    return lambda cfg: check_range(cfg, name, 0.0, hi)


_NONE = Weights.NONE
_ACTIVATION: dict[str, Any] = dict(family="activation", weights=_NONE)
_REGULARIZATION: dict[str, Any] = dict(family="regularization", weights=_NONE)
_CENTER_SCALE = {"center": True, "scale": True}

SPECS = [
    LayerSpec("Dense", ("units", "activation", "use_bias"), {"use_bias": True}, dense,
              min_rank=2, weight_axes=last_axis_weights, family="dense",
              check=checks(lambda c: check_positive_int(c, "units")), weights=dense_weights),
    LayerSpec("EinsumDense", ("equation", "output_shape", "activation", "bias_axes"),
              {"bias_axes": None}, einsum_dense, family="dense", weights=einsum_dense_weights),
    LayerSpec("Embedding", ("input_dim", "output_dim"), {}, embedding, family="embedding",
              check=checks(_check_embedding), weights=embedding_weights),
    LayerSpec("ReversibleEmbedding", ("input_dim", "output_dim", "tie_weights"),
              {"tie_weights": True}, reversible_embedding, family="embedding",
              check=checks(_check_embedding), call_params=("reverse",),
              weights=reversible_embedding_weights),
    LayerSpec("Identity", (), {}, same, weights=_NONE),
    LayerSpec("Masking", ("mask_value",), {}, same, weights=_NONE),
    LayerSpec("Lambda", ("function", "output_shape", "mask", "arguments"), {}, lambda_layer,
              weights=_NONE),
    # activations
    LayerSpec("Activation", ("activation",), {}, same, **_ACTIVATION),
    LayerSpec("ReLU", ("max_value", "negative_slope", "threshold"), {}, same,
              check=checks(_check_relu), **_ACTIVATION),
    LayerSpec("LeakyReLU", ("negative_slope",), {}, same, check=checks(_check_leaky_relu),
              **_ACTIVATION),
    LayerSpec("PReLU", ("alpha_initializer", "alpha_regularizer", "alpha_constraint",
                        "shared_axes"), {"shared_axes": None}, prelu, family="activation",
              weights=prelu_weights),
    LayerSpec("ELU", ("alpha",), {}, same, **_ACTIVATION),
    LayerSpec("Softmax", ("axis",), {}, same, **_ACTIVATION),
    # regularization
    LayerSpec("Dropout", ("rate", "noise_shape", "seed"), {}, same, check=checks(_rate("rate")),
              **_REGULARIZATION),
    LayerSpec("SpatialDropout1D", ("rate", "seed"), {}, same, ranks=(3,),
              check=checks(_rate("rate")), **_REGULARIZATION),
    LayerSpec("SpatialDropout2D", ("rate", "data_format", "seed"), {}, same, ranks=(4,),
              check=checks(_rate("rate")), **_REGULARIZATION),
    LayerSpec("SpatialDropout3D", ("rate", "data_format", "seed"), {}, same, ranks=(5,),
              check=checks(_rate("rate")), **_REGULARIZATION),
    LayerSpec("GaussianNoise", ("stddev", "seed"), {}, same, check=checks(_rate("stddev")),
              **_REGULARIZATION),
    LayerSpec("GaussianDropout", ("rate", "seed"), {}, same, check=checks(_rate("rate")),
              **_REGULARIZATION),
    LayerSpec("AlphaDropout", ("rate", "noise_shape", "seed"), {}, same,
              check=checks(_rate("rate")), **_REGULARIZATION),
    LayerSpec("ActivityRegularization", ("l1", "l2"), {}, same, **_REGULARIZATION),
    # normalization
    LayerSpec("BatchNormalization", ("axis", "momentum", "epsilon", "center", "scale"),
              {"axis": -1, **_CENTER_SCALE}, axis_preserving_int,
              weight_axes=axis_weights, family="norm", weights=batch_norm_weights),
    LayerSpec("LayerNormalization", ("axis", "epsilon", "center", "scale"),
              {"axis": -1, **_CENTER_SCALE}, axis_preserving, weight_axes=axis_weights,
              family="norm", weights=layer_norm_weights),
    LayerSpec("RMSNormalization", ("axis", "epsilon"), {"axis": -1}, axis_preserving,
              weight_axes=axis_weights, family="norm", weights=rms_norm_weights),
    LayerSpec("UnitNormalization", ("axis",), {"axis": -1}, axis_preserving, family="norm",
              weights=_NONE),
    LayerSpec("GroupNormalization", ("groups", "axis", "epsilon", "center", "scale"),
              {"groups": 32, "axis": -1, **_CENTER_SCALE}, group_norm, weight_axes=axis_weights,
              family="norm", check=checks(_check_group_norm), weights=layer_norm_weights),
    # The wrapped layer's weights and a power-iteration vector: counted in accounting.params.
    LayerSpec("SpectralNormalization", ("layer", "power_iterations"), {"power_iterations": 1},
              spectral_normalization, min_rank=1, family="wrapper", check=checks(_check_spectral),
              weights=Weights.COPIES),
]
