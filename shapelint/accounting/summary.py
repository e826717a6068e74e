"""`model.summary()` without TensorFlow: layers, output shapes, parameters, connections.

Built from the interpreter's events: functional models are walked back from their
outputs, Sequential models list their layers, subclassed models count the layers they
track (assigned to ``self`` in ``__init__``/``build``), as Keras does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from shapelint.accounting.params import layer_counts
from shapelint.interp.values import DictValue, ListValue, ObjectValue
from shapelint.keras.events import EventLog
from shapelint.keras.values import LayerInstance, ModelValue, Producer, Tensor
from shapelint.layers.spec import Counts, LayerSpec
from shapelint.shapes import Shape, format_shape, is_known


@dataclass
class Row:
    name: str
    kind: str
    output_shape: str
    params: int | None
    connected_to: list[str] = field(default_factory=list)


@dataclass
class ModelSummary:
    name: str
    kind: str                      # functional | sequential | subclassed
    row: int
    rows: list[Row]
    trainable: int | None
    non_trainable: int | None
    data: list[str] = field(default_factory=list)   # "fit: x (60000, 28, 28), y (60000,)"

    @property
    def total(self) -> int | None:
        if self.trainable is None or self.non_trainable is None:
            return None
        return self.trainable + self.non_trainable


def _snake(name: str) -> str:
    """Keras' to_snake_case: Conv2D -> conv2d, ReLU -> re_lu, BatchNormalization -> batch_normalization."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _kind(obj: Any) -> str:
    if isinstance(obj, LayerInstance):
        spec: LayerSpec = obj.spec
        return spec.name
    if isinstance(obj, ModelValue):
        return "Sequential" if obj.kind == "sequential" else "Functional"
    if isinstance(obj, ObjectValue):
        return obj.cls.name
    return "?"


class Namer:
    """Keras-style default names: dense, dense_1, ... in construction order."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.names: dict[int, str] = {}

    def __call__(self, obj: Any, kind: str) -> str:
        if id(obj) in self.names:
            return self.names[id(obj)]
        given = getattr(obj, "name", None)
        if isinstance(given, str):
            self.names[id(obj)] = given
            return given
        base = _snake(kind)
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        self.names[id(obj)] = base if n == 0 else f"{base}_{n}"
        return self.names[id(obj)]


def _known(shapes: Any) -> bool:
    items = shapes if isinstance(shapes, list) else [shapes]
    return all(isinstance(s, Shape) and s.dims is not None and all(is_known(d) for d in s.dims[1:])
               for s in items)


def built_call(layer: LayerInstance) -> Any:
    """The call that built the layer's weights: its first call, unless the analysis ran an
    earlier one on a provisional input of unknown size (a Sequential before ``build()``),
    when the first call it fully knows stands for it."""
    return next((c for c in layer.calls if _known(c.input_shapes)), layer.calls[0] if layer.calls else None)


def built_shape(layer: LayerInstance) -> Shape | list[Shape]:
    """The input shape(s) the layer's weights were built for, or unknown: one Shape, or a
    list of them for layers called on a list (merges, Attention)."""
    call = built_call(layer)
    if call is not None and isinstance(call.input_shapes, (Shape, list)):
        return call.input_shapes
    return Shape(None)


def instance_counts(obj: Any, seen: set[int] | None = None) -> Counts | None:
    """Parameters of a layer, model or subclassed object, each instance counted once."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0, 0
    seen.add(id(obj))
    if isinstance(obj, LayerInstance):
        call = built_call(obj)
        return layer_counts(obj, built_shape(obj), call.call_args if call is not None else None)
    if isinstance(obj, (ModelValue, ObjectValue)):
        total = (0, 0)
        for member in members(obj):
            counts = instance_counts(member, seen)
            if counts is None:
                return None
            total = (total[0] + counts[0], total[1] + counts[1])
        if getattr(obj, "attrs", {}).get("trainable") is False:
            return 0, total[0] + total[1]
        return total
    return None


Member = LayerInstance | ModelValue | ObjectValue


