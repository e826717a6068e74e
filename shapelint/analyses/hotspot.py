"""SHP503: one layer holds most of a large model's parameters only to feed a Reshape.

The pattern (scenario 1 of the analyzer issue): Dense(49152) on a small vector, whose
output is concatenated/flattened and reshaped into a (time, rows, cols, channels) grid.
Broadcasting a small vector over the grid gives the same shapes with a tiny fraction of
the parameters.
"""
from __future__ import annotations

from math import prod
from typing import Any

from shapelint.accounting.params import layer_counts
from shapelint.accounting.summary import built_shape, functional_producers, instance_counts
from shapelint.keras.events import EventLog
from shapelint.keras.values import LayerCall, LayerInstance, ModelValue, Tensor
from shapelint.shapes import Shape
from shapelint.violations.weights import ParameterHotSpot

MIN_TOTAL = 1_000_000     # only large models
MIN_SHARE = 0.75          # the layer holds at least this fraction of the parameters
MAX_HOPS = 4              # Dense -> (Concatenate | Flatten | Reshape)* -> Reshape
PASS_THROUGH = {"Concatenate", "Flatten", "Reshape", "Dropout", "Activation"}


def _consumers(log: EventLog) -> dict[int, list[LayerCall]]:
    out: dict[int, list[LayerCall]] = {}
    for call in log.layer_calls:
        for t in call.inputs:
            out.setdefault(id(t), []).append(call)
    return out


def _reaches_reshape(call: Any, consumers: dict[int, list[LayerCall]]) -> Any | None:
    frontier = [call]
    for _ in range(MAX_HOPS):
        nxt = []
        for c in frontier:
            outs = [c.output] if isinstance(c.output, Tensor) else []
            for t in outs:
                for user in consumers.get(id(t), []):
                    name = user.layer.spec.name if isinstance(user.layer, LayerInstance) else ""
                    if name == "Reshape" and user is not call:
                        return user
                    if name in PASS_THROUGH:
                        nxt.append(user)
        frontier = nxt
    return None


def find_hot_spots(log: EventLog, where: Any) -> list[tuple[ParameterHotSpot, Any]]:
    """Each hot spot, with the node (the Dense's first call) to report it at."""
    consumers = _consumers(log)
    findings: list[tuple[ParameterHotSpot, Any]] = []
    for model in log.models:
        if not isinstance(model, ModelValue) or model.kind != "functional":
            continue
        totals = instance_counts(model, set())
        if totals is None or sum(totals) < MIN_TOTAL:
            continue
        total = sum(totals)
        for p in functional_producers(model):
            layer = p.layer_obj
            if not isinstance(layer, LayerInstance) or layer.spec.name != "Dense" or not layer.calls:
                continue
            counts = layer_counts(layer, built_shape(layer))
            if counts is None or sum(counts) < MIN_SHARE * total:
                continue
            reshape = _reaches_reshape(layer.calls[0], consumers)
            if reshape is None:
                continue
            findings.append(_finding(where, layer, sum(counts), total, reshape))
    return findings


def _finding(where: Any, layer: LayerInstance, params: int, total: int,
             reshape: Any) -> tuple[ParameterHotSpot, Any]:
    units = layer.config.int("units")
    shape = built_shape(layer)
    features = shape[-1] if isinstance(shape, Shape) and shape.rank else None
    target = reshape.layer.config.raw("target_shape")
    alternative: dict[str, Any] = {}
    if isinstance(target, tuple) and len(target) >= 2 and all(isinstance(d, int) and d > 0 for d in target):
        grid = prod(target[:-1])
        if units % grid == 0:
            c = units // grid
            alternative = {"channels": c, "repeat": grid, "grid": tuple(target[:-1]) + (c,),
                           "alternative_params": features * c + c if isinstance(features, int) else None}
    violation = ParameterHotSpot(
        units=units, params=params, total=total, target=target,
        reshape_row=where(reshape.node)[0][0], ctor_row=where(layer.node)[0][0],
        **alternative)
    return violation, layer.calls[0].node
