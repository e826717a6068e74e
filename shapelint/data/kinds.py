"""The data value kind: what arrays, datasets and data objects answer to the evaluator."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shapelint.arrays.spec import ArrayType, DatasetType, ObjectType
from shapelint.arrays.table import array_function, array_method
from shapelint.arrays.transforms import OPERATORS
from shapelint.data import calls
from shapelint.data.values import DataValue
from shapelint.interp.kinds import NOT_HANDLED, Kind, register
from shapelint.interp.values import UNKNOWN, MethodOf
from shapelint.shapes import join

if TYPE_CHECKING:
    from shapelint.interp.host import Host

_UNARY = {"-": "numpy.negative", "+": "numpy.positive", "~": "numpy.invert"}


class DataKind(Kind[DataValue]):
    # A condition that reads data may refine its shape in a way the analysis cannot see.
    symbolic = True

    def attr(self, host: Host, value: DataValue, name: str, node: Any = None) -> Any:
        if calls.method(value, name) is not None:
            return MethodOf(value, name)
        return calls.attribute(host, value, name, node)

    def call_method(self, host: Host, value: DataValue, name: str, args: list[Any], kwargs: dict[str, Any],
                    node: Any) -> Any:
        return calls.call_method(host, value, name, args, kwargs, node)

    def binop(self, host: Host, op: str, left: Any, right: Any, node: Any) -> Any:
        name = OPERATORS.get(op)
        spec = array_function(f"numpy.{name}") if name else None
        if spec is None:
            return NOT_HANDLED
        return calls.run(host, spec, f"`{op}`", [left, right], {}, node)

    def compare(self, host: Host, op: str, left: Any, right: Any, node: Any) -> Any:
        return self.binop(host, op, left, right, node)

    def unary(self, host: Host, op: str, value: DataValue, node: Any) -> Any:
        spec = array_function(_UNARY[op]) if op in _UNARY else None
        return UNKNOWN if spec is None else calls.run(host, spec, f"`{op}`", [value], {}, node)

    def subscript(self, host: Host, value: DataValue, key: Any, node: Any) -> Any:
        return calls.call_method(host, value, "__getitem__", [key], {}, node)

    def length(self, value: DataValue) -> Any:
        spec = array_method("ndarray.__len__") if isinstance(value.type, ArrayType) else None
        if spec is None:
            return UNKNOWN
        dims = value.type.shape.dims
        return dims[0] if dims and isinstance(dims[0], int) else UNKNOWN

    def truth(self, value: DataValue) -> bool | None:
        return None

    def join(self, a: DataValue, b: DataValue) -> Any:
        ta, tb = a.type, b.type
        made_by = a.producer if a.producer is b.producer else None
        if isinstance(ta, ArrayType) and isinstance(tb, ArrayType):
            return DataValue(ArrayType(join(ta.shape, tb.shape), ta.dtype if ta.dtype == tb.dtype else None),
                             made_by)
        if type(ta) is type(tb) and ta == tb:
            return DataValue(ta, made_by)
        return DataValue(ArrayType(join(ta.shape, tb.shape)) if isinstance(ta, ArrayType) else
                         (DatasetType(None) if isinstance(ta, DatasetType) else ObjectType("unknown")),
                         None) if type(ta) is type(tb) else UNKNOWN


register(DataValue, DataKind())
