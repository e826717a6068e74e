"""Whatever the import style, names resolve to the same Keras objects; unknown stays unknown."""
from __future__ import annotations

import pytest

from shapelint.resolution import canonical

# Each prelude makes `Dense`, `Input` and `Add` reachable as written in BODY.
STYLES = {
    "import keras": ("import keras\n", "keras.layers.{}", "keras.Input"),
    "from keras import layers": ("import keras\nfrom keras import layers\n", "layers.{}", "keras.Input"),
    "from keras.layers import X as Y": (
        "from keras.layers import Dense as D, Add as A, Input as I\n", "{}", "I"),
    "tf.keras": ("import tensorflow as tf\n", "tf.keras.layers.{}", "tf.keras.Input"),
    "from tensorflow.keras.layers import *": ("from tensorflow.keras.layers import *\n", "{}", "Input"),
    "from tensorflow import keras": ("from tensorflow import keras\n", "keras.layers.{}", "keras.Input"),
    "import tensorflow.keras.layers as L": (
        "import tensorflow.keras.layers as L\nimport tensorflow.keras as K\n", "L.{}", "K.Input"),
    "tf_keras": ("import tf_keras\n", "tf_keras.layers.{}", "tf_keras.Input"),
    "keras.src internals": ("import keras\n", "keras.src.layers.{}", "keras.layers.Input"),
}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_every_import_style_finds_the_same_bug(style, check):
    prelude, layer, inp = STYLES[style]
    alias = {"Dense": "D", "Add": "A"} if "as Y" in style else {}
    name = lambda n: layer.format(alias.get(n, n))  # noqa: E731
    source = (
        prelude
        + f"a = {inp}(shape=(8,))\n"
        + f"b = {name('Dense')}(16)(a)\n"
        + f"c = {name('Add')}()([a, b])\n"
    )
    assert check(source) == [(prelude.count("\n") + 3, "SHP102")]


@pytest.mark.parametrize("path,expected", [
    ("tensorflow.keras.layers.Convolution2D", "keras.layers.Conv2D"),
    ("keras.layers.convolutional.Conv2D", "keras.layers.Conv2D"),
    ("tf_keras.layers.MaxPool2D", "keras.layers.MaxPooling2D"),
    ("keras.models.Model", "keras.Model"),
    ("tensorflow.keras.models.Sequential", "keras.Sequential"),
    ("keras.layers.Input", "keras.Input"),
    ("tensorflow.python.keras.layers.Dense", "keras.layers.Dense"),
    ("keras.src.layers.merging.concatenate.concatenate", "keras.layers.concatenate"),
    ("numpy.zeros", "numpy.zeros"),
])
def test_canonical_names(path, expected):
    assert canonical(path) == expected


def test_old_aliases_are_modeled(check):
    source = (
        "from keras.layers import Convolution2D, Input\n"
        "x = Input(shape=(10, 50, 50, 3))\n"
        "y = Convolution2D(8, 3)(x)\n"
    )
    assert check(source) == [(3, "SHP201")]


@pytest.mark.parametrize("prelude", [
    "from mylib import Dense, Add, Input\n",
    "from .layers import Dense, Add, Input\n",
    "import keras\nDense = make_dense\nAdd = keras.layers.Add\nInput = keras.Input\n",
])
def test_unresolvable_names_are_never_guessed(prelude, check):
    source = prelude + "a = Input(shape=(8,))\nb = Dense(16)(a)\nc = Add()([a, b])\n"
    assert check(source) == []


def test_local_name_shadows_star_import(check):
    source = (
        "from tensorflow.keras.layers import *\n"
        "def Add():\n    return lambda xs: xs[0]\n"
        "a = Input(shape=(8,))\nb = Dense(16)(a)\nc = Add()([a, b])\n"
    )
    assert check(source) == []
