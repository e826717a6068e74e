"""Differential tests: shapelint's layer table against real Keras 3, layer by layer.

For every modeled layer, hypothesis draws constructor arguments and input shapes
(``tests/keras/differential/strategies.py``); the same description builds the Keras layer,
called on symbolic ``keras.Input(batch_shape=...)`` tensors (TensorFlow backend, CPU,
no data), and shapelint's stand-in, given to ``shapelint.layers.engine.infer_output``.
``tests/keras/differential/harness.py`` judges each case: equal known sizes, both reject,
or an unknown (allowed, counted). Every disagreement fails the test; the ones found
while building the table are kept below as explicit ``@example`` regressions.

Not drawn (outside the modeled configuration space, documented in the report):
Normalization with array ``mean``/``variance``, lookup layers without a vocabulary,
``backward_layer`` for Bidirectional, ``stateful``/``unroll`` recurrent layers, float
sizes where Keras wants ints, initializers/regularizers/constraints (no shape effect).

Run: ``python -m pytest -q tests/keras/test_differential.py`` (needs TensorFlow; not collected
without). The last test prints the per-layer counts.
"""
from __future__ import annotations

import collections
import os
import time

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings

from differential.harness import Case, L, judge
from differential.strategies import STRATEGIES
from shapelint.layers.table import LAYERS

