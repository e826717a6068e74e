"""Keras values as the analysis models them: symbolic tensors, layers, models, and the
record of one layer call. Their behaviour is their kind (:mod:`shapelint.keras.kinds`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shapelint.arguments import Arguments
from shapelint.interp.events import Context
from shapelint.interp.provenance import Producer
from shapelint.interp.values import Value
from shapelint.layers.spec import LayerSpec
from shapelint.losses.table import Loss
from shapelint.shapes import Dim, Shape, format_shape

__all__ = ["CompiledLoss", "LayerCall", "LayerInstance", "LossValue", "ModelValue", "Producer", "Tensor"]

# compile(loss=...): one loss for every output, one per output (by position or by name), or
# None when unknown (an entry is None when that output's loss is unknown).
CompiledLoss = Loss | list[Loss | None] | dict[Value, Loss | None] | None


@dataclass(eq=False)
class Tensor:
    shape: Shape
    producer: Producer | None = None

    def __repr__(self) -> str:
        return f"Tensor{format_shape(self.shape)}"


@dataclass(eq=False)
class LayerCall:
    """One call of a layer on tensors: the event later analyses (sharing, summary) read."""

    layer: LayerInstance
    node: Any
    inputs: tuple[Tensor, ...]
    input_shapes: Shape | list[Shape]   # as given to the shape function
    output: Value                       # Tensor, ListValue of Tensors, or UNKNOWN
    context: Context = ()               # the interpreter's context stack at the call
    call_args: dict[str, Value] = field(default_factory=dict)   # other arguments (shapes for tensors)


@dataclass(eq=False)
class LayerInstance:
    """A layer object: its spec, its arguments, and the input dims its weights fixed."""

    spec: LayerSpec
    config: Arguments
    built_for: dict[int, Dim] | None = None      # axis -> dim fixed by the first call
    built_at: tuple[Any, Shape] | None = None    # (call node, input shape) of the first call
    calls: list[LayerCall] = field(default_factory=list)   # in order
    context: Context = ()                        # where it was constructed
    name: str | None = None
    attrs: dict[str, Value] = field(default_factory=dict)
    node: Any = None                             # the constructor call
    declared_input: Shape | None = None          # input_shape=/batch_input_shape=/input_dim=


@dataclass(eq=False)
class ModelValue:
    """A functional or Sequential model, callable as a layer."""

    kind: str                                    # "functional" | "sequential"
    inputs: list[Value] | None = field(default_factory=list)   # Tensors (functional)
    outputs: Value = None                        # Tensor or list/tuple of Tensors
    layers: list[Value] | None = None            # Sequential layers (None: unknown)
    input_shape: Shape | None = None             # Sequential built input
    output: Value = None                         # Sequential current output Tensor
    layer_outputs: list[Value] = field(default_factory=list)  # Sequential: output after each layer
    name: str | None = None
    attrs: dict[str, Value] = field(default_factory=dict)
    var_name: str | None = None                  # the module-level name it is bound to
    node: Any = None
    called: bool = False                         # used as a layer of another model
    loss: CompiledLoss = None
    data: list[str] = field(default_factory=list)    # what fit/evaluate/predict gave it, as text
    input_names: list[str] | None = None         # Model({"image": a, ...}, ...): the dict's keys
    context: Context = ()                        # the interpreter's context stack where it was built
    output_names: list[str] | None = None


@dataclass(frozen=True)
class LossValue:
    """An instance of a Keras loss class (``keras.losses.CategoricalCrossentropy(...)``)."""

    loss: Loss
