"""Ops in model code (keras.ops, tf.*, K.*, operators, indexing, Lambda bodies) through the
interpreter: the shapes they give, the findings they raise, and the silences they keep.

No TensorFlow here: tests/keras/test_ops_differential.py compares the op table with real Keras.
"""
from __future__ import annotations

import pytest

from shapelint.checker import analyse, check_source
from shapelint.interp.values import ListValue
from shapelint.keras.values import Tensor
from shapelint.ops.spec import display_name
from shapelint.ops.table import OPS, op_spec
from shapelint.resolution import canonical
from shapelint.shapes import Sym
from shapelint.source import SourceFile

HEAD = "import keras\nimport tensorflow as tf\nfrom keras import layers, ops\n"
K2 = ("import tensorflow as tf\nfrom tensorflow.keras import layers\n"
      "from tensorflow.keras import backend as K\n")


def values(src: str, *names: str):
    """What the module-level names hold after the analysis (Tensors as shape tuples)."""
    interp = analyse(SourceFile("snippet.py", src)).interpreter
    assert not interp.internal_errors, interp.internal_errors
    out = []
    for name in names:
        v = interp.module_scope.vars[name]
        if isinstance(v, Tensor):
            out.append(v.shape.dims)
        elif isinstance(v, ListValue):
            out.append(None if v.items is None else [t.shape.dims for t in v.items])
        else:
            out.append(v)
    return out[0] if len(out) == 1 else out


# Under Keras 3 a tf.* op on a model's tensor outside call()/Lambda is also SHP207
# (tests/test_keras_tensor_ops.py); these tests are about the ops' shape rules only.
TF_OP_ON_KERAS_TENSOR = "SHP207"


def messages(src: str) -> list[tuple[int, str, str]]:
    result = check_source(src, "snippet.py")
    assert not result.notes, result.notes
    return [(d.location.row, d.code, d.message) for d in result.diagnostics
            if d.code != TF_OP_ON_KERAS_TENSOR]


@pytest.fixture
def shape_check(check):
    return lambda src: [(row, code) for row, code in check(src) if code != TF_OP_ON_KERAS_TENSOR]


# --- names ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling, name", [
    ("keras.ops.concatenate", "keras.ops.concatenate"),
    ("keras.ops.numpy.concatenate", "keras.ops.concatenate"),
    ("keras.src.ops.numpy.concatenate", "keras.ops.concatenate"),
    ("tensorflow.keras.ops.stack", "keras.ops.stack"),
    ("tensorflow.concat", "tensorflow.concat"),
    ("tensorflow.compat.v2.concat", "tensorflow.concat"),
    ("tensorflow.add", "tensorflow.math.add"),
    ("tensorflow.reduce_sum", "tensorflow.math.reduce_sum"),
    ("tensorflow.linalg.matmul", "tensorflow.matmul"),
    ("tensorflow.nn.l2_normalize", "tensorflow.math.l2_normalize"),
    ("tensorflow.keras.backend.sum", "keras.backend.sum"),
    ("tf_keras.backend.concatenate", "keras.backend.concatenate"),
])
def test_every_spelling_finds_one_op(spelling, name):
    spec = op_spec(canonical(spelling))
    assert spec is not None and spec.name == name


def test_numpy_and_unknown_names_are_not_ops():
    for name in ("numpy.concatenate", "numpy.reshape", "torch.cat", "keras.layers.concatenate",
                 "tensorflow.keras.layers.Concatenate", "tensorflow.compat.v1.concat"):
        assert op_spec(canonical(name)) is None


def test_display_names():
    assert display_name("tensorflow.concat") == "tf.concat"
    assert display_name("keras.backend.sum") == "K.sum"
    assert display_name("keras.ops.stack") == "keras.ops.stack"
    assert len(OPS) > 200


# --- shapes through ops -------------------------------------------------------------------------

