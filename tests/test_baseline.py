"""Adopting shapelint on an existing codebase: a baseline of today's findings (matched by
path, rule and source, not line numbers), and --add-noqa. Driven through the real CLI."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, run_shapelint

BUGGY = (
    "from keras import layers, Input\n"
    "a = Input(shape=(3,))\n"
    "b = Input(shape=(4,))\n"
    "c = layers.Add()([a, b])\n"
    "d = layers.Reshape((7, 7))(b)\n"
)
NEW_BUG = "e = layers.Subtract()([a, b])\n"


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "net.py").write_text(BUGGY)
    return tmp_path


def concise(project: Path, *args: str, cwd: Path | None = None):
    return run_shapelint("check", "--output-format", "concise", *args, cwd=cwd or project)


def test_round_trip_hides_known_findings_and_shows_new_ones(project):
    written = concise(project, "--write-baseline", "shapelint-baseline.json", ".")
    assert written.returncode == 0 and written.stdout == ""
    assert written.stderr.strip() == "Wrote 2 findings to the baseline shapelint-baseline.json"
    doc = json.loads((project / "shapelint-baseline.json").read_text())
    assert doc["version"] == 1 and [(e["path"], e["code"]) for e in doc["findings"]] == \
        [("models/net.py", "SHP102"), ("models/net.py", "SHP401")]
    assert "row" not in doc["findings"][0]                  # line numbers are not the key

    clean = concise(project, "--baseline", "shapelint-baseline.json", ".")
    assert clean.returncode == 0
    assert clean.stdout.strip() == "All checks passed (1 file checked)."
    assert clean.stderr.strip() == "2 findings in the baseline shapelint-baseline.json not shown"

    # Lines above the findings move them down; a new bug below is the only one reported.
    net = project / "models" / "net.py"
    net.write_text("# a comment\nimport os\n\n" + BUGGY.replace("b = Input", "b  =  Input") + NEW_BUG)
    run = concise(project, "--baseline", "shapelint-baseline.json", ".")
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        "models/net.py:9:5: SHP102 Subtract needs shapes that broadcast, but (None, 3) and (None, 4) differ "
        "on axis 1 (3 vs 4).",
        "Found 1 finding in 1 of 1 file checked.",
    ]


def test_a_second_identical_line_is_new_and_a_fixed_finding_is_stale(project):
    concise(project, "--write-baseline", "base.json", ".")
    net = project / "models" / "net.py"
    net.write_text(BUGGY + "c = layers.Add()([a, b])\n")
    run = concise(project, "--baseline", "base.json", ".")
    assert [line.split(": ")[0] for line in run.stdout.splitlines()[:-1]] == ["models/net.py:6:5"]
    net.write_text(BUGGY.replace("d = layers.Reshape((7, 7))(b)\n", ""))
    run = concise(project, "--baseline", "base.json", ".")
    assert run.returncode == 0
    assert "1 finding in the baseline no longer found: run --write-baseline to drop them" in run.stderr


def test_paths_are_relative_to_the_baseline_file(project):
    concise(project, "--write-baseline", "base.json", "models")
    elsewhere = concise(project, "--baseline", str(project / "base.json"), ".", cwd=project / "models")
    assert elsewhere.returncode == 0, elsewhere.stdout


def test_a_baseline_that_is_not_one_is_an_error(project):
    (project / "base.json").write_text("[]")
    run = concise(project, "--baseline", "base.json", ".")
    assert run.returncode == 2 and "base.json is not a shapelint baseline" in run.stderr
    run = concise(project, "--baseline", "missing.json", ".")
    assert run.returncode == 2
    assert "cannot read baseline missing.json: No such file or directory" in run.stderr


def test_add_noqa_silences_each_finding_in_place(project):
    net = project / "models" / "net.py"
    net.write_text(BUGGY.replace("(b)\n", "(b)  # noqa: E501\n")
                   + 'f = """\n' + '"""; g = layers.Add()([a, b])\n')
    run = concise(project, "--add-noqa", ".")
    assert run.returncode == 0 and run.stderr.strip() == "Added 3 noqa directives."
    assert net.read_text().splitlines()[3:] == [
        "c = layers.Add()([a, b])  # noqa: SHP102",
        "d = layers.Reshape((7, 7))(b)  # noqa: E501, SHP401",
        'f = """',
        '"""; g = layers.Add()([a, b])  # noqa: SHP102',
    ]
    assert concise(project, ".").returncode == 0


def test_add_noqa_leaves_lines_a_comment_cannot_end(project):
    net = project / "models" / "net.py"
    net.write_text(BUGGY.replace("c = layers.Add()([a, b])", "c = layers.Add()(\\\n    [a, b])"))
    before = net.read_text()
    run = concise(project, "--add-noqa", "--select", "SHP102", ".")
    assert "models/net.py:4: a comment cannot go at the end of this line" in run.stderr
    assert run.stderr.strip().endswith("Added 0 noqa directives.")
    assert net.read_text() == before


def test_add_noqa_in_a_notebook_edits_the_cell(project):
    notebook = project / "nb.ipynb"
    shutil.copy(FIXTURES / "notebooks" / "classifier_bug.ipynb", notebook)
    before = json.loads(notebook.read_text())
    run = concise(project, "--add-noqa", "nb.ipynb")
    assert run.returncode == 0 and run.stderr.strip() == "Added 1 noqa directive."
    after = json.loads(notebook.read_text())
    assert after["cells"][2]["source"][4] == \
        'merged = layers.Concatenate(name="merge")([x, skip])  # expect: SHP101  # noqa: SHP101'
    after["cells"][2]["source"][4] = before["cells"][2]["source"][4]
    assert after == before                                   # nothing else changed
    assert concise(project, "nb.ipynb").returncode == 0
