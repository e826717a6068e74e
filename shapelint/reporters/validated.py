"""What ``check --validate`` adds to a result, as the reporters read it: a verdict on each
finding, and the findings a build refuted (withdrawn). Validation sits above the reporters,
so they know its records by their shape only (:class:`Verdict`), never by import."""
from __future__ import annotations

from typing import Protocol

from shapelint.findings import Diagnostic, FileResult


class Verdict(Protocol):
    """A build's verdict on one finding (:class:`shapelint.validation.verdicts.Verdict`)."""

    @property
    def verdict(self) -> str: ...            # "confirmed" | "refuted" | "unverified"

    @property
    def reason(self) -> str: ...

    @property
    def keras_error(self) -> str | None: ...

    def as_dict(self) -> dict[str, object]: ...


def verdict(d: Diagnostic) -> Verdict | None:
    """The verdict of ``check --validate`` on a finding; None without one."""
    found: Verdict | None = getattr(d, "validation", None)
    return found


def withdrawn(result: FileResult) -> tuple[Diagnostic, ...]:
    """The findings of a file that a build refuted: listed, no longer findings."""
    found: tuple[Diagnostic, ...] = getattr(result, "withdrawn", ())
    return found
