"""Model builders the file defines but never calls.

The static pass analyses such a function anyway, with its defaults and unknowns for the
rest. A build can run it the same way only when every parameter has a default: then the
build program calls it after the file's last line. Otherwise its findings stay
unverified, and this says why ("build_model() is never called in this file and its
parameters input_shape, num_classes have no defaults").
"""
from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from shapelint.validation.static_facts import StaticFacts


@dataclass(frozen=True)
class Uncalled:
    """A module-level function that builds Keras objects and that no code of the file calls."""

    name: str
    start: int                   # its lines, decorators included
    end: int
    missing: tuple[str, ...]     # parameters without a default

    @property
    def buildable(self) -> bool:
        return not self.missing

    def reason(self) -> str:
        """Why the build cannot run it."""
        noun = "parameter" if len(self.missing) == 1 else "parameters"
        verb = "has no default" if len(self.missing) == 1 else "have no defaults"
        return (f"{self.name}() is never called in this file and its {noun} "
                f"{', '.join(self.missing)} {verb}")


class _UsedNames(cst.CSTVisitor):
    """Every name the module mentions other than as the name of a def: a function passed to
    a Lambda or kept in a table of builders is used, even if no call spells it."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def _without_default(params: cst.Parameters) -> tuple[str, ...]:
    return tuple(p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)
                 if p.default is None)


def uncalled_builders(facts: StaticFacts) -> list[Uncalled]:
    """Module-level functions nothing in the file mentions, which build Keras objects (a
    statement in them made or called one when the static pass ran them)."""
    called = _UsedNames()
    for stmt in facts.module.body:
        if isinstance(stmt, cst.FunctionDef):
            for part in (stmt.body, stmt.params, *stmt.decorators):
                part.visit(called)
        else:
            stmt.visit(called)
    building = [facts.lines(s) for s in facts.building]
    out = []
    for stmt in facts.module.body:
        if not isinstance(stmt, cst.FunctionDef) or stmt.asynchronous is not None:
            continue
        if stmt.name.value in called.names:
            continue
        start, end = facts.lines(stmt)
        if not any(start <= row and last <= end for row, last in building if (row, last) != (start, end)):
            continue
        out.append(Uncalled(stmt.name.value, start, end, _without_default(stmt.params)))
    return out
