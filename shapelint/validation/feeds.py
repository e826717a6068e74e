"""Zero-filled data standing in for what a file gives its model (fit, evaluate, predict...).

The build program leaves training, evaluation and prediction out: they run for a long time
and need data the build never loads. Where the static analysis knew the shape and dtype
class of every array a call was given, the build calls the model once instead, on
zero-filled arrays of those shapes, on the line of the file's call, so that Keras raises
there when the file's call would (:mod:`shapelint.validation.program` places it):

* ``fit`` and ``train_on_batch`` become ``train_on_batch(x, y)``, ``evaluate``,
  ``test_on_batch`` and fit's ``validation_data`` become ``test_on_batch(x, y)``,
  ``predict`` and ``predict_on_batch`` become ``predict_on_batch(x)``, and ``model(x)`` is
  the same call on the zeros; a dataset gives its element's structure ``(features, labels)``;
* labels the analysis does not know: the features alone go to ``predict_on_batch``;
* every array gets 2 samples (the model's own batch size when an Input fixes one), except
  that arrays whose sample counts the analysis knew to differ get different counts (3, 4...):
  a mismatch it saw is still one, and arrays it saw agree still do.

Nothing here imports numpy: the stand-in is source text the build runs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

from shapelint.arrays.spec import ArrayType, DatasetType
from shapelint.data.values import DataValue
from shapelint.interp.values import DictValue, ListValue
from shapelint.shapes import Shape, format_shape, is_known

SAMPLES = 2
# The class of an array's dtype -> the numpy dtype of its zeros.
DTYPES: dict[str, str] = {"float": "float32", "int": "int64", "bool": "bool", "str": "U1"}
# What the build calls instead of the file's method (None: the data needs no labels).
STAND_IN: dict[str, str] = {
    "fit": "train_on_batch", "train_on_batch": "train_on_batch",
    "evaluate": "test_on_batch", "test_on_batch": "test_on_batch", "validation_data": "test_on_batch",
    "predict": "predict_on_batch", "predict_on_batch": "predict_on_batch",
}
FEATURES_ONLY = "predict_on_batch"


@dataclass(frozen=True)
class Zeros:
    """One array: its sizes (the first the sample count as the analysis knew it, an int or
    None) and the numpy dtype of its zeros."""

    dims: tuple[Any, ...]
    dtype: str


# An array, or a tuple / list / dict of them, as the file passes it.
Fed: TypeAlias = "Zeros | tuple[Fed, ...] | list[Fed] | dict[str, Fed]"


@dataclass(frozen=True)
class NotKnown:
    """A part of the data the analysis does not know well enough to stand zeros in for it."""

    reason: str


@dataclass(frozen=True)
class DataCall:
    """One call where the model meets data, as the analysis saw it."""

    method: str                   # fit, evaluate, ..., "validation_data", "call"
    x: Fed | NotKnown
    y: Fed | NotKnown | None      # None: no labels given
    batch: int | None             # the batch size the model's Input fixes, if any
    input_nodes: tuple[Any, ...]  # the model's Inputs (or first layers): SHP604 is reported there


@dataclass(frozen=True)
class StandIn:
    """The build's call for one data call: its source, the method it calls, the zeros it
    gives, and what of the file's data it leaves out ("": nothing)."""

    code: str
    method: str
    given: str                    # the zeros: "x (2, 784) float32, y (2,) int64"
    inferred: str                 # the data as the analysis inferred it: "x (64, 784) float32, ..."
    partial: str = ""


@dataclass(frozen=True)
class Feed:
    """What the build runs for one data call of the file."""

    row: int                      # the line of the file's call
    end: int
    method: str                   # DataCall.method
    input_rows: tuple[int, ...]   # the lines of the model's Inputs
    stand_in: StandIn | None      # what the build calls there; None: nothing (``reason`` says why)
    reason: str = ""

    def describe(self) -> str:
        """``train_on_batch on zeros x (2, 784) float32, y (2,) int64 in place of fit()``."""
        s = self.stand_in
        if s is None:
            return "nothing"
        what = "the model" if s.method == "call" else s.method
        instead = "" if s.method in (self.method, "call") else \
            " in place of fit()'s validation_data" if self.method == "validation_data" else \
            f" in place of {self.method}()"
        return f"{what} on zeros {s.given}{instead}"


# --- from the analysis' values -----------------------------------------------------------------
def structure(value: Any, name: str) -> Fed | NotKnown:
    """``value`` as :data:`Fed` (arrays of known shape and dtype in tuples, lists, dicts),
    or :class:`NotKnown` saying which part is not known."""
    if isinstance(value, DataValue) and isinstance(value.type, ArrayType):
        return _zeros(value.type, name)
    items = value.items if isinstance(value, (ListValue, DictValue)) else value if isinstance(value, tuple) \
        else None
    if isinstance(items, dict):
        keys = list(items)
        parts = _known([structure(items[k], f"{name}[{k!r}]") for k in keys])
        if not all(isinstance(k, str) for k in keys):
            return NotKnown(f"`{name}` is a dict whose keys are not all known strings")
        return parts if isinstance(parts, NotKnown) else dict(zip(keys, parts))
    if isinstance(items, (list, tuple)):
        parts = _known([structure(v, f"{name}[{i}]") for i, v in enumerate(items)])
        return parts if isinstance(parts, NotKnown) or isinstance(value, ListValue) else tuple(parts)
    if isinstance(value, DataValue) and isinstance(value.type, DatasetType):
        return NotKnown(f"`{name}` is a dataset inside another structure")
    return NotKnown(f"the analysis does not know what `{name}` holds")


def _known(parts: list[Fed | NotKnown]) -> list[Fed] | NotKnown:
    """The parts, when every one is known; else the first that is not."""
    known: list[Fed] = []
    for p in parts:
        if isinstance(p, NotKnown):
            return p
        known.append(p)
    return known


