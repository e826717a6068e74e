"""``--statistics``: how many findings of each rule, most frequent first, as ruff prints them
(``count<TAB>code<TAB>name``, columns aligned), or as JSON."""
from __future__ import annotations

import json
from collections import Counter
from typing import Sequence

from shapelint.findings import FileResult


def counts(results: Sequence[FileResult]) -> list[tuple[str, str, int]]:
    found = Counter((d.code, d.name) for r in results for d in r.diagnostics)
    ordered = sorted(found.items(), key=lambda item: (-item[1], item[0]))     # most frequent first
    return [(code, name, n) for (code, name), n in ordered]


def as_text(results: Sequence[FileResult]) -> str:
    rows = counts(results)
    if not rows:
        return ""
    count_width = max(len(str(n)) for _, _, n in rows)
    code_width = max(len(code) for code, _, _ in rows)
    return "\n".join(f"{n:>{count_width}}\t{code:<{code_width}}\t{name}" for code, name, n in rows)


def as_json(results: Sequence[FileResult]) -> str:
    return json.dumps([{"code": code, "name": name, "count": n, "fixable": False}
                       for code, name, n in counts(results)], indent=2)
