"""Shapes flow through the Python that model code is written in.

Each snippet hides a bug that is only visible if the shapes flowed correctly through the
construct under test, and (where it matters) a twin that must stay silent.
"""
from __future__ import annotations

HEAD = "import keras\nfrom keras import layers\n"


def test_tuple_unpacking_and_augmented_assignment(check):
    src = HEAD + (
        "h, w = 28, 28\n"
        "c = 1\n"
        "c += 2\n"
        "x = keras.Input(shape=(h, w, c))\n"
        "y = layers.Reshape((h * w, c - 1))(x)\n"
    )
    assert check(src) == [(7, "SHP401")]


def test_helper_function_with_defaults_and_keywords(check):
    src = HEAD + (
        "def block(x, filters=32, kernel=3, pool=True):\n"
        "    x = layers.Conv2D(filters, kernel)(x)\n"
        "    if pool:\n"
        "        x = layers.MaxPooling2D(2)(x)\n"
        "    return x\n"
        "inp = keras.Input(shape=(32, 32, 3))\n"
        "a = block(inp)\n"                       # (15, 15, 32)
        "b = block(block(inp, pool=False), filters=32)\n"   # 30 -> 28 -> 14
        "m = layers.Concatenate()([a, b])\n"
    )
    assert check(src) == [(11, "SHP101")]


def test_for_over_range_unrolls(check):
    src = HEAD + (
        "x = keras.Input(shape=(16, 16, 3))\n"
        "for i in range(5):\n"
        "    x = layers.MaxPooling2D(2)(x)\n"
    )
    assert check(src) == [(5, "SHP402")]


def test_for_over_a_list_of_filters(check):
    src = HEAD + (
        "x = keras.Input(shape=(32, 32, 3))\n"
        "skips = []\n"
        "for f in [16, 32, 64]:\n"
        "    x = layers.Conv2D(f, 3, padding='same')(x)\n"
        "    skips.append(x)\n"
        "    x = layers.MaxPooling2D()(x)\n"
        "y = layers.Concatenate()([skips[0], skips[-1]])\n"
    )
    assert check(src) == [(9, "SHP101")]


def test_list_comprehension_of_branches(check):
    src = HEAD + (
        "inputs = [keras.Input(shape=(10, n)) for n in (4, 4, 5)]\n"
        "merged = layers.Add()(inputs)\n"
        "ok = layers.Concatenate()([keras.Input(shape=(10, n)) for n in (4, 4, 5)])\n"
    )
    assert check(src) == [(4, "SHP102")]


def test_if_with_known_condition_takes_one_branch(check):
    src = HEAD + (
        "USE_3D = False\n"
        "x = keras.Input(shape=(64, 64, 3))\n"
        "if USE_3D:\n"
        "    y = layers.Conv3D(8, 3)(x)\n"
        "else:\n"
        "    y = layers.Conv2D(8, 3)(x)\n"
        "z = layers.Reshape((62 * 62 * 8 + 1,))(y)\n"
    )
    assert check(src) == [(9, "SHP401")]


def test_unknown_condition_joins_both_branches(check):
    src = HEAD + (
        "import sys\n"
        "x = keras.Input(shape=(64,))\n"
        "if len(sys.argv) > 1:\n"
        "    y = layers.Dense(10)(x)\n"
        "else:\n"
        "    y = layers.Dense(12)(x)\n"
        "z = layers.Reshape((5, 2))(y)\n"      # 10 or 12: unknown, silent
        "w = layers.Reshape((7, 7))(layers.Dense(20)(x))\n"   # after the join: still found
    )
    assert check(src) == [(10, "SHP401")]


def test_branch_guarded_by_a_shape_test_is_silent(check):
    src = HEAD + (
        "def head(x):\n"
        "    if len(x.shape) == 4:\n"
        "        return layers.GlobalAveragePooling2D()(x)\n"
        "    return layers.GlobalAveragePooling1D()(x)\n"
        "a = head(keras.Input(shape=(8, 8, 3)))\n"
        "b = head(keras.Input(shape=(8, 3)))\n"
        "def opaque(x, flag):\n"
        "    if flag(x.shape):\n"
        "        return layers.GlobalAveragePooling2D()(x)\n"
        "    return layers.GlobalAveragePooling1D()(x)\n"
        "c = opaque(keras.Input(shape=(8, 8, 3)), decide)\n"
    )
    assert check(src) == []


