"""Calling the array table from the interpreter: functions (``np.zeros``), methods
(``x.reshape``), attributes (``x.shape``), operators and indexing on data values.

Arguments are unwrapped to the table's types; results are wrapped into
:class:`~shapelint.data.values.DataValue` with the call as their producer. What the table
cannot tell is an array of unknown shape (never a finding); a call numpy certainly rejects is
reported with the violation the table raised.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from shapelint.arrays.spec import unknown_array
from shapelint.arrays.table import array_attribute, array_function, array_method, receiver_kind
from shapelint.data.values import DataValue, ShapeTuple, is_data_type, unwrap
from shapelint.interp.provenance import Producer
from shapelint.interp.values import UNKNOWN, ListValue
from shapelint.ops.spec import OpSpec, Value
from shapelint.ops.table import evaluate
from shapelint.violations.base import Site

if TYPE_CHECKING:
    from shapelint.interp.host import Host

# How users spell the libraries (for traces and messages).
_SPELLINGS = (("numpy.", "np."), ("pandas.", "pd."), ("tensorflow.", "tf."))


def display(name: str) -> str:
    for canonical, short in _SPELLINGS:
        if name.startswith(canonical):
            return short + name[len(canonical):]
    return name


def producer(host: Host, node: Any, label: str, inputs: Iterable[object] = ()) -> Producer:
    return Producer(node, label, tuple(v for v in inputs if isinstance(v, DataValue)), None,
                    host.locate, host.next_serial())


def _flat_data(values: Iterable[object]) -> list[DataValue]:
    out: list[DataValue] = []
    for v in values:
        if isinstance(v, DataValue):
            out.append(v)
        elif isinstance(v, tuple):
            out.extend(_flat_data(v))
    return out


def wrap(result: Any, made_by: Producer) -> Any:
    """A table result as interpreter values: data types become data values made by the call,
    tuples stay tuples, plain values stay plain."""
    if is_data_type(result):
        return DataValue(result, made_by)
    if isinstance(result, (tuple, list)):
        return tuple(wrap(r, made_by) for r in result)
    return result


def _tensor(v: object) -> bool:
    """A Keras symbolic tensor: shaped and made by a layer, but no data."""
    return not isinstance(v, DataValue) and hasattr(v, "producer") and hasattr(v, "shape")


def _symbolic(values: Iterable[object]) -> bool:
    """A Keras symbolic tensor among the arguments: numpy cannot run on it, so what the
    call gives is not the array table's to say."""
    for v in values:
        if isinstance(v, (tuple, list)):
            if _symbolic(v):
                return True
        elif _tensor(v) or (isinstance(v, ListValue) and v.items is not None and _symbolic(v.items)):
            return True
    return False


def run(host: Host, spec: OpSpec, label: str, args: list[Any], kwargs: dict[str, Any], node: Any) -> Any:
    """One call of a table entry; ``label`` is how the call is shown."""
    inputs = _flat_data([*args, *kwargs.values()])
    if _symbolic([*args, *kwargs.values()]):
        return UNKNOWN
    made_by = producer(host, node, label, inputs)
    outcome = evaluate(spec, [unwrap(a) for a in args], {k: unwrap(v) for k, v in kwargs.items()})
    if outcome.issue is not None:
        if node is not None:
            labelled = [(f"input {i}" if len(inputs) > 1 else "input", v) for i, v in enumerate(inputs)]
            host.report(outcome.issue.at_site(Site(layer=label, op=label)), node, labelled)
        return UNKNOWN if spec.returns == "value" else DataValue(unknown_array(), made_by)
    result = outcome.result
    if isinstance(result, Value):
        return result.value
    if result is None:
        return UNKNOWN if spec.returns == "value" else DataValue(unknown_array(), made_by)
    return wrap(result, made_by)


def call_function(host: Host, name: str, args: list[Any], kwargs: dict[str, Any], node: Any) -> Any:
    spec = array_function(name)
    assert spec is not None
    return run(host, spec, display(name), args, kwargs, node)


def method(value: DataValue, name: str) -> OpSpec | None:
    kind = receiver_kind(value.type)
    return array_method(f"{kind}.{name}") if kind else None


def call_method(host: Host, value: DataValue, name: str, args: list[Any], kwargs: dict[str, Any],
                node: Any) -> Any:
    spec = method(value, name)
    if spec is None:
        return UNKNOWN
    kind = receiver_kind(value.type)
    label = display(f"numpy.{name}") if kind == "ndarray" else f"{kind}.{name}"
    return run(host, spec, label, [value, *args], kwargs, node)


def attribute(host: Host, value: DataValue, name: str, node: Any) -> Any:
    kind = receiver_kind(value.type)
    spec = array_attribute(f"{kind}.{name}") if kind else None
    if spec is None:
        return UNKNOWN
    result = run(host, spec, name, [value], {}, node)
    if name == "shape" and isinstance(result, tuple):
        code = host.code_of(node.value) if node is not None and hasattr(node, "value") else "x"
        return ShapeTuple(result, value, f"{code}.shape")
    return result
