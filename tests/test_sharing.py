"""Weight sharing and parameter accounting: what users see from SHP501-503 and `summary`."""
from __future__ import annotations

import json

from click.testing import CliRunner

from shapelint.checker import check_source
from shapelint.cli import main

HEAD = "import keras\nfrom keras import layers\n"
ENCODER = (
    "def encoder(x, units=16):\n"
    "    x = layers.Dense(64, activation='relu')(x)\n"
    "    return layers.Dense(units)(x)\n"
)


def findings(source):
    result = check_source(source, "m.py")
    assert not result.notes, result.notes
    return result.diagnostics


def codes(source):
    return [(d.location.row, d.code) for d in findings(source)]


def test_helper_called_per_input_and_merged_warns_once_at_the_helper():
    src = HEAD + ENCODER + (
        "views = [keras.Input(shape=(32,)) for _ in range(4)]\n"
        "merged = layers.Concatenate()([encoder(v) for v in views])\n"
    )
    [d] = findings(src)
    assert (d.code, d.location.row, d.severity) == ("SHP501", 3, "warning")
    # 4 copies of Dense(32->64) + Dense(64->16): (32*64+64) + (64*16+16) = 3,152 each
    assert "4 separate copies" in d.message
    assert "4 x 3,152 = 12,608 parameters; shared, 3,152" in d.message
    assert "merged by Concatenate at line 7" in d.message
    assert "keras.Sequential" in d.fix


def test_call_sites_are_listed():
    src = HEAD + ENCODER + (
        "a = keras.Input(shape=(32,))\nb = keras.Input(shape=(32,))\n"
        "ea = encoder(a)\neb = encoder(b)\n"
        "d = layers.Dot(axes=1)([ea, eb])\n"
    )
    [d] = findings(src)
    assert d.code == "SHP501" and "lines 8, 9" in d.message


def test_sequential_blocks_are_silent():
    src = HEAD + ENCODER.replace("(x, units=16)", "(x, units=32)") + (
        "x = inp = keras.Input(shape=(32,))\n"
        "for _ in range(4):\n    x = encoder(x)\n"
        "y = layers.Add()([x, inp])\n"
    )
    assert codes(src) == []


def test_different_arguments_per_call_are_silent():
    src = HEAD + ENCODER + (
        "a = keras.Input(shape=(32,))\nb = keras.Input(shape=(32,))\n"
        "m = layers.Concatenate()([encoder(a, 16), encoder(b, 8)])\n"
    )
    assert codes(src) == []


def test_branches_from_the_same_tensor_are_silent():
    src = HEAD + ENCODER + (
        "x = keras.Input(shape=(32,))\n"
        "m = layers.Concatenate()([encoder(x), encoder(x)])\n"
    )
    assert codes(src) == []


def test_inputs_of_different_shapes_are_silent():
    src = HEAD + ENCODER + (
        "a = keras.Input(shape=(32,))\nb = keras.Input(shape=(20,))\n"
        "m = layers.Concatenate()([encoder(a), encoder(b)])\n"
    )
    assert codes(src) == []


def test_named_copies_are_silent():
    src = HEAD + (
        "def tower(x, i):\n"
        "    return layers.Dense(16, name=f'tower_{i}')(x)\n"
        "a = keras.Input(shape=(32,))\nb = keras.Input(shape=(32,))\n"
        "m = layers.Concatenate()([tower(a, 0), tower(b, 1)])\n"
    )
    assert codes(src) == []


def test_results_never_merged_are_silent():
    src = HEAD + ENCODER + (
        "a = keras.Input(shape=(32,))\nb = keras.Input(shape=(32,))\n"
        "m1 = keras.Model(a, encoder(a))\nm2 = keras.Model(b, encoder(b))\n"
    )
    assert codes(src) == []


def test_branches_merged_by_an_op_or_a_lambda_warn_too():
    by_op = HEAD + "from keras import ops\n" + ENCODER + (
        "a = keras.Input(shape=(32,))\n"
        "b = keras.Input(shape=(32,))\n"
        "model = keras.Model([a, b], ops.abs(encoder(a) - encoder(b)))\n"
    )
    [d] = findings(by_op)
    assert (d.code, d.location.row) == ("SHP501", 4)
    assert d.message == (
        "encoder() creates its layers on every call: its 2 calls (all made at line 9) on "
        "independent inputs build 2 separate copies of Dense (2 x 3,152 = 6,304 parameters; "
        "shared, 3,152), merged by operator - at line 9, so the branches share no weights.")
    by_lambda = HEAD + ENCODER + (
        "a = keras.Input(shape=(32,))\n"
        "b = keras.Input(shape=(32,))\n"
        "d = layers.Lambda(lambda t: t[0] - t[1])([encoder(a), encoder(b)])\n"
    )
    [d] = findings(by_lambda)
    assert "merged by Lambda at line 8" in d.message


def test_a_model_built_per_branch_by_a_helper_warns_with_a_fix_that_builds_it_once():
    src = HEAD + (
        "def base(shape):\n"
        "    x = keras.Input(shape=shape)\n"
        "    return keras.Model(x, layers.Dense(16)(layers.Dense(64)(x)))\n"
        "a = keras.Input(shape=(32,))\n"
        "b = keras.Input(shape=(32,))\n"
        "d = layers.Subtract()([base((32,))(a), base((32,))(b)])\n"
    )
    [d] = findings(src)
    assert (d.code, d.location.row) == ("SHP501", 3)
    assert "2 separate copies of Dense (2 x 3,152 = 6,304 parameters; shared, 3,152)" in d.message
    assert d.fix.startswith("Call base() once and apply the model it returns to every input: "
                            "`base = base(<its arguments>)`, then `base(input_a)`, `base(input_b)`")


