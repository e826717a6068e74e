"""What validation needs from the static analysis beyond its findings.

The analysis runs with an observer (:class:`_Recorder`) that notes which statements build
Keras objects, the value each expression had (to stand in for data the build program
leaves out), and what each fit/evaluate/predict/model(x) call was given (zeros of those
shapes stand in for it, :mod:`shapelint.validation.feeds`); the event log gives every
layer call with its static output shape (to compare with what TensorFlow computes), and
the findings whose claims a build can check otherwise (:mod:`shapelint.validation.probes`).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange, ExpressionContext, ExpressionContextProvider, MetadataWrapper

from shapelint.arrays.spec import DatasetType
from shapelint.data.values import DataValue
from shapelint.interp.host import Range
from shapelint.interp.values import ListValue
from shapelint.keras.events import EventLog, KerasObserver
from shapelint.keras.semantics import is_keras_value
from shapelint.keras.training import METHODS, model_inputs
from shapelint.keras.values import ModelValue, Tensor
from shapelint.shapes import Shape
from shapelint.source import SourceFile
from shapelint.validation.feeds import DataCall, NotKnown, dataset_parts, structure
from shapelint.validation.probes import Probe, probes_for

PLAIN, KERAS, OTHER = "plain", "keras", "other"
_CONFLICT = object()
# What a layer call gives: one shape, or one per output.
StaticOutput = Shape | tuple[Shape, ...]


@dataclass(frozen=True)
class StaticCall:
    """One layer call as the analysis saw it (1-based row, 0-based column)."""

    row: int
    col: int
    layer: str
    ctor: tuple[int, int]
    inputs: Shape | list[Shape]       # a list for multi-input layers
    output: StaticOutput


@dataclass
class StaticFacts:
    module: cst.Module
    positions: Mapping[cst.CSTNode, CodeRange]
    contexts: Mapping[cst.CSTNode, ExpressionContext | None]
    # statement nodes that made/called Keras objects
    building: set[cst.CSTNode] = field(default_factory=set)
    # expression node -> plain value or _CONFLICT
    values: dict[cst.CSTNode, object] = field(default_factory=dict)
    # expression node -> PLAIN | KERAS | OTHER
    kinds: dict[cst.CSTNode, str] = field(default_factory=dict)
    calls: list[StaticCall] = field(default_factory=list)   # in analysis order
    # call node -> one per method
    data_calls: dict[cst.CSTNode, list[DataCall]] = field(default_factory=dict)
    probes: tuple[Probe, ...] = ()                  # checks of findings Keras does not raise for

    def value(self, node: cst.CSTNode) -> tuple[bool, object]:
        """(True, value) when every evaluation of ``node`` gave the same plain value."""
        if node not in self.values:
            return False, None
        v = self.values[node]
        return (False, None) if v is _CONFLICT else (True, v)

    def kind(self, node: cst.CSTNode) -> str | None:
        return self.kinds.get(node)

    def lines(self, node: cst.CSTNode) -> tuple[int, int]:
        rng = self.positions.get(node)
        return (rng.start.line, rng.end.line) if rng is not None else (0, 0)

    def input_rows(self, call: DataCall) -> tuple[int, ...]:
        """The lines of the Inputs of the model a data call feeds (those in this file)."""
        return tuple(row for row in (self.lines(n)[0] for n in call.input_nodes) if row)


def _plain(v: object) -> object:
    """A value that can be written back as a Python literal, or _CONFLICT."""
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        return v if v == v and v not in (float("inf"), float("-inf")) else _CONFLICT
    if isinstance(v, tuple):
        items = tuple(_plain(x) for x in v)
        return _CONFLICT if any(x is _CONFLICT for x in items) else items
    if isinstance(v, ListValue) and v.items is not None:
        listed = [_plain(x) for x in v.items]
        return _CONFLICT if any(x is _CONFLICT for x in listed) else listed
    return _CONFLICT


class _Recorder(KerasObserver):
    """Watches the analysis: the statements that build Keras objects, and the value each
    expression had every time it was evaluated."""

    def __init__(self) -> None:
        self.stack: list[cst.CSTNode] = []
        self.building: set[cst.CSTNode] = set()
        self.values: dict[cst.CSTNode, object] = {}
        self.kinds: dict[cst.CSTNode, str] = {}
        self.data_calls: dict[cst.CSTNode, list[DataCall]] = {}

    def statement_started(self, node: Any) -> None:
        self.stack.append(node)

    def statement_finished(self, node: Any) -> None:
        self.stack.pop()

    def expression_evaluated(self, node: Any, value: Any) -> None:
        plain = _plain(value)
        kind = PLAIN if plain is not _CONFLICT else KERAS if is_keras_value(value) else OTHER
        if node in self.values and self.values[node] != plain:
            plain = _CONFLICT
        if self.kinds.get(node, kind) != kind:
            kind = OTHER
        self.values[node] = plain
        self.kinds[node] = kind

    def keras_used(self) -> None:
        self.building.update(self.stack)

    def object_created(self, obj: Any) -> None:
        if obj.cls.keras_kind:
            self.keras_used()

    def data_given(self, method: str, node: Any, x: Any, y: Any, model: ModelValue) -> None:
        call = data_call(method, node, x, y, model)
        calls = self.data_calls.setdefault(node, [])
        same = next((i for i, c in enumerate(calls) if c.method == method), None)
        if same is None:
            calls.append(call)
        elif calls[same] != call:   # a loop or a function called twice, with other data
            calls[same] = DataCall(method, NotKnown("the analysis saw this call made with data of "
                                                    "different shapes"), None, None, call.input_nodes)


def _spelled(node: Any, method: str) -> tuple[str, str]:
    """How the call spells its features and labels, for reasons."""
    args = list(getattr(node, "args", None) or ())
    if method == "validation_data":
        given = next((a for a in args if a.keyword is not None and a.keyword.value == "validation_data"),
                     None)
        v = _code(given.value) if given is not None else "validation_data"
        return f"{v}[0]", f"{v}[1]"
    params = ("x",) if method == "call" else METHODS[method][0]
    positional = [a for a in args if a.keyword is None and not a.star]

    def spelled(name: str) -> str:
        chosen = next((a for a in args if a.keyword is not None and a.keyword.value == name), None)
        if chosen is None and name in params and params.index(name) < len(positional):
            chosen = positional[params.index(name)]
        return _code(chosen.value) if chosen is not None else name
    return spelled("x"), spelled("y")


def _code(node: Any) -> str:
    text = " ".join(cst.Module([]).code_for_node(node).split())
    return text if len(text) <= 40 else text[:37] + "..."


def data_call(method: str, node: Any, x: Any, y: Any, model: ModelValue) -> DataCall:
    """What one call gave the model, as zeros can stand in for it."""
    x_name, y_name = _spelled(node, method)
    if isinstance(x, DataValue) and isinstance(x.type, DatasetType):
        fed_x, fed_y = dataset_parts(x, x_name)
    else:
        fed_x = structure(x, x_name)
        fed_y = None if y is None else structure(y, y_name)
    inputs = model_inputs(model)
    batch = next((t.shape.dims[0] for t in inputs if t.shape.dims and isinstance(t.shape.dims[0], int)
                  and not isinstance(t.shape.dims[0], bool)), None)
    nodes = tuple(t.producer.node for t in inputs if t.producer is not None and t.producer.node is not None)
    return DataCall(method, fed_x, fed_y, batch, nodes)


def _shapes_of(value: Any) -> StaticOutput | None:
    """A call's static output as a Shape or tuple of Shapes; None when not a tensor value."""
    if isinstance(value, Shape):
        return value
    if isinstance(value, Tensor):
        return value.shape
    if isinstance(value, tuple) and value and all(isinstance(s, Shape) for s in value):
        return value
    items: Sequence[Any] | None = value.items if isinstance(value, ListValue) else \
        value if isinstance(value, tuple) else None
    if items and all(isinstance(t, Tensor) for t in items):
        return tuple(t.shape for t in items)
    return None


