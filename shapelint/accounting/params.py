"""Parameter counts of layer instances, from the input their weights were built for.

Each layer's own count lives on its :class:`~shapelint.layers.spec.LayerSpec` (next to its
shape function); this module adds what is generic: wrappers (whose weights are those of the
layers they hold), frozen layers, and unknowns. Counted once per layer *instance*, however
often it is called. ``None`` means unknown: a count is only given when Keras would give
exactly that number.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shapelint.arguments import Arguments, Unknowable
from shapelint.layers import engine
from shapelint.layers.spec import Counts, Weights
from shapelint.shapes import Shape
from shapelint.violations.base import Rejected


def layer_counts(layer: Any, x: Any, call_args: dict[str, Any] | None = None) -> Counts | None:
    """(trainable, non-trainable) of a layer instance built for input ``x`` (a Shape, or a
    list of them for a layer called on a list); None if unknown.

    A layer that declares no weights (:attr:`Weights.NONE`) counts zero; one that declares
    nothing counts as unknown, never as zero.
    """
    spec = getattr(layer, "spec", None)
    if spec is None:
        return None
    if spec.weights is Weights.NONE:
        return 0, 0                       # whatever it is called on (a Lambda on a list)
    if spec.takes == "one" and not isinstance(x, Shape):
        return None
    cfg = layer.config
    counts: Counts | None = None
    try:
        if isinstance(spec.weights, Weights):
            wrapper = WRAPPERS.get(spec.name)
            counts = None if wrapper is None else wrapper(cfg, x)
        elif spec.weights is not None:
            counts = spec.weights(cfg, x, call_args or {})
    except (Unknowable, Rejected):
        return None
    if counts is not None and layer.attrs.get("trainable", cfg.raw("trainable")) is False:
        return 0, counts[0] + counts[1]   # frozen: every weight counts as non-trainable
    return counts


def _inner(layer: Any, x: Any) -> Counts:
    counts = layer_counts(layer, x)
    if counts is None:
        raise Unknowable("wrapped layer")
    return counts


def _add(a: Counts, b: Counts) -> Counts:
    return a[0] + b[0], a[1] + b[1]


def _bidirectional(cfg: Arguments, x: Any) -> Counts:
    """A forward and a backward copy of the layer (or the given ``backward_layer``)."""
    forward = _inner(cfg.known("layer"), x)
    back = cfg.known("backward_layer")
    return _add(forward, forward if back is None else _inner(back, x))


def _time_distributed(cfg: Arguments, x: Any) -> Counts:
    """The wrapped layer, applied to each frame."""
    if x.dims is None or len(x.dims) < 2:
        raise Unknowable("rank")
    return _inner(cfg.known("layer"), Shape((x.dims[0],) + x.dims[2:]))


def _spectral_normalization(cfg: Arguments, x: Any) -> Counts:
    """The wrapped layer, and a (1, units) power-iteration vector as non-trainable state."""
    inner = cfg.known("layer")
    units = next((inner.config.int(key) for key in ("units", "filters")
                  if inner.config.given(key) or key in inner.spec.params[:1]), None)
    if units is None:
        raise Unknowable("spectral vector")
    return _add(_inner(inner, x), (0, units))


def _pipeline(cfg: Arguments, x: Any) -> Counts:
    """Each layer in turn, built on the output of the one before. Image layers' call() can
    differ in sizes from their compute_output_shape: only their rank is kept."""
    total: Counts = (0, 0)
    for inner in cfg.seq("layers"):
        total = _add(total, _inner(inner, x))
        x = engine.infer_output(inner, x)
        if not isinstance(x, Shape):
            raise Unknowable("output")
        if inner.spec.family == "image":
            x = Shape.unknown(x.rank)
    return total


# Wrappers: their weights are those of the layers they hold (spec.weights is a Weights marker).
WRAPPERS: dict[str, Callable[[Arguments, Any], Counts]] = {
    "Bidirectional": _bidirectional,
    "TimeDistributed": _time_distributed,
    "SpectralNormalization": _spectral_normalization,
    "Pipeline": _pipeline,
}