def test_join_and_split_shapes():
    src = HEAD + (
        "a = keras.Input(shape=(10, 4))\n"
        "b = keras.Input(shape=(10, 5))\n"
        "c = ops.concatenate([a, b], axis=-1)\n"
        "d = tf.concat([a, a], 1)\n"
        "e = ops.stack([a, a], axis=1)\n"
        "f, g = tf.split(c, [3, -1], axis=2)\n"
        "h = ops.unstack(a, axis=1)\n"
    )
    c, d, e, f, g, h = values(src, "c", "d", "e", "f", "g", "h")
    assert c == (None, 10, 9)
    assert d == (None, 20, 4)
    assert e == (None, 2, 10, 4)
    assert (f, g) == ((None, 10, 3), (None, 10, 6))
    assert h == [(None, 4)] * 10


def test_reshape_family_shapes():
    src = HEAD + (
        "x = keras.Input(shape=(6, 4))\n"
        "a = ops.reshape(x, (-1, 3, 8))\n"
        "b = tf.reshape(x, (-1, 24))\n"
        "c = ops.expand_dims(x, 1)\n"
        "d = tf.squeeze(ops.expand_dims(x, -1), axis=-1)\n"
        "e = ops.transpose(x, (0, 2, 1))\n"
        "f = tf.tile(x, [1, 2, 3])\n"
        "g = ops.repeat(x, 2, axis=1)\n"
        "h = ops.broadcast_to(ops.expand_dims(x, 1), (8, 5, 6, 4))\n"
    )
    assert values(src, "a", "b", "c", "d", "e", "f", "g", "h") == [
        (None, 3, 8), (None, 24), (None, 1, 6, 4), (None, 6, 4), (None, 4, 6),
        (None, 12, 12), (None, 12, 4), (8, 5, 6, 4)]


def test_pad_slice_and_friends_shapes():
    src = HEAD + (
        "x = keras.Input(shape=(10, 6))\n"
        "a = ops.pad(x, [[0, 0], [1, 2], [0, 0]])\n"
        "b = tf.pad(x, [[0, 0], [3, 3], [1, 1]], mode='REFLECT')\n"
        "c = ops.slice(x, (0, 2, 0), (-1, 5, 6))\n"
        "d = tf.slice(x, [0, 0, 1], [-1, -1, 4])\n"
        "e = ops.slice_update(x, (0, 0, 0), keras.Input(shape=(2, 6)))\n"
        "f = ops.one_hot(keras.Input(shape=(5,), dtype='int32'), 7)\n"
        "g, h = ops.top_k(x, 3)\n"
        "i = ops.cumsum(x)\n"
        "j = ops.flip(ops.roll(x, 2, axis=1), axis=1)\n"
        "k = ops.tril(ops.convert_to_tensor(x))\n"
    )
    assert values(src, *"abcdefghijk") == [
        (None, 13, 6), (None, 16, 8), (None, 5, 6), (None, 10, 4), (None, 10, 6), (None, 5, 7),
        (None, 10, 3), (None, 10, 3), (None,), (None, 10, 6), (None, 10, 6)]
    assert messages(src) == []


def test_sizes_known_only_when_the_layer_runs():
    """Inside call(), ``ops.shape(x)[0]`` is a tensor: the sizes it decides are unknown, the
    rank and the other sizes stay known (keras-hub's ViT class token, BERT's position
    embedding, ResNetV2's pre-activation pad)."""
    src = HEAD + (
        "class Embed(layers.Layer):\n"
        "    def build(self, input_shape):\n"
        "        self.token = self.add_weight(shape=(1, 1, input_shape[-1]))\n"
        "        self.table = self.add_weight(shape=(64, input_shape[-1]))\n"
        "    def call(self, inputs):\n"
        "        shape = ops.shape(inputs)\n"
        "        token = ops.tile(self.token, (shape[0], 1, 1))\n"
        "        positions = ops.slice(ops.convert_to_tensor(self.table), (0, 0), (shape[1], shape[2]))\n"
        "        positions = ops.broadcast_to(positions, shape)\n"
        "        spread = ops.repeat(inputs, shape[0], axis=1)\n"
        "        return token, positions, spread\n"
        "token, positions, spread = Embed()(keras.Input(shape=(10, 16)))\n"
        "pad_width = [[1, 1], [1, 1]]\n"
        "pad_width += [[0, 0]]\n"
        "pad_width = [[0, 0]] + pad_width\n"
        "image = keras.Input(shape=(32, 32, 3))\n"
        "image = ops.pad(image, pad_width=pad_width, constant_values=float('-inf'))\n"
        "pooled = layers.MaxPooling2D(3, strides=2)(image)\n"
    )
    token, positions, spread, image, pooled = values(src, "token", "positions", "spread", "image",
                                                     "pooled")
    assert (token, positions, spread, image, pooled) == (
        (None, 1, 16), (None, 10, 16), (None, None, 16), (None, 34, 34, 3), (None, 16, 16, 3))


