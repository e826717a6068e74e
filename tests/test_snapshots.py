"""The full text output of every fixture, held by a snapshot: a change of wording in a
message, trace or fix is a reviewed diff (``pytest --snapshot-update`` rewrites them)."""
from __future__ import annotations

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from click.testing import CliRunner

from conftest import FIXTURES, ROOT, fixture_files
from shapelint.cli import main


class TextSnapshot(SingleFileSnapshotExtension):
    """One readable ``.txt`` file per fixture, named after it."""

    _write_mode = WriteMode.TEXT
    file_extension = "txt"

    @classmethod
    def get_snapshot_name(cls, *, test_location, index=0) -> str:
        return str(index)


@pytest.fixture
def snapshot_text(snapshot):
    return snapshot.use_extension(TextSnapshot)


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_full_output(path, snapshot_text, monkeypatch):
    """What `shapelint check FIXTURE` prints (no colour), exit code included."""
    monkeypatch.chdir(ROOT)
    run = CliRunner().invoke(main, ["check", "--no-cache", str(path.relative_to(ROOT))])
    text = f"{run.output}\n[exit {run.exit_code}]\n"
    assert text == snapshot_text(name=str(path.relative_to(FIXTURES)).replace("/", "__"))