def test_sequential_with_input_shape_and_add(check):
    src = HEAD + (
        "model = keras.Sequential([\n"
        "    layers.Dense(64, input_shape=(20,)),\n"
        "    layers.Dense(32),\n"
        "])\n"
        "model.add(layers.Reshape((5, 5)))\n"
    )
    assert check(src) == [(7, "SHP401")]


def test_sequential_with_input_object(check):
    src = HEAD + (
        "model = keras.Sequential()\n"
        "model.add(keras.Input(shape=(10, 8)))\n"
        "model.add(layers.LSTM(16))\n"
        "model.add(layers.LSTM(16))\n"
    )
    assert check(src) == [(6, "SHP301")]


def test_model_called_as_a_layer(check):
    src = HEAD + (
        "inp = keras.Input(shape=(8,))\n"
        "base = keras.Model(inp, layers.Dense(4)(inp))\n"
        "a = base(keras.Input(shape=(8,)))\n"
        "b = layers.Concatenate(axis=0)([a, keras.Input(shape=(5,))])\n"
        "c = base(keras.Input(shape=(9,)))\n"
    )
    assert check(src) == [(6, "SHP101"), (7, "SHP203")]


def test_shared_layer_on_a_different_input_size(check):
    src = HEAD + (
        "shared = layers.Dense(16)\n"
        "a = shared(keras.Input(shape=(8,)))\n"
        "b = shared(keras.Input(shape=(8,)))\n"
        "c = shared(keras.Input(shape=(9,)))\n"
    )
    assert check(src) == [(6, "SHP203")]


def test_subclassed_model(check):
    src = HEAD + (
        "class Net(keras.Model):\n"
        "    def __init__(self, units=10):\n"
        "        super().__init__()\n"
        "        self.conv = layers.Conv2D(8, 3)\n"
        "        self.flat = layers.Flatten()\n"
        "        self.out = layers.Dense(units)\n"
        "    def call(self, x):\n"
        "        return self.out(self.flat(self.conv(x)))\n"
        "net = Net()\n"
        "y = net(keras.Input(shape=(10, 32, 32, 3)))\n"
    )
    assert check(src) == [(10, "SHP201")]


def test_custom_layer_build_sees_the_input_shape(check):
    src = HEAD + (
        "class Proj(layers.Layer):\n"
        "    def build(self, input_shape):\n"
        "        self.inner = layers.Reshape((input_shape[-1] + 1,))\n"
        "    def call(self, x):\n"
        "        return self.inner(x)\n"
        "y = Proj()(keras.Input(shape=(6,)))\n"
    )
    assert check(src) == [(7, "SHP401")]


def test_recursion_is_bounded(check):
    src = HEAD + (
        "def deep(x, n):\n"
        "    return deep(layers.Dense(4)(x), n - 1) if n else x\n"
        "y = deep(keras.Input(shape=(3,)), 1000)\n"
        "def forever(x):\n"
        "    return forever(x)\n"
        "z = forever(keras.Input(shape=(3,)))\n"
    )
    assert check(src) == []


def test_uncalled_model_builder_is_analysed_with_its_defaults(check):
    src = HEAD + (
        "def build(n_classes=10, size=32):\n"
        "    inp = keras.Input(shape=(size, size, 3))\n"
        "    x = layers.Flatten()(inp)\n"
        "    return layers.Reshape((n_classes, 100))(x)\n"
    )
    assert check(src) == [(6, "SHP401")]


def test_unknown_values_are_never_errors(check):
    src = HEAD + (
        "import numpy as np\n"
        "X = np.load('data.npy')\n"
        "inp = keras.Input(shape=X.shape[1:])\n"
        "x = layers.Dense(int(X.shape[-1]))(inp)\n"
        "y = layers.Add()([x, layers.Dense(7)(inp)])\n"
        "z = layers.Reshape((3, 3))(x)\n"
        "w = layers.Concatenate(axis=1)([inp, keras.Input(shape=(4, 5))])\n"
        "v = layers.LSTM(3)(some_function(inp))\n"
    )
    assert check(src) == []


