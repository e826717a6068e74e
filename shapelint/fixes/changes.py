"""A fix's :class:`~shapelint.violations.base.Change` made in the user's code: the edits that
set an argument, apply a layer to an input of the reported call, or replace the function it
calls. Each edit touches only what changes; a change that cannot be located exactly (a call
built elsewhere, an input that is not written in the call) gives no edits, never a guess."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodeRange

from shapelint.findings import Edit, Position
from shapelint.fixes.code import argument, dotted
from shapelint.fixes.edits import replacement
from shapelint.fixes.imports import import_line, spell
from shapelint.violations.base import Change


@dataclass(frozen=True)
class Code:
    """The checked program as a fix reads it: its text, libcst module and node positions."""

    text: str
    module: cst.Module
    ranges: Mapping[cst.CSTNode, CodeRange]


def edits(change: Change, reported: cst.CSTNode, code: Code) -> tuple[Edit, ...] | None:
    """The edits that make ``change``; None when it cannot be made exactly here."""
    try:
        return _MAKERS[change.kind](change, reported, code)
    except (cst.ParserSyntaxError, KeyError, ValueError):
        return None


def _argument(change: Change, reported: cst.CSTNode, code: Code) -> tuple[Edit, ...] | None:
    call = reported if change.row == 0 else _call_at(code, change.row, change.layer)
    if not isinstance(call, cst.Call):
        return None
    value = cst.parse_expression(change.code)
    arg = argument(call, change.name, change.position)
    if arg is not None:
        edit = replacement(code.text, code.module, code.ranges, arg.value, change.code)
        return (edit,) if edit is not None else None
    args = list(call.args)
    if any(a.star for a in args):
        return None            # **kwargs may already hold it
    new_arg = cst.Arg(value=value, keyword=cst.Name(change.name),
                      equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                            whitespace_after=cst.SimpleWhitespace("")))
    if args:
        last = args[-1]
        separator = args[-2].comma if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) \
            else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        args[-1] = last.with_changes(comma=separator)
        new_arg = new_arg.with_changes(comma=last.comma)
    new = call.with_changes(args=[*args, new_arg])
    edit = replacement(code.text, code.module, code.ranges, call, new)
    return (edit,) if edit is not None else None


def _insert(change: Change, reported: cst.CSTNode, code: Code) -> tuple[Edit, ...] | None:
    """``Layer(...)(x)`` -> ``Layer(...)(Inserted(x))``; for a list of inputs, the ones named."""
    name, _, rest = change.code.partition("(")
    spelled, extra = _spelled(code, f"keras.layers.{name}")
    made = []
    for index in change.inputs:
        target = _input_node(reported, index)
        if target is None:
            return None
        wrapped = f"{spelled}({rest}({code.module.code_for_node(target)})"
        cst.parse_expression(wrapped)
        edit = replacement(code.text, code.module, code.ranges, target, wrapped)
        if edit is None:
            return None
        made.append(edit)
    return (*extra, *made)


def _function(change: Change, reported: cst.CSTNode, code: Code) -> tuple[Edit, ...] | None:
    if not isinstance(reported, cst.Call):
        return None
    spelled, extra = _spelled(code, change.code)
    edit = replacement(code.text, code.module, code.ranges, reported.func, spelled)
    return None if edit is None else (*extra, edit)


Maker = Callable[[Change, cst.CSTNode, Code], tuple[Edit, ...] | None]
_MAKERS: dict[str, Maker] = {"argument": _argument, "insert": _insert, "function": _function}


def _spelled(code: Code, target: str) -> tuple[str, tuple[Edit, ...]]:
    """``target`` as the file writes it, with the ``import keras`` it needs when it has none."""
    spelled = spell(code.module, target)
    if spelled is not None:
        return spelled, ()
    row = import_line(code.module, code.ranges)
    at = Position(row + 1, 1)
    return target, (Edit("import keras\n", at, at),)


def _input_node(reported: cst.CSTNode, index: int) -> cst.BaseExpression | None:
    """The expression of input ``index`` in the reported call, when it is written there."""
    if isinstance(reported, cst.BinaryOperation):
        return (reported.left, reported.right)[index] if index < 2 else None
    if not isinstance(reported, cst.Call) or not reported.args or _constructs(reported):
        return None
    first = reported.args[0]
    if first.keyword is not None and first.keyword.value not in ("inputs", "x"):
        return None
    value = first.value
    if isinstance(value, (cst.List, cst.Tuple)):
        elements = [e for e in value.elements if isinstance(e, cst.Element)]
        return elements[index].value if index < len(elements) == len(value.elements) else None
    return value if index == 0 else None


def _constructs(call: cst.Call) -> bool:
    """``LSTM(32)`` (a class: its arguments are not inputs), as opposed to ``LSTM(32)(x)``,
    ``lstm(x)`` or an op."""
    name = dotted(call.func)
    return name is not None and name.split(".")[-1][:1].isupper()


def _call_at(code: Code, row: int, layer: str) -> cst.Call | None:
    """The one call on line ``row`` of ``layer`` (by the last part of its name)."""
    found = [node for node, rng in code.ranges.items()
             if isinstance(node, cst.Call) and rng.start.line == row
             and (dotted(node.func) or "").split(".")[-1] == layer]
    return found[0] if len(found) == 1 else None
