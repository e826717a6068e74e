"""Helpers shared by the family modules: argument checks, small shape utilities, and the
pieces of weight counts (sizes the weights are built from).

Every check fires only on definitely known values (an unknown is never an error) and
raises a typed SHP205 violation (:mod:`shapelint.violations.arguments`); no message text
lives here.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shapelint.arguments import is_int
from shapelint.layers.spec import Arguments, Check, Unknowable
from shapelint.shapes import Dim, Shape, is_known, normalize_axis
from shapelint.violations.arguments import Negative, NotAChoice, NotPositive, OutOfRange, WrongLength
from shapelint.violations.base import Rejected


def number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# --- constructor checks ---------------------------------------------------------------------

def check_positive_int(cfg: Arguments, name: str, *, allow_none: bool = False,
                       strict_type: bool = True) -> None:
    """Keras: ``if not isinstance(v, int) or v <= 0: raise``."""
    try:
        v = cfg.known(name)
    except Unknowable:
        return
    if v is None and allow_none:
        return
    if isinstance(v, bool):
        return
    if is_int(v):
        if v <= 0:
            raise Rejected(NotPositive(argument=name, value=v))
        return
    if strict_type and number(v):
        raise Rejected(NotPositive(argument=name, value=v))


def check_range(cfg: Arguments, name: str, lo: float, hi: float | None) -> None:
    """Keras: ``if not lo <= v <= hi: raise``."""
    try:
        v = cfg.known(name)
    except Unknowable:
        return
    if number(v) and (v < lo or (hi is not None and v > hi)):
        raise Rejected(OutOfRange(argument=name, value=v, low=lo, high=hi))


def check_choice(cfg: Arguments, name: str, choices: Iterable[Any]) -> None:
    """Keras: ``if v not in choices: raise`` (compared as written)."""
    try:
        v = cfg.known(name)
    except Unknowable:
        return
    if isinstance(v, (str, type(None), bool)) and v not in tuple(choices):
        raise Rejected(NotAChoice(argument=name, value=v, choices=tuple(choices)))


def int_tuple(cfg: Arguments, name: str, n: int, *, allow_zero: bool = False,
              check: bool = True) -> tuple[int, ...]:
    """``standardize_tuple``: an int or n ints; raises SHP205 for values Keras rejects."""
    v = cfg.known(name)
    if is_int(v):
        out = (v,) * n
    elif isinstance(v, (tuple, list)) and all(is_int(a) for a in v):
        if len(v) != n:
            if check:
                raise Rejected(WrongLength(argument=name, value=v, length=n))
            raise Unknowable(name)
        out = tuple(v)
    else:
        raise Unknowable(name)
    if check and any(a < 0 or (a == 0 and not allow_zero) for a in out):
        raise Rejected((Negative if allow_zero else NotPositive)(argument=name, value=v))
    return out


def data_format(cfg: Arguments) -> str:
    """``standardize_data_format``: None means channels_last (Keras' default config); Keras
    lower-cases the name."""
    v = cfg.known("data_format")
    if v is None:
        return "channels_last"
    f = cfg.str("data_format", fold_case=True)
    if f not in ("channels_first", "channels_last"):
        raise Rejected(NotAChoice(argument="data_format", value=v,
                                  choices=("channels_first", "channels_last")))
    return f


def checks(*fns: Check) -> Check:
    """Several constructor checks as one ``LayerSpec.check``."""
    def run(cfg: Arguments) -> None:
        from shapelint.layers import engine
        for fn in fns:
            try:
                fn(cfg)
            except (Unknowable, Rejected) as exc:
                if isinstance(exc, Rejected):
                    raise
            except Exception:
                if engine.STRICT:
                    raise
    return run


# --- shapes -----------------------------------------------------------------------------------

def dims(x: Shape) -> tuple[Dim, ...]:
    """The dims of a shape of known rank, or Unknowable."""
    if x.dims is None:
        raise Unknowable("rank")
    return x.dims


def same(cfg: Arguments, x: Shape) -> Shape:
    return x


# --- weight counts --------------------------------------------------------------------------

def weight_dim(x: Shape, axis: int) -> int:
    """The size of an input axis a weight is built from; Unknowable unless known."""
    d = dims(x)
    size = d[axis] if -len(d) <= axis < len(d) else None
    if not is_known(size):
        raise Unknowable("dim")
    return size


def last_dim(x: Any) -> int:
    """The last axis of a tensor argument (attention's query, value and key)."""
    if not isinstance(x, Shape):
        raise Unknowable("shape")
    return weight_dim(x, -1)


def bias(cfg: Arguments, n: int) -> int:
    """``n`` bias weights when ``use_bias``."""
    return n if cfg.bool("use_bias") else 0


def center_scale(cfg: Arguments, n: int) -> int:
    """Normalization offsets (``center``) and factors (``scale``) over ``n`` features."""
    return n * (int(cfg.bool("center")) + int(cfg.bool("scale")))


def axis_size(cfg: Arguments, x: Shape) -> int:
    """The number of features a normalization's ``axis`` (an int or ints) spans."""
    axis = cfg.known("axis")
    size = 1
    for a in axis if isinstance(axis, (tuple, list)) else (axis,):
        n = normalize_axis(a, len(dims(x))) if is_int(a) else None
        if n is None:
            raise Unknowable("axis")
        size *= weight_dim(x, n)
    return size
