"""Differential test: the data-library entries of the array table against real Keras 3 and
TensorFlow: ``to_categorical``, ``pad_sequences``, ``tf.constant``, ``tf.data.Dataset``
pipelines, ``timeseries_dataset_from_array``, ``image_dataset_from_directory`` and
``text_dataset_from_directory`` (on a tiny directory made in a temporary folder), and the
``keras.datasets`` shapes against the assertions in Keras' own docstrings (nothing is
downloaded).

Each generated case runs the real function on zeros and compares: the table reports nothing
here (these functions raise no shape issue), and every size, the rank and the dtype class it
claims must be the real ones; an unknown answer is allowed only where the result depends on
values (``num_classes=None``, an imdb ``maxlen``...) or where the real call raises.
"""
from __future__ import annotations

import importlib.util
import os
import random
import re
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
np = pytest.importorskip("numpy")
tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from shapelint.arrays.spec import ArrayType  # noqa: E402
from shapelint.arrays.table import FUNCTIONS, METHODS  # noqa: E402
from shapelint.ops.table import evaluate  # noqa: E402
from shapelint.shapes import Shape, is_known  # noqa: E402

pytestmark = pytest.mark.keras

CASES = 200
KINDS = {"b": "bool", "i": "int", "u": "int", "f": "float", "U": "str", "S": "str", "O": "str"}


def kind_of(dtype: Any) -> str | None:
    if isinstance(dtype, tf.dtypes.DType):
        if dtype == tf.string:
            return "str"
        dtype = dtype.as_numpy_dtype
    return KINDS.get(np.dtype(dtype).kind)


def fits(claim: Any, shape: tuple, kind: str | None) -> str | None:
    """None when the claimed ArrayType holds for a real shape and dtype class."""
    if not isinstance(claim, ArrayType):
        return f"claims {claim!r}"
    dims = claim.shape.dims
    if dims is not None:
        if len(dims) != len(shape):
            return f"rank of {claim} vs {shape}"
        if any(is_known(c) and c != r for c, r in zip(dims, shape)):
            return f"sizes of {claim} vs {shape}"
    if claim.dtype is not None and claim.dtype != kind:
        return f"dtype of {claim} vs {kind}"
    return None


def element_fits(claim: Any, spec: Any, value: Any) -> str | None:
    """A claimed dataset element against tf.data's element_spec (structure, rank, dtype) and
    the first element it yields (the sizes; a batch axis the table leaves unknown)."""
    if isinstance(spec, tf.TensorSpec):
        if not isinstance(claim, ArrayType):
            return f"claims {claim!r} for {spec}"
        real = tuple(value.shape) if value is not None else tuple(spec.shape.as_list())
        dims = claim.shape.dims
        if dims is None or len(dims) != len(real) or len(real) != spec.shape.rank:
            return f"rank of {claim} vs {real}"
        if any(is_known(c) and r is not None and c != r for c, r in zip(dims, real)):
            return f"sizes of {claim} vs {real}"
        if claim.dtype != kind_of(spec.dtype):
            return f"dtype of {claim} vs {spec.dtype}"
        return None
    if isinstance(spec, tuple):
        if not isinstance(claim, tuple) or len(claim) != len(spec):
            return f"structure {claim!r} vs {spec}"
        values = value if value is not None else (None,) * len(spec)
        return next((p for c, s, v in zip(claim, spec, values)
                     if (p := element_fits(c, s, v))), None)
    if isinstance(spec, dict):
        if not isinstance(claim, dict) or set(claim) != set(spec):
            return f"structure {claim!r} vs {spec}"
        return next((p for k in spec if (p := element_fits(
            claim[k], spec[k], None if value is None else value[k]))), None)
    return f"unexpected spec {spec}"


def first(ds: Any) -> Any:
    """The first element, or None for an empty dataset."""
    return next(iter(ds), None)


