"""The value a numpy array, a dataset or a data object is to the interpreter: what the
array table says of it, and the call that produced it (for traces)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shapelint.arrays.spec import ArrayType, DatasetType, ObjectType, unknown_array
from shapelint.interp.provenance import Producer
from shapelint.interp.values import ListValue
from shapelint.shapes import Shape, format_shape


@dataclass(eq=False)
class DataValue:
    """An array (:class:`ArrayType`: shape and dtype class), a dataset (:class:`DatasetType`)
    or a data object (:class:`ObjectType`), and where it came from."""

    # Any, not the union of the three: keras.training also wraps a dataset element's parts
    # (tuples and dicts of ArrayType) as data values.
    type: Any
    producer: Producer | None = None

    @property
    def array(self) -> ArrayType | None:
        return self.type if isinstance(self.type, ArrayType) else None

    @property
    def shape(self) -> Shape | None:
        """An array's shape (tables read any value with a ``.shape`` as shaped)."""
        return self.type.shape if isinstance(self.type, ArrayType) else None

    @property
    def dtype(self) -> str | None:
        return self.type.dtype if isinstance(self.type, ArrayType) else None

    def __repr__(self) -> str:
        if isinstance(self.type, ArrayType):
            return f"Array{format_shape(self.type.shape)}[{self.type.dtype}]"
        return f"Data({self.type!r})"


class ShapeTuple(tuple[Any, ...]):
    """``X.shape``: a tuple of sizes that remembers the array it is the shape of, so that
    ``Input(shape=X_train.shape)`` (the sample axis included) can be recognised. Slicing or
    any other operation gives a plain tuple."""

    array: DataValue
    expression: str

    def __new__(cls, items: Iterable[Any], array: DataValue, expression: str) -> ShapeTuple:
        out = super().__new__(cls, items)
        out.array = array
        out.expression = expression
        return out


def unwrap(value: Any) -> Any:
    """What the tables take: the type of a data value, inside tuples and lists too."""
    if isinstance(value, DataValue):
        return value.type
    if isinstance(value, tuple) and not isinstance(value, ShapeTuple):
        return tuple(unwrap(v) for v in value)
    if isinstance(value, ListValue) and value.items is not None:
        return ListValue([unwrap(v) for v in value.items])
    return value


def is_data_type(t: Any) -> bool:
    return isinstance(t, (ArrayType, DatasetType, ObjectType))


__all__ = ["ArrayType", "DataValue", "DatasetType", "ObjectType", "ShapeTuple", "is_data_type",
           "unknown_array", "unwrap"]
