"""`shapelint summary` lists the models a file builds: not the fragments a helper builds for
another model (listed as that model's layer, as Keras lists them), not a never-called
builder's copy of a model already listed; and a model with a call the analysis cannot follow
keeps the layers it knows before that call."""
from __future__ import annotations

from conftest import FIXTURES, ROOT, run_shapelint


def _titles(text: str) -> list[str]:
    return [line.split(": ", 1)[1] for line in text.splitlines() if ': Model "' in line]


def test_a_helper_built_model_used_as_a_layer_is_a_layer_not_a_model():
    run = run_shapelint("summary", str((FIXTURES / "buggy" / "shp501_base_network_per_branch_bug.py")
                                       .relative_to(ROOT)))
    assert _titles(run.stdout) == ['Model "model" (functional)']
    assert "functional (Functional)     (None, 64)      108,736  input_layer\n" in run.stdout


def test_models_bound_at_module_level_stay_listed_though_used_as_layers():
    run = run_shapelint("summary", str((FIXTURES / "correct" / "nested_model_as_layer.py").relative_to(ROOT)))
    assert _titles(run.stdout) == ['Model "encoder" (functional)', 'Model "decoder" (functional)',
                                   'Model "autoencoder" (functional)', 'Model "head" (sequential)']


def test_a_never_called_builder_of_a_listed_model_is_not_listed_again(tmp_path):
    (tmp_path / "m.py").write_text(
        "import keras\nfrom keras import layers\n\n\n"
        "def build_model():\n    inputs = keras.Input(shape=(8,))\n"
        "    return keras.Model(inputs, layers.Dense(1)(inputs))\n\n\n"
        "def build_wide():\n    inputs = keras.Input(shape=(8,))\n"
        "    return keras.Model(inputs, layers.Dense(4)(inputs))\n\n\n"
        "inputs = keras.Input(shape=(8,))\nmodel = keras.Model(inputs, layers.Dense(1)(inputs))\n")
    run = run_shapelint("summary", "m.py", cwd=tmp_path)
    assert [line for line in run.stdout.splitlines() if ': Model "' in line] == [
        'm.py:16: Model "model" (functional)', 'm.py:12: Model "functional" (functional)']


def test_the_layers_before_a_call_not_followed_are_kept(tmp_path):
    (tmp_path / "m.py").write_text(
        "import keras\nfrom keras import layers\nfrom mystery import transform\n\n"
        "inputs = keras.Input(shape=(32,))\n"
        "x = layers.Dense(64, activation=\"relu\")(inputs)\n"
        "x = layers.Dense(64, activation=\"relu\")(x)\n"
        "x = transform(x)\n"
        "outputs = layers.Dense(10)(x)\n"
        "model = keras.Model(inputs, outputs)\n")
    run = run_shapelint("summary", "m.py", cwd=tmp_path)
    assert run.stdout.splitlines()[4:13] == [
        "input_layer (InputLayer)    (None, 32)      0",
        "dense (Dense)               (None, 64)      2,112    input_layer",
        "dense_1 (Dense)             (None, 64)      4,160    dense",
        "(not known statically) (?)  ?               ?",
        "dense_2 (Dense)             (unknown rank)  ?",
        "-----------------------------------------------------------------",
        " Total params: ?",
        " Trainable params: ?",
        " Non-trainable params: ?",
    ]


def test_a_dynamic_axis_prints_none_and_a_size_not_worked_out_prints_a_question_mark(tmp_path):
    (tmp_path / "m.py").write_text(
        "import pandas as pd\nimport keras\nfrom keras import layers\n\n"
        "X = pd.read_csv('data.csv').drop(columns=['y']).values\n"
        "inputs = keras.Input(shape=(X.shape[1],))\n"
        "h = layers.Dense(UNITS)(inputs)\n"
        "k = layers.Dense(8)(inputs) if FLAG else layers.Dense(16)(inputs)\n"
        "model = keras.Model(inputs, layers.Concatenate()([h, k]))\n"
        "seq = keras.Input(shape=(None, 8))\n"
        "rnn = keras.Model(seq, layers.LSTM(4, return_sequences=True)(seq))\n")
    run = run_shapelint("summary", "m.py", cwd=tmp_path)
    for row in ("input_layer (InputLayer)   (None, ?)      0\n",
                "dense (Dense)              (None, UNITS)  ?        input_layer\n",
                "concatenate (Concatenate)  (None, ?)      0        dense\n",
                "input_layer_1 (InputLayer)  (None, None, 8)  0\n",
                "lstm (LSTM)                 (None, None, 4)  208      input_layer_1\n"):
        assert row in run.stdout
