"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector.

(Cropping, UpSampling and ZeroPadding live with the spatial layers in :mod:`conv`.)
"""
from __future__ import annotations

from math import prod
from typing import Any

from shapelint.arguments import is_int
from shapelint.layers.common import checks, dims
from shapelint.layers.spec import Arguments, LayerSpec, Unknowable, Weights
from shapelint.shapes import Shape, Sym, is_known, known_sizes
from shapelint.violations.arguments import BadReshapeTarget, NotAnInt, NotPositive, PermuteNotAPermutation
from shapelint.violations.base import Rejected
from shapelint.violations.inputs import InputRankMismatch
from shapelint.violations.spatial import ReshapeSizeMismatch


def flatten(cfg: Arguments, x: Shape) -> Shape:
    if x.dims is None:
        return Shape((None, None))
    rest = x.dims[1:]
    if not rest:
        return Shape((x.dims[0], 1))
    sizes = known_sizes(rest)
    if sizes is not None:
        return Shape((x.dims[0], prod(sizes)))
    return Shape((x.dims[0], None))


def _target(cfg: Arguments) -> tuple[int, ...]:
    target = cfg.seq("target_shape")
    if not all(is_int(d) for d in target):
        raise Unknowable("target_shape")
    return target


def _check_reshape(cfg: Arguments) -> None:
    target = _target(cfg)
    if any(d < -1 for d in target) or target.count(-1) > 1:
        raise Rejected(BadReshapeTarget(argument="target_shape", value=target))


def reshape(cfg: Arguments, x: Shape) -> Shape:
    target = _target(cfg)
    _check_reshape(cfg)
    batch = x.dims[0] if x.dims else None
    if x.dims is None:
        return Shape((batch,) + tuple(None if d == -1 else d for d in target))
    rest = x.dims[1:]
    known_target = prod(d for d in target if d != -1)
    sizes = known_sizes(rest)
    if sizes is not None:
        size = prod(sizes)
        if -1 not in target:
            if size != known_target:
                raise Rejected(ReshapeSizeMismatch(input=x, target=target, in_size=size,
                                                   out_size=known_target))
            return Shape((batch,) + target)
        if known_target == 0 or size % known_target:
            raise Rejected(ReshapeSizeMismatch(input=x, target=target, in_size=size,
                                               out_size=known_target, wildcard=True))
        return Shape((batch,) + tuple(size // known_target if d == -1 else d for d in target))
    if -1 not in target and all(is_known(d) or isinstance(d, Sym) for d in rest):
        # Named unknown sizes are ints by the time Keras sees them: the known part of the
        # input must divide the target size. (A literal None is skipped, as Keras does.)
        known_in = prod(d for d in rest if is_known(d))
        if known_in and known_target % known_in:
            raise Rejected(ReshapeSizeMismatch(input=x, target=target, in_size=None, known_in=known_in,
                                               out_size=known_target))
    return Shape((batch,) + tuple(None if d == -1 else d for d in target))


def _permutation(cfg: Arguments) -> tuple[int, ...]:
    p = cfg.seq("dims")
    if not all(is_int(d) for d in p):
        raise Unknowable("dims")
    return p


def _check_permute(cfg: Arguments) -> None:
    p = _permutation(cfg)
    if sorted(p) != list(range(1, len(p) + 1)):
        raise Rejected(PermuteNotAPermutation(argument="dims", value=p))


def permute(cfg: Arguments, x: Shape) -> Shape:
    p = _permutation(cfg)
    _check_permute(cfg)
    d = dims(x)
    if len(d) != len(p) + 1:
        raise Rejected(InputRankMismatch(expected=(len(p) + 1,), min_rank=0, got=x, layer="Permute",
                                         family="permute"))
    return Shape((d[0],) + tuple(d[i] for i in p))


def _check_repeat(cfg: Arguments) -> None:
    n = cfg.known("n")
    if isinstance(n, bool) or (not is_int(n) and n is not None):
        raise Rejected(NotAnInt(argument="n", value=n))
    if is_int(n) and n <= 0:
        raise Rejected(NotPositive(argument="n", value=n))


def repeat_vector(cfg: Arguments, x: Shape) -> Shape:
    n = cfg.int("n")
    d = dims(x)
    if len(d) != 2:
        raise Rejected(InputRankMismatch(expected=(2,), min_rank=0, got=x, layer="RepeatVector",
                                         family="repeat"))
    return Shape((d[0], n, d[1]))


_RESHAPE: dict[str, Any] = dict(family="reshape", weights=Weights.NONE)

SPECS = [
    LayerSpec("Flatten", ("data_format",), {}, flatten, min_rank=1, family="flatten",
              weights=Weights.NONE),
    LayerSpec("Reshape", ("target_shape",), {}, reshape, check=checks(_check_reshape), **_RESHAPE),
    LayerSpec("Permute", ("dims",), {}, permute, check=checks(_check_permute), **_RESHAPE),
    LayerSpec("RepeatVector", ("n",), {}, repeat_vector, ranks=(2,), family="repeat",
              check=checks(_check_repeat), weights=Weights.NONE),
]