def test_named_symbols_carry_equal_unknown_sizes(check):
    src = HEAD + (
        "def build(n_features):\n"
        "    a = keras.Input(shape=(n_features,))\n"
        "    b = keras.Input(shape=(n_features,))\n"
        "    c = layers.Add()([a, b])\n"
        "    return layers.Concatenate(axis=1)([c, keras.Input(shape=(n_features, 2))])\n"
    )
    assert check(src) == [(7, "SHP101")]


def test_keras2_target_accepts_int_shapes(check):
    src = HEAD + "x = keras.Input(shape=5)\n"
    assert check(src) == [(3, "SHP202")]
    assert check(src, keras_version=2) == []
    assert check("import tf_keras as keras\nx = keras.Input(shape=5)\n") == []


def test_bidirectional_and_time_distributed(check):
    src = HEAD + (
        "x = keras.Input(shape=(20, 16))\n"
        "y = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(x)\n"
        "z = layers.TimeDistributed(layers.Dense(5))(y)\n"
        "w = layers.Reshape((20, 4))(z)\n"
        "v = layers.Reshape((20, 16))(y)\n"
    )
    assert check(src) == [(6, "SHP401")]


def test_return_state_unpacks(check):
    src = HEAD + (
        "x = keras.Input(shape=(20, 16))\n"
        "out, h, c = layers.LSTM(8, return_state=True)(x)\n"
        "y = layers.Add()([h, layers.Dense(9)(c)])\n"
    )
    assert check(src) == [(5, "SHP102")]


def test_keras2_target_applies_conv_over_extra_leading_axes(check):
    src = HEAD + (
        "clips = keras.Input(shape=(50, 32, 32, 3))\n"
        "frames = layers.Conv2D(8, 3)(clips)\n"
        "bad = layers.Reshape((50, 30 * 30 * 8 + 1))(frames)\n"
    )
    assert check(src) == [(4, "SHP201")]
    assert check(src, keras_version=2) == [(5, "SHP401")]   # (None, 50, 30, 30, 8) flows on


def test_findings_say_when_keras2_behaved_differently():
    from shapelint.checker import check_source

    src = HEAD + "x = keras.Input(shape=5)\ny = layers.Conv1D(4, 3)(keras.Input(shape=(7, 10, 2)))\n"
    messages = [d.message for d in check_source(src, "m.py").diagnostics]
    assert len(messages) == 2 and all("Keras 2" in m and "Keras 3 does not" in m for m in messages)



def test_identity_tests_on_tensors_are_decided(check):
    """``p is None`` on a tensor is False (NASNet's _adjust_block): identity is never an
    element-wise op, so the branch taken is known and the shapes after it too."""
    src = HEAD + (
        "def adjust(p, ip):\n"
        "    if p is None:\n        p = ip\n"
        "    elif p is not None and p.shape[-1] != 3:\n        p = layers.Conv2D(7, 1)(p)\n"
        "    return p\n"
        "x = keras.Input(shape=(8, 8, 3))\n"
        "y = layers.Add()([adjust(layers.Conv2D(5, 1)(x), x), keras.Input(shape=(8, 8, 7))])\n"
        "z = layers.Add()([adjust(layers.Conv2D(5, 1)(x), x), keras.Input(shape=(8, 8, 10))])\n"
    )
    assert check(src) == [(11, "SHP102")]


def test_a_layer_chosen_by_an_unknown_condition_is_called_as_either(check):
    """ConvNeXt: ``StochasticDepth(rate) if rate else Activation("linear")`` with an unknown
    rate. Both keep the shape, so the shape after the call is known and a later mismatch is
    found; what only one option would raise is withheld (that option may not be taken)."""
    src = HEAD + (
        "class Drop(layers.Layer):\n"
        "    def call(self, x):\n        return x\n"
        "def block(x, rate):\n"
        "    layer = Drop() if rate else layers.Activation('linear')\n"
        "    return layer(x)\n"
        "def head(x, flat):\n"
        "    pool = layers.Conv1D(4, 3) if flat else layers.Dense(4)\n"
        "    return pool(x)\n"
        "x = keras.Input(shape=(8, 3))\n"
        "y = layers.Add()([block(x, RATE), keras.Input(shape=(8, 5))])\n"   # line 13: found
        "z = head(keras.Input(shape=(8,)), FLAT)\n"                        # Conv1D on 2-D: withheld
    )
    assert check(src) == [(13, "SHP102")]


