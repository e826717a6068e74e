"""Tests write nothing into the checkout: Hypothesis' database and caches live outside it
(tests/conftest.py), the shapelint cache is off, and the wheel is built from a clean copy
(tests/test_packaging.py)."""
from __future__ import annotations

import os
from pathlib import Path

from hypothesis.configuration import storage_directory

from conftest import ROOT


def test_hypothesis_stores_nothing_in_the_checkout():
    where = storage_directory("examples", intent_to_write=False)
    path = Path(getattr(where, "path", where)).resolve()   # or a Path, in older Hypothesis
    assert ROOT not in path.parents, path


def test_cli_runs_in_tests_write_no_shapelint_cache():
    assert os.environ.get("SHAPELINT_NO_CACHE") == "1"
