"""A layer that takes one tensor, called on a list of tensors: shapelint's table of layers
Keras refuses to call on several tensors (``shapelint.layers.input_count.ONE_INPUT``)
against real Keras 3, layer by layer.

For every modeled layer that takes one tensor, hypothesis draws a case of the shape
differential suite that Keras builds, then calls a fresh layer of the same configuration on
a list of two (or three) such tensors. Keras raises "expects 1 input(s)" exactly when
shapelint rejects the list (SHP205 ``SeveralInputs``); no other layer is ever rejected for
being given a list.

Run: ``python -m pytest -q tests/keras/test_input_count.py`` (needs TensorFlow).
"""
from __future__ import annotations

import os
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, assume, given, settings

from differential import harness
from differential.strategies import STRATEGIES
from shapelint.layers.input_count import ONE_INPUT
from shapelint.layers.table import LAYERS
from shapelint.violations.arguments import SeveralInputs

EXAMPLES = int(os.environ.get("SHAPELINT_INPUT_COUNT_EXAMPLES", "8"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
# Layers that raise "expects 1 input(s)" or not depending on the layer they wrap, or (PReLU,
# which sets its input_spec in build()) on whether build() survives a list of shapes.
CONDITIONAL = {"Bidirectional", "SpectralNormalization", "Pipeline", "PReLU"}
# Its strategy draws no single input Keras builds (spectrogram frame arithmetic).
NO_BUILDING_CASE = {"STFTSpectrogram"}
ONE_TENSOR = sorted(name for name, spec in LAYERS.items()
                    if spec.takes == "one" and name not in NO_BUILDING_CASE)


@pytest.mark.parametrize("name", ONE_TENSOR)
def test_a_list_of_tensors(name):
    @SETTINGS
    @given(case=STRATEGIES[name], copies=st_copies())
    def check(case, copies):
        assume(not case.takes_list and len(case.inputs) == 1)
        assume(harness.run_keras(case)[0] == "ok")
        listed = replace(case, inputs=case.inputs * copies, takes_list=True)
        k_status, k_out = harness.run_keras(listed)
        s_status, s_out = harness.run_shapelint(listed)
        keras_counts = k_status == "reject" and "expects 1 input(s)" in str(k_out)
        if name in ONE_INPUT:
            assert keras_counts, f"{listed!r}: Keras gives {k_status} {k_out}"
            assert s_status == "reject" and isinstance(s_out, SeveralInputs), s_out
            assert s_out.value == copies and len(s_out.shapes) == copies
        else:
            assert not keras_counts or name in CONDITIONAL, f"{name} is missing from ONE_INPUT: {k_out}"
            assert s_status == "ok", s_out
    check()


def st_copies():
    from hypothesis import strategies as st
    return st.sampled_from([2, 2, 3])


def test_the_table_names_modeled_layers_only():
    assert ONE_INPUT <= set(ONE_TENSOR)
