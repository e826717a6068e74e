"""SHP001 to SHP003 and SHP901: findings about the file and the run rather than a shape."""
from __future__ import annotations

from dataclasses import dataclass

from shapelint.violations.base import Violation


@dataclass(frozen=True, kw_only=True)
class SyntaxErrorFound(Violation):
    code = "SHP001"
    reason: str

    def message(self) -> str:
        return f"SyntaxError: {self.reason}"


@dataclass(frozen=True, kw_only=True)
class UnreadableFile(Violation):
    code = "SHP002"
    reason: str

    def message(self) -> str:
        return f"Cannot read file: {self.reason}"


@dataclass(frozen=True, kw_only=True)
class UnusedSuppression(Violation):
    """A suppression of ``suppressed`` (a code, or "*" for a blanket one) that silences nothing."""

    code = "SHP003"
    suppressed: str
    rule_name: str = ""
    file_wide: bool = False

    def message(self) -> str:
        where = "in this file" if self.file_wide else "on this line"
        if self.suppressed == "*":
            return f"Unused suppression: no shapelint finding {where} to silence."
        return f"Unused suppression of {self.suppressed} ({self.rule_name}): no such finding {where}."

    def fix(self) -> str:
        if self.suppressed == "*":
            return ("Remove the comment; if it was meant for a build error from `check --validate`, "
                    "name it: `# shapelint: ignore[SHP901]`.")
        return (f"Remove {self.suppressed} from the comment (remove the comment if nothing else is "
                f"left in it).")


@dataclass(frozen=True, kw_only=True)
class UnknownSuppression(Violation):
    code = "SHP003"
    name: str
    hint: str | None = None

    def message(self) -> str:
        return f"Suppression names `{self.name}`, which is no shapelint rule, so it silences nothing."

    def fix(self) -> str:
        did_you_mean = f"Did you mean {self.hint}? " if self.hint else ""
        return did_you_mean + "See `shapelint rule --all` for the codes and names."


@dataclass(frozen=True, kw_only=True)
class BuildError(Violation):
    """An error TensorFlow raised while building the model, which no static finding covers."""

    code = "SHP901"
    keras_error: str                   # already shortened and filtered for output

    def message(self) -> str:
        return f"Building the model with TensorFlow raised {self.keras_error}"
