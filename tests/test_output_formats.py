"""Every output format, held by a snapshot for a few representative fixtures (a traced
error, a warning, a clean file with notes, a notebook), so that a change of any format is a
reviewed diff (``pytest --snapshot-update`` rewrites them); the GitLab report validated
against GitLab's Code Quality format and the SARIF against the SARIF 2.1.0 schema (both
under tests/schemas/, see its README); and CI details: SARIF URIs, the GitHub step summary,
notes in every format."""
from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from click.testing import CliRunner
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from conftest import FIXTURES, ROOT, run_shapelint
from shapelint.cli import main
from shapelint.reporters import FORMATS

SCHEMAS = Path(__file__).resolve().parent / "schemas"
REPRESENTATIVE = [
    "buggy/s4_skip_concat_axis1_bug.py",       # an error with a two-branch trace and a fix
    "buggy/shp501_siamese_loop_bug.py",        # a warning
    "correct/builder_params.py",               # no finding, two notes
    "notebooks/classifier_bug.ipynb",          # cells, magics, a suppression in a cell
]


class FormatSnapshot(SingleFileSnapshotExtension):
    """One readable file per fixture and format."""

    _write_mode = WriteMode.TEXT
    file_extension = "txt"

    @classmethod
    def get_snapshot_name(cls, *, test_location, index=0) -> str:
        return str(index)


def output(fmt: str, *paths: str, monkeypatch) -> str:
    """What `shapelint check --output-format FMT PATHS` prints from the checkout (no colour),
    with the one machine-specific value (the checkout's URI in SARIF) made neutral."""
    monkeypatch.chdir(ROOT)
    for name in ("GITHUB_STEP_SUMMARY", "CI_PROJECT_DIR", "SHAPELINT_OUTPUT_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    run = CliRunner().invoke(main, ["check", "--no-cache", "--output-format", fmt, *paths])
    return run.output.replace(ROOT.as_uri() + "/", "file:///CHECKOUT/") + f"\n[exit {run.exit_code}]\n"


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("fixture", REPRESENTATIVE)
def test_every_format(fixture, fmt, snapshot, monkeypatch):
    text = output(fmt, f"fixtures/{fixture}", monkeypatch=monkeypatch)
    if fmt == "sarif":   # the rule list is the registry's, tested in test_ci_formats: not held here
        head, tail = text.rsplit("\n[exit", 1)
        doc = json.loads(head)
        driver = doc["runs"][0]["tool"]["driver"]
        driver["rules"] = "(the registry's rules)"
        text = json.dumps(doc, indent=2) + "\n[exit" + tail
    name = f"{fixture.replace('/', '__')}__{fmt}"
    assert text == snapshot.use_extension(FormatSnapshot)(name=name)


def _validate(instance, schema_file: str) -> None:
    schema = json.loads((SCHEMAS / schema_file).read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_gitlab_report_is_valid_code_quality():
    run = run_shapelint("check", "--output-format", "gitlab", "fixtures/buggy", "fixtures/notebooks",
                        "fixtures/correct/builder_params.py")
    report = json.loads(run.stdout)
    _validate(report, "gitlab-code-quality.json")
    assert len({issue["fingerprint"] for issue in report}) == len(report)      # unique
    assert {issue["severity"] for issue in report} == {"major", "minor", "info"}
    assert any(issue["location"]["path"] == "fixtures/notebooks/classifier_bug.ipynb" for issue in report)


def test_gitlab_paths_are_relative_to_the_project_dir(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "m.py").write_text("from keras import layers, Input\n"
                                           "c = layers.Add()([Input(shape=(3,)), Input(shape=(4,))])\n")
    run = run_shapelint("check", "--output-format", "gitlab", "m.py", cwd=tmp_path / "sub",
                        env={"CI_PROJECT_DIR": str(tmp_path)})
    assert json.loads(run.stdout)[0]["location"]["path"] == "sub/m.py"


def test_sarif_is_valid_sarif_2_1_0():
    run = run_shapelint("check", "--output-format", "sarif", "fixtures/buggy", "fixtures/notebooks",
                        "fixtures/correct/builder_params.py")
    doc = json.loads(run.stdout)
    _validate(doc, "sarif-2.1.0.json")
    assert doc["runs"][0]["results"] and doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]


def test_sarif_uris_are_percent_encoded_relative_or_file_uris(tmp_path):
    inside = tmp_path / "work"
    inside.mkdir()
    bug = "from keras import layers, Input\nc = layers.Add()([Input(shape=(3,)), Input(shape=(4,))])\n"
    (inside / "my model,v2#1.py").write_text(bug)
    (tmp_path / "outside.py").write_text(bug)
    doc = json.loads(run_shapelint("check", "--output-format", "sarif", "my model,v2#1.py", "../outside.py",
                                   cwd=inside).stdout)
    run = doc["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": inside.as_uri() + "/"}}
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert locations == [{"uri": "my%20model%2Cv2%231.py", "uriBaseId": "%SRCROOT%"},
                         {"uri": (tmp_path / "outside.py").as_uri()}]
    _validate(doc, "sarif-2.1.0.json")


def test_github_step_summary_escapes_pipes_in_paths(tmp_path):
    (tmp_path / "a|b.py").write_text("from keras import layers, Input\n"
                                     "c = layers.Add()([Input(shape=(3,)), Input(shape=(4,))])\n")
    summary = tmp_path / "summary.md"
    run_shapelint("check", "--output-format", "github", "a|b.py", cwd=tmp_path,
                  env={"GITHUB_STEP_SUMMARY": str(summary)})
    row = summary.read_text().splitlines()[-1]
    assert row.startswith("| <code>a\\|b.py</code> | 2 | SHP102 elementwise-shape-mismatch | ")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_notes_reach_every_format(fmt, monkeypatch):
    note = "the input shape of the model built at line 14 is not known"
    text = output(fmt, "fixtures/correct/builder_params.py", monkeypatch=monkeypatch)
    if fmt == "junit":
        ET.fromstring(text.rsplit("\n[exit", 1)[0].split("\n", 1)[1])     # well-formed XML
    assert note in text


def test_junit_is_well_formed_and_counts_failures(monkeypatch):
    text = output("junit", "fixtures/buggy/s4_skip_concat_axis1_bug.py", "fixtures/notebooks",
                  monkeypatch=monkeypatch).rsplit("\n[exit", 1)[0]
    root = ET.fromstring(text.split("\n", 1)[1])
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "2", "2")
    cases = [(s.get("name"), c.get("name"), c.get("line")) for s in root for c in s.iter("testcase")]
    assert cases == [("fixtures/buggy/s4_skip_concat_axis1_bug.py", "shapelint.SHP101", "30"),
                     ("fixtures/notebooks/classifier_bug.ipynb", "shapelint.SHP101", "5")]
    assert FIXTURES.is_dir()


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_the_runs_own_notes_reach_every_format(fmt):
    """Notes true of no one file (the sandbox every --validate build had) are said once."""
    from shapelint.findings import FileResult

    note = "validation sandbox: network namespace, rlimits"
    out = FORMATS[fmt]([FileResult("m.py", ())], 1, notes=(note,))
    assert out.count(note) == 1
    if fmt == "sarif":
        _validate(json.loads(out), "sarif-2.1.0.json")
    elif fmt == "gitlab":
        _validate(json.loads(out), "gitlab-code-quality.json")
    elif fmt == "junit":
        ET.fromstring(out.split("\n", 1)[1])
