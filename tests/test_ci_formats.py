"""CI outputs: GitHub annotations (escaped, with a step summary) and SARIF for code scanning."""
from __future__ import annotations

import json

from click.testing import CliRunner

from shapelint.cli import main

BUGGY = (
    "from keras import layers, Input\n"
    "a = Input(shape=(3,))\n"
    "b = Input(shape=(4,))\n"
    "c = layers.Add()([a, b])\n"
)


def test_github_annotations_and_step_summary(tmp_path, monkeypatch):
    path = tmp_path / "m,odel.py"
    path.write_text(BUGGY)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    res = CliRunner().invoke(main, ["check", "--format", "github", str(path)])
    assert res.exit_code == 1
    line = res.output.splitlines()[0]
    assert line.startswith("::error file=")
    assert "m%2Codel.py" in line                      # ',' escaped inside a property
    assert ",line=4,endLine=4,col=5," in line
    assert "title=SHP102 elementwise-shape-mismatch::" in line
    assert "%0AFix: " in line and "\n" not in line.split("::", 2)[2]
    table = summary.read_text()
    assert "| Code |" in table and "SHP102" in table


def test_sarif_has_rules_results_and_the_shape_trace(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(BUGGY)
    doc = json.loads(CliRunner().invoke(main, ["check", "--format", "sarif", str(path)]).output)
    assert doc["version"] == "2.1.0" and "$schema" in doc
    driver = doc["runs"][0]["tool"]["driver"]
    ids = [r["id"] for r in driver["rules"]]
    assert "SHP102" in ids and all(r["defaultConfiguration"]["level"] in ("error", "warning")
                                   for r in driver["rules"])
    [result] = doc["runs"][0]["results"]
    assert result["ruleId"] == "SHP102" and result["level"] == "error"
    assert driver["rules"][result["ruleIndex"]]["id"] == "SHP102"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 4, "startColumn": 5, "endLine": 4, "endColumn": 25}
    assert {loc["physicalLocation"]["region"]["startLine"] for loc in result["relatedLocations"]} == {2, 3}
    flow = result["codeFlows"][0]["threadFlows"][0]["locations"]
    assert flow[0]["location"]["physicalLocation"]["region"]["startLine"] == 2
    assert flow[-1]["location"]["physicalLocation"]["region"]["startLine"] == 4
    assert len(result["partialFingerprints"]["primaryLocationLineHash"]) == 32
