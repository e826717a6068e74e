"""The fixtures' expectations come from Keras, not from shapelint: every buggy fixture
raises in real Keras exactly on its `# expect:` line (or, for warnings, builds), and
every correct fixture builds. Runs tests/keras/keras_truth.py, one subprocess per fixture."""
from __future__ import annotations

import os
import subprocess
import sys

from conftest import FIXTURES, ROOT


def test_every_fixture_agrees_with_keras():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "keras" / "keras_truth.py"), "-j", "2",
         str(FIXTURES / "buggy"), str(FIXTURES / "correct")],
        capture_output=True, text=True, cwd=ROOT, timeout=1500,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""},
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert "0 mismatch" in proc.stdout
