"""The pre-commit hook, run for real: pre-commit installs shapelint from a local clone of
this checkout (its .pre-commit-hooks.yaml as users get it) into its own virtualenv, and a
commit of a project with a buggy notebook and an excluded file is blocked on the notebook's
finding, never on the excluded file; once the finding is fixed the commit goes through.

`language: python` is what users need (shapelint in an isolated virtualenv, nothing else of
theirs), so it is what is tested: pre-commit seeds the virtualenv offline, then pip installs
the clone and its dependencies (libcst, click, pathspec, setuptools to build) from the
package index pip is configured with. Marked slow: about 10 s.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

pytestmark = pytest.mark.slow

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}
HOOK_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "rules", "shapelint")


def git(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    bin_dir = str(Path(sys.executable).parent)         # pre-commit, from the test extra
    return {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), "SHAPELINT_NO_CACHE": "1"}


def hook_clone(tmp_path: Path, env: dict[str, str]) -> tuple[Path, str]:
    """A git repository holding this checkout's working tree, as a clone of it would."""
    repo = tmp_path / "shapelint-clone"
    repo.mkdir()
    for name in HOOK_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(source, repo / name)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "shapelint"]):
        assert git(*args, cwd=repo, env=env).returncode == 0
    return repo, git("rev-parse", "HEAD", cwd=repo, env=env).stdout.strip()


def test_the_hook_blocks_a_commit_on_a_notebook_finding_and_skips_excluded_files(tmp_path, env):
    hook, rev = hook_clone(tmp_path, env)
    project = tmp_path / "project"
    (project / "legacy").mkdir(parents=True)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook}\n    rev: {rev}\n    hooks:\n      - id: shapelint\n")
    (project / "pyproject.toml").write_text('[tool.shapelint]\nexclude = ["legacy/"]\n')
    (project / "legacy" / "old.py").write_text(
        "from keras import layers, Input\nc = layers.Add()([Input(shape=(3,)), Input(shape=(4,))])\n")
    (project / "train.py").write_text("import keras\nmodel = keras.Sequential([keras.layers.Dense(1)])\n")
    shutil.copy(FIXTURES / "notebooks" / "classifier_bug.ipynb", project / "model.ipynb")
    assert git("init", "-q", cwd=project, env=env).returncode == 0
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project, env=env,
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    git("add", "-A", cwd=project, env=env)

    blocked = git("commit", "-m", "a model", cwd=project, env=env)
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert "model.ipynb:cell 3:5:10: SHP101 Concatenate(axis=-1) needs equal sizes" in out
    assert "legacy/old.py" not in out                       # excluded, though pre-commit named it
    assert "Found 1 finding in 1 of 2 files checked." in out  # model.ipynb and train.py

    notebook = json.loads((project / "model.ipynb").read_text())
    notebook["cells"][2]["source"][3] = 'skip = layers.Conv2D(32, 1, strides=2, name="skip")(inputs)\n'
    notebook["cells"][2]["source"][4] = 'merged = layers.Concatenate(name="merge")([x, skip])'
    (project / "model.ipynb").write_text(json.dumps(notebook, indent=1) + "\n")
    git("add", "-A", cwd=project, env=env)
    committed = git("commit", "-m", "a model", cwd=project, env=env)
    assert committed.returncode == 0, committed.stdout + committed.stderr
    shown = committed.stdout + committed.stderr
    assert "shapelint" in shown and "Passed" in shown
