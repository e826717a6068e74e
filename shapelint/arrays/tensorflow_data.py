"""TensorFlow's data: ``tf.constant`` and ``tf.data.Dataset`` pipelines.

A dataset is a :class:`~shapelint.arrays.spec.DatasetType`, the structure of one element
(an array, or a tuple / dict of them). ``from_tensor_slices`` slices the first axis off every
component; ``batch`` adds an axis of unknown size (the last batch may be smaller) unless
``drop_remainder=True``; ``unbatch`` removes it; shuffle, prefetch, cache, repeat, take, skip,
filter... keep the element. ``map`` is left to the interpreter (it runs the function).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shapelint.arrays.creation import as_array
from shapelint.arrays.shared import (
    Args,
    ArrayType,
    Shape,
    Unknowable,
    dtype_arg,
    items_of,
    run_op,
)
from shapelint.arrays.spec import DatasetType, python_dtype
from shapelint.ops.common import dims
from shapelint.ops.spec import OpSpec, is_int
from shapelint.shapes import dims_differ

# --- TensorFlow ---------------------------------------------------------------------------------

# Python values TensorFlow converts to a dtype class (not ints to bools, floats to ints).
_TF_CONVERTS = {("int", "int"), ("int", "float"), ("float", "float"), ("bool", "bool"),
                ("bool", "int"), ("bool", "float"), ("str", "str")}


def _leaf_kinds(v: Any) -> set[str | None]:
    items = items_of(v)
    if items is None or isinstance(v, ArrayType):
        return {v.dtype} if isinstance(v, ArrayType) else {python_dtype(v)}
    return set().union(*(_leaf_kinds(x) for x in items)) if items else set()


def tf_constant(a: Args) -> ArrayType:
    """tf.constant(value, dtype, shape): the value's shape; ``shape=`` fills from a value of
    one element or reshapes one of as many elements (else TensorFlow raises: unknown). A
    Python literal mixing bools with numbers, or a ``dtype`` its values do not convert to,
    raises too (unknown)."""
    value = as_array(a, "value")
    kind = dtype_arg(a, "dtype", value.dtype)
    if not isinstance(a.raw("value"), ArrayType):
        kinds = _leaf_kinds(a.raw("value"))
        if ("bool" in kinds and len(kinds) > 1) or ("str" in kinds and len(kinds) > 1):
            raise Unknowable("value")
        if a.raw("dtype") is not None and any((k, kind) not in _TF_CONVERTS for k in kinds):
            raise Unknowable("dtype")
    if a.raw("shape") is None:
        return ArrayType(value.shape, kind)
    target = a.dims("shape", allow_none=False)
    if value.shape.size(0) == 1:
        return ArrayType(Shape(target), kind)
    shape = run_op("keras.ops.reshape", x=value.shape, newshape=target)
    return ArrayType(shape, kind)


def _structure(v: Any, leaf: Callable[[ArrayType], ArrayType]) -> Any:
    """Map ``leaf`` over a dataset structure: an array, a tuple or dict of them."""
    if isinstance(v, ArrayType):
        return leaf(v)
    if isinstance(v, dict):
        return {k: _structure(x, leaf) for k, x in v.items()}
    if isinstance(v, tuple):
        return tuple(_structure(x, leaf) for x in v)
    dict_items = getattr(v, "items", None)
    if isinstance(dict_items, dict):
        return {k: _structure(x, leaf) for k, x in dict_items.items()}
    raise Unknowable("structure")       # lists are converted to one tensor: not modeled


def _leaves(v: Any) -> list[ArrayType]:
    out: list[ArrayType] = []

    def keep(x: ArrayType) -> ArrayType:
        out.append(x)
        return x

    _structure(v, keep)
    return out


def from_tensor_slices(a: Args) -> DatasetType:
    """Each element is one slice along the first axis, which every component shares."""
    tensors = a.raw("tensors")
    if isinstance(tensors, list) or isinstance(getattr(tensors, "items", None), list):
        tensors = as_array(a, "tensors")     # a list is converted to one tensor
    leaves = _leaves(tensors)
    if not leaves or any(not dims(x.shape) for x in leaves):
        raise Unknowable("scalar")       # TensorFlow cannot slice a scalar
    firsts = [dims(x.shape)[0] for x in leaves]
    if any(dims_differ(firsts[0], f) for f in firsts):
        raise Unknowable("tensors")      # TensorFlow raises: different first sizes
    return DatasetType(_structure(tensors, lambda x: ArrayType(Shape(dims(x.shape)[1:]), x.dtype)))


def from_tensors(a: Args) -> DatasetType:
    return DatasetType(_structure(a.raw("tensors"), lambda x: x))


def _element(a: Args) -> Any:
    ds = a.raw("self")
    if not isinstance(ds, DatasetType) or ds.element is None:
        raise Unknowable("dataset")
    return ds.element


def dataset_batch(a: Args) -> DatasetType:
    size = a.raw("batch_size")
    drop = a.raw("drop_remainder")
    n = size if drop is True and is_int(size) else None
    return DatasetType(_structure(_element(a), lambda x: ArrayType(Shape((n, *dims(x.shape))),
                                                                    x.dtype)))


def dataset_padded_batch(a: Args) -> DatasetType:
    return DatasetType(_structure(_element(a), lambda x: ArrayType(
        Shape((None,) * (len(dims(x.shape)) + 1)), x.dtype)))


def dataset_unbatch(a: Args) -> DatasetType:
    def leaf(x: ArrayType) -> ArrayType:
        xd = dims(x.shape)
        if not xd:
            raise Unknowable("unbatch")
        return ArrayType(Shape(xd[1:]), x.dtype)
    return DatasetType(_structure(_element(a), leaf))


def dataset_same(a: Args) -> DatasetType:
    return DatasetType(_element(a))


def dataset_zip(a: Args) -> DatasetType:
    parts = a.raw("datasets")
    items = items_of(parts) if not isinstance(parts, DatasetType) else None
    if items is None or not all(isinstance(d, DatasetType) for d in items):
        raise Unknowable("datasets")
    return DatasetType(tuple(d.element for d in items))


_SAME_ELEMENT = ("shuffle", "prefetch", "cache", "repeat", "take", "skip", "filter",
                 "with_options", "shard", "take_while", "ignore_errors")

TENSORFLOW = [
    OpSpec("tensorflow.constant", ("value", "dtype", "shape", "name"), tf_constant, tensors=()),
    OpSpec("tensorflow.convert_to_tensor", ("value", "dtype", "dtype_hint", "name"),
           lambda a: as_array(a, "value"), tensors=()),
    OpSpec("tensorflow.data.Dataset.from_tensor_slices", ("tensors", "name"),
           from_tensor_slices, tensors=()),
    OpSpec("tensorflow.data.Dataset.from_tensors", ("tensors", "name"), from_tensors, tensors=()),
    OpSpec("tensorflow.data.Dataset.zip", ("datasets", "name"), dataset_zip, tensors=()),
]
DATASET_METHODS = [
    OpSpec("Dataset.batch", ("self", "batch_size", "drop_remainder", "num_parallel_calls",
                             "deterministic", "name"), dataset_batch, tensors=()),
    OpSpec("Dataset.padded_batch", ("self", "batch_size", "padded_shapes", "padding_values",
                                    "drop_remainder", "name"), dataset_padded_batch, tensors=()),
    OpSpec("Dataset.unbatch", ("self", "name"), dataset_unbatch, tensors=()),
    *(OpSpec(f"Dataset.{n}", ("self",), dataset_same, tensors=(), varargs="rest")
      for n in _SAME_ELEMENT),
]

SPECS = TENSORFLOW
METHODS = DATASET_METHODS
