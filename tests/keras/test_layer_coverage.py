"""`shapelint layers` is complete against Keras 3: every class keras.layers exports is
modeled, an alias of a modeled layer, or excluded with a reason."""
from __future__ import annotations

import inspect

import keras

from shapelint.layers.exclusions import EXCLUDED
from shapelint.layers.table import LAYERS
from shapelint.resolution import ALIASES


def test_every_keras_layer_class_is_modeled_or_excluded():
    exported = {n for n in dir(keras.layers)
                if not n.startswith("_") and inspect.isclass(getattr(keras.layers, n))}
    covered = set(LAYERS) | set(EXCLUDED) | set(ALIASES)
    missing = sorted(exported - covered)
    assert not missing, f"keras.layers classes neither modeled nor excluded: {missing}"
    # an alias is the same class as the layer it names
    for alias, target in ALIASES.items():
        if alias in exported and target in exported:
            assert getattr(keras.layers, alias) is getattr(keras.layers, target), alias
    # nothing modeled or excluded that Keras 3 does not export
    assert not (set(LAYERS) | set(EXCLUDED)) - exported
