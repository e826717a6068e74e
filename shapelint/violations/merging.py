"""SHP101–SHP105: inputs that cannot be merged, combined or split."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from shapelint.shapes import Shape, is_known
from shapelint.violations.base import Violation
from shapelint.violations.vocabulary import fmt, pair, rank_word


def _concat_name(op: str, axis: int) -> str:
    return f"{op}(axis={axis})" if op else f"Concatenate(axis={axis})"


def _spatial_fix(a: Shape, b: Shape, axes: list[int]) -> list[str]:
    """Ways to make the sizes of ``a`` and ``b`` equal on ``axes`` (exact amounts)."""
    fixes: list[str] = []
    da, db = a.dims or (), b.dims or ()
    n = len(da) - 2
    known = all(is_known(da[i]) and is_known(db[i]) for i in axes)
    spatial = n in (1, 2, 3) and all(1 <= i <= n for i in axes)
    if not (known and spatial):
        return fixes
    big, small = (a, b) if da[axes[0]] > db[axes[0]] else (b, a)  # type: ignore[operator]
    bd, sd = big.dims or (), small.dims or ()
    if any(bd[i] < sd[i] for i in axes):  # type: ignore[operator]
        return fixes
    amounts = [pair(bd[i] - sd[i] if i in axes else 0) for i in range(1, n + 1)]  # type: ignore[operator]
    suffix = f"{n}D"
    pads = amounts[0] if n == 1 else tuple(amounts)
    fixes.append(f"Cropping{suffix}({pads}) on the {fmt(big)} branch gives {tuple(sd[1:n + 1])}")
    fixes.append(f"ZeroPadding{suffix}({pads}) on the {fmt(small)} branch gives {tuple(bd[1:n + 1])}")
    ratios = [bd[i] / sd[i] if is_known(bd[i]) and is_known(sd[i]) and sd[i] else 0  # type: ignore[operator]
              for i in range(1, n + 1)]
    if all(r == int(r) and r >= 1 for r in ratios) and any(r > 1 for r in ratios):
        size = tuple(int(r) for r in ratios)
        size_text: Any = size[0] if len(set(size)) == 1 else size
        fixes.append(f"UpSampling{suffix}(size={size_text}) or Conv{suffix}Transpose(filters, "
                     f"kernel_size={size_text}, strides={size_text}) on the {fmt(small)} branch")
    fixes.append('padding="same" in the convolutions so both branches keep the same size')
    return fixes


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
    norm_axis: Optional[int]
    shapes: tuple[Shape, ...]
    index: int                      # the input that differs from input 0
    op: str = ""

    @property
    def _pair(self) -> tuple[Shape, Shape]:
        return self.shapes[0], self.shapes[self.index]

    def _differing(self, *, skip_axis: bool) -> list[int]:
        a, b = self._pair
        rank = len(a.dims or ())
        return [i for i in range(rank) if not (skip_axis and i == self.norm_axis)
                and is_known(a.dims[i]) and is_known(b.dims[i])  # type: ignore[index]
                and a.dims[i] != b.dims[i]]  # type: ignore[index]

    def message(self) -> str:
        a, b = self._pair
        diffs = ", ".join(f"{a.dims[i]} vs {b.dims[i]} on axis {i}"  # type: ignore[index]
                          for i in self._differing(skip_axis=True))
        return (f"{_concat_name(self.op, self.axis)} needs equal sizes on every axis except "
                f"{self.norm_axis}, but {fmt(a)} and {fmt(b)} differ ({diffs}).")

    def fix(self) -> str:
        a, b = self._pair
        rank, ax = len(a.dims or ()), self.norm_axis
        bad = self._differing(skip_axis=True)
        # Feature maps: make every spatial size equal (the concat axis too, when it is spatial).
        spatial = [i for i in self._differing(skip_axis=False) if 1 <= i <= rank - 2]
        options = _spatial_fix(a, b, spatial) if rank >= 3 and set(bad) <= set(spatial) else []
        if options and ax is not None and 1 <= ax <= rank - 2:
            options.append("then concatenate on the channel axis (axis=-1) to stack the feature maps")
        if bad == [rank - 1] and ax != rank - 1:
            options.append(f"project the channels to one size with a 1x1 Conv{rank - 2}D"
                           if 3 <= rank <= 5 else "project one branch with Dense to the other's size")
        options.append("or Flatten() both branches and concatenate them on axis=-1"
                       if rank > 2 else "or project one branch with Dense to the other's size")
        return "Make the shapes agree before concatenating: " + "; ".join(options) + "."


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
        return f"{_concat_name(self.op, self.axis)} needs inputs of one shape, but {fmt(a)} and {fmt(b)} differ."

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
    rank: Optional[int] = None      # of the broadcast result, when it differs from input 0's
    layer: str = ""

    def message(self) -> str:
        listed = " and ".join(fmt(s) for s in self.shapes[:4])
        return (f"{self.layer} needs shapes that broadcast, but {listed} differ on axis "
                f"{self.axis} ({self.a} vs {self.b}).")

    def fix(self) -> str:
        a, b, axis = self.a, self.b, self.axis
        rank = self.rank if self.rank is not None else self.shapes[0].rank
        if rank is not None and axis == rank - 1:
            proj = f"Dense({max(a, b)})" if rank == 2 else f"Conv{rank - 2}D({max(a, b)}, 1)" \
                if 3 <= rank <= 5 else f"Dense({max(a, b)})"
            return (f"Project the {min(a, b)}-feature input to {max(a, b)} features before "
                    f"{self.layer}, e.g. {proj} (a 1x1 projection as in ResNet shortcuts).")
        if rank == 3 and axis == 1 and isinstance(a, int) and isinstance(b, int):
            return (f"Make the sequence lengths equal ({a} vs {b} steps): build both from the same "
                    f"length (the same maxlen or Input shape), or crop the longer one / pad the "
                    f"shorter one by {abs(a - b)} steps (Cropping1D((0, {abs(a - b)})) / "
                    f"ZeroPadding1D((0, {abs(a - b)}))).")
        return (f"Make axis {axis} equal on both inputs ({a} vs {b}): pool, crop or pad the larger "
                f"one to {min(a, b)}, or use padding=\"same\" upstream so the sizes stay equal.")


@dataclass(frozen=True, kw_only=True)
class BroadcastToMismatch(Violation):
    """broadcast_to() asked to stretch an axis whose size is not 1."""

    code = "SHP102"
    shapes: tuple[Shape, ...]       # (input, target)
    axis: int
    a: Any
    b: Any
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
    a: Any
    b: Any

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
    a: Any
    b: Any
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
    a: Any
    b: Any
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
    a: Any
    b: Any
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
