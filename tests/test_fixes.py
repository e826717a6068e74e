"""Fixes as users see and apply them: fix text that names real layers with arguments Keras
accepts (the eight fixes issue 14 found wrong), edits in JSON and SARIF, `check --diff`,
`--fix` and `--unsafe-fixes`, traces that name the calls and reach the cause. That the
changes build with TensorFlow is tests/keras/test_fixes_build.py's."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, ROOT, fixture_files, is_program, run_shapelint
from fix_variants import variants
from shapelint.autofix import fix_results
from shapelint.checker import check_source
from shapelint.findings import Diagnostic, Edit, FileResult, Position

BUGGY = FIXTURES / "buggy"

EIGHT = {
    "shp201_conv1d_unknown_length_bug.py":
        "Add the missing channel axis, e.g. Reshape((-1, 1)) or declare Input(shape=(None, 1)).",
    "shp301_bidirectional_return_sequences_bug.py":
        "Pass return_sequences=True to the LSTM that the Bidirectional at line 12 wraps: the "
        "Bidirectional returns the sequence when its layer does.",
    "shp102_add_context_to_sequence_bug.py":
        "Project the 32-feature input (None, 32) to 64 features before Add, e.g. Dense(64).",
    "shp102_resnet_projection_shortcut_bug.py":
        "Project the (None, 32, 32, 32) input to (None, 16, 16, 64) before Add with Conv2D(64, 1, "
        "strides=2) (the projection shortcut of ResNet: a 1x1 convolution with the stride of the "
        "other branch).",
    "shp201_dcgan_dense_to_conv_transpose_bug.py":
        "Reshape the 6272 values to the grid the Dense at line 10 writes them as (7 * 7 * 128) "
        "before Conv2DTranspose: Reshape((7, 7, 128)).",
    "shp201_conv1d_after_dense_bug.py": "Add the missing channel axis, e.g. Reshape((64, 1)).",
    "shp201_input_batch_axis_bug.py":
        "shape= holds the batch axis, which Keras adds itself: Input(shape=(28, 28, 1)) gives "
        "(None, 28, 28, 1). If the first axis is time, wrap the layer as "
        "TimeDistributed(Conv2D(32, (3, 3))) to apply it to every frame.",
    "shp101_unet_odd_pooling_bug.py":
        "The MaxPooling2D at line 19 divides 25 by 2 and rounds to 12, so no upsampling by 2 gives "
        "25 back: give the model an input whose sizes are multiples of 8 (96 or 104 instead of "
        "100), e.g. Input(shape=(96, 96, 3)). Or, for this call only (the code runs for other sizes "
        "too), make the shapes agree before concatenating: Cropping2D(((0, 1), (0, 1))) on the "
        "(None, 25, 25, 64) branch gives (24, 24); ZeroPadding2D(((0, 1), (0, 1))) on the (None, 24, "
        "24, 64) branch gives (25, 25); or Flatten() both branches and concatenate them on axis=-1.",
}


def _json(*args: str, cwd: Path = ROOT) -> list[dict]:
    run = run_shapelint("check", "--no-cache", "--output-format", "json", *args, cwd=cwd)
    return [e for e in json.loads(run.stdout) if e["code"]]


@pytest.mark.parametrize("name", sorted(EIGHT))
def test_the_eight_fixes_issue_14_found_wrong_are_right(name):
    [finding] = _json(str(BUGGY / name))
    assert finding["fix"]["message"] == EIGHT[name]


def test_every_fixed_and_correct_fixture_pair_exists():
    for name in EIGHT:
        assert (BUGGY / name).is_file()
    correct = {p.name for p in (FIXTURES / "correct").iterdir()}
    for name in ("shp201_conv1d_unknown_length_reshaped.py", "shp301_bidirectional_return_sequences.py",
                 "shp102_add_context_to_sequence.py", "shp102_resnet_projection_shortcut.py",
                 "shp201_dcgan_dense_reshaped.py", "shp201_conv1d_after_dense_reshaped.py",
                 "shp201_input_without_batch_axis.py", "shp101_unet_even_pooling.py"):
        assert name in correct


@pytest.mark.parametrize("path", [p for p in fixture_files() if "buggy" in p.parts and is_program(p)],
                         ids=lambda p: p.name)
def test_every_change_a_fix_proposes_is_quoted_in_its_text(path):
    for v in variants(path):
        assert v.change.code in v.fix, (v.change, v.fix)


def test_no_fix_holds_a_literal_ellipsis():
    findings = _json(*map(str, fixture_files()))        # one run over every fixture
    assert len({e["filename"] for e in findings}) > 50
    for e in findings:
        fix = (e["fix"] or {}).get("message") or ""
        assert "(...)" not in fix and ", ...)" not in fix and "[...]" not in fix, (e["filename"], fix)


def test_the_message_quotes_the_argument_as_written():
    source = "import keras\nn = (5)\nx = keras.Input(shape=n)\ny = keras.Input(shape=(7))\n"
    first, second = check_source(source, "m.py").diagnostics
    assert first.message.startswith("shape=n is the int 5, but Keras 3 requires a tuple.")
    assert first.fix == "Write shape=(n,) (note the trailing comma)."
    assert second.message.startswith("shape=(7) is the int 7, but Keras 3 requires a tuple: the "
                                     "parentheses of `(7)` alone make no tuple in Python.")
    assert [(e.content, e.location, e.end_location) for e in second.edits] == \
        [(",", Position(4, 25), Position(4, 25))]


def test_json_carries_ruff_edits_and_how_safe_they_are():
    [safe] = _json(str(BUGGY / "shp301_bidirectional_return_sequences_bug.py"))
    assert safe["fix"]["applicability"] == "safe"
    assert safe["fix"]["edits"] == [{"content": ", return_sequences=True",
                                     "location": {"row": 12, "column": 40},
                                     "end_location": {"row": 12, "column": 40}}]
    [guess] = _json(str(BUGGY / "shp201_input_batch_axis_bug.py"))
    assert guess["fix"]["applicability"] == "unsafe"       # None may be a time axis
    assert guess["fix"]["edits"] == [{"content": "", "location": {"row": 9, "column": 29},
                                      "end_location": {"row": 9, "column": 35}}]
    [words] = _json(str(BUGGY / "shp201_conv1d_after_dense_bug.py"))
    assert (words["fix"]["applicability"], words["fix"]["edits"]) == ("display-only", [])


def test_a_finding_in_a_helper_names_its_call_chain_and_its_trace_reaches_the_cause():
    unet = BUGGY.relative_to(ROOT) / "shp101_unet_odd_pooling_bug.py"
    run = run_shapelint("check", "--no-cache", str(unet))
    lines = run.stdout.splitlines()
    start = lines.index("  = in decoder_block(), called at line 35 from build_unet(), called at line 42")
    assert lines[start + 1:start + 10] == [
        "  = trace input 0: (None, 24, 24, 64)",
        "      line 23    Conv2DTranspose        -> (None, 24, 24, 64)",
        "      (1 step that keeps the shape: Conv2D)",
        "      line 13    Conv2D                 -> (None, 12, 12, 128)  in conv_block(), called at line 34 "
        "from build_unet(), called at line 42",
        "      line 19    MaxPooling2D           -> (None, 12, 12, 64)  25 / 2 rounded down to 12; in "
        "encoder_block(), called at line 32 in pass 3 of the loop at line 31 from build_unet(), called at "
        "line 42",
        "      (joins the history of input 1)",
        "  = trace input 1: (None, 25, 25, 64)",
        "      line 14    Conv2D                 -> (None, 25, 25, 64)  in conv_block(), called at line 18 "
        "from encoder_block(), called at line 32 in pass 3 of the loop at line 31 from build_unet(), "
        "called at line 42",
        "      (joins the history of input 0)",
    ]


def test_json_and_sarif_carry_the_same_chain():
    [finding] = _json(str(BUGGY / "shp101_unet_odd_pooling_bug.py"))
    assert [(f["kind"], f["name"], f["row"]) for f in finding["chain"]] == \
        [("call", "decoder_block", 35), ("call", "build_unet", 42)]
    pooling = finding["trace"][0]["steps"][2]
    assert (pooling["layer"], pooling["note"]) == ("MaxPooling2D", "25 / 2 rounded down to 12")
    assert [(f["kind"], f["name"], f["row"], f["index"]) for f in pooling["chain"]] == \
        [("call", "encoder_block", 32, 0), ("loop", "", 31, 3), ("call", "build_unet", 42, 0)]
    assert (finding["trace"][0]["joins"], finding["trace"][1]["joins"]) == ("input 1", "input 0")
    run = run_shapelint("check", "--no-cache", "--output-format", "sarif",
                        str(BUGGY / "shp101_unet_odd_pooling_bug.py"))
    sarif = json.loads(run.stdout)
    schema = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(sarif, schema)
    [result] = sarif["runs"][0]["results"]
    threads = result["codeFlows"][0]["threadFlows"]
    assert [t["message"]["text"] for t in threads] == ["input 0: (None, 24, 24, 64)",
                                                        "input 1: (None, 25, 25, 64)"]
    first = threads[0]["locations"][0]     # the oldest step: the pooling of the odd size
    assert first["location"]["message"]["text"] == \
        "MaxPooling2D -> (None, 12, 12, 64) (25 / 2 rounded down to 12)"
    assert [f["location"]["message"]["text"] for f in first["stack"]["frames"]] == \
        ["encoder_block() called here", "pass 3 of this loop", "build_unet() called here"]
    frames = result["stacks"][0]["frames"]
    assert [f["location"]["physicalLocation"]["region"]["startLine"] for f in frames] == [35, 42]


def test_sarif_carries_the_edits_as_fixes():
    run = run_shapelint("check", "--no-cache", "--output-format", "sarif",
                        str(BUGGY.relative_to(ROOT) / "shp202_keras_input_int_bug.py"))
    sarif = json.loads(run.stdout)
    jsonschema.validate(sarif, json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0.json").read_text()))
    [result] = sarif["runs"][0]["results"]
    assert result["fixes"] == [{
        "description": {"text": "Write shape=(784,) (note the trailing comma). (safe fix)"},
        "artifactChanges": [{
            "artifactLocation": {"uri": "fixtures/buggy/shp202_keras_input_int_bug.py",
                                 "uriBaseId": "%SRCROOT%"},
            "replacements": [
                {"deletedRegion": {"startLine": 7, "startColumn": 28, "endLine": 7, "endColumn": 31},
                 "insertedContent": {"text": "(784,)"}}],
        }],
    }]


@pytest.fixture
def project(tmp_path):
    for name in ("shp202_keras_input_int_bug.py", "shp201_input_batch_axis_bug.py",
                 "shp201_conv1d_after_dense_bug.py"):
        shutil.copy(BUGGY / name, tmp_path / name)
    return tmp_path


def test_diff_shows_the_safe_fixes_and_writes_nothing(project):
    before = {p.name: p.read_bytes() for p in project.iterdir()}
    run = run_shapelint("check", "--no-cache", "--diff", ".", cwd=project)
    assert run.returncode == 1
    assert run.stdout == (
        "--- shp202_keras_input_int_bug.py\n"
        "+++ shp202_keras_input_int_bug.py\n"
        "@@ -4,7 +4,7 @@\n"
        ' """\n'
        " import keras\n"
        " \n"
        "-inputs = keras.Input(shape=784)  # expect: SHP202\n"
        "+inputs = keras.Input(shape=(784,))  # expect: SHP202\n"
        ' x = keras.layers.Dense(128, activation="relu")(inputs)\n'
        ' outputs = keras.layers.Dense(10, activation="softmax")(x)\n'
        " \n")
    assert run.stderr == "Would fix 1 finding in 1 file (1 more with --unsafe-fixes).\n"
    assert {p.name: p.read_bytes() for p in project.iterdir()} == before


