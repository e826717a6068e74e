"""`check --validate`: the build program, the worker, verdicts and shape agreement.

Tests marked ``keras`` build models with TensorFlow (one shared worker for most of
them) and are skipped where TensorFlow is not installed.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from conftest import FIXTURES, ROOT, expectations
from shapelint.checker import check_file
from shapelint.findings import Diagnostic, FileResult, Position, TraceEntry
from shapelint.registry import BY_CODE
from shapelint.shapes import Shape
from shapelint.validation import INSTALL_HINT, policy, tensorflow_missing
from shapelint.validation.agreement import compare, matched_places, shape_differs
from shapelint.validation.program import build_program
from shapelint.validation.runner import BuildOutcome
from shapelint.validation.static_facts import StaticCall, collect
from shapelint.validation.validate import build, finish, prepare
from shapelint.validation.verdicts import BUILD_ERROR, Round, core_message, judge

VALIDATION = FIXTURES / "validation"
BUGGY = sorted((FIXTURES / "buggy").glob("*.py"))
CORRECT = sorted((FIXTURES / "correct").glob("*.py"))
ALL_FIXTURES = sorted(FIXTURES.rglob("*.py"))


def _program(path: Path):
    text = path.read_text(encoding="utf-8")
    return text, build_program(text, collect(text, str(path)), str(path), str(path.resolve()))


def _line_of(path: Path, marker: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if marker in line)


# --- the build program (no TensorFlow needed) ---------------------------------------------
@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_build_program_keeps_every_line_in_place(path):
    text, program = _program(path)
    assert program.error is None
    old, new = text.splitlines(), program.text.splitlines()
    assert len(old) == len(new)
    changed = {s.start for s in program.removed}
    changed |= {row for row, _, _ in program.substituted}
    spans = program.removed
    for row, (a, b) in enumerate(zip(old, new), start=1):
        if a != b:
            assert row in changed or any(s.covers(row) for s in spans), (row, a, b)
    compile(program.text, str(path), "exec")


def test_build_program_leaves_out_training_data_io_and_plots():
    path = VALIDATION / "trains_downloads_writes.py"
    _, program = _program(path)
    kept = program.text
    for gone in (".fit(", ".evaluate(", ".predict(", ".save(", ".save_weights(", ".summary(",
                 "print(", "open(", "get_file(", "urlopen(", "np.load(", "np.save(", "os.makedirs(",
                 "plt.", "import matplotlib", "import urllib", "_on_batch("):
        assert gone not in kept, gone
    for line in ("inputs = keras.Input(shape=(N_FEATURES,))", "model = keras.Model(inputs, outputs)",
                 'x = layers.Dense(64, activation="relu")(inputs)',
                 'model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])'):
        assert line in kept.splitlines()
    reasons = " ".join(s.reason for s in program.removed)
    assert "training" in reasons and "network access" in reasons and "writing files" in reasons
    # the data comes from np.load: nothing stands in for fit, evaluate, predict
    assert [(f.row, f.method, f.stand_in, f.reason) for f in program.feeds] == [
        (row, method, None, "the analysis does not know what `X` holds")
        for row, method in ((_line_of(path, "model.fit("), "fit"),
                            (_line_of(path, "model.evaluate("), "evaluate"),
                            (_line_of(path, "model.predict("), "predict"))]


def test_data_value_known_statically_is_substituted():
    path = VALIDATION / "data_substituted.py"
    _, program = _program(path)
    row = _line_of(path, "keras.Input(")
    assert (row, "(max_len,)", "((40,))") in program.substituted   # the largest known expression
    assert program.text.splitlines()[row - 1] == "inputs = keras.Input(shape=((40,)))"
    assert not program.needs_data


def test_data_value_unknown_statically_leaves_the_statement_out_with_what_uses_it():
    path = VALIDATION / "data_unverifiable.py"
    _, program = _program(path)
    row = _line_of(path, "validate: needs data")
    reason = ("`X.shape[1:]` depends on data the build leaves out (X from line 10, which needs loading "
              "data (np.load)), and its value is not known statically")
    assert [(s.start, s.reason) for s in program.needs_data] == [(row, reason)]
    lines = program.text.splitlines()
    assert lines[row - 1] == "pass  # validate: needs data"
    assert lines[row] == "pass"   # `hidden = ...(inputs)`
    assert program.removed_at(row + 1).reason == (f"it uses what line {row} makes, which the build leaves "
                                                  f"out: {reason}")
    assert lines[row + 2] == "side = keras.Input(shape=(8,))"   # the other input is built
    assert program.removed_at(_line_of(path, "np.load(")) is not None


@pytest.mark.parametrize("name, row_marker, reason", [
    ("artifact_adapted_layer.py", "validate: needs data",
     "`vocab_size` depends on data the build leaves out (vocab_size from line 17, which needs vectorizer, "
     "set up from data by `vectorizer.adapt(reviews)`), and its value is not known statically"),
    ("artifact_vocabulary_list.py", "validate: needs data",
     "`labels` depends on data the build leaves out (labels from line 12, which needs file access (open)), "
     "and its value is not known statically"),
    ("artifact_max_tokens.py", "validate: needs data",
     "`max_tokens` depends on data the build leaves out (max_tokens from line 18, which needs counter from "
     "line 16), and its value is not known statically"),
])
def test_what_removed_code_would_have_set_up_is_data(name, row_marker, reason):
    """An adapted layer's vocabulary, a list filled by a removed loop, a count of removed
    data: the statements sized from them are left out, never built with an empty stand-in."""
    path = VALIDATION / name
    _, program = _program(path)
    assert [(s.start, s.reason) for s in program.needs_data] == [(_line_of(path, row_marker), reason)]


def test_training_an_object_does_not_make_it_data():
    src = ("import numpy as np\nimport keras\nX = np.load('x.npy')\n"
           "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])\n"
           "model.compile(optimizer='adam', loss='mse')\nhistory = model.fit(X, X)\n"
           "model.layers[0].trainable = False\n")
    program = build_program(src, collect(src, "t.py"), "t.py", "/tmp/t.py")
    lines = program.text.splitlines()
    assert lines[4:6] == ["model.compile(optimizer='adam', loss='mse')", "pass"]   # X: from disk
    assert lines[6] == "model.layers[0].trainable = False"
    assert not program.needs_data


def test_pretrained_weights_are_not_downloaded():
    src = ("import tensorflow as tf\n"
           "base = tf.keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False,\n"
           "                                         weights='imagenet')\n")
    program = build_program(src, collect(src, "app.py"), "app.py", "/tmp/app.py")
    assert "weights=None" in program.text and "imagenet" not in program.text
    assert program.text.count("\n") == src.count("\n")


def test_names_computed_from_removed_data_are_removed_too():
    src = ("import pandas as pd\nimport keras\n"
           "df = pd.read_csv('train.csv')\nlabels = df.pop('y')\nn = 3\n"
           "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(n)])\n"
           "model.fit(df, labels)\n")
    program = build_program(src, collect(src, "t.py"), "t.py", "/tmp/t.py")
    lines = program.text.splitlines()
    assert lines[0] == "pass" and lines[2] == "pass" and lines[3] == "pass" and lines[6] == "pass"
    assert lines[4] == "n = 3" and lines[5].startswith("model = keras.Sequential")


def test_augmented_assignment_del_and_mixed_imports_of_data():
    src = ("import os, matplotlib.pyplot as plt\nimport numpy as np\nimport keras\n"
           "X = np.load('x.npy')\nX /= 255.0\ndel X\nplt.figure()\n"
           "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])\n")
    program = build_program(src, collect(src, "t.py"), "t.py", "/tmp/t.py")
    lines = program.text.splitlines()
    assert lines[0] == "import os" and lines[3:7] == ["pass"] * 4
    assert lines[7].startswith("model = keras.Sequential")
    compile(program.text, "t.py", "exec")


def test_policy_names():
    assert policy.call_reason("keras.datasets.mnist.load_data", "load_data")
    assert policy.call_reason("model.fit", "fit").startswith("training")
    assert policy.call_reason("print", None) == "output"
    assert policy.call_reason("numpy.savez", "savez")
    assert policy.call_reason("keras.layers.Dense", "Dense") is None
    assert policy.call_reason("numpy.zeros", "zeros") is None
    assert policy.module_reason("matplotlib.pyplot") == "plotting"
    assert policy.module_reason("numpy") is None


# --- where the model meets data: zeros stand in (no TensorFlow needed) ------------------------
def _zeros(shape, dtype):
    return f'__import__("numpy").zeros({shape}, "{dtype}")'


def test_data_calls_become_one_call_on_zeros_on_the_line_of_the_files_call():
    path = VALIDATION / "data_stand_ins.py"
    _, program = _program(path)
    lines, fit = program.text.splitlines(), _line_of(path, "history = model.fit(")
    x, y = _zeros("(2, 6)", "float32"), _zeros("(2,)", "int64")
    assert lines[fit - 1] == f"(model.train_on_batch({x}, {y}), model.test_on_batch({x}, {y}),"
    assert lines[fit:fit + 3] == ["", "", ")"]                   # the call's other lines stay lines
    assert lines[_line_of(path, "print(model.evaluate(") - 1] == f"(model.test_on_batch({x}, {y}),)"
    assert lines[_line_of(path, "model.predict(") - 1] == f"(model.predict_on_batch({x}),)"
    assert lines[_line_of(path, "scores = model(") - 1] == "scores = model(x[:2])"   # arrays the build has
    assert lines[_line_of(path, "model.fit(more") - 1] == "pass"
    assert [(f.row, f.method, f.describe(), f.reason) for f in program.feeds] == [
        (fit, "fit", "train_on_batch on zeros x (2, 6) float32, y (2,) int64 in place of fit()", ""),
        (fit, "validation_data",
         "test_on_batch on zeros x (2, 6) float32, y (2,) int64 in place of fit()'s validation_data", ""),
        (fit + 4, "evaluate",
         "test_on_batch on zeros x (2, 6) float32, y (2,) int64 in place of evaluate()", ""),
        (fit + 5, "predict", "predict_on_batch on zeros x (2, 6) float32 in place of predict()", ""),
        (fit + 8, "fit", "nothing", "the analysis does not know the shape of `more`")]
    assert all(f.input_rows == (_line_of(path, "keras.Input("),) for f in program.feeds)


@pytest.mark.parametrize("name, call", [
    ("data_sample_count_bug.py",      # 80 features, 20 labels: still two different counts
     f'model.train_on_batch({_zeros("(2, 8)", "float32")}, {_zeros("(3, 1)", "float32")})'),
    ("data_multi_io_bug.py",
     "model.train_on_batch({'image': " + _zeros("(2, 16, 16, 3)", "float32") + ", 'meta': "
     + _zeros("(2, 4)", "float32") + "}, {'kind': " + _zeros("(2,)", "int64") + ", 'score': "
     + _zeros("(2, 2)", "float32") + "})"),
    ("data_tf_dataset_bug.py",        # fit(dataset): its element's (features, labels)
     f'model.train_on_batch({_zeros("(2, 13)", "float32")}, {_zeros("(2,)", "int64")})'),
    ("data_input_shape_samples_bug.py",
     f'model.train_on_batch({_zeros("(2, 12)", "float32")}, {_zeros("(2, 1)", "float32")})'),
])
def test_stand_ins_of_the_buggy_data_fixtures(name, call):
    path = FIXTURES / "buggy" / name
    _, program = _program(path)
    row = next(iter(expectations(path)))[0] if "input_shape" not in name else _line_of(path, "model.fit(")
    assert program.text.splitlines()[row - 1].split("  #")[0] == f"({call},)"


def test_a_batch_size_the_model_fixes_is_the_batch_given():
    src = ("import numpy as np\nimport keras\nx = np.random.rand(64, 4)\ny = np.random.rand(64, 1)\n"
           "model = keras.Sequential([keras.Input(shape=(4,), batch_size=8), keras.layers.Dense(1)])\n"
           "model.compile(loss='mse')\nmodel.fit(x, y, batch_size=8)\n")
    program = build_program(src, collect(src, "b.py"), "b.py", "/tmp/b.py")
    assert program.feeds[0].describe() == (
        "train_on_batch on zeros x (8, 4) float32, y (8, 1) float32 in place of fit()")


def test_labels_not_known_give_the_model_its_features_alone():
    src = ("import numpy as np\nimport keras\nx = np.random.rand(64, 4)\ny = np.load('y.npy')\n"
           "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])\n"
           "model.compile(loss='mse')\nmodel.fit(x, y)\n")
    program = build_program(src, collect(src, "b.py"), "b.py", "/tmp/b.py")
    [feed] = program.feeds
    assert feed.describe() == "predict_on_batch on zeros x (2, 4) float32 in place of fit()"
    assert feed.stand_in.partial == ("the analysis does not know the shape of `y`, so only the features meet "
                                     "the model")


def test_a_compile_that_needs_data_is_left_out_and_the_model_kept():
    path = VALIDATION / "data_compile_left_out.py"
    _, program = _program(path)
    compile_row, fit = _line_of(path, "validate: left out"), _line_of(path, "model.fit(")
    lines = program.text.splitlines()
    assert lines[compile_row - 1] == "pass  # validate: left out"
    assert program.removed_at(compile_row).reason == (
        "`weighted_loss(class_weights)` depends on data the build leaves out (class_weights from line 7, "
        "which needs loading data (np.load)), and its value is not known statically")
    assert not program.needs_data                       # nothing that builds the model is left out
    assert lines[compile_row - 2].startswith("model = keras.Sequential(")
    assert lines[fit - 1].startswith("(model.train_on_batch(")


def test_no_stand_in_for_a_model_the_build_leaves_out():
    src = ("import numpy as np\nimport keras\nX = np.load('x.npy')\ny = np.random.rand(9, 1)\n"
           "model = keras.Sequential([keras.Input(shape=X.shape[1:]), keras.layers.Dense(1)])\n"
           "model.compile(loss='mse')\nmodel.fit(np.zeros((9, 3)), y)\n")
    program = build_program(src, collect(src, "b.py"), "b.py", "/tmp/b.py")
    [feed] = program.feeds
    assert feed.stand_in is None and feed.reason.startswith(
        "the model is left out of the build: it uses what line 5 makes, which the build leaves out: "
        "`X.shape[1:]` depends on data the build leaves out")
    assert program.text.splitlines()[6] == "pass"


def test_feeds_count_samples_and_say_what_is_not_known():
    from shapelint.arrays.spec import ArrayType
    from shapelint.data.values import DataValue
    from shapelint.interp.values import DictValue, ListValue
    from shapelint.validation.feeds import NotKnown, Zeros, sample_counts, source, structure

    a, b, c = Zeros((80, 4), "float32"), Zeros((20, 1), "int64"), Zeros((None, 3), "bool")
    counts = sample_counts([[a, c], {"out": b}], None)
    assert counts == {None: 2, 80: 2, 20: 3}
    assert source([a, c], counts) == (f"[{_zeros('(2, 4)', 'float32')}, {_zeros('(2, 3)', 'bool')}]",
                                      "[(2, 4) float32, (2, 3) bool]")
    assert source((a,), None)[1] == "((80, 4) float32,)"
    assert sample_counts([a, b], 32) == {None: 32, 80: 32, 20: 33}
    known = DataValue(ArrayType(Shape((5, 2)), "int"))
    assert structure(DictValue({"a": known}), "x") == {"a": Zeros((5, 2), "int64")}
    assert structure(ListValue([known, DataValue(ArrayType(Shape((5, None)), "float"))]), "x") == NotKnown(
        "the analysis does not know every size of `x[1]` (5, None)")
    assert structure(DataValue(ArrayType(Shape((5, 2)), None)), "x") == NotKnown(
        "the analysis does not know the dtype of `x`")


# --- verdicts and agreement on synthetic outcomes (no TensorFlow needed) ---------------------
def _diag(code="SHP201", row=5, end_row=None, severity="error") -> Diagnostic:
    rule = BY_CODE.get(code)
    return Diagnostic("m.py", code, rule.name if rule else code, severity, "static claim",
                      Position(row, 5), Position(end_row or row, 20),
                      trace=(TraceEntry("input", "(None, 30)", ()),))


def _judge(diags, outcome, program=None, suppressed=lambda code, row: False):
    return judge(FileResult("m.py", tuple(diags)), [Round(program, outcome)], suppressed)


def _error(row, kind="build", message="Input 0 of layer 'lstm' is incompatible", **extra):
    return {"type": "ValueError", "message": message, "kind": kind, "row": row, "col": 4,
            "end_row": row, "end_col": 20, "in_framework": kind == "build", "user_rows": [row],
            "frames": [[row, 4, row, 20]], **extra}


def _call(row, inputs=((None, 30),), outputs=((None, 8),), layer="Dense"):
    return {"row": row, "col": 4, "direct": True, "ctor": [row, 4], "layer": layer, "obj": row,
            "inputs": [list(s) for s in inputs], "outputs": [list(s) for s in outputs]}


def test_raise_on_the_finding_line_confirms_it():
    out = _judge([_diag(row=5)], BuildOutcome("raised", error=_error(5)))
    [d] = out.kept
    assert d.validation.verdict == "confirmed" and "incompatible" in d.validation.keras_error
    assert not out.added and not out.withdrawn


def test_raise_inside_a_multiline_call_confirms_it():
    out = _judge([_diag(row=5, end_row=8)], BuildOutcome("raised", error=_error(7)))
    assert out.kept[0].validation.verdict == "confirmed"


def test_building_the_call_without_error_refutes_and_withdraws_it():
    out = _judge([_diag(row=5)], BuildOutcome("built", calls=[_call(5)]))
    assert not out.kept
    [d] = out.withdrawn
    assert d.validation.verdict == "refuted"
    assert d.validation.shapes == {"static": "input (None, 30)",
                                   "tensorflow": "Dense on (None, 30) -> (None, 8)"}
    assert any("analyzer bug" in n and "(None, 8)" in n for n in out.notes)


def test_unverified_reasons():
    earlier = _judge([_diag(row=9)], BuildOutcome("raised", error=_error(3)))
    assert earlier.kept[0].validation.verdict == "unverified"
    assert "stopped before this line" in earlier.kept[0].validation.reason
    assert earlier.added and earlier.added[0].code == BUILD_ERROR   # the line-3 error nobody reported
    timeout = _judge([_diag()], BuildOutcome("timeout", detail="the build did not finish within 60 s"))
    assert timeout.kept[0].validation.reason == "the build did not finish within 60 s"
    never = _judge([_diag()], BuildOutcome("built"))
    assert "never ran" in never.kept[0].validation.reason
    missing = _judge([_diag(row=9)], BuildOutcome("raised", error=_error(
        3, "missing", "No module named 'gym'", missing_module="gym.spaces")))
    assert missing.kept[0].validation.reason == ("the build stopped before this line: line 3: gym is not "
                                                 "installed where the build runs")
    assert not missing.added and not missing.notes and missing.missing == {"gym"}   # said once per run
    warning = _judge([_diag("SHP501", severity="warning")], BuildOutcome("built", calls=[_call(5)]))
    assert warning.kept[0].validation.verdict == "unverified" and not warning.withdrawn


def test_unreported_build_error_becomes_shp901_unless_suppressed():
    out = _judge([], BuildOutcome("raised", error=_error(4)))
    [d] = out.added
    assert (d.code, d.name, d.severity, d.location.row) == ("SHP901", "build-error", "error", 4)
    assert d.validation.verdict == "confirmed" and "found by building" in d.validation.reason
    assert not _judge([], BuildOutcome("raised", error=_error(4)), suppressed=lambda c, r: True).added
    program_error = _judge([], BuildOutcome("raised", error=_error(4, kind="program")))
    assert not program_error.added and "stopped at line 4" in program_error.notes[0]


def _cut_program(rows):
    from shapelint.validation.program import BuildProgram, Cut

    cuts = tuple(Cut(cst.Pass(), row, "an earlier build raised ValueError here",
                     f"it uses what line {row} makes, where an earlier build raised ValueError")
                 for row in rows)
    return BuildProgram("m.py", "/m.py", "x\n" * 30, cuts=cuts)


def test_each_finding_takes_the_verdict_of_the_first_build_that_settles_it():
    first = Round(_cut_program(()), BuildOutcome("raised", error=_error(5)))
    second = Round(_cut_program((5,)), BuildOutcome("raised", error=_error(9)))
    out = judge(FileResult("m.py", (_diag(row=5), _diag(row=9))), [first, second])
    assert [(d.location.row, d.validation.verdict, d.validation.reason) for d in out.kept] == [
        (5, "confirmed", "TensorFlow raised ValueError for this call"),
        (9, "confirmed", "TensorFlow raised ValueError for this call (in a build without line 5, where "
                         "earlier builds stopped, and what depends on it)")]
    assert not out.added and not out.notes and out.unsettled == 0


def _fed_program(*feeds, probes=()):
    from shapelint.validation.program import BuildProgram

    return BuildProgram("m.py", "/m.py", "x\n" * 30, feeds=list(feeds), probes=tuple(probes))


def _feed(row=14, method="fit", call="train_on_batch", partial="", inputs=(9,)):
    from shapelint.validation.feeds import Feed, StandIn

    given = "x (2, 784) float32" + (", y (2,) int64" if call != "predict_on_batch" else "")
    return Feed(row, row, method, inputs, StandIn(f"model.{call}(...)", call, given,
                                                  given.replace("(2,", "(64,"), partial))


def _ran_feed(row=14, method="train_on_batch", compiled=True):
    return {"row": row, "method": method, "compiled": compiled, "ok": True}


def _judge_fed(diags, outcome, *feeds, probes=()):
    return judge(FileResult("m.py", tuple(diags)), [Round(_fed_program(*feeds, probes=probes), outcome)])


def test_a_data_finding_takes_the_verdict_of_the_call_standing_in_for_its_data():
    raised = _judge_fed([_diag("SHP601", row=14)], BuildOutcome("raised", error=_error(14)), _feed())
    [d] = raised.kept
    assert (d.validation.verdict, d.validation.reason) == (
        "confirmed",
        "TensorFlow raised ValueError for train_on_batch on zeros x (2, 784) float32, y (2,) int64 in place "
        "of fit()")
    assert not raised.added and not raised.notes
    ran = _judge_fed([_diag("SHP602", row=14)], BuildOutcome("built", feeds=[_ran_feed()]), _feed())
    [d] = ran.withdrawn
    assert (d.validation.verdict, d.validation.reason) == (
        "refuted",
        "TensorFlow ran train_on_batch on zeros x (2, 784) float32, y (2,) int64 in place of fit() without "
        "error")
    assert d.validation.shapes == {"static": "x (64, 784) float32, y (64,) int64",
                                   "tensorflow": "train_on_batch on zeros x (2, 784) float32, y (2,) int64 "
                                                 "in place of fit()"}
    before = _judge_fed([_diag("SHP603", row=14)], BuildOutcome("raised", error=_error(12)), _feed())
    assert before.kept[0].validation.reason.startswith("the build stopped before this line: line 12 raised")
    assert before.unsettled == 1


def test_nothing_standing_in_or_only_the_features_settle_what_they_can():
    from shapelint.validation.feeds import Feed

    unknown = Feed(14, 14, "fit", (9,), None, "the analysis does not know the shape of `X`")
    out = _judge_fed([_diag("SHP601", row=14)], BuildOutcome("built"), unknown)
    assert out.kept[0].validation.reason == ("no zero-filled data stands in at line 14: the analysis does "
                                             "not know the shape of `X`")
    uncompiled = BuildOutcome("built", feeds=[_ran_feed(compiled=False)])
    labels = _judge_fed([_diag("SHP602", row=14)], uncompiled, _feed())
    assert labels.kept[0].validation.reason == (
        "the build could not give the model the labels: the model is not compiled where the build reaches "
        "line 14 (its compile() was left out or never ran), so only the features met it")
    features = _judge_fed([_diag("SHP601", row=14)], uncompiled, _feed())
    assert features.withdrawn[0].validation.reason == (
        "TensorFlow ran train_on_batch on zeros x (2, 784) float32, y (2,) int64 in place of fit() without "
        "error (the model is not compiled where the build reaches line 14 (its compile() was left out or "
        "never ran), so only the features met it)")
    partial = _feed(call="predict_on_batch", partial="the analysis does not know the shape of `y`, so only "
                                                     "the features meet the model")
    ran = BuildOutcome("built", feeds=[_ran_feed(method="predict_on_batch")])
    sparse = _judge_fed([_diag("SHP602", row=14)], ran, partial)
    assert sparse.kept[0].validation.verdict == "unverified" and not sparse.withdrawn


def test_shp604_is_settled_by_the_data_calls_of_the_model_built_from_its_input():
    error = _error(14, message="Invalid input shape ... Expected shape (None, 200, 12), but input has "
                               "incompatible shape (2, 12)")
    out = _judge_fed([_diag("SHP604", row=9)], BuildOutcome("raised", error=error), _feed(inputs=(9,)))
    [d] = out.kept
    assert (d.validation.verdict, d.validation.reason) == (
        "confirmed", "TensorFlow built this input as written, then raised ValueError at line 14 for "
                     "train_on_batch on zeros x (2, 784) float32, y (2,) int64 in place of fit()")
    alone = _judge_fed([_diag("SHP604", row=9)], BuildOutcome("built"), _feed(inputs=(5,)))
    assert alone.kept[0].validation.reason == (
        "the file gives the model built from this input no data (fit, evaluate, predict) the analysis "
        "followed, so no build meets the whole-array shape")


def test_a_stand_in_that_raises_where_nothing_was_found_is_a_note_not_shp901():
    out = _judge_fed([], BuildOutcome("raised", error=_error(14, message="boom")), _feed())
    assert not out.added
    assert out.notes == ["validation: the model raised at line 14 on the zeros standing in for its data "
                         "(train_on_batch on zeros x (2, 784) float32, y (2,) int64 in place of fit()): "
                         "ValueError: boom; not reported as SHP901, since the zeros only stand in for the "
                         "file's data"]


def test_a_warning_is_settled_by_the_check_of_its_claim():
    from shapelint.validation.probes import Probe

    warning = _diag("SHP605", row=14, severity="warning")
    probe = Probe(14, "one_unit_softmax", 12)
    holds = {"row": 14, "claim": "one_unit_softmax", "holds": True, "detail": "TensorFlow's Dense gives 1.0"}
    out = _judge_fed([warning], BuildOutcome("built", probes=[holds]), probes=[probe])
    assert (out.kept[0].validation.verdict, out.kept[0].validation.reason) == (
        "confirmed", "TensorFlow's Dense gives 1.0")
    wrong = _judge_fed([warning], BuildOutcome("built", probes=[{**holds, "holds": False, "detail": "no"}]),
                       probes=[probe])
    assert wrong.withdrawn[0].validation.verdict == "refuted"
    loss = _judge_fed([warning], BuildOutcome("built"), probes=[Probe(14, "one_unit_loss", 12)])
    assert loss.kept[0].validation.reason.startswith(
        "a warning: Keras trains this model without an error, and whether the loss can change")
    nothing = _judge_fed([warning], BuildOutcome("built"))
    assert nothing.kept[0].validation.reason == (
        "a warning: Keras does not raise for it, and no build checks its claim")


def test_only_the_first_build_reports_shp901():
    """A later build runs the file without what an earlier one stopped at: an error nobody
    reported there may come from the leaving out, so it is a note, never SHP901."""
    first = Round(_cut_program(()), BuildOutcome("raised", error=_error(5)))
    second = Round(_cut_program((5,)), BuildOutcome("raised", error=_error(12, message="boom")))
    out = judge(FileResult("m.py", (_diag(row=5), _diag(row=20))), [first, second])
    assert not out.added and out.unsettled == 1
    assert out.notes == ["validation: a build without line 5 (where earlier builds stopped) raised at line "
                         "12: ValueError: boom; not reported as SHP901, since leaving those lines out may "
                         "be what made it raise"]


def test_the_next_build_leaves_out_the_failing_statement_with_what_uses_it():
    from shapelint.validation.continuation import next_cut

    path = VALIDATION / "two_independent_bugs.py"
    text, program = _program(path)
    lstm = _line_of(path, "layers.LSTM(")
    cut = next_cut(collect(text, str(path)), program, _error(lstm) | {"col": 4})
    assert (cut.row, cut.reason) == (lstm, "an earlier build raised ValueError here")
    facts = collect(text, str(path))
    again = next_cut(facts, program, _error(lstm) | {"col": 4})
    later = build_program(text, facts, str(path), str(path), [again])
    old, new = text.splitlines(), later.text.splitlines()
    left_out = [row for row, (a, b) in enumerate(zip(old, new), 1) if a != b]
    assert left_out == [lstm, lstm + 1, _line_of(path, "Concatenate"), _line_of(path, "keras.Model(")]
    assert later.removed_at(lstm + 1).reason == (f"it uses what line {lstm} makes, where an earlier build "
                                                 "raised ValueError")
    assert new[_line_of(path, "Reshape(") - 1] == old[_line_of(path, "Reshape(") - 1]   # built as written
    assert next_cut(facts, later, _error(lstm) | {"col": 4}) is None   # no progress: stop


class _ScriptedRunner:
    """Answers builds from a script of outcomes, and keeps the time limit each build got."""

    def __init__(self, outcomes, timeout=60.0):
        self.outcomes, self.timeout, self.limits, self.programs = list(outcomes), timeout, [], []

    def build(self, program, timeout=None):
        self.limits.append(timeout)
        self.programs.append(program)
        return self.outcomes.pop(0)


def test_a_file_is_built_again_until_every_finding_is_settled_within_its_time_limit():
    path = VALIDATION / "two_independent_bugs.py"
    lstm, reshape = _line_of(path, "layers.LSTM("), _line_of(path, "layers.Reshape(")
    runner = _ScriptedRunner([BuildOutcome("raised", error=_error(lstm) | {"col": 4}),
                              BuildOutcome("raised", error=_error(reshape) | {"col": 4})])
    job = prepare(check_file(path))
    build(job, runner)
    assert [len(p.cuts) for p in runner.programs] == [0, 1] and runner.programs[1].cuts[0].row == lstm
    assert runner.limits[0] is None and 59 < runner.limits[1] <= 60   # what is left of the file's limit
    v = finish(job, job.result, lambda code, p: True)
    assert [d.validation.verdict for d in v.diagnostics] == ["confirmed", "confirmed"]
    # nothing left to settle: no third build; a build that cannot be cut stops the loop too
    assert len(job.rounds) == 2
    stuck = _ScriptedRunner([BuildOutcome("raised", error=_error(lstm) | {"col": 4, "frames": []}, )])
    stuck.outcomes[0].error["row"] = None
    build(job, stuck)
    assert len(job.rounds) == 1


def test_a_missing_package_is_left_out_with_what_uses_it_and_the_rest_of_its_import_kept():
    from shapelint.validation.continuation import next_cut

    src = ("import os, gym\nimport keras\nenv = gym.make('CartPole-v1')\nn = env.action_space.n\n"
           "here = os.getcwd()\nx = keras.layers.Dense(4)(keras.Input((3,)))\n")
    facts = collect(src, "rl.py")
    program = build_program(src, facts, "rl.py", "/tmp/rl.py")
    error = _error(1, "missing", "No module named 'gym'", missing_module="gym") | {"col": 0}
    cut = next_cut(facts, program, error)
    later = build_program(src, facts, "rl.py", "/tmp/rl.py", [cut])
    assert later.text.splitlines() == ["import os", "import keras", "pass", "pass", "here = os.getcwd()",
                                       "x = keras.layers.Dense(4)(keras.Input((3,)))"]
    assert later.removed_at(4).reason == "it uses gym (line 1), which is not installed where the build runs"


def test_functions_the_file_never_calls_are_called_with_their_defaults_or_said_why_not():
    src = ("import keras\n\ndef build(units=8, shape=(4,)):\n"
           "    return keras.Sequential([keras.Input(shape), keras.layers.Dense(units)])\n\n"
           "def head(x, classes):\n    return keras.layers.Dense(classes)(x)\n\n"
           "def helper():\n    return 3\n\ndef distance(pair):\n    return pair[0] - pair[1]\n\n"
           "merged = keras.layers.Lambda(distance)([keras.Input((2,)), keras.Input((2,))])\n")
    program = build_program(src, collect(src, "b.py"), "b.py", "/tmp/b.py")
    assert program.epilogue == "build()\n" and program.source == src + "build()\n"
    assert program.in_epilogue(src.count("\n") + 1) and not program.in_epilogue(src.count("\n"))
    [never] = [u for u in program.uncalled if not u.buildable]   # distance() is used: by the Lambda
    assert never.reason() == ("head() is never called in this file and its parameters x, classes have "
                              "no defaults")
    assert program.never_built(7) is never and program.never_built(4) is None


def test_keras_messages_lose_their_wrappers():
    raw = ("Exception encountered when calling Project.call().\n\nCould not automatically infer ... "
           "Error encountered:\n\nDimensions must be equal, but are 5 and 7 for '{{node MatMul}} = "
           "MatMul[T=DT_FLOAT](a, b)' with input shapes: [?,5], [7,4].\n\n"
           "Arguments received by Project.call():\n x")
    assert core_message(raw) == "Dimensions must be equal, but are 5 and 7 with input shapes: [?,5], [7,4]."


def _static(row, *dims, layer="Dense"):
    return StaticCall(row, 4, layer, (row, 4), None, Shape(tuple(dims)))


def test_shape_agreement_counts_only_definite_differences():
    assert not shape_differs(Shape((None, 8)), [None, 8])
    assert shape_differs(Shape((None, 8)), [None, 9])
    assert shape_differs(Shape((None, 8)), [None, 8, 1])
    assert not shape_differs(Shape((None, None)), [None, 9])      # unknown static dim
    assert not shape_differs(Shape(None), [None, 9])              # unknown static rank
    assert not shape_differs(Shape((None, 8)), [None, None])      # TensorFlow does not know
    found = compare([_static(3, None, 8), _static(4, None, 16)], [_call(3, outputs=[(None, 8)]),
                                                                  _call(4, outputs=[(None, 12)])])
    assert [(d.row, d.static, d.tensorflow) for d in found] == [(4, "(None, 16)", "(None, 12)")]


def test_shape_agreement_matches_sequential_layers_by_constructor():
    static = [_static(6, None, 16)]
    real = [{**_call(9, outputs=[(None, 15)]), "direct": False, "ctor": [6, 4]}]
    [d] = compare(static, real)
    assert (d.row, d.tensorflow) == (6, "(None, 15)")
    # a layer the file called itself, re-run by Keras inside a nested model: not compared again
    direct = {**_call(6, outputs=[(None, 16)]), "obj": 1}
    rerun = {**_call(12, outputs=[(None, 99)]), "direct": False, "ctor": [6, 4], "obj": 1}
    assert compare(static, [direct, rerun]) == []


# --- packaging: TensorFlow stays optional ---------------------------------------------------
def test_validate_without_tensorflow_exits_2_with_the_install_line(monkeypatch):
    from shapelint import cli

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "tensorflow" else real(name, *a))
    assert tensorflow_missing() is not None
    result = CliRunner().invoke(cli.main, ["check", "--validate", str(FIXTURES / "buggy")])
    assert result.exit_code == 2
    assert INSTALL_HINT in result.output
    plain = CliRunner().invoke(cli.main, ["check", str(FIXTURES / "buggy" / "shp401_reshape_bug.py")])
    assert plain.exit_code == 1   # linting still works


# This interpreter, with `import tensorflow` failing as if it were not installed (find_spec
# finds no module whose sys.modules entry is None).
WITHOUT_TENSORFLOW = ("import sys; sys.modules['tensorflow'] = None; import runpy; "
                      "runpy.run_module('shapelint', run_name='__main__', alter_sys=True)")


def test_validate_with_a_python_that_has_no_tensorflow():
    proc = subprocess.run([sys.executable, "-c", WITHOUT_TENSORFLOW, "check", "--validate",
                           str(FIXTURES / "buggy")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and INSTALL_HINT in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_shp901_is_registered_and_documented():
    rule = BY_CODE["SHP901"]
    assert (rule.name, rule.severity) == ("build-error", "error")
    page = (ROOT / "rules" / "SHP901.md").read_text()
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead",
                    "## Suppressing"):
        assert section in page


# --- with TensorFlow -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def runner():
    pytest.importorskip("tensorflow")
    from shapelint.validation.runner import BuildRunner

    with BuildRunner(timeout=120) as r:
        yield r


def validate(path: Path, runner, result: FileResult | None = None):
    result = result or check_file(path)
    job = prepare(result)
    assert job is not None, path
    build(job, runner)
    return finish(job, result, lambda code, p: True, run_sandbox=job.outcome.sandbox_note)   # the run's note


# A builder whose parameters have no defaults: the build cannot call it as the static pass did.
NEVER_CALLED = {"builder_params_bug.py": "build_model() is never called in this file and its parameters "
                                         "input_shape, num_classes have no defaults",
                "builder_params.py": "build_model() is never called in this file and its parameters "
                                     "input_shape, num_classes have no defaults"}


@pytest.mark.keras
@pytest.mark.parametrize("path", BUGGY, ids=lambda p: p.name)
def test_buggy_fixture_findings_are_confirmed(path, runner):
    """Every error finding gets a verdict of its own, however many a file has."""
    v = validate(path, runner)
    assert v.outcome.status in ("raised", "built"), v.outcome
    assert not v.withdrawn, [d.validation for d in v.withdrawn]
    assert not [d for d in v.diagnostics if d.code == BUILD_ERROR], "Keras raised where shapelint saw nothing"
    errors = [d for d in v.diagnostics if d.severity == "error"]
    if path.name in NEVER_CALLED:
        verdicts = [(d.validation.verdict, d.validation.reason) for d in errors]
        assert verdicts == [("unverified", NEVER_CALLED[path.name])]
        assert v.notes == (f"validation: {NEVER_CALLED[path.name]}, so it was not built",)
        return
    for d in errors:   # model vs data too: the build calls the model on zeros of the data's shapes
        assert d.validation.verdict == "confirmed", (d.code, d.location.row, d.validation)
    if errors:   # the bug makes Keras raise: it is the first error the build meets
        assert v.outcome.status == "raised" and v.outcome.error["kind"] == "build"
        confirmed = {(d.location.row, d.code) for d in errors if d.validation.verdict == "confirmed"}
        assert confirmed <= expectations(path)
    assert not v.disagreements, v.disagreements
    if v.outcome.status == "built":   # only warnings: their parameter claims are counted
        for d in v.diagnostics:
            if d.claims is not None:
                assert d.validation.verdict == "confirmed", (d.code, d.validation)
    for d in v.diagnostics:
        if d.code == "SHP605":        # the claim checked on the real output layer
            assert d.validation.verdict == "confirmed", d.validation


@pytest.mark.keras
def test_a_wrong_sharing_claim_is_refuted(runner):
    path = FIXTURES / "buggy" / "shp501_siamese_loop_bug.py"
    [real] = check_file(path).diagnostics
    wrong = replace(real, claims=replace(real.claims, copies=3))
    v = validate(path, runner, FileResult(str(path), (wrong,), ()))
    [d] = v.withdrawn
    assert d.validation.verdict == "refuted" and "claimed 3 copies" in d.validation.reason


@pytest.mark.keras
@pytest.mark.parametrize("path", CORRECT, ids=lambda p: p.name)
def test_correct_fixture_validates_clean(path, runner):
    result = check_file(path)
    job = prepare(result)
    if job is None:
        return   # no Keras in the file: nothing to build
    build(job, runner)
    v = finish(job, result, lambda code, p: True, run_sandbox=job.outcome.sandbox_note)
    assert v.outcome.status == "built", v.outcome.error
    assert len(v.outcomes) == 1   # nothing stopped it
    assert not v.diagnostics and not v.withdrawn
    assert not v.disagreements, v.disagreements
    if path.name in NEVER_CALLED:
        assert v.notes == (f"validation: {NEVER_CALLED[path.name]}, so it was not built",)
        assert not v.outcome.calls
        return
    assert not [n for n in v.notes if n.startswith("validation")], v.notes
    assert v.outcome.calls, "the build recorded no layer calls"
    compared = matched_places(job.facts.calls, v.outcome.calls)
    assert len(compared) >= min(len(job.facts.calls), 1), "no static shape was compared"


@pytest.mark.keras
def test_a_wrong_static_claim_is_refuted_and_withdrawn(runner):
    path = FIXTURES / "correct" / "shp203_shared_dense_fixed.py"
    row = next(i for i, line in enumerate(path.read_text().splitlines(), 1)
               if re.search(r"=\s*shared\(", line))
    fake = replace(_diag("SHP203", row=row), path=str(path), location=Position(row, 1),
                   end_location=Position(row, 40), message="injected wrong claim")
    v = validate(path, runner, FileResult(str(path), (fake,), ()))
    assert not v.diagnostics
    [d] = v.withdrawn
    assert d.validation.verdict == "refuted"
    assert d.validation.shapes["tensorflow"].startswith("Dense on (None, ")
    assert any("analyzer bug" in n for n in v.notes)


@pytest.mark.keras
def test_a_wrong_shape_function_is_refuted_and_disagrees(runner, monkeypatch):
    """Break the analyzer's Dense: it claims a rank error (refuted) or a wrong width (disagreement)."""
    from shapelint.layers import engine
    from shapelint.violations import Rejected
    from shapelint.violations.inputs import InputRankMismatch

    path = FIXTURES / "correct" / "shp102_add_fixed.py"
    real = engine.infer_output

    def wrong_rank(layer, shapes, *args, **kwargs):
        if layer.spec.name == "Dense":
            raise Rejected(InputRankMismatch(expected=(3,), got=shapes, layer="Dense", family="core"))
        return real(layer, shapes, *args, **kwargs)

    monkeypatch.setattr(engine, "infer_output", wrong_rank)
    result = check_file(path)
    assert any(d.code == "SHP201" for d in result.diagnostics)
    v = validate(path, runner, result)
    assert v.withdrawn and all(d.validation.verdict == "refuted" for d in v.withdrawn)
    assert not [d for d in v.diagnostics if d.code == "SHP201"]

    def wrong_width(layer, shapes, *args, **kwargs):
        out = real(layer, shapes, *args, **kwargs)
        if (layer.spec.name == "Dense" and isinstance(out, Shape) and out.dims
                and isinstance(out.dims[-1], int)):
            return Shape(out.dims[:-1] + (out.dims[-1] + 1,))
        return out

    monkeypatch.setattr(engine, "infer_output", wrong_width)
    v = validate(path, runner)
    assert v.disagreements
    d = v.disagreements[0]
    assert d.layer == "Dense" and d.static != d.tensorflow
    assert any("shape disagreement" in n for n in v.notes)


