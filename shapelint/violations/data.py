"""SHP601 to SHP605: where the model meets its data — features, labels and losses."""
from __future__ import annotations

from dataclasses import dataclass
from math import prod

from shapelint.shapes import Dim, Shape, is_known, known_sizes
from shapelint.violations.base import Change, Violation
from shapelint.violations.vocabulary import fmt, rank_word


def _per_sample(shape: Shape) -> tuple[Dim, ...]:
    return tuple(shape.dims[1:]) if shape.dims else ()


@dataclass(frozen=True, kw_only=True)
class FeatureRankMismatch(Violation):
    """Features whose samples have another rank than the model input (after the one axis of
    size 1 Keras adds or removes itself)."""

    code = "SHP601"
    method: str                       # "fit", "predict", ... or "call"
    expected: Shape                   # the model input, batch axis included
    got: Shape                        # the array, samples first
    data: str = "x"                   # how the features are written (the argument's source)
    input_name: str = ""              # which input, for a model with several

    def message(self) -> str:
        which = f"input '{self.input_name}'" if self.input_name else "input"
        return (f"{self.method}() feeds {self.data} of shape {fmt(self.got)} to a model whose {which} "
                f"expects {fmt(self.expected)}: each sample is {rank_word(len(_per_sample(self.got)))} "
                f"where the model takes {rank_word(len(_per_sample(self.expected)))}.")

    def fix(self) -> str:
        want, have = _per_sample(self.expected), _per_sample(self.got)
        data = self.data.split(".reshape(")[0] if ".reshape(" in self.data else self.data
        want_sizes, have_sizes = known_sizes(want), known_sizes(have)
        if want_sizes is not None and have_sizes is not None and prod(want_sizes) == prod(have_sizes):
            return (f"Reshape the data to the model's input: {data}.reshape(-1, "
                    f"{', '.join(map(str, want))}), or declare the model input as "
                    f"Input(shape={tuple(have)}).")
        if len(want) == len(have) + 1 and want and is_known(want[-1]):
            return (f"Add the missing axis to the data ({self.data}[..., None] or "
                    f"np.expand_dims({self.data}, -1)) if it is the channel axis, or declare the "
                    f"model input as Input(shape={self.data}.shape[1:]).")
        return f"Declare the model input as Input(shape={self.data}.shape[1:]), or bring the data to {want}."


@dataclass(frozen=True, kw_only=True)
class FeatureSizeMismatch(Violation):
    code = "SHP601"
    method: str
    expected: Shape
    got: Shape
    axis: int
    data: str = "x"
    input_name: str = ""

    def message(self) -> str:
        which = f"input '{self.input_name}'" if self.input_name else "input"
        a, b = self.got[self.axis], self.expected[self.axis]
        return (f"{self.method}() feeds {self.data} of shape {fmt(self.got)} to a model whose {which} "
                f"expects {fmt(self.expected)}: axis {self.axis} has {a} where the model takes {b}.")

    def fix(self) -> str:
        want = _per_sample(self.expected)
        return (f"Build the model for this data (Input(shape={self.data}.shape[1:])), or bring the "
                f"data to {want} per sample (resize, crop, or select the columns the model was "
                f"built for).")


