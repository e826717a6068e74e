"""Control flow for the interpreter: scopes, signals, and joining two branches.

When a condition is unknown, both branches run from the same state and the states
are joined afterwards (:func:`shapelint.interp.values.join_values` per name, and
per mutable container reachable from the scope).
"""
from __future__ import annotations

from typing import Any, Optional

from shapelint.interp.values import (
    DictValue, ListValue, ModelValue, ObjectValue, join_values,
)


class Scope:
    """A Python namespace: module, function or class body."""

    def __init__(self, parent: Optional["Scope"] = None, kind: str = "module"):
        self.vars: dict[str, Any] = {}
        self.parent = parent
        self.kind = kind
        self.global_names: set[str] = set()
        self.star_modules: list[str] = []   # from X import *

    def lookup(self, name: str) -> tuple[bool, Any]:
        """Python's rule: own scope, then enclosing function scopes (not class bodies)."""
        scope: Optional[Scope] = self
        first = True
        while scope is not None:
            if (first or scope.kind != "class") and name in scope.vars:
                return True, scope.vars[name]
            first = False
            scope = scope.parent
        return False, None

    def module(self) -> "Scope":
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def assign(self, name: str, value: Any) -> None:
        if name in self.global_names:
            self.module().vars[name] = value
        else:
            self.vars[name] = value


class ReturnSignal(Exception):
    def __init__(self, value: Any):
        super().__init__()
        self.value = value


class BreakSignal(Exception):
    pass


class ContinueSignal(Exception):
    pass


class DeadPath(Exception):
    """Every branch returned: the rest of the function body does not run."""


# --- Snapshots of mutable state, so that two branches start from the same state ---------

def _containers(values, seen: set, out: list, depth: int = 0) -> None:
    if depth > 4:
        return
    for v in values:
        if id(v) in seen:
            continue
        if isinstance(v, ListValue):
            seen.add(id(v))
            out.append(v)
            if v.items:
                _containers(v.items, seen, out, depth + 1)
        elif isinstance(v, DictValue):
            seen.add(id(v))
            out.append(v)
            if v.items:
                _containers(list(v.items.values()), seen, out, depth + 1)
        elif isinstance(v, ObjectValue):
            seen.add(id(v))
            out.append(v)
            _containers(list(v.attrs.values()), seen, out, depth + 1)
        elif isinstance(v, ModelValue) and v.kind == "sequential":
            seen.add(id(v))
            out.append(v)
        elif isinstance(v, tuple):
            _containers(v, seen, out, depth + 1)


def _state_of(c: Any) -> Any:
    if isinstance(c, (ListValue, DictValue)):
        return None if c.items is None else c.items.copy()
    if isinstance(c, ObjectValue):
        return c.attrs.copy()
    if isinstance(c, ModelValue):
        return (None if c.layers is None else list(c.layers), c.output, c.input_shape)
    return None


def _set_state(c: Any, state: Any) -> None:
    if isinstance(c, (ListValue, DictValue)):
        c.items = None if state is None else state.copy()
    elif isinstance(c, ObjectValue):
        c.attrs = state.copy()
    elif isinstance(c, ModelValue):
        layers, c.output, c.input_shape = state
        c.layers = None if layers is None else list(layers)


def _join_state(c: Any, a: Any, b: Any) -> Any:
    if isinstance(c, ListValue):
        if a is None or b is None or len(a) != len(b):
            return None
        return [join_values(x, y) for x, y in zip(a, b)]
    if isinstance(c, (DictValue, ObjectValue)):
        if a is None or b is None:
            return None if isinstance(c, DictValue) else {}
        return {k: join_values(a[k], b[k]) if k in a and k in b else (a.get(k, b.get(k)))
                for k in {**a, **b}}
    if isinstance(c, ModelValue):
        (la, oa, ia), (lb, ob, ib) = a, b
        same = la is not None and lb is not None and len(la) == len(lb) and all(
            x is y for x, y in zip(la, lb))
        return (la if same else None, join_values(oa, ob), ia if ia == ib else None)
    return a


class Snapshot:
    """The state of every container reachable from some scopes, to restore and join."""

    def __init__(self, scopes: list[Scope]):
        self.scopes = scopes
        self.vars = [dict(s.vars) for s in scopes]
        self.containers: list = []
        _containers([v for s in scopes for v in s.vars.values()], set(), self.containers)
        self.states = [_state_of(c) for c in self.containers]

    def capture(self) -> tuple[list[dict], list]:
        return [dict(s.vars) for s in self.scopes], [_state_of(c) for c in self.containers]

    def restore(self) -> None:
        for s, saved in zip(self.scopes, self.vars):
            s.vars.clear()
            s.vars.update(saved)
        for c, st in zip(self.containers, self.states):
            _set_state(c, st)

    def install(self, captured: tuple[list[dict], list]) -> None:
        vars_, states = captured
        for s, v in zip(self.scopes, vars_):
            s.vars.clear()
            s.vars.update(v)
        for c, st in zip(self.containers, states):
            _set_state(c, st)

    def join_into_scopes(self, a: tuple[list[dict], list], b: tuple[list[dict], list]) -> None:
        (va, sa), (vb, sb) = a, b
        for s, x, y in zip(self.scopes, va, vb):
            merged = {}
            for k in {**x, **y}:
                if k in x and k in y:
                    merged[k] = join_values(x[k], y[k])
                else:
                    merged[k] = x[k] if k in x else y[k]
            s.vars.clear()
            s.vars.update(merged)
        for c, x, y in zip(self.containers, sa, sb):
            _set_state(c, _join_state(c, x, y))

