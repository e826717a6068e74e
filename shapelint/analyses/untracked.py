"""SHP502: layers with weights constructed where Keras 3 does not track them.

A layer made inside ``call()`` of a custom Layer/Model, or inside a ``Lambda``'s function,
is not an attribute of any tracked object: its weights are re-created on every call and
never trained. Layers without weights (activations, pooling) are harmless and not reported,
nor are layers assigned to ``self`` (tracked, if created lazily).
"""
from __future__ import annotations

from typing import Any, Iterator

import libcst as cst

from shapelint.accounting.params import COUNTS
from shapelint.interp.values import Symbol
from shapelint.layers.table import layer_spec
from shapelint.resolution import canonical
from shapelint.violations.weights import UntrackedLayer

_WRAPPERS = {"Bidirectional", "TimeDistributed"}


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


def weighted_constructions(interp: Any, body: cst.CSTNode, scope: Any) -> Iterator[tuple[cst.Call, str]]:
    """(call node, layer name) for each weight-bearing layer constructed in ``body``."""
    tracked = _self_assigned(body)
    for call in _calls(body):
        if id(call) in tracked or not isinstance(call.func, (cst.Name, cst.Attribute)):
            continue
        value = interp.peek(call.func, scope)
        if not isinstance(value, Symbol):
            continue
        spec = layer_spec(canonical(value.path))
        if spec is not None and (spec.name in COUNTS or spec.name in _WRAPPERS):
            yield call, spec.name


def check_class(interp: Any, node: cst.ClassDef, keras_kind: str, scope: Any) -> None:
    for stmt in node.body.body:
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == "call":
            for call, name in weighted_constructions(interp, stmt.body, scope):
                interp.report(UntrackedLayer(layer=name, where=f"{node.name.value}.call()",
                                             in_lambda=False), call)


def check_lambda(interp: Any, function: Any) -> None:
    body = function.node.body
    for call, name in weighted_constructions(interp, body, function.scope):
        interp.report(UntrackedLayer(layer=name, where=f"the Lambda function {function.name}",
                                     in_lambda=True), call)
