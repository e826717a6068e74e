"""SHP301, SHP401, SHP402: sequences, reshapes and spatial sizes."""
from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any

from shapelint.shapes import Dim, Shape, is_known
from shapelint.violations.base import Change, Step, Violation
from shapelint.violations.vocabulary import LAYOUT, fmt


@dataclass(frozen=True, kw_only=True)
class MissingReturnSequences(Violation):
    """A recurrent layer fed the last output of a recurrent layer instead of its sequence."""

    code = "SHP301"
    got: Shape
    prev: str                        # the recurrent layer upstream
    prev_row: int
    family: str = "rnn"
    layer: str = ""

    def message(self) -> str:
        return (f"{self.layer} needs a sequence {LAYOUT.get(self.family, '')}, but the {self.prev} "
                f"at line {self.prev_row} returns only its last output {fmt(self.got)} "
                f"(return_sequences=False).")

    @property
    def _upstream(self) -> Step | None:
        """The recurrent layer's step in the history of the input."""
        steps = self.history[0] if self.history else ()
        return next((s for s in steps if s.layer == self.prev and s.row == self.prev_row), None)

    def fix(self) -> str:
        step = self._upstream
        if step is not None and step.wraps:
            text = (f"Pass return_sequences=True to the {step.wraps} that the {self.prev} at line "
                    f"{self.prev_row} wraps: the {self.prev} returns the sequence when its layer does.")
        else:
            text = f"Pass return_sequences=True to the {self.prev} at line {self.prev_row}."
        if self.nested:       # the same line makes the last recurrent layer too
            text = (text[:-1] + " where it feeds another recurrent layer, and not where it makes "
                    "the last one (e.g. return_sequences=i < n - 1 in a loop of n passes).")
        return text

    def changes(self) -> tuple[Change, ...]:
        step = self._upstream
        if step is None or step.path is not None:
            return ()
        # In a loop or a helper called again, True would also reach the last recurrent layer,
        # whose output the model meant to be the last step's: the change is shown, not made.
        return (Change("argument", "True", row=self.prev_row, layer=step.wraps or self.prev,
                       name="return_sequences", offered="" if self.nested else "fix"),)


@dataclass(frozen=True, kw_only=True)
class ReshapeSizeMismatch(Violation):
    """A Reshape layer: sizes count one example (the batch axis is not in the target)."""

    code = "SHP401"
    input: Shape
    target: tuple[Any, ...]
    in_size: int | None               # None: only a multiple of known_in is known
    out_size: int
    known_in: int | None = None
    wildcard: bool = False            # the target holds a -1

    def message(self) -> str:
        target, x = tuple(self.target), self.input
        if self.in_size is None:
            return (f"Reshape({target}) needs {self.out_size} values per example, but its input "
                    f"{fmt(x)} always has a multiple of {self.known_in}, which {self.out_size} is not.")
        if self.wildcard:
            return (f"Reshape({target}) cannot split the {self.in_size} values per example of "
                    f"{fmt(x)} into blocks of {self.out_size}.")
        return (f"Reshape({target}) needs {self.out_size} values per example, but its input "
                f"{fmt(x)} has {self.in_size}.")

    def fix(self) -> str:
        target, in_size, out_size = tuple(self.target), self.in_size, self.out_size
        if in_size is None:
            return f"Change the target so its sizes multiply to a multiple of {self.known_in}."
        options = []
        fixed = [v for v in target if v != -1]
        for i in range(len(fixed)):
            others = prod(fixed[:i] + fixed[i + 1:])
            if others and in_size % others == 0:
                suggestion = tuple(-1 if j == i else v for j, v in enumerate(fixed))
                options.append(f"Reshape({suggestion}) (the -1 becomes {in_size // others})")
                break
        options.append(f"map the input to {out_size} values first, e.g. Dense({out_size}), "
                       f"if {target} is the shape you need")
        return f"The target sizes must multiply to {in_size}: " + "; or ".join(options) + "."


@dataclass(frozen=True, kw_only=True)
class ReshapeOpSizeMismatch(Violation):
    """A reshape op: sizes count the whole tensor, batch axis included."""

    code = "SHP401"
    input: Shape
    target: tuple[Any, ...]
    in_size: int | None
    out_size: int
    known_in: int | None = None
    wildcard: bool = False
    op: str = ""

    @property
    def _call(self) -> str:
        return f"{self.op}(x, {tuple(self.target)})"

    def message(self) -> str:
        x = self.input
        if self.in_size is None:
            return (f"{self._call} needs {self.out_size} values, but {fmt(x)} always holds a multiple "
                    f"of {self.known_in} (its unknown axis times {self.known_in}), which "
                    f"{self.out_size} is not.")
        if self.wildcard:
            return (f"{self._call} cannot split the {self.in_size} values of {fmt(x)} into blocks of "
                    f"{self.out_size}.")
        return f"{self._call} needs {self.out_size} values, but {fmt(x)} holds {self.in_size}."

    def fix(self) -> str:
        op, in_size = self.op, self.in_size
        if in_size is None:
            return (f"Choose target sizes whose product is a multiple of {self.known_in}, or put -1 "
                    f"where the unknown (batch) axis goes, e.g. {op}(x, (-1, {self.known_in})).")
        fixed = [v for v in tuple(self.target) if is_known(v) and v != -1]
        options = []
        for i in range(len(fixed)):
            others = prod(fixed[:i] + fixed[i + 1:])
            if others and in_size % others == 0:
                suggestion = tuple(-1 if j == i else v for j, v in enumerate(fixed))
                options.append(f"{op}(x, {suggestion}) (the -1 becomes {in_size // others})")
                break
        options.append("keep the batch axis as -1 and make the other sizes multiply to the size of "
                       "one example")
        return f"The target sizes must multiply to {in_size}: " + "; or ".join(options) + "."


@dataclass(frozen=True, kw_only=True)
class NonPositiveOutput(Violation):
    """A convolution or pooling window larger than what it slides over."""

    code = "SHP402"
    axis: int
    size: Dim
    kernel: Any
    strides: Any
    padding: str
    out: Dim
    dilation: Any = 1
    what: str = "kernel_size"          # or "pool_size"
    layer: str = ""

    def message(self) -> str:
        return (f"{self.layer} with {self.what}={self.kernel}, strides={self.strides}, "
                f"padding=\"{self.padding}\" on axis {self.axis} of size {self.size} would give an "
                f"output of size {self.out}.")

    def fix(self) -> str:
        return (f"Use padding=\"same\", a {self.what} of at most {self.size}, or fewer downsampling "
                f"layers before this one (the input is only {self.size} wide here).")


@dataclass(frozen=True, kw_only=True)
class CroppingTooLarge(Violation):
    code = "SHP402"
    axis: int
    size: Dim
    cropping: tuple[int, int]
    out: Dim
    layer: str = ""

    def message(self) -> str:
        return (f"{self.layer} crops {self.cropping} from axis {self.axis} of size {self.size}, "
                f"leaving {self.out}.")

    def fix(self) -> str:
        return f"Crop less than {self.size} in total on axis {self.axis}."
