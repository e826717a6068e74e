"""Analyses that run over the interpreter events of a whole file (sharing, parameters)."""
from __future__ import annotations

from typing import Any


def run_all(interp: Any) -> None:
    """Report what only the whole file's events show (called after interpretation)."""
    from shapelint.analyses.hotspot import find_hot_spots
    from shapelint.analyses.sharing import find_recreated_layers

    for violation, node in [*find_recreated_layers(interp), *find_hot_spots(interp)]:
        interp.report(violation, node)
