"""scikit-learn and pandas, as scripts prepare data with them: ``train_test_split`` (rows
split as sklearn rounds them, trailing sizes kept), scalers (same shape, floats), encoders,
and a DataFrame's ``.values``/``.to_numpy()`` (2-D, sizes unknown). Estimators and DataFrames
are :class:`~shapelint.arrays.spec.ObjectType`, their methods named ``<class>.<method>``;
``read_csv`` and the other readers give a DataFrame whose contents are unknown.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from shapelint.arrays.shared import (
    Args,
    ArrayType,
    Shape,
    Unknowable,
    arr,
)
from shapelint.arrays.spec import ObjectType
from shapelint.ops.common import dims
from shapelint.ops.spec import OpSpec, is_int
from shapelint.shapes import Dim, dims_differ, is_known

# --- scikit-learn -----------------------------------------------------------------------------

def _checked_size(size: Any, n: Dim) -> Any:
    """A train/test size sklearn accepts: a float in (0, 1) or an int in [1, n)."""
    if size is None:
        return None
    if isinstance(size, float) and 0 < size < 1:
        return size
    if is_int(size) and size >= 1 and not (is_known(n) and size >= n):
        return size
    raise Unknowable("size")             # sklearn raises; no rule names it


def _count(size: Any, n: Dim, rounding: Callable[[float], int]) -> Dim:
    """A size as a count: an int as is, a fraction of ``n`` rounded."""
    if size is None:
        return None
    if is_int(size):
        return size
    return rounding(size * n) if is_known(n) else None


def train_test_split(a: Args) -> tuple[ArrayType, ...]:
    """sklearn.model_selection._split._validate_shuffle_split: test = ceil(test_size * n),
    train = floor(train_size * n), the other one the rest; test_size 0.25 when neither."""
    given = a.raw("arrays") or ()
    if not given or not all(isinstance(x, ArrayType) and dims(x.shape) for x in given):
        raise Unknowable("arrays")       # lists come back as lists: not modeled
    xs: list[ArrayType] = list(given)
    firsts = [dims(x.shape)[0] for x in xs]
    if any(dims_differ(firsts[0], f) for f in firsts):
        raise Unknowable("arrays")       # sklearn raises: inconsistent numbers of samples
    n = next((f for f in firsts if is_known(f)), None)
    test, train = a.raw("test_size"), a.raw("train_size")
    if test is None and train is None:
        test = 0.25
    test, train = _checked_size(test, n), _checked_size(train, n)
    if isinstance(test, float) and isinstance(train, float) and test + train > 1:
        raise Unknowable("size")
    n_test = _count(test, n, math.ceil)
    n_train = _count(train, n, math.floor)
    if train is None:
        n_train = n - n_test if isinstance(n, int) and isinstance(n_test, int) else None
    if test is None:
        n_test = n - n_train if isinstance(n, int) and isinstance(n_train, int) else None
    if isinstance(n, int) and isinstance(n_train, int) and isinstance(n_test, int) \
            and n_train + n_test > n:
        raise Unknowable("size")
    if n_train == 0:
        raise Unknowable("size")         # sklearn raises: the train set would be empty
    out: list[ArrayType] = []
    for x in xs:
        rest = dims(x.shape)[1:]
        out += [ArrayType(Shape((n_train, *rest)), x.dtype),
                ArrayType(Shape((n_test, *rest)), x.dtype)]
    return tuple(out)


def _estimator(kind: str, options: tuple[str, ...] = ()) -> Callable[[Args], ObjectType]:
    def infer(a: Args) -> ObjectType:
        config = tuple(sorted((k, a.raw(k)) for k in options if a.raw(k) is not None))
        return ObjectType(kind, config)
    return infer


def _same_shape_float(a: Args) -> ArrayType:
    """A scaler keeps a 2-D array's shape and gives floats (a 1-D one raises: unknown)."""
    x = arr(a, "X")
    if len(dims(x.shape)) != 2:
        raise Unknowable("X")
    return ArrayType(x.shape, "float")


def _returns_self(a: Args) -> Any:
    return a.raw("self")


def _label_encoded(a: Args) -> ArrayType:
    y = arr(a, "y")
    yd = dims(y.shape)
    if len(yd) == 2 and yd[1] == 1:
        yd = yd[:1]                      # a column vector is raveled (with a warning)
    if len(yd) != 1:
        raise Unknowable("y")
    return ArrayType(Shape(yd), "int")


