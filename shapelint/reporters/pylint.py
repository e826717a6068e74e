"""pylint's parseable format, ``path:line: [CODE] message``, which many CI problem matchers
and editors read (``path:cell 3:2: [CODE]`` in a notebook). Notes read ``path: note: ...``,
a shape no matcher takes for a finding."""
from __future__ import annotations

from collections.abc import Sequence

from shapelint.findings import FileResult
from shapelint.reporters.locations import label
from shapelint.reporters.printable import printable


def render(results: Sequence[FileResult], run_notes: Sequence[str] = ()) -> str:
    lines = []
    for r in results:
        for d in r.diagnostics:
            where = label(r.notebook, d.location).rsplit(":", 1)[0]
            lines.append(printable(f"{d.path}:{where}: [{d.code}] {d.message}"))
        lines += [printable(f"{r.path}: note: {n}") for n in r.all_notes]
    return "\n".join(lines + [printable(f"note: {n}") for n in run_notes])
