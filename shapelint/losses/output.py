"""Output layer against loss, without data: combinations that train without an error but
cannot learn (issue 11, item 3). Only certainly wrong ones:

* ``one_unit_softmax`` -- a softmax over an axis of size 1 is 1.0 for every input;
* ``one_unit_loss`` -- a loss that is constant on a 1-unit output, whatever the output:
  categorical, categorical focal and sparse categorical crossentropy (one class: Keras itself
  warns for the first two, "expected y_pred.shape to be (batch_size, num_classes) with
  num_classes > 1") and cosine similarity (a single number normalised is +-1);
* ``probabilities_as_logits`` -- ``from_logits=True`` on an output that already went through
  the activation the loss applies: softmax for categorical focal crossentropy, sigmoid for
  binary focal crossentropy. Those two apply it a second time.

Not reported: the same mistake with categorical, sparse categorical or binary crossentropy.
On the TensorFlow backend Keras 3 notices the final softmax/sigmoid (``_get_logits`` in
keras/src/backend/tensorflow/nn.py), warns "received `from_logits=True`, but the `output`
argument was produced by a Softmax activation", and computes the loss from the logits
before it: the loss is exactly the one of a linear output (tests/keras prove it), so the
model learns.
"""
from __future__ import annotations

from dataclasses import dataclass

from shapelint.losses.table import Loss
from shapelint.shapes import Shape


@dataclass(frozen=True)
class OutputLossIssue:
    """An output layer and its loss that train without an error but cannot learn."""

    kind: str                 # one_unit_softmax | one_unit_loss | probabilities_as_logits
    output: Shape
    activation: str | None
    loss: str | None       # the loss as the program wrote it


def activation_name(activation: str | None) -> str | None:
    """"softmax", "keras.activations.softmax", "tensorflow.nn.softmax" -> "softmax"."""
    return None if activation is None else activation.rsplit(".", 1)[-1]


def output_loss_issues(loss: Loss | None, output: Shape,
                       activation: str | None) -> list[OutputLossIssue]:
    """The certainly wrong combinations of one output (its shape and final activation, None
    when linear or unknown) and its loss (None when it has none or it is unknown)."""
    act = activation_name(activation)
    units = output.dims[-1] if output.dims else None
    one = units == 1 and not isinstance(units, bool)
    name = loss.display if loss is not None else None
    out = []
    if one and act == "softmax":
        out.append(OutputLossIssue("one_unit_softmax", output, activation, name))
    if loss is None or not loss.modeled or loss.spec is None:
        return out
    spec = loss.spec
    if one and spec.constant_on_one_unit:
        out.append(OutputLossIssue("one_unit_loss", output, activation, name))
    if loss.from_logits is True and act is not None and act == spec.logits_of \
            and not spec.recovers_logits:
        out.append(OutputLossIssue("probabilities_as_logits", output, activation, name))
    return out