def _tracked(value: Any) -> list[Any]:
    """What Keras tracks in an attribute: the value, or the items of a list, tuple or dict
    (``self.projections[name] = layers.Dense(units)``)."""
    if isinstance(value, ListValue) and value.items:
        return list(value.items)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, DictValue) and value.items:
        return list(value.items.values())
    return [value]


def members(obj: Any) -> list[Member]:
    """The layers (and nested models) a model owns, in order."""
    if isinstance(obj, ModelValue):
        if obj.kind == "sequential":
            return [m for m in (obj.layers or []) if isinstance(m, (LayerInstance, ModelValue, ObjectValue))]
        return [p.layer_obj for p in functional_producers(obj) if p.layer_obj is not None]
    if isinstance(obj, ObjectValue):
        out: list[Member] = []
        for value in obj.attrs.values():
            items = _tracked(value)
            for item in items:
                member = isinstance(item, (LayerInstance, ModelValue)) or (
                    isinstance(item, ObjectValue) and item.cls.keras_kind)
                if member and all(item is not o for o in out):
                    out.append(item)
        return out
    return []


def _tensors(value: Any) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, ListValue) and value.items:
        return [t for t in value.items if isinstance(t, Tensor)]
    if isinstance(value, tuple):
        return [t for t in value if isinstance(t, Tensor)]
    return []


def functional_producers(model: ModelValue) -> list[Producer]:
    """Every layer call between the model's inputs and outputs, in creation order."""
    return [p for p, _ in _walk(model)]


def _walk(model: ModelValue) -> list[tuple[Producer, Tensor]]:
    """(producer, a tensor it produced) pairs reachable back from the outputs."""
    stop = {id(t) for t in (model.inputs or [])}
    found: dict[int, tuple[Producer, Tensor]] = {}
    stack = _tensors(model.outputs)
    while stack:
        t = stack.pop()
        p = t.producer
        if p is None or id(p) in found:
            continue
        found[id(p)] = (p, t)
        if id(t) in stop:
            continue
        stack.extend(p.inputs)
    return sorted(found.values(), key=lambda pt: pt[0].serial)


def _gap(pairs: list[tuple[Producer, Tensor]]) -> bool:
    """Whether walking back from the outputs stopped at a layer called on something that is
    not a known tensor (the result of a call the analysis cannot follow), instead of at the
    model's inputs."""
    return any(isinstance(p.layer_obj, LayerInstance) and not p.inputs for p, _ in pairs)


def _before_gap(model: ModelValue, log: EventLog | None, pairs: list[tuple[Producer, Tensor]]
                ) -> list[tuple[Producer, Tensor]]:
    """The layer calls reached forward from the model's inputs that the walk back from its
    outputs missed, made before the first call past the gap: the known layers before an
    unknown one."""
    if log is None or not pairs:
        return []
    seen = {id(p) for p, _ in pairs}
    beyond = min((p.serial for p, _ in pairs if p.layer != "Input"), default=0)
    reached = {id(t) for t in (model.inputs or [])}
    found: list[tuple[Producer, Tensor]] = []
    for t in model.inputs or []:
        if t.producer is not None and id(t.producer) not in seen:
            seen.add(id(t.producer))
            found.append((t.producer, t))
    for call in log.layer_calls:
        if not any(id(t) in reached for t in call.inputs):
            continue
        for t in _tensors(call.output):
            reached.add(id(t))
            p = t.producer
            if p is not None and id(p) not in seen and p.serial < beyond:
                seen.add(id(p))
                found.append((p, t))
    return found


UNKNOWN_ROW = Row("(not known statically)", "?", "?", None)


