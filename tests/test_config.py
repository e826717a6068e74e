"""Configuration as ruff users expect it: [tool.shapelint], excludes, .gitignore, errors."""
from __future__ import annotations

import json
import os

from click.testing import CliRunner

from shapelint.cli import main

BUGGY = (
    "from keras import layers, Input\n"
    "a = Input(shape=(3,))\n"
    "b = Input(shape=(4,))\n"
    "c = layers.Add()([a, b])\n"
    "d = layers.Reshape((7, 7))(b)\n"
    "e = Input(shape=5)\n"
)


def run_in(tmp_path, *args):
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        return CliRunner().invoke(main, ["check", "--format", "json", *args])
    finally:
        os.chdir(cwd)


def codes(res):
    assert res.exit_code in (0, 1), res.output
    return sorted({(d["filename"], d["code"]) for d in json.loads(res.output)})


def project(tmp_path, table):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.shapelint]\n" + table)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "net.py").write_text(BUGGY)
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.py").write_text(BUGGY)


def test_select_ignore_and_excludes_from_pyproject(tmp_path):
    project(tmp_path, 'select = ["SHP1", "reshape-size-mismatch"]\nignore = ["SHP102"]\n'
                      'exclude = ["legacy/"]\n')
    assert codes(run_in(tmp_path, ".")) == [("models/net.py", "SHP401")]


def test_command_line_overrides_config(tmp_path):
    project(tmp_path, 'select = ["SHP401"]\n')
    assert codes(run_in(tmp_path, "--select", "SHP202", "models")) == [("models/net.py", "SHP202")]


def test_per_file_ignores_and_target_keras(tmp_path):
    project(tmp_path, 'target-keras = 2\n[tool.shapelint.per-file-ignores]\n"legacy/*.py" = ["SHP1"]\n')
    found = codes(run_in(tmp_path, "."))
    assert ("legacy/old.py", "SHP102") not in found and ("legacy/old.py", "SHP401") in found
    assert not any(code == "SHP202" for _, code in found)   # Keras 2 accepts Input(shape=5)


def test_named_files_are_checked_unless_force_exclude(tmp_path):
    project(tmp_path, 'exclude = ["legacy"]\n')
    assert ("legacy/old.py", "SHP401") in codes(run_in(tmp_path, "legacy/old.py"))
    res = run_in(tmp_path, "--force-exclude", "legacy/old.py")
    assert res.exit_code == 0 and json.loads(res.output) == []


def test_gitignored_files_are_skipped_in_directories(tmp_path):
    project(tmp_path, "")
    (tmp_path / ".gitignore").write_text("legacy/\n*_generated.py\n")
    (tmp_path / "models" / "x_generated.py").write_text(BUGGY)
    assert {f for f, _ in codes(run_in(tmp_path, "."))} == {"models/net.py"}


def test_unknown_key_is_an_error_with_a_suggestion(tmp_path):
    project(tmp_path, 'selct = ["SHP101"]\n')
    res = run_in(tmp_path, ".")
    assert res.exit_code == 2
    assert "unknown key 'selct'" in res.output and "did you mean 'select'" in res.output


def test_unknown_rule_in_config_is_an_error(tmp_path):
    project(tmp_path, 'ignore = ["reshape-size-mismatc"]\n')
    res = run_in(tmp_path, ".")
    assert res.exit_code == 2 and "did you mean 'reshape-size-mismatch'" in res.output


def test_shapelint_toml_and_explicit_config(tmp_path):
    project(tmp_path, "")
    (tmp_path / "shapelint.toml").write_text('select = ["SHP202"]\n')
    assert {c for _, c in codes(run_in(tmp_path, "models"))} == {"SHP202"}
    (tmp_path / "other.toml").write_text('select = ["SHP401"]\n')
    assert {c for _, c in codes(run_in(tmp_path, "--config", "other.toml", "models"))} == {"SHP401"}


def test_parallel_run_gives_the_same_findings(tmp_path):
    for i in range(20):
        (tmp_path / f"m{i}.py").write_text(BUGGY)
    serial = codes(run_in(tmp_path, "-j", "1", "."))
    parallel = codes(run_in(tmp_path, "-j", "2", "."))
    assert serial == parallel and len(serial) == 60
