"""The values a buffer's expressions held, by position: what hover and inlay hints read.

One analysis of a buffer feeds both. :class:`ValueRecorder` listens to the interpreter
(``expression_evaluated``) and keeps the values that have something to show; a name being
assigned is never evaluated, so it gets the values of what is assigned to it. The
:class:`ShapeIndex` built from them answers "what is at this position" (the innermost
expression there) and "what does each line produce" (the tensor its statement makes, or, in a
``Sequential``, the output of the layer written on it, as ``shapelint summary`` lists it).

Positions are libcst's: 1-based lines, 0-based columns counted in code points. The LSP edge
converts them.
"""
from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from shapelint.accounting.summary import ModelSummary, Namer, summarize, summarize_model
from shapelint.checker import Analysis
from shapelint.keras.events import KerasObserver
from shapelint.keras.values import ModelValue
from shapelint.server.describe import Hover, is_shown, items_of, rank_known, shape_text
from shapelint.source import SourceFile

# Values kept per expression: a loop unrolled 64 times or a helper called from every block
# shows only the first few different shapes.
MAX_VALUES = 16

Point = tuple[int, int]          # (1-based line, 0-based column)
Values = dict[cst.CSTNode, list[Any]]   # expression -> what it held, one value per run that differed


class ValueRecorder(KerasObserver):
    """Every shown value each expression evaluated to, in the order the analysis met them."""

    def __init__(self) -> None:
        self.values: Values = {}

    def expression_evaluated(self, node: Any, value: Any) -> None:
        if is_shown(value):
            seen = self.values.setdefault(node, [])
            if len(seen) < MAX_VALUES and all(value is not v for v in seen):
                seen.append(value)


@dataclass(frozen=True)
class Span:
    """An expression of the buffer and the values it held."""

    start: Point
    end: Point                   # exclusive
    values: tuple[Any, ...]

    def contains(self, at: Point) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True)
class Hint:
    """An inlay hint: the shape a line produces, shown at the end of its code."""

    row: int
    column: int
    label: str
    tooltip: str


@dataclass
class ShapeIndex:
    spans: dict[int, list[Span]]                 # line -> the spans that cover it
    hints: list[Hint]
    analysis: Analysis | None = None
    _summaries: list[ModelSummary] | None = field(default=None, repr=False)

    @classmethod
    def empty(cls) -> ShapeIndex:
        return cls({}, [])

    @classmethod
    def build(cls, source: SourceFile, analysis: Analysis, recorder: ValueRecorder) -> ShapeIndex:
        ranges = source.ranges                   # one pass over the file, shared with the check
        values = dict(recorder.values)
        for node in ranges:
            if isinstance(node, _ASSIGNING):
                _assign(node, values)
        spans: dict[int, list[Span]] = {}
        for node, held in values.items():
            rng = ranges.get(node)
            if rng is None:          # a node of another module the file imports
                continue
            span = Span((rng.start.line, rng.start.column), (rng.end.line, rng.end.column), tuple(held))
            for row in range(rng.start.line, rng.end.line + 1):
                spans.setdefault(row, []).append(span)
        return cls(spans, _hints(source, analysis, values), analysis)

    def at(self, row: int, column: int) -> Span | None:
        """The innermost expression with a shown value at a position."""
        found = [s for s in self.spans.get(row, ()) if s.contains((row, column))]
        return max(found, key=lambda s: (s.start, (-s.end[0], -s.end[1])), default=None)

    def hover(self, span: Span) -> str:
        return Hover(span.values, self.summary_of, span.start[0]).markdown()

    def summary_of(self, model: Any) -> ModelSummary | None:
        """The summary ``shapelint summary`` prints for a model (same names, same shapes); a
        model it does not list (a helper-built fragment) is summarised on its own."""
        if self.analysis is None:
            return None
        where = self.analysis.interpreter.where
        if self._summaries is None:
            self._summaries = summarize(self.analysis.log, where)
        node = getattr(model, "node", None)
        row = where(node)[0][0] if node is not None else 0
        name = getattr(model, "var_name", None) or getattr(model, "name", None)
        for s in self._summaries:
            if s.row == row and (name is None or s.name == name):
                return s
        return summarize_model(model, Namer())


_ASSIGNING = (cst.Assign, cst.AnnAssign, cst.NamedExpr)


def _assign(node: cst.Assign | cst.AnnAssign | cst.NamedExpr, values: Values) -> None:
    """Names (and attributes) being assigned get the values of what is assigned to them."""
    if node.value is None:
        return
    targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
    for target in targets:
        _bind(target, node.value, values)


def _bind(target: cst.BaseExpression, value: cst.BaseExpression, values: Values) -> None:
    held = values.get(value)
    if not held:
        return
    if isinstance(target, (cst.Name, cst.Attribute)):
        values.setdefault(target, list(held))
    elif isinstance(target, (cst.Tuple, cst.List)):
        for i, element in enumerate(target.elements):
            if isinstance(element.value, (cst.Name, cst.Attribute)):
                parts = [_item(v, i, len(target.elements)) for v in held]
                shown = [p for p in parts if p is not None and is_shown(p)]
                if shown:
                    values.setdefault(element.value, shown)


def _item(value: Any, i: int, count: int) -> Any:
    """Item ``i`` of a tuple or list of ``count`` items (what unpacking it gives), else None."""
    items = items_of(value)
    return items[i] if items is not None and len(items) == count else None


# Statements whose value is what their line produces.
_PRODUCING = (cst.Assign, cst.AnnAssign, cst.Expr, cst.Return)


def _hints(source: SourceFile, analysis: Analysis, values: Values) -> list[Hint]:
    """One hint per line: the output of what ends last on it (a statement, or a layer of a
    Sequential model), at the end of the line's code."""
    ranges = source.ranges
    found: dict[int, tuple[Point, str, str]] = {}

    def offer(node: Any, shown: list[Any], tooltip: str) -> None:
        rng = ranges.get(node)
        shapes = [v for v in shown if rank_known(v)]
        if rng is None or not shapes:
            return
        label = " | ".join(dict.fromkeys(t for v in shapes if (t := shape_text(v)) is not None))
        end = (rng.end.line, rng.end.column)
        if rng.end.line not in found or found[rng.end.line][0] <= end:
            found[rng.end.line] = (end, label, tooltip)

    for model in analysis.log.models:
        if isinstance(model, ModelValue) and model.kind == "sequential" and model.layers:
            for layer, output in zip(model.layers, model.layer_outputs):
                name = getattr(getattr(layer, "spec", None), "name", "layer")
                offer(getattr(layer, "node", None), [output],
                      f"output shape of this {name} in the Sequential model")
    for node in ranges:
        if isinstance(node, _PRODUCING) and node.value is not None and node.value in values:
            offer(node, values[node.value], "output shape of this line")
    ends = _code_ends(source.text)
    return [Hint(row, ends.get(row, point[1]), label, tooltip)
            for row, (point, label, tooltip) in sorted(found.items())]


def _code_ends(text: str) -> dict[int, int]:
    """Where the code of each line ends (before a comment and trailing blanks)."""
    ends: dict[int, int] = {}
    skipped = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
               tokenize.ENDMARKER}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type not in skipped:
                row, column = tok.end
                ends[row] = max(ends.get(row, 0), column)
    except (tokenize.TokenError, SyntaxError):
        pass
    return ends

