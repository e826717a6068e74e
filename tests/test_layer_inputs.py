"""A layer that takes one tensor called on a list (SHP205), and the old lookup mode names."""
from __future__ import annotations

from shapelint.checker import check_source

HEAD = ("import keras\nfrom keras import layers\n"
        "a = keras.Input(shape=(16,))\nb = keras.Input(shape=(16,))\n")


def found(body: str):
    result = check_source(HEAD + body, "m.py")
    assert not result.notes, result.notes
    return [(d.location.row, d.code, d.message, d.fix) for d in result.diagnostics]


def test_a_layer_with_an_input_spec_called_on_a_list_is_reported_with_both_shapes():
    [(row, code, message, fix)] = found("h = layers.Dense(8)([a, b])\n")
    assert (row, code) == (5, "SHP205")
    assert message == ('Dense takes one tensor, but is called on a list of 2: (None, 16), (None, 16); '
                       'Keras raises "expects 1 input(s), but it received 2 input tensors".')
    assert fix == ("Merge the tensors before the Dense: call it on layers.Concatenate()([a, b]) "
                   "(or Add/Average to sum them), or call the Dense on each tensor separately (one "
                   "Dense object shares its weights across the calls).")


def test_layers_that_map_over_a_list_and_single_item_lists_are_left_alone():
    assert found("d = layers.Dropout(0.5)([a, b])\n"
                 "r = layers.ReLU()([a, b])\n"
                 "x = layers.Dense(8)([a])\n"
                 "y = layers.Dense(8)(x)\n") == []


def test_old_output_mode_names_of_lookups_are_accepted():
    body = ('s = layers.StringLookup(vocabulary=["x", "y"], output_mode="binary")(a)\n'
            'i = layers.IntegerLookup(output_mode="tf-idf")(b)\n'
            't = layers.TextVectorization(output_mode="binary", vocabulary=["x"])(a)\n'
            'e = layers.StringLookup(output_mode="binarry")(a)\n')
    [(row, code, message, _)] = found(body)
    assert (row, code) == (8, "SHP205")
    assert "output_mode='binarry'" in message


def test_two_layers_of_one_model_with_one_name_are_reported_where_keras_raises():
    body = ("def proj(x):\n"
            "    return layers.Dense(8, name='proj')(x)\n"
            "m = keras.Model(a, proj(proj(a)))\n"
            "shared = layers.Dense(16, name='shared')\n"
            "fine = keras.Model(b, shared(shared(b)))\n"
            "s = keras.Sequential([keras.Input((4,)), layers.Dense(3, name='d'),\n"
            "                      layers.Dense(3, name='d')])\n")
    assert found(body) == [
        (7, "SHP208", 'Two layers of this model are named "proj" (both made at line 6); Keras raises '
                      '"The name "proj" is used 2 times in the model".',
         'Give each layer a unique name, e.g. pass a prefix or index to the helper that makes it '
         '(name=f"{prefix}_proj"), or leave name= out and let Keras number them.'),
        (10, "SHP208", 'Two layers of this model are named "d" (made at lines 10 and 11); Keras raises '
                       '"All layers added to a Sequential model should have unique names".',
         'Give each layer a unique name, e.g. pass a prefix or index to the helper that makes it '
         '(name=f"{prefix}_d"), or leave name= out and let Keras number them.'),
    ]
