"""Shared helpers for the tests: where fixtures live, and their inline expectations."""
from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# The keras lane: tests/keras/ only with TensorFlow, and no TensorFlow anywhere else.
pytest_plugins = ["keras_lane"]

# CLI runs in tests analyse afresh (a cached result would hide a monkeypatched analyzer and
# litter the checkout); tests/test_cache.py turns the cache on where it is under test.
os.environ["SHAPELINT_NO_CACHE"] = "1"
# Hypothesis keeps its example database and caches in ./.hypothesis: keep them out of the
# checkout, in the user's cache directory (where a failing example is still replayed).
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shapelint-tests" / "hypothesis"))

# Most tests run shapelint in a fresh process. Where the environment forbids bytecode files
# (PYTHONDONTWRITEBYTECODE), each of those processes compiled every module again: ~0.2 s of
# each run, a third of the lane. They write it under one temporary prefix instead, never
# into the checkout.
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) and "PYTHONPYCACHEPREFIX" not in os.environ:
    _BYTECODE = tempfile.mkdtemp(prefix="shapelint-tests-pyc-")
    os.environ["PYTHONPYCACHEPREFIX"] = _BYTECODE
    atexit.register(shutil.rmtree, _BYTECODE, ignore_errors=True)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
EXPECT = re.compile(r"#\s*expect:\s*((?:SHP\d{3}[\s,]*)+)")


def run_shapelint(*args: str, cwd: Path = ROOT, stdin: str | None = None,
                  env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``shapelint ARGS`` in a fresh process, as a user or CI runs it (stdout and stderr apart),
    with none of the variables that change its output unless ``env`` sets them."""
    inherited = {k: v for k, v in os.environ.items() if k not in OUTPUT_VARIABLES}
    return subprocess.run([sys.executable, "-m", "shapelint", *args], cwd=cwd, input=stdin, text=True,
                          capture_output=True, timeout=timeout, env={**inherited, **(env or {})})


OUTPUT_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "SHAPELINT_OUTPUT_FORMAT", "GITHUB_STEP_SUMMARY",
                    "CI_PROJECT_DIR")


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*.py") if "validation" not in p.parts)


def is_program(path: Path) -> bool:
    """A fixture program, as opposed to a module of a fixture project's package (checked
    through the program that imports it, and clean on its own)."""
    return not (path.parent / "__init__.py").is_file()


def expectations(path: Path) -> set[tuple[int, str]]:
    """(line, code) pairs marked `# expect: SHPnnn[, SHPmmm]` in a fixture."""
    out = set()
    for row, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = EXPECT.search(line)
        if m:
            out.update((row, code) for code in re.findall(r"SHP\d{3}", m.group(1)))
    return out


@pytest.fixture
def check():
    """check(source) -> list of (row, code) found by shapelint in that source."""
    from shapelint.checker import check_source

    def run(source: str, keras_version: int = 3):
        result = check_source(source, "snippet.py", keras_version)
        assert not result.notes, result.notes
        return [(d.location.row, d.code) for d in result.diagnostics]

    return run
