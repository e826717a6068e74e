"""What an editor shows for a value: its shape (inlay hints) and a short Markdown account of it
(hover). Shapes are written by :func:`~shapelint.shapes.format_shape`, as ``shapelint summary``
writes them, so the three never disagree.

A value is *shown* when it is a tensor, an array or dataset, a layer, a model, or a list or
tuple of tensors and arrays; every other value (numbers, strings, functions) is left to other
tools. One table maps each kind to its hover text.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from shapelint.accounting.summary import ModelSummary, instance_counts
from shapelint.arrays.spec import ArrayType, DatasetType
from shapelint.data.values import DataValue
from shapelint.interp.values import ListValue, ObjectValue
from shapelint.keras.values import LayerCall, LayerInstance, ModelValue, Tensor
from shapelint.reporters.summary_report import table
from shapelint.shapes import Shape, format_shape, is_known

# A model's summary, found by the index (the one `shapelint summary` prints for it).
SummaryOf = Callable[[Any], "ModelSummary | None"]


def is_model(value: Any) -> bool:
    return isinstance(value, ModelValue) or (
        isinstance(value, ObjectValue) and value.cls.keras_kind == "model")


def items_of(value: Any) -> Sequence[Any] | None:
    """The items of a list or tuple value (None for any other value, or a list whose
    contents are no longer known)."""
    if isinstance(value, ListValue):
        return value.items
    return value if isinstance(value, tuple) else None


def shape_text(value: Any) -> str | None:
    """The shape of a tensor or an array, ``[a, b]`` for a list or tuple of them; None for any
    other value (a layer, a number, a list holding something else)."""
    if isinstance(value, Tensor):
        return format_shape(value.shape)
    if isinstance(value, DataValue) and value.array is not None:
        return format_shape(value.array.shape)
    items = items_of(value)
    if items:
        parts = [shape_text(v) for v in items]
        if all(p is not None for p in parts):
            return "[" + ", ".join(p for p in parts if p is not None) + "]"
    return None


def is_shown(value: Any) -> bool:
    """Whether hover has something to say about the value."""
    return shape_text(value) is not None or _is_dataset(value) or isinstance(value, LayerInstance) \
        or is_model(value)


def rank_known(value: Any) -> bool:
    """A tensor or array whose rank is known (an inlay hint of ``(unknown rank)`` says nothing)."""
    if isinstance(value, Tensor):
        return value.shape.dims is not None
    if isinstance(value, DataValue) and value.array is not None:
        return value.array.shape.dims is not None
    items = items_of(value)
    return items is not None and len(items) > 0 and all(rank_known(v) for v in items)


def _fully_known(shapes: Any) -> bool:
    """Every axis but the batch axis has a known size (as the summary decides which call built
    a layer's weights)."""
    items = shapes if isinstance(shapes, list) else [shapes]
    return all(isinstance(s, Shape) and s.dims is not None and all(is_known(d) for d in s.dims[1:])
               for s in items)


def layer_calls(layer: LayerInstance) -> list[LayerCall]:
    """The calls that say what the layer does: those on fully known inputs, when there are any
    (a Sequential is also run once on a provisional input before it is built)."""
    known = [c for c in layer.calls if _fully_known(c.input_shapes)]
    return known or list(layer.calls)


def _distinct(texts: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def _input_text(shapes: Any) -> str:
    if isinstance(shapes, Shape):
        return format_shape(shapes)
    if isinstance(shapes, list) and all(isinstance(s, Shape) for s in shapes):
        return "[" + ", ".join(format_shape(s) for s in shapes) + "]"
    return "not known"


def _noun(value: Any) -> str:
    """tensor, array, or tensors / arrays for a list or tuple of them."""
    items = items_of(value)
    sample = items[0] if items else value
    noun = "array" if isinstance(sample, DataValue) else "tensor"
    return f"{noun}s" if items is not None else noun


def _one_of(title: str, items: list[str]) -> str:
    """``title item``, or a list when the expression held different values on different runs."""
    if len(items) == 1:
        return f"{title} {items[0]}"
    return "\n".join([f"{title}, one of (this code runs more than once):", *(f"- {i}" for i in items)])


def _count(n: int) -> str:
    return f"{n:,}"


def _code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


@dataclass(frozen=True)
class Hover:
    """What hover says about the values one expression held (several when the code ran more
    than once: a helper called twice, a loop)."""

    values: tuple[Any, ...]
    summary_of: SummaryOf
    row: int = 0          # the line hovered: where a tensor was made is said only when elsewhere

    def markdown(self) -> str:
        first = self.values[0]
        for kind, render in _RENDERERS:
            if kind(first):
                return render(self, [v for v in self.values if kind(v)])
        return ""

    def tensors(self, values: list[Any]) -> str:
        first = values[0]
        shapes = _distinct([t for v in values if (t := shape_text(v)) is not None])
        text = _one_of(f"**{_noun(first)}**", [_code(s) for s in shapes])
        if isinstance(first, DataValue) and first.dtype is not None:
            text += f", {first.dtype}"
        producer = getattr(first, "producer", None)
        if producer is not None and producer.path is None and len(shapes) == 1 and producer.row != self.row:
            text += f"\n\nmade by {producer.layer} at line {producer.row}"
        return text

    def datasets(self, values: list[Any]) -> str:
        elements = _distinct([_element_text(v.type.element) for v in values])
        return _one_of("**dataset**", [f"of elements {_code(e)}" for e in elements])

    def layers(self, values: list[Any]) -> str:
        blocks = [_layer_text(layer) for layer in dict.fromkeys(values)]
        return "\n\n---\n\n".join(blocks)

    def models(self, values: list[Any]) -> str:
        blocks = []
        for model in dict.fromkeys(values):
            summary = self.summary_of(model)
            if summary is None:
                blocks.append("**model** (its layers are not known)")
                continue
            body = table("", [summary]).split("\n", 1)[1]
            blocks.append(f"**model** {_code(summary.name)} ({summary.kind})\n\n```text\n{body}\n```")
        return "\n\n---\n\n".join(blocks)


def _element_text(element: Any) -> str:
    if isinstance(element, ArrayType):
        return format_shape(element.shape)
    if isinstance(element, tuple):
        return "(" + ", ".join(_element_text(e) for e in element) + ")"
    if isinstance(element, dict):
        return "{" + ", ".join(f"{k!r}: {_element_text(e)}" for k, e in element.items()) + "}"
    return "not known"


def _layer_text(layer: LayerInstance) -> str:
    calls = layer_calls(layer)
    title = f"**{layer.spec.name}** layer" + (f" {_code(layer.name)}" if layer.name else "")
    if not calls:
        lines = [title, "", "output not known"]     # never called, or on what the analysis could not follow
    else:
        outputs = _distinct([shape_text(c.output) or "not known" for c in calls])
        inputs = _distinct([_input_text(c.input_shapes) for c in calls])
        lines = [title, "", f"output {' or '.join(map(_code, outputs))}",
                 "", f"input {' or '.join(map(_code, inputs))}"]
    counts = instance_counts(layer, set())
    if counts is None:
        lines += ["", "parameters: not known"]
    else:
        trainable, frozen = counts
        lines += ["", f"parameters: {_count(trainable + frozen)} ({_count(trainable)} trainable, "
                      f"{_count(frozen)} non-trainable)"]
    return "\n".join(lines)


def _is_dataset(value: Any) -> bool:
    return isinstance(value, DataValue) and isinstance(value.type, DatasetType)


def _has_shape(value: Any) -> bool:
    return shape_text(value) is not None


# Which renderer speaks for a value, first match wins.
_RENDERERS: tuple[tuple[Callable[[Any], bool], Callable[[Hover, list[Any]], str]], ...] = (
    (_has_shape, Hover.tensors),
    (_is_dataset, Hover.datasets),
    (lambda v: isinstance(v, LayerInstance), Hover.layers),
    (is_model, Hover.models),
)