@pytest.mark.keras
def test_a_training_script_is_validated_without_training_downloading_or_writing(runner, tmp_path,
                                                                                 monkeypatch):
    path = VALIDATION / "trains_downloads_writes.py"
    monkeypatch.chdir(tmp_path)
    before_dir, before_cwd = sorted(os.listdir(VALIDATION)), sorted(os.listdir(tmp_path))
    v = validate(path, runner)
    assert v.outcome.status == "built", v.outcome.error
    assert v.outcome.network == [] and v.outcome.writes == []
    assert sorted(os.listdir(VALIDATION)) == before_dir and sorted(os.listdir(tmp_path)) == before_cwd
    assert not (VALIDATION / "TRAINED").exists()
    assert v.outcome.seconds < 30          # fit(epochs=10_000) never ran
    assert {c["layer"] for c in v.outcome.calls} >= {"Dense", "Dropout"}   # but the model was built
    assert not v.diagnostics and not v.disagreements


@pytest.mark.keras
def test_network_and_writes_outside_the_sandbox_are_blocked(runner, tmp_path):
    from shapelint.validation.program import BuildProgram

    target = tmp_path / "escaped.txt"
    src = ("import socket\nimport keras\n"
           "try:\n    socket.create_connection(('example.com', 80), timeout=1)\n"
           "except OSError as e:\n    pass\n"
           f"open({str(target)!r}, 'w').write('x')\n")
    outcome = runner.build(BuildProgram("p.py", str(tmp_path / "p.py"), src))
    assert outcome.status == "raised" and outcome.error["kind"] == "write" and outcome.error["row"] == 7
    assert any("create_connection" in n for n in outcome.network)
    assert not target.exists()


