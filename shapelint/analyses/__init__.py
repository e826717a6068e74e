"""Analyses over a whole file's events (weight sharing, parameter hot spots), and the
observers that watch the interpreter as it runs (untracked layers)."""
from __future__ import annotations

from shapelint.interp.host import Host
from shapelint.keras.events import EventLog


def run_all(log: EventLog, host: Host) -> None:
    """Report what only the whole file's events show (called after interpretation)."""
    from shapelint.analyses.hotspot import find_hot_spots
    from shapelint.analyses.names import find_duplicate_names
    from shapelint.analyses.sharing import find_recreated_layers

    for violation, node in [*find_recreated_layers(log, host.where), *find_hot_spots(log, host.where),
                            *find_duplicate_names(log, host.where)]:
        host.report(violation, node)
