"""SHP205: a layer argument Keras rejects, alone or together with the layer's input.

One class per kind of rejection; all share the argument's name and value, the layer, and
(where the input matters) the input shape.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapelint.shapes import Shape
from shapelint.violations.base import Violation
from shapelint.violations.vocabulary import choices, divisor_fix, fmt


@dataclass(frozen=True, kw_only=True)
class InvalidArgument(Violation):
    """The common facts; subclasses say what is wrong with them."""

    code = "SHP205"
    argument: str
    value: Any = None
    layer: str = ""
    shape: Shape | None = None

    @property
    def call(self) -> str:
        return f"{self.layer}({self.argument}={self.value!r})"

    def message(self) -> str:
        on = f" on input {fmt(self.shape)}" if self.shape is not None else ""
        return f"{self.call} is not accepted by Keras{on}."

    def fix(self) -> str:
        return f"Check the {self.argument} argument of {self.layer}."


@dataclass(frozen=True, kw_only=True)
class NotPositive(InvalidArgument):
    def message(self) -> str:
        return f"{self.call}: Keras requires {self.argument} to be a positive integer."

    def fix(self) -> str:
        return (f"Pass {self.argument} >= 1, e.g. {self.layer}({self.argument}=1), or leave it at "
                f"its default.")


@dataclass(frozen=True, kw_only=True)
class Negative(InvalidArgument):
    def message(self) -> str:
        return f"{self.call}: Keras rejects negative (or None) values for {self.argument}."

    def fix(self) -> str:
        return f"Pass {self.argument} >= 0, e.g. {self.argument}=0."


@dataclass(frozen=True, kw_only=True)
class OutOfRange(InvalidArgument):
    low: Any
    high: Any = None

    @property
    def _span(self) -> str:
        return f"between {self.low} and {self.high}" if self.high is not None else f"at least {self.low}"

    def message(self) -> str:
        return f"{self.call}: {self.argument} must be {self._span}."

    def fix(self) -> str:
        hi = self.high
        return f"Pass a value {self._span}, e.g. {self.argument}={hi if hi is not None and hi < 1 else 0.5}."


@dataclass(frozen=True, kw_only=True)
class NotAChoice(InvalidArgument):
    choices: tuple[Any, ...]

    def message(self) -> str:
        return f"{self.call}: {self.argument} must be one of {choices(self.choices)}."

    def fix(self) -> str:
        return f"Use {self.argument}={self.choices[0]!r} (or another of {choices(self.choices)})."


@dataclass(frozen=True, kw_only=True)
class WrongLength(InvalidArgument):
    length: int

    def message(self) -> str:
        return f"{self.call}: {self.argument} must be an int or a sequence of {self.length} values."

    def fix(self) -> str:
        return f"Give exactly {self.length} values for {self.argument}, e.g. {(1,) * self.length}."


@dataclass(frozen=True, kw_only=True)
class NotAnInt(InvalidArgument):
    def message(self) -> str:
        return f"{self.call}: {self.argument} must be a plain int."

    def fix(self) -> str:
        return f"Pass an int, e.g. {self.argument}=2."


@dataclass(frozen=True, kw_only=True)
class GroupsNotDividingFilters(InvalidArgument):
    filters: int

    def message(self) -> str:
        return f"{self.call}: filters={self.filters} must be divisible by groups={self.value}."

    def fix(self) -> str:
        return divisor_fix(self.filters, "filters", "groups")


@dataclass(frozen=True, kw_only=True)
class GroupsNotDividingChannels(InvalidArgument):
    channels: int
    axis: int = -1

    def message(self) -> str:
        if self.layer == "GroupNormalization":
            groups = self.value if self.value != -1 else self.channels
            return (f"{self.call}: the {self.channels} channels on axis {self.axis} of "
                    f"{fmt(self.shape)} cannot be split into {groups} equal groups.")
        return (f"{self.call}: the {self.channels} input channels of {fmt(self.shape)} cannot be "
                f"split into {self.value} equal groups.")

    def fix(self) -> str:
        return divisor_fix(self.channels, "the channel count", "groups")


@dataclass(frozen=True, kw_only=True)
class OutputPaddingTooLarge(InvalidArgument):
    strides: tuple[int, ...]
    index: int

    def message(self) -> str:
        return (f"{self.call}: each output_padding must be smaller than the matching stride "
                f"(strides={self.strides}, axis {self.index}).")

    def fix(self) -> str:
        return (f"Use output_padding values below {self.strides}, e.g. output_padding="
                f"{tuple(x - 1 for x in self.strides)}, or leave output_padding=None.")


@dataclass(frozen=True, kw_only=True)
class AxisArgumentOutOfRange(InvalidArgument):
    other: Shape | None = None          # the second input (Dot)

    @property
    def _range(self) -> tuple[int | None, str]:
        rank = self.shape.rank if isinstance(self.shape, Shape) else None
        return rank, f" (valid: {-rank} to {rank - 1})" if rank else ""

    def message(self) -> str:
        inputs = f"{fmt(self.shape)} and {fmt(self.other)}" if self.other is not None else fmt(self.shape)
        return f"{self.call} is out of range for input {inputs}{self._range[1]}."

    def fix(self) -> str:
        rank, rng = self._range
        return (f"Pick {self.argument} within the input's {rank}-D axes{rng}, e.g. {self.argument}=-1."
                if rank else f"Pick {self.argument} within the input's axes.")


@dataclass(frozen=True, kw_only=True)
class PermuteNotAPermutation(InvalidArgument):
    def message(self) -> str:
        n = len(self.value) if isinstance(self.value, (tuple, list)) else 0
        return f"{self.call}: dims must be a permutation of 1..{n} (the batch axis 0 stays first)."

    def fix(self) -> str:
        value = self.value
        n = len(value) if isinstance(value, (tuple, list)) else 0
        rest = tuple(v for v in value if v != 0) if n else ()
        if 0 in (value or ()) and sorted(rest) == list(range(1, len(rest) + 1)):
            return f"Leave the batch axis out: Permute({rest!r})."
        return f"Use e.g. Permute({tuple(range(n, 0, -1))}) to reverse the {n} non-batch axes."


@dataclass(frozen=True, kw_only=True)
class BadReshapeTarget(InvalidArgument):
    def message(self) -> str:
        return f"{self.call}: target_shape may hold sizes >= 0 and at most one -1."

    def fix(self) -> str:
        return "Keep one -1 at most, for the size Keras should infer; give the others explicitly."


_EINSUM_PROBLEMS = {
    "einsum_equation": "is not of the form [X],[Y]->[Z] (optionally with ...)",
    "einsum_shared_dim": "maps an input axis to an output axis of a different size "
                         "(output_shape={output_shape})",
    "einsum_output_dim": "has an output axis found in neither the input nor the weight",
    "einsum_weight_dim": "has a weight axis found in neither the input nor the output",
    "einsum_bias_axes": "gets bias_axes={bias_axes!r} not in its output",
    "einsum_rank": "does not fit the rank of the input (output_shape={output_shape})",
    "einsum_weight_none": "sizes a weight by an output axis left as None in "
                          "output_shape={output_shape}",
}


@dataclass(frozen=True, kw_only=True)
class BadEinsumEquation(InvalidArgument):
    problem: str                         # a key of _EINSUM_PROBLEMS
    output_shape: Any = None
    bias_axes: Any = None

    def message(self) -> str:
        on = f" on input {fmt(self.shape)}" if self.shape is not None else ""
        what = _EINSUM_PROBLEMS[self.problem].format(output_shape=self.output_shape,
                                                     bias_axes=self.bias_axes)
        return f"EinsumDense equation {self.value!r} {what}{on}."

    def fix(self) -> str:
        return ("Write one letter per input axis (or ... for leading axes), and give output_shape "
                "the sizes of the output axes after the batch axis (None to keep an input size).")


@dataclass(frozen=True, kw_only=True)
class BadGroupsValue(InvalidArgument):
    def message(self) -> str:
        return f"{self.call}: groups must be a positive int, or -1 for instance normalization."

    def fix(self) -> str:
        return "Pass e.g. groups=32 (a divisor of the channel count) or groups=-1."


@dataclass(frozen=True, kw_only=True)
class NothingToNormalize(InvalidArgument):
    def message(self) -> str:
        return f"SpectralNormalization wraps {self.value}, which has no kernel or embeddings to normalize."

    def fix(self) -> str:
        return ("Wrap a layer with a kernel: Dense, EinsumDense, Embedding, Conv*D, Conv*DTranspose "
                "or DepthwiseConv*D.")


@dataclass(frozen=True, kw_only=True)
class NotRecurrent(InvalidArgument):
    def message(self) -> str:
        return (f"Bidirectional wraps {self.value}, which is not a recurrent layer (it has no "
                f"go_backwards to run in reverse).")

    def fix(self) -> str:
        return ("Wrap a recurrent layer, e.g. Bidirectional(LSTM(64)); GRU, SimpleRNN, RNN(cell) and "
                "ConvLSTM1D/2D/3D are recurrent too.")


@dataclass(frozen=True, kw_only=True)
class KeyValueMismatch(InvalidArgument):
    other: Shape | None = None

    def message(self) -> str:
        return (f"{self.layer}: value {fmt(self.shape)} and key {fmt(self.other)} must agree on "
                f"every axis except the last.")

    def fix(self) -> str:
        return ("Give key and value the same batch and sequence sizes (only the feature size may "
                "differ), e.g. pass the same tensor as key and value.")


@dataclass(frozen=True, kw_only=True)
class QueryValueDimMismatch(InvalidArgument):
    other: Shape | None = None

    def message(self) -> str:
        return (f"{self.layer} needs query and value with the same last size, but query "
                f"{fmt(self.shape)} and value {fmt(self.other)} differ.")

    def fix(self) -> str:
        dims = self.shape.dims if self.shape is not None else None
        return f"Project one of them first, e.g. Dense({dims[-1] if dims else 'query_dim'}) on the value."


@dataclass(frozen=True, kw_only=True)
class HeadsNotDivisible(InvalidArgument):
    num_query_heads: int

    def message(self) -> str:
        return (f"{self.call}: num_query_heads={self.num_query_heads} must be a multiple of "
                f"num_key_value_heads.")

    def fix(self) -> str:
        return divisor_fix(self.num_query_heads, "num_query_heads", "num_key_value_heads")


@dataclass(frozen=True, kw_only=True)
class WrongInputCount(InvalidArgument):
    count: Any                            # an int, or a tuple of accepted counts

    def message(self) -> str:
        return f"{self.layer} is called on {self.value} input(s) but takes {self._want}."

    @property
    def _want(self) -> str:
        c = self.count
        return " or ".join(map(str, c)) if isinstance(c, tuple) else str(c)

    def fix(self) -> str:
        return f"Call it on a list of {self._want} tensors, e.g. {self.layer}()([a, b])."


@dataclass(frozen=True, kw_only=True)
class NotRGB(InvalidArgument):
    channels: Any

    def message(self) -> str:
        return f"{self.layer} needs RGB images (3 channels), but {fmt(self.shape)} has {self.channels}."

    def fix(self) -> str:
        return ("Apply it to 3-channel images, or check data_format (channels_first puts channels "
                "on axis 1).")


@dataclass(frozen=True, kw_only=True)
class MeanWithoutVariance(InvalidArgument):
    def message(self) -> str:
        return f"{self.layer}: mean and variance must be given together."

    def fix(self) -> str:
        return "Pass both mean= and variance= (or neither, and call adapt())."


@dataclass(frozen=True, kw_only=True)
class MutuallyExclusive(InvalidArgument):
    other: str

    def message(self) -> str:
        return f"{self.layer}: {self.argument} and {self.other} cannot both be set."

    def fix(self) -> str:
        return f"Keep only one of {self.argument} and {self.other}."


@dataclass(frozen=True, kw_only=True)
class NotGreaterThanOne(InvalidArgument):
    def message(self) -> str:
        return f"{self.call}: {self.argument} must be greater than 1 when set."

    def fix(self) -> str:
        return f"Pass {self.argument}=2 or more, or None."


@dataclass(frozen=True, kw_only=True)
class RequiredWith(InvalidArgument):
    other: str

    def message(self) -> str:
        return f"{self.layer}: {self.other} needs {self.argument} to be set."

    def fix(self) -> str:
        return f"Pass {self.argument}=<vocabulary size>."


@dataclass(frozen=True, kw_only=True)
class IntModeOnly(InvalidArgument):
    mode: Any

    def message(self) -> str:
        return f"{self.call}: {self.argument} only applies with output_mode='int' (got {self.mode!r})."

    def fix(self) -> str:
        return f"Drop {self.argument}, or use output_mode='int'."


@dataclass(frozen=True, kw_only=True)
class MissingArgument(InvalidArgument):
    def message(self) -> str:
        return f"{self.layer} needs {self.argument}: it has no default."

    def fix(self) -> str:
        return f"Pass {self.argument}, e.g. {self.layer}({self.argument}=2)."


@dataclass(frozen=True, kw_only=True)
class VocabularyTooLarge(InvalidArgument):
    size: int

    def message(self) -> str:
        return (f"{self.layer}: the vocabulary gives {self.size} indices (with the mask/OOV ones), "
                f"more than max_tokens={self.value}.")

    def fix(self) -> str:
        return f"Raise max_tokens to at least {self.size}, or pass a shorter vocabulary."


@dataclass(frozen=True, kw_only=True)
class OneOfRequired(InvalidArgument):
    other: str

    def message(self) -> str:
        return f"{self.layer} needs {self.argument} or {self.other}."

    def fix(self) -> str:
        return f"Pass {self.argument}= or {self.other}=."


@dataclass(frozen=True, kw_only=True)
class CrossingShapesDiffer(InvalidArgument):
    other: Shape | None = None

    def message(self) -> str:
        return (f"{self.layer} needs two inputs of the same shape, got {fmt(self.shape)} and "
                f"{fmt(self.other)}.")

    def fix(self) -> str:
        return "Cross two features of equal shape, e.g. both (batch, 1)."


@dataclass(frozen=True, kw_only=True)
class SeveralInputs(InvalidArgument):
    """A layer that takes one tensor, called on a list of several."""

    shapes: tuple[Shape, ...]             # the shapes in the list

    def message(self) -> str:
        listed = ", ".join(fmt(s) for s in self.shapes)
        return (f"{self.layer} takes one tensor, but is called on a list of {self.value}: {listed}; "
                f"Keras raises \"expects 1 input(s), but it received {self.value} input tensors\".")

    def fix(self) -> str:
        layer = self.layer
        return (f"Merge the tensors before the {layer}: call it on layers.Concatenate()([a, b]) "
                f"(or Add/Average to sum them), or call the {layer} on each tensor separately (one "
                f"{layer} object shares its weights across the calls).")


@dataclass(frozen=True, kw_only=True)
class DuplicateLayerName(Violation):
    """Two layers (or an Input and a layer) of one model given the same ``name=``."""

    code = "SHP208"
    name: str
    first_row: int
    second_row: int
    sequential: bool = False

    def message(self) -> str:
        lines = (f"both made at line {self.first_row}" if self.first_row == self.second_row
                 else f"made at lines {self.first_row} and {self.second_row}")
        keras = ("All layers added to a Sequential model should have unique names" if self.sequential
                 else f"The name \"{self.name}\" is used 2 times in the model")
        return (f"Two layers of this model are named \"{self.name}\" ({lines}); Keras raises "
                f"\"{keras}\".")

    def fix(self) -> str:
        return (f"Give each layer a unique name, e.g. pass a prefix or index to the helper that "
                f"makes it (name=f\"{{prefix}}_{self.name}\"), or leave name= out and let Keras "
                f"number them.")
