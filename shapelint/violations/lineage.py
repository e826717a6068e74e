"""What a finding's history says, for its fix: where a tensor came from, and which step
made sizes disagree. Histories are the checker's :class:`~shapelint.violations.base.Step`
tuples, one per input, nearest step first; each reads only what the steps state."""
from __future__ import annotations

from collections.abc import Sequence
from math import prod

from shapelint.shapes import Dim, Shape, is_known
from shapelint.violations.base import Step

CONVOLUTIONS = ("Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D",
                "DepthwiseConv1D", "DepthwiseConv2D")


def keeps_shape(step: Step) -> bool:
    """The step gives back the shape it was given, every size known (two unknown sizes are
    not known to be equal)."""
    before, after = step.before, step.shape
    return before is not None and after is not None and before.dims is not None \
        and before == after and all(is_known(d) for d in before.dims[1:])


def maker(steps: Sequence[Step]) -> Step | None:
    """The step that gave the tensor its shape: the nearest one that changed it."""
    return next((s for s in steps if not keeps_shape(s)), None)


def from_input(steps: Sequence[Step]) -> Step | None:
    """The Input (of the checked file) the tensor is, through shape-preserving steps only;
    None when some layer made it (a Dense's output is not an Input's to redeclare)."""
    made = maker(steps)
    return made if made is not None and made.layer == "Input" and made.path is None else None


def flat_grid(steps: Sequence[Step], size: int, parts: int) -> tuple[int, ...] | None:
    """The grid a flat vector of ``size`` values was written as: ``Dense(7 * 7 * 128)``
    gives (7, 7, 128) when ``parts`` sizes are wanted."""
    made = maker(steps)
    if made is None or len(made.factors) != parts or prod(made.factors) != size:
        return None
    return made.factors


def spatial(shape: Shape | None) -> tuple[Dim, ...]:
    """The sizes between the batch and the channel axis (none for an unknown shape)."""
    dims = shape.dims if shape is not None and shape.dims is not None else ()
    return tuple(dims[1:-1])


def uneven(step: Step) -> tuple[int, int, int] | None:
    """(size, factor, result) when the step divides a spatial size its factor does not
    divide, rounding (a pooling or strided convolution of an odd size)."""
    for a, b in zip(spatial(step.before), spatial(step.shape)):
        if is_known(a) and is_known(b) and 0 < b < a:
            factor = round(a / b)
            if factor >= 2 and a % factor and b in (a // factor, -(-a // factor)):
                return a, factor, b
    return None


def downsampling(steps: Sequence[Step]) -> int | None:
    """The product of the factors by which the steps divide the spatial sizes (every pooling
    and strided step from the Input on), when each is a whole factor; None otherwise."""
    total = 1
    for step in steps:
        before, after = spatial(step.before), spatial(step.shape)
        if not before or len(before) != len(after):
            continue
        pairs = [(a, b) for a, b in zip(before, after) if is_known(a) and is_known(b)]
        if not pairs or all(a == b for a, b in pairs):
            continue
        a, b = pairs[0]
        if b >= a:
            continue
        factor = round(a / b)
        if factor < 2:
            return None
        total *= factor
    return total


def own(steps: Sequence[Step]) -> list[Step]:
    """The steps of an input's history before it joins another input's."""
    return [s for s in steps if not s.shared]


def same_padding_cures(histories: Sequence[Sequence[Step]]) -> list[Step]:
    """The convolutions to give padding="same" so that the inputs' spatial sizes agree: when
    the histories meet and every step on their own parts either keeps the spatial sizes or
    is such a convolution (padding="valid", stride 1, shrinking them), both inputs then keep
    the size where they met. Empty when that is not so."""
    if len(histories) < 2 or not all(any(s.shared for s in steps) for steps in histories):
        return []
    cures = []
    for steps in histories:
        for s in own(steps):
            if spatial(s.before) == spatial(s.shape):
                continue
            if s.layer in CONVOLUTIONS and s.padding == "valid" and set(s.strides or (1,)) == {1}:
                cures.append(s)
            else:
                return []
    return cures