@dataclass(frozen=True, kw_only=True)
class LabelsDoNotFitLoss(Violation):
    """Labels that the compiled loss cannot take for the model's output."""

    code = "SHP602"
    method: str
    loss: str
    output: Shape
    labels: Shape
    problem: str                      # LabelIssue.kind
    hint: str | None = None           # LabelIssue.hint
    data: str = "y"
    dtype: str | None = None
    axis: int | None = None               # where sizes differ, after Keras squeezes or expands
    labels_seen: Shape | None = None
    output_seen: Shape | None = None

    def message(self) -> str:
        lbl, out, loss = fmt(self.labels), fmt(self.output), f"the loss {self.loss}"
        head = f"{self.method}() gives {self.data}"
        if self.problem == "dtype":
            return f"{head}, labels of strings {lbl}, to {loss}; Keras converts labels to numbers and raises."
        if self.hint == "sparse_loss":
            return (f"{head}, integer class ids {lbl}, to {loss}, which needs one-hot labels shaped "
                    f"like the output {out}.")
        if self.hint == "categorical_loss":
            return (f"{head}, one-hot labels {lbl}, to {loss}, which needs one integer class id per "
                    f"sample for the output {out}.")
        if self.problem in ("rank", "sparse_rank"):
            return f"{head}, labels {lbl}, to {loss}: their rank does not fit the model output {out}."
        where = ""
        if self.axis is not None and self.labels_seen is not None and self.output_seen is not None \
                and self.labels_seen.dims and self.output_seen.dims:
            a = self.labels_seen.dims[self.axis] if self.axis < len(self.labels_seen.dims) else None
            b = self.output_seen.dims[self.axis]
            where = f" ({a} vs {b} on axis {self.axis})" if a is not None else ""
        return f"{head}, labels {lbl}, to {loss}, which do not fit the model output {out}{where}."

    def fix(self) -> str:
        units = self.output.dims[-1] if self.output.dims else None
        if self.problem == "dtype":
            return ("Encode the labels as numbers first (sklearn's LabelEncoder, or "
                    "keras.layers.StringLookup), then use a loss for class ids.")
        if self.hint == "sparse_loss":
            return (f"Use loss=\"sparse_categorical_crossentropy\" for integer labels, or one-hot "
                    f"encode them: keras.utils.to_categorical({self.data}, {units}).")
        if self.hint == "categorical_loss":
            return (f"Use loss=\"categorical_crossentropy\" for one-hot labels, or turn them into "
                    f"class ids: np.argmax({self.data}, axis=-1).")
        if self.hint == "units":
            k = self.labels.dims[-1] if self.labels.dims else "the number of classes"
            return (f"Give the output layer one unit per label column (Dense({k})), or check the "
                    f"labels: {self.data} has {k} columns, the output {units} "
                    f"unit{'s' if units != 1 else ''}.")
        return (f"Make the labels fit the output {fmt(self.output)}: the same shape for this loss "
                f"(or class ids with a sparse loss).")


@dataclass(frozen=True, kw_only=True)
class SampleCountMismatch(Violation):
    code = "SHP603"
    method: str
    x_count: int
    y_count: int
    x_name: str = "x"
    y_name: str = "y"

    def message(self) -> str:
        return (f"{self.method}() gets {self.x_count:,} samples of features ({self.x_name}) but "
                f"{self.y_count:,} labels ({self.y_name}); Keras needs one label per sample.")

    def fix(self) -> str:
        return ("Pass matching arrays: the features and labels of the same split (e.g. "
                "train_test_split(x, y) returns them in the order x_train, x_test, y_train, y_test).")


@dataclass(frozen=True, kw_only=True)
class InputShapeIncludesSamples(Violation):
    """``input_shape=X.shape`` / ``Input(shape=X.shape)``: the sample axis is not a feature axis."""

    code = "SHP604"
    argument: str                     # "shape" or "input_shape"
    expression: str                   # how the shape was written, e.g. "X_train.shape"
    data_shape: Shape
    written: str = ""                 # the argument as the call writes it (a name bound to it)

    def message(self) -> str:
        return (f"{self.argument}={self.expression} is the shape of the whole array "
                f"{fmt(self.data_shape)}, sample axis included, so the model would expect every "
                f"sample to be {fmt(self.data_shape)} itself.")

    def fix(self) -> str:
        return f"Leave out the sample axis: {self.argument}={self._sliced}."

    @property
    def _sliced(self) -> str:
        return f"{self.written or self.expression}[1:]"

    def changes(self) -> tuple[Change, ...]:
        return (Change("argument", self._sliced, name=self.argument,
                       position=0 if self.argument == "shape" else None, offered="fix"),)


@dataclass(frozen=True, kw_only=True)
class OutputCannotLearn(Violation):
    """An output layer and its loss that train without an error but cannot learn."""

    code = "SHP605"
    problem: str                      # one_unit_softmax | one_unit_loss | probabilities_as_logits
    output: Shape
    loss: str | None = None
    activation: str | None = None

    def message(self) -> str:
        if self.problem == "one_unit_softmax":
            return (f"The output {fmt(self.output)} applies softmax over a single unit, which is 1.0 "
                    f"for every input: the model always predicts the same value.")
        if self.problem == "one_unit_loss":
            return (f"{self.loss} on a 1-unit output {fmt(self.output)} is the same whatever the "
                    f"model outputs: there is nothing to learn.")
        return (f"{self.loss} is given from_logits=True, but the output already applies "
                f"{self.activation}: the loss applies it a second time.")

    def fix(self) -> str:
        if self.problem in ("one_unit_softmax", "one_unit_loss"):
            return ("For two classes use Dense(1, activation=\"sigmoid\") with "
                    "loss=\"binary_crossentropy\"; for more, Dense(num_classes, activation=\"softmax\") "
                    "with a categorical loss.")
        return f"Drop from_logits=True, or remove the {self.activation} activation from the output layer."
