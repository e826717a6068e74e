"""Keras values as the analysis models them: symbolic tensors, layers, models, and the
record of one layer call. Their behaviour is their kind (:mod:`shapelint.keras.kinds`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shapelint.interp.provenance import Producer
from shapelint.shapes import Shape, format_shape

__all__ = ["LayerCall", "LayerInstance", "ModelValue", "Producer", "Tensor"]

@dataclass(eq=False)
class Tensor:
    shape: Shape
    producer: Producer | None = None

    def __repr__(self) -> str:
        return f"Tensor{format_shape(self.shape)}"


@dataclass(eq=False)
class LayerCall:
    """One call of a layer on tensors: the event later analyses (sharing, summary) read."""

    layer: Any
    node: Any
    inputs: tuple          # input Tensors
    input_shapes: Any      # Shape or list of Shapes, as given to the shape function
    output: Any            # Tensor, ListValue of Tensors, or UNKNOWN
    context: tuple = ()    # the interpreter's context stack at the call
    call_args: dict = field(default_factory=dict)   # other call arguments (shapes for tensors)


@dataclass(eq=False)
class LayerInstance:
    """A layer object: its spec, its arguments, and the input dims its weights fixed."""

    spec: Any
    config: Any
    built_for: dict | None = None          # axis -> dim fixed by the first call
    built_at: tuple[Any, Shape] | None = None   # (call node, input shape) of the first call
    calls: list = field(default_factory=list)      # LayerCall records, in order
    context: tuple = ()   # where it was constructed: the interpreter's context stack
    name: str | None = None
    attrs: dict = field(default_factory=dict)
    node: Any = None                            # the constructor call
    declared_input: Shape | None = None      # input_shape=/batch_input_shape=/input_dim=


@dataclass(eq=False)
class ModelValue:
    """A functional or Sequential model, callable as a layer."""

    kind: str                       # "functional" | "sequential"
    inputs: list | None = field(default_factory=list)   # Tensors (functional)
    outputs: Any = None                         # Tensor or list/tuple of Tensors
    layers: list | None = None                # Sequential layers (None: unknown)
    input_shape: Shape | None = None          # Sequential built input
    output: Any = None                           # Sequential current output Tensor
    layer_outputs: list = field(default_factory=list)  # Sequential: output after each layer
    name: str | None = None
    attrs: dict = field(default_factory=dict)
    var_name: str | None = None               # the module-level name it is bound to
    node: Any = None
    called: bool = False                         # used as a layer of another model
    loss: Any = None                             # compile(loss=...): Loss, or a list/dict of them
    data: list = field(default_factory=list)     # what fit/evaluate/predict gave it, as text
    input_names: list | None = None           # Model({"image": a, ...}, ...): the dict's keys
    context: tuple = ()                          # the interpreter's context stack where it was built
    output_names: list | None = None


@dataclass(frozen=True)
class LossValue:
    """An instance of a Keras loss class (``keras.losses.CategoricalCrossentropy(...)``)."""

    loss: Any          # shapelint.losses.table.Loss
