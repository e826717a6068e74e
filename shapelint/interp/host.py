"""The two narrow interfaces between the core interpreter and a library's semantics.

:class:`Semantics` is what the core asks of a library (Keras): the meaning of names
reached through imports, and of classes derived from the library's classes.
:class:`Host` is what a library may ask of the core: iterate, call and look up values,
report violations, read the construction context and emit events. The core imports no
library; a library imports only these protocols and the core's values.
"""
from __future__ import annotations

from typing import Any, Optional, Protocol

from shapelint.interp.events import ContextFrame, Observers
from shapelint.interp.flow import Guards
from shapelint.interp.values import ClassValue, FunctionValue, ObjectValue
from shapelint.violations.base import Violation

Range = tuple[tuple[int, int], tuple[int, int]]   # ((line, col), (end line, end col)), 0-based cols


class Host(Protocol):
    observers: Observers
    semantics: "Semantics"
    guards: Guards

    def iterate(self, value: Any) -> Optional[list]: ...

    def call(self, func: Any, args: list, kwargs: dict, node: Any, complete: bool = True) -> Any: ...

    def call_function(self, func: FunctionValue, args: list, kwargs: dict,
                      call_node: Any = None) -> Any: ...

    def get_attr(self, obj: Any, name: str) -> Any: ...

    def class_lookup(self, cls: ClassValue, name: str) -> Any: ...

    def report(self, violation: Violation, node: Any, inputs: Any = ()) -> None: ...

    def where(self, node: Any) -> Range: ...

    def locate(self, node: Any) -> tuple[Optional[str], Range]: ...

    def next_serial(self) -> int: ...

    @property
    def context(self) -> tuple[ContextFrame, ...]: ...

    def resolve_name(self, node: Any, scope: Any) -> Any: ...

    def code_of(self, node: Any) -> str: ...


class Semantics(Protocol):
    def knows(self, name: str) -> bool:
        """Whether ``module.name`` reached through ``from module import *`` means something."""

    def note_import(self, path: str) -> None:
        """A module was imported (``tf_keras`` implies Keras 2)."""

    def loadable(self, module: str) -> bool:
        """Whether an absolute import of ``module`` may be analysed from its source (the
        library's own API is meant through this semantics, never by reading its code)."""

    def call_symbol(self, name: str, args: list, kwargs: dict, node: Any, complete: bool) -> Any:
        """A call of a canonical dotted name (``keras.layers.Dense``)."""

    def class_kind(self, bases: list) -> Optional[str]:
        """"layer"/"model" when a class derives from the library's classes, else None."""

    def call_object(self, obj: ObjectValue, args: list, kwargs: dict, node: Any) -> Any:
        """A call of an instance of a class :meth:`class_kind` claimed."""

    def object_attr(self, obj: ObjectValue, name: str) -> Any:
        """An attribute of such an instance that neither it nor its class defines."""

    def call_object_method(self, obj: ObjectValue, name: str, args: list, kwargs: dict, node: Any) -> Any:
        """A method :meth:`object_attr` handed out (one the library's base class defines)."""
