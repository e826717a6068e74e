"""The mutation benchmark's own parts, offline: operators, sampling, scoring, the report.

No downloads; TensorFlow only in the keras-marked test, which builds three tiny mutants in
the harness's worker process.
"""

from __future__ import annotations

import ast
import difflib
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from mutation import report  # noqa: E402
from mutation.corpus import Entry, Package, exported_model_functions  # noqa: E402
from mutation.mutate import OPERATORS, find_mutants  # noqa: E402
from mutation.score import judge, lint, new_findings, raise_site  # noqa: E402

MODEL = textwrap.dedent("""\
    import keras
    from keras import layers


    def build(num_classes=10):
        inputs = keras.Input(shape=(32, 32, 3))
        a = layers.Conv2D(8, 3, padding="same")(inputs)
        b = layers.Conv2D(8, 3, strides=2, padding="same")(inputs)
        b = layers.UpSampling2D()(b)
        x = layers.Concatenate(axis=-1)([a, b])
        y = layers.Add()([a, b])
        pool = layers.MaxPooling2D(2)
        x = pool(x)
        y = pool(y)
        x = layers.Reshape((16, 256))(x)
        x = layers.LSTM(16)(x)
        y = layers.Flatten()(y)
        y = layers.Dense(num_classes)(y)
        return keras.Model(inputs, [x, y])


    model = build()
""")


def edits(operator: str) -> set[tuple[int, str, str]]:
    return {(m.line, m.before, m.after) for m in find_mutants(MODEL, operators={operator})}


def test_argument_operators_edit_the_argument_named_by_the_layer_signature():
    assert edits("padding") == {(7, '"same"', '"valid"'), (8, '"same"', '"valid"')}
    assert edits("strides") == {(8, "2", "1")}
    assert edits("kernel_size") == {(7, "3", "4"), (8, "3", "4")}
    assert edits("pool_size") == {(12, "2", "3")}
    assert edits("axis") == {(10, "-1", "1")}
    assert edits("reshape_target") in ({(15, "(16, 256)", "(17, 256)")}, {(15, "(16, 256)", "(16, 257)")})
    assert edits("input_shape") <= {(6, "(32, 32, 3)", "(32, 32)"), (6, "(32, 32, 3)", "(33, 32, 3)")}
    assert len(edits("input_shape")) == 1


def test_size_operators_grow_literals_and_expressions():
    filters = edits("filters")
    assert {line for line, _, _ in filters} == {7, 8}
    assert all(after in ("16", "9") for _, before, after in filters)
    assert edits("units") <= {
        (16, "16", "17"),
        (16, "16", "32"),
        (18, "num_classes", "num_classes + 1"),
        (18, "num_classes", "num_classes * 2"),
    }
    assert {line for line, _, _ in edits("units")} == {16, 18}


def test_structural_operators():
    assert edits("return_sequences") == {(16, "layers.LSTM(16)", "layers.LSTM(16, return_sequences=True)")}
    assert edits("drop_flatten") == {(17, "layers.Flatten()(y)", "y")}
    assert edits("dense_to_conv") == {(18, "layers.Dense(num_classes)", "layers.Conv2D(num_classes, 1)")}
    assert edits("share_per_branch") == {(14, "pool(y)", "layers.MaxPooling2D(2)(y)")}
    # A merge input is replaced by another tensor defined before the merge in the function.
    merges = edits("merge_inputs")
    assert {line for line, _, _ in merges} == {10, 11}
    earlier = {10: {"inputs"}, 11: {"inputs", "x"}}
    for line, before, after in merges:
        assert before == "[a, b]"
        assert after in {f"[{t}, b]" for t in earlier[line]} | {f"[a, {t}]" for t in earlier[line]}


def test_each_mutant_is_one_edit_that_still_parses():
    mutants = find_mutants(MODEL)
    assert {m.operator for m in mutants} == set(OPERATORS)
    for m in mutants:
        ast.parse(m.source)
        changed = [
            line
            for line in difflib.unified_diff(MODEL.splitlines(), m.source.splitlines(), n=0)
            if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))
        ]
        assert changed == [f"-{MODEL.splitlines()[m.line - 1]}", f"+{m.source.splitlines()[m.line - 1]}"], m
        assert m.after in m.source.splitlines()[m.line - 1]


def test_only_statements_with_a_covered_line_are_mutated():
    assert {m.line for m in find_mutants(MODEL, covered={10})} == {10}
    assert find_mutants(MODEL, covered={22}) == []


def test_sampling_is_seeded_and_spreads_over_operators():
    first = find_mutants(MODEL, seed=3, limit=5)
    assert first == find_mutants(MODEL, seed=3, limit=5)
    assert len(first) == 5
    assert len({m.operator for m in first}) == 5


def test_exported_model_functions_are_the_application_builders():
    source = textwrap.dedent("""\
        @keras_export("keras.applications.ResNet50")
        def ResNet50(include_top=True, weights="imagenet"):
            pass

        @keras_export("keras.applications.resnet.preprocess_input")
        def preprocess_input(x, data_format=None):
            pass

        def ResNet(stack_fn, weights="imagenet"):
            pass
    """)
    assert exported_model_functions(source) == ["ResNet50"]


