"""Control flow: scopes, signals, guards, and joining two branches.

When a condition is unknown, both branches run from the same state and the states are
joined afterwards (:func:`~shapelint.interp.kinds.join_values` per name, and per mutable
value reachable from the scope, through its kind's state).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shapelint.interp.kinds import Kind, join_values, kind_of
from shapelint.interp.values import Value

MAX_SNAPSHOT_DEPTH = 4


class Scope:
    """A Python namespace: module, function or class body."""

    def __init__(self, parent: Scope | None = None, kind: str = "module") -> None:
        self.vars: dict[str, Value] = {}
        self.parent = parent
        self.kind = kind
        self.global_names: set[str] = set()
        self.star_modules: list[str] = []   # from X import *

    def lookup(self, name: str) -> tuple[bool, Value]:
        """Python's rule: own scope, then enclosing function scopes (not class bodies)."""
        scope: Scope | None = self
        first = True
        while scope is not None:
            if (first or scope.kind != "class") and name in scope.vars:
                return True, scope.vars[name]
            first = False
            scope = scope.parent
        return False, None

    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def chain(self) -> list[Scope]:
        """This scope and every enclosing one."""
        out: list[Scope] = []
        s: Scope | None = self
        while s is not None:
            out.append(s)
            s = s.parent
        return out

    def assign(self, name: str, value: Value) -> None:
        if name in self.global_names:
            self.module().vars[name] = value
        else:
            self.vars[name] = value


class ReturnSignal(Exception):
    def __init__(self, value: Value) -> None:
        super().__init__()
        self.value = value


class BreakSignal(Exception):
    pass


class ContinueSignal(Exception):
    pass


class DeadPath(Exception):
    """Every branch returned: the rest of the function body does not run."""


class Guards:
    """Whether findings are withheld here: inside a branch whose condition depends on data
    the analysis models abstractly (it may refine shapes the analysis cannot see), or after
    an early exit under such a condition."""

    def __init__(self) -> None:
        self.depth = 0
        self.rest = False          # the rest of the current block is under such a condition
        self.symbolic_reads = 0    # values of symbolic kinds read so far (classifies conditions)

    @property
    def active(self) -> bool:
        return self.depth > 0


# --- snapshots of mutable state, so that two branches start from the same state ---------

# A mutable value reachable from a scope, with its kind: its state is what is snapshotted.
Container = tuple[Kind[Any], Value]


def _containers(values: list[Value], seen: set[int], out: list[Container], depth: int = 0) -> None:
    if depth > MAX_SNAPSHOT_DEPTH:
        return
    for v in values:
        if isinstance(v, tuple):
            _containers(list(v), seen, out, depth + 1)
            continue
        kind = kind_of(v)
        if kind is None or id(v) in seen or (kind.state(v) is None and not kind.children(v)):
            continue
        seen.add(id(v))
        if kind.state(v) is not None:
            out.append((kind, v))
        _containers(kind.children(v), seen, out, depth + 1)


# What a branch left behind: each scope's names, and each container's state.
Captured = tuple[list[dict[str, Value]], list[Any]]


class Snapshot:
    """The state of every container reachable from some scopes, to restore and join."""

    def __init__(self, scopes: list[Scope]) -> None:
        self.scopes = scopes
        self.vars = [dict(s.vars) for s in scopes]
        self.containers: list[Container] = []
        _containers([v for s in scopes for v in s.vars.values()], set(), self.containers)
        self.states = [kind.state(c) for kind, c in self.containers]

    def capture(self) -> Captured:
        return [dict(s.vars) for s in self.scopes], [kind.state(c) for kind, c in self.containers]

    def restore(self) -> None:
        self.install((self.vars, self.states))

    def install(self, captured: Captured) -> None:
        vars_, states = captured
        for s, v in zip(self.scopes, vars_):
            s.vars.clear()
            s.vars.update(v)
        for (kind, c), st in zip(self.containers, states):
            kind.set_state(c, st)

    def join_into_scopes(self, a: Captured, b: Captured) -> None:
        (va, sa), (vb, sb) = a, b
        for s, x, y in zip(self.scopes, va, vb):
            merged = {k: join_values(x[k], y[k]) if k in x and k in y else (x[k] if k in x else y[k])
                      for k in {**x, **y}}
            s.vars.clear()
            s.vars.update(merged)
        for (kind, c), x, y in zip(self.containers, sa, sb):
            kind.set_state(c, kind.join_state(c, x, y))


def both_branches(run_a: Callable[[], None], run_b: Callable[[], None], scope: Scope,
                  guards: Guards, guarded: bool, on_return: Callable[[Value], None]) -> None:
    """Run two alternatives from the same state and join what they leave behind.

    A branch whose condition depends on symbolic data may refine it in a way the analysis
    cannot see, so findings inside it are withheld (``guarded``).
    """
    snap = Snapshot(scope.chain())
    results = []
    for run in (run_a, run_b):
        snap.restore()
        guards.depth += guarded
        try:
            run()
            results.append(snap.capture())
        except ReturnSignal as ret:
            on_return(ret.value)
        except DeadPath:
            pass
        except (BreakSignal, ContinueSignal):
            results.append(snap.capture())
        finally:
            guards.depth -= guarded
    if not results:
        raise DeadPath()
    if len(results) == 1:
        snap.install(results[0])
        guards.rest = guarded
    else:
        snap.join_into_scopes(results[0], results[1])
