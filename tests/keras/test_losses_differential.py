"""Differential test: the loss table (shapelint.losses) against real Keras 3.

For every loss Keras 3 ships -- as a compile string, a string alias, a function and a class
(``from_logits`` both ways where it takes one) -- every label encoding (sparse ints ``(n,)``
and ``(n, 1)``, one-hot ``(n, k)``, one-hot of the wrong width, float targets, bool and str
labels) and every output shape (1 and 3 units; rank 2 and rank 3, a time axis of 4), a tiny
model is compiled with that loss and ``train_on_batch`` runs once on zeros (2 samples). Keras
accepts or raises; ``check_labels`` must say the same:

* Keras raises  <=> ``check_labels`` returns a :class:`LabelIssue` (for the losses the table
  models; CTC and Circle take labels of their own kind and the table answers "unknown");
* with the sample axis unknown (``None``) the table may only report what it reports for every
  batch size: an issue with ``None`` must also be one with 2 samples.

Eager execution (``run_eagerly=True``) keeps the sweep fast; a seeded sample is run again
traced (as ``fit`` runs) and must give the same verdicts, so eager and graph agree here.
"""
from __future__ import annotations

import itertools
import os
import random
import warnings
from dataclasses import dataclass
from typing import Any

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
np = pytest.importorskip("numpy")
keras = pytest.importorskip("keras")

from shapelint.arrays.spec import ArrayType  # noqa: E402
from shapelint.losses import LabelIssue, check_labels, loss_from_name, loss_from_string, output_loss_issues  # noqa: E402
from shapelint.shapes import Shape  # noqa: E402

pytestmark = pytest.mark.keras

keras.config.disable_traceback_filtering()

N = 2            # samples in the batch
T = 4            # time steps of rank-3 outputs
FEATURES = 4     # input features

# --- the losses -----------------------------------------------------------------------------

# Every loss function Keras 3 exports (keras.losses.<name>), its class, and whether it takes
# from_logits. CTC and Circle are swept too: the table must stay silent on them.
FUNCTIONS = {
    "mean_squared_error": ("MeanSquaredError", False),
    "mean_absolute_error": ("MeanAbsoluteError", False),
    "mean_absolute_percentage_error": ("MeanAbsolutePercentageError", False),
    "mean_squared_logarithmic_error": ("MeanSquaredLogarithmicError", False),
    "cosine_similarity": ("CosineSimilarity", False),
    "huber": ("Huber", False),
    "log_cosh": ("LogCosh", False),
    "hinge": ("Hinge", False),
    "squared_hinge": ("SquaredHinge", False),
    "categorical_hinge": ("CategoricalHinge", False),
    "kl_divergence": ("KLDivergence", False),
    "poisson": ("Poisson", False),
    "binary_crossentropy": ("BinaryCrossentropy", True),
    "binary_focal_crossentropy": ("BinaryFocalCrossentropy", True),
    "categorical_crossentropy": ("CategoricalCrossentropy", True),
    "categorical_focal_crossentropy": ("CategoricalFocalCrossentropy", True),
    "sparse_categorical_crossentropy": ("SparseCategoricalCrossentropy", True),
    "categorical_generalized_cross_entropy": ("CategoricalGeneralizedCrossEntropy", False),
    "dice": ("Dice", False),
    "tversky": ("Tversky", False),
    "ctc": ("CTC", False),
    "circle": ("Circle", False),
}
ALIASES = ["mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD", "bce", "BCE",
           "crossentropy", "ce"]


@dataclass(frozen=True)
class LossId:
    """How the program names the loss: a compile string, a function or a class instance."""

    how: str                    # "string" | "function" | "class"
    name: str
    kwargs: tuple = ()

    def keras(self) -> Any:
        if self.how == "string":
            return self.name
        obj = getattr(keras.losses, self.name)
        return obj(**dict(self.kwargs)) if self.how == "class" else obj

    def ours(self):
        if self.how == "string":
            return loss_from_string(self.name)
        return loss_from_name(f"keras.losses.{self.name}",
                              dict(self.kwargs) if self.how == "class" else None)


def canonical_ids() -> list[LossId]:
    """Each loss once as a function, and as a class both ways where it takes from_logits."""
    out = []
    for fn, (cls, logits) in FUNCTIONS.items():
        out.append(LossId("function", fn))
        if logits:
            out += [LossId("class", cls, (("from_logits", v),)) for v in (False, True)]
    # the bare function lacks its required q; the class has a default
    out.append(LossId("class", "CategoricalGeneralizedCrossEntropy"))
    return out


