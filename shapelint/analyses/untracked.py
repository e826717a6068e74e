"""SHP502: layers with weights constructed where Keras 3 does not track them.

A layer made inside ``call()`` of a custom Layer/Model, or inside a ``Lambda``'s function,
is not an attribute of any tracked object: its weights are re-created on every call and
never trained. Layers that make no weights (activations, pooling, and wrappers that only
apply a layer made elsewhere: TimeDistributed, Pipeline) are harmless and not reported, nor
are layers assigned to ``self`` (tracked, if created lazily).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import libcst as cst

from shapelint.interp.host import Host
from shapelint.interp.values import ClassValue, Symbol
from shapelint.keras.events import KerasObserver
from shapelint.layers.table import layer_spec
from shapelint.resolution import canonical
from shapelint.violations.weights import UntrackedLayer


def _self_assigned(body: cst.CSTNode) -> set[int]:
    """Constructor calls whose result goes straight into a ``self.x`` attribute."""
    found: set[int] = set()

    class Visitor(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            if any(isinstance(t.target, cst.Attribute) and isinstance(t.target.value, cst.Name)
                   and t.target.value.value == "self" for t in node.targets):
                found.add(id(node.value))

    body.visit(Visitor())
    return found


def _calls(body: cst.CSTNode) -> list[cst.Call]:
    calls: list[cst.Call] = []

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            calls.append(node)

    body.visit(Visitor())
    return calls


def weighted_constructions(host: Host, body: cst.CSTNode, scope: Any) -> Iterator[tuple[cst.Call, str]]:
    """(call node, layer name) for each weight-bearing layer constructed in ``body``."""
    tracked = _self_assigned(body)
    for call in _calls(body):
        if id(call) in tracked or not isinstance(call.func, (cst.Name, cst.Attribute)):
            continue
        value = host.resolve_name(call.func, scope)
        if not isinstance(value, Symbol):
            continue
        spec = layer_spec(canonical(value.path))
        if spec is not None and spec.has_weights:
            yield call, spec.name


class UntrackedLayers(KerasObserver):
    """Watches class definitions and Lambda layers for layers made where Keras 3 does not
    track them."""

    def __init__(self, host: Host):
        self.host = host

    def class_defined(self, cls: ClassValue, scope: Any) -> None:
        if not cls.keras_kind:
            return
        node = cls.node
        for stmt in node.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == "call":
                for call, name in weighted_constructions(self.host, stmt.body, scope):
                    self.host.report(UntrackedLayer(layer=name, where=f"{node.name.value}.call()",
                                                    in_lambda=False), call)

    def layer_constructed(self, layer: Any, function: Any) -> None:
        if function is None:
            return
        for call, name in weighted_constructions(self.host, function.node.body, function.scope):
            self.host.report(UntrackedLayer(layer=name, where=f"the Lambda function {function.name}",
                                            in_lambda=True), call)
