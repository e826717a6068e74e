"""SHP207: TensorFlow ops on a Keras 3 model's symbolic tensors, and where they are fine."""
from __future__ import annotations

from shapelint.checker import check_source

HEAD = (
    "import tensorflow as tf\n"
    "from tensorflow import keras\n"
    "from tensorflow.keras import layers\n"
    "a = keras.Input(shape=(8, 8, 4))\n"
    "b = keras.Input(shape=(8, 8, 4))\n"
)


def found(body: str, keras_version: int = 3):
    result = check_source(HEAD + body, "m.py", keras_version)
    assert not result.notes, result.notes
    return result.diagnostics


def test_tf_ops_on_model_tensors_are_reported_with_the_keras_op_to_use():
    [d] = found("c = tf.concat([a, b], axis=-1)\n")
    assert (d.code, d.location.row) == ("SHP207", 6)
    assert "tf.concat" in d.message and "(None, 8, 8, 4)" in d.message and "Keras 2" in d.message
    assert "keras.ops.concatenate" in d.fix and "Lambda" in d.fix
    [d] = found("m = tf.reduce_mean(a, axis=[1, 2])\n")
    assert "keras.ops.mean" in d.fix


def test_inside_helpers_too_and_shapes_flow_on():
    body = ("def head(x):\n"
            "    return tf.reshape(x, (-1, 256))\n"
            "h = head(a)\n"
            "out = layers.Dense(3)(h)\n")
    assert [(d.code, d.location.row) for d in found(body)] == [("SHP207", 7)]


def test_fine_inside_call_lambda_on_eager_tensors_and_keras_ops():
    body = (
        "class Gate(layers.Layer):\n"
        "    def call(self, x):\n"
        "        return x * tf.nn.sigmoid(tf.reduce_mean(x, axis=[1, 2], keepdims=True))\n"
        "g = Gate()(a)\n"
        "l1 = layers.Lambda(lambda t: tf.concat(t, axis=-1))([a, b])\n"
        "l2 = layers.Lambda(tf.nn.relu)(a)\n"
        "k = keras.ops.concatenate([a, b], axis=-1)\n"
        "z = tf.reduce_sum(tf.zeros((3, 4)))\n"
        "model = keras.Model([a, b], layers.Flatten()(k))\n"
        "probe = tf.reduce_sum(model([tf.zeros((1, 8, 8, 4)), tf.ones((1, 8, 8, 4))]))\n"
    )
    assert found(body) == ()


def test_keras_2_wraps_tf_ops_in_layers_so_nothing_is_reported():
    assert found("c = tf.concat([a, b], axis=-1)\n", keras_version=2) == ()
    tf_keras = ("import tensorflow as tf\nimport tf_keras as keras\n"
                "a = keras.Input(shape=(4,))\nc = tf.concat([a, a], axis=-1)\n")
    assert check_source(tf_keras, "m.py").diagnostics == ()


def test_every_tensorflow_function_is_covered_not_only_modeled_ops():
    body = ("up = tf.nn.depth_to_space(a, 2)\n"
            "hot = tf.one_hot(keras.Input(shape=(5,), dtype='int32'), 3)\n")
    [d1, d2] = found(body)
    assert (d1.code, d1.location.row, d2.location.row) == ("SHP207", 6, 7)
    assert d1.message == ("tf.nn.depth_to_space is a TensorFlow op, and Keras 3 raises when it is "
                          "given the symbolic tensor (None, 8, 8, 4) of a model being built (Keras 2 "
                          "wrapped the call in a layer).")
    assert d1.fix == ("Keep the model in Keras: wrap it in a layer: layers.Lambda(lambda t: "
                      "tf.nn.depth_to_space(t, 2))(a); or move it into a custom layer's call().")


def test_reported_once_per_chain_of_tensorflow_calls():
    body = ("x = tf.reshape(a, (-1, 256))\n"
            "x = tf.nn.relu(x)\n"
            "y = tf.nn.depth_to_space(b, 2)\n"
            "y = tf.reduce_mean(tf.image.resize(y, (4, 4)))\n"
            "z = tf.reduce_sum(layers.Dense(3)(x))\n")
    assert [(d.code, d.location.row) for d in found(body)] == [("SHP207", 6), ("SHP207", 8)]


def test_tensorflow_names_that_take_keras_tensors_are_left_alone():
    body = ("s = tf.TensorShape(a.shape)\n"
            "t = tf.TensorSpec(a.shape)\n"
            "f = tf.nest.flatten([a, b])\n"
            "k = tf.is_tensor(a)\n"
            "g = tf.get_static_value(a)\n"
            "d = tf.keras.layers.Dense(3)(a)\n")
    assert found(body) == ()
