"""keras.datasets.*.load_data() downloads; with no network (CI), an uncached dataset gives
zeros of the shapes and dtypes Keras documents. shapelint's array table holds them, and
tests/keras/test_data_tables_keras.py proves them against Keras' own docstrings.

Imported by the subprocesses that run fixtures under Keras (keras_truth.py,
test_params_keras.py): ``install()`` before running a fixture.
"""
from __future__ import annotations

from typing import Any


def _zeros(t: Any) -> Any:
    import numpy as np

    if isinstance(t, tuple):
        return tuple(_zeros(x) for x in t)
    return np.zeros(t.shape.dims, {"int": "uint8", "float": "float32"}.get(t.dtype, "float32"))


def install() -> None:
    import keras

    from shapelint.arrays.table import FUNCTIONS
    from shapelint.ops.spec import Args

    for name, spec in FUNCTIONS.items():
        if not name.startswith("keras.datasets.") or not name.endswith(".load_data"):
            continue
        module = getattr(keras.datasets, name.split(".")[2])
        real = module.load_data

        def load_data(*args: Any, _real: Any = real, _spec: Any = spec, **kwargs: Any) -> Any:
            try:
                return _real(*args, **kwargs)
            except Exception:   # no network: the documented shapes
                return _zeros(_spec.infer(Args(dict(zip(_spec.params, args)) | kwargs,
                                               _spec.defaults)))

        module.load_data = load_data