def other_ids() -> list[LossId]:
    """Other spellings of the same losses: snake and class-name strings, aliases, bare classes."""
    out = [LossId("string", s) for s in ALIASES]
    for fn, (cls, _) in FUNCTIONS.items():
        out += [LossId("string", fn), LossId("string", cls), LossId("class", cls)]
    return out


# --- the data -------------------------------------------------------------------------------

OUTPUTS = [(1,), (3,), (T, 1), (T, 3)]      # model output shapes without the sample axis


def label_encodings(out: tuple) -> list[tuple[tuple, str]]:
    """(labels shape without the sample axis, dtype) for one output shape."""
    k, mid = out[-1], out[:-1]
    cases = [(mid, "int64"), (mid + (1,), "int64"), (mid + (k,), "float32"),
             (mid + (5,), "float32"), (mid, "float32"), (mid + (1,), "float32"),
             (mid + (k,), "int64"), (mid + (1,), "bool"), (mid, "str")]
    if mid:                               # a sequence output fed per-sample labels
        cases += [((), "int64"), ((k,), "float32"), ((1,), "int64")]
    return list(dict.fromkeys(cases))     # k = 1 makes some encodings the same


DTYPE_CLASS = {"int64": "int", "float32": "float", "bool": "bool", "str": "str"}


@dataclass(frozen=True)
class Case:
    loss: LossId
    out: tuple
    labels: tuple
    dtype: str

    def __repr__(self) -> str:
        return f"{self.loss} output={(None, *self.out)} labels={(N, *self.labels)} {self.dtype}"


def cases_for(ids: list[LossId]) -> list[Case]:
    return [Case(i, out, lab, dt) for i in ids for out in OUTPUTS
            for lab, dt in label_encodings(out)]


# --- Keras' side ----------------------------------------------------------------------------

_MODELS: dict = {}


def model_for(out: tuple):
    if out not in _MODELS:
        shape = (FEATURES,) if len(out) == 1 else (out[0], FEATURES)
        inp = keras.Input(shape)
        _MODELS[out] = keras.Model(inp, keras.layers.Dense(out[-1])(inp))
    return _MODELS[out]


def keras_verdict(case: Case, eager: bool = True) -> str | None:
    """None when train_on_batch accepts, else the error (first line)."""
    model = model_for(case.out)
    x = np.zeros((N, *((FEATURES,) if len(case.out) == 1 else (case.out[0], FEATURES))), "float32")
    y = np.zeros((N, *case.labels), dtype=case.dtype)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.compile(loss=case.loss.keras(), optimizer="sgd", run_eagerly=eager)
            model.train_on_batch(x, y)
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200]}"
    return None


# --- shapelint's side -------------------------------------------------------------------------

def our_verdict(case: Case, batch: Any = N) -> tuple[bool, LabelIssue | None]:
    """(modeled, issue): modeled is False when the table does not know the loss."""
    loss = case.loss.ours()
    if loss is None or not loss.modeled:
        return False, None
    output = Shape((None, *case.out))
    labels = ArrayType(Shape((batch, *case.labels)), DTYPE_CLASS[case.dtype])
    return True, check_labels(loss, output, labels)


def disagreement(case: Case, real: str | None) -> str | None:
    modeled, issue = our_verdict(case)
    if not modeled:
        return None
    if (issue is not None) != (real is not None):
        said = f"an issue {issue}" if issue else "no issue"
        did = f"raises {real}" if real else "accepts"
        return f"{case}: shapelint says {said}, Keras {did}"
    _, unknown_batch = our_verdict(case, batch=None)
    if unknown_batch is not None and issue is None:
        return f"{case}: an issue with an unknown sample count but none with {N} samples"
    return None


def run(cases: list[Case], eager: bool = True) -> tuple[list[str], int]:
    problems, rejected = [], 0
    for case in cases:
        real = keras_verdict(case, eager)
        rejected += real is not None
        if (problem := disagreement(case, real)) is not None:
            problems.append(problem)
    return problems, rejected


# --- the tests --------------------------------------------------------------------------------

def test_every_loss_label_output_combination_agrees_with_keras():
    cases = cases_for(canonical_ids())
    problems, rejected = run(cases)
    assert len(cases) >= 200
    assert 0 < rejected < len(cases)          # both verdicts are exercised
    assert not problems, f"{len(problems)} of {len(cases)} disagree:\n" + "\n".join(problems[:20])


def test_other_spellings_agree_with_keras():
    """Aliases, class-name strings and default instances: a seeded sample of each's cases."""
    rng = random.Random(11)
    cases = [c for lid in other_ids() for c in rng.sample(cases_for([lid]), 6)]
    problems, _ = run(cases)
    assert len(cases) >= 200
    assert not problems, f"{len(problems)} of {len(cases)} disagree:\n" + "\n".join(problems[:20])


