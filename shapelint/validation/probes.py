"""Checks of what a finding claims where Keras raises nothing (SHP605: an output that
cannot learn), run on the real layers a build made.

A warning has no exception to confirm it, but some claims can be checked directly: a
softmax over a single unit "is 1.0 for every input", so the real output layer, called on
random inputs of the shape it was built for, must give 1.0 everywhere. The static side
(:func:`probes_for`) says which claim to check at which line; the worker runs the check
(:func:`run`) after the build, on the layers the recorder saw made on that line. A claim
with no check stays unverified, with the reason (:data:`UNCHECKED`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shapelint.validation.protocol import ProbeRequest, ProbeResult

RANDOM_SAMPLES = 4
CONSTANT_OUTPUT = "one_unit_softmax"

# Claims of SHP605 no build checks, and why (OutputLossIssue.kind -> reason).
UNCHECKED: dict[str, str] = {
    "one_unit_loss": ("a warning: Keras trains this model without an error, and whether the loss "
                      "can change with a 1-unit output is a property of the loss, not of anything "
                      "the build makes"),
    "probabilities_as_logits": ("a warning: Keras trains this model without an error, and an "
                                "activation applied twice shows only in how well it learns"),
}


@dataclass(frozen=True)
class Probe:
    """Check ``claim`` of the finding at ``row`` on the layers made at ``layer_row``."""

    row: int
    claim: str            # OutputLossIssue.kind
    layer_row: int        # the output layer's constructor line

    def request(self) -> ProbeRequest:
        return {"row": self.row, "claim": self.claim, "layer_row": self.layer_row}


def probes_for(issues: Iterable[Any], row_of: Callable[[Any], int | None]) -> tuple[Probe, ...]:
    """One probe per SHP605 issue whose output layer was made in this file."""
    out = []
    for issue in issues:
        if issue.code != "SHP605" or issue.via is not None:
            continue
        output = dict(issue.inputs).get("output")
        producer = getattr(output, "producer", None)
        layer = getattr(producer, "layer_obj", None)
        node = getattr(layer, "node", None) or getattr(producer, "node", None)
        row = row_of(node) if node is not None else None
        if row:
            out.append(Probe(issue.start[0], issue.violation.problem, row))
    return tuple(out)


# --- in the worker, after the build ------------------------------------------------------------
def _constant_output(layer: Any, inputs: list[Any], keras: Any) -> tuple[bool | None, str]:
    """Call the real layer on random inputs of the shape it was built for: 1.0 everywhere?"""
    import numpy as np

    shape = inputs[0] if inputs else None
    if shape is None or any(d is None for d in shape[1:]):
        return None, "the layer's input shape is not known in the build"
    rng = np.random.default_rng(0)
    x = rng.normal(size=(RANDOM_SAMPLES, *shape[1:])).astype("float32")
    out = np.asarray(keras.ops.convert_to_numpy(layer(x)))
    name = type(layer).__name__
    if np.all(out == 1.0):
        return True, (f"TensorFlow's {name} gives 1.0 for every one of {RANDOM_SAMPLES} random inputs "
                      f"of shape {tuple(x.shape)}")
    return False, (f"TensorFlow's {name} gives values from {float(out.min()):.4g} to "
                   f"{float(out.max()):.4g} on {RANDOM_SAMPLES} random inputs of shape {tuple(x.shape)}")


CHECKS: dict[str, Callable[[Any, list[Any], Any], tuple[bool | None, str]]] = {
    CONSTANT_OUTPUT: _constant_output,
}


def run(requests: list[ProbeRequest], built: Callable[[int], list[tuple[Any, list[Any]]]],
        keras: Any) -> list[ProbeResult]:
    """Each probe's result: ``holds`` True (the claim is true of the real layer), False, or
    None (could not be checked), and what was seen. ``built(row)`` gives the layers made
    on a line with the input shapes of their first call."""
    results: list[ProbeResult] = []
    for request in requests:
        check = CHECKS.get(request["claim"])
        result: ProbeResult = {"row": request["row"], "claim": request["claim"], "holds": None, "detail": ""}
        layers = built(request["layer_row"]) if check is not None else []
        if check is None:
            result["detail"] = "no check of this claim runs in a build"
        elif not layers:
            result["detail"] = f"the build made no layer at line {request['layer_row']} that it called"
        else:
            try:
                result["holds"], result["detail"] = check(layers[0][0], layers[0][1], keras)
            except Exception as exc:
                result["detail"] = f"the check raised {type(exc).__name__}: {str(exc)[:200]}"
        results.append(result)
    return results
