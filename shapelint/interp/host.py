"""The two narrow interfaces between the core interpreter and a library's semantics.

:class:`Semantics` is what the core asks of a library (Keras): the meaning of names
reached through imports, and of classes derived from the library's classes.
:class:`Host` is what a library may ask of the core: iterate, call and look up values,
report violations, read the construction context and emit events. The core imports no
library; a library imports only these protocols and the core's values.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from shapelint.interp.events import Context, Observers
from shapelint.interp.flow import Guards, Scope
from shapelint.interp.values import ClassValue, FunctionValue, ObjectValue, Value
from shapelint.violations.base import Violation

Range = tuple[tuple[int, int], tuple[int, int]]   # ((line, col), (end line, end col)), 0-based cols
# The values a finding's trace starts from, each with its label ("input 0", "labels").
TraceInputs = Sequence[tuple[str, Value]]


class Host(Protocol):
    observers: Observers
    semantics: Semantics
    guards: Guards

    def iterate(self, value: Value) -> list[Value] | None: ...

    def call(self, func: Value, args: list[Value], kwargs: dict[str, Value], node: Any,
             complete: bool = True) -> Value: ...

    def call_function(self, func: FunctionValue, args: list[Value], kwargs: dict[str, Value],
                      call_node: Any = None) -> Value: ...

    def get_attr(self, obj: Value, name: str) -> Value: ...

    def class_lookup(self, cls: ClassValue, name: str) -> Value | None: ...

    def report(self, violation: Violation, node: Any, inputs: TraceInputs = ()) -> None: ...

    def where(self, node: Any) -> Range: ...

    def locate(self, node: Any) -> tuple[str | None, Range]: ...

    def next_serial(self) -> int: ...

    @property
    def context(self) -> Context: ...

    def resolve_name(self, node: Any, scope: Scope) -> Value: ...

    def code_of(self, node: Any) -> str: ...


class Semantics(Protocol):
    def knows(self, name: str) -> bool:
        """Whether ``module.name`` reached through ``from module import *`` means something."""

    def note_import(self, path: str) -> None:
        """A module was imported (``tf_keras`` implies Keras 2)."""

    def loadable(self, module: str) -> bool:
        """Whether an absolute import of ``module`` may be analysed from its source (the
        library's own API is meant through this semantics, never by reading its code)."""

    def call_symbol(self, name: str, args: list[Value], kwargs: dict[str, Value], node: Any,
                    complete: bool) -> Value:
        """A call of a canonical dotted name (``keras.layers.Dense``)."""

    def class_kind(self, bases: list[Value]) -> str | None:
        """"layer"/"model" when a class derives from the library's classes, else None."""

    def call_object(self, obj: ObjectValue, args: list[Value], kwargs: dict[str, Value],
                    node: Any) -> Value:
        """A call of an instance of a class :meth:`class_kind` claimed."""

    def object_attr(self, obj: ObjectValue, name: str) -> Value:
        """An attribute of such an instance that neither it nor its class defines."""

    def call_object_method(self, obj: ObjectValue, name: str, args: list[Value],
                           kwargs: dict[str, Value], node: Any) -> Value:
        """A method :meth:`object_attr` handed out (one the library's base class defines)."""
