"""The declarative table of array functions, methods and attributes, by canonical name.

``array_function("numpy.reshape")``, ``array_function("keras.datasets.mnist.load_data")``,
``array_function("sklearn.model_selection.train_test_split")``: functions and constructors.
``array_method("ndarray.reshape")``: methods, named by the receiver's kind (``ndarray``,
``Generator``, ``Dataset``, an :class:`~shapelint.arrays.spec.ObjectType`'s ``kind``: see
:func:`receiver_kind`); the receiver is the first argument. ``array_attribute("ndarray.T")``:
properties, evaluated on the receiver alone. Every entry is an
:class:`~shapelint.ops.spec.OpSpec`, evaluated with :func:`shapelint.ops.table.evaluate`.

To model a new function, add its spec to the ``SPECS`` (or ``METHODS``, ``ATTRIBUTES``) list of
its family module (creation, random, transforms, methods, keras_data, sklearn_pandas,
tensorflow_data), and other spellings to the module's ``ALIASES``; nothing else changes.
"""
from __future__ import annotations

from typing import Any

from shapelint.arrays import (
    creation,
    keras_data,
    methods,
    random,
    sklearn_pandas,
    tensorflow_data,
    transforms,
)
from shapelint.arrays.spec import ArrayType, DatasetType, ObjectType
from shapelint.ops.spec import OpSpec

FAMILIES = (creation, random, transforms, methods, keras_data, sklearn_pandas, tensorflow_data)


def _collect(attr: str) -> dict[str, OpSpec]:
    return {s.name: s for family in FAMILIES for s in getattr(family, attr, ())}


FUNCTIONS = _collect("SPECS")
METHODS = _collect("METHODS")
ATTRIBUTES = _collect("ATTRIBUTES")
ALIASES: dict[str, str] = {a: t for family in FAMILIES
                           for a, t in getattr(family, "ALIASES", {}).items() if a != t}


def array_function(name: str) -> OpSpec | None:
    """The spec of a function or constructor by canonical name, or None (not modeled:
    its result is unknown)."""
    return FUNCTIONS.get(ALIASES.get(name, name))


def array_method(name: str) -> OpSpec | None:
    """The spec of ``<kind>.<method>`` (``ndarray.reshape``, ``Dataset.batch``), or None."""
    return METHODS.get(name)


def array_attribute(name: str) -> OpSpec | None:
    """The spec of ``<kind>.<attribute>`` (``ndarray.T``, ``pandas.DataFrame.values``)."""
    return ATTRIBUTES.get(name)


def receiver_kind(value: Any) -> str | None:
    """The kind that names a value's methods: ``ndarray``, ``Dataset`` or an object's kind."""
    if isinstance(value, ArrayType):
        return "ndarray"
    if isinstance(value, DatasetType):
        return "Dataset"
    if isinstance(value, ObjectType):
        return value.kind
    return None