def ours(name: str, args: list, kwargs: dict, method: bool = False):
    spec = (METHODS if method else FUNCTIONS)[name]
    return evaluate(spec, args, kwargs)


def shape_of(r: random.Random, lo: int, hi: int, sizes=(1, 2, 3, 4)) -> tuple:
    return tuple(r.choice(sizes) for _ in range(r.randint(lo, hi)))


# --- to_categorical ---------------------------------------------------------------------------

def test_to_categorical():
    r = random.Random(1)
    problems = []
    for _ in range(CASES):
        s = shape_of(r, 0, 3)
        if s and r.random() < 0.3:
            s = s[:-1] + (1,)
        k = r.choice([None, 3, 5, 0])
        x = np.zeros(s, dtype=r.choice(["int64", "int32", "float32"]))
        kw = {} if k is None else {"num_classes": k}
        got = ours("keras.utils.to_categorical", [ArrayType(Shape(s), kind_of(x.dtype))], kw)
        try:
            out = keras.utils.to_categorical(x, **kw)
        except Exception as exc:
            if got.result is not None:
                problems.append(f"{s} {kw}: claims {got.result}, Keras raises {exc}")
            continue
        if got.result is None:
            problems.append(f"{s} {kw}: unknown, Keras gives {out.shape}")
        elif (p := fits(got.result, out.shape, kind_of(out.dtype))):
            problems.append(f"{s} {kw}: {p}")
        elif k in (None, 0) and got.result.shape.dims[-1] is not None:
            problems.append(f"{s} {kw}: claims a class count read from data")
    assert not problems, "\n".join(problems[:10])


# --- pad_sequences ------------------------------------------------------------------------------

def test_pad_sequences():
    r = random.Random(2)
    problems = []
    for _ in range(CASES):
        kw: dict = {}
        if r.random() < 0.6:
            kw["maxlen"] = r.choice([1, 2, 5])
        if r.random() < 0.3:
            kw["dtype"] = r.choice(["float32", "int64"])
        if r.random() < 0.5:
            s = shape_of(r, 2, 3)
            seqs: Any = np.zeros(s, dtype="int32")
            arg: Any = ArrayType(Shape(s), "int")
        else:
            seqs = [[0] * r.randint(0, 4) for _ in range(r.randint(1, 4))]
            arg = seqs
        got = ours("keras.utils.pad_sequences", [arg], kw)
        out = keras.utils.pad_sequences(seqs, **kw)
        if got.result is None:
            problems.append(f"{arg} {kw}: unknown, Keras gives {out.shape}")
        elif (p := fits(got.result, out.shape, kind_of(out.dtype))):
            problems.append(f"{arg} {kw}: {p}")
    assert not problems, "\n".join(problems[:10])


# --- tf.constant --------------------------------------------------------------------------------

def _literal(r: random.Random, depth: int) -> Any:
    if depth == 0:
        return r.choice([1, 2.5, True])
    n = r.randint(1, 3)
    return [_literal(r, depth - 1) for _ in range(n)] if r.random() < 0.5 else \
        [_literal(r, depth - 1)] * n


def test_tf_constant():
    r = random.Random(3)
    problems = []
    for _ in range(CASES):
        value = _literal(r, r.randint(0, 3))
        kw: dict = {}
        if r.random() < 0.3:
            kw["dtype"] = r.choice(["float32", "int32", "bool"])
        if r.random() < 0.3:
            kw["shape"] = shape_of(r, 0, 3)
        got = ours("tensorflow.constant", [value], kw)
        try:
            out = tf.constant(value, **kw)
        except Exception as exc:
            if got.result is not None:
                problems.append(f"{value} {kw}: claims {got.result}, TF raises {exc}")
            continue
        mixed = len(set(map(type, np.ravel(np.array(value, dtype=object))))) > 1
        if got.result is None:
            if not mixed:                         # mixed literals convert case by case
                problems.append(f"{value} {kw}: unknown, TF gives {out.shape}")
        elif (p := fits(got.result, tuple(out.shape), kind_of(out.dtype))):
            problems.append(f"{value} {kw}: {p}")
    assert not problems, "\n".join(problems[:10])


