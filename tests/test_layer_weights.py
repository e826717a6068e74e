"""Every layer declares its weights on its LayerSpec; what users see from that (parameter
counts in `summary`, SHP502 untracked-layer warnings) follows the declaration."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from shapelint.accounting.params import WRAPPERS, layer_counts
from shapelint.arguments import Arguments
from shapelint.checker import check_source
from shapelint.cli import main
from shapelint.layers.spec import Weights
from shapelint.layers.table import LAYERS
from shapelint.shapes import Shape

HEAD = "import keras\nfrom keras import layers\n"


class StandIn:
    """A layer instance as the accounting sees it: spec, arguments, attributes."""

    def __init__(self, spec, **arguments):
        self.spec = spec
        self.config = Arguments(arguments, spec.defaults, spec.name, lists_as_tuples=True)
        self.attrs: dict = {}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_every_layer_declares_its_weights(name):
    """A count function, or a marker: a new layer cannot silently lack one."""
    weights = LAYERS[name].weights
    assert isinstance(weights, Weights) or callable(weights), f"{name} declares no weights"
    if isinstance(weights, Weights) and weights is not Weights.NONE:
        assert name in WRAPPERS, f"{name} is a wrapper nothing counts"


def test_undeclared_weights_count_as_unknown_never_zero():
    dense = LAYERS["Dense"]
    assert layer_counts(StandIn(dense, units=4), Shape((None, 3))) == (3 * 4 + 4, 0)
    undeclared = replace(dense, weights=None)
    assert layer_counts(StandIn(undeclared, units=4), Shape((None, 3))) is None
    assert not undeclared.has_weights


def test_counts_of_a_frozen_layer_are_non_trainable():
    layer = StandIn(LAYERS["Dense"], units=4, trainable=False)
    assert layer_counts(layer, Shape((None, 3))) == (0, 16)


def test_summary_counts_equal_keras(tmp_path):
    """Keras 3.15 builds this model with 856 trainable and 15 non-trainable parameters
    (per layer: 144, 492, 120, 4, 15, 96)."""
    path = tmp_path / "m.py"
    path.write_text(HEAD + (
        "tokens = keras.Input(shape=(12, 8))\n"
        "x = layers.EinsumDense('abc,cd->abd', output_shape=(12, 16), bias_axes='d')(tokens)\n"
        "x = layers.RNN(layers.StackedRNNCells([layers.GRUCell(6), layers.SimpleRNNCell(5)]),\n"
        "               return_sequences=True)(x)\n"
        "x = layers.GRU(4, reset_after=False, return_sequences=True)(x)\n"
        "x = layers.PReLU(shared_axes=[1])(x)\n"
        "x = layers.TimeDistributed(layers.Dense(3, trainable=False))(x)\n"
        "x = layers.Bidirectional(layers.LSTM(2))(x)\n"
        "model = keras.Model(tokens, x)\n"
    ))
    res = CliRunner().invoke(main, ["summary", "--format", "json", str(path)])
    assert res.exit_code == 0, res.output
    [summary] = json.loads(res.output)
    assert [(r["name"], r["params"]) for r in summary["rows"]] == [
        ("input_layer", 0), ("einsum_dense", 144), ("rnn", 492), ("gru", 120),
        ("p_re_lu", 4), ("time_distributed", 15), ("bidirectional", 96)]
    assert (summary["trainable"], summary["non_trainable"]) == (856, 15)


def _untracked(body: str) -> list[str]:
    src = HEAD + (
        "class Block(layers.Layer):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.dense = layers.Dense(4)\n"
        "        self.lstm = layers.LSTM(4, return_sequences=True)\n"
        "    def call(self, x):\n"
        f"        {body}\n"
        "        return x\n"
        "y = Block()(keras.Input(shape=(5, 8)))\n"
    )
    result = check_source(src, "m.py")
    assert not result.notes, result.notes
    return [f"{d.location.row}:{d.location.column} {d.code} {d.message} | {d.fix}"
            for d in result.diagnostics]


def test_attention_created_in_call_is_untracked():
    assert _untracked("x = layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)") == [
        "9:13 SHP502 MultiHeadAttention is created inside Block.call(), where Keras 3 does not "
        "track it: its weights are made anew on every call and never trained. | Create it once "
        "in __init__ (or build()), e.g. self.multiheadattention = "
        "layers.MultiHeadAttention(<the same arguments>), and only apply it in call()."]


def test_wrapper_that_only_applies_a_layer_makes_no_weights_of_its_own():
    # TimeDistributed of a tracked layer: the weights are self.dense's, trained.
    assert _untracked("x = layers.TimeDistributed(self.dense)(x)") == []
    # A Pipeline of augmentation layers has no weights at all.
    assert _untracked("x = layers.Pipeline([layers.RandomFlip(), layers.Rescaling(0.5)])(x)") == []
    # A new Dense inside TimeDistributed is reported once, at the Dense.
    [finding] = _untracked("x = layers.TimeDistributed(layers.Dense(3))(x)")
    assert finding.startswith("9:36 SHP502 Dense is created inside Block.call()")


def test_wrapper_that_copies_the_layer_makes_weights():
    # Bidirectional builds forward and backward copies of the layer, tracked by nobody.
    findings = _untracked("x = layers.Bidirectional(self.lstm)(x)")
    assert [f.split(" is created")[0] for f in findings] == ["9:13 SHP502 Bidirectional"]


# --- SHP203: weights over a size that is None --------------------------------------------------

FLATTENED = HEAD + "t = keras.Input(shape={shape})\nx = layers.Flatten()(layers.Embedding(100, 8)(t))\n" \
    "y = layers.Dense(1)(x)\n"


def test_a_none_written_in_the_input_reaches_dense_through_flatten():
    [d] = check_source(FLATTENED.format(shape="(None,)"), "m.py").diagnostics
    assert (d.code, d.location.row, d.message) == (
        "SHP203", 5, "Dense sizes its weights by the last axis of its input, but that size is None "
        "in (None, None): Keras cannot create weights of an undefined size.")
    assert d.fix == ("Give that axis a fixed size: a number instead of None in Input(shape=...), or "
                     "pool the variable-length axis away before this layer (GlobalAveragePooling1D() "
                     "instead of Flatten() for a sequence).")


@pytest.mark.parametrize("source", [
    FLATTENED.format(shape="(n,)").replace("t = ", "import json\nn = json.load(open('c'))['n']\nt = "),
    FLATTENED.format(shape="(200,)"),
    HEAD + "m = keras.Sequential([layers.LSTM(4), layers.Dense(2)])\n",
    HEAD + "def block(x):\n    return layers.Dense(3)(layers.Flatten()(x))\n",
], ids=["size-read-at-run-time", "fixed-length", "sequential-without-input", "helper-never-called"])
def test_a_size_the_analysis_does_not_know_is_never_none_for_weights(source):
    assert [d.code for d in check_source(source, "m.py").diagnostics] == []


def test_the_walk_back_to_the_input_visits_each_tensor_once():
    """40 residual blocks share their ancestors: a walk of every path would be 2**40 steps."""
    source = (HEAD + "x = inp = keras.Input(shape=(None, None, 8))\nfor i in range(40):\n"
              "    x = layers.Add()([x, layers.Conv2D(8, 3, padding='same')(x)])\n"
              "y = layers.Dense(2)(layers.Flatten()(x))\n")
    [d] = check_source(source, "m.py", seconds=60).diagnostics
    assert (d.code, d.location.row) == ("SHP203", 6)