EXAMPLES = int(os.environ.get("SHAPELINT_DIFF_EXAMPLES", "200"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True,
                    phases=(Phase.explicit, Phase.generate, Phase.shrink))

# Disagreements found while building the table, kept as regressions (layer -> cases).
REGRESSIONS: dict[str, list[Case]] = {
    # AveragePooling has no default pool_size: Keras raises, the old table assumed 2.
    "AveragePooling1D": [Case(L("AveragePooling1D"), inputs=((None, 6, 2),))],
    # Keras compares the padding string as given: "SAME" raises in pooling (not in conv).
    "MaxPooling2D": [Case(L("MaxPooling2D", padding="SAME"), inputs=((None, 8, 8, 3),))],
    # Depthwise/separable convolutions accept strides > 1 with dilation_rate > 1 (the old
    # table reported SHP204: a false positive).
    "SeparableConv1D": [Case(L("SeparableConv1D", filters=2, kernel_size=3, strides=2,
                               dilation_rate=2), inputs=((None, 16, 3),))],
    "DepthwiseConv2D": [Case(L("DepthwiseConv2D", kernel_size=3, strides=2, dilation_rate=2),
                             inputs=((None, 16, 16, 3),))],
    # ZeroPadding1D honours data_format; Cropping3D crops 1 on every side by default.
    "ZeroPadding1D": [Case(L("ZeroPadding1D", padding=2, data_format="channels_first"),
                           inputs=((None, 3, 10),))],
    "Cropping3D": [Case(L("Cropping3D"), inputs=((None, 6, 6, 6, 2),))],
    # A negative int padding crops; a negative size makes Keras raise.
    "ZeroPadding2D": [Case(L("ZeroPadding2D", padding=-1), inputs=((None, 1, 1, 1),))],
    # Concatenate: sizes off the axis come from the first input (Keras keeps its None);
    # a single input is returned whatever the axis; an unknown axis size stops the sum
    # before a short input is indexed; sizes are compared between every pair of inputs.
    "Concatenate": [
        Case(L("Concatenate"), inputs=((None, None, 3), (None, 5, 3)), takes_list=True),
        Case(L("Concatenate", axis=1), inputs=((None,),), takes_list=True),
        Case(L("Concatenate", axis=-2), inputs=((None,),), takes_list=True),
        Case(L("Concatenate", axis=1), inputs=((None, None), (None, None), (None,)),
             takes_list=True),
        Case(L("Concatenate"), inputs=((None, None, None, 1, None), (None, None, 4, 1, None),
                                       (None, None, 5, 1, None)), takes_list=True),
    ],
    # Element-wise merges: the batch sizes must agree (no broadcasting of the batch axis);
    # the non-batch axes broadcast on their own (rank 2 with rank 3).
    "Add": [Case(L("Add"), inputs=((1, 3), (4, 3)), takes_list=True),
            Case(L("Add"), inputs=((None, 3), (None, 2, 3)), takes_list=True)],
    # Reshape of a partly unknown input: Keras skips the size check (old: SHP401).
    "Reshape": [Case(L("Reshape", target_shape=(4,)), inputs=((None, None, 3),))],
    # EinsumDense with a None output size that sizes a weight: Keras cannot build it.
    "EinsumDense": [Case(L("EinsumDense", equation="ab,bc->ac", output_shape=(None,)),
                         inputs=((None, 4),))],
    # Wrappers ask the wrapped layer for compute_output_shape: no input_spec check
    # (TimeDistributed(LSTM) on 5-D frames builds in Keras), and 1-D pooling of a
    # 3-D frame is not modeled (unknown instead of a crash).
    "TimeDistributed": [
        Case(L("TimeDistributed", layer=L("LSTM", units=2)), inputs=((None, 4, 5, 6, 3),)),
        Case(L("TimeDistributed", layer=L("MaxPooling1D")), inputs=((None, 4, 6, 6, 2),)),
    ],
    "LSTM": [Case(L("LSTM", units=0), inputs=((None, 5, 3),))],
    "AdaptiveMaxPooling1D": [Case(L("AdaptiveMaxPooling1D", output_size=1,
                                    data_format="channels_first"), inputs=((None,),))],
    # The old mode names "binary" and "tf-idf" are renamed, not rejected (old: SHP205).
    "StringLookup": [Case(L("StringLookup", pad_to_max_tokens=True, vocabulary=["a", "b"]),
                          inputs=((None, 1),)),
                     Case(L("StringLookup", output_mode="binary", vocabulary=["a", "b"]),
                          inputs=((None, 3),))],
    "IntegerLookup": [Case(L("IntegerLookup", output_mode="tf-idf"), inputs=((None, 3),))],
    "TextVectorization": [
        Case(L("TextVectorization", output_mode="binary", vocabulary=["a", "b"]),
             inputs=((None, 1),)),
        Case(L("TextVectorization", max_tokens=3, vocabulary=["a", "b", "c"]), inputs=((None,),)),
        Case(L("TextVectorization", output_mode="one_hot", output_sequence_length=1,
               vocabulary=["a", "b", "c"]), inputs=((None,),)),
    ],
    # Pipeline traces call(): image layers need 3-D/4-D there and sizes may go unknown.
    "Pipeline": [
        Case(L("Pipeline", layers=[L("Resizing", height=4, width=5)]), inputs=((None, 5),)),
        Case(L("Pipeline", layers=[L("RandomFlip")]), inputs=((5, 5),)),
        Case(L("Pipeline", layers=[L("CenterCrop", height=3, width=3)]), inputs=((None, None, None),)),
    ],
    "MultiHeadAttention": [
        Case(L("MultiHeadAttention", num_heads=2, key_dim=4), inputs=((None, 5, 3),),
             call_tensors=(("value", (None, 7, 6)), ("key", (None, 8, 2)))),
        Case(L("MultiHeadAttention", num_heads=2, key_dim=4, attention_axes=5),
             inputs=((None, 5, 3),), call_tensors=(("value", (None, 7, 6)),)),
    ],
}

STATS: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
TIMES: dict[str, float] = collections.defaultdict(float)


def _make_test(name: str):
    def test(case: Case) -> None:
        start = time.perf_counter()
        verdict = judge(case)
        TIMES[name] += time.perf_counter() - start
        STATS[name]["cases"] += 1
        STATS[name][verdict.kind] += 1
        STATS[name]["unknown sizes"] += verdict.missing
        assert not verdict.bad, f"{case!r}: {verdict.detail}"

    test.__name__ = test.__qualname__ = f"test_{name}"
    test = given(case=STRATEGIES[name])(test)
    for regression in REGRESSIONS.get(name, []):
        test = example(case=regression)(test)
    return SETTINGS(test)


MODELED = sorted(LAYERS)
for _name in MODELED:
    globals()[f"test_{_name}"] = _make_test(_name)


def test_every_modeled_layer_has_a_strategy():
    assert sorted(STRATEGIES) == MODELED


def test_zz_summary(capsys):
    """Per-layer counts (printed); each layer that ran got its full share of cases."""
    if not STATS:
        pytest.skip("no differential test ran in this session")
    with capsys.disabled():
        print(f"\n{'layer':<46}{'cases':>6}{'ok':>6}{'reject':>7}{'unknown':>8}{'unk-rej':>8}"
              f"{'sizes?':>7}{'secs':>7}")
        for name in sorted(STATS):
            s = STATS[name]
            print(f"{name:<46}{s['cases']:>6}{s['ok']:>6}{s['reject']:>7}{s['unknown']:>8}"
                  f"{s['unknown-reject']:>8}{s['unknown sizes']:>7}{TIMES[name]:>7.1f}")
        total = collections.Counter()
        for s in STATS.values():
            total.update(s)
        print(f"{'total':<46}{total['cases']:>6}{total['ok']:>6}{total['reject']:>7}"
              f"{total['unknown']:>8}{total['unknown-reject']:>8}{total['unknown sizes']:>7}"
              f"{sum(TIMES.values()):>7.1f}")
    assert all(s["disagree"] == 0 for s in STATS.values())
    short = {n: s["cases"] for n, s in STATS.items() if s["cases"] < EXAMPLES}
    assert not short, f"layers with fewer than {EXAMPLES} generated cases: {short}"
