"""Applying a layer's spec to input shapes: rank checks, shape function, unknowns.

This is the one mechanism every layer goes through, wrappers included.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shapelint.layers.input_count import ONE_INPUT
from shapelint.layers.spec import LayerSpec, Output, Unknowable
from shapelint.shapes import Shape
from shapelint.violations.arguments import SeveralInputs
from shapelint.violations.base import Rejected
from shapelint.violations.inputs import InputRankMismatch

# The differential tests set this: a shape function that fails is then a test failure.
# Otherwise an unexpected error in a shape function (an analyzer bug) gives an unknown
# output, never a crash of the analysis or a finding.
STRICT = False


def check_rank(spec: LayerSpec, x: Shape) -> None:
    if x.rank is None:
        return
    if (spec.ranks and x.rank not in spec.ranks) or x.rank < spec.min_rank:
        raise Rejected(InputRankMismatch(expected=tuple(spec.ranks or ()), min_rank=spec.min_rank, got=x,
                                         layer=spec.name, family=spec.family))


# Keras 2 (tf.keras) convolutions treat extra leading axes as batch axes; Keras 3 rejects them.
KERAS2_BATCHED = {"Conv1D": 1, "Conv2D": 2, "Conv3D": 3}


def keras2_accepts(spec: LayerSpec, x: Shape) -> bool:
    """Whether Keras 2 would take an input of this rank that Keras 3 rejects."""
    n = KERAS2_BATCHED.get(spec.name)
    return n is not None and x.rank is not None and x.rank > n + 2


def _keras2_batched(layer: Any, x: Shape, call: dict[str, Any] | None) -> Output:
    n = KERAS2_BATCHED[layer.spec.name]
    if x.dims is None:
        raise Unknowable("rank")
    lead = x.dims[: len(x.dims) - n - 1]
    out = infer_output(layer, Shape((None,) + x.dims[-(n + 1):]), call)
    if isinstance(out, tuple) or out.dims is None:
        return Shape(None)
    return Shape(tuple(lead) + out.dims[1:])


def infer_output(layer: Any, inputs: Shape | Sequence[Shape], call: dict[str, Any] | None = None,
                 input_spec: bool = True, keras_version: int = 3) -> Output:
    """Output shape(s) of ``layer`` (anything with ``.spec`` and ``.config``) on ``inputs``.

    ``call`` holds the other call arguments a spec with ``call_params`` reads (tensors as
    their Shape). ``input_spec=False`` skips the accepted-ranks check, as Keras does when a
    wrapper (TimeDistributed, SpectralNormalization) asks the wrapped layer for its
    ``compute_output_shape`` directly. ``keras_version=2`` applies tf.keras behaviour where it
    differs (convolutions over extra leading axes). Raises :class:`Rejected` when Keras would raise;
    returns an unknown shape when the result cannot be known.
    """
    spec: LayerSpec = layer.spec
    try:
        if spec.takes == "list":
            if not isinstance(inputs, (list, tuple)):
                raise Unknowable("inputs")
            shapes: list[Shape] = list(inputs)
            if spec.infer is None:
                return shapes[0]
            return spec.infer(layer.config, shapes, call) if spec.call_params \
                else spec.infer(layer.config, shapes)
        if isinstance(inputs, (list, tuple)) and len(inputs) > 1:
            if spec.name in ONE_INPUT:
                raise Rejected(SeveralInputs(argument="inputs", value=len(inputs), shapes=tuple(inputs)))
            inputs = Shape(None)          # what a list is to the others' shape functions: unknown
        x = inputs if isinstance(inputs, Shape) else inputs[0]
        if keras_version == 2 and keras2_accepts(spec, x):
            return _keras2_batched(layer, x, call)
        if input_spec:
            check_rank(spec, x)
        if spec.infer is None:
            return x
        return spec.infer(layer.config, x, call) if spec.call_params else spec.infer(layer.config, x)
    except (Unknowable, RecursionError):
        return Shape(None)
    except Rejected:
        raise
    except Exception:
        if STRICT:
            raise
        return Shape(None)
