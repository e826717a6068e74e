"""What a layer is to the analysis: its signature, its shape function, its checks.

Shape functions receive a :class:`Config` (constructor arguments, evaluated as far as
the interpreter knew them) and input shapes. They either return output shape(s),
raise :class:`Unknowable` when something they need is not known (the output becomes
unknown, silently), or raise :class:`~shapelint.violations.Rejected` with the typed
violation Keras would definitely raise.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence, Union

from shapelint.shapes import Shape


class Unknowable(Exception):
    """A value the shape function needs is not known: the result is unknown, not an error."""


MISSING = object()


def _plain(value: Any) -> Any:
    """The interpreter's list values (``.items`` holding a list) as plain tuples."""
    items = getattr(value, "items", None)
    if isinstance(items, list) and not isinstance(value, (list, tuple, dict)):
        return tuple(_plain(v) for v in items)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


class Config:
    """A layer's constructor arguments; typed accessors raise :class:`Unknowable`."""

    def __init__(self, values: dict[str, Any], defaults: dict[str, Any], is_known: Callable[[Any], bool]):
        self._values = values
        self._defaults = defaults
        self._is_known = is_known

    def raw(self, name: str, default: Any = MISSING) -> Any:
        if name in self._values:
            return _plain(self._values[name])
        if name in self._defaults:
            return self._defaults[name]
        return None if default is MISSING else default

    def is_known(self, value: Any) -> bool:
        """Whether a value (a constructor or call argument) is fully known."""
        return self._is_known(value)

    def given(self, name: str) -> bool:
        return name in self._values

    def known(self, name: str) -> Any:
        v = self.raw(name)
        if not self._is_known(v):
            raise Unknowable(name)
        return v

    def int(self, name: str) -> int:
        v = self.known(name)
        if isinstance(v, bool) or not isinstance(v, int):
            raise Unknowable(name)
        return v

    def opt_int(self, name: str) -> Optional[int]:
        v = self.known(name)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise Unknowable(name)
        return v

    def bool(self, name: str) -> bool:
        v = self.known(name)
        if v is None:
            return False
        if not isinstance(v, (bool, int)):
            raise Unknowable(name)
        return bool(v)

    def str(self, name: str) -> Optional[str]:
        v = self.known(name)
        if v is not None and not isinstance(v, str):
            raise Unknowable(name)
        return v.lower() if isinstance(v, str) else v

    def int_tuple(self, name: str, n: int) -> tuple[int, ...]:
        """Keras' int-or-tuple arguments (kernel_size=3 means (3, 3) in 2-D)."""
        v = self.known(name)
        if isinstance(v, int) and not isinstance(v, bool):
            return (v,) * n
        if isinstance(v, (tuple, list)) and len(v) == n and all(
            isinstance(x, int) and not isinstance(x, bool) for x in v
        ):
            return tuple(v)
        raise Unknowable(name)

    def seq(self, name: str) -> tuple:
        v = self.known(name)
        if isinstance(v, (tuple, list)):
            if not all(self._is_known(x) for x in v):
                raise Unknowable(name)
            return tuple(v)
        raise Unknowable(name)

    def data_format(self) -> str:
        v = self.raw("data_format")
        if v is None:
            return "channels_last"
        if not isinstance(v, str):
            raise Unknowable("data_format")
        return v


Output = Union[Shape, tuple]   # one shape, or a tuple of shapes (return_state)
InferFn = Callable[..., Output]


@dataclass(frozen=True)
class LayerSpec:
    """One Keras layer class as the analysis knows it."""

    name: str
    params: tuple[str, ...] = ()          # positional order of __init__
    defaults: dict[str, Any] = field(default_factory=dict)
    infer: Optional[InferFn] = None       # None: output shape equals input shape
    takes: str = "one"                    # "one" tensor, or "list" of tensors (merge layers)
    ranks: Optional[Sequence[int]] = None  # accepted input ranks incl. batch; None: any
    min_rank: int = 0
    family: str = "core"                  # used for fix texts (conv, rnn, pool, ...)
    check: Optional[Callable[[Config], None]] = None   # constructor-time checks
    weight_axes: Optional[Callable[[Config, Shape], Optional[tuple]]] = None
    out_rank: Optional[Callable[[Config, Optional[int]], Optional[int]]] = None
    functional: Optional[str] = None      # name of the functional form (concatenate, add, ...)
    # Call arguments besides the input that the shape function reads (attention's value/key,
    # return_attention_scores, ...). When given, ``infer(cfg, x, call)`` also receives a dict
    # of the arguments passed: tensors as their Shape, other values as given.
    call_params: tuple[str, ...] = ()
    input_arg: str = "inputs"             # keyword name of the first call argument
    opaque: bool = False                  # output never known statically (explicit unknown)


def call_shape(call: Optional[dict], name: str) -> Optional[Shape]:
    """A tensor call argument's shape; None if not passed; Unknowable if not a known tensor."""
    if not call or name not in call or call[name] is None:
        return None
    v = call[name]
    if not isinstance(v, Shape):
        raise Unknowable(name)
    return v


def call_flag(cfg: Config, call: Optional[dict], name: str, default: bool = False) -> bool:
    """A boolean call argument (return_attention_scores=True, reverse=True)."""
    if not call or name not in call:
        return default
    v = call[name]
    if isinstance(v, Shape) or not cfg.is_known(v) or not isinstance(v, (bool, int, type(None))):
        raise Unknowable(name)
    return bool(v)


def opaque(cfg: Config, x: Any, call: Any = None) -> Any:
    """Shape function of a layer whose output cannot be known statically."""
    raise Unknowable("opaque")