def test_traced_training_gives_the_eager_verdicts():
    """fit() runs traced: a seeded sample must be accepted or rejected the same way."""
    rng = random.Random(5)
    cases = rng.sample(cases_for(canonical_ids()), 40)
    differ = [c for c in cases
              if (keras_verdict(c, eager=True) is None) != (keras_verdict(c, eager=False) is None)]
    assert not differ, differ


# --- output layer vs loss, without data --------------------------------------------------------

PREDICATE_LOSSES = [LossId("function", fn) for fn in FUNCTIONS if fn not in ("ctc", "circle")
                    and fn != "categorical_generalized_cross_entropy"] + [
    LossId("class", cls, (("from_logits", v),))
    for cls, logits in FUNCTIONS.values() if logits for v in (False, True)]


def _train_once(loss: LossId, units: int, activation: str | None) -> float:
    """The loss value of one train_on_batch on random data with one-hot labels, from fixed
    initial weights."""
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    inp = keras.Input((FEATURES,))
    model = keras.Model(inp, keras.layers.Dense(units, activation=activation)(inp))
    y = (rng.integers(0, units, (8,)) if "parse" in loss.name
         else np.eye(units, dtype="float32")[rng.integers(0, units, 8)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.compile(loss=loss.keras(), optimizer="sgd", run_eagerly=True)
        return float(model.train_on_batch(rng.normal(size=(8, FEATURES)).astype("float32"), y))


def test_one_unit_softmax_is_reported_exactly_where_predictions_are_constant():
    problems = []
    rng = np.random.default_rng(0)
    for units, act in itertools.product((1, 2, 3), (None, "softmax", "sigmoid", "relu")):
        inp = keras.Input((FEATURES,))
        model = keras.Model(inp, keras.layers.Dense(units, activation=act)(inp))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # Keras warns about a softmax over 1 unit too
            pred = model.predict_on_batch(rng.normal(size=(16, FEATURES)).astype("float32"))
        constant = bool(np.all(pred == pred.flat[0]))
        kinds = {i.kind for i in output_loss_issues(None, Shape((None, units)), act)}
        if constant != ("one_unit_softmax" in kinds):
            problems.append(f"units={units} {act}: reported {kinds}, constant={constant}")
    assert not problems, "\n".join(problems)


def test_constant_losses_are_reported_exactly_where_the_loss_ignores_the_output():
    """one_unit_loss <=> on valid labels (one-hot, or class 0 for the sparse loss) the loss
    has the same value for any two outputs: nothing to learn from."""
    problems = []
    rng = np.random.default_rng(1)
    for loss, units in itertools.product(PREDICATE_LOSSES, (1, 2, 3)):
        sparse = "parse" in loss.name
        y = (np.zeros((8,), "int64") if sparse
             else np.eye(units, dtype="float32")[rng.integers(0, units, 8)])
        fn = loss.keras()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = [np.asarray(fn(y, rng.uniform(0.1, 0.9, (8, units)).astype("float32")))
                      for _ in range(2)]
        constant = bool(np.allclose(values[0], values[1], rtol=1e-6, atol=1e-7))
        kinds = {i.kind for i in output_loss_issues(loss.ours(), Shape((None, units)), None)}
        if constant != ("one_unit_loss" in kinds):
            problems.append(f"{loss} units={units}: reported {kinds}, constant={constant}")
    assert not problems, "\n".join(problems)


def test_probabilities_as_logits_is_reported_exactly_where_keras_does_not_undo_it():
    """from_logits=True after the loss's own activation: reported <=> the loss differs from
    the same model's with a linear output (Keras on TensorFlow recovers the logits for the
    plain crossentropies)."""
    problems = []
    for loss in PREDICATE_LOSSES:
        if ("from_logits", True) not in loss.kwargs:
            continue
        act = "sigmoid" if "Binary" in loss.name else "softmax"
        kinds = {i.kind for i in output_loss_issues(loss.ours(), Shape((None, 3)), act)}
        differs = _train_once(loss, 3, act) != pytest.approx(_train_once(loss, 3, None))
        if differs != ("probabilities_as_logits" in kinds):
            problems.append(f"{loss} {act}: reported {kinds}, loss differs={differs}")
    assert not problems, "\n".join(problems)


def test_every_exported_loss_is_swept():
    exported = {n for n in dir(keras.losses) if not n.startswith("_")}
    swept = set(FUNCTIONS) | {cls for cls, _ in FUNCTIONS.values()}
    assert exported - swept == {"Loss", "deserialize", "get", "serialize"}

