"""How much of a file the analysis followed: layer calls by how well their output shape is
known, and the models whose input shape it could not work out (issue: say what was not
analyzed, so that silence means clean)."""
from __future__ import annotations

from typing import Any

from shapelint.findings import Coverage
from shapelint.interp.values import ListValue
from shapelint.keras.events import EventLog
from shapelint.keras.values import ModelValue, Tensor
from shapelint.shapes import Shape, is_known


def _grade(shape: Shape) -> str:
    if shape.dims is None:
        return "unknown"
    return "full" if all(is_known(d) for d in shape.dims[1:]) else "partial"


def _output_shapes(output: Any) -> list[Shape]:
    if isinstance(output, Tensor):
        return [output.shape]
    if isinstance(output, (ListValue, tuple)):
        items = output.items if isinstance(output, ListValue) else output
        return [t.shape for t in items or () if isinstance(t, Tensor)]
    return []


def _model_name(model: ModelValue, where: Any) -> str:
    line = where(model.node)[0][0] if model.node is not None else None
    name = model.name or model.var_name
    if name:
        return f"model '{name}'" + (f" (line {line})" if line else "")
    return f"the model built at line {line}" if line else "a model"


_ORDER = ["full", "partial", "unknown"]


def _after_a_finding(call: Any, found_at: set[int]) -> bool:
    """Whether an unknown input of the call comes from a call a finding was reported at:
    after a finding, not knowing shapes is the finding's doing, not a limit of the analysis."""
    stack = [t for t in call.inputs if isinstance(t, Tensor) and t.shape.dims is None]
    seen: set[int] = set()
    while stack:
        t = stack.pop()
        p = t.producer
        if p is None or id(p) in seen:
            continue
        seen.add(id(p))
        if id(p.node) in found_at:
            return True
        stack.extend(i for i in p.inputs if i.shape.dims is None)
    return False


def measure(log: EventLog, where: Any, found_at: frozenset[int] = frozenset()) -> Coverage:
    """Layer calls are counted per place in the code: a call the analysis ran several times
    (a helper called with different inputs, a Sequential built and then applied) counts once,
    with the best it knew there. ``found_at``: ids of the nodes findings were reported at."""
    best: dict[int, str] = {}
    for call in log.layer_calls:
        shapes = _output_shapes(call.output)
        grade = "unknown" if not shapes else max((_grade(s) for s in shapes), key=_ORDER.index)
        if grade == "unknown" and _after_a_finding(call, set(found_at)):
            continue
        known = best.get(id(call.node))
        best[id(call.node)] = grade if known is None else min(known, grade, key=_ORDER.index)
    grades = {g: sum(1 for v in best.values() if v == g) for g in _ORDER}
    unknown_inputs = tuple(dict.fromkeys(
        _model_name(m, where) for m in log.models
        if m.inputs and not m.called
        and any(isinstance(t, Tensor) and t.shape.dims is None for t in m.inputs)))
    return Coverage(len(best), grades["full"], grades["partial"], grades["unknown"], unknown_inputs)
