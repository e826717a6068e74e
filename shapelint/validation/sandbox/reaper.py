"""Find and kill every process a build left behind, wherever it went.

A build may fork, ``setsid()`` out of its process group and let its parent die. As a
child subreaper (Linux ``PR_SET_CHILD_SUBREAPER``) the zygote inherits such orphans
instead of init, so everything a build started stays among the zygote's descendants,
which :func:`kill_descendants` finds by walking the process table.
"""
from __future__ import annotations

import os
import signal
import time

from shapelint.validation.sandbox import syscalls


def become_subreaper() -> bool:
    if not syscalls.IS_LINUX:
        return False
    try:
        syscalls.prctl(syscalls.PR_SET_CHILD_SUBREAPER, 1)
    except OSError:
        return False
    return True


def _parents() -> dict[int, int]:
    """pid -> parent pid of every live process (zombies left out: they are only waiting
    for their parent to collect them, and hold nothing)."""
    out: dict[int, int] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return out
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1 and fields[0] not in (b"Z", b"X"):
            out[int(name)] = int(fields[1])
    return out


def descendants(root: int) -> list[int]:
    parents = _parents()
    found: list[int] = []
    frontier = {root}
    while frontier:
        children = [pid for pid, ppid in parents.items() if ppid in frontier and pid not in found]
        found += children
        frontier = set(children)
    return found


def reap() -> None:
    """Collect every exited child (zombies) without blocking."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_descendants(root: int, collect: bool = True, rounds: int = 500) -> int:
    """SIGKILL every live descendant of ``root`` until none is left; returns how many.
    ``root`` must stay alive meanwhile and be a subreaper, so the orphans of killed
    processes come back under it. ``collect``: ``root`` is this process, so reap them."""
    killed = 0
    for _ in range(rounds):
        found = descendants(root)
        if not found:
            return killed
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.002)
        if collect:
            reap()
    return killed
