"""What an array is to the analysis: a shape and a dtype class.

NumPy arrays, pandas values, ``tf.constant`` results and dataset elements are all an
:class:`ArrayType`: a :class:`~shapelint.shapes.Shape` (int, ``None`` or symbol sizes; the
first axis is the sample axis, a size like any other) and the class of its dtype, which is
what decides whether Keras accepts it as labels: ``"int"``, ``"float"``, ``"bool"``,
``"str"`` (strings and objects), or ``None`` when unknown. It has ``.shape``, so the op
table's argument reader takes it like a tensor, and functions here reuse the op table's
shape functions wherever NumPy agrees with ``keras.ops``.

A function's spec is an :class:`~shapelint.ops.spec.OpSpec` (one mechanism for binding and
evaluating calls): its ``infer`` returns an ArrayType, a tuple of results
(``train_test_split``), a :class:`~shapelint.ops.spec.Value` (``x.ndim``), raises
:class:`Unknowable` (unknown result, silent) or :class:`Rejected` (a violation) when
NumPy raises for every size the shapes stand for.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shapelint.ops.spec import Args, OpSpec, Unknowable, Value, is_int
from shapelint.shapes import Shape
from shapelint.violations.base import Rejected

DTYPE_CLASSES = ("int", "float", "bool", "str")

# NumPy dtype names (and Python types) by class; anything else is unknown.
_DTYPES: dict[str, str] = {
    **{n: "int" for n in ("int", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                          "uint64", "intp", "uint", "long", "longlong", "short", "byte",
                          "ubyte", "ushort", "uintc", "intc", "ulonglong")},
    **{n: "float" for n in ("float", "float16", "float32", "float64", "double", "single",
                            "half", "longdouble", "float_", "bfloat16")},
    **{n: "bool" for n in ("bool", "bool_", "bool8")},
    **{n: "str" for n in ("str", "str_", "object", "object_", "unicode", "bytes", "bytes_",
                          "U", "S", "O", "string")},
}


@dataclass(frozen=True)
class ArrayType:
    """An array value: its shape and dtype class (None: unknown)."""

    shape: Shape
    dtype: str | None = None

    def __repr__(self) -> str:
        return f"ArrayType({self.shape}, {self.dtype})"


@dataclass(frozen=True)
class ObjectType:
    """An object whose methods make arrays: a ``default_rng()`` Generator, a scaler, a
    DataFrame. ``kind`` is the prefix of its methods in the table (``Generator``,
    ``sklearn.preprocessing.StandardScaler``, ``pandas.DataFrame``); ``config`` holds the
    constructor arguments that change shapes, as sorted (name, value) pairs."""

    kind: str
    config: tuple[tuple[str, Any], ...] = ()

    def option(self, name: str, default: Any = None) -> Any:
        return dict(self.config).get(name, default)


@dataclass(frozen=True)
class DatasetType:
    """A ``tf.data.Dataset`` (or a Keras dataset utility's result): the structure of one
    element, an :class:`ArrayType` or a tuple / dict of them (``(features, labels)``);
    ``None`` when unknown."""

    element: Any


ArrayFn = Callable[[Args], ArrayType]     # a function whose result is one array


def unknown_array() -> ArrayType:
    """What a file, a network or an unknown function gives: never a finding."""
    return ArrayType(Shape(None), None)


def dtype_class(v: Any) -> str | None:
    """A dtype argument as a class: ``"float32"``, ``np.int64`` (canonical
    ``numpy.int64``), ``float``, ``"<U5"``; None when not known."""
    if isinstance(v, str):
        name = v.rsplit(".", 1)[-1]
        if name in _DTYPES:
            return _DTYPES[name]
        stripped = name.lstrip("<>=|")
        if stripped[:1] in ("U", "S") and stripped[1:].isdigit():
            return "str"
        for prefix, cls in (("int", "int"), ("uint", "int"), ("float", "float")):
            if stripped.startswith(prefix) and stripped[len(prefix):].isdigit():
                return cls
        return None
    return None


def promote(*classes: str | None) -> str | None:
    """The class of an arithmetic result of these operands (NumPy's promotion, by class)."""
    if any(c is None for c in classes):
        return None
    for c in ("str", "float", "int", "bool"):
        if c in classes:
            return c
    return None


def array_of(a: Args, name: str) -> ArrayType:
    """An array argument (an ArrayType, a tensor-like with a Shape, or a Python number)."""
    v = a.raw(name)
    if isinstance(v, ArrayType):
        return v
    return ArrayType(a.tensor(name), python_dtype(v))


def python_dtype(v: Any) -> str | None:
    if isinstance(v, bool):
        return "bool"
    if is_int(v):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "str"
    dtype = getattr(v, "dtype", None)
    return dtype if dtype in DTYPE_CLASSES else None


__all__ = [
    "DTYPE_CLASSES",
    "Args",
    "ArrayType",
    "DatasetType",
    "ObjectType",
    "OpSpec",
    "Rejected",
    "Unknowable",
    "Value",
    "array_of",
    "dtype_class",
    "promote",
    "python_dtype",
    "unknown_array",
]
