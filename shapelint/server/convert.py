"""shapelint's records as LSP's: positions, findings, hints, edits.

The one place positions change coordinates: shapelint counts 1-based lines and columns in
code points (the index and edits: 0-based columns), LSP 0-based lines and columns in the code
units the client negotiated (UTF-16 unless it asked for another).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path
from pygls.workspace.position_codec import PositionCodec

from shapelint.findings import Diagnostic, FileResult, Origin
from shapelint.server.actions import Action
from shapelint.server.index import Hint, Span

SOURCE = "shapelint"
SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}
# What was not analysed: analysis limits and failures matter more than the coverage of a
# file whose models were followed as far as their inputs are known.
LIMIT_NOTE = types.DiagnosticSeverity.Information
COVERAGE_NOTE = types.DiagnosticSeverity.Hint


class Lines:
    """A checked version's lines, to place positions in it."""

    def __init__(self, lines: Sequence[str], codec: PositionCodec):
        self.lines = lines
        self.codec = codec

    def _line(self, row: int) -> str:
        return self.lines[row - 1] if 0 < row <= len(self.lines) else ""

    def position(self, row: int, column: int) -> types.Position:
        """An LSP position of a 1-based row and a 0-based column in code points."""
        return types.Position(max(row - 1, 0), self.codec.client_num_units(self._line(row)[:column]))

    def range(self, start: tuple[int, int], end: tuple[int, int]) -> types.Range:
        return types.Range(self.position(*start), self.position(*end))

    def point(self, position: types.Position) -> tuple[int, int]:
        """(1-based row, 0-based column in code points) of an LSP position."""
        line = self._line(position.line + 1)
        units = 0
        for i, char in enumerate(line):
            if units >= position.character:
                return position.line + 1, i
            units += self.codec.client_num_units(char)
        return position.line + 1, len(line)


def diagnostics(result: FileResult, lines: Lines, uri: str) -> list[types.Diagnostic]:
    out = [diagnostic(d, lines, uri) for d in result.diagnostics]
    top = types.Range(types.Position(0, 0), types.Position(0, 0))
    coverage = result.coverage.notes() if result.coverage is not None else ()
    for severity, notes in ((LIMIT_NOTE, result.notes), (COVERAGE_NOTE, coverage)):
        out += [types.Diagnostic(range=top, message=note, severity=severity, source=SOURCE) for note in notes]
    return out


def diagnostic(d: Diagnostic, lines: Lines, uri: str) -> types.Diagnostic:
    parts = [d.message, *d.notes]
    if d.fix:
        parts.append(f"fix: {d.fix}")
    return types.Diagnostic(
        range=finding_range(d, lines),
        message="\n".join(parts),
        severity=SEVERITY.get(d.severity, types.DiagnosticSeverity.Error),
        code=d.code,
        code_description=types.CodeDescription(href=d.url) if d.url else None,
        source=SOURCE,
        related_information=[types.DiagnosticRelatedInformation(
            location=_origin_location(step, lines, uri),
            message=f"{entry.label} {entry.shape}: {step.layer} -> {step.shape}")
            for entry in d.trace for step in entry.steps] or None,
    )


def _origin_location(step: Origin, lines: Lines, uri: str) -> types.Location:
    """Where a trace step is: in the checked file, or in a project module it imports (whose
    lines are not at hand: its columns are taken as they are)."""
    other = from_fs_path(str(Path(step.path).resolve())) if step.path else None
    if other is None:
        at = lines.position(step.row, step.column - 1)
        return types.Location(uri=uri, range=types.Range(at, at))
    at = types.Position(step.row - 1, step.column - 1)
    return types.Location(uri=other, range=types.Range(at, at))


def finding_range(d: Diagnostic, lines: Lines) -> types.Range:
    """A finding's span (1-based columns in findings)."""
    start, end = d.location, d.end_location
    return lines.range((start.row, start.column - 1), (end.row, end.column - 1))


def hover(span: Span, markdown: str, lines: Lines) -> types.Hover:
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown),
                       range=lines.range(span.start, span.end))


def inlay_hint(hint: Hint, lines: Lines) -> types.InlayHint:
    return types.InlayHint(position=lines.position(hint.row, hint.column), label=hint.label,
                           kind=types.InlayHintKind.Type, padding_left=True, tooltip=hint.tooltip)


def code_action(action: Action, uri: str, lines: Lines, fixed: list[types.Diagnostic]) -> types.CodeAction:
    edits = [types.TextEdit(range=lines.range((e.row, e.column), (e.end_row, e.end_column)),
                            new_text=e.content) for e in action.edits]
    return types.CodeAction(title=action.title, kind=types.CodeActionKind.QuickFix, diagnostics=fixed,
                            is_preferred=action.preferred or None,
                            edit=types.WorkspaceEdit(changes={uri: edits}))
