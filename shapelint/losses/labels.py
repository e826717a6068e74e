"""Whether Keras 3 accepts labels of a shape and dtype for a model output and a loss.

What ``train_on_batch``/``fit`` do to the labels, in order (keras/src/losses/loss.py and
losses.py, keras/src/backend/tensorflow/nn.py):

1. ``Loss.__call__`` converts the labels to the loss dtype (float32): strings raise.
2. ``LossFunctionWrapper.call`` runs ``squeeze_or_expand_to_same_rank(y_true, y_pred)``: when
   the ranks differ by one and the longer one ends in an axis of 1, a rank-1 partner gains
   that axis, otherwise the longer one loses it. So labels ``(n,)`` fit a ``(None, 1)``
   output, and a ``(None, T, 1)`` output is squeezed to ``(None, T)`` for labels ``(n, T)``.
3. The loss's own demand (its kind, :mod:`shapelint.losses.table`): broadcasting, equal
   shapes, or one class id per output row.

The labels' first axis is the number of samples in one batch as Keras sees it: the batch
size when known (the last batch of ``fit`` may be smaller), else ``None``. The output's
batch axis is taken to be the same size (the model runs on that batch's features). A size that is
``None`` or a :class:`Sym` may be anything, so a check that depends on it stays silent.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from shapelint.losses.table import BY_FUNCTION, Loss, LossSpec
from shapelint.shapes import BroadcastError, Dim, Shape, broadcast, dims_differ, dims_equal, is_known


@dataclass(frozen=True)
class LabelIssue:
    """Keras raises on these labels. ``kind``: "dtype" (labels that are not numbers),
    "rank" / "shape" (``same_shape`` losses), "sparse_rank" / "sparse_shape" (``sparse``),
    "broadcast" (``broadcast`` and ``one_hot`` losses). ``labels_seen`` and ``output_seen``
    are the shapes after Keras' step 2, which is what its error message prints; ``axis`` is
    the first axis where sizes differ (of ``output_seen``; None for a rank mismatch).
    ``hint`` names the likely fix: "sparse_loss" (integer class ids given to a
    categorical loss), "categorical_loss" (one-hot labels given to the sparse loss),
    "units" (one-hot labels of another width than the output), or None."""

    kind: str
    loss: str
    output: Shape
    labels: Shape
    labels_seen: Shape
    output_seen: Shape
    axis: int | None = None
    hint: str | None = None


class ArrayLike(Protocol):
    """What check_labels reads of the labels: an :class:`~shapelint.arrays.spec.ArrayType`."""

    @property
    def shape(self) -> Shape: ...

    @property
    def dtype(self) -> str | None: ...


Dims = tuple[Dim, ...]  # a shape of known rank, as its tuple of sizes
Found = tuple[str, int | None]      # (kind, axis) of a mismatch


def squeeze_or_expand(t: Dims, p: Dims) -> tuple[Dims, Dims] | None:
    """keras.src.losses.loss.squeeze_or_expand_to_same_rank (expand_rank_1=True) on the
    labels' and the output's sizes; None when whether it squeezes depends on a size the
    analysis does not know."""
    for longer, other, swap in ((t, p, False), (p, t, True)):
        if len(longer) != len(other) + 1:
            continue
        last = longer[-1]
        if not is_known(last):
            return None
        if last == 1:
            if len(other) == 1:
                other = other + (1,)
            else:
                longer = longer[:-1]
        return (other, longer) if swap else (longer, other)
    return t, p


# --- what each kind demands -----------------------------------------------------------------

def _broadcasts(t: Dims, p: Dims) -> Found | None:
    try:
        broadcast(Shape(t), Shape(p))
    except BroadcastError as e:
        axis = e.index - (e.rank - len(p))
        return "broadcast", axis if axis >= 0 else None
    return None


def _same_shape(t: Dims, p: Dims) -> Found | None:
    if len(t) != len(p):
        return "rank", None
    for i, (a, b) in enumerate(zip(t, p)):
        if dims_differ(a, b):
            return "shape", i
    return None


def _sparse(t: Dims, p: Dims) -> Found | None:
    if len(t) == len(p):
        if not is_known(t[-1]):
            return None                   # squeezed when it is 1: unknown
        if t[-1] == 1:
            t = t[:-1]
    if len(t) != len(p) - 1:
        return "sparse_rank", None
    for i, (a, b) in enumerate(zip(t, p)):
        if dims_differ(a, b):
            return "sparse_shape", i
    return None


def _one_hot(t: Dims, p: Dims) -> Found | None:
    return _broadcasts(t + (p[-1],), p)


CHECKS: dict[str, Callable[[Dims, Dims], Found | None]] = {
    "broadcast": _broadcasts,
    "same_shape": _same_shape,
    "sparse": _sparse,
    "one_hot": _one_hot,
}


def _auto(t: Dims, p: Dims) -> LossSpec | None:
    """compile(loss="crossentropy"): keras/src/trainers/compile_utils.py,
    is_binary_or_sparse_categorical, on the shapes before any squeeze."""
    if not is_known(p[-1]):
        return None
    if p[-1] == 1:
        return BY_FUNCTION["binary_crossentropy"]
    if len(t) < len(p):
        return BY_FUNCTION["sparse_categorical_crossentropy"]
    if not is_known(t[-1]):
        return None
    return BY_FUNCTION["sparse_categorical_crossentropy" if t[-1] == 1
                       else "categorical_crossentropy"]


def _hint(kind: str, spec: LossSpec, t: Dims, p: Dims) -> str | None:
    """The likely fix, from the encoding the labels look like."""
    k = p[-1]
    ids = len(t) == len(p) - 1 or (len(t) == len(p) and t[-1] == 1)
    if kind in ("rank", "shape") and spec.logits_of == "softmax" and ids and dims_differ(k, 1):
        return "sparse_loss"
    if kind in ("sparse_rank", "sparse_shape") and len(t) == len(p) and dims_equal(t[-1], k):
        return "categorical_loss"
    if len(t) == len(p) and is_known(t[-1]) and t[-1] != 1 and dims_differ(t[-1], k):
        return "units"
    return None


def check_labels(loss: Loss, output: Shape, labels: ArrayLike) -> LabelIssue | None:
    """None when Keras 3 accepts (or may accept) ``labels`` for ``output`` under ``loss``;
    a :class:`LabelIssue` when ``train_on_batch`` certainly raises."""
    shape: Shape = labels.shape
    t, p = shape.dims, output.dims
    if not loss.modeled or t is None or not p:
        return None
    name = loss.display
    if labels.dtype == "str":
        return LabelIssue("dtype", name, output, shape, shape, output)
    if not t:
        return None                      # a scalar label: not modeled
    spec = loss.spec if loss.kind != "auto" else _auto(t, p)
    if spec is None or spec.kind is None:
        return None
    # The output has as many samples as the labels: Keras runs it on the batch's x, even
    # where the Input fixes another batch size (Keras 3 does not enforce it: train_on_batch
    # of 32 samples on Input(batch_shape=(8, 4)) trains).
    p = (t[0], *p[1:])
    pair = squeeze_or_expand(t, p)
    if pair is None:
        return None
    found = CHECKS[spec.kind](*pair)
    if found is None:
        return None
    kind, axis = found
    return LabelIssue(kind, name, output, shape, Shape(pair[0]), Shape(pair[1]), axis,
                      _hint(kind, spec, t, p))
