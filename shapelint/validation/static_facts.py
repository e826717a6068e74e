"""What validation needs from the static analysis beyond its findings.

The analyzer is re-run with hooks (a subclass, and wrappers on its Keras runtime) so
the core stays untouched: which statements build Keras objects, the value each
expression had (to stand in for data the build program leaves out), and every layer
call with its static output shape (to compare with what TensorFlow computes).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Optional

import libcst as cst
from libcst.metadata import ExpressionContextProvider, MetadataWrapper, PositionProvider

from shapelint.interp.interpreter import Interpreter
from shapelint.interp.values import (
    ClassValue, LayerInstance, ListValue, ModelValue, ObjectValue, Tensor,
)
from shapelint.shapes import Shape

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


def _is_keras(v: Any) -> bool:
    if isinstance(v, (Tensor, LayerInstance, ModelValue)):
        return True
    if isinstance(v, ObjectValue):
        return bool(v.cls.keras_kind)
    if isinstance(v, ClassValue):
        return bool(v.keras_kind)
    if isinstance(v, (ListValue, tuple)):
        items = v.items if isinstance(v, ListValue) else v
        return bool(items) and any(_is_keras(x) for x in items)
    return False


def _has_tensor(args: Any) -> bool:
    for a in args:
        if isinstance(a, Tensor):
            return True
        items = a.items if isinstance(a, ListValue) else a if isinstance(a, tuple) else None
        if items and any(isinstance(x, Tensor) for x in items):
            return True
    return False


class _Recorder(Interpreter):
    """The analyzer, noting statements, values and layers as it goes."""

    def __init__(self, first: Any, path: str, keras_version: int):
        super().__init__(first, path=path, keras_version=keras_version)
        self.stack: list = []
        self.building: set = set()
        self.values: dict = {}
        self.kinds: dict = {}
        self.layers: dict[int, LayerInstance] = {}
        self._wrap_runtime()

    def exec_stmt(self, stmt, scope):
        self.stack.append(stmt)
        try:
            return super().exec_stmt(stmt, scope)
        finally:
            self.stack.pop()

    def exec_small(self, node, scope):
        self.stack.append(node)
        try:
            return super().exec_small(node, scope)
        finally:
            self.stack.pop()

    def eval(self, node, scope):
        value = super().eval(node, scope)
        plain = _plain(value)
        kind = PLAIN if plain is not _CONFLICT else KERAS if _is_keras(value) else OTHER
        if node in self.values and self.values[node] != plain:
            plain = _CONFLICT
        if self.kinds.get(node, kind) != kind:
            kind = OTHER
        self.values[node] = plain
        self.kinds[node] = kind
        return value

    def mark(self) -> None:
        self.building.update(self.stack)

    def instantiate(self, cls, args, kwargs, node, complete):
        if cls.keras_kind:
            self.mark()
        return super().instantiate(cls, args, kwargs, node, complete)

    def _wrap_runtime(self) -> None:
        runtime = self.keras

        def wrap(name: str, when):
            original = getattr(runtime, name, None)
            if original is None:
                return

            def hooked(*args, **kwargs):
                result = original(*args, **kwargs)
                try:
                    if when(args, result):
                        self.mark()
                except Exception:
                    pass
                return result

            setattr(runtime, name, hooked)

        def on_layer_call(args, result):
            if args and isinstance(args[0], LayerInstance):
                self.layers.setdefault(id(args[0]), args[0])
            return _has_tensor(args[1] if len(args) > 1 else [])

        wrap("call_symbol", lambda args, result: _is_keras(result))
        wrap("call_layer", on_layer_call)
        wrap("call_model", lambda args, result: _has_tensor(args[1] if len(args) > 1 else []))
        wrap("call_object", lambda args, result: bool(args and getattr(args[0].cls, "keras_kind", None))
             and _has_tensor(args[1] if len(args) > 1 else []))
        wrap("call_method", lambda args, result: isinstance(args[0], ModelValue)
             and len(args) > 1 and args[1] in ("add", "build", "pop"))


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


def _static_calls(interp: Interpreter, layers: dict[int, LayerInstance]) -> list[StaticCall]:
    """Every layer call with a known output, from the interpreter's ``layer_calls`` events."""
    events = getattr(interp, "layer_calls", None)
    if events is None:   # older interpreters kept the events on each layer only
        events = [c for layer in layers.values() for c in layer.calls]
    out = []
    for call in events:
        layer, node = getattr(call, "layer", None), getattr(call, "node", None)
        output = _shapes_of(getattr(call, "output", None))
        if layer is None or node is None or output is None:
            continue
        (row, col), _ = interp.where(node)
        ctor = interp.where(layer.node)[0] if getattr(layer, "node", None) is not None else (0, 0)
        name = getattr(getattr(layer, "spec", None), "name", type(layer).__name__)
        out.append(StaticCall(row, col, name, ctor, getattr(call, "input_shapes", None), output))
    return out


def _make_interpreter(module: cst.Module, positions: dict, path: str, keras_version: int) -> "_Recorder":
    """The interpreter takes the module (newer) or its positions (older) first."""
    params = list(inspect.signature(Interpreter.__init__).parameters)
    first = params[1] if len(params) > 1 else "module"
    interp = _Recorder(positions if first == "positions" else module, path, keras_version)
    if hasattr(interp, "_positions") and getattr(interp, "_positions") is None:
        interp._positions = dict(positions)   # already computed here: spare the second pass
    return interp


def collect(text: str, path: str, keras_version: int = 3) -> Optional[StaticFacts]:
    """Parse and analyse ``text``; None when it cannot be parsed."""
    try:
        module = cst.parse_module(text)
    except Exception:
        return None
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    contexts = wrapper.resolve(ExpressionContextProvider)
    interp = _make_interpreter(module, positions, path, keras_version)
    try:
        interp.run_module(module)
    except RecursionError:
        pass
    return StaticFacts(module, positions, contexts, interp.building, interp.values, interp.kinds,
                       _static_calls(interp, interp.layers))
