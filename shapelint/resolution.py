"""Name resolution: any way of spelling a Keras object maps to one canonical name.

``tf.keras.layers.Convolution2D``, ``tensorflow.keras.layers.Conv2D``,
``keras.layers.convolutional.Conv2D`` and ``tf_keras.layers.Conv2D`` all become
``keras.layers.Conv2D``. The interpreter binds imports to dotted paths
(:class:`shapelint.interp.values.Symbol`); this module only rewrites paths. A path it
does not know stays as it is and is looked up nowhere: unknown, never guessed.
"""
from __future__ import annotations

from functools import lru_cache

# Longest prefix first: where the same Keras objects live under other names.
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("tensorflow.python.keras", "keras"),
    ("tensorflow.compat.v2.keras", "keras"),
    ("tensorflow.compat.v1.keras", "keras"),
    ("tensorflow.keras", "keras"),
    ("keras.api._v2.keras", "keras"),
    ("keras.api", "keras"),
    ("keras.src", "keras"),
    ("tf_keras", "keras"),
)

# Old or alternative names of the same class.
ALIASES: dict[str, str] = {
    "Convolution1D": "Conv1D",
    "Convolution2D": "Conv2D",
    "Convolution3D": "Conv3D",
    "Convolution1DTranspose": "Conv1DTranspose",
    "Convolution2DTranspose": "Conv2DTranspose",
    "Convolution3DTranspose": "Conv3DTranspose",
    "Deconvolution2D": "Conv2DTranspose",
    "Deconvolution3D": "Conv3DTranspose",
    "SeparableConvolution1D": "SeparableConv1D",
    "SeparableConvolution2D": "SeparableConv2D",
    "MaxPool1D": "MaxPooling1D",
    "MaxPool2D": "MaxPooling2D",
    "MaxPool3D": "MaxPooling3D",
    "AvgPool1D": "AveragePooling1D",
    "AvgPool2D": "AveragePooling2D",
    "AvgPool3D": "AveragePooling3D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D",
    "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "GlobalMaxPool3D": "GlobalMaxPooling3D",
    "GlobalAvgPool1D": "GlobalAveragePooling1D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D",
    "GlobalAvgPool3D": "GlobalAveragePooling3D",
}

# Non-layer entry points, whatever module they were reached through.
_TOP_LEVEL: dict[str, str] = {
    "keras.layers.Input": "keras.Input",
    "keras.engine.input_layer.Input": "keras.Input",
    "keras.models.Model": "keras.Model",
    "keras.engine.training.Model": "keras.Model",
    "keras.engine.functional.Functional": "keras.Model",
    "keras.models.functional.Functional": "keras.Model",
    "keras.models.Functional": "keras.Model",
    "keras.models.model.Model": "keras.Model",
    "keras.models.sequential.Sequential": "keras.Sequential",
    "keras.backend.image_data_format": "keras.config.image_data_format",
    "keras.backend.config.image_data_format": "keras.config.image_data_format",
    "keras.backend.set_image_data_format": "keras.config.set_image_data_format",
    "keras.backend.config.set_image_data_format": "keras.config.set_image_data_format",
    "keras.models.Sequential": "keras.Sequential",
    "keras.engine.sequential.Sequential": "keras.Sequential",
    "keras.layers.Layer": "keras.Layer",
    "keras.engine.base_layer.Layer": "keras.Layer",
    "keras.models.load_model": "keras.models.load_model",
}

@lru_cache(maxsize=4096)
def canonical(path: str) -> str:
    """Rewrite a dotted path to its canonical Keras spelling (or return it unchanged)."""
    for old, new in _PREFIXES:
        if path == old or path.startswith(old + "."):
            path = new + path[len(old):]
            break
    if path.startswith("keras.layers."):
        # keras.layers.convolutional.conv2d.Conv2D -> keras.layers.Conv2D
        parts = path.split(".")
        if all(p.islower() for p in parts[2:-1]):
            path = "keras.layers." + ALIASES.get(parts[-1], parts[-1])
    return _TOP_LEVEL.get(path, path)


def is_keras_root(path: str) -> bool:
    """Whether a dotted path points into Keras (any spelling)."""
    return canonical(path).split(".")[0] == "keras"


def implies_keras2(path: str) -> bool:
    """Code importing the standalone ``tf_keras`` package targets Keras 2."""
    return path == "tf_keras" or path.startswith("tf_keras.")