def _one_hot_encoded(a: Args) -> ArrayType:
    x = arr(a, "X")
    est = a.raw("self")
    dense = isinstance(est, ObjectType) and (est.option("sparse_output") is False
                                             or est.option("sparse") is False)
    if len(dims(x.shape)) != 2 or not dense:
        raise Unknowable("X")            # a SciPy sparse matrix by default
    return ArrayType(Shape((dims(x.shape)[0], None)), "float")


def _binarized(a: Args) -> ArrayType:
    """One column per class (one in all for two classes; a 2-D indicator y keeps its
    columns): the count is read from the data."""
    y = arr(a, "y")
    yd = dims(y.shape)
    if len(yd) not in (1, 2):
        raise Unknowable("y")
    return ArrayType(Shape((yd[0], None)), "int")


_SCALERS = ("StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler", "Normalizer",
            "QuantileTransformer", "PowerTransformer")


def _sklearn() -> tuple[list[OpSpec], list[OpSpec]]:
    """(functions and constructors, methods)."""
    functions = [OpSpec("sklearn.model_selection.train_test_split", (), train_test_split,
                        tensors=(), varargs="arrays")]
    out: list[OpSpec] = []
    for name in _SCALERS:
        kind = f"sklearn.preprocessing.{name}"
        functions.append(OpSpec(kind, (), _estimator(kind), tensors=()))
        out += [OpSpec(f"{kind}.{m}", ("self", "X"), _same_shape_float, tensors=("X",))
                for m in ("fit_transform", "transform", "inverse_transform")]
        out.append(OpSpec(f"{kind}.fit", ("self", "X"), _returns_self, tensors=()))
    enc = "sklearn.preprocessing.LabelEncoder"
    ohe = "sklearn.preprocessing.OneHotEncoder"
    lb = "sklearn.preprocessing.LabelBinarizer"
    functions += [OpSpec(enc, (), _estimator(enc), tensors=()),
                  OpSpec(ohe, (), _estimator(ohe, ("sparse_output", "sparse")), tensors=()),
                  OpSpec(lb, (), _estimator(lb), tensors=())]
    out += [OpSpec(f"{enc}.fit_transform", ("self", "y"), _label_encoded, tensors=("y",)),
            OpSpec(f"{enc}.transform", ("self", "y"), _label_encoded, tensors=("y",)),
            OpSpec(f"{enc}.fit", ("self", "y"), _returns_self, tensors=())]
    out += [OpSpec(f"{ohe}.fit_transform", ("self", "X"), _one_hot_encoded, tensors=("X",)),
            OpSpec(f"{ohe}.transform", ("self", "X"), _one_hot_encoded, tensors=("X",)),
            OpSpec(f"{ohe}.fit", ("self", "X"), _returns_self, tensors=())]
    out += [OpSpec(f"{lb}.fit_transform", ("self", "y"), _binarized, tensors=("y",)),
            OpSpec(f"{lb}.transform", ("self", "y"), _binarized, tensors=("y",)),
            OpSpec(f"{lb}.fit", ("self", "y"), _returns_self, tensors=())]
    return functions, out


# --- pandas ------------------------------------------------------------------------------------

def _frame(a: Args) -> ObjectType:
    return ObjectType("pandas.DataFrame")


def _frame_values(a: Args) -> ArrayType:
    """A DataFrame's values: 2-D, rows and columns unknown (columns unless the lead's
    interpreter knows them), dtype unknown (mixed columns give objects)."""
    return ArrayType(Shape((None, None)), None)


def _series_values(a: Args) -> ArrayType:
    return ArrayType(Shape((None,)), None)


PANDAS = [
    *(OpSpec(f"pandas.{n}", ("filepath_or_buffer",), _frame, tensors=(), varargs="rest")
      for n in ("read_csv", "read_table", "read_excel", "read_json", "read_parquet",
                "read_pickle", "read_feather", "read_sql")),
]
PANDAS_METHODS = [
    OpSpec("pandas.DataFrame.to_numpy", ("self", "dtype", "copy", "na_value"), _frame_values,
           tensors=()),
    OpSpec("pandas.Series.to_numpy", ("self", "dtype", "copy", "na_value"), _series_values,
           tensors=()),
]
PANDAS_ATTRIBUTES = [
    OpSpec("pandas.DataFrame.values", ("self",), _frame_values, tensors=()),
    OpSpec("pandas.Series.values", ("self",), _series_values, tensors=()),
]


FUNCTIONS, _SKLEARN_METHODS = _sklearn()
SPECS = FUNCTIONS + PANDAS
METHODS = _SKLEARN_METHODS + PANDAS_METHODS
ATTRIBUTES = PANDAS_ATTRIBUTES
