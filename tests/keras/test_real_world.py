"""Released model code lints clean: the Keras sources installed beside TensorFlow
(keras.applications and every layer implementation) give no finding and no analyzer error.
The files are read from disk; nothing is imported."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from shapelint.checker import check_file
from shapelint.discovery import iter_python_files


def keras_source() -> Path:
    spec = importlib.util.find_spec("keras")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("keras is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


@pytest.mark.parametrize("part", ["src/applications", "src/layers", "src/models"])
def test_keras_sources_lint_clean(part):
    root = keras_source() / part
    files = list(iter_python_files([root]))
    assert len(files) > 5
    problems = []
    for f in files:
        result = check_file(f)
        problems += [f"{d.path}:{d.location.row}: {d.code} {d.message}" for d in result.diagnostics]
        problems += [f"{f}: note: {n}" for n in result.notes]
    assert problems == []
