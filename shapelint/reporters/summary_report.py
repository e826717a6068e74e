"""Model summaries as a table like Keras' `model.summary()`, or as JSON. Names come from the
user's code, so the table shows them printable."""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict

from shapelint.accounting.summary import ModelSummary
from shapelint.findings import NotebookIndex, Position
from shapelint.reporters.locations import in_cell, label
from shapelint.reporters.printable import printable


def _n(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _row(notebook: NotebookIndex | None, row: int) -> str:
    """``12``, or ``cell 3:2`` in a notebook."""
    return label(notebook, Position(row, 1)).rsplit(":", 1)[0]


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    """One row of the table, each cell padded to its column's width."""
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()


def table(path: str, summaries: Sequence[ModelSummary], notebook: NotebookIndex | None = None) -> str:
    path = printable(path)
    if not summaries:
        return f"{path}: no model found"
    blocks = []
    for s in summaries:
        header = ("Layer (type)", "Output Shape", "Param #", "Connected to")
        rows = [(printable(f"{r.name} ({r.kind})"), printable(r.output_shape), _n(r.params),
                 printable(", ".join(r.connected_to))) for r in s.rows] \
            or [("(layers not known statically)", "?", "?", "")]
        widths = [max(len(x) for x in col) for col in zip(header, *rows)]
        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        blocks.append("\n".join([
            f'{path}:{_row(notebook, s.row)}: Model "{printable(s.name)}" ({s.kind})',
            rule, _line(header, widths), rule, *(_line(r, widths) for r in rows), rule,
            f" Total params: {_n(s.total)}",
            f" Trainable params: {_n(s.trainable)}",
            f" Non-trainable params: {_n(s.non_trainable)}",
            *(f" Data: {printable(d)}" for d in s.data),
        ]))
    return "\n\n".join(blocks)


def as_json(results: Mapping[str, tuple[Sequence[ModelSummary], NotebookIndex | None]]) -> str:
    """One entry per model; in a notebook ``cell`` is its cell and ``row`` counts in it."""
    return json.dumps([
        {"filename": path, **asdict(s), "cell": cell, "row": at.row, "total": s.total}
        for path, (summaries, notebook) in results.items() for s in summaries
        for cell, at in [in_cell(notebook, Position(s.row, 1))]
    ], indent=2)
