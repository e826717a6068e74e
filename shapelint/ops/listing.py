"""What ``shapelint layers`` prints about ops: every modeled function, operator and tensor
attribute, so users (and tests) can see which calls inside model code shapes flow through."""
from __future__ import annotations

from typing import Any

from shapelint.ops.operators import BROADCASTING, ORDERINGS, TENSOR_METHODS
from shapelint.ops.spec import display_name
from shapelint.ops.table import ALIASES, FAMILIES, OPS

TENSOR_ATTRIBUTES = ("x.shape", "x.ndim", *(f"x.{m}()" for m in TENSOR_METHODS))
INDEXING = "x[...]: ints, slices (negative steps too), None/newaxis, Ellipsis"


def _family(name: str) -> str:
    for family in FAMILIES:
        if any(spec.name == name for spec in family.SPECS):
            return family.__name__.rsplit(".", 1)[-1]
    return ""


def rows() -> list[dict[str, Any]]:
    aliases: dict[str, list[str]] = {}
    for alias, target in ALIASES.items():
        aliases.setdefault(target, []).append(display_name(alias))
    out = []
    for name in sorted(OPS):
        spec = OPS[name]
        out.append({
            "name": spec.display,
            "canonical": name,
            "family": _family(name),
            "parameters": list(spec.params) + ([f"*{spec.varargs}"] if spec.varargs else []),
            "returns": spec.returns,
            "aliases": sorted(aliases.get(name, [])),
        })
    return out


def operators() -> list[str]:
    symbols = sorted(set(BROADCASTING) | set(ORDERINGS))
    return [f"x {s} y" for s in symbols]


def as_data() -> dict[str, Any]:
    return {"ops": rows(), "operators": operators(), "indexing": INDEXING,
            "tensor_attributes": list(TENSOR_ATTRIBUTES)}


def text_lines() -> list[str]:
    table = rows()
    width = max(len(r["name"]) for r in table) + 2
    lines = [f"{'op':<{width}} {'family':<12} returns"]
    for r in table:
        extra = f"  (also {', '.join(r['aliases'])})" if r["aliases"] else ""
        lines.append(f"{r['name']:<{width}} {r['family']:<12} {r['returns']}{extra}")
    lines.append("")
    lines.append(f"{len(table)} modeled ops; operators: {', '.join(operators())};")
    lines.append(f"indexing {INDEXING}; tensor attributes: {', '.join(TENSOR_ATTRIBUTES)}")
    return lines