@pytest.mark.keras
def test_data_fixtures(runner):
    sub = validate(VALIDATION / "data_substituted.py", runner)
    [d] = sub.diagnostics
    assert d.code == "SHP401" and d.validation.verdict == "confirmed"
    unv = validate(VALIDATION / "data_unverifiable.py", runner)
    [d] = unv.diagnostics   # the bug on the input that does not need the data
    assert (d.code, d.validation.verdict) == ("SHP401", "confirmed")
    assert unv.notes == ("validation: the build leaves line 12 out, with what depends on it: `X.shape[1:]` "
                         "depends on data the build leaves out (X from line 10, which needs loading data "
                         "(np.load)), and its value is not known statically",)


@pytest.mark.keras
def test_where_the_model_meets_data_the_build_calls_it_once_on_zeros(runner):
    path = VALIDATION / "data_stand_ins.py"
    v = validate(path, runner)
    assert v.outcome.status == "built", v.outcome.error
    fit = _line_of(path, "history = model.fit(")
    assert [(r["row"], r["method"], r["compiled"], r["ok"]) for r in v.outcome.feeds] == [
        (fit, "train_on_batch", True, True), (fit, "test_on_batch", True, True),
        (fit + 4, "test_on_batch", True, True), (fit + 5, "predict_on_batch", True, True)]
    assert not v.diagnostics and not v.disagreements and v.outcome.seconds < 30
    assert not [n for n in v.notes if n.startswith("validation:")]


