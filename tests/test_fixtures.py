"""Every fixture's `# expect:` markers hold exactly: nothing missing, nothing extra."""
from __future__ import annotations

import pytest

from conftest import ROOT, expectations, fixture_files, is_program
from shapelint.checker import check_file

FILES = fixture_files()


def test_there_are_buggy_and_correct_fixtures():
    assert any("buggy" in p.parts for p in FILES)
    assert any("correct" in p.parts for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_fixture_expectations(path):
    result = check_file(path)
    found = {(d.location.row, d.code) for d in result.diagnostics}
    assert found == expectations(path), "\n".join(
        f"{d.location.row}: {d.code} {d.message}" for d in result.diagnostics)
    assert not result.notes, result.notes


@pytest.mark.parametrize("path", [p for p in FILES if "correct" in p.parts],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_correct_fixtures_have_no_expectations(path):
    assert not expectations(path)


@pytest.mark.parametrize("path", [p for p in FILES if "buggy" in p.parts and is_program(p)],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_buggy_fixtures_expect_something(path):
    assert expectations(path)
