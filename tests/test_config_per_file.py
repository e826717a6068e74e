"""Configuration per file, as ruff resolves it, on a monorepo (tests/data/monorepo): the
closest configuration above each file applies, `extend` inherits, `--config` and
`--isolated` override, `--show-settings` and `--show-files` say what applies, `fail-on`
decides the exit code. Driven through the real CLI, from the root as pre-commit runs it."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_shapelint
from shapelint import config

MONOREPO = ROOT / "tests" / "data" / "monorepo"


@pytest.fixture
def repo(tmp_path) -> Path:
    shutil.copytree(MONOREPO, tmp_path / "repo")
    return tmp_path / "repo"


def found(run) -> list[tuple[str, str]]:
    """(file, code) of each finding in concise output."""
    assert run.returncode in (0, 1), run.stderr
    return [(line.split(":")[0], line.split(": ")[1].split()[0]) for line in run.stdout.splitlines()
            if ": SHP" in line]


EVERY_SUBPROJECT = [
    ("services/text/rnn.py", "SHP301"),          # its shapelint.toml: only SHP3, Keras 2
    ("services/vision/model.py", "SHP102"),      # extends the root, ignores SHP401
    ("tools/siamese.py", "SHP501"),              # the root's settings
    ("tools/train.py", "SHP102"),
    ("tools/train.py", "SHP401"),
]


def test_each_file_gets_the_closest_configuration(repo):
    run = run_shapelint("check", "--output-format", "concise", ".", cwd=repo)
    assert found(run) == EVERY_SUBPROJECT
    assert run.stdout.splitlines()[-2:] == ["Found 5 findings in 4 of 5 files checked.",
                                            "[*] 1 fixable with the `--fix` option."]
    assert run.returncode == 1


def test_the_same_from_a_subproject_and_from_outside(repo):
    from_inside = run_shapelint("check", "--output-format", "concise", "../..",
                                cwd=repo / "services" / "vision")
    assert found(from_inside) == [("../../" + f, c) for f, c in EVERY_SUBPROJECT]
    from_outside = run_shapelint("check", "--output-format", "concise", "repo", cwd=repo.parent)
    assert found(from_outside) == [("repo/" + f, c) for f, c in EVERY_SUBPROJECT]


def test_pre_commit_style_named_files_honour_each_subprojects_excludes(repo):
    named = ["services/vision/legacy/old.py", "generated/gen.py", "services/vision/experiments_sweep.py",
             "tools/train.py"]
    run = run_shapelint("check", "--output-format", "concise", "--force-exclude", *named, cwd=repo)
    assert found(run) == [("tools/train.py", "SHP102"), ("tools/train.py", "SHP401")]
    assert run.stdout.splitlines()[-1] == "Found 2 findings in 1 of 2 files checked."
    without = run_shapelint("check", "--output-format", "concise", *named, cwd=repo)
    assert ("services/vision/legacy/old.py", "SHP102") in found(without)    # named files are checked


def test_config_overrides_every_file_and_isolated_ignores_them_all(repo):
    root_only = found(run_shapelint("check", "--output-format", "concise", "--config", "pyproject.toml", ".",
                                    cwd=repo))
    assert ("services/vision/model.py", "SHP401") in root_only             # vision's ignore is gone
    assert ("services/vision/legacy/old.py", "SHP102") in root_only        # and its exclude
    assert not any(f.startswith("generated/") for f, _ in root_only)       # the root's exclude holds
    isolated = found(run_shapelint("check", "--output-format", "concise", "--isolated", ".", cwd=repo))
    assert ("generated/gen.py", "SHP102") in isolated
    assert ("services/text/rnn.py", "SHP202") in isolated                  # Keras 3 rules everywhere


def test_fail_on_error_shows_warnings_but_exits_zero(repo):
    run = run_shapelint("check", "--output-format", "concise", "tools/siamese.py", cwd=repo)
    assert found(run) == [("tools/siamese.py", "SHP501")] and run.returncode == 0
    strict = run_shapelint("check", "--output-format", "concise", "--fail-on", "warning", "tools/siamese.py",
                           cwd=repo)
    assert strict.returncode == 1


def test_show_settings_says_what_applies_to_a_file(repo):
    run = run_shapelint("check", "--show-settings", "services/vision/experiments_sweep.py", cwd=repo)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "Settings for services/vision/experiments_sweep.py"
    assert lines[1] == f"  config file:      {repo}/services/vision/pyproject.toml <- {repo}/pyproject.toml"
    assert "SHP401" not in lines[2] and "SHP102" in lines[2]
    assert lines[3:9] == [
        "  per-file-ignores: SHP102",
        "  include:          *.py, *.ipynb",
        f"  exclude:          {repo}/services/vision: legacy/",
        "  excluded:         no",
        "  target-keras:     3",
        "  fail-on:          error",
    ]
    text = run_shapelint("check", "--show-settings", "services/text/rnn.py", cwd=repo).stdout.splitlines()
    assert text[2] == "  enabled rules:    SHP301" and text[7] == "  target-keras:     2"


def test_show_files_lists_what_a_run_checks(repo):
    run = run_shapelint("check", "--show-files", ".", cwd=repo)
    assert run.stdout.split() == ["services/text/rnn.py", "services/vision/experiments_sweep.py",
                                  "services/vision/model.py", "tools/siamese.py", "tools/train.py"]


def test_extend_cycles_and_missing_files_are_errors(repo):
    (repo / "tools" / "shapelint.toml").write_text('extend = "../services/text/shapelint.toml"\n')
    (repo / "services" / "text" / "shapelint.toml").write_text('extend = "../../tools/shapelint.toml"\n')
    run = run_shapelint("check", "tools", cwd=repo)
    assert run.returncode == 2 and "extend: a cycle: " in run.stderr
    (repo / "tools" / "shapelint.toml").write_text('extend = "nope.toml"\n')
    run = run_shapelint("check", "tools", cwd=repo)
    assert run.returncode == 2 and f"extend: no such file {repo}/tools/nope.toml" in run.stderr


def test_a_dot_shapelint_toml_wins_in_its_directory(repo):
    (repo / "tools" / ".shapelint.toml").write_text('select = ["SHP401"]\n')
    (repo / "tools" / "shapelint.toml").write_text('select = ["SHP102"]\n')
    assert found(run_shapelint("check", "--output-format", "concise", "tools", cwd=repo)) == \
        [("tools/train.py", "SHP401")]


@pytest.mark.parametrize(("select", "ignore", "enabled"), [
    (["SHP101"], ["SHP1"], {"SHP101"}),                  # the more specific selector wins
    (["SHP1"], ["SHP101"], {"SHP102", "SHP103", "SHP104", "SHP105"}),
    (["ALL"], ["SHP1", "SHP2"], None),
])
def test_selection_specificity_as_ruff(tmp_path, select, ignore, enabled):
    layer = config.parse_options({"select": select, "ignore": ignore}, "test", tmp_path)
    codes = config.Config().extended_by(layer).codes
    if enabled is None:
        assert not any(c.startswith(("SHP1", "SHP2")) for c in codes) and "SHP301" in codes
    else:
        assert codes == enabled


def test_layers_apply_in_order_select_replaces_extend_select_adds(tmp_path):
    base = config.Config().extended_by(config.parse_options({"select": ["SHP1"], "ignore": ["SHP102"]}, "f",
                                                            tmp_path))
    assert base.extended_by(config.parse_options({"extend-select": ["SHP401"]}, "cli", tmp_path)).codes == \
        {"SHP101", "SHP103", "SHP104", "SHP105", "SHP401"}
    assert base.extended_by(config.parse_options({"select": ["SHP4"]}, "cli", tmp_path)).codes == \
        {"SHP401", "SHP402"}


def test_a_subproject_excluded_above_stays_excluded(repo):
    """A directory is judged by the settings above it: its own file cannot undo the exclude."""
    (repo / "pyproject.toml").write_text('[tool.shapelint]\nexclude = ["generated/", "services/vision/"]\n')
    run = run_shapelint("check", "--output-format", "concise", ".", cwd=repo)
    assert not any(f.startswith("services/vision/") for f, _ in found(run))
    assert ("services/text/rnn.py", "SHP301") in found(run)