def _zeros(array: ArrayType, name: str) -> Zeros | NotKnown:
    dims = array.shape.dims
    if dims is None:
        return NotKnown(f"the analysis does not know the shape of `{name}`")
    if not all(is_known(d) for d in dims[1:]):
        return NotKnown(f"the analysis does not know every size of `{name}` {format_shape(array.shape)}")
    if array.dtype not in DTYPES:
        return NotKnown(f"the analysis does not know the dtype of `{name}`")
    first = dims[0] if dims and is_known(dims[0]) else None
    return Zeros((first, *dims[1:]), DTYPES[array.dtype])


def dataset_parts(value: DataValue, name: str) -> tuple[Fed | NotKnown, Fed | NotKnown | None]:
    """(features, labels) of a dataset's element, as Keras unpacks one: a tuple is
    ``(x, y[, sample_weight])``, anything else the features alone."""
    element = value.type.element
    if element is None:
        return NotKnown(f"the analysis does not know the elements of `{name}`"), None
    wrap = {"features": f"the features of {name}", "labels": f"the labels of {name}"}
    if isinstance(element, tuple) and len(element) >= 2:
        return _element(element[0], wrap["features"]), _element(element[1], wrap["labels"])
    if isinstance(element, tuple) and len(element) == 1:
        element = element[0]
    return _element(element, wrap["features"]), None


def _element(part: Any, name: str) -> Fed | NotKnown:
    """A dataset element's part (arrays, tuples and dicts of ArrayType) as :data:`Fed`."""
    if isinstance(part, ArrayType):
        return _zeros(part, name)
    if isinstance(part, dict):
        keys = list(part)
        parts = _known([_element(part[k], f"{name}[{k!r}]") for k in keys])
        return parts if isinstance(parts, NotKnown) else dict(zip(keys, parts))
    if isinstance(part, tuple):
        items = _known([_element(v, f"{name}[{i}]") for i, v in enumerate(part)])
        return items if isinstance(items, NotKnown) else tuple(items)
    return NotKnown(f"the analysis does not know what `{name}` holds")


# --- to source text ------------------------------------------------------------------------
def _leaves(fed: Fed) -> list[Zeros]:
    if isinstance(fed, Zeros):
        return [fed]
    parts = fed.values() if isinstance(fed, dict) else fed if isinstance(fed, (list, tuple)) else ()
    return [leaf for p in parts for leaf in _leaves(p)]


def sample_counts(parts: list[Fed], batch: int | None) -> dict[int | None, int]:
    """The sample count each known count becomes: ``batch`` (2 by default) for the first,
    one more for each further distinct count; unknown counts (None) get ``batch``."""
    base = batch if batch is not None else SAMPLES
    counts: dict[int | None, int] = {None: base}
    for leaf in (leaf for p in parts for leaf in _leaves(p)):
        first = leaf.dims[0] if leaf.dims else None
        if first is not None and first not in counts:
            counts[first] = base + len(counts) - 1
    return counts


def _array(z: Zeros, counts: dict[int | None, int] | None) -> tuple[str, str]:
    first = z.dims[0] if counts is None or not z.dims else counts[z.dims[0]]
    dims = (first, *z.dims[1:]) if z.dims else ()
    shape = format_shape(Shape(dims))
    return f'__import__("numpy").zeros({shape}, "{z.dtype}")', f"{shape} {z.dtype}"


def source(fed: Fed, counts: dict[int | None, int] | None) -> tuple[str, str]:
    """(Python source of ``fed``'s zeros, the shapes it has); ``counts``: the sample count
    each inferred one becomes (None: the inferred ones, for showing what the analysis saw)."""
    if isinstance(fed, Zeros):
        return _array(fed, counts)
    if isinstance(fed, dict):
        items = [(k, source(v, counts)) for k, v in fed.items()]
        return ("{" + ", ".join(f"{k!r}: {c}" for k, (c, _) in items) + "}",
                "{" + ", ".join(f"{k!r}: {s}" for k, (_, s) in items) + "}")
    parts = [source(v, counts) for v in fed]
    code, shapes = ", ".join(c for c, _ in parts), ", ".join(s for _, s in parts)
    if isinstance(fed, list):
        return f"[{code}]", f"[{shapes}]"
    return (f"({code},)", f"({shapes},)") if len(parts) == 1 else (f"({code})", f"({shapes})")


def stand_in(call: DataCall, target: str) -> StandIn | NotKnown:
    """The stand-in for ``call``, or why there is none; ``target`` is the source of the
    model (``model``) or, for ``model(x)``, of what the file calls."""
    if isinstance(call.x, NotKnown):
        return call.x
    method = "call" if call.method == "call" else STAND_IN.get(call.method)
    if method is None:
        return NotKnown(f"{call.method}() is not a call the build knows how to stand in for")
    labels = call.y if method in ("train_on_batch", "test_on_batch") else None
    partial = ""
    if isinstance(labels, NotKnown):     # the features can still meet the model
        partial = f"{labels.reason}, so only the features meet the model"
        method, labels = FEATURES_ONLY, None
    counts = sample_counts([call.x] + ([labels] if labels is not None else []), call.batch)
    x_code, x_shapes = source(call.x, counts)
    given, args, inferred = f"x {x_shapes}", x_code, f"x {source(call.x, None)[1]}"
    if labels is not None:
        y_code, y_shapes = source(labels, counts)
        args, given = f"{x_code}, {y_code}", f"{given}, y {y_shapes}"
        inferred += f", y {source(labels, None)[1]}"
    code = f"{target}({args})" if method == "call" else f"{target}.{method}({args})"
    return StandIn(code, method, given, inferred, partial)