def test_per_feature_layers_are_silent():
    adapted = HEAD + (
        "def encode(feature, column):\n"
        "    norm = layers.Normalization()\n"
        "    norm.adapt(column)\n"
        "    return layers.Dense(8)(norm(feature))\n"
        "a = keras.Input(shape=(1,))\n"
        "b = keras.Input(shape=(1,))\n"
        "m = layers.Concatenate()([encode(a, [1.0, 2.0]), encode(b, [3.0, 4.0])])\n"
    )
    assert codes(adapted) == []
    kept_per_key = HEAD + (
        "dense = {}\n"
        "for name in ('age', 'fare'):\n"
        "    dense[name] = layers.Dense(32)\n"
        "inputs = {name: keras.Input(shape=(1,)) for name in ('age', 'fare')}\n"
        "m = layers.Concatenate()([dense[n](inputs[n]) for n in ('age', 'fare')])\n"
    )
    assert codes(kept_per_key) == []


def test_loop_body_building_layers_per_input_warns_at_the_loop():
    src = HEAD + (
        "outs = []\n"
        "ins = [keras.Input(shape=(8,)), keras.Input(shape=(8,)), keras.Input(shape=(8,))]\n"
        "for t in ins:\n"
        "    outs.append(layers.Dense(4)(t))\n"
        "m = layers.Average()(outs)\n"
    )
    assert codes(src) == [(5, "SHP501")]


def test_untracked_layers_in_call_and_lambda():
    src = HEAD + (
        "class Block(layers.Layer):\n"
        "    def call(self, x):\n"
        "        y = layers.ReLU()(x)\n"                       # no weights: fine
        "        if not hasattr(self, 'proj'):\n"
        "            self.proj = layers.Dense(8)\n"            # tracked (lazy)
        "        return layers.Dense(8)(self.proj(y))\n"        # untracked
        "x = Block()(keras.Input(shape=(8,)))\n"
        "z = layers.Lambda(lambda t: layers.Conv1D(4, 3)(t))(keras.Input(shape=(10, 3)))\n"
    )
    assert codes(src) == [(8, "SHP502"), (10, "SHP502")]


def test_parameter_hot_spot_needs_a_large_model_and_a_reshape():
    big = HEAD + (
        "t = layers.Dense(20000)(keras.Input(shape=(100,)))\n"
        "r = layers.Reshape((100, 200))(t)\n"
        "m = keras.Model(t, r)\n"
    )
    small = big.replace("20000", "200").replace("(100, 200)", "(10, 20)")
    no_reshape = HEAD + (
        "i = keras.Input(shape=(100,))\n"
        "m = keras.Model(i, layers.Dense(20000)(i))\n"
    )
    model = HEAD + (
        "i = keras.Input(shape=(100,))\n"
        "r = layers.Reshape((100, 200))(layers.Dense(20000)(i))\n"
        "m = keras.Model(i, r)\n"
    )
    assert codes(model) == [(4, "SHP503")]
    assert codes(small) == []
    assert codes(no_reshape) == []


def test_summary_command_text_and_json(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(HEAD + (
        "inp = keras.Input(shape=(28, 28, 1))\n"
        "x = layers.Conv2D(8, 3, name='conv')(inp)\n"
        "x = layers.BatchNormalization()(x)\n"
        "shared = layers.Dense(10)\n"
        "a = shared(layers.Flatten()(x))\n"
        "b = shared(layers.Flatten()(x))\n"
        "model = keras.Model(inp, layers.Add()([a, b]))\n"
    ))
    res = CliRunner().invoke(main, ["summary", str(path)])
    assert res.exit_code == 0, res.output
    out = res.output
    assert 'Model "model" (functional)' in out
    assert "conv (Conv2D)" in out and "(None, 26, 26, 8)" in out and "80" in out
    assert out.count("dense (Dense)") == 1          # a shared layer is listed once
    # conv 80 + BN 32 trainable / 16 moving + Dense 26*26*8*10+10 = 54,090
    assert "Trainable params: 54,186" in out and "Non-trainable params: 16" in out
    data = json.loads(CliRunner().invoke(main, ["summary", "--format", "json", str(path)]).output)
    assert data[0]["name"] == "model" and data[0]["trainable"] == 54186
    assert data[0]["non_trainable"] == 16 and data[0]["total"] == 54202


def test_summary_follows_every_tensor_a_custom_layer_is_called_with(tmp_path):
    """`CTCLayer(name="ctc")(labels, predictions)`: both tensors are inputs, as in Keras,
    and names given in the code (Input, custom layers) are the names Keras shows."""
    path = tmp_path / "m.py"
    path.write_text(HEAD + (
        "class CTCLayer(layers.Layer):\n"
        "    def call(self, y_true, y_pred):\n"
        "        return y_pred\n"
        "image = keras.Input(shape=(16,), name='image')\n"
        "labels = keras.Input(shape=(None,), name='label')\n"
        "x = layers.Dense(8, name='dense2')(image)\n"
        "out = CTCLayer(name='ctc_loss')(labels, x)\n"
        "model = keras.Model([image, labels], out)\n"
        "other = keras.Model(model.input[0], model.get_layer('dense2').output)\n"
    ))
    data = json.loads(CliRunner().invoke(main, ["summary", "--format", "json", str(path)]).output)
    rows = {r["name"]: r for r in data[0]["rows"]}
    assert set(rows) == {"image", "label", "dense2", "ctc_loss"}
    assert rows["ctc_loss"]["connected_to"] == ["label", "dense2"]
    assert data[0]["total"] == 16 * 8 + 8
    # a model whose outputs the analysis cannot follow: unknown, not zero
    assert data[1]["rows"] == [] and data[1]["total"] is None