@pytest.mark.keras
@pytest.mark.parametrize("path, verdict, reason, keras_says", [
    (FIXTURES / "buggy" / "data_input_shape_samples_bug.py", "confirmed",
     "TensorFlow built this input as written, then raised ValueError at line 14 for train_on_batch on zeros "
     "x (2, 12) float32, y (2, 1) float32 in place of fit()", "Expected shape (None, 200, 12)"),
    (FIXTURES / "buggy" / "data_sample_count_bug.py", "confirmed",
     "TensorFlow raised ValueError for train_on_batch on zeros x (2, 8) float32, y (3, 1) float32 in place "
     "of fit()",
     "Dimensions must be equal, but are 3 and 2"),
    (FIXTURES / "buggy" / "data_one_unit_softmax_bug.py", "confirmed",
     "TensorFlow's Dense gives 1.0 for every one of 4 random inputs of shape (4, 16)", None),
    (VALIDATION / "data_compile_left_out.py", "confirmed",
     "TensorFlow raised ValueError for train_on_batch on zeros x (2, 10) float32, y (2,) int64 in place of "
     "fit() (the model is not compiled where the build reaches line 20 (its compile() was left out or never "
     "ran), so only the features met it)", "expected axis -1 of input shape to have value 12"),
    (VALIDATION / "data_csv_sizes_unknown.py", "unverified",
     "no zero-filled data stands in at line 16: the analysis does not know every size of `X` (None, None)",
     None),
], ids=["shp604", "shp603", "shp605", "compile-left-out", "sizes-unknown"])
def test_what_users_see_of_data_findings(path, verdict, reason, keras_says, runner):
    v = validate(path, runner)
    [d] = v.diagnostics
    assert (d.validation.verdict, d.validation.reason) == (verdict, reason)
    if keras_says:
        assert keras_says in d.validation.keras_error
    assert not v.withdrawn and not v.disagreements


