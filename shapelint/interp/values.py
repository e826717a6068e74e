"""The Python-level abstract values the interpreter computes with.

Known Python constants (int, float, str, bool, None) and tuples of values are plain
Python objects; everything else is one of the classes below, or a value kind a library
adds (Keras tensors, layers and models live in :mod:`shapelint.keras.values`).
:data:`UNKNOWN` stands for any value the analysis could not compute, and it is never
reported as an error.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from shapelint.shapes import Dim, Sym


class Unknown:
    """A value the analysis does not know; ``label`` names it when it has a name."""

    __slots__ = ("label",)

    def __init__(self, label: Optional[str] = None):
        self.label = label

    def __repr__(self) -> str:
        return f"Unknown({self.label})" if self.label else "UNKNOWN"


UNKNOWN = Unknown()


class UnknownOfKnownTruth(Unknown):
    """An unknown value whose truth is known: ``rate == 0.0 or not training`` with an
    unknown rate and ``training=None`` is one of two values, both truthy."""

    __slots__ = ("truth",)

    def __init__(self, truth: bool):
        super().__init__()
        self.truth = truth


def is_fully_known(v: Any) -> bool:
    """A plain value known all the way down (nested tuples/lists included)."""
    if isinstance(v, Unknown):
        return False
    if isinstance(v, tuple):
        return all(is_fully_known(x) for x in v)
    if isinstance(v, ListValue):
        return v.items is not None and all(is_fully_known(x) for x in v.items)
    return True


def is_plain(v: Any) -> bool:
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

    items: Optional[list]


@dataclass(eq=False)
class DictValue:
    items: Optional[dict]


@dataclass(eq=False)
class FunctionValue:
    node: Any
    scope: Any
    name: str
    qualname: str
    defaults: dict = field(default_factory=dict)
    decorator: Optional[str] = None       # "staticmethod" | "classmethod" | "property"


@dataclass(eq=False)
class ClassValue:
    node: Any
    name: str
    bases: list
    namespace: dict
    keras_kind: Optional[str] = None   # "layer" | "model" when it subclasses Keras
    defined_in: Any = None             # the scope of the class statement


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
    """A method looked up on a value whose kind models it (list.append, Sequential.add...)."""

    target: Any
    name: str


@dataclass(frozen=True, eq=False)
class Alternatives:
    """One of a few callables, after branches that chose between them (see
    :mod:`shapelint.interp.alternatives`)."""

    options: tuple[Any, ...]


def join_plain(a: Any, b: Any) -> Any:
    """What a name holds after two branches, for values no kind claims: exact when they
    agree, else unknown. (:func:`shapelint.interp.kinds.join_values` is the entry point.)"""
    if type(a) is type(b) and isinstance(a, (int, float, str, bool)) and a == b:
        return a
    if a is None and b is None:
        return None
    if isinstance(a, Unknown) and isinstance(b, Unknown) and a.label == b.label:
        same_truth = getattr(a, "truth", None) == getattr(b, "truth", None)
        return a if same_truth else UNKNOWN
    return UNKNOWN


def dim_of(v: Any) -> Dim:
    """A value used as a dimension: int, None, or a named symbol for a labelled unknown."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, Unknown) and v.label:
        return Sym(v.label)
    return None