def test_dot_product_attention():
    """Grouped-query attention (8 query heads, 2 key heads) keeps the query's shape; query
    and key head sizes that differ fail in TensorFlow's einsum."""
    src = HEAD + (
        "class Attend(layers.Layer):\n"
        "    def call(self, q, k, v, mask=None):\n"
        "        return ops.dot_product_attention(q, k, v, mask=mask)\n"
        "q = keras.Input(shape=(10, 8, 16))\n"
        "kv = keras.Input(shape=(12, 2, 16))\n"
        "a = Attend()(q, kv, kv)\n"
        "b = Attend()(q, kv, kv, mask=keras.Input(shape=(1, 10, 12), dtype='bool'))\n"
        "c = Attend()(q, keras.Input(shape=(12, 2, 32)), kv)\n"
    )
    assert values(src, "a", "b", "c") == [(None, 10, 8, 16), (None, 10, 8, 16), None]
    assert messages(src) == [(6, "SHP104", "keras.ops.dot_product_attention contracts axis 3 of "
                                           "(None, 10, 8, 16) (size 16) with axis 3 of "
                                           "(None, 12, 2, 32) (size 32), which differ.")]


def test_keras2_padding_shapes():
    src = K2 + (
        "img = tf.keras.Input(shape=(8, 8, 3))\n"
        "seq = tf.keras.Input(shape=(7, 4))\n"
        "a = layers.Lambda(lambda t: K.spatial_2d_padding(t, ((1, 1), (2, 2))))(img)\n"
        "b = layers.Lambda(lambda t: K.temporal_padding(t, (2, 0)))(seq)\n"
        "c = layers.Lambda(lambda t: K.spatial_2d_padding(t, data_format='channels_first'))(img)\n"
    )
    assert values(src, "a", "b", "c") == [(None, 10, 12, 3), (None, 9, 4), (None, 8, 10, 5)]
    assert messages(src) == []


def test_products_and_reductions():
    src = HEAD + (
        "q = keras.Input(shape=(10, 64))\n"
        "k = keras.Input(shape=(20, 64))\n"
        "s = ops.matmul(q, ops.transpose(k, (0, 2, 1)))\n"
        "t = tf.matmul(q, k, transpose_b=True)\n"
        "u = ops.einsum('bqd,bkd->bqk', q, k)\n"
        "v = q @ tf.transpose(k, [0, 2, 1])\n"
        "w = ops.tensordot(q, keras.Input(batch_shape=(64, 3)), axes=1)\n"
        "m = ops.mean(s, axis=-1, keepdims=True)\n"
        "n = tf.reduce_sum(s, axis=[1, 2])\n"
        "a = ops.argmax(s, axis=1)\n"
    )
    assert values(src, "s", "t", "u", "v", "w", "m", "n", "a") == [
        (None, 10, 20), (None, 10, 20), (None, 10, 20), (None, 10, 20), (None, 10, 3),
        (None, 10, 1), (None,), (None, 20)]


def test_elementwise_ops_and_operators_broadcast():
    src = HEAD + (
        "x = keras.Input(shape=(10, 4))\n"
        "b = keras.Input(batch_shape=(4,))\n"
        "a = x + b\n"
        "m = x * 2\n"
        "r = 1.0 - ops.sigmoid(x)\n"
        "n = -x\n"
        "w = ops.where(x > 0, x, 0.0)\n"
        "c = tf.maximum(x, ops.expand_dims(x, 1)[:, 0])\n"
    )
    assert values(src, "a", "m", "r", "n", "c") == [(None, 10, 4)] * 5


