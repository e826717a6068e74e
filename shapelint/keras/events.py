"""Keras events: what the Keras semantics tell observers, and the log analyses read.

Hooks join the core's observer mechanism (:mod:`shapelint.interp.events`): an observer
overrides only what it wants.
"""
from __future__ import annotations

from typing import Any

from shapelint.interp.events import Observer, declare_hooks
from shapelint.interp.values import FunctionValue, ObjectValue, Value
from shapelint.keras.values import LayerCall, LayerInstance, ModelValue


@declare_hooks
class KerasObserver(Observer):
    def layer_constructed(self, layer: LayerInstance, function: FunctionValue | None) -> None:
        """A layer was constructed; ``function`` is a Lambda's function value (else None)."""

    def layer_called(self, call: LayerCall) -> None: ...

    def model_built(self, model: ModelValue) -> None: ...

    def keras_used(self) -> None:
        """The statement being run made or called a Keras object (validation keeps it)."""

    def data_given(self, method: str, node: Any, x: Value, y: Value, model: ModelValue) -> None:
        """``model.<method>(x, y)`` at ``node`` with the values the analysis has for them:
        ``method`` is fit, evaluate, predict or a ``*_on_batch`` method, ``"validation_data"``
        for fit's ``validation_data=(x, y)``, or ``"call"`` for ``model(x)``; ``y`` is None
        when the call gives no labels (validation stands zero-filled arrays in for them)."""


class EventLog(KerasObserver):
    """Every layer made and called, model and user object, in order: what the analyses read."""

    def __init__(self) -> None:
        self.layers: list[LayerInstance] = []      # in construction order (Keras names by it)
        self.layer_calls: list[LayerCall] = []
        self.models: list[ModelValue] = []
        self.objects: list[ObjectValue] = []

    def layer_constructed(self, layer: LayerInstance, function: FunctionValue | None) -> None:
        self.layers.append(layer)

    def layer_called(self, call: LayerCall) -> None:
        self.layer_calls.append(call)

    def model_built(self, model: ModelValue) -> None:
        self.models.append(model)

    def object_created(self, obj: ObjectValue) -> None:
        self.objects.append(obj)
