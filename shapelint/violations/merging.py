"""SHP101 to SHP105: inputs that cannot be merged, combined or split."""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from math import prod
from typing import Any

from shapelint.shapes import Dim, Shape, is_known, known_sizes
from shapelint.violations.base import Change, Step, Violation
from shapelint.violations.lineage import downsampling, own, same_padding_cures, spatial, uneven
from shapelint.violations.vocabulary import fmt, pair, rank_word


def _concat_name(op: str, axis: int) -> str:
    return f"{op}(axis={axis})" if op else f"Concatenate(axis={axis})"


def _spatial_fix(a: Shape, b: Shape, axes: list[int], inputs: tuple[int, int] = (0, 1),
                 nested: bool = False) -> list[tuple[str, Change | None]]:
    """Ways to make the sizes of ``a`` and ``b`` (inputs ``inputs`` of the call) equal on
    ``axes`` (exact amounts), each with the change it makes. Inside a helper or loop the
    amounts hold for this call only, so they are proposed as no change (the text says so)."""
    fixes: list[tuple[str, Change | None]] = []
    da, db = a.dims or (), b.dims or ()
    n = len(da) - 2
    known = [(x, y) for x, y in ((da[i], db[i]) for i in axes) if is_known(x) and is_known(y)]
    spatial = n in (1, 2, 3) and all(1 <= i <= n for i in axes)
    if len(known) != len(axes) or not spatial:
        return fixes
    first_big = known[0][0] > known[0][1]
    big, small = (a, b) if first_big else (b, a)
    i_big, i_small = inputs if first_big else inputs[::-1]
    bd, sd = big.dims or (), small.dims or ()
    gaps = {i: x - y if first_big else y - x for i, (x, y) in zip(axes, known)}   # big minus small
    if any(gap < 0 for gap in gaps.values()):
        return fixes
    amounts = [pair(gaps.get(i, 0)) for i in range(1, n + 1)]
    suffix = f"{n}D"
    pads = amounts[0] if n == 1 else tuple(amounts)

    def option(code: str, on: int, text: str) -> tuple[str, Change | None]:
        return text, None if nested else Change("insert", code, inputs=(on,))

    crop, pad = f"Cropping{suffix}({pads})", f"ZeroPadding{suffix}({pads})"
    fixes.append(option(crop, i_big, f"{crop} on the {fmt(big)} branch gives {tuple(sd[1:n + 1])}"))
    fixes.append(option(pad, i_small, f"{pad} on the {fmt(small)} branch gives {tuple(bd[1:n + 1])}"))
    ratios = [_ratio(bd[i], sd[i]) for i in range(1, n + 1)]
    if all(r == int(r) and r >= 1 for r in ratios) and any(r > 1 for r in ratios):
        size = tuple(int(r) for r in ratios)
        size_text: int | tuple[int, ...] = size[0] if len(set(size)) == 1 else size
        up = f"UpSampling{suffix}(size={size_text})"
        fixes.append(option(up, i_small, f"{up} on the {fmt(small)} branch"))
        fixes.append((f"Conv{suffix}Transpose(filters, kernel_size={size_text}, strides={size_text}) on "
                      f"the {fmt(small)} branch", None))
    return fixes


def _ratio(big: Dim, small: Dim) -> float:
    """How many times ``small`` goes into ``big``; 0 when either is unknown or ``small`` is 0."""
    return big / small if is_known(big) and is_known(small) and small else 0


def _cause(histories: Sequence[Sequence[Step]], shapes: Sequence[Shape]) -> tuple[str, Change | None] | None:
    """The step that made the sizes disagree when it divided an odd size that the other
    input still has (a U-Net skip of 25 meets 12 upsampled to 24), and the remedy: an input
    whose sizes every downsampling on the way divides."""
    for k, steps in enumerate(histories[:2]):
        other = spatial(shapes[1 - k]) if len(shapes) > 1 else ()
        for s in own(steps):
            odd = uneven(s)
            if odd is None or odd[0] not in other:
                continue
            size, factor, result = odd
            where = f" ({os.path.basename(s.path)}:{s.row})" if s.path else f" at line {s.row}"
            text = (f"the {s.layer}{where} divides {size} by {factor} and rounds to {result}, so "
                    f"no upsampling by {factor} gives {size} back")
            first = steps[-1] if steps else None
            total = downsampling(steps)
            if first is None or first.layer != "Input" or total is None or total < 2:
                return text + ".", None
            dims = known_sizes(spatial(first.shape))
            if not dims or len(set(dims)) != 1:
                return text + ".", None
            d = dims[0]
            below, above = d // total * total, (d // total + 1) * total
            near = below if below and d - below <= above - d else above
            text += (f": give the model an input whose sizes are multiples of {total} "
                     f"({' or '.join(str(x) for x in (below, above) if x)} instead of {d})")
            declared = first.declared
            if first.path is None and declared is not None and len(declared) == len(dims) + 1 \
                    and tuple(declared[:-1]) == tuple(dims):
                shape = (near,) * len(dims) + (declared[-1],)
                text += f", e.g. Input(shape={shape!r})"
                return text + ".", Change("argument", repr(shape), row=first.row, layer="Input",
                                          name="shape", position=0)
            return text + ".", None
    return None