def test_a_raising_mutant_is_detected_when_shapelint_reports_a_new_error_near_the_edit():
    baseline = lint(MODEL, "model.py")
    [mutant] = [m for m in find_mutants(MODEL, operators={"padding"}) if m.line == 7]
    result = lint(mutant.source, "model.py")
    new = new_findings(result, baseline)
    assert [(f["code"], f["row"]) for f in new] == [("SHP101", 10), ("SHP102", 11)]
    for f in new:  # both the Concatenate and the Add meet (30, 30) and (32, 32)
        assert "(None, 30, 30, 8)" in f["message"] and "(None, 32, 32, 8)" in f["message"]
    verdict = judge("raises", mutant.line, mutant.end_line, result, baseline)
    assert verdict.detected and not verdict.detected_near  # reported 3 lines below the edit
    assert judge("builds", mutant.line, mutant.end_line, result, baseline).false_alarm
    unchanged = judge("builds", 7, 7, baseline, baseline)
    assert not unchanged.false_alarm and unchanged.new == []


def test_raise_site_is_the_innermost_package_frame():
    assert raise_site([["a.py", 3], ["b.py", 9]]) == ("b.py", 9)
    assert raise_site([]) == (None, None)


def record(outcome: str, detected=False, false_alarm=False, operator="axis") -> dict:
    return {
        "package": "p",
        "file": "p/m.py",
        "line": 4,
        "operator": operator,
        "before": "-1",
        "after": "1",
        "build": {
            "outcome": outcome,
            "error_type": "ValueError" if outcome == "raises" else None,
            "message": "A `Concatenate` layer requires inputs with matching shapes"
            if outcome == "raises"
            else None,
            "raise_file": "p/m.py",
            "raise_line": 4,
        },
        "shapelint": {"new": [], "crash": None, "internal_notes": []},
        "detected": detected,
        "detected_near": detected,
        "false_alarm": false_alarm,
        "probe_at_raise": "no layer call analysed there",
    }


def test_report_figures():
    records = [
        record("raises", detected=True),
        record("raises"),
        record("builds", false_alarm=True),
        record("builds"),
        record("builds", operator="units"),
        record("times-out", operator="units"),
    ]
    meta = {
        "keras": "3",
        "tensorflow": "2",
        "shapelint": "0",
        "seed": 0,
        "per_file": 2,
        "packages": [],
        "entries": [],
        "lint_lines": 100,
        "lint_seconds": 0.5,
        "seconds_total": 1,
        "seconds_build": 1,
        "build_cache_hits": 0,
    }
    summary = report.summarize(records, {}, meta)
    assert summary["total"] == {
        "raises": 2,
        "builds": 3,
        "times-out": 1,
        "crashes": 0,
        "mutants": 6,
        "detected": 1,
        "detected_near": 1,
        "false_alarms": 1,
        "recall": 0.5,
        "recall_near": 0.5,
        "false_alarm_rate": 0.3333,
    }
    assert summary["missed_by_probe"]["no layer call analysed there"]["count"] == 1
    text = report.render({"meta": meta, "summary": summary})
    assert "TOTAL                        6      2      3    1     0    50.0%   50.0%   33.3%" in text
    assert "units                        2      0      1    1     0      n/a     n/a    0.0%" in text
    assert "    p/m.py:4 [axis] -1 -> 1" in text
    assert "lint speed: 200 lines/s" in text


@pytest.mark.keras
def test_worker_builds_tiny_mutants(tmp_path):
    from mutation.build import Builder, Cache
    from mutation_bench import make_job

    path = tmp_path / "tiny.py"
    path.write_text(MODEL)
    pkg = Package("tiny", "0", tmp_path, {"tiny": path}, [Entry("tiny", "build()")], sys_path=[str(tmp_path)])
    by_line = {m.line: m for m in find_mutants(MODEL, operators={"padding", "strides"})}
    jobs = [
        make_job(pkg, "tiny", MODEL, pkg.entries, trace=True),
        make_job(pkg, "tiny", by_line[7].source, pkg.entries),  # padding -> valid: raises
        make_job(pkg, "tiny", by_line[8].source, pkg.entries),
    ]  # strides 2 -> 1: raises
    with Builder(Cache(tmp_path / "cache.jsonl"), "test", jobs=1, timeout=120) as builder:
        base, padding, strides = builder.run_all(jobs)
        assert builder.run_one(jobs[1])["cached"]
    assert base["status"] == "builds"
    assert set(base["entries"][0]["lines"][str(path)]) >= set(range(6, 20))
    assert padding["status"] == "raises" and padding["error_type"] == "ValueError"
    assert "Concatenate" in padding["message"] and padding["frames"][-1] == [str(path), 10]
    assert strides["status"] == "raises" and strides["frames"][-1] == [str(path), 10]
