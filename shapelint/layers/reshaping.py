"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector."""
from __future__ import annotations

from math import prod

from shapelint.layers.spec import Config, LayerIssue, LayerSpec, Unknowable
from shapelint.shapes import Shape, is_known


def flatten(cfg: Config, x: Shape) -> Shape:
    if x.dims is None:
        return Shape((None, None))
    rest = x.dims[1:]
    if not rest:
        return Shape((x.dims[0], 1))
    return Shape((x.dims[0], x.size()))


def reshape(cfg: Config, x: Shape) -> Shape:
    raw = cfg.raw("target_shape")
    if isinstance(raw, int) and not isinstance(raw, bool):
        raise LayerIssue("SHP202", arg="target_shape", value=raw, call="Reshape")
    target = cfg.seq("target_shape")
    if not all(isinstance(d, int) and not isinstance(d, bool) for d in target):
        raise Unknowable("target_shape")
    batch = x.dims[0] if x.dims else None
    if target.count(-1) > 1:
        raise Unknowable("target_shape")
    known_target = prod(d for d in target if d != -1)
    if x.dims is None:
        return Shape((batch,) + tuple(None if d == -1 else d for d in target))
    rest = x.dims[1:]
    known_in = prod(d for d in rest if is_known(d))
    all_known = all(is_known(d) for d in rest)
    if -1 not in target:
        if all_known and known_in != known_target:
            raise LayerIssue("SHP401", input=x, target=target, in_size=known_in, out_size=known_target)
        # Unknown input sizes only multiply the known part: it must divide the target.
        if not all_known and known_in and known_target % known_in:
            raise LayerIssue("SHP401", input=x, target=target, in_size=None,
                             known_in=known_in, out_size=known_target)
        return Shape((batch,) + target)
    if all_known:
        if known_target == 0 or known_in % known_target:
            raise LayerIssue("SHP401", input=x, target=target, in_size=known_in,
                             out_size=known_target, wildcard=True)
        return Shape((batch,) + tuple(known_in // known_target if d == -1 else d for d in target))
    return Shape((batch,) + tuple(None if d == -1 else d for d in target))


def permute(cfg: Config, x: Shape) -> Shape:
    dims = cfg.seq("dims")
    if x.dims is None or len(dims) != len(x.dims) - 1:
        raise Unknowable("dims")
    return Shape((x.dims[0],) + tuple(x.dims[d] for d in dims))


def repeat_vector(cfg: Config, x: Shape) -> Shape:
    n = cfg.int("n")
    return Shape((x.dims[0] if x.dims else None, n, x.dims[1] if x.dims else None))


SPECS = [
    LayerSpec("Flatten", ("data_format",), {}, flatten, family="flatten"),
    LayerSpec("Reshape", ("target_shape",), {}, reshape, family="reshape"),
    LayerSpec("Permute", ("dims",), {}, permute, family="reshape"),
    LayerSpec("RepeatVector", ("n",), {}, repeat_vector, ranks=(2,), family="repeat"),
]
