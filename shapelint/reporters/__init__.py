"""Output formats. Each reporter turns FileResults into text; none computes anything."""
from __future__ import annotations

from shapelint.reporters import github, json_report, sarif, text

FORMATS = {
    "full": text.full,
    "concise": text.concise,
    "json": json_report.render,
    "github": github.render,
    "sarif": sarif.render,
}
