"""SHP208: two layers with the same ``name=`` in one model.

Keras 3 refuses them: a functional model raises "The name "proj" is used 2 times in the
model" when it is made, a Sequential model when the second layer is added. It happens when a
helper that names its layers (``Dense(8, name="proj")``) is called twice. Reads the model
events: a functional model's layers are the ones reachable from its outputs (each layer
object once, however often it is called), a Sequential model's are its list.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from shapelint.keras.events import EventLog
from shapelint.keras.values import LayerInstance, ModelValue, Tensor
from shapelint.violations.arguments import DuplicateLayerName

MAX_WALK = 5000


def _named_functional(model: ModelValue) -> list[tuple[str, Any]]:
    """(name, node) of each named layer or Input reachable from the outputs, in call order."""
    outputs = model.outputs
    items = outputs.items if hasattr(outputs, "items") and not isinstance(outputs, Tensor) else None
    stack = [outputs] if isinstance(outputs, Tensor) else list(items or outputs or ()) \
        if isinstance(items or outputs, (list, tuple)) else []
    seen_tensors: set[int] = set()
    layers: dict[int, tuple[int, str, Any]] = {}
    while stack and len(seen_tensors) < MAX_WALK:
        t = stack.pop()
        if not isinstance(t, Tensor) or id(t) in seen_tensors or t.producer is None:
            continue
        seen_tensors.add(id(t))
        p = t.producer
        layer = p.layer_obj
        if isinstance(layer, LayerInstance) and layer.name is not None:
            layers.setdefault(id(layer), (p.serial, layer.name, layer.node))
        elif p.layer == "Input" and p.name is not None:
            layers.setdefault(id(p), (p.serial, p.name, p.node))
        if isinstance(layer, ModelValue):
            continue                       # a nested model is one layer, named by Keras
        stack.extend(p.inputs)
    return [(name, node) for _, name, node in sorted(layers.values(), key=lambda v: v[0])]


def _first_duplicate(named: list[tuple[str, Any]]) -> tuple[str, Any, Any] | None:
    first: dict[str, Any] = {}
    for name, node in named:
        if name in first:
            return name, first[name], node
        first[name] = node
    return None


def find_duplicate_names(log: EventLog, where: Any) -> Iterator[tuple[DuplicateLayerName, Any]]:
    """Each model with two layers of one name, reported where Keras raises."""
    for model in log.models:
        if model.node is None:
            continue
        if model.kind == "functional":
            named = _named_functional(model)
        elif model.layers is not None:
            start, end = where(model.node)
            # Layers listed in Sequential([...]): Keras raises there (not for add()).
            named = [(layer.name, layer.node) for layer in model.layers
                     if isinstance(layer, LayerInstance) and layer.name is not None
                     and layer.node is not None and start <= where(layer.node)[0] <= end]
        else:
            continue
        found = _first_duplicate(named)
        if found is None:
            continue
        name, first, second = found
        yield DuplicateLayerName(name=name, first_row=where(first)[0][0],
                                 second_row=where(second)[0][0],
                                 sequential=model.kind == "sequential"), model.node
