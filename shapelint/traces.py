"""Where a finding's inputs came from, and where it was found.

Each input is walked back through the calls that produced it (following a call's first
input) until its history joins another input's (the branches' common part explains
nothing about why they differ), an Input, or a bound. The walk gives two things: the
:class:`~shapelint.violations.base.Step`s a fix reasons about (every step, with the layer's
padding, strides and the sizes as the code writes them), and the trace users read, where
shape-preserving steps between two informative ones are folded into a count, a step that
divides a size unevenly says so, and each step names the calls and loop passes it ran in.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from shapelint.findings import Frame, Origin, TraceEntry
from shapelint.fixes.code import NOT_LITERAL, argument, factors, function_name, literal
from shapelint.interp.events import ContextFrame
from shapelint.interp.provenance import Locate, Producer
from shapelint.shapes import Shape, format_shape, is_known
from shapelint.violations.base import Step
from shapelint.violations.lineage import keeps_shape

MAX_WALK = 48          # steps followed back per input
MAX_SHOWN = 10         # informative steps shown per input (the nearest)
MAX_ANCESTORS = 4000   # calls visited to find where two inputs' histories meet


@dataclass(frozen=True)
class Traced:
    entries: tuple[TraceEntry, ...]          # what users read
    history: tuple[tuple[Step, ...], ...]    # what fixes reason about, one per input traced


def display(path: str | None) -> str | None:
    """A project module's path as the user reaches it: relative to the working directory
    when it is below it."""
    if path is None:
        return None
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def chain(context: Sequence[ContextFrame], locate: Locate) -> tuple[Frame, ...]:
    """The interpreter's context stack as frames, innermost first: each call at its call
    site, each loop pass at its loop (numbered from 1), a function the file never calls (run
    by the analysis with its defaults) at its def."""
    frames = []
    for frame in reversed(tuple(context)):
        if frame.kind == "call":
            # a function the file never calls is run on its own: located at its def
            kind = "call" if frame.call_node is not None else "uncalled"
            path, ((row, column), _) = locate(frame.call_node if kind == "call" else frame.node)
            frames.append(Frame(kind, function_name(frame.node), row, column + 1, display(path)))
        else:
            path, ((row, column), _) = locate(frame.node)
            frames.append(Frame("loop", "", row, column + 1, display(path), frame.index + 1))
    return tuple(frames)


def producer_of(value: object) -> Producer | None:
    """The call that made a value (a tensor, an array); None for a value no call made."""
    found = getattr(value, "producer", None)
    return found if isinstance(found, Producer) else None


def trace(inputs: Sequence[tuple[str, object]], locate: Locate) -> Traced:
    """The traces and histories of a finding's inputs (those with a producer)."""
    traced = [(label, value) for label, value in inputs if producer_of(value) is not None]
    ancestors = [_ancestors(value) for _, value in traced]
    entries: list[TraceEntry] = []
    history: list[tuple[Step, ...]] = []
    for i, (label, value) in enumerate(traced):
        others = [(traced[j][0], ancestors[j]) for j in range(len(traced)) if j != i]
        walked, joined, meets, truncated = _walk(value, others)
        own = len(walked) if joined is None else joined
        steps = tuple(_step(p, t, shared=k >= own) for k, (p, t) in enumerate(walked))
        entries.append(TraceEntry(label, _shape_text(value), _shown(walked[:own], steps[:own], locate),
                                  meets, truncated and meets is None))
        history.append(steps)
    return Traced(tuple(entries), tuple(history))


def _ancestors(value: object) -> set[int]:
    """Ids of the calls that ``value`` was computed from, its own producer included."""
    seen: set[int] = set()
    stack = [value]
    while stack and len(seen) < MAX_ANCESTORS:
        p = producer_of(stack.pop())
        if p is None or id(p) in seen:
            continue
        seen.add(id(p))
        stack.extend(p.inputs)
    return seen


