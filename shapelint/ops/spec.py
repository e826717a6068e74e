"""What an op is to the analysis: its signature and its shape function.

An op (``keras.ops.concatenate``, ``tf.reduce_sum``, ``K.expand_dims``...) is a function
of tensors and Python arguments. Its shape function receives the bound arguments as
:class:`Args` and returns the output: a :class:`~shapelint.shapes.Shape` (one tensor),
:class:`Tensors` (a list of tensors: split, unstack) or :class:`Value` (a plain Python
value: ``keras.ops.shape``). It raises :class:`Unknowable` when it cannot know the result
(the result is then unknown, silently) and :class:`~shapelint.violations.Rejected` only when the real op
definitely raises for every tensor the abstract shapes stand for.

An input dimension of ``None`` means *unknown to the analysis*: the real tensor may have
any size there. Shape functions must therefore give a result that holds whatever that
size is; when the backend's own rules would treat ``None`` in a way that some concrete
size contradicts, they answer unknown instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from shapelint.interp.values import UNKNOWN, ListValue, Unknown, dim_of
from shapelint.layers.spec import Unknowable
from shapelint.shapes import Dim, Shape, Sym

__all__ = ["Args", "OpSpec", "Tensors", "Unknowable", "Value", "display_name"]


@dataclass(frozen=True)
class Tensors:
    """Several output tensors (``split``, ``unstack``)."""

    shapes: tuple[Shape, ...]


@dataclass(frozen=True)
class Value:
    """A plain Python result (``keras.ops.shape(x)`` is a tuple of ints)."""

    value: Any


InferFn = Callable[["Args"], Any]


@dataclass(frozen=True)
class OpSpec:
    """One op as the analysis knows it; ``name`` is its canonical dotted name."""

    name: str
    params: tuple[str, ...]                 # positional order
    infer: InferFn
    defaults: dict[str, Any] = field(default_factory=dict)
    tensors: tuple[str, ...] = ("x",)       # parameters holding the input tensor(s)
    varargs: Optional[str] = None           # name that collects extra positionals (einsum)
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


def is_int(v: Any) -> bool:
    """A Python int that is not a bool (``True`` is an int to Python, not a size)."""
    return isinstance(v, int) and not isinstance(v, bool)


def shape_value(v: Any) -> Optional[Shape]:
    """The shape of a value that has one: a tensor, an array, or a bare :class:`Shape`
    (how tables are tested without the interpreter); None for anything else."""
    if isinstance(v, Shape):
        return v
    shape = getattr(v, "shape", None)
    return shape if isinstance(shape, Shape) else None


def _items(v: Any) -> Optional[list]:
    """The items of a tuple or known list value; None otherwise."""
    if isinstance(v, tuple):
        return list(v)
    if isinstance(v, (list, ListValue)):
        items = v if isinstance(v, list) else v.items
        return None if items is None else list(items)
    return None


class Args:
    """An op's bound arguments; typed accessors raise :class:`Unknowable`."""

    def __init__(self, values: dict[str, Any], defaults: dict[str, Any], op: str = ""):
        self._values = values
        self._defaults = defaults
        self.op = op

    def raw(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        return self._defaults.get(name)

    def given(self, name: str) -> bool:
        return name in self._values and self._values[name] is not None

    # --- tensors -----------------------------------------------------------------------
    @staticmethod
    def shape_of(v: Any) -> Shape:
        """A tensor argument's shape: a Python number is a scalar; anything else that is
        not a tensor (NumPy arrays, lists, unknowns) has a shape the analysis does not know."""
        shape = shape_value(v)
        if shape is not None:
            return shape
        if isinstance(v, (int, float)) and not isinstance(v, Unknown):
            return Shape(())
        raise Unknowable("not a tensor")

    def tensor(self, name: str) -> Shape:
        return self.shape_of(self.raw(name))

    def tensor_list(self, name: str) -> list[Shape]:
        """A list of tensors (concat, stack): every item must be a tensor."""
        v = self.raw(name)
        if shape_value(v) is not None:
            raise Unknowable(name)     # a tensor is unpacked along axis 0: not modeled
        items = _items(v)
        if items is None or not items:
            raise Unknowable(name)
        return [self.shape_of(x) for x in items]

    # --- Python arguments ----------------------------------------------------------------
    def int(self, name: str) -> int:
        v = self.raw(name)
        if not is_int(v):
            raise Unknowable(name)
        return v

    def opt_int(self, name: str) -> Optional[int]:
        v = self.raw(name)
        if v is None:
            return None
        if not is_int(v):
            raise Unknowable(name)
        return v

    def bool(self, name: str) -> bool:
        v = self.raw(name)
        if v is None:
            return False
        if not isinstance(v, (bool, int)) or isinstance(v, Unknown):
            raise Unknowable(name)
        return bool(v)

    def str(self, name: str) -> str:
        v = self.raw(name)
        if not isinstance(v, str):
            raise Unknowable(name)
        return v

    def axes(self, name: str) -> Optional[tuple[int, ...]]:
        """``None``, an int, or a tuple/list of ints, as a tuple (None stays None)."""
        v = self.raw(name)
        if v is None:
            return None
        if is_int(v):
            return (v,)
        items = _items(v)
        if items is None or not all(is_int(a) for a in items):
            raise Unknowable(name)
        return tuple(items)

    def int_list(self, name: str) -> tuple[int, ...]:
        """A tuple/list of known ints (a single int is a 1-tuple)."""
        v = self.raw(name)
        if is_int(v):
            return (v,)
        items = _items(v)
        if items is None or not all(is_int(a) for a in items):
            raise Unknowable(name)
        return tuple(items)

    def dims(self, name: str, allow_none: bool = True) -> tuple:
        """A shape-like argument (reshape target, broadcast shape): a tuple whose entries
        are ints, or ``None`` where the entry is not known statically (a dynamic value such
        as ``tf.shape(x)[0]``, or Python ``None`` when ``allow_none``), or a :class:`Sym`
        for a named unknown. A 1-D tensor of known length gives that many unknowns."""
        v = self.raw(name)
        shape = shape_value(v)
        if shape is not None:
            if shape.dims is not None and len(shape.dims) == 1 and is_int(shape.dims[0]):
                return (None,) * shape.dims[0]
            raise Unknowable(name)
        if is_int(v):
            return (v,)
        items = _items(v)
        if items is None:
            raise Unknowable(name)
        out: list = []
        for item in items:
            if is_int(item):
                out.append(item)
            elif item is None:
                if not allow_none:
                    raise Unknowable(name)
                out.append(None)
            elif shape_value(item) is not None:
                dims = shape_value(item).dims  # type: ignore[union-attr]
                if dims is not None and len(dims) > 0:
                    raise Unknowable(name)      # not a scalar
                out.append(None)
            elif isinstance(item, Unknown):
                d = dim_of(item)
                out.append(d if isinstance(d, Sym) else None)
            else:
                raise Unknowable(name)
        return tuple(out)


def scalar_python(d: Dim) -> Any:
    """A dimension as the Python value ``x.shape[i]`` gives: the int, or unknown."""
    if isinstance(d, bool):
        return UNKNOWN
    if isinstance(d, int):
        return d
    if isinstance(d, Sym):
        return Unknown(d.name)
    return UNKNOWN
