"""Applying a layer's spec to input shapes: rank checks, shape function, unknowns.

This is the one mechanism every layer goes through, wrappers included.
"""
from __future__ import annotations

from typing import Any, Sequence

from shapelint.layers.spec import LayerIssue, LayerSpec, Output, Unknowable
from shapelint.shapes import Shape


def check_rank(spec: LayerSpec, x: Shape) -> None:
    if x.rank is None:
        return
    if (spec.ranks and x.rank not in spec.ranks) or x.rank < spec.min_rank:
        raise LayerIssue("SHP201", expected=tuple(spec.ranks or ()), min_rank=spec.min_rank,
                         got=x, layer=spec.name, family=spec.family)


def infer_output(layer: Any, inputs: "Shape | Sequence[Shape]") -> Output:
    """Output shape(s) of ``layer`` (anything with ``.spec`` and ``.config``) on ``inputs``.

    Raises :class:`LayerIssue` when Keras would raise; returns an unknown shape when
    the result cannot be known.
    """
    spec: LayerSpec = layer.spec
    try:
        if spec.takes == "list":
            shapes = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
            return spec.infer(layer.config, shapes) if spec.infer else shapes[0]
        x = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        check_rank(spec, x)
        return spec.infer(layer.config, x) if spec.infer else x
    except Unknowable:
        return Shape(None)