@pytest.mark.keras
def test_a_wrong_data_claim_is_refuted_and_withdrawn(runner):
    path = FIXTURES / "correct" / "data_one_hot_labels_categorical.py"
    row = _line_of(path, "model.fit(")
    fake = replace(_diag("SHP602", row=row), path=str(path), location=Position(row, 1),
                   end_location=Position(row, 40), message="injected wrong claim")
    v = validate(path, runner, FileResult(str(path), (fake,), ()))
    assert not v.diagnostics
    [d] = v.withdrawn
    assert (d.validation.verdict, d.validation.reason) == (
        "refuted",
        "TensorFlow ran train_on_batch on zeros x (2, 20) float32, y (2, 5) float32 in place of fit() "
        "without error")
    assert v.notes == (f"validation: withdrew SHP602 at line {row}: analyzer bug: shapelint saw x (32, 20) "
                       "float32, y (32, 5) float32, but TensorFlow ran train_on_batch on zeros x (2, 20) "
                       "float32, y (2, 5) float32 in place of fit() without error",)


@pytest.mark.keras
def test_a_wrong_output_claim_is_refuted_by_the_real_layer(runner):
    """A 1-unit sigmoid is no constant: the check of the 1-unit-softmax claim fails on it."""
    from shapelint.validation.probes import Probe

    path = FIXTURES / "correct" / "data_one_unit_sigmoid.py"
    row, layer_row = _line_of(path, "model.compile("), _line_of(path, 'activation="sigmoid"')
    fake = replace(_diag("SHP605", row=row, severity="warning"), path=str(path), location=Position(row, 1),
                   end_location=Position(row, 40))
    result = FileResult(str(path), (fake,), ())
    job = prepare(result)
    job.program = replace(job.program, probes=(Probe(row, "one_unit_softmax", layer_row),))
    build(job, runner)
    v = finish(job, result, lambda code, p: True, run_sandbox=job.outcome.sandbox_note)
    [d] = v.withdrawn
    assert d.validation.verdict == "refuted"
    assert re.fullmatch(r"TensorFlow's Dense gives values from 0\.\d+ to 0\.\d+ on 4 random inputs of shape "
                        r"\(4, 16\)", d.validation.reason), d.validation.reason


