"""The Python-level abstract values the interpreter computes with.

Known Python constants (int, float, str, bool, None) and tuples of values are plain
Python objects; everything else is one of the classes below, or a value kind a library
adds (Keras tensors, layers and models live in :mod:`shapelint.keras.values`).
:data:`UNKNOWN` stands for any value the analysis could not compute, and it is never
reported as an error.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from shapelint.shapes import UNWORKED, Dim, Sym

if TYPE_CHECKING:
    import libcst as cst

    from shapelint.interp.flow import Scope

# An abstract value: a plain Python constant, a tuple of values, an Unknown, or an instance
# of a class with a registered kind (:mod:`shapelint.interp.kinds`). The domain is open (a
# library adds kinds), so it is Any to the type checker; the name says what is meant.
Value: TypeAlias = Any


class Unknown:
    """A value the analysis does not know; ``label`` names it when it has a name."""

    __slots__ = ("label",)

    def __init__(self, label: str | None = None) -> None:
        self.label = label

    def __repr__(self) -> str:
        return f"Unknown({self.label})" if self.label else "UNKNOWN"


UNKNOWN = Unknown()


class DynamicSize(Unknown):
    """The size of a dynamic axis read from a tensor (``ops.shape(x)[0]`` for the batch):
    used as a dimension it stays dynamic (None), not a size Keras would know."""

    __slots__ = ()


class UnknownOfKnownTruth(Unknown):
    """An unknown value whose truth is known: ``rate == 0.0 or not training`` with an
    unknown rate and ``training=None`` is one of two values, both truthy."""

    __slots__ = ("truth",)

    def __init__(self, truth: bool) -> None:
        super().__init__()
        self.truth = truth


def is_fully_known(v: Value) -> bool:
    """A plain value known all the way down (nested tuples/lists included)."""
    if isinstance(v, Unknown):
        return False
    if isinstance(v, tuple):
        return all(is_fully_known(x) for x in v)
    if isinstance(v, ListValue):
        return v.items is not None and all(is_fully_known(x) for x in v.items)
    return True


def is_plain(v: Value) -> bool:
    """A known Python scalar or a tuple of them: safe to compute with."""
    if isinstance(v, (int, float, str, bool, type(None))):
        return True
    if isinstance(v, tuple):
        return all(is_plain(x) for x in v)
    return False


@dataclass(eq=False)
class Symbol:
    """A dotted path reached through imports, e.g. ``tensorflow.keras.layers.Dense``."""

    path: str


@dataclass(eq=False)
class ListValue:
    """A Python list; ``items is None`` when its contents are no longer known."""

    items: list[Value] | None


def sequence_items(value: Value) -> list[Value] | None:
    """The items of a tuple, or of a list whose contents are known; None for anything else."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, ListValue) and value.items is not None:
        return list(value.items)
    return None


@dataclass(eq=False)
class DictValue:
    """A Python dict (keys are plain values); ``items is None`` when its contents are no
    longer known."""

    items: dict[Value, Value] | None


@dataclass(eq=False)
class FunctionValue:
    node: cst.FunctionDef | cst.Lambda
    scope: Scope                       # where it was defined (its closure)
    name: str
    qualname: str
    defaults: dict[str, Value] = field(default_factory=dict)
    decorator: str | None = None       # "staticmethod" | "classmethod" | "property"


@dataclass(eq=False)
class ClassValue:
    node: cst.ClassDef
    name: str
    bases: list[Value]
    namespace: dict[str, Value]
    keras_kind: str | None = None      # "layer" | "model" when it subclasses Keras
    defined_in: Scope | None = None    # the scope of the class statement


@dataclass(eq=False)
class ObjectValue:
    cls: ClassValue
    attrs: dict[str, Value] = field(default_factory=dict)
    built: bool = False
    var_name: str | None = None
    node: Any = None               # the call that made it
    name: str | None = None        # `name=` given to a custom layer's constructor


@dataclass(eq=False)
class BoundMethod:
    func: FunctionValue
    self_obj: ObjectValue


@dataclass(eq=False)
class Builtin:
    name: str


@dataclass(eq=False)
class MethodOf:
    """A method looked up on a value whose kind models it (list.append, Sequential.add...)."""

    target: Value
    name: str


@dataclass(frozen=True, eq=False)
class Alternatives:
    """One of a few callables, after branches that chose between them (see
    :mod:`shapelint.interp.alternatives`)."""

    options: tuple[Value, ...]


def join_plain(a: Value, b: Value) -> Value:
    """What a name holds after two branches, for values no kind claims: exact when they
    agree, else unknown. (:func:`shapelint.interp.kinds.join_values` is the entry point.)"""
    if type(a) is type(b) and isinstance(a, (int, float, str, bool)) and a == b:
        return a
    if a is None and b is None:
        return None
    if isinstance(a, Unknown) and isinstance(b, Unknown) and a.label == b.label:
        same = type(a) is type(b) and getattr(a, "truth", None) == getattr(b, "truth", None)
        return a if same else UNKNOWN
    return UNKNOWN


def dim_of(v: Value) -> Dim:
    """A value used as a dimension: int, None (dynamic), a named symbol for a labelled unknown,
    or UNWORKED for any other unknown (Keras will know that size)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, DynamicSize):
        return None
    if isinstance(v, Unknown):
        return Sym(v.label) if v.label else UNWORKED
    return None
