"""What a finding is before it becomes text: a frozen record of the facts it states.

Each rule has one violation class per variant (as ruff's ``Violation`` and mypy's typed
message builder): its fields are the facts — shapes, sizes, the layer, the line of a
cause — and ``message()``/``fix()`` put them into words. Shape functions raise
:class:`Rejected` with a violation; the interpreter adds where it happened
(:meth:`Violation.at_site`) and keeps the trace of the inputs beside it.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Optional


@dataclass(frozen=True)
class Claims:
    """What a finding asserts that building the model can check: how many copies of some
    layers exist, with how many parameters, made at which lines (validation counts them)."""

    ctor_rows: tuple[int, ...]
    params: Optional[int] = None       # parameters of the layer (hot spot) or of one copy
    copies: Optional[int] = None       # separate copies built (weight sharing)


@dataclass(frozen=True)
class Site:
    """Who raised: the layer class or op as the code spells it, and the layer's arguments
    as written (for fixes that repeat them)."""

    layer: str = ""
    op: str = ""
    arguments: Any = None              # a callable name -> raw argument value, or None


@dataclass(frozen=True, kw_only=True)
class Violation:
    """One finding's facts. Subclasses set ``code`` and implement ``message``/``fix``."""

    code: ClassVar[str]

    def message(self) -> str:
        raise NotImplementedError

    def fix(self) -> Optional[str]:
        return None

    def claims(self) -> Optional[Claims]:
        return None

    def at_site(self, site: Site) -> "Violation":
        """This violation with the names of the layer or op it happened in filled in."""
        names = {f.name for f in dataclasses.fields(self)}
        given = {k: v for k, v in (("layer", site.layer), ("op", site.op)) if k in names and v}
        return dataclasses.replace(self, **given) if given else self


class Rejected(Exception):
    """Raised by a shape function or argument check: Keras would raise ``violation``."""

    def __init__(self, violation: Violation):
        super().__init__(violation)
        self.violation = violation
