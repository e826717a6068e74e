"""Abstract values the interpreter computes with.

Known Python constants (int, float, str, bool, None) and tuples of values are plain
Python objects; everything else is one of the classes below. :data:`UNKNOWN` stands
for any value the analysis could not compute, and it is never reported as an error.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from shapelint.shapes import Shape, Sym, format_shape, join


class Unknown:
    """A value the analysis does not know; ``label`` names it when it has a name."""

    __slots__ = ("label",)

    def __init__(self, label: Optional[str] = None):
        self.label = label

    def __repr__(self) -> str:
        return f"Unknown({self.label})" if self.label else "UNKNOWN"


UNKNOWN = Unknown()


def is_known(v: Any) -> bool:
    """Fully known plain value (nested tuples/lists included)."""
    if isinstance(v, Unknown):
        return False
    if isinstance(v, tuple):
        return all(is_known(x) for x in v)
    if isinstance(v, ListValue):
        return v.items is not None and all(is_known(x) for x in v.items)
    return True


@dataclass(eq=False)
class Symbol:
    """A dotted path reached through imports, e.g. ``tensorflow.keras.layers.Dense``."""

    path: str


Locate = Callable[[Any], tuple[tuple[int, int], tuple[int, int]]]


def _nowhere(node: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    return (1, 0), (1, 0)


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
    serial: int = 0          # creation order: producers sort topologically by it
    name: Optional[str] = None   # a name given in the code (`Input(name="image")`)

    @property
    def row(self) -> int:
        return self.locate(self.node)[0][0]

    @property
    def column(self) -> int:
        """0-based, as libcst counts."""
        return self.locate(self.node)[0][1]


@dataclass(eq=False)
class Tensor:
    shape: Shape
    producer: Optional[Producer] = None

    def __repr__(self) -> str:
        return f"Tensor{format_shape(self.shape)}"


@dataclass(eq=False)
class ListValue:
    """A Python list; ``items is None`` when its contents are no longer known."""

    items: Optional[list]


@dataclass(eq=False)
class DictValue:
    items: Optional[dict]


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


@dataclass(eq=False)
class ModelValue:
    """A functional or Sequential model, callable as a layer."""

    kind: str                       # "functional" | "sequential"
    inputs: list = field(default_factory=list)   # Tensors (functional)
    outputs: Any = None                         # Tensor or list/tuple of Tensors
    layers: Optional[list] = None                # Sequential layers (None: unknown)
    input_shape: Optional[Shape] = None          # Sequential built input
    output: Any = None                           # Sequential current output Tensor
    layer_outputs: list = field(default_factory=list)  # Sequential: output after each layer
    name: Optional[str] = None
    attrs: dict = field(default_factory=dict)
    var_name: Optional[str] = None               # the module-level name it is bound to
    node: Any = None


@dataclass(eq=False)
class FunctionValue:
    node: Any
    scope: Any
    name: str
    qualname: str


@dataclass(eq=False)
class ClassValue:
    node: Any
    name: str
    bases: list
    namespace: dict
    keras_kind: Optional[str] = None   # "layer" | "model" when it subclasses Keras


@dataclass(eq=False)
class ObjectValue:
    cls: ClassValue
    attrs: dict = field(default_factory=dict)
    built: bool = False
    var_name: Optional[str] = None
    node: Any = None
    name: Optional[str] = None     # `name=` given to a custom layer's constructor


@dataclass(eq=False)
class BoundMethod:
    func: Any
    self_obj: Any


@dataclass(eq=False)
class Builtin:
    name: str


@dataclass(eq=False)
class MethodOf:
    """A method looked up on a value we model natively (list.append, Sequential.add...)."""

    target: Any
    name: str


def join_values(a: Any, b: Any) -> Any:
    """What a name holds after two branches: exact when they agree, else as known as can be."""
    if a is b:
        return a
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return Tensor(join(a.shape, b.shape), a.producer if a.producer is b.producer else None)
    if type(a) is type(b) and isinstance(a, (int, float, str, bool)) and a == b:
        return a
    if a is None and b is None:
        return None
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        return tuple(join_values(x, y) for x, y in zip(a, b))
    if isinstance(a, Unknown) and isinstance(b, Unknown) and a.label == b.label:
        return a
    return UNKNOWN


def dim_of(v: Any):
    """A value used as a dimension: int, None, or a named symbol for a labelled unknown."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, Unknown) and v.label:
        return Sym(v.label)
    return None
