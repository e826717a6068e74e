"""Jupyter notebooks, checked as ruff checks them: code cells in order as one program, IPython
syntax blanked in place, findings located by cell (text, JSON) or in the .ipynb text (SARIF,
GitHub, GitLab), suppressions inside cells, discovery, summary, and a file that is not a
notebook reported rather than passed. Driven through the real CLI."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import EXPECT, FIXTURES, ROOT, run_shapelint
from shapelint.notebooks import NotANotebook, blank_ipython, read_notebook

NOTEBOOKS = FIXTURES / "notebooks"
BUGGY = NOTEBOOKS / "classifier_bug.ipynb"
FIXED = NOTEBOOKS / "classifier_fixed.ipynb"
BUGGY_NAME = "fixtures/notebooks/classifier_bug.ipynb"
MESSAGE = ("Concatenate(axis=-1) needs equal sizes on every axis except 3, but (None, 14, 14, 32) and "
           "(None, 28, 28, 32) differ (14 vs 28 on axis 1, 14 vs 28 on axis 2).")


def notebook(*cells: str | tuple[str, str]) -> str:
    """A notebook whose cells are code (a string) or (cell_type, source), as Jupyter writes it."""
    def cell(c):
        kind, source = ("code", c) if isinstance(c, str) else c
        lines = source.splitlines(keepends=True)
        return {"cell_type": kind, "metadata": {}, "source": lines,
                **({"execution_count": None, "outputs": []} if kind == "code" else {})}
    return json.dumps({"cells": [cell(c) for c in cells], "metadata": {}, "nbformat": 4,
                       "nbformat_minor": 5}, indent=1) + "\n"


def test_the_findings_of_every_notebook_fixture_are_the_ones_marked():
    """Like tests/test_fixtures.py: each `# expect:` in a cell, and nothing else."""
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        program = read_notebook(path.read_bytes()).text
        expected = {(row, code) for row, line in enumerate(program.splitlines(), start=1)
                    for m in [EXPECT.search(line)] if m for code in m.group(1).replace(",", " ").split()}
        from shapelint.checker import check_bytes

        result = check_bytes(path.read_bytes(), str(path))
        assert {(d.location.row, d.code) for d in result.diagnostics} == expected, path.name


def test_a_buggy_cell_is_located_as_ruff_does():
    run = run_shapelint("check", "--output-format", "concise", BUGGY_NAME)
    assert run.returncode == 1, run.stderr
    assert run.stdout.splitlines() == [
        f"{BUGGY_NAME}:cell 3:5:10: SHP101 {MESSAGE}",
        "Found 1 finding in 1 of 1 file checked.",
    ]


def test_full_output_shows_the_cell_rows_and_a_trace_by_cell():
    lines = run_shapelint("check", BUGGY_NAME).stdout.splitlines()
    assert lines[:4] == [
        f"{BUGGY_NAME}:cell 3:5:10: SHP101 {MESSAGE}",
        "  |",
        '5 | merged = layers.Concatenate(name="merge")([x, skip])  # expect: SHP101',
        "  |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ concatenate-shape-mismatch",
    ]
    assert "      cell 3:3   MaxPooling2D           -> (None, 14, 14, 32)" in lines


def test_json_has_the_cell_and_rows_in_it():
    [entry] = json.loads(run_shapelint("check", "--output-format", "json", BUGGY_NAME).stdout)
    assert (entry["cell"], entry["location"], entry["end_location"], entry["noqa_row"]) == \
        (3, {"row": 5, "column": 10}, {"row": 5, "column": 53}, 5)
    first_step = entry["trace"][0]["steps"][0]
    assert (first_step["cell"], first_step["row"], first_step["layer"]) == (3, 3, "MaxPooling2D")
    plain = json.loads(run_shapelint("check", "--output-format", "json",
                                     "fixtures/buggy/shp401_reshape_bug.py").stdout)
    assert plain[0]["cell"] is None          # ruff writes the key for every file


def test_sarif_github_and_gitlab_point_into_the_ipynb_text():
    raw = BUGGY.read_text().split("\n")
    code = 'layers.Concatenate(name=\\"merge\\")([x, skip])'     # as the JSON text spells it

    def shown(row, col, end_col):
        return raw[row - 1][col - 1:end_col - 1]

    sarif = json.loads(run_shapelint("check", "--output-format", "sarif", BUGGY_NAME).stdout)
    [result] = sarif["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert shown(region["startLine"], region["startColumn"], region["endColumn"]) == code
    steps = [loc["physicalLocation"]["region"] for loc in result["relatedLocations"]]
    assert shown(steps[0]["startLine"], steps[0]["startColumn"], steps[0]["startColumn"] + 21) == \
        "layers.MaxPooling2D()"

    github = run_shapelint("check", "--output-format", "github", BUGGY_NAME).stdout.splitlines()[0]
    line, col, end = (int(github.split(f"{key}=")[1].split(",")[0]) for key in ("line", "col", "endColumn"))
    assert shown(line, col, end) == code

    [issue] = json.loads(run_shapelint("check", "--output-format", "gitlab", BUGGY_NAME).stdout)
    positions = issue["location"]["positions"]
    assert shown(positions["begin"]["line"], positions["begin"]["column"], positions["end"]["column"]) == code


def test_suppressions_work_inside_cells(tmp_path):
    """The fixture's `# noqa: SHP401` in cell 5 is used (no SHP003); without it, SHP401 is
    reported at that cell's row."""
    path = tmp_path / "nb.ipynb"
    path.write_text(BUGGY.read_text().replace("  # noqa: SHP401", ""))
    lines = run_shapelint("check", "--output-format", "concise", "nb.ipynb", cwd=tmp_path).stdout.splitlines()
    assert lines == [
        f"nb.ipynb:cell 3:5:10: SHP101 {MESSAGE}",
        "nb.ipynb:cell 5:5:9: SHP401 Reshape((7, 7)) needs 49 values per example, but its input (None, 10) "
        "has 10.",
        "Found 2 findings in 1 of 1 file checked.",
    ]


