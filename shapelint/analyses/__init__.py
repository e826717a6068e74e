"""Analyses that run over the interpreter events of a whole file (sharing, parameters)."""
from __future__ import annotations

from typing import Any


def run_all(interp: Any) -> None:
    """Report what only the whole file's events show (called after interpretation)."""
    from shapelint.analyses.hotspot import find_hot_spots
    from shapelint.analyses.sharing import find_recreated_layers

    for finding in find_recreated_layers(interp):
        interp.report("SHP501", finding.pop("node"), finding)
    for finding in find_hot_spots(interp):
        interp.report("SHP503", finding.pop("node"), finding)
