"""Keras values as the analysis models them: symbolic tensors, layers, models, and the
record of one layer call. Their behaviour is their kind (:mod:`shapelint.keras.kinds`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from shapelint.shapes import Shape, format_shape

Range = tuple[tuple[int, int], tuple[int, int]]
Locate = Callable[[Any], tuple[Optional[str], Range]]   # node -> (other file or None, range)


def _nowhere(node: Any) -> tuple[Optional[str], Range]:
    return None, ((1, 0), (1, 0))


@dataclass(frozen=True)
class Producer:
    """The layer call that produced a tensor: its node, layer name and input tensors.

    Positions are resolved lazily (``locate``): computing them costs a full pass over the
    file, which only files with findings need to pay.
    """

    node: Any
    layer: str
    inputs: tuple["Tensor", ...] = ()
    layer_obj: Any = None
    locate: Locate = _nowhere
    serial: int = 0              # creation order: producers sort topologically by it
    name: Optional[str] = None   # a name given in the code (`Input(name="image")`)

    @property
    def row(self) -> int:
        return self.locate(self.node)[1][0][0]

    @property
    def column(self) -> int:
        """0-based, as libcst counts."""
        return self.locate(self.node)[1][0][1]

    @property
    def path(self) -> Optional[str]:
        """The file of the call when it is not the checked file (a project module)."""
        return self.locate(self.node)[0]


@dataclass(eq=False)
class Tensor:
    shape: Shape
    producer: Optional[Producer] = None

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
    built_for: Optional[dict] = None          # axis -> dim fixed by the first call
    built_at: Optional[tuple[Any, Shape]] = None   # (call node, input shape) of the first call
    calls: list = field(default_factory=list)      # LayerCall records, in order
    context: tuple = ()   # where it was constructed: the interpreter's context stack
    name: Optional[str] = None
    attrs: dict = field(default_factory=dict)
    node: Any = None                            # the constructor call
    declared_input: Optional[Shape] = None      # input_shape=/batch_input_shape=/input_dim=


@dataclass(eq=False)
class ModelValue:
    """A functional or Sequential model, callable as a layer."""

    kind: str                       # "functional" | "sequential"
    inputs: Optional[list] = field(default_factory=list)   # Tensors (functional)
    outputs: Any = None                         # Tensor or list/tuple of Tensors
    layers: Optional[list] = None                # Sequential layers (None: unknown)
    input_shape: Optional[Shape] = None          # Sequential built input
    output: Any = None                           # Sequential current output Tensor
    layer_outputs: list = field(default_factory=list)  # Sequential: output after each layer
    name: Optional[str] = None
    attrs: dict = field(default_factory=dict)
    var_name: Optional[str] = None               # the module-level name it is bound to
    node: Any = None
    called: bool = False                         # used as a layer of another model
