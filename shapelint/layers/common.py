"""Helpers shared by the family modules: argument checks and small shape utilities.

Every check fires only on definitely known values (an unknown is never an error) and
raises a typed SHP205 violation (:mod:`shapelint.violations.arguments`); no message text
lives here.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

from shapelint.layers.spec import Config, Unknowable
from shapelint.shapes import Shape
from shapelint.violations.base import Rejected
from shapelint.violations.arguments import Negative, NotAChoice, NotPositive, OutOfRange, WrongLength


def plain_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# --- constructor checks ---------------------------------------------------------------------

def check_positive_int(cfg: Config, name: str, *, allow_none: bool = False,
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
    if plain_int(v):
        if v <= 0:
            raise Rejected(NotPositive(argument=name, value=v))
        return
    if strict_type and number(v):
        raise Rejected(NotPositive(argument=name, value=v))


def check_range(cfg: Config, name: str, lo: float, hi: Optional[float]) -> None:
    """Keras: ``if not lo <= v <= hi: raise``."""
    try:
        v = cfg.known(name)
    except Unknowable:
        return
    if number(v) and (v < lo or (hi is not None and v > hi)):
        raise Rejected(OutOfRange(argument=name, value=v, low=lo, high=hi))


def check_choice(cfg: Config, name: str, choices: Iterable[Any], lower: bool = False) -> None:
    try:
        v = cfg.known(name)
    except Unknowable:
        return
    if isinstance(v, (str, type(None), bool)):
        probe = v.lower() if lower and isinstance(v, str) else v
        if probe not in tuple(choices):
            raise Rejected(NotAChoice(argument=name, value=v, choices=tuple(choices)))


def int_tuple(cfg: Config, name: str, n: int, *, allow_zero: bool = False,
              check: bool = True) -> tuple[int, ...]:
    """``standardize_tuple``: an int or n ints; raises SHP205 for values Keras rejects."""
    v = cfg.known(name)
    if plain_int(v):
        out = (v,) * n
    elif isinstance(v, (tuple, list)) and all(plain_int(a) for a in v):
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


def data_format(cfg: Config) -> str:
    """``standardize_data_format``: None means channels_last (Keras' default config)."""
    v = cfg.known("data_format")
    if v is None:
        return "channels_last"
    if not isinstance(v, str):
        raise Unknowable("data_format")
    f = v.lower()
    if f not in ("channels_first", "channels_last"):
        raise Rejected(NotAChoice(argument="data_format", value=v, choices=("channels_first", "channels_last")))
    return f


def checks(*fns: Callable[[Config], None]) -> Callable[[Config], None]:
    """Several constructor checks as one ``LayerSpec.check``."""
    def run(cfg: Config) -> None:
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

def dims(x: Shape) -> tuple:
    """The dims of a shape of known rank, or Unknowable."""
    if x.dims is None:
        raise Unknowable("rank")
    return x.dims


def same(cfg: Config, x: Shape) -> Shape:
    return x