# --- tf.data ------------------------------------------------------------------------------------

def _pipeline(r: random.Random):
    """A random pipeline: from_tensor_slices/from_tensors of arrays (one, a tuple or a dict),
    then up to three of batch/unbatch/shuffle/prefetch/repeat/take/cache."""
    n = r.choice([4, 6])
    parts = [(n, *shape_of(r, 0, 2)) for _ in range(r.randint(1, 2))]
    dtypes = [r.choice(["float32", "int64", "bool"]) for _ in parts]
    real = [np.zeros(s, d) for s, d in zip(parts, dtypes)]
    abstract = [ArrayType(Shape(s), kind_of(np.dtype(d))) for s, d in zip(parts, dtypes)]
    form = r.choice(["one", "tuple", "dict"])
    if form == "one":
        real_t, ours_t = real[0], abstract[0]
    elif form == "tuple":
        real_t, ours_t = tuple(real), tuple(abstract)
    else:
        real_t = {f"k{i}": a for i, a in enumerate(real)}
        ours_t = {f"k{i}": a for i, a in enumerate(abstract)}
    make = r.choice(["from_tensor_slices", "from_tensor_slices", "from_tensors"])
    ds = getattr(tf.data.Dataset, make)(real_t)
    got = ours(f"tensorflow.data.Dataset.{make}", [ours_t], {})
    steps = []
    for _ in range(r.randint(0, 3)):
        step = r.choice(["batch", "batch", "unbatch", "shuffle", "prefetch", "repeat", "take",
                         "cache"])
        args: list = {"batch": [r.choice([2, 3])], "shuffle": [8], "prefetch": [1],
                      "take": [2]}.get(step, [])
        kw = {"drop_remainder": r.choice([True, False])} if step == "batch" and r.random() < 0.5 else {}
        steps.append((step, args, kw))
        try:
            ds = getattr(ds, step)(*args, **kw)
        except Exception:
            return None
        if got.result is not None:
            got = ours(f"Dataset.{step}", [got.result, *args], kw, method=True)
    return (make, form, steps), got, ds


def test_tf_data_pipelines():
    r = random.Random(4)
    problems, count = [], 0
    while count < CASES:
        made = _pipeline(r)
        if made is None:
            continue
        count += 1
        desc, got, ds = made
        if got.result is None:
            problems.append(f"{desc}: unknown, TF gives {ds.element_spec}")
        elif (p := element_fits(got.result.element, ds.element_spec, first(ds))):
            problems.append(f"{desc}: {p}")
    assert not problems, "\n".join(problems[:10])


def test_timeseries_dataset_from_array():
    r = random.Random(5)
    problems = []
    for _ in range(30):
        s = (r.choice([10, 12]), *shape_of(r, 0, 2))
        data = np.zeros(s, r.choice(["float32", "int64"]))
        targets = None if r.random() < 0.3 else np.zeros((s[0], *shape_of(r, 0, 1)), "float32")
        kw = {"sequence_length": r.choice([2, 3]), "batch_size": r.choice([None, 4, 128])}
        ds = keras.utils.timeseries_dataset_from_array(data, targets, **kw)
        t = None if targets is None else ArrayType(Shape(targets.shape), "float")
        got = ours("keras.utils.timeseries_dataset_from_array",
                   [ArrayType(Shape(s), kind_of(data.dtype)), t], kw)
        if got.result is None:
            problems.append(f"{s} {kw}: unknown")
        elif (p := element_fits(got.result.element, ds.element_spec, first(ds))):
            problems.append(f"{s} {kw}: {p}")
    assert not problems, "\n".join(problems[:10])


