"""Keras' data: ``keras.datasets.*.load_data()`` and the data utilities (``to_categorical``,
``pad_sequences``, ``image/text_dataset_from_directory``, ``timeseries_dataset_from_array``).

The ``keras.datasets`` shapes and dtypes are read from the installed Keras 3
(``keras/src/datasets/*.py``), without downloading the data:

* mnist, fashion_mnist: x (60000, 28, 28) uint8, y (60000,) uint8; test (10000, 28, 28),
  (10000,) -- the docstrings' asserts; fashion_mnist reshapes to (len(y), 28, 28).
* cifar10, cifar100 (either label_mode): x (50000, 32, 32, 3) uint8, y (50000, 1); test
  (10000, 32, 32, 3), (10000, 1) -- ``num_train_samples = 50000``,
  ``np.reshape(y, (len(y), 1))``, ``transpose(0, 2, 3, 1)`` for channels_last (the default).
* imdb: x (25000,) object (lists of word indices), y (25000,) int, the same for test --
  "25,000 movies reviews" per split; ``maxlen`` drops long reviews: counts unknown.
* reuters: x (8982,) object, y (8982,) int; test (2246,) -- 11,228 newswires,
  ``idx = int(len(xs) * (1 - test_split))``; ``maxlen``: counts unknown.
* boston_housing: x (404, 13) float64, y (404,) float; test (102, 13), (102,) -- 506 samples
  of 13 attributes, ``int(len(x) * (1 - test_split))``.
* california_housing: x (16512, 8) float64, y (16512,) float; test (4128, 8), (4128,) --
  20,640 samples of 8 features ("large"); ``version="small"``: 600 (480 / 120).

The directory and timeseries utilities give a :class:`~shapelint.arrays.spec.DatasetType`
whose batch axis has an unknown size (the last batch may be smaller).
"""
from __future__ import annotations

from collections.abc import Callable

from shapelint.arrays.creation import as_array
from shapelint.arrays.shared import (
    Args,
    ArrayType,
    Shape,
    Unknowable,
    arr,
    dtype_arg,
    items_of,
    number,
)
from shapelint.arrays.spec import DatasetType
from shapelint.interp.values import Unknown
from shapelint.ops.common import dims
from shapelint.ops.spec import OpSpec, is_int
from shapelint.shapes import Dim, is_known

# --- keras.datasets -------------------------------------------------------------------------------


_Pair = tuple[ArrayType, ArrayType]                    # (x, y)
_Loader = Callable[[Args], tuple[_Pair, _Pair]]         # load_data(): (train, test)


def _split(x: tuple[Dim, ...], y: tuple[Dim, ...], xk: str, yk: str, n_train: Dim,
           n_test: Dim) -> tuple[_Pair, _Pair]:
    def pair(n: Dim) -> _Pair:
        return (ArrayType(Shape((n, *x)), xk), ArrayType(Shape((n, *y)), yk))
    return pair(n_train), pair(n_test)


def _fixed(x: tuple[int, ...], y: tuple[int, ...], n_train: int, n_test: int,
           yk: str = "int") -> _Loader:
    def infer(a: Args) -> tuple[_Pair, _Pair]:
        return _split(x, y, "int", yk, n_train, n_test)
    return infer


def _test_split(a: Args, total: int) -> tuple[int, int]:
    ts = a.raw("test_split")
    if not number(ts) or not 0 <= ts < 1:
        raise Unknowable("test_split")
    idx = int(total * (1 - ts))
    return idx, total - idx


def _sequences(total: int | None, per_split: int | None = None) -> _Loader:
    """imdb (fixed halves) and reuters (test_split): object arrays of word-index lists."""
    def infer(a: Args) -> tuple[_Pair, _Pair]:
        if a.raw("maxlen") is not None:
            n_train: Dim = None           # long sequences are dropped: counts unknown
            n_test: Dim = None
        elif total is None:
            n_train = n_test = per_split
        else:
            n_train, n_test = _test_split(a, total)
        return _split((), (), "str", "int", n_train, n_test)
    return infer


def _housing(features: int, sizes: dict[str | None, int]) -> _Loader:
    def infer(a: Args) -> tuple[_Pair, _Pair]:
        version = a.raw("version")
        if isinstance(version, Unknown) or version not in sizes:
            raise Unknowable("version")
        n_train, n_test = _test_split(a, sizes[version])
        return _split((features,), (), "float", "float", n_train, n_test)
    return infer


