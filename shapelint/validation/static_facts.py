"""What validation needs from the static analysis beyond its findings.

The analysis runs with an observer (:class:`_Recorder`) that notes which statements build
Keras objects and the value each expression had (to stand in for data the build program
leaves out); the event log gives every layer call with its static output shape (to
compare with what TensorFlow computes).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import libcst as cst
from libcst.metadata import ExpressionContextProvider, MetadataWrapper

from shapelint.interp.values import ListValue
from shapelint.keras.events import EventLog, KerasObserver
from shapelint.keras.semantics import is_keras_value
from shapelint.keras.values import Tensor
from shapelint.shapes import Shape
from shapelint.source import SourceFile

PLAIN, KERAS, OTHER = "plain", "keras", "other"
_CONFLICT = object()


@dataclass(frozen=True)
class StaticCall:
    """One layer call as the analysis saw it (1-based row, 0-based column)."""

    row: int
    col: int
    layer: str
    ctor: tuple[int, int]
    inputs: Any            # Shape, or list of Shapes for multi-input layers
    output: Any            # Shape, or tuple of Shapes


@dataclass
class StaticFacts:
    module: cst.Module
    positions: Any
    contexts: Any
    building: set = field(default_factory=set)      # statement nodes that made/called Keras objects
    values: dict = field(default_factory=dict)      # expression node -> plain value or _CONFLICT
    kinds: dict = field(default_factory=dict)       # expression node -> PLAIN | KERAS | OTHER
    calls: list = field(default_factory=list)       # StaticCall, in analysis order

    def value(self, node: cst.CSTNode) -> tuple[bool, Any]:
        """(True, value) when every evaluation of ``node`` gave the same plain value."""
        if node not in self.values:
            return False, None
        v = self.values[node]
        return (False, None) if v is _CONFLICT else (True, v)

    def kind(self, node: cst.CSTNode) -> Optional[str]:
        return self.kinds.get(node)

    def lines(self, node: cst.CSTNode) -> tuple[int, int]:
        rng = self.positions.get(node)
        return (rng.start.line, rng.end.line) if rng is not None else (0, 0)


def _plain(v: Any) -> Any:
    """A value that can be written back as a Python literal, or _CONFLICT."""
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        return v if v == v and v not in (float("inf"), float("-inf")) else _CONFLICT
    if isinstance(v, tuple):
        items = tuple(_plain(x) for x in v)
        return _CONFLICT if any(x is _CONFLICT for x in items) else items
    if isinstance(v, ListValue) and v.items is not None:
        items = [_plain(x) for x in v.items]
        return _CONFLICT if any(x is _CONFLICT for x in items) else items
    return _CONFLICT


class _Recorder(KerasObserver):
    """Watches the analysis: the statements that build Keras objects, and the value each
    expression had every time it was evaluated."""

    def __init__(self) -> None:
        self.stack: list = []
        self.building: set = set()
        self.values: dict = {}
        self.kinds: dict = {}

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


def _shapes_of(value: Any) -> Any:
    """A call's static output as a Shape or tuple of Shapes; None when not a tensor value."""
    if isinstance(value, Shape):
        return value
    if isinstance(value, Tensor):
        return value.shape
    if isinstance(value, tuple) and value and all(isinstance(s, Shape) for s in value):
        return value
    items = value.items if isinstance(value, ListValue) else value if isinstance(value, tuple) else None
    if items and all(isinstance(t, Tensor) for t in items):
        return tuple(t.shape for t in items)
    return None


def _static_calls(log: EventLog, where: Any) -> list[StaticCall]:
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


def collect(text: str, path: str, keras_version: int = 3) -> Optional[StaticFacts]:
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
    return StaticFacts(module, source.ranges, contexts, recorder.building, recorder.values,
                       recorder.kinds, _static_calls(analysis.log, analysis.interpreter.where))