@pytest.fixture(scope="module")
def image_dir(tmp_path_factory) -> Path:
    """Two classes of two tiny PNG images, and two classes of two text files."""
    root = tmp_path_factory.mktemp("data")
    for cls in ("cat", "dog"):
        (root / "images" / cls).mkdir(parents=True)
        (root / "texts" / cls).mkdir(parents=True)
        for i in range(2):
            png = tf.io.encode_png(np.zeros((5, 7, 3), "uint8")).numpy()
            (root / "images" / cls / f"{i}.png").write_bytes(png)
            (root / "texts" / cls / f"{i}.txt").write_text("a b")
    return root


def test_directory_datasets(image_dir):
    r = random.Random(6)
    problems = []
    for _ in range(24):
        common: dict = {"batch_size": r.choice([None, 2, 32]),
                        "label_mode": r.choice(["int", "binary", "categorical", None]),
                        "verbose": False}
        if r.random() < 0.3 and common["label_mode"] is not None:
            common["class_names"] = ["cat", "dog"]
        if r.random() < 0.3:
            common.update(validation_split=0.5, subset=r.choice(["training", "both"]), seed=1)
        image_kw = {"image_size": r.choice([(8, 8), (5, 3)]),
                    "color_mode": r.choice(["rgb", "grayscale", "rgba"])}
        for fn, kw in (("image_dataset_from_directory", {**common, **image_kw}),
                       ("text_dataset_from_directory", common)):
            folder = image_dir / ("images" if fn.startswith("image") else "texts")
            real = getattr(keras.utils, fn)(str(folder), **kw)
            table_kw = {k: v for k, v in kw.items() if k != "verbose"}
            got = ours(f"keras.utils.{fn}", [str(folder)], table_kw)
            reals = real if isinstance(real, (list, tuple)) else [real]
            claims = got.result if isinstance(got.result, tuple) else [got.result]
            if got.result is None or len(reals) != len(claims):
                problems.append(f"{fn} {kw}: {got.result} vs {len(reals)} datasets")
                continue
            for c, d in zip(claims, reals):
                if (p := element_fits(c.element, d.element_spec, first(d))):
                    problems.append(f"{fn} {kw}: {p}")
    assert not problems, "\n".join(problems[:10])


# --- keras.datasets -----------------------------------------------------------------------------

ASSERTED = re.compile(r"assert (x|y)_(train|test)\.shape == (\([\d, ]*\))")


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist", "cifar10", "cifar100"])
def test_dataset_shapes_match_keras_docstrings(name):
    """The shapes Keras' own docstrings assert for load_data()."""
    source = Path(importlib.util.find_spec(f"keras.src.datasets.{name}").origin).read_text()
    asserted = {(m[0], m[1]): eval(m[2]) for m in ASSERTED.findall(source)}
    assert len(asserted) == 4
    (xtr, ytr), (xte, yte) = ours(f"keras.datasets.{name}.load_data", [], {}).result
    got = {("x", "train"): xtr, ("y", "train"): ytr, ("x", "test"): xte, ("y", "test"): yte}
    for key, shape in asserted.items():
        assert got[key].shape.dims == shape
        assert got[key].dtype == "int"              # uint8 images and labels


def test_housing_splits_follow_the_keras_formula():
    """int(len(x) * (1 - test_split)) training samples (boston_housing.py, california_housing.py)."""
    for name, total, features, kw in (("boston_housing", 506, 13, {}),
                                      ("boston_housing", 506, 13, {"test_split": 0.1}),
                                      ("california_housing", 20640, 8, {}),
                                      ("california_housing", 600, 8, {"version": "small"})):
        (xtr, ytr), (xte, yte) = ours(f"keras.datasets.{name}.load_data", [], kw).result
        n = int(total * (1 - kw.get("test_split", 0.2)))
        assert xtr.shape.dims == (n, features) and ytr.shape.dims == (n,)
        assert xte.shape.dims == (total - n, features) and yte.shape.dims == (total - n,)