def _same_padding(histories: Sequence[Sequence[Step]]) -> tuple[str, Change | None] | None:
    """padding="same" in the convolutions whose "valid" padding alone made the sizes differ."""
    cures = same_padding_cures(histories)
    if not cures:
        return None
    where = ", ".join(f"line {s.row}" if s.path is None else f"{s.path}:{s.row}" for s in cures)
    layers = "the " + " and the ".join(dict.fromkeys(s.layer for s in cures))
    one = cures[0]
    change = Change("argument", '"same"', row=one.row, layer=one.layer, name="padding") \
        if len(cures) == 1 and one.path is None else None
    verb = "shrinks" if len(cures) == 1 else "shrink"
    return f'padding="same" in {layers} at {where}, which {verb} the sizes', change


@dataclass(frozen=True, kw_only=True)
class ConcatRankMismatch(Violation):
    """Concatenate inputs of different ranks."""

    code = "SHP101"
    axis: int
    shapes: tuple[Shape, ...]
    op: str = ""

    def message(self) -> str:
        return (f"{_concat_name(self.op, self.axis)} needs inputs of the same rank, got "
                + " and ".join(f"{fmt(s)} ({rank_word(s.rank)})" for s in self.shapes[:4]) + ".")

    def fix(self) -> str:
        ranks = sorted({s.rank for s in self.shapes if s.rank is not None})
        return (f"Bring the inputs to one rank first: Flatten() each and concatenate on axis=-1, "
                f"or Reshape the {ranks[0]}-D input to {ranks[-1]}-D.")


@dataclass(frozen=True, kw_only=True)
class ConcatAxisMismatch(Violation):
    """Concatenate inputs whose sizes differ off the concatenation axis."""

    code = "SHP101"
    axis: int
    norm_axis: int | None
    shapes: tuple[Shape, ...]
    index: int                      # the input that differs from input 0
    op: str = ""

    @property
    def _pair(self) -> tuple[Shape, Shape]:
        return self.shapes[0], self.shapes[self.index]

    def _differing(self, *, skip_axis: bool) -> list[int]:
        a, b = self._pair
        return [i for i, (x, y) in enumerate(zip(a.dims or (), b.dims or ()))
                if not (skip_axis and i == self.norm_axis) and is_known(x) and is_known(y) and x != y]

    def message(self) -> str:
        a, b = self._pair
        diffs = ", ".join(f"{a[i]} vs {b[i]} on axis {i}" for i in self._differing(skip_axis=True))
        return (f"{_concat_name(self.op, self.axis)} needs equal sizes on every axis except "
                f"{self.norm_axis}, but {fmt(a)} and {fmt(b)} differ ({diffs}).")

    def fix(self) -> str:
        return self._plan()[0]

    def changes(self) -> tuple[Change, ...]:
        return self._plan()[1]

    def _plan(self) -> tuple[str, tuple[Change, ...]]:
        a, b = self._pair
        rank, ax = len(a.dims or ()), self.norm_axis
        bad = self._differing(skip_axis=True)
        # Feature maps: make every spatial size equal (the concat axis too, when it is spatial).
        spatial_axes = [i for i in self._differing(skip_axis=False) if 1 <= i <= rank - 2]
        options: list[tuple[str, Change | None]] = []
        if rank >= 3 and set(bad) <= set(spatial_axes):
            options += _spatial_fix(a, b, spatial_axes, (0, self.index), self.nested)
            cure = _same_padding(self.history)
            if cure is not None:
                options.append(cure)
        if options and ax is not None and 1 <= ax <= rank - 2:
            options.append(("then concatenate on the channel axis (axis=-1) to stack the feature maps", None))
        if bad == [rank - 1] and ax != rank - 1:
            wide = a.dims[-1] if a.dims and is_known(a.dims[-1]) else None
            if 3 <= rank <= 5 and wide is not None:
                proj = f"Conv{rank - 2}D({wide}, 1)"
                options.append((f"project the channels of the {fmt(b)} branch to {wide} with {proj}",
                                None if self.nested else Change("insert", proj, inputs=(self.index,))))
            elif wide is not None:
                proj = f"Dense({wide})"
                options.append((f"project the {fmt(b)} branch with {proj}",
                                None if self.nested else Change("insert", proj, inputs=(self.index,))))
        options.append(("or Flatten() both branches and concatenate them on axis=-1", None) if rank > 2
                       else ("or project one branch with Dense to the other's size", None))
        lead = "make the shapes agree before concatenating"
        if self.nested and any(c is None and o.startswith("Cropping") for o, c in options):
            lead = f"for this call only (the code runs for other sizes too), {lead}"
        cause = _cause(self.history, self._pair)
        head = f"{cause[0]} Or, {lead}" if cause is not None else lead[0].upper() + lead[1:]
        text = f"{head}: " + "; ".join(o for o, _ in options) + "."
        if cause is not None:
            text = text[0].upper() + text[1:]
            options.insert(0, cause)
        return text, tuple(c for _, c in options if c is not None)