@pytest.mark.keras
def test_two_independent_bugs_are_both_confirmed(runner, tmp_path):
    path = VALIDATION / "two_independent_bugs.py"
    v = validate(path, runner)
    lstm, reshape = _line_of(path, "layers.LSTM("), _line_of(path, "layers.Reshape(")
    assert [(d.code, d.location.row, d.validation.verdict, d.validation.reason) for d in v.diagnostics] == [
        ("SHP201", lstm, "confirmed", "TensorFlow raised ValueError for this call"),
        ("SHP401", reshape, "confirmed", f"TensorFlow raised ValueError for this call (in a build "
                                         f"without line {lstm}, where earlier builds stopped, and what "
                                         "depends on it)")]
    assert "total size of the tensor must be unchanged" in v.diagnostics[1].validation.keras_error
    assert [o.status for o in v.outcomes] == ["raised", "raised"] and not v.notes
    assert len(runner.starts) == 1   # every build a fork of the one zygote
    # Keras itself raises at the first expect line, as the buggy fixtures must
    truth = subprocess.run([sys.executable, str(ROOT / "tests" / "keras" / "keras_truth.py"), str(path)],
                           capture_output=True, text=True, cwd=ROOT, timeout=300,
                           env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""})
    assert truth.returncode == 0 and "1/1 fixtures agree with Keras" in truth.stdout, truth.stdout


