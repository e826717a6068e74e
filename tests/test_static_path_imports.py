"""Linting never imports TensorFlow, Keras or the data libraries (NumPy, pandas,
scikit-learn): poisoned stand-ins sit first on the path."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT

POISON = ROOT / "tests" / "poison"
POISONED = ("tensorflow", "keras", "tf_keras", "numpy", "pandas", "sklearn")


def test_cli_never_imports_tensorflow_or_keras():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(POISON), str(ROOT)])}
    proc = subprocess.run(
        [sys.executable, "-m", "shapelint", "check", "--format", "concise", str(FIXTURES)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )
    assert "imported" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stdout + proc.stderr   # buggy fixtures have findings
    assert "SHP" in proc.stdout


@pytest.mark.parametrize("module", POISONED)
def test_poison_is_effective(module):
    env = {**os.environ, "PYTHONPATH": str(POISON)}
    proc = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                          text=True, env=env)
    assert proc.returncode != 0 and f"shapelint imported {module} on the static path" in proc.stderr


def test_in_process_check_loads_no_framework():
    code = (
        "import sys; from shapelint.checker import check_file; from pathlib import Path\n"
        f"[check_file(p) for p in Path({str(FIXTURES)!r}).rglob('*.py')]\n"
        f"frameworks = {(*POISONED, 'torch', 'jax')!r}\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in frameworks]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