@dataclass(frozen=True, kw_only=True)
class StackShapeMismatch(Violation):
    """stack() inputs of different shapes."""

    code = "SHP101"
    axis: int
    shapes: tuple[Shape, ...]
    index: int
    op: str = ""

    def message(self) -> str:
        a, b = self.shapes[0], self.shapes[self.index]
        return (f"{_concat_name(self.op, self.axis)} needs inputs of one shape, but {fmt(a)} and "
                f"{fmt(b)} differ.")

    def fix(self) -> str:
        return ("Make every input the same shape before stacking (resize, crop or pad them), or "
                "concatenate along an existing axis if only that axis differs.")


@dataclass(frozen=True, kw_only=True)
class BroadcastMismatch(Violation):
    """Element-wise inputs (merge layers, operators, ops) whose shapes do not broadcast."""

    code = "SHP102"
    shapes: tuple[Shape, ...]
    axis: int
    a: Any
    b: Any
    rank: int | None = None         # of the broadcast result, when it differs from input 0's
    layer: str = ""

    def message(self) -> str:
        listed = " and ".join(fmt(s) for s in self.shapes[:4])
        return (f"{self.layer} needs shapes that broadcast, but {listed} differ on axis "
                f"{self.axis} ({self.a} vs {self.b}).")

    def fix(self) -> str:
        return self._plan()[0]

    def changes(self) -> tuple[Change, ...]:
        return self._plan()[1]

    def _pair(self) -> tuple[int, int]:
        """The two inputs whose sizes conflict: the first, and the first that does not
        broadcast with it (aligned on their last axes)."""
        first = self.shapes[0].dims or ()
        for j, s in enumerate(self.shapes[1:], start=1):
            other = s.dims or ()
            if any(is_known(x) and is_known(y) and x != y and 1 not in (x, y)
                   for x, y in zip(reversed(first), reversed(other))):
                return 0, j
        return 0, min(1, len(self.shapes) - 1)

    def _plan(self) -> tuple[str, tuple[Change, ...]]:
        a, b, axis = self.a, self.b, self.axis
        i, j = self._pair()
        x, y = self.shapes[i], self.shapes[j]
        xd, yd = x.dims or (), y.dims or ()
        xs, ys = known_sizes(xd[1:]), known_sizes(yd[1:])    # every size but the batch's
        nested = self.nested
        # Feature maps of one rank whose spatial sizes (and maybe channels) differ: the
        # projection shortcut of ResNet, a strided 1x1 convolution.
        if xd and yd and xs is not None and ys is not None and len(xd) == len(yd) and 3 <= len(xd) <= 5 \
                and xs[:-1] != ys[:-1]:
            n = len(xd) - 2
            big, small, on = (x, y, i) if prod(xs[:-1]) > prod(ys[:-1]) else (y, x, j)
            found = [_stride(p, q) for p, q in zip((big.dims or ())[1:-1], (small.dims or ())[1:-1])]
            strides = [s for s in found if s is not None]
            if len(strides) == len(found):
                s_text: int | tuple[int, ...] = strides[0] if len(set(strides)) == 1 else tuple(strides)
                channels = (small.dims or ())[-1]
                proj = f"Conv{n}D({channels}, 1, strides={s_text})" if s_text != 1 \
                    else f"Conv{n}D({channels}, 1)"
                target = Shape((None,) + tuple((small.dims or ())[1:]))
                return (f"Project the {fmt(big)} input to {fmt(target)} before {self.layer} with {proj} "
                        f"(the projection shortcut of ResNet: a 1x1 convolution with the stride of the "
                        f"other branch).", () if nested else (Change("insert", proj, inputs=(on,)),))
        ranks = [s.rank for s in self.shapes if s.rank is not None]
        rank = self.rank if self.rank is not None else max(ranks) if ranks else None
        if rank is not None and axis == rank - 1 and isinstance(a, int) and isinstance(b, int):
            last = [s.dims[-1] if s.dims else None for s in self.shapes]
            wide = max([a, b, *(d for d in last if is_known(d))])
            narrow = [k for k, d in enumerate(last) if is_known(d) and d not in (1, wide)]
            narrow_ranks = {self.shapes[k].rank for k in narrow}
            r = narrow_ranks.pop() if len(narrow_ranks) == 1 else None
            proj = f"Conv{r - 2}D({wide}, 1)" if r is not None and 3 <= r <= 5 else f"Dense({wide})"
            tail = " (a 1x1 projection as in ResNet shortcuts)" if r is not None and 3 <= r <= 5 else ""
            which = " and ".join(f"{last[k]}-feature input {fmt(self.shapes[k])}" for k in narrow)
            each = " on each" if len(narrow) > 1 else ""
            return (f"Project the {which} to {wide} features before {self.layer}, e.g. {proj}{each}{tail}.",
                    () if nested or not narrow else (Change("insert", proj, inputs=tuple(narrow)),))
        if rank == 3 and axis == 1 and isinstance(a, int) and isinstance(b, int):
            d = abs(a - b)
            longer, shorter = (i, j) if len(xd) == 3 and xd[1] == max(a, b) else (j, i)
            options: list[tuple[str, Change]] = []
            # Cropping1D and ZeroPadding1D take (batch, steps, features)
            if self.shapes[longer].rank == 3:
                options.append((f"crop the longer one by {d} steps with Cropping1D((0, {d}))",
                                Change("insert", f"Cropping1D((0, {d}))", inputs=(longer,))))
            if self.shapes[shorter].rank == 3:
                options.append((f"pad the shorter one by {d} steps with ZeroPadding1D((0, {d}))",
                                Change("insert", f"ZeroPadding1D((0, {d}))", inputs=(shorter,))))
            return (f"Make the sequence lengths equal ({a} vs {b} steps): build both from the same "
                    f"length (the same maxlen or Input shape)"
                    + "".join(f", or {text}" for text, _ in options) + ".",
                    () if nested else tuple(c for _, c in options))
        cure = _same_padding(self.history)
        same = f", or {cure[0]}" if cure is not None else ""
        return (f"Make axis {axis} equal on both inputs ({a} vs {b}): pool, crop or pad the larger "
                f"one to {min(a, b)}{same}.",
                () if cure is None or cure[1] is None or nested else (cure[1],))