@pytest.mark.keras
@pytest.mark.parametrize("name, reason", [
    ("artifact_adapted_layer.py",
     "the build leaves line 23 out (it uses what line 20 makes, which the build leaves out: `vocab_size` "
     "depends on data the build leaves out (vocab_size from line 17, which needs vectorizer, set up from "
     "data by `vectorizer.adapt(reviews)`), and its value is not known statically)"),
    ("artifact_vocabulary_list.py",
     "the build leaves line 19 out (it uses what line 17 makes, which the build leaves out: `labels` depends "
     "on data the build leaves out (labels from line 12, which needs file access (open)), and its value is "
     "not known statically)"),
    ("artifact_max_tokens.py",
     "the build leaves line 24 out (it uses what line 21 makes, which the build leaves out: `max_tokens` "
     "depends on data the build leaves out (max_tokens from line 18, which needs counter from line 16), and "
     "its value is not known statically)"),
])
def test_what_the_build_program_removed_gives_unverified_never_shp901(name, reason, runner):
    """Before, each of these built an empty vocabulary or a Dense(0) and reported it as a
    confirmed SHP901 the real script never raises."""
    v = validate(VALIDATION / name, runner)
    assert [(d.code, d.validation.verdict, d.validation.reason) for d in v.diagnostics] == [
        (v.diagnostics[0].code, "unverified", reason)]
    assert v.outcome.status == "built", v.outcome.error