def test_fix_writes_the_safe_fixes_and_reports_what_is_left(project):
    run = run_shapelint("check", "--no-cache", "--fix", "--output-format", "concise", ".", cwd=project)
    assert run.stderr == "Fixed 1 finding in 1 file (1 more with --unsafe-fixes).\n"
    assert [line.split(": ", 1)[0] for line in run.stdout.splitlines()[:2]] == [
        "shp201_conv1d_after_dense_bug.py:12:5", "shp201_input_batch_axis_bug.py:10:5"]
    assert run.returncode == 1
    assert "inputs = keras.Input(shape=(784,))  # expect: SHP202\n" in \
        (project / "shp202_keras_input_int_bug.py").read_text()
    assert "shape=(None, 28, 28, 1)" in (project / "shp201_input_batch_axis_bug.py").read_text()
    unsafe = run_shapelint("check", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=project)
    assert unsafe.stderr == "Fixed 1 finding in 1 file.\n"
    fixed = (project / "shp201_input_batch_axis_bug.py").read_text()
    assert "images = keras.Input(shape=(28, 28, 1))\n" in fixed


def test_fix_never_changes_a_correct_fixture(tmp_path):
    shutil.copytree(FIXTURES / "correct", tmp_path / "correct")
    before = {p: p.read_bytes() for p in (tmp_path / "correct").rglob("*.py")}
    run = run_shapelint("check", "--no-cache", "--fix", "--unsafe-fixes", str(tmp_path / "correct"))
    assert run.stderr.startswith("Fixed 0 findings.")
    assert {p: p.read_bytes() for p in (tmp_path / "correct").rglob("*.py")} == before