def test_eval_of_a_known_name_reads_it_in_scope(check):
    """keras-unet-collection picks activations and merges with ``eval(name)``."""
    src = HEAD + (
        "from keras.layers import Add, Conv2D, ReLU\n"
        "def block(x, channel, activation='ReLU', merge='Add'):\n"
        "    activation_func = eval(activation)\n"
        "    merge_func = eval(merge)\n"
        "    y = activation_func()(Conv2D(channel + 1, 3, padding='same')(x))\n"
        "    return merge_func()([x, y])\n"
        "out = block(keras.Input(shape=(64, 64, 16)), 16)\n"
        "bad = eval('not an expression (')\n"
    )
    assert check(src) == [(8, "SHP102")]


def test_or_with_a_truthy_right_side_is_true_whatever_the_left(check):
    """``rate == 0.0 or not training`` with an unknown rate and ``training=None``: MiT's
    DropPath returns its input unchanged."""
    src = HEAD + (
        "def pick(x, rate, training=None):\n"
        "    if rate == 0.0 or not training:\n"
        "        return layers.Dense(4)(x)\n"
        "    return layers.Dense(5)(x)\n"
        "def keep(x, rate, training=None):\n"
        "    if rate == 0.0 and training:\n"
        "        return layers.Dense(5)(x)\n"
        "    return layers.Dense(4)(x)\n"
        "x = keras.Input(shape=(3,))\n"
        "y = layers.Add()([pick(x, RATE), keras.Input(shape=(5,))])\n"
        "z = layers.Add()([keep(x, RATE), keras.Input(shape=(5,))])\n"
    )
    assert check(src) == [(12, "SHP102"), (13, "SHP102")]


def test_a_finding_in_a_builder_nothing_calls_names_the_defaults_it_ran_with():
    from shapelint.checker import check_source

    src = HEAD + (
        "def build_model(input_shape=(224, 224, 3), classes=1000, weights='imagenet'):\n"
        "    inputs = keras.Input(shape=input_shape)\n"
        "    x = layers.Add()([layers.Conv2D(32, 3)(inputs), inputs])\n"
        "    return keras.Model(inputs, layers.Dense(classes)(x))\n"
        "def called(size=8):\n"
        "    inputs = keras.Input(shape=(size,))\n"
        "    return layers.Add()([layers.Dense(4)(inputs), inputs])\n"
        "out = called()\n"
    )
    first, second = check_source(src, "builders.py").diagnostics
    assert first.notes == ("found with the defaults of build_model(): input_shape=(224, 224, 3), "
                           "classes=1000 (nothing in this file calls it; a caller may pass others)",)
    assert (second.location.row, second.notes) == (9, ())


def test_args_and_kwargs_are_forwarded_through_helpers(check):
    src = HEAD + (
        "def conv(x, *args, **kwargs):\n"
        "    return layers.Conv2D(*args, **kwargs)(x)\n"
        "def block(x, filters, **kwargs):\n"
        "    return layers.Add()([x, conv(x, filters, 3, **kwargs)])\n"
        "same = block(keras.Input(shape=(32, 32, 16)), 16, padding='same')\n"
        "valid = block(keras.Input(shape=(32, 32, 16)), 16, padding='valid')\n"
    )
    assert check(src) == [(6, "SHP102")]


def test_statements_on_the_line_of_their_compound_statement_run():
    """``if c: y = f(x)``, ``for ...: x = pool(x)``, ``def f(): return ...`` on one line."""
    from shapelint.checker import check_source

    src = HEAD + (
        "x = keras.Input((10,))\n"
        "if True: y = layers.Reshape((3, 3))(x)\n"
        "z = keras.Input((8, 8, 1))\n"
        "for _ in range(2): z = layers.MaxPooling2D()(z)\n"
        "def wrong(): return layers.Reshape((3, 7))(z)\n"
        "w = wrong()\n"
    )
    assert [(d.location.row, d.code, d.message) for d in check_source(src, "one_line.py").diagnostics] == [
        (4, "SHP401", "Reshape((3, 3)) needs 9 values per example, but its input (None, 10) has 10."),
        (7, "SHP401", "Reshape((3, 7)) needs 21 values per example, but its input (None, 2, 2, 1) has 4."),
    ]