def test_magics_and_shell_escapes_are_blanked_in_place():
    assert blank_ipython([
        "%matplotlib inline",
        "!pip install \\",
        "    keras",
        "files = !ls",
        "for f in files:",
        "    %time run(f)",
        "x = (1",
        "     % 2)",
        "model.fit?",
        's = """',
        "!not a shell escape",
        '"""',
    ]) == ["", "", "", "files = None", "for f in files:", "    pass", "x = (1", "     % 2)", "",
           's = """', "!not a shell escape", '"""']


def test_cells_with_other_languages_are_left_out_and_rows_count_per_cell(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_text(notebook(
        ("markdown", "# title\n"),
        "%%bash\nthis is not python (\n",
        "%%time\nfrom keras import layers, Input\na = Input(shape=(3,))\n",
        "b = Input(shape=(4,))\nc = layers.Add()([a, b])",
    ))
    run = run_shapelint("check", "--output-format", "concise", "nb.ipynb", cwd=tmp_path)
    assert run.stdout.splitlines()[0].startswith("nb.ipynb:cell 4:2:5: SHP102 ")


def test_a_file_that_is_not_a_notebook_is_reported_never_passed(tmp_path):
    (tmp_path / "broken.ipynb").write_text('{"cells": [')
    (tmp_path / "old.ipynb").write_text('{"worksheets": [], "nbformat": 3}')
    run = run_shapelint("check", "--output-format", "concise", ".", cwd=tmp_path)
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        "broken.ipynb:1:1: SHP002 Cannot read file: not a Jupyter notebook (invalid JSON: Expecting value: "
        "line 1 column 12 (char 11))",
        "old.ipynb:1:1: SHP002 Cannot read file: not a Jupyter notebook (no 'cells' list: not nbformat 4)",
        "Found 2 findings in 2 of 2 files checked.",
    ]
    with pytest.raises(NotANotebook):
        read_notebook(b"\xff\xfe")


def test_directories_include_notebooks_and_include_settings_change_that(tmp_path):
    shutil.copy(BUGGY, tmp_path / "a.ipynb")
    (tmp_path / "b.py").write_text("x = 1\n")
    (tmp_path / "c.pyw").write_text("x = 1\n")
    assert run_shapelint("check", "--show-files", ".", cwd=tmp_path).stdout.split() == ["a.ipynb", "b.py"]
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint]\ninclude = ["*.py"]\n'
                                             'extend-include = ["*.pyw"]\n')
    assert run_shapelint("check", "--show-files", ".", cwd=tmp_path).stdout.split() == ["b.py", "c.pyw"]


def test_summary_of_a_notebook_names_the_cell():
    run = run_shapelint("summary", "fixtures/notebooks/classifier_fixed.ipynb")
    assert run.returncode == 0, run.stderr
    first = run.stdout.splitlines()[0]
    assert first == 'fixtures/notebooks/classifier_fixed.ipynb:cell 5:4: Model "model" (functional)'
    assert "Total params:" in run.stdout
    [model] = json.loads(run_shapelint("summary", "--format", "json", str(FIXED.relative_to(ROOT))).stdout)
    assert (model["cell"], model["row"]) == (5, 4)


def test_a_cached_notebook_is_reported_the_same(tmp_path, monkeypatch):
    """The cache keeps the notebook's index; the same bytes named .py are another entry."""
    from click.testing import CliRunner

    from shapelint.cli import main

    monkeypatch.delenv("SHAPELINT_NO_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    shutil.copy(BUGGY, tmp_path / "nb.ipynb")
    shutil.copy(BUGGY, tmp_path / "nb.py")             # JSON is a Python dict: no finding
    args = ["check", "--cache-dir", str(tmp_path / "cache"), "--output-format", "concise", "nb.ipynb",
            "nb.py"]
    cold = CliRunner().invoke(main, args).output
    warm = CliRunner().invoke(main, args).output
    assert cold == warm and cold.splitlines()[0] == f"nb.ipynb:cell 3:5:10: SHP101 {MESSAGE}"
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 2


def test_a_notebook_in_another_language_is_not_read_as_python(tmp_path):
    doc = json.loads(notebook("x <- c(1, 2)\nprint(x)\n"))
    doc["metadata"] = {"kernelspec": {"language": "R", "name": "ir"}, "language_info": {"name": "R"}}
    (tmp_path / "r.ipynb").write_text(json.dumps(doc))
    run = run_shapelint("check", "--output-format", "concise", "r.ipynb", cwd=tmp_path)
    assert (run.returncode, run.stdout.strip()) == (0, "All checks passed (1 file checked).")
