"""Reading the user's code where a fix needs it: literals as written, a call's arguments,
the node that starts at a position. Only what is written counts: a value the code computes
is not a literal here (the interpreter knows it, but a fix that quotes code must quote it
as it is)."""
from __future__ import annotations

import libcst as cst

NOT_LITERAL = object()


def literal(node: cst.CSTNode) -> object:
    """An int, None, or a tuple/list of them (nested) as written; NOT_LITERAL otherwise."""
    if isinstance(node, cst.Integer):
        try:
            return int(node.value.replace("_", ""), 0)
        except ValueError:
            return NOT_LITERAL
    if isinstance(node, cst.Name) and node.value == "None":
        return None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = literal(node.expression)
        return -inner if isinstance(inner, int) else NOT_LITERAL
    if isinstance(node, (cst.Tuple, cst.List)):
        items = [literal(e.value) for e in node.elements if isinstance(e, cst.Element)]
        if len(items) != len(node.elements) or any(i is NOT_LITERAL for i in items):
            return NOT_LITERAL
        return tuple(items)
    return NOT_LITERAL


def factors(node: cst.CSTNode) -> tuple[int, ...]:
    """``7 * 7 * 128`` as (7, 7, 128): a size written as a product of int literals; () for
    anything else (a single number says nothing about how it splits)."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
        left, right = factors(node.left) or _int(node.left), factors(node.right) or _int(node.right)
        return left + right if left and right else ()
    return ()


def _int(node: cst.CSTNode) -> tuple[int, ...]:
    value = literal(node)
    return (value,) if isinstance(value, int) and not isinstance(value, bool) else ()


def argument(call: cst.CSTNode | None, name: str, position: int | None = None) -> cst.Arg | None:
    """The argument of a call given as ``name=`` or at ``position`` (before any keyword or
    star argument)."""
    if not isinstance(call, cst.Call):
        return None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    if position is not None:
        positional = []
        for arg in call.args:
            if arg.keyword is not None or arg.star:
                break
            positional.append(arg)
        if position < len(positional):
            return positional[position]
    return None


def dotted(node: cst.CSTNode) -> str | None:
    """``keras.layers.Dense`` for a Name/Attribute chain; None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def function_name(node: cst.CSTNode) -> str:
    """The name a function definition gives (``<lambda>`` for a lambda)."""
    name = getattr(node, "name", None)
    return name.value if isinstance(name, cst.Name) else "<lambda>"
