"""A baseline: the findings a codebase already has, recorded so that a run reports only new
ones (adopting shapelint without editing every file first).

A finding is matched by its file, its rule and the source around it, never by its line
number, so lines added or removed above it do not bring it back: the key is the normalized
text of the offending line (whitespace collapsed) and, to tell identical lines apart, the
lines around it. Matching takes exact neighbourhoods first, then the line alone, each
recorded finding absorbing one current finding at most. Paths are stored relative to the
baseline file, so a run from another directory matches too.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from shapelint.findings import Diagnostic, FileResult

VERSION = 1
CONTEXT = 2          # lines above and below that make the neighbourhood


class BaselineError(Exception):
    """A baseline file that cannot be read; shown with exit code 2."""


@dataclass(frozen=True)
class Key:
    path: str
    code: str
    line: str            # hash of the offending line's normalized text
    context: str         # hash of its neighbourhood


def _normal(text: str) -> str:
    return " ".join(text.split())


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _relative(path: str, base: Path) -> str:
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, base)
    return (absolute if relative.startswith("..") else relative).replace(os.sep, "/")


def key(d: Diagnostic, lines: Sequence[str], base: Path) -> Key:
    row = d.location.row
    if not 0 < row <= len(lines):
        return Key(_relative(d.path, base), d.code, _digest(d.message), "")
    around = [_normal(line) for line in lines[max(row - 1 - CONTEXT, 0):row + CONTEXT]]
    return Key(_relative(d.path, base), d.code, _digest(_normal(lines[row - 1])), _digest("\n".join(around)))


def write(path: Path, results: Sequence[FileResult]) -> int:
    """Record every finding of ``results`` in ``path``; returns how many."""
    base = path.resolve().parent
    entries = sorted(
        ({**key(d, r.source_lines, base).__dict__, "name": d.name, "message": d.message}
         for r in results for d in r.diagnostics),
        key=lambda e: (e["path"], e["code"], e["line"], e["context"], e["message"]))
    doc = {"version": VERSION, "tool": "shapelint", "findings": entries}
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return len(entries)


@dataclass
class Baseline:
    base: Path
    keys: Counter[Key]

    @classmethod
    def read(cls, path: Path) -> Baseline:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if doc.get("version") != VERSION:
                raise ValueError(f"version {doc.get('version')!r}, expected {VERSION}")
            keys = Counter(Key(str(e["path"]), str(e["code"]), str(e["line"]), str(e["context"]))
                           for e in doc["findings"])
        except OSError as exc:
            raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BaselineError(f"{path} is not a shapelint baseline: {exc}") from None
        return cls(path.resolve().parent, keys)

    def filter(self, results: Sequence[FileResult]) -> tuple[list[FileResult], int, int]:
        """(results without the recorded findings, how many were hidden, how many recorded
        findings matched nothing: fixed since)."""
        found = [[key(d, r.source_lines, self.base) for d in r.diagnostics] for r in results]
        exact = Counter(self.keys)
        known: set[tuple[int, int]] = set()
        for i, keys in enumerate(found):
            for j, k in enumerate(keys):
                if exact[k] > 0:
                    exact[k] -= 1
                    known.add((i, j))
        loose: Counter[tuple[str, str, str]] = Counter()
        for k, n in exact.items():
            loose[(k.path, k.code, k.line)] += n
        for i, keys in enumerate(found):
            for j, k in enumerate(keys):
                if (i, j) not in known and loose[(k.path, k.code, k.line)] > 0:
                    loose[(k.path, k.code, k.line)] -= 1
                    known.add((i, j))
        out = [replace(r, diagnostics=tuple(d for j, d in enumerate(r.diagnostics) if (i, j) not in known))
               for i, r in enumerate(results)]
        return out, len(known), sum(loose.values())