def _stride(size: Dim, target: Dim) -> int | None:
    """The stride that takes a 1x1 convolution (padding "valid") from ``size`` to ``target``."""
    if not (is_known(size) and is_known(target)) or target < 1 or size < target:
        return None
    for s in range(1, size + 1):
        if (size - 1) // s + 1 == target:
            return s
    return None


@dataclass(frozen=True, kw_only=True)
class BroadcastToMismatch(Violation):
    """broadcast_to() asked to stretch an axis whose size is not 1."""

    code = "SHP102"
    shapes: tuple[Shape, ...]       # (input, target)
    axis: int
    a: Dim
    b: Dim
    layer: str = ""

    def message(self) -> str:
        return (f"{self.layer} can only stretch axes of size 1, but {fmt(self.shapes[0])} has "
                f"{self.a} on axis {self.axis} of the target {fmt(self.shapes[1])}, which asks "
                f"for {self.b}.")

    def fix(self) -> str:
        return (f"Ask for {self.a} on axis {self.axis} in the target shape, or bring the input to "
                f"size 1 there first (e.g. a mean with keepdims=True).")


@dataclass(frozen=True, kw_only=True)
class DotAxesMismatch(Violation):
    code = "SHP103"
    shapes: tuple[Shape, ...]
    axes: tuple[int, int]
    a: Dim
    b: Dim

    def message(self) -> str:
        (x, y), (ax, ay) = self.shapes, self.axes
        return (f"Dot(axes=({ax}, {ay})) contracts axis {ax} of {fmt(x)} with axis {ay} of "
                f"{fmt(y)}, but their sizes differ ({self.a} vs {self.b}).")

    def fix(self) -> str:
        return (f"Choose axes with equal sizes, or project one input first, e.g. Dense({self.a}) on "
                f"the {fmt(self.shapes[1])} input.")


