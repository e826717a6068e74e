"""Run one generated case through real Keras and through shapelint's layer table, and judge.

A case is a layer description (class name and constructor arguments, nested layers as
descriptions too), input batch shapes, and call arguments. The same description builds
the Keras layer and shapelint's stand-in (``spec`` + ``Arguments`` built as
``keras.layer_calls.construct`` does), so both always see the same configuration.

Verdicts:

* ``ok`` -- both accept and every size shapelint knows equals Keras'.
* ``reject`` -- both reject (Keras raises <=> shapelint raises ``Rejected``).
* ``unknown`` -- Keras accepts, shapelint's output is (partly) unknown: allowed, counted.
* ``unknown-reject`` -- Keras rejects, shapelint gives an unknown output: allowed, counted.
  Also when shapelint was given a ``None`` size (unknown to it) that Keras rejects: the same
  case with every ``None`` replaced by a size is then checked, and wherever Keras accepts it,
  the sizes shapelint knew must be right.
* anything else is a disagreement (``precision`` when shapelint rejects what Keras accepts).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras

from shapelint.arguments import Arguments
from shapelint.layers import engine
from shapelint.layers.table import LAYERS
from shapelint.shapes import Shape, is_unworked
from shapelint.violations import Rejected, Site, Violation

engine.STRICT = True   # a shape function that crashes fails the test instead of going unknown

# Keras rewrites the traceback of every exception it raises; thousands of rejected cases
# pay for that. The messages stay the same.
keras.config.disable_traceback_filtering()


class L:
    """A layer description: ``L("Conv2D", filters=4, kernel_size=3)`` (nested ones as L too)."""

    def __init__(self, name: str, **kwargs: Any):
        self.name = name
        self.kwargs = tuple(sorted(kwargs.items()))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs)
        return f"L({self.name!r}{', ' if args else ''}{args})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, L) and (self.name, self.kwargs) == (other.name, other.kwargs)

    def __hash__(self) -> int:
        return hash((self.name, repr(self.kwargs)))


@dataclass(frozen=True)
class Case:
    layer: L
    inputs: tuple                       # batch shapes (tuples incl. batch axis)
    takes_list: bool = False            # call on a list of the inputs
    call_tensors: tuple = ()            # (name, batch shape) extra tensor call arguments
    call_values: tuple = ()             # (name, value) other call arguments
    fill: int = 5                       # size that replaces None when concretizing

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in (
            ("takes_list", self.takes_list), ("call_tensors", self.call_tensors),
            ("call_values", self.call_values)) if v)
        return f"Case({self.layer!r}, inputs={self.inputs!r}{extra}, fill={self.fill})"


@dataclass
class StandIn:
    """What the interpreter's LayerInstance is to the shape engine: a spec and a config."""

    spec: Any
    config: Arguments


# --- building ---------------------------------------------------------------------------------

def _keras_value(v: Any) -> Any:
    if isinstance(v, L):
        return build_keras(v)
    if isinstance(v, list):
        return [_keras_value(x) for x in v]
    return v


def build_keras(desc: L) -> Any:
    cls = getattr(keras.layers, desc.name)
    return cls(**{k: _keras_value(v) for k, v in desc.kwargs})


def _standin_value(v: Any, issues: list) -> Any:
    if isinstance(v, L):
        return build_standin(v, issues)
    if isinstance(v, list):
        return [_standin_value(x, issues) for x in v]
    return v


def build_standin(desc: L, issues: list | None = None) -> StandIn:
    """Build as ``KerasRuntime.construct`` does; constructor-check issues go to ``issues``."""
    issues = [] if issues is None else issues
    spec = LAYERS[desc.name]
    values = {k: _standin_value(v, issues) for k, v in desc.kwargs}
    config = Arguments(values, spec.defaults, spec.name, lists_as_tuples=True)
    if spec.check is not None:
        try:
            spec.check(config)
        except Rejected as rejected:
            issues.append((spec.name, rejected.violation))
    return StandIn(spec, config)


# --- running ------------------------------------------------------------------------------------

def _flat_shapes(out: Any) -> Any:
    if isinstance(out, (list, tuple)):
        return [_flat_shapes(o) for o in out]
    return tuple(out.shape)


def run_keras(case: Case) -> tuple[str, Any]:
    try:
        layer = build_keras(case.layer)
        inputs = [keras.Input(batch_shape=s) for s in case.inputs]
        kwargs = {k: keras.Input(batch_shape=s) for k, s in case.call_tensors}
        kwargs.update(dict(case.call_values))
        out = layer(inputs if case.takes_list else inputs[0], **kwargs)
    except Exception as exc:   # any exception is Keras rejecting the case
        return "reject", f"{type(exc).__name__}: {str(exc)[:300]}"
    return "ok", _flat_shapes(out)


