"""Rule pages (rules/SHPnnn.md): one per registry rule, fixed format, examples that lint right.

The examples were also checked by hand against real Keras (the bad one raises, the good one
builds); these tests keep them honest against shapelint itself without TensorFlow.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapelint.checker import check_source
from shapelint.cli import main
from shapelint.registry import RULES

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Suppressing")
NO_CODE_EXAMPLE = {"SHP002"}  # an undecodable file cannot be shown as a Python block
# Found only by building with TensorFlow (`check --validate`): tests/test_validation.py
# builds these pages' examples instead.
FOUND_BY_BUILDING = {r.code for r in RULES if r.code.startswith("SHP9")}

rule_params = pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])


def page(code: str) -> str:
    return (RULES_DIR / f"{code}.md").read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The body of one `## ` section (up to the next `## ` heading)."""
    start = text.index(heading + "\n") + len(heading) + 1
    nxt = text.find("\n## ", start)
    return text[start:] if nxt == -1 else text[start:nxt]


def first_python_block(body: str) -> str:
    m = re.search(r"^```python\n(.*?)^```", body, re.S | re.M)
    assert m, "no ```python block in this section"
    return m.group(1)


def test_pages_and_rules_match_one_to_one():
    pages = {p.stem for p in RULES_DIR.glob("*.md")}
    assert pages == {r.code for r in RULES}


@rule_params
def test_title_severity_and_sections(rule):
    text = page(rule.code)
    lines = text.splitlines()
    assert lines[0] == f"# {rule.code}: {rule.name}"
    assert f"\nSeverity: {rule.severity}\n" in text
    assert text.index(f"Severity: {rule.severity}") < text.index(HEADINGS[0])
    found = [line for line in lines if line.startswith("## ")]
    assert tuple(found) == HEADINGS, found


@rule_params
def test_example_is_reported_and_fix_is_clean(rule):
    if rule.code in NO_CODE_EXAMPLE:
        pytest.skip("example is a prose description of an undecodable file")
    if rule.code in FOUND_BY_BUILDING:
        pytest.skip("reported only by --validate, never by the static pass")
    text = page(rule.code)
    bad = first_python_block(section(text, "## Example"))
    good = first_python_block(section(text, "## Use instead"))
    bad_result = check_source(bad, "example.py")
    assert rule.code in {d.code for d in bad_result.diagnostics}, \
        [(d.code, d.message) for d in bad_result.diagnostics]
    good_result = check_source(good, "example.py")
    assert good_result.diagnostics == (), [(d.code, d.message) for d in good_result.diagnostics]
    assert not good_result.notes, good_result.notes


@rule_params
def test_suppression_comment_silences_the_example(rule):
    """The `Suppressing` section's advice works on the page's own example."""
    if rule.code in NO_CODE_EXAMPLE or rule.code == "SHP001":
        pytest.skip("a file that does not decode or parse cannot carry inline suppressions")
    if rule.code in FOUND_BY_BUILDING:
        pytest.skip("reported only by --validate, never by the static pass")
    bad = first_python_block(section(page(rule.code), "## Example"))
    rows = {d.location.row for d in check_source(bad, "example.py").diagnostics if d.code == rule.code}
    for comment in (f"# shapelint: ignore[{rule.code}]", f"# noqa: {rule.code}"):
        assert f"`{comment}`" in section(page(rule.code), "## Suppressing")
        lines = bad.splitlines()
        for row in rows:
            lines[row - 1] += "  " + comment
        left = check_source("\n".join(lines) + "\n", "example.py").diagnostics
        assert rule.code not in {d.code for d in left}, comment


@rule_params
def test_cli_rule_prints_the_page(rule):
    runner = CliRunner()
    for key in (rule.code, rule.name, rule.code.lower()):
        result = runner.invoke(main, ["rule", key])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == page(rule.code).strip()


def test_cli_unknown_rule_exits_2():
    result = CliRunner().invoke(main, ["rule", "SHP999"])
    assert result.exit_code == 2
    assert "unknown rule" in result.output


def test_readme_lists_every_rule():
    readme = (RULES_DIR.parent / "README.md").read_text()
    missing = [r.code for r in RULES if f"[{r.code}](rules/{r.code}.md) | {r.name} |" not in readme]
    assert missing == []
