"""Every loss Keras 3 ships, and how a program names one: a compile string, a function or a
class instance.

A loss is known by what it demands of the labels (its ``kind``, see
:mod:`shapelint.losses.labels`), read from ``keras/src/losses/losses.py`` and the TensorFlow
backend's ``nn.py`` and proven by tests/keras/test_losses_differential.py:

* ``broadcast`` -- labels and output meet element-wise (``y_true - y_pred``), so they only need
  to broadcast: the regression losses, hinge, KL divergence, Poisson, dice, tversky, and
  categorical focal crossentropy (which multiplies instead of checking shapes);
* ``same_shape`` -- the backend requires equal ranks and sizes: binary, binary focal and
  categorical crossentropy;
* ``sparse`` -- one integer class per output row: labels have the output's shape without its
  last axis (a trailing axis of 1 is dropped);
* ``one_hot`` -- class ids one-hot encoded to the output's width, then broadcast (generalized
  cross entropy);
* ``None`` -- not modeled: CTC and Circle take labels of their own kind (sequences, class
  ids against embeddings), and ``categorical_generalized_cross_entropy`` as a bare function
  lacks its required ``q`` (Keras raises TypeError, which is no label mistake); neither of
  its names is a compile string (``keras.losses.get`` does not know them).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shapelint.interp.values import Unknown


@dataclass(frozen=True)
class LossSpec:
    """One Keras loss: its function and class names, what it demands of labels, and what
    ``from_logits=True`` expects the output to be the logits of."""

    function: str                        # keras.losses.<function>
    cls: str                             # keras.losses.<Class>
    kind: str | None                  # broadcast | same_shape | sparse | one_hot | None
    params: tuple[str, ...]              # the class constructor's positional order
    logits_of: str | None = None      # "softmax" | "sigmoid" when it takes from_logits
    function_kind: str = "same"          # the bare function's kind: "same" or "unmodeled"
    by_string: bool = True               # keras.losses.get knows its names (ALL_OBJECTS)
    recovers_logits: bool = False        # TensorFlow's _get_logits undoes a final activation
    defaults: dict[str, Any] = field(default_factory=dict)   # shape-relevant defaults (axis...)

    @property
    def constant_on_one_unit(self) -> bool:
        """One probability per class (a single class is certain), or a cosine along the last
        axis (a single number normalised is +-1): the loss cannot depend on a 1-unit output."""
        return self.logits_of == "softmax" or self.function == "cosine_similarity"


_REDUCE = ("reduction", "name", "dtype")
_REDUCE_AXIS = ("reduction", "name", "axis", "dtype")

SPECS: tuple[LossSpec, ...] = (
    LossSpec("mean_squared_error", "MeanSquaredError", "broadcast", _REDUCE),
    LossSpec("mean_absolute_error", "MeanAbsoluteError", "broadcast", _REDUCE),
    LossSpec("mean_absolute_percentage_error", "MeanAbsolutePercentageError", "broadcast", _REDUCE),
    LossSpec("mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", "broadcast", _REDUCE),
    LossSpec("cosine_similarity", "CosineSimilarity", "broadcast", ("axis",) + _REDUCE,
             defaults={"axis": -1}),
    LossSpec("huber", "Huber", "broadcast", ("delta",) + _REDUCE),
    LossSpec("log_cosh", "LogCosh", "broadcast", _REDUCE),
    LossSpec("hinge", "Hinge", "broadcast", _REDUCE),
    LossSpec("squared_hinge", "SquaredHinge", "broadcast", _REDUCE),
    LossSpec("categorical_hinge", "CategoricalHinge", "broadcast", _REDUCE),
    LossSpec("kl_divergence", "KLDivergence", "broadcast", _REDUCE),
    LossSpec("poisson", "Poisson", "broadcast", _REDUCE),
    LossSpec("dice", "Dice", "broadcast", _REDUCE_AXIS, defaults={"axis": None}),
    LossSpec("tversky", "Tversky", "broadcast", ("alpha", "beta") + _REDUCE_AXIS,
             defaults={"axis": None}),
    LossSpec("binary_crossentropy", "BinaryCrossentropy", "same_shape",
             ("from_logits", "label_smoothing", "axis") + _REDUCE, "sigmoid",
             defaults={"axis": -1}, recovers_logits=True),
    LossSpec("binary_focal_crossentropy", "BinaryFocalCrossentropy", "same_shape",
             ("apply_class_balancing", "alpha", "gamma", "from_logits", "label_smoothing", "axis")
             + _REDUCE, "sigmoid", defaults={"axis": -1}),
    LossSpec("categorical_crossentropy", "CategoricalCrossentropy", "same_shape",
             ("from_logits", "label_smoothing", "axis") + _REDUCE, "softmax",
             defaults={"axis": -1}, recovers_logits=True),
    LossSpec("categorical_focal_crossentropy", "CategoricalFocalCrossentropy", "broadcast",
             ("alpha", "gamma", "from_logits", "label_smoothing", "axis") + _REDUCE, "softmax",
             defaults={"axis": -1}),
    LossSpec("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", "sparse",
             ("from_logits", "ignore_class", "reduction", "axis", "name", "dtype"), "softmax",
             defaults={"axis": -1, "ignore_class": None}, recovers_logits=True),
    LossSpec("categorical_generalized_cross_entropy", "CategoricalGeneralizedCrossEntropy",
             "one_hot", ("q",) + _REDUCE, function_kind="unmodeled", by_string=False),
    LossSpec("ctc", "CTC", None, _REDUCE),
    LossSpec("circle", "Circle", None, ("gamma", "margin", "remove_diagonal") + _REDUCE),
)

BY_FUNCTION = {s.function: s for s in SPECS}
BY_CLASS = {s.cls: s for s in SPECS}

# keras.losses.get's extra names (keras/src/losses/__init__.py, ALL_OBJECTS_DICT).
STRING_ALIASES = {
    "bce": "binary_crossentropy", "BCE": "binary_crossentropy",
    "kld": "kl_divergence", "KLD": "kl_divergence",
    "mae": "mean_absolute_error", "MAE": "mean_absolute_error",
    "mse": "mean_squared_error", "MSE": "mean_squared_error",
    "mape": "mean_absolute_percentage_error", "MAPE": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error", "MSLE": "mean_squared_logarithmic_error",
}

# compile(loss="crossentropy") picks binary, sparse or categorical from the shapes
# (keras/src/trainers/compile_utils.py, get_loss).
AUTO = ("crossentropy", "ce")


@dataclass(frozen=True)
class Loss:
    """A loss as a program configured it. ``spec`` is None for ``"crossentropy"`` (chosen
    from the shapes); ``kind`` None means not modeled: never a finding."""

    spec: LossSpec | None
    kind: str | None
    display: str                           # how the program wrote it
    from_logits: bool | None = False    # None when not known

    @property
    def modeled(self) -> bool:
        return self.kind is not None


def loss_from_string(name: str) -> Loss | None:
    """``compile(loss="...")``: a function or class name, an alias, or "crossentropy"."""
    if name.lower() in AUTO:
        return Loss(None, "auto", repr(name))
    if name in BY_CLASS:
        cls = BY_CLASS[name]
        return Loss(cls, cls.kind, repr(name)) if cls.by_string else None
    fn = BY_FUNCTION.get(STRING_ALIASES.get(name, name))
    if fn is None or not fn.by_string:
        return None
    return Loss(fn, fn.kind if fn.function_kind == "same" else None, repr(name))


def loss_from_name(canonical: str, kwargs: dict[str, Any] | None = None,
                   args: tuple[Any, ...] = ()) -> Loss | None:
    """``keras.losses.mean_squared_error`` (the function, ``kwargs`` None) or
    ``keras.losses.CategoricalCrossentropy(*args, **kwargs)`` (an instance)."""
    prefix = "keras.losses."
    if not canonical.startswith(prefix):
        return None
    name = canonical[len(prefix):]
    if kwargs is None and not args:
        spec = BY_FUNCTION.get(name)
        if spec is not None:
            kind = spec.kind if spec.function_kind == "same" else None
            return Loss(spec, kind, f"keras.losses.{name}")
    spec = BY_CLASS.get(name)
    if spec is None:
        return None
    bound = dict(zip(spec.params, args))
    bound.update(kwargs or {})
    return Loss(spec, _class_kind(spec, bound), f"keras.losses.{name}(...)",
                _logits(bound.get("from_logits", False)))


def _logits(v: Any) -> bool | None:
    return v if isinstance(v, bool) else None


def _class_kind(spec: LossSpec, bound: dict[str, Any]) -> str | None:
    """An argument that changes which axes the loss reads (axis, ignore_class) other than its
    default makes the loss unmodeled; the others only change values."""
    for name, default in spec.defaults.items():
        if name in bound and (isinstance(bound[name], Unknown) or bound[name] != default):
            return None
    return spec.kind
