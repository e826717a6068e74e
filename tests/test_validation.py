"""`check --validate`: the build program, the worker, verdicts and shape agreement.

Tests marked ``keras`` build models with TensorFlow (one shared worker for most of
them) and are skipped where TensorFlow is not installed.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, ROOT, expectations
from shapelint.checker import check_file
from shapelint.findings import Diagnostic, FileResult, Position, TraceEntry
from shapelint.registry import BY_CODE
from shapelint.shapes import Shape
from shapelint.validation import INSTALL_HINT, policy, tensorflow_missing
from shapelint.validation.agreement import compare, matched_places, shape_differs
from shapelint.validation.program import UNVERIFIABLE, build_program
from shapelint.validation.runner import BuildOutcome
from shapelint.validation.static_facts import StaticCall, collect
from shapelint.validation.validate import finish, prepare
from shapelint.validation.verdicts import BUILD_ERROR, core_message, judge

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
    changed = {s.start for s in program.removed + program.unverifiable}
    changed |= {row for row, _, _ in program.substituted}
    spans = program.removed + program.unverifiable
    for row, (a, b) in enumerate(zip(old, new), start=1):
        if a != b:
            assert row in changed or any(s.covers(row) for s in spans), (row, a, b)
    compile(program.text, str(path), "exec")


def test_build_program_leaves_out_training_data_io_and_plots():
    path = VALIDATION / "trains_downloads_writes.py"
    _, program = _program(path)
    kept = program.text
    for gone in (".fit(", ".evaluate(", ".predict(", ".save(", ".save_weights(", ".compile(", ".summary(",
                 "print(", "open(", "get_file(", "urlopen(", "np.load(", "np.save(", "os.makedirs(",
                 "plt.", "import matplotlib", "import urllib"):
        assert gone not in kept, gone
    for line in ("inputs = keras.Input(shape=(N_FEATURES,))", "model = keras.Model(inputs, outputs)",
                 'x = layers.Dense(64, activation="relu")(inputs)'):
        assert line in kept.splitlines()
    reasons = " ".join(s.reason for s in program.removed)
    assert "training" in reasons and "network access" in reasons and "writing files" in reasons


def test_data_value_known_statically_is_substituted():
    path = VALIDATION / "data_substituted.py"
    _, program = _program(path)
    row = _line_of(path, "keras.Input(")
    assert (row, "(max_len,)", "((40,))") in program.substituted   # the largest known expression
    assert program.text.splitlines()[row - 1] == "inputs = keras.Input(shape=((40,)))"
    assert not program.unverifiable


def test_data_value_unknown_statically_marks_the_statement_unverifiable():
    path = VALIDATION / "data_unverifiable.py"
    _, program = _program(path)
    row = _line_of(path, "validate: unverifiable")
    [span] = program.unverifiable
    assert span.start == row and "X.shape[1:]" in span.reason
    assert program.text.splitlines()[row - 1].startswith(f"raise {UNVERIFIABLE}(")
    assert program.removed_at(_line_of(path, "np.load(")) is not None


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


# --- verdicts and agreement on synthetic outcomes (no TensorFlow needed) ---------------------
def _diag(code="SHP201", row=5, end_row=None, severity="error") -> Diagnostic:
    rule = BY_CODE.get(code)
    return Diagnostic("m.py", code, rule.name if rule else code, severity, "static claim",
                      Position(row, 5), Position(end_row or row, 20),
                      trace=(TraceEntry("input", "(None, 30)", ()),))


def _judge(diags, outcome, program=None, suppressed=lambda code, row: False):
    return judge(FileResult("m.py", tuple(diags)), program, outcome, suppressed)


def _error(row, kind="build", message="Input 0 of layer 'lstm' is incompatible"):
    return {"type": "ValueError", "message": message, "kind": kind, "row": row, "col": 4,
            "end_row": row, "end_col": 20, "in_framework": kind == "build", "user_rows": [row]}


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
    data = _judge([_diag(row=9)],
                  BuildOutcome("raised", error=_error(3, "unverifiable", "line 3: `X` depends on data")))
    assert "depends on data" in data.kept[0].validation.reason and not data.added
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


def _python_without_tensorflow():
    for name in ("python3", "python"):
        exe = shutil.which(name)
        if not exe:
            continue
        probe = subprocess.run([exe, "-c", "import importlib.util as u, shapelint;"
                                "print(u.find_spec('tensorflow') is None)"], capture_output=True, text=True)
        if probe.stdout.strip() == "True":
            return exe
    return None


def test_validate_with_a_python_that_has_no_tensorflow():
    exe = _python_without_tensorflow()
    if exe is None:
        pytest.skip("no Python without TensorFlow (and with shapelint) on PATH")
    proc = subprocess.run([exe, "-m", "shapelint", "check", "--validate", str(FIXTURES / "buggy")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and INSTALL_HINT in proc.stderr
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
    job.outcome = runner.build(job.program)
    return finish(job, result, lambda code, p: True)


@pytest.mark.keras
@pytest.mark.parametrize("path", BUGGY, ids=lambda p: p.name)
def test_buggy_fixture_findings_are_confirmed(path, runner):
    v = validate(path, runner)
    assert v.outcome.status in ("raised", "built"), v.outcome
    assert not v.withdrawn, [d.validation for d in v.withdrawn]
    assert not [d for d in v.diagnostics if d.code == BUILD_ERROR], "Keras raised where shapelint saw nothing"
    errors = [d for d in v.diagnostics if d.severity == "error"]
    for d in errors:
        assert d.validation.verdict == "confirmed" or "stopped before this line" in d.validation.reason, \
            (d.code, d.location.row, d.validation)
    if errors:   # the bug makes Keras raise: it is the first error the build meets
        assert v.outcome.status == "raised" and v.outcome.error["kind"] == "build"
        assert any(d.validation.verdict == "confirmed" for d in errors)
        confirmed = {(d.location.row, d.code) for d in errors if d.validation.verdict == "confirmed"}
        assert confirmed <= expectations(path)
    assert not v.disagreements, v.disagreements
    if v.outcome.status == "built":   # only warnings: their parameter claims are counted
        for d in v.diagnostics:
            if d.claims is not None:
                assert d.validation.verdict == "confirmed", (d.code, d.validation)


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
    job.outcome = runner.build(job.program)
    v = finish(job, result, lambda code, p: True)
    assert v.outcome.status == "built", v.outcome.error
    assert not v.diagnostics and not v.withdrawn
    assert not v.disagreements, v.disagreements
    assert not [n for n in v.notes if n.startswith("validation:")]   # only "validation sandbox: ..."
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
    [d] = unv.diagnostics
    assert d.validation.verdict == "unverified" and "depends on data" in d.validation.reason


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
    notes = {(Path(d["filename"]).name, d["message"].split(":")[0])
             for d in entries if d["severity"] == "note"}
    assert notes == {(Path(f).name, "validation sandbox") for f in files}   # how each build was isolated
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
