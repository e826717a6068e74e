"""Rule pages (rules/SHPnnn.md): found in a source checkout or installed with the package."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from shapelint.registry import Rule

SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Suppressing")


def _read(rule: Rule) -> str | None:
    checkout = Path(__file__).resolve().parent.parent / "rules" / f"{rule.code}.md"
    if checkout.is_file():
        return checkout.read_text(encoding="utf-8")
    try:
        return (resources.files("shapelint") / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return None


def rule_page(rule: Rule) -> str:
    page = _read(rule)
    header = f"{rule.code} ({rule.name}) [{rule.severity}]"
    if page is None:
        return f"{header}\n\n{rule.summary}\n"
    return page