def _static_calls(log: EventLog, where: Callable[[Any], Range]) -> list[StaticCall]:
    """Every layer call with a known output, from the analysis' event log."""
    out = []
    for call in log.layer_calls:
        output = _shapes_of(call.output)
        if call.layer is None or call.node is None or output is None:
            continue
        (row, col), _ = where(call.node)
        layer = call.layer
        ctor = where(layer.node)[0] if getattr(layer, "node", None) is not None else (0, 0)
        name = getattr(getattr(layer, "spec", None), "name", type(layer).__name__)
        out.append(StaticCall(row, col, name, ctor, call.input_shapes, output))
    return out


def collect(text: str, path: str, keras_version: int = 3) -> StaticFacts | None:
    """Parse and analyse ``text``; None when it cannot be parsed."""
    from shapelint.checker import analyse

    source = SourceFile(path, text)
    module = source.module
    if module is None:
        return None
    contexts = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ExpressionContextProvider)
    recorder = _Recorder()
    try:
        analysis = analyse(source, keras_version, observers=(recorder,))
    except RecursionError:
        return None
    facts = StaticFacts(module, source.ranges, contexts, recorder.building, recorder.values,
                        recorder.kinds, _static_calls(analysis.log, analysis.interpreter.where),
                        recorder.data_calls)
    facts.probes = probes_for(analysis.interpreter.reporter.issues, lambda node: facts.lines(node)[0] or None)
    return facts