def test_indexing():
    src = HEAD + (
        "x = keras.Input(shape=(10, 6))\n"
        "a = x[:, None, ..., :3]\n"
        "b = x[..., -1]\n"
        "c = x[:, ::-1]\n"
        "d = x[:, 2:8:2, tf.newaxis]\n"
        "e = x[0]\n"
        "f = x[:, tf.shape(x)[1] - 1]\n"
        "g = x[:, idx]\n"
    )
    a, b, c, d, e, f, g = values(src, "a", "b", "c", "d", "e", "f", "g")
    assert a == (None, 1, 10, 3)
    assert b == (None, 10)
    assert c == (None, 10, 6)
    assert d == (None, 3, 1, 6)
    assert e == (10, 6)
    assert f == (None, 6)
    assert g is None                    # an unknown key: unknown result


def test_shape_values():
    src = HEAD + "from keras import backend as K\n" + (
        "x = keras.Input(shape=(10, 6))\n"
        "s = x.shape\n"
        "n = x.shape[-1] * x.shape[1]\n"
        "y = layers.Reshape((x.shape[1] * x.shape[2],))(x)\n"
        "k = ops.shape(x)\n"
        "i = K.int_shape(x)\n"
        "r = K.ndim(x)\n"
        "t = tf.shape(x)\n"
        "z = tf.reshape(x, [tf.shape(x)[0], -1])\n"
        "u = tf.reshape(x, tf.shape(x))\n"
    )
    s, n, y, k, i, r, t, z, u = values(src, "s", "n", "y", "k", "i", "r", "t", "z", "u")
    assert s[1:] == (10, 6) and n == 60 and y == (None, 60)
    assert k[1:] == (10, 6) and i[1:] == (10, 6) and r == 3
    assert t == (3,)                     # a dynamic tensor: only its length is known
    assert z == (None, None)
    assert u == (None, None, None)


def test_named_sizes_flow_through_shape_and_reshape():
    src = HEAD + (
        "x = keras.Input(shape=(7, n_features))\n"     # an unknown but named size
        "n = x.shape[-1]\n"
        "flat = tf.reshape(x, (-1, n))\n"
        "back = ops.reshape(flat, (-1, 7, x.shape[2]))\n"
    )
    flat, back = values(src, "flat", "back")
    assert flat == (None, Sym("n_features"))
    assert back == (None, 7, Sym("n_features"))


# --- findings --------------------------------------------------------------------------------------

def test_op_findings_name_the_op():
    src = HEAD + "from tensorflow.keras import backend as K\n" + (
        "a = keras.Input(shape=(10, 4))\n"
        "b = keras.Input(shape=(12, 5))\n"
        "c = tf.concat([a, b], axis=-1)\n"
        "d = a + b\n"
        "e = tf.reshape(keras.Input(batch_shape=(8, 4, 4)), (8, 15))\n"
        "f = ops.matmul(a, b)\n"
        "g = tf.split(a, 3, axis=1)\n"
        "h = ops.squeeze(a, axis=2)\n"
        "i = K.sum(a, axis=3)\n"
        "j = tf.transpose(a, [0, 2])\n"
        "k = ops.stack([a, b])\n"
    )
    found = messages(src)
    assert [(row, code) for row, code, _ in found] == [
        (7, "SHP101"), (8, "SHP102"), (9, "SHP401"), (10, "SHP104"), (11, "SHP105"),
        (12, "SHP206"), (13, "SHP206"), (14, "SHP206"), (15, "SHP101")]
    text = {row: msg for row, _, msg in found}
    assert text[7].startswith("tf.concat(axis=-1) needs equal sizes on every axis except 2")
    assert text[8].startswith("`+` needs shapes that broadcast")
    assert text[9].startswith("tf.reshape(x, (8, 15)) needs 120 values, but (8, 4, 4) holds 128")
    assert text[10].startswith("keras.ops.matmul contracts axis 2 of (None, 10, 4) (size 4)")
    assert text[11].startswith("tf.split cannot split axis 1 of (None, 10, 4) (size 10) into 3")
    assert text[12].startswith("keras.ops.squeeze(axis=2) can only remove an axis of size 1")
    assert text[13].startswith("K.sum: axis 3 is out of range for (None, 10, 4)")
    assert text[14].startswith("tf.transpose: [0, 2] is not a permutation of the 3 axes")
    assert text[15].startswith("keras.ops.stack(axis=0) needs inputs of one shape")