@dataclass(frozen=True, kw_only=True)
class MatmulRankTooLow(Violation):
    code = "SHP104"
    shapes: tuple[Shape, ...]
    op: str = ""

    def message(self) -> str:
        x, y = self.shapes
        return f"{self.op} needs operands of rank 2 or more, but got {fmt(x)} and {fmt(y)}."

    def fix(self) -> str:
        return ("Give the 1-D operand a matrix axis first (expand_dims(v, 0) or (v, -1)), or "
                "use keras.ops.matmul / tensordot, which accept vectors.")


@dataclass(frozen=True, kw_only=True)
class MatmulBatchMismatch(Violation):
    code = "SHP104"
    shapes: tuple[Shape, ...]
    a: Dim
    b: Dim
    op: str = ""

    def message(self) -> str:
        return (f"{self.op} broadcasts the leading (batch) axes of its operands "
                f"{' and '.join(fmt(s) for s in self.shapes)}, but they differ ({self.a} vs {self.b}).")

    def fix(self) -> str:
        return "Give both operands the same leading sizes, or 1 where one should be broadcast."


@dataclass(frozen=True, kw_only=True)
class EinsumLabelMismatch(Violation):
    code = "SHP104"
    shapes: tuple[Shape, ...]
    equation: str
    label: str
    operands: tuple[int, int]
    a: Dim
    b: Dim
    op: str = ""

    def message(self) -> str:
        i, j = self.operands
        return (f"{self.op}('{self.equation}') uses the label '{self.label}' for sizes {self.a} and "
                f"{self.b} (operands {i} and {j}: {fmt(self.shapes[i])} and {fmt(self.shapes[j])}).")

    def fix(self) -> str:
        return (f"Every axis labelled '{self.label}' must have the same size: check the "
                f"subscripts against the operands' shapes, or project one operand to "
                f"{self.a} first.")


@dataclass(frozen=True, kw_only=True)
class ContractionMismatch(Violation):
    """matmul/@/tensordot contracting axes of different sizes."""

    code = "SHP104"
    shapes: tuple[Shape, ...]
    axes: tuple[int, int]
    a: Dim
    b: Dim
    op: str = ""

    def message(self) -> str:
        (x, y), (ax, ay) = self.shapes, self.axes
        return (f"{self.op} contracts axis {ax} of {fmt(x)} (size {self.a}) with axis {ay} of "
                f"{fmt(y)} (size {self.b}), which differ.")

    def fix(self) -> str:
        return (f"Make the contracted sizes equal: transpose the operand whose matching axis is "
                f"elsewhere (transpose_b=True in tf.matmul, or a transpose), or map it to {self.a} "
                f"features first (e.g. Dense({self.a})).")


@dataclass(frozen=True, kw_only=True)
class SplitSectionsMismatch(Violation):
    code = "SHP105"
    shape: Shape
    axis: int
    size: int
    n: int
    op: str = ""

    def message(self) -> str:
        return (f"{self.op} cannot split axis {self.axis} of {fmt(self.shape)} (size {self.size}) "
                f"into {self.n} equal parts.")

    def fix(self) -> str:
        size = self.size
        divs = [k for k in range(1, size + 1) if size % k == 0][:8] if size > 0 else []
        return (f"Split into a number of parts that divides {size} ({', '.join(map(str, divs))}), "
                f"or pass the sizes of the parts (they must add up to {size}).")


@dataclass(frozen=True, kw_only=True)
class SplitSizesMismatch(Violation):
    code = "SHP105"
    shape: Shape
    axis: int
    size: int
    sizes: tuple[int, ...]
    op: str = ""

    def message(self) -> str:
        total = sum(s for s in self.sizes if s != -1)
        return (f"{self.op} sizes {list(self.sizes)} add up to {total}, but axis {self.axis} of "
                f"{fmt(self.shape)} has {self.size}.")

    def fix(self) -> str:
        return f"Make the sizes add up to {self.size}, or write -1 for one of them to take the rest."


@dataclass(frozen=True, kw_only=True)
class UnstackCountMismatch(Violation):
    code = "SHP105"
    shape: Shape
    axis: int
    size: int
    n: int
    op: str = ""

    def message(self) -> str:
        return (f"{self.op}(num={self.n}) needs axis {self.axis} of {fmt(self.shape)} to have "
                f"{self.n} entries, but it has {self.size}.")

    def fix(self) -> str:
        return f"Pass num={self.size}, or leave num out so it is read from the shape."
