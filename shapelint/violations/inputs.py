"""SHP201 to SHP204, SHP206, SHP207: inputs a layer or op cannot take."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from math import prod
from typing import Any

from shapelint.shapes import Dim, Shape, is_known, known_sizes
from shapelint.violations.base import Change, Site, Violation
from shapelint.violations.lineage import flat_grid, from_input, maker
from shapelint.violations.vocabulary import KERAS2_DIFFERS, LAYOUT, fmt, rank_word


def _conv_call(filters: Any, kernel_size: Any, n: int) -> str:
    """``ConvND(filters, kernel)`` as the user wrote them, with placeholders for unknowns."""
    f = filters if isinstance(filters, int) and not isinstance(filters, bool) else "filters"
    k: Any = 3
    m = n if n else 1
    if isinstance(kernel_size, int) and not isinstance(kernel_size, bool):
        k = kernel_size
    elif isinstance(kernel_size, (tuple, list)) and len(kernel_size) == m and all(
            isinstance(x, int) and not isinstance(x, bool) for x in kernel_size):
        k = kernel_size[0]
    return f"Conv{n}D({f}, {k if n == 1 else (k,) * n})"


@dataclass(frozen=True, kw_only=True)
class InputRankMismatch(Violation):
    """A layer given an input of a rank it cannot take."""

    code = "SHP201"
    got: Shape
    expected: tuple[int, ...] = ()
    min_rank: int = 0
    family: str = ""
    layer: str = ""
    keras2_accepts: bool = False      # Keras 2 took this rank (extra leading axes)
    filters: Any = None               # the layer's own arguments, repeated in the fix
    kernel_size: Any = None

    def at_site(self, site: Site) -> InputRankMismatch:
        out = super().at_site(site)
        if site.arguments is not None:
            out = dataclasses.replace(out, filters=site.arguments("filters"),
                                      kernel_size=site.arguments("kernel_size"))
        return out

    @property
    def _want(self) -> str:
        e = self.expected
        if len(e) == 1:
            return f"{e[0]}-D"
        return " or ".join(f"{r}-D" for r in e) if e else f"at least {self.min_rank}-D"

    def message(self) -> str:
        layout = LAYOUT.get(self.family, "")
        e = self.expected
        return (f"{self.layer} expects {'an input of ' if not e else 'a '}{self._want}"
                f"{'' if not e else ' input'}{' ' + layout if layout else ''}, "
                f"but got {rank_word(self.got.rank)} {fmt(self.got)}."
                + (KERAS2_DIFFERS.replace("this", "the extra leading axes") if self.keras2_accepts else ""))

    def fix(self) -> str:
        return self._plan()[0]

    def changes(self) -> tuple[Change, ...]:
        return self._plan()[1]

    def _plan(self) -> tuple[str, tuple[Change, ...]]:
        """The fix in words and the changes it names, worked out once for both."""
        layer, family, got = self.layer, self.family, self.got
        dims = got.dims or ()
        steps = self.history[0] if self.history else ()
        fix: str | None = None
        changes: list[Change] = []
        if family.startswith("conv") and family[4:5].isdigit() and len(family) == 6:
            n = int(family[4])
            want_rank = n + 2
            conv = _conv_call(self.filters, self.kernel_size, n)
            source = from_input(steps)
            if got.rank == want_rank + 1:
                declared = source.declared if source is not None else None
                if source is not None and declared is not None and len(declared) == want_rank \
                        and declared[0] is None:
                    kept = tuple(declared[1:])
                    changes.append(Change("argument", repr(kept), row=source.row, layer="Input",
                                          name="shape", position=0, offered="guess"))
                    fix = (f"shape= holds the batch axis, which Keras adds itself: "
                           f"Input(shape={kept!r}) gives {fmt(Shape((None,) + kept))}. If the first "
                           f"axis is time, wrap the layer as TimeDistributed({conv}) to apply it to "
                           f"every frame.")
                else:
                    bigger = _conv_call(self.filters, self.kernel_size, n + 1) if n < 3 else None
                    fix = (f"The input has an extra leading axis ({dims[1]} frames): wrap the layer as "
                           f"TimeDistributed({conv}) to apply it to every frame"
                           + (f", or use {bigger} to convolve across frames too" if bigger else "") + ".")
            elif got.rank == want_rank - 1:
                sizes = tuple(dims[1:])
                unknown = [d for d in sizes if not is_known(d)]
                options = []
                if len(unknown) <= 1:
                    reshape = f"Reshape({tuple(d if is_known(d) else -1 for d in sizes) + (1,)!r})"
                    changes.append(Change("insert", reshape))
                    options.append(reshape)
                else:
                    options.append("keras.ops.expand_dims(x, -1)")
                if source is not None:
                    redeclared = sizes + (1,)
                    changes.append(Change("argument", repr(redeclared), row=source.row, layer="Input",
                                          name="shape", position=0))
                    options.append(f"declare Input(shape={redeclared!r})")
                fix = f"Add the missing channel axis, e.g. {' or '.join(options)}."
            elif got.rank is not None and 2 <= got.rank < want_rank - 1:
                names = {1: "(steps, channels)", 2: "(rows, cols, channels)",
                         3: "(depth, rows, cols, channels)"}[n] if n in (1, 2, 3) else None
                size = dims[-1] if got.rank == 2 else None
                grid = flat_grid(steps, size, want_rank - 1) if is_known(size) else None
                if grid is not None:
                    made = maker(steps)
                    reshape = f"Reshape({grid!r})"
                    changes.append(Change("insert", reshape))
                    written = " * ".join(map(str, grid))
                    fix = (f"Reshape the {size} values to the grid the {made.layer} at line {made.row} "
                           f"writes them as ({written}) before {layer}: {reshape}."
                           if made is not None else f"Reshape the input with {reshape} before {layer}.")
                elif names is not None:
                    total = f" whose sizes multiply to {size}" if is_known(size) else ""
                    fix = f"Reshape the input to {names} before {layer}: Reshape({names}){total}."
        elif family == "rnn":
            if got.rank == 2:
                width = dims[1] if is_known(dims[1]) else -1
                changes.append(Change("insert", f"Reshape((1, {width}))"))
                fix = (f"{layer} needs (batch, timesteps, features). If the previous recurrent layer "
                       f"should feed a sequence, give it return_sequences=True; otherwise add a time "
                       f"axis, e.g. RepeatVector(timesteps) or Reshape((1, {width})).")
            elif got.rank and got.rank > 3:
                rest = known_sizes(dims[2:])
                feat = prod(rest) if rest is not None else None
                steps_n = dims[1] if is_known(dims[1]) else -1
                options = ["TimeDistributed(Flatten())"]
                if feat is not None:
                    options.append(f"Reshape(({steps_n}, {feat}))")
                changes += [Change("insert", o) for o in options]
                fix = f"Flatten each timestep first: {' or '.join(options)}."
        elif family.startswith("convlstm"):
            fix = ("ConvLSTM layers need (batch, time, rows, cols, channels); if the input comes "
                   "from a ConvLSTM layer, give that one return_sequences=True.")
        elif family == "repeat" and got.rank and got.rank > 2:
            changes.append(Change("insert", "Flatten()"))
            fix = "Flatten() the input first: RepeatVector repeats a flat (batch, features) vector."
        elif family == "time_distributed":
            fix = ("TimeDistributed applies its layer to every step of a (batch, time, features) "
                   "tensor, and this input has no time axis: apply the layer directly, or keep the "
                   "time axis upstream (return_sequences=True, no pooling over time).")
        elif family == "image" and got.rank == 5:
            fix = (f"The input is a batch of clips: wrap the {layer} in TimeDistributed to apply it "
                   f"to every frame.")
        if fix is None:
            fix = f"Reshape the input to {'a ' if self.expected else ''}{self._want} before {layer}."
        return fix, tuple(changes)


@dataclass(frozen=True, kw_only=True)
class IntShapeArgument(Violation):
    """``shape=(5)`` — an int where Keras 3 requires a tuple."""

    code = "SHP202"
    argument: str                     # "shape" or "input_shape"
    value: int
    written: str = ""                 # the argument as the code writes it: "(5)", "784", "n"

    @property
    def _inner(self) -> str:
        """What goes before the trailing comma: the written value without its parentheses."""
        w = self.written or str(self.value)
        return w[1:-1].strip() if w.startswith("(") and w.endswith(")") else w

    def message(self) -> str:
        arg, value, w = self.argument, self.value, self.written or str(self.value)
        what = "an int" if w == str(value) else f"the int {value}"
        why = (f": the parentheses of `{w}` alone make no tuple in Python" if w.startswith("(") else "")
        return (f"{arg}={w} is {what}, but Keras 3 requires a tuple{why}."
                + (KERAS2_DIFFERS if arg in ("shape", "input_shape") else ""))

    def fix(self) -> str:
        return f"Write {self.argument}=({self._inner},) (note the trailing comma)."

    def changes(self) -> tuple[Change, ...]:
        return (Change("argument", f"({self._inner},)", name=self.argument,
                       position=0 if self.argument == "shape" else None, offered="fix"),)


@dataclass(frozen=True, kw_only=True)
class SharedLayerInputMismatch(Violation):
    """A layer whose weights its first call fixed, called on an input of another size."""

    code = "SHP203"
    layer: str
    axis: int
    expected: Dim                     # the size the first call fixed
    got: Dim
    first_row: int
    first_shape: Shape
    shape: Shape

    def message(self) -> str:
        fixed = f"(..., {self.expected})" if self.axis == -1 else f"{self.expected} on axis {self.axis}"
        return (f"This {self.layer} is shared: its first call at line {self.first_row} on "
                f"{fmt(self.first_shape)} fixed its weights to inputs {fixed}; this call gives "
                f"{fmt(self.shape)}.")

    def fix(self) -> str:
        return (f"Use a separate {self.layer} for this input, or map it to {self.expected} "
                f"features first (e.g. Dense({self.expected})) if the weights really should be shared.")


@dataclass(frozen=True, kw_only=True)
class UndefinedWeightAxis(Violation):
    """A layer built on an input whose size is None on an axis its weights span (``Dense``
    after ``Flatten`` of a variable-length sequence): Keras cannot make those weights."""

    code = "SHP203"
    layer: str
    axis: int
    shape: Shape

    def message(self) -> str:
        where = "last axis" if self.axis == -1 else f"axis {self.axis}"
        return (f"{self.layer} sizes its weights by the {where} of its input, but that size is "
                f"None in {fmt(self.shape)}: Keras cannot create weights of an undefined size.")

    def fix(self) -> str:
        return ("Give that axis a fixed size: a number instead of None in Input(shape=...), or "
                "pool the variable-length axis away before this layer (GlobalAveragePooling1D() "
                "instead of Flatten() for a sequence).")


@dataclass(frozen=True, kw_only=True)
class ModelInputMismatch(Violation):
    """A built model called on inputs of another shape."""

    code = "SHP203"
    layer: str                        # the model's name
    expected_shape: Shape
    shape: Shape

    def message(self) -> str:
        return (f"{self.layer} was built for inputs {fmt(self.expected_shape)} but is called on "
                f"{fmt(self.shape)}.")

    def fix(self) -> str:
        return (f"Feed it an input shaped {fmt(self.expected_shape)}, or build a separate model "
                f"for this input.")


@dataclass(frozen=True, kw_only=True)
class StridesWithDilation(Violation):
    code = "SHP204"
    strides: tuple[int, ...]
    dilation_rate: tuple[int, ...]
    layer: str = ""

    def message(self) -> str:
        return (f"{self.layer} sets strides={self.strides} together with dilation_rate="
                f"{self.dilation_rate}; Keras rejects strides > 1 combined with dilation_rate > 1.")

    def fix(self) -> str:
        s, r = self.strides, self.dilation_rate
        pool = f"MaxPooling{len(s)}D({max(s)})" if len(s) <= 3 else "a pooling layer"
        return (f"Keep dilation_rate={r} with strides=1 and downsample afterwards with {pool}, "
                f"or keep strides={s} with dilation_rate=1.")


@dataclass(frozen=True, kw_only=True)
class AxisOutOfRange(Violation):
    code = "SHP206"
    axis: Any
    rank: int
    shape: Shape | None = None
    what: str = "axis"
    op: str = ""

    def message(self) -> str:
        n = self.rank
        on = f" {fmt(self.shape)}" if self.shape is not None else ""
        valid = f"{-n} to {n - 1}" if n else "none: the input is a scalar"
        return f"{self.op}: {self.what} {self.axis} is out of range for{on} (valid axes: {valid})."

    def fix(self) -> str:
        n = self.rank
        return (f"Use an axis between {-n} and {n - 1} (-1 is the last axis); remember that axis 0 "
                f"is the batch axis." if n else "Give the op a tensor with at least one axis.")


@dataclass(frozen=True, kw_only=True)
class SqueezeNonUnitAxis(Violation):
    code = "SHP206"
    axis: int
    size: Dim
    shape: Shape
    op: str = ""

    def message(self) -> str:
        return (f"{self.op}(axis={self.axis}) can only remove an axis of size 1, but that axis of "
                f"{fmt(self.shape)} has size {self.size}.")

    def fix(self) -> str:
        ones = [i for i, s in enumerate(self.shape.dims or ()) if is_known(s) and s == 1]
        hint = (f"squeeze an axis of size 1 ({', '.join(map(str, ones))})" if ones
                else "there is no axis of size 1 to squeeze")
        return (f"Check the axis: {hint}; to drop an axis of size {self.size}, reduce over it "
                f"(mean/sum) or slice it.")


@dataclass(frozen=True, kw_only=True)
class NotAPermutation(Violation):
    code = "SHP206"
    perm: tuple[int, ...]
    rank: int
    shape: Shape
    op: str = ""

    def message(self) -> str:
        return (f"{self.op}: {list(self.perm)} is not a permutation of the {self.rank} axes of "
                f"{fmt(self.shape)}.")

    def fix(self) -> str:
        n = self.rank
        return (f"List every axis from 0 to {n - 1} exactly once, e.g. "
                f"{[0, *range(n - 1, 0, -1)] if n > 1 else [0]}.")


@dataclass(frozen=True, kw_only=True)
class TileMultiplesMismatch(Violation):
    code = "SHP206"
    n: int
    rank: int
    shape: Shape
    op: str = ""

    def message(self) -> str:
        return f"{self.op} needs one multiple per axis of {fmt(self.shape)} ({self.rank}), but got {self.n}."

    def fix(self) -> str:
        return f"Give {self.rank} multiples, e.g. {(1,) * self.rank} with the axes to repeat set above 1."


@dataclass(frozen=True, kw_only=True)
class TensorflowOpOnKerasTensor(Violation):
    code = "SHP207"
    op: str
    shape: Shape
    equivalent: str | None = None
    keywords: tuple[str, ...] = ()    # the keyword arguments the call passes
    as_lambda: str = ""               # the call rewritten as a Lambda layer of its first argument

    def message(self) -> str:
        return (f"{self.op} is a TensorFlow op, and Keras 3 raises when it is given the symbolic "
                f"tensor {fmt(self.shape)} of a model being built (Keras 2 wrapped the call in a layer).")

    def fix(self) -> str:
        wrap = (f"wrap it in a layer: {self.as_lambda}" if self.as_lambda
                else f"wrap it in a Lambda layer whose function calls {self.op} on the tensor")
        options = [f"use {self.equivalent}, the Keras op that does the same" if self.equivalent else None,
                   wrap, "or move it into a custom layer's call()"]
        return "Keep the model in Keras: " + "; ".join(o for o in options if o) + "."

    def changes(self) -> tuple[Change, ...]:
        out = []
        if self.equivalent and set(self.keywords) <= _SAME_KEYWORDS \
                and self.equivalent not in _OTHER_DEFAULTS:
            out.append(Change("function", self.equivalent, offered="fix"))
        return tuple(out)


# Keywords a TensorFlow op and its keras.ops equivalent both take under these names; an op
# whose equivalent has another default for an argument the call may leave out is not
# rewritten (tf.math.l2_normalize normalizes over all axes, keras.ops.normalize over the last).
_SAME_KEYWORDS = frozenset({"axis", "keepdims"})
_OTHER_DEFAULTS = frozenset({"keras.ops.normalize"})
