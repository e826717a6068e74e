"""Fixes as code. A violation proposes :class:`~shapelint.violations.base.Change`s (its
``changes()``); the one it offers as the fix becomes edits here (:mod:`.changes`), and
``--fix``/``--diff``, JSON, SARIF and the language server apply those edits. Some facts a
fix states can only be read from the code at the finding (the argument as written, the
call's keywords): :data:`READERS` fills them in, keyed by violation class, before the
message and fix are put into words."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import libcst as cst

from shapelint.findings import Edit
from shapelint.fixes.changes import Code, edits
from shapelint.fixes.code import argument, dotted
from shapelint.fixes.imports import spell
from shapelint.violations.base import Violation
from shapelint.violations.data import InputShapeIncludesSamples
from shapelint.violations.inputs import IntShapeArgument, TensorflowOpOnKerasTensor

__all__ = ["Code", "explain", "offered_edits"]


def _shape_argument(v: IntShapeArgument | InputShapeIncludesSamples, node: cst.CSTNode,
                    code: Code) -> Violation:
    """The shape argument as written (``(5)``, ``784``, ``n``): for a shape with the sample
    axis, only a name or attribute (``s[1:]`` slices what ``s`` is; ``a + b[1:]`` would not)."""
    arg = argument(node, v.argument, 0 if v.argument == "shape" else None)
    if arg is None or (isinstance(v, InputShapeIncludesSamples)
                       and not isinstance(arg.value, (cst.Name, cst.Attribute, cst.Subscript, cst.Call))):
        return v
    return dataclasses.replace(v, written=code.module.code_for_node(arg.value).strip())


def _tensorflow_call(v: TensorflowOpOnKerasTensor, node: cst.CSTNode, code: Code) -> Violation:
    """The call's keywords (the Keras op may name them otherwise), and the call as a Lambda
    layer's function of its first argument, spelled as the file spells keras.layers."""
    if not isinstance(node, cst.Call) or not node.args or node.args[0].keyword is not None \
            or node.args[0].star:
        return v
    keywords = tuple(a.keyword.value for a in node.args if a.keyword is not None)
    first = code.module.code_for_node(node.args[0].value)
    rest = "".join(", " + code.module.code_for_node(a).rstrip(", ").strip() for a in node.args[1:])
    lam = spell(code.module, "keras.layers.Lambda") or "keras.layers.Lambda"
    func = dotted(node.func) or v.op
    wrapped = f"{lam}(lambda t: {func}(t{rest}))({first})"
    return dataclasses.replace(v, keywords=keywords, as_lambda=wrapped)


# Each reader takes the violation of its key's class (Any: the table holds several).
READERS: dict[type[Violation], Callable[[Any, cst.CSTNode, Code], Violation]] = {
    IntShapeArgument: _shape_argument,
    InputShapeIncludesSamples: _shape_argument,
    TensorflowOpOnKerasTensor: _tensorflow_call,
}


def explain(violation: Violation, node: cst.CSTNode | None, code: Code | None) -> Violation:
    """The violation with the facts only its code can tell filled in."""
    reader = READERS.get(type(violation))
    if reader is None or code is None or node is None:
        return violation
    try:
        return reader(violation, node, code)
    except Exception:  # reading the code is a nicety: the finding stands without it
        return violation


def offered_edits(violation: Violation, node: cst.CSTNode | None,
                  code: Code | None) -> tuple[tuple[Edit, ...], bool]:
    """The edits of the change the violation offers as its fix (empty: none), and whether
    they guess the code's intent (then never safe)."""
    if code is None or node is None:
        return (), False
    for change in violation.changes():
        if change.offered:
            made = edits(change, node, code)
            return (made or (), change.offered == "guess")
    return (), False
