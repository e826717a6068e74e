"""``--statistics``: how many findings of each rule, most frequent first, as ruff prints them
(``count<TAB>code<TAB>name``, columns aligned, ``[*]`` before the name of a rule --fix can
fix), or as JSON."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from shapelint.findings import FileResult


def counts(results: Sequence[FileResult]) -> list[tuple[str, str, int]]:
    found = Counter((d.code, d.name) for r in results for d in r.diagnostics)
    ordered = sorted(found.items(), key=lambda item: (-item[1], item[0]))     # most frequent first
    return [(code, name, n) for (code, name), n in ordered]


def _fixable(results: Sequence[FileResult]) -> set[str]:
    """Rules with a finding that --fix can fix (a safe fix), as ruff counts them."""
    return {d.code for r in results for d in r.diagnostics if d.edits and d.applicability == "safe"}


def as_text(results: Sequence[FileResult]) -> str:
    rows = counts(results)
    if not rows:
        return ""
    count_width = max(len(str(n)) for _, _, n in rows)
    code_width = max(len(code) for code, _, _ in rows)
    fixable = _fixable(results)
    return "\n".join(f"{n:>{count_width}}\t{code:<{code_width}}\t{'[*] ' if code in fixable else ''}{name}"
                     for code, name, n in rows)


def as_json(results: Sequence[FileResult]) -> str:
    fixable = _fixable(results)
    return json.dumps([{"code": code, "name": name, "count": n, "fixable": code in fixable}
                       for code, name, n in counts(results)], indent=2)
