"""Output formats. Each reporter turns FileResults into text; none computes anything.

The text formats end with ruff's closing line (``Found 2 findings ...``), which ``-q``
leaves out; the machine formats are the findings and notes alone. ``notes`` are the run's
own (true of no one file, e.g. the sandbox every --validate build had): each format says
them once, as it says a file's notes."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shapelint.findings import FileResult
from shapelint.reporters import github, gitlab, json_report, junit, pylint, sarif, text


@dataclass(frozen=True)
class Format:
    body: Callable[[Sequence[FileResult], Sequence[str]], str]
    separator: str | None = None      # before the closing summary line; None: no summary

    def __call__(self, results: Sequence[FileResult], checked: int, quiet: bool = False,
                 notes: Sequence[str] = ()) -> str:
        body = self.body(results, notes)
        if self.separator is None or quiet:
            return body
        return body + (self.separator if body else "") + text.summary(results, checked)


FORMATS: dict[str, Format] = {
    "full": Format(text.full, "\n\n"),
    "concise": Format(text.concise, "\n"),
    "json": Format(json_report.render),
    "json-lines": Format(json_report.render_lines),
    "github": Format(github.render, "\n"),
    "sarif": Format(sarif.render),
    "gitlab": Format(gitlab.render),
    "junit": Format(junit.render),
    "pylint": Format(pylint.render),
}
