"""Linting never imports TensorFlow or Keras: poisoned stand-ins sit first on the path."""
from __future__ import annotations

import os
import subprocess
import sys

from conftest import FIXTURES, ROOT

POISON = ROOT / "tests" / "poison"


def test_cli_never_imports_tensorflow_or_keras():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(POISON), str(ROOT)])}
    proc = subprocess.run(
        [sys.executable, "-m", "shapelint", "check", "--format", "concise", str(FIXTURES)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )
    assert "imported" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stdout + proc.stderr   # buggy fixtures have findings
    assert "SHP" in proc.stdout


def test_poison_is_effective():
    env = {**os.environ, "PYTHONPATH": str(POISON)}
    proc = subprocess.run([sys.executable, "-c", "import tensorflow"], capture_output=True,
                          text=True, env=env)
    assert proc.returncode != 0 and "static path" in proc.stderr


def test_in_process_check_loads_no_framework():
    code = (
        "import sys; from shapelint.checker import check_file; from pathlib import Path\n"
        f"[check_file(p) for p in Path({str(FIXTURES)!r}).rglob('*.py')]\n"
        "frameworks = ('tensorflow', 'keras', 'tf_keras', 'torch', 'jax')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in frameworks]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
