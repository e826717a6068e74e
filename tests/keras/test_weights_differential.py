"""Differential tests of parameter counts: each layer's count (``LayerSpec.weights``, wrappers
in ``shapelint.accounting.params``) against the weights real Keras 3 builds.

The layer strategies of the shape differential suite (``differential/strategies.py``) draw
constructor arguments and input shapes; every case Keras builds is counted both ways. A
count shapelint gives must equal Keras' trainable and non-trainable totals; an unknown count
(``None``) is allowed and counted. Cases Keras rejects are the shape suite's business.

Run: ``python -m pytest -q tests/keras/test_weights_differential.py`` (needs TensorFlow).
"""
from __future__ import annotations

import collections
import os
from math import prod

import keras
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings

from differential import harness
from differential.harness import Case, L, build_keras, build_standin
from differential.strategies import STRATEGIES
from shapelint.accounting.params import layer_counts
from shapelint.layers.spec import Weights
from shapelint.layers.table import LAYERS
from shapelint.shapes import Shape

EXAMPLES = int(os.environ.get("SHAPELINT_WEIGHTS_EXAMPLES", "40"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True,
                    phases=(Phase.explicit, Phase.generate, Phase.shrink))

# The interpreter's layer instances carry attributes set after construction (trainable=False);
# the stand-ins have none.
harness.StandIn.attrs = {}   # type: ignore[attr-defined]

# Cases whose counts shapelint once got wrong or did not model, kept as regressions.
REGRESSIONS: dict[str, list[Case]] = {
    "GRU": [Case(L("GRU", units=3, reset_after=False), inputs=((None, 4, 5),))],
    "GRUCell": [Case(L("RNN", cell=L("GRUCell", units=3)), inputs=((None, 4, 5),))],
    "StackedRNNCells": [Case(L("RNN", cell=L("StackedRNNCells", cells=[
        L("LSTMCell", units=3), L("StackedRNNCells", cells=[L("GRUCell", units=2)])])),
        inputs=((None, 4, 5),))],
    "EinsumDense": [Case(L("EinsumDense", equation="abc,cd->abd", output_shape=(None, 6),
                           bias_axes="d"), inputs=((None, 4, 5),))],
    "STFTSpectrogram": [Case(L("STFTSpectrogram", mode="real", frame_length=100),
                             inputs=((None, 400, 1),)),
                        Case(L("STFTSpectrogram", trainable=False), inputs=((None, 400, 1),))],
    "Pipeline": [Case(L("Pipeline", layers=[L("Dense", units=2), L("Dense", units=3)]),
                      inputs=((None, 5),))],
    "SpectralNormalization": [Case(L("SpectralNormalization", layer=L("Dense", units=3)),
                                   inputs=((None, 5),))],
    "Bidirectional": [Case(L("Bidirectional", layer=L("LSTM", units=3, trainable=False)),
                           inputs=((None, 4, 5),))],
    "ReversibleEmbedding": [Case(L("ReversibleEmbedding", input_dim=7, output_dim=3,
                                   tie_weights=False), inputs=((None, 4),))],
}

STATS: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)


def _size(weights: list) -> int:
    return int(sum(prod(w.shape) for w in weights))


def keras_counts(case: Case):
    """Keras' (trainable, non-trainable) after building the layer on the case; None if it
    rejects the case."""
    try:
        layer = build_keras(case.layer)
        inputs = [keras.Input(batch_shape=s) for s in case.inputs]
        kwargs = {k: keras.Input(batch_shape=s) for k, s in case.call_tensors}
        kwargs.update(dict(case.call_values))
        layer(inputs if case.takes_list else inputs[0], **kwargs)
    except Exception:
        return None
    return [_size(layer.trainable_weights), _size(layer.non_trainable_weights)]


def static_counts(case: Case):
    issues: list = []
    layer = build_standin(case.layer, issues)
    if issues:
        return "rejected"
    shapes = [Shape(tuple(s)) for s in case.inputs]
    call = {k: Shape(tuple(s)) for k, s in case.call_tensors}
    call.update(dict(case.call_values))
    counts = layer_counts(layer, shapes if case.takes_list else shapes[0], call)
    return None if counts is None else list(counts)


def _make_test(name: str):
    def test(case: Case) -> None:
        expected = keras_counts(case)
        if expected is None:
            STATS[name]["keras rejects"] += 1
            return
        found = static_counts(case)
        if found == "rejected":
            STATS[name]["shapelint rejects"] += 1   # the shape suite judges these
            return
        STATS[name]["unknown" if found is None else "known"] += 1
        assert found is None or found == expected, f"{case!r}: shapelint {found}, Keras {expected}"

    test.__name__ = test.__qualname__ = f"test_weights_{name}"
    test = given(case=STRATEGIES[name])(test)
    for regression in REGRESSIONS.get(name, []):
        test = example(case=regression)(test)
    return SETTINGS(test)


for _name in sorted(LAYERS):
    globals()[f"test_weights_{_name}"] = _make_test(_name)


def test_zz_weights_summary(capsys):
    """Per-layer counts (printed); every layer with a count gave a known count somewhere."""
    if not STATS:
        pytest.skip("no weights differential test ran in this session")
    with capsys.disabled():
        print(f"\n{'layer':<46}{'known':>7}{'unknown':>8}{'k-rej':>7}{'s-rej':>7}")
        for name in sorted(STATS):
            s = STATS[name]
            print(f"{name:<46}{s['known']:>7}{s['unknown']:>8}{s['keras rejects']:>7}"
                  f"{s['shapelint rejects']:>7}")
    never = sorted(n for n, s in STATS.items()
                   if s["known"] + s["unknown"] and not s["known"]
                   and LAYERS[n].weights is not Weights.NONE)
    assert not never, f"layers whose count was never known on a case Keras built: {never}"