def test_reshape_with_one_unknown_size(shape_check):
    src = HEAD + (
        "x = keras.Input(shape=(3, 4))\n"
        "a = tf.reshape(x, (5, 7))\n"          # 35 values is never a multiple of 12
        "b = tf.reshape(x, (-1, 5))\n"         # the batch may make it fit: silent
        "c = tf.reshape(x, (6, 2))\n"          # 12 = 1 x 12: fine
    )
    assert shape_check(src) == [(5, "SHP401")]


def test_augmented_assignment_and_einsum_report(shape_check):
    src = HEAD + (
        "x = keras.Input(shape=(10, 4))\n"
        "y = keras.Input(shape=(10, 8))\n"
        "x += y\n"
        "z = tf.einsum('bij,bkj->bik', keras.Input(shape=(3, 4)), keras.Input(shape=(5, 6)))\n"
    )
    assert shape_check(src) == [(6, "SHP102"), (7, "SHP104")]


# --- precision: what must stay silent ------------------------------------------------------------

def test_unknown_sizes_and_values_are_never_errors(shape_check):
    src = HEAD + (
        "import numpy as np\n"
        "x = keras.Input(shape=(None, 4))\n"
        "y = keras.Input(shape=(7, 4))\n"
        "a = ops.concatenate([x, y], axis=1)\n"          # None may be anything
        "b = x + y\n"                                     # None broadcasts
        "c = ops.squeeze(x, axis=1)\n"                    # None may be 1
        "d = tf.reshape(x, (-1, 7))\n"
        "e = ops.concatenate([x, some_tensor], axis=1)\n"
        "f = tf.split(x, 3, axis=1)\n"
        "g = ops.matmul(x, unknown_weights)\n"
        "h = tf.reduce_sum(x, axis=axis_from_config)\n"
        "i = x[:, :n]\n"
        "j = ops.stack(list_of_unknown_length)\n"
    )
    assert shape_check(src) == []


def test_pads_and_slices_keras_refuses_are_left_unknown():
    """Widths or offsets that do not fit the input's rank, negative widths, a slice past the
    end, a mode TensorFlow has not: Keras raises (or the model fails when it runs), but no
    rule says so yet, so the result is unknown and nothing is reported."""
    src = HEAD + (
        "x = keras.Input(shape=(10, 6))\n"
        "a = ops.pad(x, [[0, 0], [1, 2]])\n"
        "b = ops.pad(x, [[0, 0], [-1, 2], [0, 0]])\n"
        "c = ops.pad(x, 2)\n"                            # one pair for every axis: TensorFlow refuses
        "d = ops.pad(x, [[0, 0], [1, 1], [0, 0]], mode='edge')\n"
        "e = ops.slice(x, (0, 0), (2, 3))\n"
        "f = tf.slice(x, [0, 11, 0], [-1, -1, -1])\n"
        "g = ops.tile(x, tf.shape(x))\n"                  # Keras iterates over the counts
        "h = tf.pad(x, paddings_from_config)\n"
    )
    assert values(src, *"abcdefgh") == [None] * 8
    assert messages(src) == []


def test_a_dynamic_multiple_still_counts_the_axes():
    src = HEAD + (
        "class Repeat(layers.Layer):\n"
        "    def call(self, inputs):\n"
        "        return tf.tile(inputs, [tf.shape(inputs)[0], 2])\n"
        "y = Repeat()(keras.Input(shape=(10, 6)))\n"
    )
    assert messages(src) == [(6, "SHP206", "tf.tile needs one multiple per axis of (None, 10, 6) (3), "
                                            "but got 2.")]