def test_edits_that_would_not_parse_are_never_written(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("x = 1\n")
    broken = Diagnostic(str(path), "SHP202", "int-shape-argument", "error", "m", Position(1, 1),
                        Position(1, 2), edits=(Edit("(", Position(1, 5), Position(1, 6)),),
                        applicability="safe")
    outcome = fix_results([FileResult(str(path), (broken,), ("x = 1",))], unsafe=False, write=True,
                          recheck=lambda _: lambda source: check_source(source.text, source.path))
    assert (outcome.fixed, path.read_text()) == (0, "x = 1\n")


def test_a_file_changed_since_it_was_checked_is_left_alone(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("import keras\nx = keras.Input(shape=(5))\n")
    [d] = check_source(path.read_text(), str(path)).diagnostics
    path.write_text("import keras\nx = keras.Input(shape=(6))\n")
    outcome = fix_results([FileResult(str(path), (d,), ("import keras", "x = keras.Input(shape=(5))"))],
                          unsafe=False, write=True,
                          recheck=lambda _: lambda source: check_source(source.text, source.path))
    assert outcome.skipped == [f"{path}: changed since it was checked"]
    assert path.read_text() == "import keras\nx = keras.Input(shape=(6))\n"


def test_a_notebook_is_fixed_inside_its_cell(tmp_path):
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": ["%matplotlib inline\n", "import keras\n",
                         "x = keras.Input(name=\"say \\\"hi\\\"\", shape=(5))"]}]
    notebook = {"cells": cells, "metadata": {"language_info": {"name": "python"}}, "nbformat": 4,
                "nbformat_minor": 5}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook, indent=1))
    run = run_shapelint("check", "--no-cache", "--fix", "nb.ipynb", cwd=tmp_path)
    assert run.stderr == "Fixed 1 finding in 1 file.\n", run.stdout
    fixed = json.loads(path.read_text())
    assert fixed["cells"][0]["source"] == ["%matplotlib inline\n", "import keras\n",
                                           "x = keras.Input(name=\"say \\\"hi\\\"\", shape=(5,))"]