DATASETS = [
    OpSpec("keras.datasets.mnist.load_data", ("path",), _fixed((28, 28), (), 60000, 10000),
           tensors=()),
    OpSpec("keras.datasets.fashion_mnist.load_data", (), _fixed((28, 28), (), 60000, 10000),
           tensors=()),
    OpSpec("keras.datasets.cifar10.load_data", (), _fixed((32, 32, 3), (1,), 50000, 10000),
           tensors=()),
    OpSpec("keras.datasets.cifar100.load_data", ("label_mode",),
           _fixed((32, 32, 3), (1,), 50000, 10000), tensors=()),
    OpSpec("keras.datasets.imdb.load_data",
           ("path", "num_words", "skip_top", "maxlen", "seed", "start_char", "oov_char",
            "index_from"), _sequences(None, 25000), tensors=()),
    OpSpec("keras.datasets.reuters.load_data",
           ("path", "num_words", "skip_top", "maxlen", "test_split", "seed", "start_char",
            "oov_char", "index_from"), _sequences(11228), {"test_split": 0.2}, tensors=()),
    OpSpec("keras.datasets.boston_housing.load_data", ("path", "test_split", "seed"),
           _housing(13, {None: 506}), {"test_split": 0.2}, tensors=()),
    OpSpec("keras.datasets.california_housing.load_data",
           ("version", "path", "test_split", "seed"),
           _housing(8, {"large": 20640, "small": 600}), {"version": "large", "test_split": 0.2},
           tensors=()),
]


# --- Keras data utilities -------------------------------------------------------------------------

def to_categorical(a: Args) -> ArrayType:
    """keras/src/utils/numerical_utils.py: a trailing axis of 1 is dropped, the classes
    axis appended; ``num_classes`` None (or 0) is read from the data: unknown."""
    xd = dims(as_array(a, "x").shape)
    if len(xd) > 1:
        if not is_known(xd[-1]):
            raise Unknowable("x")
        if xd[-1] == 1:
            xd = xd[:-1]
    k = a.raw("num_classes")
    if k is not None and not is_int(k):
        raise Unknowable("num_classes")
    return ArrayType(Shape((*xd, k if k else None)), "float")


def pad_sequences(a: Args) -> ArrayType:
    """keras/src/utils/sequence_utils.py: ``(len(sequences), maxlen) + sample_shape``, where
    ``maxlen`` defaults to the longest sequence."""
    maxlen = a.raw("maxlen")
    if maxlen is not None and not is_int(maxlen):
        raise Unknowable("maxlen")
    kind = dtype_arg(a, "dtype", "int")
    v = a.raw("sequences")
    if isinstance(v, ArrayType):
        xd = dims(v.shape)
        if not xd:
            raise Unknowable("sequences")
        longest = xd[1] if len(xd) > 1 else None
        return ArrayType(Shape((xd[0], maxlen if maxlen is not None else longest, *xd[2:])), kind)
    items = items_of(v)
    if items is None:
        raise Unknowable("sequences")
    lengths = [items_of(s) for s in items]
    if any(s is None or any(not number(e) for e in s) for s in lengths):
        raise Unknowable("sequences")     # unknown or nested sequences
    if maxlen is None:
        if not lengths:
            raise Unknowable("sequences")
        maxlen = max(len(s or ()) for s in lengths)
    return ArrayType(Shape((len(items), maxlen)), kind)


def _labels_element(a: Args, batch: tuple[Dim, ...]) -> ArrayType | None:
    """The labels of a directory dataset (keras/src/utils/dataset_utils.py,
    labels_to_dataset_tf): int (b,), binary (b, 1) float32, categorical (b, classes)."""
    mode, labels = a.raw("label_mode"), a.raw("labels")
    if mode is None or labels is None:
        return None
    if mode == "int":
        return ArrayType(Shape(batch), "int")
    if mode == "binary":
        return ArrayType(Shape((*batch, 1)), "float")
    if mode == "categorical":
        names = items_of(a.raw("class_names"))
        return ArrayType(Shape((*batch, len(names) if names else None)), "float")
    raise Unknowable("label_mode")


def _batch(a: Args) -> tuple[Dim, ...]:
    """batch_size=None yields single samples; a size adds an axis whose size is unknown
    (the last batch may be smaller)."""
    size = a.raw("batch_size")
    if size is None:
        return ()
    if not is_int(size):
        raise Unknowable("batch_size")
    return (None,)


