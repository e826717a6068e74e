"""SHP501 to SHP503: weights that are not shared, not tracked, or spent on a reshape."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapelint.violations.base import Claims, Violation
from shapelint.violations.vocabulary import rows_text


@dataclass(frozen=True, kw_only=True)
class LayersRecreatedPerCall(Violation):
    """A helper (``unit``) or a loop pass that builds the same layers anew for each input."""

    code = "SHP501"
    unit: str | None                  # the helper's name; None for a loop
    copies: int
    call_rows: tuple[int, ...]
    layers: tuple[str, ...]
    per_copy: int | None              # parameters of one copy, when known
    merge_layer: str
    merge_row: int
    ctor_rows: tuple[int, ...]        # where the copied layers are constructed
    returns_model: bool = False       # the helper builds and returns a Model of them

    def message(self) -> str:
        n, unit, rows = self.copies, self.unit, self.call_rows
        layers = ", ".join(dict.fromkeys(self.layers))
        who = f"{unit}() creates its layers on every call" if unit \
            else "This loop creates its layers on every pass"
        if unit and len(rows) == 1 and n > 1:
            calls = f"its {n} calls (all made at line {rows[0]})"
        elif unit and rows:
            calls = f"its {n} calls ({rows_text(rows)})"
        else:
            calls = f"its {n} {'calls' if unit else 'passes'}"
        per = self.per_copy
        params = (f" ({n} x {per:,} = {n * per:,} parameters; shared, {per:,})" if per is not None else "")
        return (f"{who}: {calls} on independent inputs build {n} separate copies of {layers}{params}, "
                f"merged by {self.merge_layer} at line {self.merge_row}, so the branches share no weights.")

    def fix(self) -> str:
        if self.unit and self.returns_model:
            return (f"Call {self.unit}() once and apply the model it returns to every input: "
                    f"`base = {self.unit}(<its arguments>)`, then `base(input_a)`, `base(input_b)` (one "
                    f"model, shared weights). If separate networks are intended, give their layers "
                    f"distinct names (a name= of their own) to say so.")
        where = f"outside {self.unit}()" if self.unit else "before the loop"
        return (f"To share weights, create the layers once {where} and reuse them: e.g. build "
                f"`base = keras.Sequential(<the layers>)` once and apply `base(x)` to each input (or "
                f"pass the layer objects in). If separate weights are intended, give each copy's "
                f"layers distinct names (a name= of their own) to say so.")

    def claims(self) -> Claims:
        return Claims(ctor_rows=self.ctor_rows, params=self.per_copy, copies=self.copies)


@dataclass(frozen=True, kw_only=True)
class UntrackedLayer(Violation):
    """A layer with weights created where Keras 3 does not track it."""

    code = "SHP502"
    layer: str
    where: str                        # "Block.call()" or "the Lambda function f"
    in_lambda: bool

    def message(self) -> str:
        return (f"{self.layer} is created inside {self.where}, where Keras 3 does not track it: its "
                f"weights are made anew on every call and never trained.")

    def fix(self) -> str:
        layer = self.layer
        if self.in_lambda:
            return (f"Create the {layer} once outside the Lambda and apply it as a layer, or write a "
                    f"custom Layer that creates it in __init__ and uses it in call().")
        return (f"Create it once in __init__ (or build()), e.g. self.{layer.lower()} = "
                f"layers.{layer}(<the same arguments>), and only apply it in call().")


@dataclass(frozen=True, kw_only=True)
class ParameterHotSpot(Violation):
    """One Dense holding most of a large model's parameters only to feed a Reshape."""

    code = "SHP503"
    units: int
    params: int
    total: int
    target: Any                       # the Reshape's target_shape
    reshape_row: int
    ctor_row: int
    # The broadcast alternative: Dense(channels) -> RepeatVector(repeat) -> Reshape(grid).
    channels: int | None = None
    repeat: int | None = None
    grid: tuple[int, ...] | None = None
    alternative_params: int | None = None

    def message(self) -> str:
        share = 100 * self.params / self.total
        return (f"Dense({self.units}) holds {self.params:,} of the model's {self.total:,} parameters "
                f"({share:.0f}%) only to produce {self.units} values that the Reshape({self.target}) "
                f"at line {self.reshape_row} rearranges.")

    def fix(self) -> str:
        if self.channels is None:
            return "Broadcast a small vector over the target grid (RepeatVector, tile or UpSampling) instead."
        cost = f" ({self.alternative_params:,} parameters)" if self.alternative_params is not None else ""
        return (f"Broadcast a small vector over the grid instead: Dense({self.channels}) -> "
                f"RepeatVector({self.repeat}) -> Reshape({self.grid}){cost}, or tile/UpSampling "
                f"a small feature map.")

    def claims(self) -> Claims:
        return Claims(ctor_rows=(self.ctor_row,), params=self.params)
