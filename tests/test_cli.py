"""The CLI contract users rely on: exit codes, formats, selection, stdin, version."""
from __future__ import annotations

import json

from click.testing import CliRunner

from shapelint import __version__
from shapelint.cli import main

BUGGY = (
    "from keras import layers, Input\n"
    "a = Input(shape=(3,))\n"
    "b = Input(shape=(4,))\n"
    "c = layers.Add()([a, b])\n"
    "d = layers.Reshape((7, 7))(b)\n"
)
CLEAN = "from keras import layers, Input\na = Input(shape=(3,))\nb = layers.Dense(4)(a)\n"


def run(args, stdin=None):
    return CliRunner().invoke(main, args, input=stdin)


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_exit_codes(tmp_path):
    assert run(["check", write(tmp_path, "clean.py", CLEAN)]).exit_code == 0
    assert run(["check", write(tmp_path, "bug.py", BUGGY)]).exit_code == 1
    assert run(["check", "--format", "nope", "x.py"]).exit_code == 2
    assert run(["check", "--select", "NOPE999", "x.py"]).exit_code == 2
    assert run(["check", "--exit-zero", write(tmp_path, "bug2.py", BUGGY)]).exit_code == 0


def test_full_output_is_clickable_and_teaches(tmp_path):
    path = write(tmp_path, "bug.py", BUGGY)
    out = run(["check", path]).output
    assert f"{path}:4:5: SHP102 " in out
    assert "(None, 3) and (None, 4)" in out
    assert "c = layers.Add()([a, b])" in out and "^^^^" in out
    assert "= trace" in out and "line 2" in out and "Input" in out
    assert "= fix" in out and "Dense(4)" in out
    assert "Found 2 findings" in out


def test_concise_output(tmp_path):
    path = write(tmp_path, "bug.py", BUGGY)
    lines = run(["check", "--format", "concise", path]).output.splitlines()
    assert lines[0].startswith(f"{path}:4:5: SHP102 ")
    assert lines[1].startswith(f"{path}:5:5: SHP401 ")


def test_json_uses_ruff_field_names(tmp_path):
    path = write(tmp_path, "bug.py", BUGGY)
    data = json.loads(run(["check", "--format", "json", path]).output)
    first = data[0]
    for key in ("filename", "code", "message", "location", "end_location", "url", "fix",
                "name", "severity", "trace"):
        assert key in first
    assert first["location"] == {"row": 4, "column": 5}
    assert first["end_location"]["row"] == 4 and first["end_location"]["column"] > 5
    assert first["name"] == "elementwise-shape-mismatch" and first["severity"] == "error"
    assert first["trace"][0]["steps"][0]["row"] == 2
    assert "Dense(4)" in first["fix"]["message"]


def test_select_and_ignore_take_codes_names_and_prefixes(tmp_path):
    path = write(tmp_path, "bug.py", BUGGY)

    def found(*args):
        return {d["code"] for d in json.loads(run(["check", "--format", "json", *args, path]).output)}

    assert found() == {"SHP102", "SHP401"}
    assert found("--select", "SHP401") == {"SHP401"}
    assert found("--select", "reshape-size-mismatch") == {"SHP401"}
    assert found("--select", "SHP1") == {"SHP102"}
    assert found("--ignore", "elementwise-shape-mismatch") == {"SHP401"}


def test_stdin():
    res = run(["check", "--format", "concise", "-"], stdin=BUGGY)
    assert res.exit_code == 1 and res.output.startswith("-:4:5: SHP102")
    res = run(["check", "--format", "concise", "--stdin-filename", "model.py", "-"], stdin=BUGGY)
    assert res.output.startswith("model.py:4:5: SHP102")


def test_missing_path_is_reported_and_run_continues(tmp_path):
    good = write(tmp_path, "clean.py", CLEAN)
    res = run(["check", "--format", "concise", str(tmp_path / "nope.py"), good])
    assert res.exit_code == 1
    assert "nope.py:1:1: SHP002" in res.output


def test_directories_recurse_into_python_files_only(tmp_path):
    (tmp_path / "pkg").mkdir()
    write(tmp_path / "pkg", "m.py", BUGGY)
    write(tmp_path / "pkg", "notes.txt", BUGGY)
    (tmp_path / ".venv").mkdir()
    write(tmp_path / ".venv", "lib.py", BUGGY)
    data = json.loads(run(["check", "--format", "json", str(tmp_path)]).output)
    assert {d["filename"].split("/")[-1] for d in data} == {"m.py"}


def test_suppressions(tmp_path):
    text = BUGGY.replace("([a, b])\n", "([a, b])  # noqa: SHP102\n").replace(
        "(b)\n", "(b)  # shapelint: ignore[reshape-size-mismatch]\n")
    assert run(["check", write(tmp_path, "s.py", text)]).exit_code == 0
    bare = BUGGY.replace("([a, b])\n", "([a, b])  # noqa\n")
    assert "SHP102" in run(["check", "--format", "concise", write(tmp_path, "b.py", bare)]).output


def test_version():
    res = run(["--version"])
    assert res.exit_code == 0 and __version__ in res.output


def test_non_keras_file_is_clean(tmp_path):
    path = write(tmp_path, "plain.py", "import numpy as np\nx = np.zeros((3, 4)) + np.ones((5,))\n")
    res = run(["check", path])
    assert res.exit_code == 0 and "All checks passed" in res.output


def test_fix_for_sequences_of_different_lengths_names_the_amounts(tmp_path):
    path = write(tmp_path, "seq.py", (
        "import keras\nfrom keras import layers\n"
        "a = keras.Input(shape=(10, 8))\n"
        "b = keras.Input(shape=(12, 8))\n"
        "c = layers.Add()([a, b])\n"
    ))
    data = json.loads(run(["check", "--format", "json", path]).output)
    fix = data[0]["fix"]["message"]
    assert "10 vs 12 steps" in fix and "Cropping1D((0, 2))" in fix and "ZeroPadding1D((0, 2))" in fix
