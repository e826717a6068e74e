"""What a layer is to the analysis: its signature, its shape function, its checks, its weights.

Shape functions receive the layer's constructor arguments as
:class:`~shapelint.arguments.Arguments` (evaluated as far as the interpreter knew them) and
input shapes. They either return output shape(s), raise :class:`Unknowable` when something
they need is not known (the output becomes unknown, silently), or raise
:class:`~shapelint.violations.Rejected` with the typed violation Keras would definitely raise.

Count functions, defined next to the shape functions, give the weights a layer builds for an
input: ``(arguments, input shape(s), call arguments) -> (trainable, non_trainable)``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from shapelint.arguments import Arguments, Unknowable
from shapelint.interp.values import is_fully_known
from shapelint.shapes import Dim, Shape

__all__ = ["Arguments", "Check", "CountFn", "Counts", "InferFn", "LayerSpec", "Output", "ShapeFn",
           "Unknowable", "Weights", "call_flag", "call_shape", "opaque"]


Output = Shape | tuple[Shape, ...]   # one shape, or a tuple of shapes (return_state)
InferFn = Callable[..., Output]
ShapeFn = Callable[[Arguments, Shape], Shape]   # the common InferFn: one input, one output
Check = Callable[[Arguments], None]             # a constructor-time check; raises Rejected
Counts = tuple[int, int]       # (trainable, non-trainable) parameters
# (arguments, input shape or list of shapes, call arguments besides the input) -> Counts
CountFn = Callable[[Arguments, Any, dict[str, Any]], Counts]


class Weights(Enum):
    """What a layer without a count function declares about its weights."""

    NONE = "creates no weights"
    # Wrappers: their weights are those of the layer(s) they hold, counted in accounting.params.
    COPIES = "makes weights of its own from the wrapped layer"   # Bidirectional, SpectralNormalization
    SHARES = "only applies the layer(s) it holds"                # TimeDistributed, Pipeline


@dataclass(frozen=True)
class LayerSpec:
    """One Keras layer class as the analysis knows it."""

    name: str
    params: tuple[str, ...] = ()          # positional order of __init__
    defaults: dict[str, Any] = field(default_factory=dict)
    infer: InferFn | None = None       # None: output shape equals input shape
    takes: str = "one"                    # "one" tensor, or "list" of tensors (merge layers)
    ranks: Sequence[int] | None = None  # accepted input ranks incl. batch; None: any
    min_rank: int = 0
    family: str = "core"                  # used for fix texts (conv, rnn, pool, ...)
    check: Check | None = None            # constructor-time checks
    # The input sizes a layer's weights fix at its first call, by negative axis (Dense: {-1: 64}).
    weight_axes: Callable[[Arguments, Shape], dict[int, Dim] | None] | None = None
    functional: str | None = None      # name of the functional form (concatenate, add, ...)
    # Call arguments besides the input that the shape function reads (attention's value/key,
    # return_attention_scores, ...). When given, ``infer(cfg, x, call)`` also receives a dict
    # of the arguments passed: tensors as their Shape, other values as given.
    call_params: tuple[str, ...] = ()
    input_arg: str = "inputs"             # keyword name of the first call argument
    opaque: bool = False                  # output never known statically (explicit unknown)
    # A count function, or a Weights marker; None (undeclared) counts as unknown, never zero.
    weights: CountFn | Weights | None = None

    @property
    def has_weights(self) -> bool:
        """Whether constructing the layer makes weights (a wrapper only applying another
        layer makes none of its own)."""
        return self.weights is Weights.COPIES or (
            self.weights is not None and not isinstance(self.weights, Weights))


def call_shape(call: dict[str, Any] | None, name: str) -> Shape | None:
    """A tensor call argument's shape; None if not passed; Unknowable if not a known tensor."""
    if not call or name not in call or call[name] is None:
        return None
    v = call[name]
    if not isinstance(v, Shape):
        raise Unknowable(name)
    return v


def call_flag(call: dict[str, Any] | None, name: str, default: bool = False) -> bool:
    """A boolean call argument (return_attention_scores=True, reverse=True)."""
    if not call or name not in call:
        return default
    v = call[name]
    if isinstance(v, Shape) or not is_fully_known(v) or not isinstance(v, (bool, int, type(None))):
        raise Unknowable(name)
    return bool(v)


def opaque(cfg: Arguments, x: Any, call: Any = None) -> Any:
    """Shape function of a layer whose output cannot be known statically."""
    raise Unknowable("opaque")
