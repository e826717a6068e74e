"""The declarative table of every modeled op, by canonical dotted name.

To model a new op, add its :class:`OpSpec` to the ``SPECS`` list of its family module
(join, reshaping, slicing, linalg, reduction, elementwise, indexing, shape_ops, creation), and
other spellings of the same function to that module's ``ALIASES``; nothing else changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapelint.ops import (
    creation,
    elementwise,
    indexing,
    join,
    linalg,
    reduction,
    reshaping,
    shape_ops,
    slicing,
)
from shapelint.ops.spec import Arguments, OpSpec, Unknowable
from shapelint.violations.base import Rejected, Violation

FAMILIES = (join, reshaping, slicing, linalg, reduction, elementwise, indexing, shape_ops, creation)

OPS: dict[str, OpSpec] = {spec.name: spec for family in FAMILIES for spec in family.SPECS}

ALIASES: dict[str, str] = {
    alias: target
    for family in FAMILIES
    for alias, target in getattr(family, "ALIASES", {}).items()
    if alias != target
}

# Module spellings of the same functions (keras.ops.numpy.add is keras.ops.add).
_MODULES: tuple[tuple[str, str], ...] = (
    ("keras.ops.numpy.", "keras.ops."),
    ("keras.ops.nn.", "keras.ops."),
    ("keras.ops.core.", "keras.ops."),
    ("keras.ops.math.", "keras.ops."),
    ("keras.activations.", "keras.ops."),
    ("tensorflow.compat.v2.", "tensorflow."),
)


def op_spec(name: str) -> OpSpec | None:
    """The spec for a canonical op name (``keras.ops.concatenate``, ``tensorflow.concat``,
    ``keras.backend.sum``), or None when the name is not a modeled op."""
    spec = OPS.get(name)
    if spec is not None:
        return spec
    for old, new in _MODULES:
        if name.startswith(old):
            name = new + name[len(old):]
            break
    name = ALIASES.get(name, name)
    spec = OPS.get(name)
    if spec is None and name.startswith("tensorflow.") and "." not in name[len("tensorflow."):]:
        spec = OPS.get("tensorflow.math." + name[len("tensorflow."):])
    return spec


@dataclass
class Outcome:
    """What an op call gives: ``result`` (Shape, Tensors or Value) or ``issue``; neither
    when the result is unknown."""

    result: object = None
    issue: Violation | None = None


def bind(spec: OpSpec, args: list[Any], kwargs: dict[str, Any]) -> Arguments | None:
    values: dict[str, Any] = {}
    params = spec.params
    if len(args) > len(params):
        if spec.varargs is None:
            return None
        values[spec.varargs] = tuple(args[len(params):])
    for name, value in zip(params, args):
        values[name] = value
    for name, value in kwargs.items():
        if name in values:
            return None               # given twice: Python raises TypeError
        values[name] = value
    return Arguments(values, spec.defaults, spec.display)


def evaluate(spec: OpSpec, args: list[Any], kwargs: dict[str, Any]) -> Outcome:
    bound = bind(spec, args, kwargs)
    if bound is None:
        return Outcome()
    try:
        return Outcome(result=spec.infer(bound))
    except Unknowable:
        return Outcome()
    except Rejected as rejected:
        return Outcome(issue=rejected.violation)