@pytest.mark.keras
def test_a_missing_package_gives_unverified_and_is_listed_once_per_run(tmp_path):
    pytest.importorskip("tensorflow")
    from shapelint.validation.validate import validate_results

    path = VALIDATION / "artifact_missing_package.py"
    other = tmp_path / "also_addons.py"
    other.write_text("import keras\nimport tensorflow_addons as tfa\nx = keras.Input((3,))\n")
    run = validate_results([check_file(path), check_file(other)], timeout=120)
    v = run.results[0]
    conv, reshape = _line_of(path, "tfa.layers."), _line_of(path, "layers.Reshape(")
    assert [(d.code, d.location.row, d.validation.verdict, d.validation.reason) for d in v.diagnostics] == [
        ("SHP204", conv, "unverified", "the build leaves line 13 out (it uses tensorflow_addons (line 10), "
                                       "which is not installed where the build runs)"),
        ("SHP401", reshape, "confirmed", "TensorFlow raised ValueError for this call (in a build without "
                                         "line 10, where earlier builds stopped, and what depends on it)")]
    assert not [n for n in v.notes + run.results[1].notes if "tensorflow_addons" in n]   # not per file
    assert run.notes[1:] == ("validation: not installed where the builds run, so each file was built "
                             f"without what needs it: tensorflow_addons ({path}, {other})",)
    assert run.notes[0].startswith("validation sandbox: ")


@pytest.mark.keras
def test_an_uncalled_builder_with_defaults_is_built_with_them(runner):
    v = validate(VALIDATION / "uncalled_builder_defaults.py", runner)
    [d] = v.diagnostics
    assert (d.code, d.validation.verdict) == ("SHP201", "confirmed") and not v.notes


@pytest.mark.keras
def test_an_error_only_an_uncalled_builder_raises_is_a_note_not_shp901(runner, tmp_path):
    """The file never calls it: raising with its defaults may not be a bug the file has."""
    path = tmp_path / "lib.py"
    path.write_text("import keras\n\ndef build(shape=None):\n"
                    "    return keras.layers.Dense(3)(keras.Input(shape))\n")
    v = validate(path, runner, FileResult(str(path), (), ()))
    assert not v.diagnostics
    [note] = v.notes
    assert note.startswith("validation: calling build() with its defaults (the file never calls it) raised ")


@pytest.mark.keras
def test_a_build_error_the_static_pass_missed_becomes_shp901(runner):
    path = VALIDATION / "custom_layer_build_error.py"
    v = validate(path, runner, FileResult(str(path), (), ()))   # as if the static pass missed it
    [d] = v.diagnostics
    assert d.code == "SHP901" and d.location.row == _line_of(path, "validate: SHP901")
    assert "found by building" in d.validation.reason and "Dimensions must be equal" in d.message


@pytest.mark.keras
def test_a_timeout_kills_the_build_and_the_next_file_builds_in_the_same_zygote(tmp_path):
    pytest.importorskip("tensorflow")
    from shapelint.validation.program import BuildProgram
    from shapelint.validation.runner import BuildRunner

    with BuildRunner(timeout=3) as r:
        slow = r.build(BuildProgram("slow.py", str(tmp_path / "slow.py"),
                                    "import keras\nwhile True:\n    pass\n"))
        assert slow.status == "timeout" and slow.detail == "the build did not finish within 3 s"
        fine = r.build(BuildProgram("ok.py", str(tmp_path / "ok.py"),
                                    "import keras\nx = keras.layers.Dense(2)(keras.Input((3,)))\n"))
        assert fine.status == "built" and fine.calls[0]["outputs"] == [[None, 2]]
        assert len(r.starts) == 1   # TensorFlow started once: each build is a fresh fork of the zygote


@pytest.mark.keras
def test_a_build_that_dies_is_reported_by_its_exit_alone(tmp_path):
    pytest.importorskip("tensorflow")
    from shapelint.validation.program import BuildProgram
    from shapelint.validation.runner import BuildRunner

    with BuildRunner(timeout=20) as r:
        died = r.build(BuildProgram("d.py", str(tmp_path / "d.py"), "import os, sys\n"
                                    "print('printed-before-dying', file=sys.stderr)\nos._exit(3)\n"))
        assert died.status == "crashed"
        assert died.detail == "the build process exited with status 3 before reporting a result"
        segv = r.build(BuildProgram("s.py", str(tmp_path / "s.py"), "import ctypes\nctypes.string_at(0)\n"))
        assert segv.status == "crashed"
        assert segv.detail == ("the build process was killed by SIGSEGV "
                               "(a resource limit, or a crash in native code)")


@pytest.mark.keras
def test_cli_validate_json(tmp_path):
    pytest.importorskip("tensorflow")
    files = [FIXTURES / "buggy" / "shp203_shared_dense_bug.py", VALIDATION / "custom_layer_build_error.py"]
    proc = subprocess.run([sys.executable, "-m", "shapelint", "check", "--validate", "--format", "json",
                           *map(str, files)], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, timeout=300)
    assert proc.returncode == 1, proc.stderr
    entries = json.loads(proc.stdout)
    found = {(Path(d["filename"]).name, d["code"]): d["validation"] for d in entries if d["code"]}
    notes = [(d["filename"], d["message"].split(":")[0]) for d in entries if d["severity"] == "note"]
    assert notes == [(None, "validation sandbox")]   # how the run's builds were isolated, said once
    assert found[("shp203_shared_dense_bug.py", "SHP203")]["verdict"] == "confirmed"
    assert "expected axis -1" in found[("shp203_shared_dense_bug.py", "SHP203")]["keras_error"]
    custom = [v for (name, _), v in found.items() if name == "custom_layer_build_error.py"]
    assert [v["verdict"] for v in custom] == ["confirmed"]   # SHP901, unless the analyzer learns it
    assert os.listdir(tmp_path) == []


@pytest.mark.keras
def test_shp901_rule_page_example_fails_to_build_and_its_fix_builds(runner, tmp_path):
    page = (ROOT / "rules" / "SHP901.md").read_text()
    bad, good = re.findall(r"^```python\n(.*?)^```", page, re.S | re.M)[:2]
    for name, src, expected in (("bad.py", bad, {"SHP901"}), ("good.py", good, set())):
        path = tmp_path / name
        path.write_text(src)
        v = validate(path, runner, FileResult(str(path), (), ()))   # SHP901 is what statics miss
        assert {d.code for d in v.diagnostics} == expected, [(d.code, d.message) for d in v.diagnostics]
