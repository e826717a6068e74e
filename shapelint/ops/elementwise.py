"""Element-wise ops: binary ops that broadcast (``add``, ``x + y``...), ``where``, and the
many unary ops that keep their input's shape (activations, casts, math functions)."""
from __future__ import annotations

from shapelint.ops.common import broadcast_all, dims
from shapelint.ops.spec import Arguments, OpSpec, TensorFn, Unknowable
from shapelint.shapes import Shape


def binary_shape(a: Shape, b: Shape) -> Shape:
    """NumPy broadcasting of two operands (SHP102 when they cannot broadcast)."""
    return broadcast_all([a, b])


def _binary(x: str, y: str) -> TensorFn:
    def infer(args: Arguments) -> Shape:
        return binary_shape(args.tensor(x), args.tensor(y))
    return infer


def _same(x: str, min_rank: int = 0) -> TensorFn:
    """The input's shape; ``min_rank``: TensorFlow needs that many axes (triu: a matrix)."""
    def infer(args: Arguments) -> Shape:
        shape = args.tensor(x)
        if min_rank and len(dims(shape)) < min_rank:
            raise Unknowable("rank")
        return shape
    return infer


def _scalar_bounds(x: str, lo: str, hi: str) -> TensorFn:
    """clip: the bounds must be Python numbers (tensor bounds would broadcast)."""
    def infer(args: Arguments) -> Shape:
        for name in (lo, hi):
            v = args.raw(name)
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                raise Unknowable(name)
        return args.tensor(x)
    return infer


def keras_where(a: Arguments) -> Shape:
    if a.raw("x1") is None or a.raw("x2") is None:
        raise Unknowable("x1")
    return broadcast_all([a.tensor("condition"), a.tensor("x1"), a.tensor("x2")])


def tf_where(a: Arguments) -> Shape:
    cond = a.tensor("condition")
    if a.raw("x") is None and a.raw("y") is None:
        return Shape((None, len(dims(cond))))
    if a.raw("x") is None or a.raw("y") is None:
        raise Unknowable("x")
    return broadcast_all([cond, a.tensor("x"), a.tensor("y")])


_KERAS_BINARY = ("add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod",
                 "power", "maximum", "minimum", "equal", "not_equal", "less", "less_equal",
                 "greater", "greater_equal", "logical_and", "logical_or", "logical_xor", "arctan2")
_TF_BINARY = ("add", "subtract", "multiply", "divide", "truediv", "floordiv", "floormod",
              "maximum", "minimum", "pow", "equal", "not_equal", "less", "less_equal", "greater",
              "greater_equal", "logical_and", "logical_or", "squared_difference")
_K_BINARY = ("maximum", "minimum", "equal", "not_equal", "greater", "greater_equal", "less",
             "less_equal")

_KERAS_UNARY = ("abs", "absolute", "negative", "exp", "log", "log1p", "sqrt", "square", "sign",
                "floor", "ceil", "round", "sin", "cos", "tanh", "sigmoid", "relu", "relu6",
                "gelu", "silu", "swish", "softplus", "softsign", "elu", "selu", "leaky_relu",
                "hard_sigmoid", "erf", "reciprocal", "rsqrt", "logical_not", "isnan", "isfinite",
                "zeros_like", "ones_like", "stop_gradient", "copy", "real")
_TF_UNARY = ("math.abs", "math.exp", "math.log", "math.log1p", "math.sqrt", "math.rsqrt",
             "math.square", "math.negative", "math.sign", "math.floor", "math.ceil",
             "math.round", "math.sin", "math.cos", "math.tanh", "math.sigmoid", "math.erf",
             "math.reciprocal", "math.logical_not", "math.is_nan", "math.is_finite",
             "math.softplus", "nn.relu", "nn.relu6", "nn.elu", "nn.selu", "nn.gelu", "nn.silu",
             "nn.leaky_relu", "nn.softsign", "zeros_like", "ones_like", "stop_gradient",
             "identity")
_K_UNARY = ("abs", "exp", "log", "sqrt", "square", "sign", "round", "sigmoid", "tanh", "relu",
            "elu", "softplus", "softsign", "zeros_like", "ones_like", "stop_gradient",
            "hard_sigmoid")

SPECS = [
    *(OpSpec(f"keras.ops.{n}", ("x1", "x2"), _binary("x1", "x2"), tensors=("x1", "x2"))
      for n in _KERAS_BINARY),
    *(OpSpec(f"tensorflow.math.{n}", ("x", "y", "name"), _binary("x", "y"), tensors=("x", "y"))
      for n in _TF_BINARY),
    *(OpSpec(f"keras.backend.{n}", ("x", "y"), _binary("x", "y"), tensors=("x", "y"))
      for n in _K_BINARY),
    OpSpec("keras.backend.pow", ("x", "a"), _binary("x", "a"), tensors=("x", "a")),
    *(OpSpec(f"keras.ops.{n}", ("x",), _same("x")) for n in _KERAS_UNARY),
    *(OpSpec(f"tensorflow.{n}", ("x", "name"), _same("x")) for n in _TF_UNARY),
    *(OpSpec(f"keras.backend.{n}", ("x",), _same("x")) for n in _K_UNARY),
    OpSpec("keras.ops.cast", ("x", "dtype"), _same("x")),
    OpSpec("keras.ops.convert_to_tensor", ("x", "dtype", "sparse", "ragged"), _same("x")),
    OpSpec("keras.ops.triu", ("x", "k"), _same("x", min_rank=2)),
    OpSpec("keras.ops.tril", ("x", "k"), _same("x", min_rank=2)),
    OpSpec("tensorflow.cast", ("x", "dtype", "name"), _same("x")),
    OpSpec("keras.backend.cast", ("x", "dtype"), _same("x")),
    OpSpec("keras.ops.clip", ("x", "x_min", "x_max"), _scalar_bounds("x", "x_min", "x_max")),
    OpSpec("tensorflow.clip_by_value", ("t", "clip_value_min", "clip_value_max", "name"),
           _scalar_bounds("t", "clip_value_min", "clip_value_max"), tensors=("t",)),
    OpSpec("keras.backend.clip", ("x", "min_value", "max_value"),
           _scalar_bounds("x", "min_value", "max_value")),
    OpSpec("tensorflow.nn.dropout", ("x", "rate", "noise_shape", "seed", "name"), _same("x")),
    OpSpec("keras.ops.where", ("condition", "x1", "x2"), keras_where,
           tensors=("condition", "x1", "x2")),
    OpSpec("tensorflow.where", ("condition", "x", "y", "name"), tf_where,
           tensors=("condition", "x", "y")),
]

ALIASES = {
    **{f"tensorflow.{n}": f"tensorflow.math.{n}" for n in _TF_BINARY if n != "squared_difference"},
    "tensorflow.squared_difference": "tensorflow.math.squared_difference",
    "tensorflow.math.multiply_no_nan": "tensorflow.math.multiply",
    "tensorflow.realdiv": "tensorflow.math.divide",
    **{f"tensorflow.{n[5:]}": f"tensorflow.{n}" for n in _TF_UNARY if n.startswith("math.")},
    "tensorflow.sigmoid": "tensorflow.math.sigmoid",
    "tensorflow.nn.sigmoid": "tensorflow.math.sigmoid",
    "tensorflow.nn.tanh": "tensorflow.math.tanh",
    "tensorflow.nn.softplus": "tensorflow.math.softplus",
    "tensorflow.nn.swish": "tensorflow.nn.silu",
    "tensorflow.math.softsign": "tensorflow.nn.softsign",
    "tensorflow.where_v2": "tensorflow.where",
}