def test_numpy_arrays_are_data_and_lists_are_left_alone(check):
    """numpy functions run on arrays (and are checked as numpy checks them); numpy given a
    Keras tensor, and ops given Python lists, are not modeled."""
    src = HEAD + (
        "import numpy as np\n"
        "a = np.zeros((3, 4))\n"
        "b = np.zeros((5, 6))\n"
        "c = np.concatenate([a, b], axis=1)\n"
        "d = ops.concatenate([a, b], axis=1)\n"
        "e = tf.concat([[1, 2], [3, 4, 5]], 0)\n"
        "f = tf.matmul([[1.0, 2.0]], [[1.0, 2.0]])\n"
        "x = keras.Input(shape=(4,))\n"
        "g = np.concatenate([x, keras.Input(shape=(3, 3))])\n"
        "h = ops.add(x, np.ones((5,)))\n"
        "i = x + [1.0, 2.0]\n"
    )
    assert check(src) == [(7, "SHP101"), (13, "SHP102")]   # numpy raises; so does ops.add
    assert values(src, "d", "e", "g") == [values(src, "d")] * 3   # all unknown


def test_shape_dependent_branches_stay_silent(check):
    src = HEAD + (
        "def head(x):\n"
        "    if x.shape[-1] != 4:\n"
        "        x = layers.Dense(4)(x)\n"
        "    return x + keras.Input(shape=(10, 4))\n"
        "a = head(keras.Input(shape=(10, 4)))\n"
        "b = head(keras.Input(shape=(10, 8)))\n"
    )
    assert check(src) == []


def test_star_import_of_ops(check):
    src = "import keras\nfrom keras.ops import *\n" + (
        "a = keras.Input(shape=(3,))\n"
        "b = concatenate([a, keras.Input(shape=(3, 2))], axis=1)\n"
    )
    assert check(src) == [(4, "SHP101")]


# --- Lambda -------------------------------------------------------------------------------------------

def test_lambda_bodies_give_shapes():
    src = HEAD + (
        "def my_function(t, k=2):\n"
        "    return tf.reduce_mean(t, axis=k)\n"
        "x = keras.Input(shape=(10, 4))\n"
        "a = layers.Lambda(lambda t: ops.expand_dims(t, 1))(x)\n"
        "b = layers.Lambda(my_function)(x)\n"
        "c = layers.Lambda(my_function, arguments={'k': 1})(x)\n"
        "d = layers.Lambda(tf.nn.relu)(x)\n"
        "e = layers.Lambda(lambda t: t[:, -1])(x)\n"
        "f = layers.Lambda(lambda t: t, output_shape=(7,))(x)\n"
        "g = layers.Lambda(lambda ts: ops.concatenate(ts, -1))([x, x])\n"
        "h = layers.Lambda(lambda t: tf.split(t, 2, axis=-1))(x)\n"
        "i = layers.Lambda(opaque_function)(x)\n"
    )
    a, b, c, d, e, f, g, h, i = values(src, *"abcdefghi")
    assert (a, b, c, d, e, f, g) == ((None, 1, 10, 4), (None, 10), (None, 4), (None, 10, 4),
                                     (None, 4), (None, 7), (None, 10, 8))
    assert h == [(None, 10, 2), (None, 10, 2)]
    assert i is None


def test_lambda_body_errors_are_reported_inside_the_body(check):
    src = HEAD + (
        "def split_heads(t):\n"
        "    return ops.reshape(t, (-1, 10, 3, 5))\n"
        "x = keras.Input(batch_shape=(2, 10, 16))\n"
        "y = layers.Lambda(split_heads)(x)\n"
        "z = layers.Lambda(lambda t: t[:, 0] + t[:, :, 0])(x)\n"
    )
    assert check(src) == [(5, "SHP401"), (8, "SHP102")]


def test_lambda_output_feeds_the_next_layer(check):
    src = HEAD + (
        "x = keras.Input(shape=(10, 4))\n"
        "y = layers.Lambda(lambda t: ops.sum(t, axis=1))(x)\n"
        "z = layers.LSTM(8)(y)\n"
    )
    assert check(src) == [(6, "SHP201")]


def test_keras2_backend_in_lambda(check):
    src = K2 + (
        "x = tf.keras.Input(shape=(10, 4))\n"
        "y = layers.Lambda(lambda t: K.concatenate([t, K.expand_dims(t, 1)], axis=1))(x)\n"
        "z = layers.Lambda(lambda t: K.repeat_elements(t, 3, axis=2))(x)\n"
        "w = layers.Add()([z, x])\n"
    )
    assert check(src) == [(5, "SHP101"), (7, "SHP102")]
