"""Losses: the table of Keras 3 losses, whether labels fit an output under a loss, and the
output-layer/loss combinations that cannot learn."""
from shapelint.losses.labels import LabelIssue, check_labels, squeeze_or_expand
from shapelint.losses.output import OutputLossIssue, output_loss_issues
from shapelint.losses.table import SPECS, Loss, LossSpec, loss_from_name, loss_from_string

__all__ = [
           "SPECS",
           "LabelIssue",
           "Loss",
           "LossSpec",
           "OutputLossIssue",
           "check_labels",
           "loss_from_name",
           "loss_from_string",
           "output_loss_issues",
           "squeeze_or_expand",
]
