"""Where a value came from: the call that produced it, and the values it was made from.

Tensors (Keras) and arrays (data) both carry a :class:`Producer`, so a finding's trace can
walk a value back through the calls that made it, whichever library they belong to.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shapelint.interp.events import Context
from shapelint.interp.host import Range
from shapelint.interp.values import Value

Locate = Callable[[Any], tuple[str | None, Range]]   # node -> (other file or None, range)


def _nowhere(node: Any) -> tuple[str | None, Range]:
    return None, ((1, 0), (1, 0))


@dataclass(frozen=True)
class Producer:
    """The call that produced a value (a layer call, an op, a numpy function): its node, the
    name it is shown by (``layer``), and the values it was made from.

    Positions are resolved lazily (``locate``): computing them costs a full pass over the
    file, which only files with findings need to pay.
    """

    node: Any
    layer: str
    inputs: tuple[Value, ...] = ()  # the values it was made from (with producers of their own)
    layer_obj: Any = None
    locate: Locate = _nowhere
    serial: int = 0              # creation order: producers sort topologically by it
    name: str | None = None   # a name given in the code (`Input(name="image")`)
    context: Context = ()        # the interpreter's context stack at the call (traces name it)

    @property
    def row(self) -> int:
        return self.locate(self.node)[1][0][0]

    @property
    def column(self) -> int:
        """0-based, as libcst counts."""
        return self.locate(self.node)[1][0][1]

    @property
    def path(self) -> str | None:
        """The file of the call when it is not the checked file (a project module)."""
        return self.locate(self.node)[0]
