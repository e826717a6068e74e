"""Set the real output shape of every layer call beside the static one at the same place.

Calls are matched by source position: the user's own call site for a call the file
makes itself, the layer's constructor site for a call Keras makes on its behalf
(Sequential, ``layers.concatenate``), which is where the analyzer records those too.
Only a definite difference counts: an unknown static dimension or rank never does.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from shapelint.shapes import Shape, format_shape, join_all

if TYPE_CHECKING:
    from shapelint.validation.protocol import CallRecord, RealShape
    from shapelint.validation.static_facts import StaticCall, StaticOutput

# Calls are matched at (1-based row, 0-based column); None where Python did not say.
Key = tuple[int | None, int | None]


@dataclass(frozen=True)
class Disagreement:
    row: int
    column: int          # 1-based
    layer: str
    static: str
    tensorflow: str

    def __str__(self) -> str:
        return (f"line {self.row}: {self.layer} output is {self.static} statically but "
                f"{self.tensorflow} in TensorFlow (analyzer bug)")


def format_real(shape: RealShape | None) -> str:
    if shape is None:
        return "(unknown rank)"
    return format_shape(Shape(tuple(shape)))


def _outputs(static_output: StaticOutput) -> list[Shape]:
    return list(static_output) if isinstance(static_output, tuple) else [static_output]


def shape_differs(static: Shape, real: RealShape | None) -> bool:
    """True only when a known static rank or dimension contradicts a known real one."""
    if static.dims is None or real is None:
        return False
    if len(static.dims) != len(real):
        return True
    return any(isinstance(s, int) and not isinstance(s, bool) and isinstance(r, int) and s != r
               for s, r in zip(static.dims, real))


def real_key(call: CallRecord, direct_objects: set[int]) -> Key | None:
    if call.get("direct"):
        return (call["row"], call["col"])
    ctor = call.get("ctor")
    if call.get("obj") not in direct_objects and ctor and call.get("ctor_direct", True):
        return (ctor[0], ctor[1]) if len(ctor) == 2 else None
    # Keras re-running a layer the file called itself (a nested model), or a layer Keras
    # made inside another one (MultiHeadAttention's projections): skip.
    return None


def matched_places(static_calls: list[StaticCall],
                   real_calls: list[CallRecord]) -> list[tuple[list[StaticCall], list[CallRecord]]]:
    """(static calls, real calls) at each source place both sides saw."""
    static_at: dict[Key, list[StaticCall]] = defaultdict(list)
    for c in static_calls:
        static_at[(c.row, c.col)].append(c)
    direct = {c.get("obj") for c in real_calls if c.get("direct")}
    real_at: dict[Key, list[CallRecord]] = defaultdict(list)
    for call in real_calls:
        key = real_key(call, direct)
        if key is not None:
            real_at[key].append(call)
    pairs = [(static_at[k], real_at[k]) for k in real_at if k in static_at]
    # Columns can differ (e.g. a call spelled over lines): pair what is alone on its row.
    lone_static: dict[int | None, list[Key]] = defaultdict(list)
    for k in static_at:
        if k not in real_at:
            lone_static[k[0]].append(k)
    lone_real: dict[int | None, list[Key]] = defaultdict(list)
    for k in real_at:
        if k not in static_at:
            lone_real[k[0]].append(k)
    for row, keys in lone_real.items():
        if len(keys) == 1 and len(lone_static.get(row, ())) == 1:
            s, r = static_at[lone_static[row][0]], real_at[keys[0]]
            if s[0].layer == r[0].get("layer"):
                pairs.append((s, r))
    return pairs


def compare(static_calls: list[StaticCall], real_calls: list[CallRecord]) -> list[Disagreement]:
    found: dict[tuple[int, int, str, str], Disagreement] = {}
    for statics, reals in matched_places(static_calls, real_calls):
        for static, real in _pairs(statics, reals):
            outs, real_outs = _outputs(static.output), real.get("outputs") or []
            if len(outs) != len(real_outs):
                continue
            for s, r in zip(outs, real_outs):
                if shape_differs(s, r):
                    d = Disagreement(static.row, static.col + 1, static.layer, format_shape(s),
                                     format_real(r))
                    found.setdefault((d.row, d.column, d.static, d.tensorflow), d)
    return sorted(found.values(), key=lambda d: (d.row, d.column))


def _pairs(statics: list[StaticCall], reals: list[CallRecord]) -> list[tuple[StaticCall, CallRecord]]:
    """Same number of calls at a place: in order. Otherwise each real call against what
    every static call there agrees on (unrolled loops, duplicate symbolic calls)."""
    if len(statics) == len(reals):
        return list(zip(statics, reals))
    joined = statics[0]
    outs = [_outputs(s.output) for s in statics]
    if len({len(o) for o in outs}) == 1:
        merged = tuple(join_all(col) for col in zip(*outs))
        joined = replace(statics[0], output=merged if len(merged) > 1 else merged[0])
    return [(joined, r) for r in reals]
