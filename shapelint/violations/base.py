"""What a finding is before it becomes text: a frozen record of the facts it states.

Each rule has one violation class per variant (as ruff's ``Violation`` and mypy's typed
message builder): its fields are the facts — shapes, sizes, the layer, the line of a
cause — and ``message()``/``fix()`` put them into words. Shape functions raise
:class:`Rejected` with a violation; the interpreter adds where it happened
(:meth:`Violation.at_site`) and keeps the trace of the inputs beside it.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from shapelint.shapes import Shape


@dataclass(frozen=True)
class Claims:
    """What a finding asserts that building the model can check: how many copies of some
    layers exist, with how many parameters, made at which lines (validation counts them)."""

    ctor_rows: tuple[int, ...]
    params: int | None = None          # parameters of the layer (hot spot) or of one copy
    copies: int | None = None          # separate copies built (weight sharing)


@dataclass(frozen=True)
class Site:
    """Who raised: the layer class or op as the code spells it, and the layer's arguments
    as written (for fixes that repeat them)."""

    layer: str = ""
    op: str = ""
    arguments: Callable[[str], Any] | None = None   # argument name -> its raw value


@dataclass(frozen=True)
class Step:
    """One call in the history of a finding's input, nearest first, as the checker traced it
    back (:mod:`shapelint.traces`): the facts a fix may rest on (where a tensor came from, what
    each step did to its sizes)."""

    layer: str                          # the layer or op as shown: "Conv2D", "Input", "+"
    row: int
    shape: Shape | None                 # the shape it produced (None: not a tensor's)
    before: Shape | None = None         # the shape of its (first) input; None for an Input
    path: str | None = None             # another file of the project
    padding: str | None = None          # a convolution's or pooling's padding
    strides: tuple[int, ...] | None = None
    wraps: str | None = None            # the layer a wrapper (Bidirectional...) wraps
    factors: tuple[int, ...] = ()       # its size argument written as a product: Dense(7 * 7 * 128)
    declared: tuple[int | None, ...] | None = None   # an Input's shape= as written
    shared: bool = False                # past where this input's history joins another input's


@dataclass(frozen=True)
class Change:
    """One change a fix proposes, written as code: a layer applied to inputs of the
    reported call (``insert``: a layer of its own on each), an argument of a call
    (``argument``: of the reported call when ``row`` is 0, else of the ``layer`` called at that
    line), or the function of the reported call replaced (``function``). The fix text quotes
    ``code`` verbatim; tests make each change and build the model with TensorFlow.

    ``offered`` says whether the change is also the finding's machine-applicable edit:
    ``"fix"`` (safe once the rewritten file checks clean in the same run), ``"guess"``
    (an edit, but always unsafe: it guesses what the code meant) or ``""`` (text only, one
    way among others)."""

    kind: str                         # "insert" | "argument" | "function"
    code: str
    inputs: tuple[int, ...] = (0,)    # insert: the inputs of the reported call it goes on (each)
    row: int = 0                      # argument: the line of the call to change (0: the reported one)
    layer: str = ""                   # argument: that call's class or function, as the code names it
    name: str = ""                    # argument: the argument's keyword
    position: int | None = None       # argument: its position when it may be given positionally
    offered: str = ""


@dataclass(frozen=True, kw_only=True)
class Violation:
    """One finding's facts. Subclasses set ``code`` and implement ``message``/``fix``.

    ``history`` holds each input's :class:`Step`s (nearest first, back to an Input or a
    bound; those past where it joins another input's marked ``shared``), filled in by the
    checker once the finding is made, with ``nested`` (the code ran inside a helper call or
    a loop pass, so a change there changes every call): a fix reads them to name the layer
    that made the sizes disagree."""

    code: ClassVar[str]
    history: tuple[tuple[Step, ...], ...] = field(default=(), compare=False, repr=False)
    nested: bool = field(default=False, compare=False, repr=False)  # found in a helper call or loop pass

    def message(self) -> str:
        raise NotImplementedError

    def fix(self) -> str | None:
        return None

    def claims(self) -> Claims | None:
        return None

    def changes(self) -> tuple[Change, ...]:
        """The layers and arguments the fix proposes, as code (none by default)."""
        return ()

    def at_site(self: AtSite, site: Site) -> AtSite:
        """This violation with the names of the layer or op it happened in filled in."""
        names = {f.name for f in dataclasses.fields(self)}
        given: dict[str, Any] = {k: v for k, v in (("layer", site.layer), ("op", site.op))
                                 if k in names and v}
        return dataclasses.replace(self, **given) if given else self


AtSite = TypeVar("AtSite", bound=Violation)   # at_site() keeps the violation's class


class Rejected(Exception):
    """Raised by a shape function or argument check: Keras would raise ``violation``."""

    def __init__(self, violation: Violation):
        super().__init__(violation)
        self.violation = violation
