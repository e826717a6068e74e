"""The interpreter's observer API: what it tells analyses, validation and editors as it runs.

An observer subclasses :class:`Observer` and overrides the hooks it wants; the
:class:`Observers` fan-out calls only the observers that override a hook, so a hook nobody
wants (the value of every expression) costs nothing. Library semantics add hooks of their
own (:mod:`shapelint.keras.events`) through the same mechanism.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from shapelint.interp.values import ClassValue, ObjectValue, Value

if TYPE_CHECKING:
    from shapelint.interp.flow import Scope


@dataclass(frozen=True)
class ContextFrame:
    """One level of what is being run: a user function's call, or one pass of a loop or
    comprehension. Layers remember the stack they were made in (weight sharing reads it)."""

    kind: str                 # "call" | "loop"
    node: Any                 # the function's def (or lambda), or the loop/comprehension
    serial: int               # which call or pass
    call_node: Any = None     # the call site, for "call"
    index: int = 0            # which pass of the loop, from 0, for "loop" (traces number them)


# What is being run, outermost first: the interpreter's context stack at some moment.
Context = tuple[ContextFrame, ...]


class Observer:
    """No-op hooks; subclasses override what they need."""

    def statement_started(self, node: Any) -> None: ...

    def statement_finished(self, node: Any) -> None: ...

    def expression_evaluated(self, node: Any, value: Value) -> None: ...

    def class_defined(self, cls: ClassValue, scope: Scope) -> None: ...

    def object_created(self, obj: ObjectValue) -> None: ...

    def unit_abandoned(self, what: str, reason: str) -> None:
        """The analysis gave up on part of the file (budget, recursion, nesting)."""


class Observers:
    """The subscribed observers; ``emit(hook, ...)`` reaches those that override ``hook``."""

    def __init__(self, observers: tuple[Observer, ...] = ()) -> None:
        self._all: list[Observer] = list(observers)
        self._by_hook: dict[str, list[Callable[..., Any]]] = {}

    def add(self, observer: Observer) -> None:
        self._all.append(observer)
        self._by_hook.clear()

    def listeners(self, hook: str) -> list[Callable[..., Any]]:
        found = self._by_hook.get(hook)
        if found is None:
            found = []
            for o in self._all:
                method = getattr(type(o), hook, None)
                base = _base_hook(hook)
                if method is not None and method is not base:
                    found.append(getattr(o, hook))
            self._by_hook[hook] = found
        return found

    def wants(self, hook: str) -> bool:
        return bool(self.listeners(hook))

    def emit(self, hook: str, *args: Any) -> None:
        for listener in self.listeners(hook):
            listener(*args)


def _base_hook(hook: str) -> object:
    """The no-op definition of a hook in the first Observer base class defining it."""
    for klass in _HOOK_BASES:
        if hook in vars(klass):
            return vars(klass)[hook]
    return None


_HOOK_BASES: list[type[Observer]] = [Observer]
ObserverBase = TypeVar("ObserverBase", bound=type[Observer])


def declare_hooks(observer_base: ObserverBase) -> ObserverBase:
    """A library's observer base class (with more no-op hooks) joins the mechanism."""
    _HOOK_BASES.append(observer_base)
    return observer_base
