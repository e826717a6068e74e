"""The keras lane (tests/keras_lane.py): tests/keras/ only with TensorFlow, and a session
without keras tests that loads TensorFlow fails, naming who loaded it."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT
from keras_lane import GUARD

TESTS = ROOT / "tests"
HIDE_FRAMEWORKS = "import sys; sys.modules.update(dict.fromkeys(('tensorflow', 'keras', 'tf_keras')))"


def run_pytest(*args: str, cwd=ROOT, prelude: str = "") -> subprocess.CompletedProcess:
    code = f"{prelude}\nimport sys, pytest\nsys.exit(pytest.main(sys.argv[1:]))"
    path = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-c", code, "-p", "no:cacheprovider", "-n0", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300,
                          env={**os.environ, "PYTHONPATH": path})


def fake_tensorflow_session(tmp_path, mark: str) -> subprocess.CompletedProcess:
    (tmp_path / "tensorflow.py").write_text("")
    (tmp_path / "test_uses_tf.py").write_text(
        f"import pytest\n\n{mark}\ndef test_builds():\n    import tensorflow\n")
    return run_pytest("-p", "keras_lane", "-q", str(tmp_path), cwd=tmp_path)


def test_a_session_without_keras_tests_that_loads_tensorflow_fails(tmp_path):
    proc = fake_tensorflow_session(tmp_path, mark="")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ("tensorflow loaded in a session without keras tests, first by test_uses_tf.py::test_builds: "
            "code that needs TensorFlow belongs in tests/keras/") in proc.stdout
    assert "1 passed" in proc.stdout


def test_a_keras_test_may_load_tensorflow(tmp_path):
    proc = fake_tensorflow_session(tmp_path, mark="@pytest.mark.keras")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "TensorFlow in the non-keras lane" not in proc.stdout


def test_without_tensorflow_the_keras_suites_are_not_collected():
    proc = run_pytest("--collect-only", "-q", "tests/keras", prelude=HIDE_FRAMEWORKS)
    assert proc.returncode == pytest.ExitCode.NO_TESTS_COLLECTED, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "no tests collected" in proc.stdout and "error" not in proc.stdout


def test_the_non_keras_lane_collects_without_loading_tensorflow(request):
    config = request.config
    if config.stash[GUARD].active and config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        pytest.skip("this session is the whole non-keras lane: its own guard checks this and more")
    proc = run_pytest("-m", "not keras", "--collect-only", "-q", "--snapshot-warn-unused")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "tests/keras/" not in proc.stdout
