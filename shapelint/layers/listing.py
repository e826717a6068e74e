"""What ``shapelint layers`` prints: every modeled layer, its accepted ranks and family,
then every modeled op (:mod:`shapelint.ops.listing`)."""
from __future__ import annotations

import json
from typing import Any

from shapelint.layers.exclusions import EXCLUDED
from shapelint.layers.spec import LayerSpec
from shapelint.layers.table import FAMILIES, LAYERS
from shapelint.ops import listing as op_listing
from shapelint.resolution import ALIASES


def ranks_text(spec: LayerSpec) -> str:
    """Accepted input ranks (batch axis included): ``4``, ``3|4``, ``>=2`` or ``any``."""
    if spec.ranks:
        return "|".join(str(r) for r in spec.ranks)
    if spec.min_rank:
        return f">={spec.min_rank}"
    return "any"


def _module(spec: LayerSpec) -> str:
    for family in FAMILIES:
        if spec in family.SPECS:
            return family.__name__.rsplit(".", 1)[-1]
    return ""


def rows() -> list[dict[str, Any]]:
    aliases: dict[str, list[str]] = {}
    for alias, name in ALIASES.items():
        aliases.setdefault(name, []).append(alias)
    out = []
    for name in sorted(LAYERS):
        spec = LAYERS[name]
        out.append({
            "name": name,
            "ranks": ranks_text(spec),
            "family": spec.family,
            "module": _module(spec),
            "inputs": "list" if spec.takes == "list" else "tensor",
            "call_arguments": list(spec.call_params),
            "output": "unknown" if spec.opaque else "computed",
            "aliases": sorted(aliases.get(name, [])),
            "functional": spec.functional,
        })
    return out


def as_json() -> str:
    return json.dumps({"layers": rows(),
                       "excluded": [{"name": n, "reason": r} for n, r in sorted(EXCLUDED.items())],
                       **op_listing.as_data()},
                      indent=2)


def as_text() -> str:
    lines = [f"{'layer':<46} {'ranks':<7} {'family':<17} output"]
    table = rows()
    for r in table:
        extra = f"  (also {', '.join(r['aliases'])})" if r["aliases"] else ""
        lines.append(f"{r['name']:<46} {r['ranks']:<7} {r['family']:<17} {r['output']}{extra}")
    lines.append("")
    lines.append(f"{len(table)} modeled layers; not modeled ({len(EXCLUDED)}):")
    for name, reason in sorted(EXCLUDED.items()):
        lines.append(f"  {name}: {reason}")
    lines.append("")
    lines.extend(op_listing.text_lines())
    return "\n".join(lines)
