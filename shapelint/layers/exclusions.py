"""Classes exported by ``keras.layers`` that the layer table deliberately does not model.

Every other class of ``keras.layers`` (Keras 3) is modeled in :mod:`shapelint.layers.table`
or is an alias of a modeled class (``shapelint.resolution.ALIASES``); the test in
``tests/keras/test_layer_coverage.py`` fails on any class that is neither.
"""
from __future__ import annotations

EXCLUDED: dict[str, str] = {
    "Layer": "base class: a subclass's shapes come from its own build()/call(), which the "
             "interpreter follows for user-defined layers",
    "Wrapper": "abstract base class of TimeDistributed/Bidirectional/SpectralNormalization, "
               "which are modeled",
    "InputSpec": "not a layer: the description of accepted inputs that the table's ranks encode",
    "InputLayer": "an entry point, not a layer call: handled by the interpreter as keras.Input",
    "TFSMLayer": "wraps a SavedModel loaded from disk at run time: its signature is unknowable "
                 "statically",
    "JaxLayer": "wraps an arbitrary JAX function: shapes are whatever the function computes",
    "FlaxLayer": "wraps an arbitrary Flax module: shapes are whatever the module computes",
    "TorchModuleWrapper": "wraps an arbitrary torch.nn.Module (torch backend only)",
}