def summarize_model(model: Any, namer: Namer, log: EventLog | None = None) -> ModelSummary | None:
    rows: list[Row] = []
    gap = False
    if isinstance(model, ModelValue) and model.kind == "functional":
        names: dict[int, str] = {}
        seen_layers: set[int] = set()
        pairs = _walk(model)
        gap = _gap(pairs)
        if gap:
            known = _before_gap(model, log, pairs)
            pairs = sorted(pairs + known, key=lambda pt: pt[0].serial)
            last_known = max((p.serial for p, _ in known), default=None)
        for p, produced in pairs:
            obj = p.layer_obj if p.layer_obj is not None else p
            kind = "InputLayer" if p.layer == "Input" else _kind(p.layer_obj)
            name = namer(obj, "input_layer" if p.layer == "Input" else kind)
            names[id(p)] = name
            if id(obj) in seen_layers:
                continue   # a shared layer is listed once, as Keras does
            seen_layers.add(id(obj))
            out = _value_shape(produced)
            counts = (0, 0) if p.layer == "Input" else instance_counts(obj, set())
            rows.append(Row(name, kind, out, None if counts is None else sum(counts),
                            [names.get(id(i.producer), "?") for i in p.inputs if i.producer]))
            if gap and p.serial == last_known:
                rows.append(UNKNOWN_ROW)
    elif isinstance(model, ModelValue):
        outputs = model.layer_outputs
        for i, layer in enumerate(model.layers or []):
            kind = _kind(layer)
            name = namer(layer, kind)
            shape = _value_shape(outputs[i]) if i < len(outputs) else "?"
            counts = instance_counts(layer, set())
            rows.append(Row(name, kind, shape, None if counts is None else sum(counts)))
    elif isinstance(model, ObjectValue):
        for member in members(model):
            kind = _kind(member)
            name = namer(member, kind)
            shape = _value_shape(member.calls[0].output) if isinstance(member, LayerInstance) \
                and member.calls else "?"
            counts = instance_counts(member, set())
            rows.append(Row(name, kind, shape, None if counts is None else sum(counts)))
    else:
        return None
    # No rows, or a call not followed: the model's layers are not all known, nor its totals.
    totals = instance_counts(model, set()) if rows and not gap else None
    kind = model.kind if isinstance(model, ModelValue) else "subclassed"
    name = model.var_name or getattr(model, "name", None) or kind
    data = list(dict.fromkeys(getattr(model, "data", ())))
    return ModelSummary(name, kind, 0, rows, None if totals is None else totals[0],
                        None if totals is None else totals[1], data)


def _value_shape(value: Any) -> str:
    tensors = _tensors(value)
    if not tensors:
        return "?"
    if len(tensors) == 1:
        return format_shape(tensors[0].shape)
    return "[" + ", ".join(format_shape(t.shape) for t in tensors) + "]"


def _fragment(model: Any) -> bool:
    """A model a helper function builds and another model uses as a layer: listed as that
    model's layer, as Keras lists it, not as a model of the file."""
    return isinstance(model, ModelValue) and model.called and any(f.kind == "call" for f in model.context)


def _from_uncalled(model: Any) -> bool:
    """Built by a function the file never calls (run once by the analysis, with its defaults)."""
    return any(f.kind == "call" and f.call_node is None for f in getattr(model, "context", ()))


def _layout(summary: ModelSummary) -> list[tuple[str, str]]:
    return [(r.kind, r.output_shape) for r in summary.rows]


def summarize(log: EventLog, where: Any) -> list[ModelSummary]:
    """One summary per model the file builds (functional, Sequential, subclassed): not the
    fragments its helpers build for other models, nor what a function the file never calls
    builds when a model listed already has the same layers."""
    namer = Namer()
    out: list[ModelSummary] = []
    candidates = list(log.models) + [o for o in log.objects if o.cls.keras_kind == "model"]
    later = []
    for model in candidates:
        if _fragment(model):
            continue
        if _from_uncalled(model):
            later.append(model)
            continue
        _add(model, namer, log, where, out)
    for model in later:
        _add(model, namer, log, where, out, unless_like=[_layout(s) for s in out])
    return out


def _add(model: Any, namer: Namer, log: EventLog, where: Any, out: list[ModelSummary],
         unless_like: list[list[tuple[str, str]]] | None = None) -> None:
    summary = summarize_model(model, namer, log)
    if summary is None or (unless_like and _layout(summary) in unless_like):
        return
    if getattr(model, "node", None) is not None:
        summary.row = where(model.node)[0][0]
    out.append(summary)
