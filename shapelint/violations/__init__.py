"""Typed violations: one frozen dataclass per rule variant, holding the facts a finding
states, with ``message()`` and ``fix()``. The registry points each rule at its classes."""
from __future__ import annotations

from shapelint.violations import arguments, data, inputs, merging, meta, spatial, weights
from shapelint.violations.base import Change, Claims, Rejected, Site, Step, Violation

MODULES = (meta, merging, inputs, arguments, spatial, weights, data)


def all_classes() -> list[type[Violation]]:
    """Every concrete violation class (those with a rule code of their own)."""
    found: list[type[Violation]] = []
    for module in MODULES:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Violation) and value is not Violation \
                    and value.__module__ == module.__name__ and "code" in _class_vars(value):
                found.append(value)
    return found


def _class_vars(cls: type) -> set[str]:
    return {name for klass in cls.__mro__ if klass is not Violation for name in vars(klass)}


__all__ = ["Change", "Claims", "Rejected", "Site", "Step", "Violation", "all_classes"]