_Datasets = DatasetType | tuple[DatasetType, DatasetType]   # one, or subset="both"


def _from_directory(features: Callable[[Args, tuple[Dim, ...]], ArrayType]
                    ) -> Callable[[Args], _Datasets]:
    def infer(a: Args) -> _Datasets:
        batch = _batch(a)
        x = features(a, batch)
        y = _labels_element(a, batch)
        element = x if y is None else (x, y)
        subset = a.raw("subset")
        if isinstance(subset, Unknown):
            raise Unknowable("subset")
        if subset == "both":
            return (DatasetType(element), DatasetType(element))
        return DatasetType(element)
    return infer


_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


def _images(a: Args, batch: tuple[Dim, ...]) -> ArrayType:
    size = a.int_list("image_size")
    channels = _CHANNELS.get(a.raw("color_mode"))
    fmt = a.raw("data_format")
    if len(size) != 2 or channels is None or fmt not in (None, "channels_last", "channels_first"):
        raise Unknowable("image")
    spatial = tuple(size)
    inner = (channels, *spatial) if fmt == "channels_first" else (*spatial, channels)
    return ArrayType(Shape((*batch, *inner)), "float")


def _texts(a: Args, batch: tuple[Dim, ...]) -> ArrayType:
    return ArrayType(Shape(batch), "str")


def timeseries_dataset(a: Args) -> DatasetType:
    """keras/src/utils/timeseries_dataset_utils.py: windows of ``sequence_length`` steps of
    ``data``, each with the target of its first step."""
    data = arr(a, "data")
    xd = dims(data.shape)
    length = a.raw("sequence_length")
    if not xd or not is_int(length):
        raise Unknowable("data")
    batch = _batch(a)
    x = ArrayType(Shape((*batch, length, *xd[1:])), data.dtype)
    if a.raw("targets") is None:
        return DatasetType(x)
    targets = arr(a, "targets")
    y = ArrayType(Shape((*batch, *dims(targets.shape)[1:])), targets.dtype)
    return DatasetType((x, y))


_IMAGE_PARAMS = ("directory", "labels", "label_mode", "class_names", "color_mode", "batch_size",
                 "image_size", "shuffle", "seed", "validation_split", "subset", "interpolation",
                 "follow_links", "crop_to_aspect_ratio", "pad_to_aspect_ratio", "data_format")
_TEXT_PARAMS = ("directory", "labels", "label_mode", "class_names", "batch_size", "max_length",
                "shuffle", "seed", "validation_split", "subset", "follow_links")
_DIR_DEFAULTS = {"labels": "inferred", "label_mode": "int", "batch_size": 32}

UTILITIES = [
    OpSpec("keras.utils.to_categorical", ("x", "num_classes"), to_categorical, tensors=("x",)),
    OpSpec("keras.utils.pad_sequences",
           ("sequences", "maxlen", "dtype", "padding", "truncating", "value"), pad_sequences,
           tensors=()),
    OpSpec("keras.utils.image_dataset_from_directory", _IMAGE_PARAMS,
           _from_directory(_images),
           {**_DIR_DEFAULTS, "color_mode": "rgb", "image_size": (256, 256)}, tensors=()),
    OpSpec("keras.utils.text_dataset_from_directory", _TEXT_PARAMS, _from_directory(_texts),
           dict(_DIR_DEFAULTS), tensors=()),
    OpSpec("keras.utils.timeseries_dataset_from_array",
           ("data", "targets", "sequence_length", "sequence_stride", "sampling_rate",
            "batch_size"), timeseries_dataset, {"batch_size": 128}, tensors=("data",)),
]


SPECS = DATASETS + UTILITIES

ALIASES = {
    "keras.preprocessing.sequence.pad_sequences": "keras.utils.pad_sequences",
    "keras.utils.sequence.pad_sequences": "keras.utils.pad_sequences",
    "keras.utils.np_utils.to_categorical": "keras.utils.to_categorical",
    "keras.preprocessing.image_dataset_from_directory":
        "keras.utils.image_dataset_from_directory",
    "keras.preprocessing.text_dataset_from_directory": "keras.utils.text_dataset_from_directory",
    "keras.preprocessing.timeseries_dataset_from_array":
        "keras.utils.timeseries_dataset_from_array",
}
