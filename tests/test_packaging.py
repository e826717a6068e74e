"""The package as users install it: every subpackage listed, rule pages shipped inside."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pathspec

from conftest import ROOT

try:
    import tomllib
except ModuleNotFoundError:   # Python 3.10
    import tomli as tomllib


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "shapelint").rglob("__init__.py")
    }
    assert on_disk | {"shapelint.rules"} == listed


def clean_copy(dest: Path) -> Path:
    """The checkout as a fresh clone has it (no .git, nothing .gitignore'd): building a wheel
    writes build/ and *.egg-info into the source tree, so it must not be the checkout."""
    ignored = pathspec.GitIgnoreSpec.from_lines([".git/", *(ROOT / ".gitignore").read_text().splitlines()])

    def skip(directory: str, names: list[str]) -> list[str]:
        here = Path(directory)
        return [n for n in names
                if ignored.match_file((here / n).relative_to(ROOT).as_posix() + "/" * (here / n).is_dir())]

    shutil.copytree(ROOT, dest, ignore=skip, symlinks=True)
    return dest


def test_wheel_ships_rule_pages(tmp_path):
    source = clean_copy(tmp_path / "source")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                    str(source)], check=True, capture_output=True)
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


def test_ci_lints_before_it_tests():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    lint = next(i for i, line in enumerate(ci) if line.startswith("ruff check "))
    assert lint < next(i for i, line in enumerate(ci) if "python -m pytest" in line)