def run_shapelint(case: Case) -> tuple[str, Any]:
    issues: list = []
    layer = build_standin(case.layer, issues)
    if issues:
        name, issue = issues[0]
        _render(name, issue, layer)
        return "reject", issue
    shapes = [Shape(tuple(s)) for s in case.inputs]
    call = {k: Shape(tuple(s)) for k, s in case.call_tensors}
    call.update(dict(case.call_values))
    try:
        out = engine.infer_output(layer, shapes if case.takes_list else shapes[0],
                                  call if layer.spec.call_params else None)
    except Rejected as rejected:
        _render(layer.spec.name, rejected.violation, layer)
        return "reject", rejected.violation
    return "ok", out


def _render(name: str, violation: Violation, layer: StandIn) -> None:
    """Every violation must render: message and fix (what the user reads)."""
    located = violation.at_site(Site(layer=name, arguments=layer.config.raw))
    assert located.message() and located.fix(), located


# --- judging ------------------------------------------------------------------------------------

def _compare(ours: Any, theirs: Any) -> tuple[str | None, int, bool]:
    """(disagreement or None, sizes we left unknown that Keras knows, fully unknown?)."""
    if isinstance(ours, Shape):
        if ours.dims is None:
            return None, 0, True
        if not isinstance(theirs, tuple) or (theirs and isinstance(theirs[0], list)):
            return f"shapelint gives one output {ours}, Keras {theirs}", 0, False
        if len(ours.dims) != len(theirs):
            return f"rank: shapelint {ours}, Keras {theirs}", 0, False
        missing = 0
        for a, b in zip(ours.dims, theirs):
            if a is None or is_unworked(a):
                missing += b is not None
            elif a != b:
                return f"shapelint {ours}, Keras {theirs}", 0, False
        return None, missing, False
    if isinstance(ours, tuple):
        if not isinstance(theirs, list) or len(theirs) != len(ours):
            return f"shapelint gives {len(ours)} outputs, Keras {theirs}", 0, False
        missing, unknown = 0, False
        for a, b in zip(ours, theirs):
            bad, m, u = _compare(a, b)
            if bad:
                return bad, 0, False
            missing += m
            unknown |= u
        return None, missing, unknown
    return f"shapelint output {ours!r}", 0, False


def _has_none(case: Case) -> bool:
    shapes = list(case.inputs) + [s for _, s in case.call_tensors]
    return any(d is None for s in shapes for d in s)


def _concretize(case: Case) -> Case:
    """Every None size (the batch too: to shapelint None is just unknown) set to ``fill``."""
    def fill(s: tuple) -> tuple:
        return tuple(case.fill if d is None else d for d in s)
    return replace(case, inputs=tuple(fill(s) for s in case.inputs),
                   call_tensors=tuple((k, fill(s)) for k, s in case.call_tensors))


@dataclass
class Verdict:
    kind: str            # ok, reject, unknown, unknown-reject, disagree
    detail: str = ""
    missing: int = 0     # sizes Keras knows that shapelint left unknown

    @property
    def bad(self) -> bool:
        return self.kind == "disagree"


def judge(case: Case) -> Verdict:
    k_status, k_out = run_keras(case)
    s_status, s_out = run_shapelint(case)
    if k_status == "ok" and s_status == "reject":
        return Verdict("disagree", f"precision: shapelint raises {s_out.code} {s_out}, "
                                   f"Keras accepts -> {k_out}")
    if k_status == "ok":
        bad, missing, unknown = _compare(s_out, k_out)
        if bad:
            return Verdict("disagree", bad)
        return Verdict("unknown" if unknown or missing else "ok", missing=missing)
    if s_status == "reject":
        return Verdict("reject")
    # Keras rejects, shapelint gives an output.
    if isinstance(s_out, Shape) and s_out.dims is None:
        return Verdict("unknown-reject")
    if _has_none(case):
        concrete = _concretize(case)
        k2_status, k2_out = run_keras(concrete)
        if k2_status == "ok":
            bad, _, _ = _compare(s_out, k2_out)
            if bad:
                return Verdict("disagree", f"with None sizes filled by {case.fill}: {bad}")
        inner = judge(concrete)
        if inner.bad:
            return Verdict("disagree", f"concretized {concrete!r}: {inner.detail}")
        return Verdict("unknown-reject")
    return Verdict("disagree", f"Keras rejects ({k_out}), shapelint gives {s_out}")
