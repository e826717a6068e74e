"""Each change a fixture's fix proposes, made in the fixture's code: what the tests build
with TensorFlow (tests/keras/test_fixes_build.py) and check statically (tests/test_fixes.py).

A change is made through the same code that makes a finding's edits (shapelint.fixes), on
the finding's own node; a change that cannot be made there (a finding reported in another
module, an input the call does not write out) is listed with the reason."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shapelint.checker import analyse, explained
from shapelint.fixes import Code
from shapelint.fixes.changes import edits
from shapelint.fixes.edits import apply
from shapelint.source import SourceFile
from shapelint.violations.base import Change


@dataclass(frozen=True)
class Variant:
    fixture: Path
    code: str                 # the rule of the finding the change is for
    row: int
    fix: str                  # the fix text users read
    change: Change
    text: str | None       # the fixture with the change made; None when it cannot be made
    reason: str = ""


def variants(path: Path) -> list[Variant]:
    source = SourceFile(str(path), path.read_text(encoding="utf-8"))
    analysis = analyse(source)
    code = Code(source.text, source.module, source.ranges)
    out = []
    for issue in analysis.interpreter.issues:
        violation, _, _ = explained(issue, analysis, code)
        fix = violation.fix() or ""
        for change in violation.changes():
            node = issue.node if issue.via is None else None
            made = edits(change, node, code) if node is not None else None
            text = apply(source.text, made) if made else None
            reason = "" if text is not None else (
                "reported in another module" if node is None else "the code does not write it out")
            out.append(Variant(path, violation.code, issue.start[0], fix, change, text, reason))
    return out
