"""What an op is to the analysis: its signature and its shape function.

An op (``keras.ops.concatenate``, ``tf.reduce_sum``, ``K.expand_dims``...) is a function
of tensors and Python arguments. Its shape function receives the bound arguments as
:class:`~shapelint.arguments.Arguments` (the reader the layer table uses too) and returns
the output: a :class:`~shapelint.shapes.Shape` (one tensor), :class:`Tensors` (a list of
tensors: split, unstack) or :class:`Value` (a plain Python value: ``keras.ops.shape``).
It raises :class:`Unknowable` when it cannot know the result (the result is then unknown,
silently) and :class:`~shapelint.violations.Rejected` only when the real op definitely
raises for every tensor the abstract shapes stand for.

An input dimension of ``None`` means *unknown to the analysis*: the real tensor may have
any size there. Shape functions must therefore give a result that holds whatever that
size is; when the backend's own rules would treat ``None`` in a way that some concrete
size contradicts, they answer unknown instead.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shapelint.arguments import Arguments, Unknowable, is_int, shape_value
from shapelint.interp.values import UNKNOWN, DynamicSize, Unknown
from shapelint.shapes import Dim, Shape, Sym

__all__ = ["Args", "Arguments", "InferFn", "OpSpec", "TensorFn", "Tensors", "Unknowable", "Value",
           "display_name", "is_int", "scalar_python", "shape_value"]

# The name shapelint.arrays imports the reader under.
Args = Arguments


@dataclass(frozen=True)
class Tensors:
    """Several output tensors (``split``, ``unstack``)."""

    shapes: tuple[Shape, ...]


@dataclass(frozen=True)
class Value:
    """A plain Python result (``keras.ops.shape(x)`` is a tuple of ints)."""

    value: Any


# An op gives a Shape, Tensors or a Value; the array table (shapelint.arrays) gives its own
# kinds of values through the same spec. Callers tell them apart with isinstance.
InferFn = Callable[[Arguments], object]
TensorFn = Callable[[Arguments], Shape]     # an op whose output is one tensor


@dataclass(frozen=True)
class OpSpec:
    """One op as the analysis knows it; ``name`` is its canonical dotted name."""

    name: str
    params: tuple[str, ...]                 # positional order
    infer: InferFn
    defaults: dict[str, Any] = field(default_factory=dict)
    tensors: tuple[str, ...] = ("x",)       # parameters holding the input tensor(s)
    varargs: str | None = None           # name that collects extra positionals (einsum)
    returns: str = "tensor"                 # "tensor", "tensors" (a list) or "value" (Python)

    @property
    def display(self) -> str:
        return display_name(self.name)


def display_name(name: str) -> str:
    """How users spell an op: ``tf.concat``, ``K.sum``, ``keras.ops.stack``."""
    if name.startswith("tensorflow."):
        return "tf." + name[len("tensorflow."):]
    if name.startswith("keras.backend."):
        return "K." + name[len("keras.backend."):]
    return name


def scalar_python(d: Dim) -> Any:
    """A dimension as the Python value ``x.shape[i]`` gives: the int, or unknown."""
    if isinstance(d, bool):
        return UNKNOWN
    if isinstance(d, int):
        return d
    if isinstance(d, Sym):
        return Unknown(d.name)
    return DynamicSize() if d is None else UNKNOWN