def _walk(value: object, others: list[tuple[str, set[int]]]
          ) -> tuple[list[tuple[Producer, object]], int | None, str | None, bool]:
    """(producer, the tensor it made) pairs back from ``value`` (nearest first); the index
    of the first step shared with another input's history (None: none) and that input's
    label; whether the bound cut the walk short. The first step is never counted shared:
    it is where this input was made."""
    walked: list[tuple[Producer, object]] = []
    joined: int | None = None
    meets: str | None = None
    seen: set[int] = set()
    current = value
    while (p := producer_of(current)) is not None:
        if walked and meets is None:
            meets = next((label for label, ids in others if id(p) in ids), None)
            if meets is not None:
                joined = len(walked)
        if id(p) in seen:
            break
        if len(walked) == MAX_WALK:
            return walked, joined, meets, True
        seen.add(id(p))
        walked.append((p, current))
        current = p.inputs[0] if p.inputs else None
    return walked, joined, meets, False


def _shape_text(value: object) -> str:
    shape = getattr(value, "shape", None)
    return format_shape(shape) if isinstance(shape, Shape) else "(dataset)"


def _input_shape(p: Producer) -> Shape | None:
    shape = getattr(p.inputs[0], "shape", None) if p.inputs else None
    return shape if isinstance(shape, Shape) else None


def _step(p: Producer, produced: object, shared: bool = False) -> Step:
    layer = p.layer_obj
    config = getattr(layer, "config", None)
    raw = config.raw if config is not None else (lambda name, default=None: None)
    padding = raw("padding")
    strides = _ints(raw("strides")) or _ints(raw("pool_size"))
    wrapped = raw("layer")
    node = getattr(layer, "node", None)
    size = argument(node, "units", 0) or argument(node, "filters", 0) if node is not None else None
    declared = None
    if p.layer == "Input":
        shape_arg = argument(p.node, "shape", 0)
        declared = _sizes(literal(shape_arg.value) if shape_arg is not None else NOT_LITERAL)
    shape = getattr(produced, "shape", None)
    return Step(layer=p.layer, row=p.row, shape=shape if isinstance(shape, Shape) else None,
                before=_input_shape(p), path=display(p.path),
                padding=padding if isinstance(padding, str) else None, strides=strides,
                wraps=getattr(getattr(wrapped, "spec", None), "name", None),
                factors=factors(size.value) if size is not None else (), declared=declared,
                shared=shared)


def _sizes(written: object) -> tuple[int | None, ...] | None:
    """A shape as written (``(None, 28, 28)``): a tuple of ints and Nones; None for anything else."""
    if not isinstance(written, tuple):
        return None
    sizes = tuple(d for d in written if d is None or is_known(d))
    return sizes if len(sizes) == len(written) else None


def _ints(value: object) -> tuple[int, ...] | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, tuple) and value and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        return value
    return None


def _shown(walked: list[tuple[Producer, object]], steps: tuple[Step, ...],
           locate: Locate) -> tuple[Origin, ...]:
    """The steps users read: the first and last always, shape-preserving ones in between
    folded into the next shown step's ``kept``, at most MAX_SHOWN."""
    out: list[Origin] = []
    kept: list[str] = []
    for k, ((p, produced), step) in enumerate(zip(walked, steps)):
        if 0 < k < len(steps) - 1 and keeps_shape(step):
            kept.append(p.layer)
            continue
        if len(out) == MAX_SHOWN:
            break
        out.append(Origin(p.row, p.column + 1, p.layer, _shape_text(produced), display(p.path),
                          chain(p.context, locate), tuple(kept), uneven_division(step)))
        kept = []
    return tuple(out)


def uneven_division(step: Step) -> str:
    """``25 / 2 rounded down to 12`` when a step divides a size that its factor does not
    divide (a pooling or strided convolution of an odd size): the size that cannot come
    back by upsampling. Empty for anything else."""
    before, after = step.before, step.shape
    if before is None or after is None or before.rank != after.rank or not before.dims or not after.dims:
        return ""
    notes = []
    for a, b in zip(before.dims[1:-1], after.dims[1:-1]):
        if not (is_known(a) and is_known(b)) or b <= 0 or a <= b:
            continue
        factor = round(a / b)
        if factor < 2 or a % factor == 0:
            continue
        if b == a // factor:
            notes.append(f"{a} / {factor} rounded down to {b}")
        elif b == -(-a // factor):
            notes.append(f"{a} / {factor} rounded up to {b}")
    return "; ".join(dict.fromkeys(notes))
