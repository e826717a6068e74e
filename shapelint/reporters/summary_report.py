"""Model summaries as a table like Keras' `model.summary()`, or as JSON. Names come from the
user's code, so the table shows them printable."""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Optional, Sequence

from shapelint.accounting.summary import ModelSummary
from shapelint.reporters.printable import printable


def _n(value: Optional[int]) -> str:
    return "?" if value is None else f"{value:,}"


def table(path: str, summaries: Sequence[ModelSummary]) -> str:
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
        line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        blocks.append("\n".join([
            f'{path}:{s.row}: Model "{printable(s.name)}" ({s.kind})',
            rule, line(header), rule, *(line(r) for r in rows), rule,
            f" Total params: {_n(s.total)}",
            f" Trainable params: {_n(s.trainable)}",
            f" Non-trainable params: {_n(s.non_trainable)}",
        ]))
    return "\n\n".join(blocks)


def as_json(results: dict[str, Sequence[ModelSummary]]) -> str:
    return json.dumps([
        {"filename": path, **asdict(s), "total": s.total}
        for path, summaries in results.items() for s in summaries
    ], indent=2)
