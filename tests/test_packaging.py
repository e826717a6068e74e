"""The package as users install it: every subpackage listed, rule pages shipped inside."""
from __future__ import annotations

import tomllib
import zipfile
import subprocess
import sys

from conftest import ROOT


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "shapelint").rglob("__init__.py")
    }
    assert on_disk | {"shapelint.rules"} == listed


def test_wheel_ships_rule_pages(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("shapelint-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    pages = [n for n in names if n.startswith("shapelint/rules/") and n.endswith(".md")]
    assert len(pages) == len(list((ROOT / "rules").glob("SHP*.md"))) > 0


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- test-command -->")[1].split("<!-- /test-command -->")[0]
    command = [line for line in block.splitlines() if line.strip() and not line.startswith("```")]
    assert len(command) == 1
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert command[0] in ci
