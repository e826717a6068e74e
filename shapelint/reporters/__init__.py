"""Output formats. Each reporter turns FileResults into text; none computes anything."""
from __future__ import annotations

from shapelint.reporters import json_report, text

FORMATS = {
    "full": text.full,
    "concise": text.concise,
    "json": json_report.render,
}
