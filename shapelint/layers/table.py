"""The declarative table of every modeled Keras layer, by canonical class name.

To model a new layer, add its :class:`LayerSpec` to the ``SPECS`` list of its family
module (core, conv, merge, reshaping, recurrent, attention, preprocessing); nothing else
changes. Classes of ``keras.layers`` deliberately not modeled are listed, with the
reason, in :mod:`shapelint.layers.exclusions`.
"""
from __future__ import annotations

from shapelint.layers import attention, conv, core, merge, preprocessing, recurrent, reshaping
from shapelint.layers.spec import LayerSpec

FAMILIES = (core, conv, merge, reshaping, recurrent, attention, preprocessing)

LAYERS: dict[str, LayerSpec] = {
    spec.name: spec
    for family in FAMILIES
    for spec in family.SPECS
}

# Functional forms such as keras.layers.concatenate([a, b], axis=1).
FUNCTIONAL: dict[str, LayerSpec] = {
    spec.functional: spec for spec in LAYERS.values() if spec.functional
}


def layer_spec(canonical_name: str) -> LayerSpec | None:
    """The spec for ``keras.layers.Name``, or None if the name is not a modeled layer."""
    if not canonical_name.startswith("keras.layers."):
        return None
    return LAYERS.get(canonical_name[len("keras.layers."):])


def functional_spec(canonical_name: str) -> LayerSpec | None:
    if not canonical_name.startswith("keras.layers."):
        return None
    return FUNCTIONAL.get(canonical_name[len("keras.layers."):])
