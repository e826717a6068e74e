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
    name = model.name or model.var_name or ("sequential" if model.kind == "sequential" else "model")
    line = where(model.node)[0][0] if model.node is not None else None
    return f"model '{name}'" + (f" (line {line})" if line else "")


_ORDER = ["full", "partial", "unknown"]


def measure(log: EventLog, where: Any) -> Coverage:
    """Layer calls are counted per place in the code: a call the analysis ran several times
    (a helper called with different inputs, a Sequential built and then applied) counts once,
    with the best it knew there."""
    best: dict[int, str] = {}
    for call in log.layer_calls:
        shapes = _output_shapes(call.output)
        grade = "unknown" if not shapes else max((_grade(s) for s in shapes), key=_ORDER.index)
        known = best.get(id(call.node))
        best[id(call.node)] = grade if known is None else min(known, grade, key=_ORDER.index)
    grades = {g: sum(1 for v in best.values() if v == g) for g in _ORDER}
    unknown_inputs = tuple(dict.fromkeys(
        _model_name(m, where) for m in log.models
        if m.inputs and not m.called
        and any(isinstance(t, Tensor) and t.shape.dims is None for t in m.inputs)))
    return Coverage(len(best), grades["full"], grades["partial"], grades["unknown"], unknown_inputs)
