"""Keras 3's symbolic tensors refuse TensorFlow ops.

While a functional model is being built, its tensors are ``KerasTensor`` placeholders.
Keras 2 (tf.keras) wrapped a TensorFlow op called on one in a layer (``TFOpLambda``);
Keras 3 raises "A KerasTensor cannot be used as input to a TensorFlow function". Inside
a layer's ``call()`` or a ``Lambda`` function the tensors are real backend tensors, and TF
ops are fine there. This module says whether a tensor is such a placeholder, and which
``keras.ops`` function does what a TF op does (the fix users want).
"""
from __future__ import annotations

from typing import Any

from shapelint.ops.table import OPS

_MAX_WALK = 400

# tf name (after "tensorflow.") -> keras.ops name, where the last component differs.
_RENAMED = {
    "concat": "concatenate", "clip_by_value": "clip", "gather": "take", "range": "arange",
    "fill": "full", "math.floordiv": "floor_divide", "math.floormod": "mod",
    "math.is_finite": "isfinite", "math.is_nan": "isnan", "math.pow": "power",
    "math.reduce_all": "all", "math.reduce_any": "any", "math.reduce_logsumexp": "logsumexp",
    "math.reduce_max": "max", "math.reduce_mean": "mean", "math.reduce_min": "min",
    "math.reduce_prod": "prod", "math.reduce_std": "std", "math.reduce_sum": "sum",
    "math.reduce_variance": "var", "math.truediv": "true_divide", "math.l2_normalize": "normalize",
}


def keras_equivalent(name: str) -> str | None:
    """``keras.ops.concatenate`` for ``tensorflow.concat``; None when there is no such op."""
    if not name.startswith("tensorflow."):
        return None
    short = name[len("tensorflow."):]
    if short.startswith("random."):
        candidate = "keras." + short
    else:
        candidate = "keras.ops." + _RENAMED.get(short, short.rsplit(".", 1)[-1])
    return candidate if candidate in OPS else None


# TensorFlow names that take a KerasTensor without raising (checked with Keras 3 on the
# TensorFlow backend): they inspect or pass objects along, or take shapes and functions.
# Everything else under ``tf.`` converts its arguments to TensorFlow tensors, and raises.
_ACCEPTING = frozenset({
    "is_tensor", "print", "get_static_value", "control_dependencies", "group", "name_scope",
    "executing_eagerly", "no_op", "function", "custom_gradient", "recompute_grad",
    "assert_equal", "debugging.assert_equal", "cond", "case", "switch_case",
    # Shape and type descriptions: given a tensor instead of its shape they raise other
    # errors than SHP207 describes, so they are left alone.
    "TensorShape", "TensorSpec", "type_spec_from_value", "as_dtype", "dtypes.as_dtype",
})
_ACCEPTING_MODULES = ("nest.", "config.", "summary.", "saved_model.", "autograph.",
                      "distribute.", "io.gfile.", "random.set_seed", "keras.")


def accepts_keras_tensors(name: str) -> bool:
    """Whether the TensorFlow function ``name`` (canonical, ``tensorflow.x``) takes a Keras 3
    symbolic tensor without raising."""
    short = name[len("tensorflow."):] if name.startswith("tensorflow.") else name
    if short.startswith("compat.v1.") or short.startswith("compat.v2."):
        short = short[len("compat.v1."):]
    return short in _ACCEPTING or short.startswith(_ACCEPTING_MODULES)


def is_symbolic(tensor: Any) -> bool:
    """Whether a tensor was made from a ``keras.Input`` (walking back its producers) without
    passing through a TensorFlow op: such an op raised already when given the symbolic
    tensor, so what it would give is reported once, there."""
    stack, seen = [tensor], set[int]()
    while stack and len(seen) < _MAX_WALK:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        p = getattr(t, "producer", None)
        if p is None or p.layer.startswith("tf."):
            continue
        if p.layer == "Input":
            return True
        stack.extend(p.inputs)
    return False
