"""Differential tests: every modeled op against real Keras and TensorFlow.

For every op in :mod:`shapelint.ops.table` (and the operators ``x + y``, ``x @ y``,
``x[key]``), hypothesis generates input shapes (ranks 0..5, sizes 1, 2, 3, 4, 6 or None)
and arguments, runs the real op, and compares with what shapelint's op table says:

* the real op raises  -> shapelint reports a finding, or claims nothing (unknown result);
* the real op returns -> shapelint reports nothing, and every size it claims (and the rank,
  when it claims one) equals the real one. ``None`` in shapelint is no claim.

The oracles:

* ``keras.ops.X`` runs on symbolic KerasTensors (``keras.Input(batch_shape=...)``) *and*
  on tf tensors traced by ``tf.function(..., input_signature=...).get_concrete_function()``,
  which is how the same op runs inside a Lambda or when the model executes. shapelint's
  claims must hold for both; it may report what either rejects.
* ``tf.X`` is traced by ``tf.function`` the same way.
* ``K.X`` (the Keras 2 backend) is ``tf_keras.backend.X`` traced by ``tf.function``;
  skipped when ``tf_keras`` is not installed.
* the operators run on KerasTensors and on traced tf tensors. A KerasTensor rejects some
  keys TensorFlow takes (a bare slice ``x[1:3]``, ``x[None]``: "Unsupported key type");
  for those keys only TensorFlow is compared.
* a size, offset or count only known when the model runs (``ops.shape(x)[0]`` inside a
  layer's ``call()``) is a scalar int tensor among the arguments (``Case.dynamic``). Inside
  ``call()`` that is a TensorFlow tensor; a KerasTensor there makes Keras' symbolic ops fail
  while they build a shape from it ("Cannot convert ... to a shape"), so for such cases
  only the traced run is compared.

Sizes of 0 are not generated (shapelint answers unknown whenever one appears).
Every op runs at least ``CASES`` derandomized cases, all traced in one ``tf.function`` per
op (one trace per case would take several minutes); a failure lists every disagreeing case.
Disagreements that were found and fixed are kept in ``REGRESSIONS`` and always run.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shapelint.keras.values import Tensor
from shapelint.ops import indexing
from shapelint.ops.elementwise import binary_shape
from shapelint.ops.linalg import matmul_operator
from shapelint.ops.spec import Tensors, Unknowable, Value
from shapelint.ops.table import OPS, Outcome, evaluate
from shapelint.shapes import Shape, is_known
from shapelint.violations import Rejected

try:
    import tf_keras.backend as K
except ImportError:  # pragma: no cover - optional oracle
    K = None

CASES = 200
tf.get_logger().setLevel("ERROR")


# --- cases -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class T:
    """Placeholder for the i-th input tensor in a case's arguments."""

    i: int


@dataclass
class Case:
    op: str
    shapes: tuple
    args: list
    kwargs: dict = field(default_factory=dict)
    dtypes: tuple = ()
    dynamic: bool = False      # an argument is a tensor that only the traced run can take

    def dtype(self, i: int) -> str:
        return self.dtypes[i] if i < len(self.dtypes) else "float32"


def subst(value: Any, tensors: list) -> Any:
    if isinstance(value, T):
        return tensors[value.i]
    if isinstance(value, list):
        return [subst(v, tensors) for v in value]
    if isinstance(value, tuple):
        return tuple(subst(v, tensors) for v in value)
    if isinstance(value, dict):
        return {k: subst(v, tensors) for k, v in value.items()}
    return value


# --- shapelint's side ------------------------------------------------------------------------

def ours(case: Case) -> Outcome:
    tensors = [Tensor(Shape(tuple(s))) for s in case.shapes]
    args, kwargs = subst(case.args, tensors), subst(case.kwargs, tensors)
    if case.op.startswith("operator"):
        try:
            a = [x.shape if isinstance(x, Tensor) else Shape(()) for x in args]
            if case.op == "operator.getitem":
                key = args[1] if isinstance(args[1], tuple) else (args[1],)
                return Outcome(result=indexing.getitem(a[0], key))
            if case.op == "operator.@":
                return Outcome(result=matmul_operator(a[0], a[1]))
            return Outcome(result=binary_shape(a[0], a[1]))
        except Unknowable:
            return Outcome()
        except Rejected as rejected:
            return Outcome(issue=rejected.violation)
    return evaluate(OPS[case.op], args, kwargs)


# --- the real side -------------------------------------------------------------------------------

def _resolve(root: Any, path: str) -> Callable:
    return functools.reduce(getattr, path.split("."), root)


_OPERATORS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
              "/": lambda a, b: a / b, "//": lambda a, b: a // b, "%": lambda a, b: a % b,
              "**": lambda a, b: a ** b, "&": lambda a, b: a & b, "|": lambda a, b: a | b,
              "^": lambda a, b: a ^ b, "@": lambda a, b: a @ b, ">": lambda a, b: a > b,
              ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b}


def real_function(case: Case) -> Callable:
    op = case.op
    if op == "operator.getitem":
        return lambda x, key: x[key]
    if op.startswith("operator."):
        return _OPERATORS[op[len("operator."):]]
    if op.startswith("keras.ops."):
        return _resolve(keras.ops, op[len("keras.ops."):])
    if op.startswith("keras.random."):
        return _resolve(keras.random, op[len("keras.random."):])
    if op.startswith("tensorflow."):
        return _resolve(tf, op[len("tensorflow."):])
    if op.startswith("keras.backend."):
        return _resolve(K, op[len("keras.backend."):])
    raise AssertionError(op)


def _is_tensor(o: Any) -> bool:
    return isinstance(o, tf.Tensor) or type(o).__name__ == "KerasTensor"


def _shape(o: Any) -> tuple | None:
    s = o.shape
    if isinstance(s, tf.TensorShape):
        return None if s.rank is None else tuple(s.as_list())
    return tuple(s)


def normalise(out: Any) -> tuple:
    """("tensor", shape) | ("tensors", [shapes]) | ("value", raw); the raw result is last."""
    if _is_tensor(out):
        return ("tensor", _shape(out), out)
    if isinstance(out, (list, tuple)) and out and all(_is_tensor(o) for o in out):
        return ("tensors", [_shape(o) for o in out], out)
    return ("value", out, out)


@functools.cache
def keras_input(shape: tuple, dtype: str):
    return keras.Input(batch_shape=shape, dtype=dtype)


def run_symbolic(case: Case, fn: Callable) -> tuple:
    tensors = [keras_input(tuple(s), case.dtype(i)) for i, s in enumerate(case.shapes)]
    try:
        return normalise(fn(*subst(case.args, tensors), **subst(case.kwargs, tensors)))
    except Exception as exc:   # any rejection counts
        return ("reject", f"{type(exc).__name__}: {str(exc)[:300]}", None)


def run_traced(cases: list[Case], fn: Callable) -> list[tuple]:
    """Trace every case in one ``tf.function``: its input signature holds all the cases'
    tensors, and each case's op is built (and may fail) on its own inputs."""
    specs: list = []
    starts: list[int] = []
    for case in cases:
        starts.append(len(specs))
        specs.extend(tf.TensorSpec(tuple(s), case.dtype(i)) for i, s in enumerate(case.shapes))
    results: list = [None] * len(cases)

    def body(*tensors):
        for k, case in enumerate(cases):
            mine = list(tensors[starts[k]:starts[k] + len(case.shapes)])
            try:
                results[k] = normalise(fn(*subst(case.args, mine), **subst(case.kwargs, mine)))
            except Exception as exc:   # any rejection counts
                results[k] = ("reject", f"{type(exc).__name__}: {str(exc)[:300]}", None)

    tf.function(body, input_signature=specs, autograph=False).get_concrete_function()
    return results


def real(cases: list[Case]) -> list[list[tuple]]:
    """Each case's real results: one per oracle."""
    fn = real_function(cases[0])
    traced = run_traced(cases, fn)
    if not cases[0].op.startswith(("keras.ops.", "operator")):
        return [[t] for t in traced]
    out = []
    for case, t in zip(cases, traced):
        if case.dynamic:
            out.append([t])
            continue
        symbolic = run_symbolic(case, fn)
        if case.op == "operator.getitem" and symbolic[0] == "reject" \
                and "Unsupported key type" in symbolic[1]:
            out.append([t])
        else:
            out.append([symbolic, t])
    return out


# --- comparing ---------------------------------------------------------------------------------

def _fits(claim: Shape, shape: tuple | None) -> bool:
    if claim.dims is None:
        return True
    if shape is None or len(shape) != len(claim.dims):
        return False
    return all(not is_known(c) or c == r for c, r in zip(claim.dims, shape))


def _value_fits(claim: Any, value: Any) -> bool:
    """A claimed Python value (ints, tuples of ints; unknowns claim nothing) against the
    real one, where a tensor stands for a value only known when the model runs."""
    if isinstance(claim, tuple):
        return isinstance(value, (tuple, list)) and len(claim) == len(value) and all(
            _value_fits(c, v) for c, v in zip(claim, value))
    if isinstance(claim, int) and not isinstance(claim, bool):
        return isinstance(value, int) and value == claim
    return True          # unknown: no claim


def disagreement(case: Case, got: Outcome, reals: list[tuple]) -> str | None:
    rejecting = [r for r in reals if r[0] == "reject"]
    if got.issue is not None:
        if not rejecting:
            return f"shapelint reports {got.issue.code} {got.issue} but the op gives {reals}"
        return None
    if got.result is None:
        return None
    if rejecting:
        return f"shapelint claims {got.result} but the op raises: {rejecting[0][1]}"
    for kind, out, raw in reals:
        r = got.result
        if isinstance(r, Shape):
            ok = kind == "tensor" and _fits(r, out)
        elif isinstance(r, Tensors):
            ok = kind == "tensors" and len(out) == len(r.shapes) and all(
                _fits(c, o) for c, o in zip(r.shapes, out))
        elif isinstance(r, Value):
            ok = _value_fits(r.value, raw)
        else:
            ok = False
        if not ok:
            return f"shapelint claims {r} but the op gives {kind} {out}"
    return None


def disagreements(cases: list[Case]) -> list[str]:
    return [f"{case}: {problem}"
            for case, reals in zip(cases, real(cases))
            if (problem := disagreement(case, ours(case), reals)) is not None]


# --- strategies --------------------------------------------------------------------------------

DIM = st.sampled_from([None, 1, 2, 3, 4, 6])
SIZE = st.sampled_from([1, 2, 3, 4, 6])


def shape(min_rank: int = 0, max_rank: int = 5):
    return st.lists(DIM, min_size=min_rank, max_size=max_rank).map(tuple)


@st.composite
def variant(draw, s: tuple, keep: int | None = None) -> tuple:
    """A shape like ``s``: usually equal, sometimes one size or the rank changed."""
    out = list(s)
    how = draw(st.sampled_from(["same", "same", "dim", "none", "rank"]))
    if how == "dim" and out:
        i = draw(st.integers(0, len(out) - 1))
        if i != keep:
            out[i] = draw(DIM)
    elif how == "none" and out:
        i = draw(st.integers(0, len(out) - 1))
        out[i] = None
    elif how == "rank":
        if out and draw(st.booleans()):
            out.pop(draw(st.integers(0, len(out) - 1)))
        else:
            out.insert(draw(st.integers(0, len(out))), draw(DIM))
    return tuple(out)


def axis_for(rank: int, spread: int = 1):
    return st.integers(-rank - spread, rank - 1 + spread)


@st.composite
def unary(draw, op: str) -> Case:
    dt = ("bool",) if op in BOOL_OPS else ()
    return Case(op, (draw(shape()),), [T(0)], dtypes=dt)


@st.composite
def binary(draw, op: str) -> Case:
    a = draw(shape())
    how = draw(st.sampled_from(["related", "related", "random", "scalar", "scalar_left"]))
    dt = ("bool", "bool") if op in BOOL_OPS else ()
    scalar = True if op in BOOL_OPS else 2.0
    if how == "scalar":
        return Case(op, (a,), [T(0), scalar], dtypes=dt)
    if how == "scalar_left":
        return Case(op, (a,), [scalar, T(0)], dtypes=dt)
    if how == "random":
        b = draw(shape())
    else:
        k = draw(st.integers(0, len(a)))
        b = list(a[len(a) - k:])
        for i in range(len(b)):
            b[i] = draw(st.sampled_from([b[i], b[i], b[i], 1, None])) if draw(st.integers(0, 5)) \
                else draw(DIM)
        b = tuple(b)
    if draw(st.booleans()):
        a, b = b, a
    return Case(op, (a, b), [T(0), T(1)], dtypes=dt)


@st.composite
def where(draw, op: str) -> Case:
    c = draw(shape(0, 4))
    x = draw(variant(c))
    y = draw(st.sampled_from([c[1:], c, ()])) if draw(st.booleans()) else draw(shape(0, 4))
    if op == "tensorflow.where" and draw(st.integers(0, 4)) == 0:
        return Case(op, (c,), [T(0)], dtypes=("bool",))
    return Case(op, (c, x, y), [T(0), T(1), T(2)], dtypes=("bool",))


@st.composite
def clip(draw, op: str) -> Case:
    return Case(op, (draw(shape()),), [T(0), 0.0, 1.0])


@st.composite
def cast(draw, op: str) -> Case:
    return Case(op, (draw(shape()),), [T(0), draw(st.sampled_from(["float32", "int32"]))])


@st.composite
def dropout(draw, op: str) -> Case:
    return Case(op, (draw(shape()),), [T(0)], {"rate": 0.5})


@st.composite
def reduce_case(draw, op: str) -> Case:
    s = draw(shape())
    r = len(s)
    axis = draw(st.one_of(st.none(), axis_for(r),
                          st.lists(axis_for(r), min_size=1, max_size=3).map(tuple)))
    kwargs: dict = {"axis": axis}
    if draw(st.booleans()):
        kwargs["keepdims"] = draw(st.booleans())
    dt = ("bool",) if op in BOOL_OPS else ()
    return Case(op, (s,), [T(0)], kwargs, dtypes=dt)


@st.composite
def arg_case(draw, op: str) -> Case:
    s = draw(shape())
    kwargs: dict = {}
    if draw(st.integers(0, 3)) or op.startswith("keras.backend"):
        kwargs["axis"] = draw(axis_for(len(s)))
    elif op.startswith("keras.ops"):
        kwargs["axis"] = None
    if op.startswith("keras.ops") and draw(st.booleans()):
        kwargs["keepdims"] = draw(st.booleans())
    return Case(op, (s,), [T(0)], kwargs)


@st.composite
def along_axis(draw, op: str) -> Case:
    s = draw(shape())
    kwargs = {}
    if draw(st.integers(0, 3)):
        kwargs["axis"] = draw(axis_for(len(s)))
    return Case(op, (s,), [T(0)], kwargs)


@st.composite
def join_case(draw, op: str) -> Case:
    s = draw(shape())
    n = draw(st.integers(1, 3))
    stack = "stack" in op
    ax = draw(axis_for(len(s) + (1 if stack else 0)))
    shapes = [s] + [draw(variant(s, keep=None if stack else ax % max(len(s), 1)))
                    for _ in range(n - 1)]
    if not stack:   # vary the concatenation axis' size
        shapes = [tuple(draw(DIM) if i == ax % max(len(x), 1) else d for i, d in enumerate(x))
                  for x in shapes]
    tensors = [T(i) for i in range(n)]
    if op in ("tensorflow.concat",) or draw(st.booleans()):
        return Case(op, tuple(shapes), [tensors, ax])
    return Case(op, tuple(shapes), [tensors], {"axis": ax})


@st.composite
def split_case(draw, op: str) -> Case:
    s = draw(shape(0, 4))
    ax = draw(axis_for(len(s)))
    if draw(st.booleans()):
        spec: Any = draw(st.integers(1, 4))
    elif op == "keras.ops.split":
        spec = sorted(draw(st.lists(st.integers(0, 7), min_size=1, max_size=3)))
    else:
        spec = draw(st.lists(st.sampled_from([1, 2, 3, 4, -1]), min_size=1, max_size=3))
    return Case(op, (s,), [T(0), spec], {"axis": ax})


@st.composite
def unstack_case(draw, op: str) -> Case:
    s = draw(shape(0, 4))
    kwargs = {"axis": draw(axis_for(len(s)))}
    if draw(st.booleans()):
        kwargs["num"] = draw(st.integers(1, 6))
    return Case(op, (s,), [T(0)], kwargs)


@st.composite
def reshape_case(draw, op: str) -> Case:
    s = draw(shape())
    known = [d for d in s if d is not None]
    total = 1
    for d in known:
        total *= d
    how = draw(st.sampled_from(["factor", "factor", "infer", "random"]))
    if how == "random":
        target = draw(st.lists(st.sampled_from([1, 2, 3, 4, 5, 6, -1]), min_size=1, max_size=4))
    else:
        target, rest = [], total
        for p in (2, 3):
            while rest % p == 0 and draw(st.booleans()):
                target.append(p)
                rest //= p
        if rest > 1:
            target.append(rest)
        if None in s or how == "infer":
            target.insert(draw(st.integers(0, len(target))), -1)
        if draw(st.integers(0, 5)) == 0:
            target.append(draw(st.sampled_from([2, 5])))
    if op == "keras.ops.reshape" and draw(st.integers(0, 6)) == 0 and target:
        target[draw(st.integers(0, len(target) - 1))] = None
    return Case(op, (s,), [T(0), tuple(target)])


@st.composite
def flatten_case(draw, op: str) -> Case:
    return Case(op, (draw(shape(1 if "batch" in op else 0)),), [T(0)])


@st.composite
def expand_case(draw, op: str) -> Case:
    s = draw(shape(0, 4))
    if op == "keras.ops.expand_dims" and draw(st.booleans()):
        axis: Any = tuple(draw(st.lists(axis_for(len(s) + 2), min_size=1, max_size=2)))
    else:
        axis = draw(axis_for(len(s) + 1))
    return Case(op, (s,), [T(0), axis])


@st.composite
def squeeze_case(draw, op: str) -> Case:
    s = draw(st.lists(st.sampled_from([1, 1, None, 2, 3]), min_size=0, max_size=5).map(tuple))
    if op == "keras.backend.squeeze":
        return Case(op, (s,), [T(0), draw(axis_for(len(s)))])
    axis = draw(st.one_of(st.none(), axis_for(len(s)),
                          st.lists(axis_for(len(s)), min_size=1, max_size=2).map(tuple)))
    return Case(op, (s,), [T(0)], {"axis": axis})


@st.composite
def transpose_case(draw, op: str) -> Case:
    s = draw(shape())
    r = len(s)
    if op == "keras.backend.transpose" or (op != "keras.backend.permute_dimensions"
                                            and draw(st.integers(0, 4)) == 0):
        return Case(op, (s,), [T(0)])
    how = draw(st.sampled_from(["perm", "perm", "negative", "length", "dup"]))
    perm = list(draw(st.permutations(list(range(r)))))
    if how == "negative" and perm:
        i = draw(st.integers(0, r - 1))
        perm[i] -= r
    elif how == "length":
        perm = perm[:-1] if perm and draw(st.booleans()) else perm + [r]
    elif how == "dup" and r > 1:
        perm[0] = perm[1]
    return Case(op, (s,), [T(0), perm])


class Inputs:
    """The tensors of a case being drawn: the op's inputs, then scalar (or 1-D) int tensors
    that stand for sizes, offsets and counts only known when the model runs."""

    def __init__(self, *shapes: tuple, dtype: str = "float32"):
        self.shapes = list(shapes)
        self.dtypes = [dtype] * len(shapes)
        self.dynamic = False

    def runtime(self, shape: tuple = ()) -> T:
        self.shapes.append(shape)
        self.dtypes.append("int32")
        self.dynamic = True
        return T(len(self.shapes) - 1)

    def case(self, op: str, args: list, kwargs: dict | None = None) -> Case:
        return Case(op, tuple(self.shapes), args, kwargs or {}, tuple(self.dtypes), self.dynamic)


@st.composite
def maybe_runtime(draw, inputs: Inputs, values, one_in: int = 5) -> Any:
    """A value from ``values``, or now and then a scalar tensor standing for one."""
    if draw(st.integers(1, one_in)) == 1:
        return inputs.runtime()
    return draw(values)


@st.composite
def tile_case(draw, op: str) -> Case:
    s = draw(shape(0, 4))
    inputs = Inputs(s)
    n = max(len(s) + draw(st.sampled_from([0, 0, 0, -1, 1])), 0)
    if op != "keras.ops.tile" and draw(st.integers(0, 5)) == 0:
        return inputs.case(op, [T(0), inputs.runtime((n,))])     # a whole tensor of multiples
    reps = [draw(maybe_runtime(inputs, st.integers(1, 3))) for _ in range(n)]
    if op != "tensorflow.tile" and len(reps) == 1 and draw(st.booleans()):
        return inputs.case(op, [T(0), reps[0]])
    return inputs.case(op, [T(0), reps])


@st.composite
def repeat_case(draw, op: str) -> Case:
    s = draw(shape(0, 4))
    if op == "keras.backend.repeat":
        s = draw(st.one_of(shape(2, 2), shape(1, 3)))
        return Case(op, (s,), [T(0), draw(st.integers(1, 4))])
    if op == "keras.backend.repeat_elements":
        return Case(op, (s,), [T(0), draw(st.integers(1, 3)), draw(axis_for(len(s)))])
    inputs = Inputs(s)
    axis = draw(st.one_of(st.none(), axis_for(len(s))))
    how = draw(st.sampled_from(["int", "int", "list", "list", "runtime", "runtime_list"]))
    if how == "int":
        reps: Any = draw(st.integers(1, 3))
    elif how == "list":
        reps = draw(st.lists(st.integers(1, 3), min_size=1, max_size=4))
    elif how == "runtime":
        reps = inputs.runtime()
    else:
        reps = inputs.runtime((draw(st.integers(1, 4)),))
    return inputs.case(op, [T(0), reps], {"axis": axis})


@st.composite
def broadcast_to_case(draw, op: str) -> Case:
    s = draw(shape(0, 4))
    inputs = Inputs(s)
    target: list = [draw(st.sampled_from([d, d, 2, 3])) if d not in (None, 1) else draw(SIZE)
                    for d in s]
    target = [draw(SIZE) for _ in range(draw(st.integers(0, 2)))] + target
    if draw(st.integers(0, 4)) == 0 and target:
        target.pop(0)
    if target and draw(st.integers(0, 3)) == 0:
        i = draw(st.integers(0, len(target) - 1))
        target[i] = None if draw(st.integers(0, 3)) == 0 else inputs.runtime()
    return inputs.case(op, [T(0), tuple(target)])


# Offsets and sizes include the invalid ones (a slice past the end, negative sizes).
BEGIN = st.sampled_from([0, 0, 1, 2, -1, 5])
LENGTH = st.sampled_from([1, 2, 3, -1, -1, 4, 7, -2])
WIDTH = st.integers(0, 30).map(lambda i: -1 if i == 30 else i % 4)     # now and then negative


@st.composite
def slice_case(draw, op: str) -> Case:
    s = draw(shape(0, 4))
    inputs = Inputs(s)

    def entries(values):
        n = max(len(s) + draw(st.sampled_from([0, 0, 0, 0, 0, -1, 1])), 0)
        if draw(st.integers(0, 7)) == 0:
            return inputs.runtime((n,))                 # a whole tensor
        return tuple(draw(maybe_runtime(inputs, values, one_in=6)) for _ in range(n))

    begin, size = entries(BEGIN), entries(LENGTH)
    if op == "keras.ops.slice" and isinstance(size, tuple) and size and draw(st.integers(0, 7)) == 0:
        size = (None,) + size[1:]                       # symbolic Keras takes it, TensorFlow not
    if isinstance(begin, tuple) and draw(st.booleans()):
        begin = list(begin)
    return inputs.case(op, [T(0), begin, size])


@st.composite
def slice_update_case(draw, op: str) -> Case:
    s = draw(shape(0, 4))
    u = draw(variant(tuple(draw(st.sampled_from([1, 2, d])) for d in s)))
    inputs = Inputs(s, u)
    n = max(len(s) + draw(st.sampled_from([0, 0, 0, 1, -1])), 0)
    start = tuple(draw(maybe_runtime(inputs, BEGIN)) for _ in range(n))
    return inputs.case(op, [T(0), start, T(1)])


@st.composite
def pad_case(draw, op: str) -> Case:
    """keras.ops.pad's shorthands (an int, one pair, one row for every axis, rows of one
    width) and TensorFlow's (rank, 2) paddings, sometimes of the wrong length, negative,
    dynamic or a whole tensor; the padding modes, valid and not."""
    s = draw(shape(0, 4))
    inputs = Inputs(s)
    width = maybe_runtime(inputs, WIDTH, one_in=8)
    n = max(len(s) + draw(st.sampled_from([0, 0, 0, 0, -1, 1])), 0)
    forms = ["rows", "rows", "rows", "list_rows", "one_row", "pair", "int", "narrow", "tensor"]
    if op == "tensorflow.pad":      # TensorFlow takes (rank, 2) paddings only
        forms = ["rows", "rows", "rows", "rows", "list_rows", "list_rows", "tensor", "narrow", "pair"]
    form = draw(st.sampled_from(forms))
    widths: Any
    if form == "int":
        widths = draw(WIDTH)
    elif form == "pair":
        widths = (draw(width), draw(width))
    elif form == "one_row":
        widths = ((draw(width), draw(width)),)
    elif form == "narrow":
        widths = [[draw(width)] for _ in range(n)]
    elif form == "tensor":
        widths = inputs.runtime((n, 2))
    else:
        widths = tuple((draw(width), draw(width)) for _ in range(n))
        if form == "list_rows":
            widths = [list(row) for row in widths]
    kwargs: dict = {}
    if op == "tensorflow.pad":
        if draw(st.integers(0, 3)) == 3:
            kwargs["mode"] = draw(st.sampled_from(["REFLECT", "SYMMETRIC", "constant", "EDGE"]))
        return inputs.case(op, [T(0), widths], kwargs)
    if draw(st.integers(0, 3)) == 3:
        kwargs["mode"] = draw(st.sampled_from(["reflect", "symmetric", "CONSTANT", "edge", "wrap"]))
    if draw(st.integers(0, 4)) == 4:
        kwargs["constant_values"] = draw(st.sampled_from([0.0, float("-inf")]))
    return inputs.case(op, [T(0), widths], kwargs)


@st.composite
def k_padding_case(draw, op: str) -> Case:
    spatial = {"temporal_padding": 1, "spatial_2d_padding": 2, "spatial_3d_padding": 3}[
        op.rsplit(".", 1)[-1]]
    rank = spatial + 2 if draw(st.integers(0, 4)) else spatial + draw(st.sampled_from([1, 3]))
    s = draw(shape(rank, rank))
    inputs = Inputs(s)
    pair = st.tuples(WIDTH, WIDTH)
    if spatial == 1:
        return inputs.case(op, [T(0), draw(pair)] if draw(st.integers(0, 3)) else [T(0)])
    n = spatial + draw(st.sampled_from([0, 0, 0, 1, -1]))
    padding = tuple(draw(pair) for _ in range(n))
    kwargs = {}
    if draw(st.booleans()):
        kwargs["data_format"] = draw(st.sampled_from(["channels_last", "channels_first", "nchw"]))
    return inputs.case(op, [T(0), padding], kwargs)


@st.composite
def one_hot_case(draw, op: str) -> Case:
    s = draw(shape(0, 4))
    kwargs = {}
    if draw(st.integers(0, 3)):
        kwargs["axis"] = draw(st.integers(-2, len(s) + 1))
    return Case(op, (s,), [T(0), draw(st.integers(1, 6))], kwargs, dtypes=("int32",))


@st.composite
def top_k_case(draw, op: str) -> Case:
    s = draw(shape(0, 4))
    if op == "tensorflow.math.top_k" and draw(st.integers(0, 3)) == 0:
        return Case(op, (s,), [T(0)])
    return Case(op, (s,), [T(0), draw(st.integers(1, 7))])


@st.composite
def roll_case(draw, op: str) -> Case:
    s = draw(shape(0, 4))
    kwargs = {}
    if draw(st.integers(0, 2)):
        kwargs["axis"] = draw(axis_for(len(s)))
    return Case(op, (s,), [T(0), draw(st.integers(-3, 3))], kwargs)


@st.composite
def matmul_case(draw, op: str) -> Case:
    batch = draw(shape(0, 2))
    m, k, n = draw(DIM), draw(DIM), draw(DIM)
    a = batch + (m, k)
    b = draw(st.sampled_from([batch, batch[1:], ()])) + (draw(st.sampled_from([k, k, k, 2, None])), n)
    if draw(st.integers(0, 4)) == 0:
        a = a[-1:]
    if draw(st.integers(0, 4)) == 0:
        b = b[:-1] if len(b) > 1 else b
    if draw(st.integers(0, 9)) == 0:
        a = ()
    if draw(st.booleans()):
        a, b = b, a
    kwargs = {}
    if op == "tensorflow.matmul" and draw(st.integers(0, 3)) == 0:
        kwargs[draw(st.sampled_from(["transpose_a", "transpose_b", "adjoint_b"]))] = True
    return Case(op, (a, b), [T(0), T(1)], kwargs)


@st.composite
def attention_case(draw, op: str) -> Case:
    """query (B, T, N, H), key and value (B, S, N or fewer heads, H), each now and then
    changed; a boolean mask or a bias shaped like a part of (B, N, T, S)."""
    b, t, s_, n, h = (draw(DIM) for _ in range(5))
    heads = draw(st.sampled_from([n, n, n, 1, 2, None]))
    q = (b, t, n, h)
    k = (b, s_, heads, draw(st.sampled_from([h, h, h, h, 2])))
    v = (b, s_, heads, draw(st.sampled_from([h, h, h, 3])))
    q, k, v = (draw(variant(x)) if draw(st.integers(0, 5)) == 5 else x for x in (q, k, v))
    shapes, dtypes, kwargs = [q, k, v], ["float32"] * 3, {}
    for name, dtype in (("mask", "bool"), ("bias", "float32")):
        if draw(st.integers(0, 3)) == 3:
            logits = (b, n, t, s_)
            extra = tuple(draw(st.sampled_from([d, d, 1, 2])) for d in logits)
            shapes.append(extra[draw(st.integers(0, 2)):])
            dtypes.append(dtype)
            kwargs[name] = T(len(shapes) - 1)
    if draw(st.booleans()):
        kwargs["is_causal"] = True
    return Case(op, tuple(shapes), [T(0), T(1), T(2)], kwargs, tuple(dtypes))


EQUATIONS = ["ij,jk->ik", "bij,bjk->bik", "bi,bj->bij", "...ij,...jk->...ik", "ij->ji",
             "ii->i", "bqd,bkd->bqk", "ij,jk", "i,i->", "bhqd,bhkd->bhqk", "abc->cb", "...i,...i",
             "bi,i->b"]


@st.composite
def einsum_case(draw, op: str) -> Case:
    eq = draw(st.sampled_from(EQUATIONS))
    specs = eq.split("->")[0].split(",")
    sizes = {ch: draw(DIM) for ch in "abcdhijkq"}
    ell = draw(shape(0, 2))
    shapes = []
    for spec in specs:
        s = []
        for part in spec.split("..."):
            s.append(tuple(sizes[ch] for ch in part))
        dims = s[0] + (draw(variant(ell)) if "..." in spec else ()) + (s[1] if len(s) > 1 else ())
        shapes.append(draw(variant(dims)) if draw(st.integers(0, 3)) == 0 else dims)
    return Case(op, tuple(shapes), [eq, *[T(i) for i in range(len(specs))]])


@st.composite
def tensordot_case(draw, op: str) -> Case:
    a = draw(shape(0, 4))
    k = draw(st.integers(0, min(len(a), 2)))
    b = tuple(draw(st.sampled_from([d, d, 2])) for d in a[len(a) - k:]) + draw(shape(0, 2))
    if draw(st.booleans()):
        axes: Any = k
    else:
        axes = [list(range(len(a) - k, len(a))), list(range(k))]
        if k and draw(st.booleans()):
            axes[0] = [x - len(a) for x in axes[0]]
    return Case(op, (a, b), [T(0), T(1)], {"axes": axes})


@st.composite
def k_dot_case(draw, op: str) -> Case:
    x = draw(shape(1, 4))
    y = draw(shape(1, 3))
    if draw(st.booleans()) and len(y) >= 2:
        y = y[:-2] + (x[-1], y[-1])
    return Case(op, (x, y), [T(0), T(1)])


@st.composite
def take_case(draw, op: str) -> Case:
    s = draw(shape(0, 4))
    how = draw(st.sampled_from(["int", "list", "tensor"]))
    shapes = [s]
    dts = ["float32"]
    if how == "int":
        idx: Any = 0
    elif how == "list":
        idx = [0] * draw(st.integers(1, 3))
    else:
        shapes.append(draw(shape(0, 2)))
        dts.append("int32")
        idx = T(1)
    args = [T(0), idx]
    kwargs = {}
    if op != "keras.backend.gather":
        kwargs["axis"] = draw(st.one_of(axis_for(len(s)), st.none()))
    return Case(op, tuple(shapes), args, kwargs, tuple(dts))


@st.composite
def shape_case(draw, op: str) -> Case:
    return Case(op, (draw(shape()),), [T(0)])


@st.composite
def getitem_case(draw, op: str) -> Case:
    s = draw(shape(0, 4))
    n = draw(st.integers(0, len(s) + 1))
    bound = st.sampled_from([None, 0, 1, 2, 3, -1, -2, 7])
    items = []
    for _ in range(n):
        kind = draw(st.sampled_from(["slice", "slice", "int", "none", "ellipsis"]))
        if kind == "slice":
            items.append(slice(draw(bound), draw(bound), draw(st.sampled_from([None, None, 1, 2, -1]))))
        elif kind == "int":
            items.append(draw(st.sampled_from([0, 1, -1, 2, 5])))
        elif kind == "none":
            items.append(None)
        else:
            items.append(Ellipsis)
    key: Any = tuple(items)
    if len(items) == 1 and draw(st.booleans()):
        key = items[0]
    return Case(op, (s,), [T(0), key])


# Creation ops take Python arguments; sizes include invalid ones (0, -1, None) and, where the
# op runs only traced, dynamic sizes (a scalar int tensor, as ``tf.shape(x)[0]`` gives).
COUNT = st.sampled_from([1, 2, 3, 4, 6, 7, 0, -1, None])


@st.composite
def _size_entry(draw, dynamic: bool, scalars: list) -> Any:
    if dynamic and draw(st.integers(0, 4)) == 0:
        scalars.append(())
        return T(len(scalars) - 1)
    return draw(COUNT)


@st.composite
def creation_case(draw, op: str) -> Case:
    """zeros/ones/full/empty/fill and the random draws: a shape argument."""
    dynamic = not op.startswith("keras.ops.")
    scalars: list = []
    sizes = [draw(_size_entry(dynamic, scalars)) for _ in range(draw(st.integers(0, 4)))]
    form = draw(st.sampled_from(["tuple", "list", "int"]))
    arg: Any = tuple(sizes) if form == "tuple" else sizes
    if form == "int":
        arg = draw(COUNT)
    args: list = [arg]
    kwargs: dict = {}
    if op.endswith(("full", "fill")):
        args.append(draw(st.sampled_from([0.0, 1.5, 2])))
    elif op.endswith("randint"):
        kwargs = {"minval": 0, "maxval": draw(st.integers(1, 9))}
    elif draw(st.booleans()):
        kwargs["dtype"] = draw(st.sampled_from(["float32", "float16", "float64"]))
    return Case(op, tuple(scalars), args, kwargs, dtypes=("int32",) * len(scalars))


@st.composite
def square_case(draw, op: str) -> Case:
    """eye/identity/tri (rows, optional columns, diagonal offset) and tf.eye's batch_shape."""
    n = draw(st.one_of(st.integers(-2, 60), st.none()))
    args: list = [n]
    kwargs: dict = {}
    if draw(st.booleans()):
        kwargs["dtype"] = draw(st.sampled_from(["float32", "int32", "float16", "bool"]))
    if op == "tensorflow.eye":
        if draw(st.booleans()):
            kwargs["num_columns"] = draw(COUNT)
        if draw(st.booleans()):
            kwargs["batch_shape"] = draw(st.lists(COUNT, max_size=2))
    elif op != "keras.ops.identity":
        if draw(st.booleans()):
            args.append(draw(COUNT))
        if draw(st.booleans()):
            kwargs["k"] = draw(st.integers(-3, 3))
    return Case(op, (), args, kwargs)


@st.composite
def range_case(draw, op: str) -> Case:
    """arange/range: one to three ends, ints, floats or (traced only) scalar tensors."""
    scalars: list = []

    def end():
        kind = draw(st.sampled_from(["int", "int", "int", "float", "tensor"]))
        if kind == "tensor" and op == "tensorflow.range":
            scalars.append(())
            return T(len(scalars) - 1)
        if kind == "float":
            return draw(st.sampled_from([0.5, 2.0, 3.7, -1.5]))
        return draw(st.integers(-4, 12))

    ends = [end() for _ in range(draw(st.integers(1, 3)))]
    if len(ends) == 3 and ends[2] == 0:
        ends[2] = draw(st.sampled_from([1, 2, -1, 3]))
    return Case(op, tuple(scalars), ends, dtypes=("int32",) * len(scalars))


@st.composite
def linspace_case(draw, op: str) -> Case:
    start = draw(st.sampled_from([0.0, 1.0, -2.5, 3]))
    stop = draw(st.sampled_from([1.0, 10.0, 0.5, 7]))
    num = draw(st.one_of(st.integers(-1, 60)))
    kwargs: dict = {}
    if op == "keras.ops.linspace" and draw(st.booleans()):
        kwargs["endpoint"] = draw(st.booleans())
    return Case(op, (), [start, stop, num], kwargs)


# --- which strategy tests which op -------------------------------------------------------------

BOOL_OPS = {"tensorflow.math.logical_and", "tensorflow.math.logical_or",
            "tensorflow.math.logical_not", "tensorflow.math.reduce_any",
            "tensorflow.math.reduce_all", "operator.&", "operator.|", "operator.^"}


def strategy_for(op: str):
    short = op.rsplit(".", 1)[-1]
    table = {
        "keras.ops.concatenate": join_case, "tensorflow.concat": join_case,
        "keras.backend.concatenate": join_case, "keras.ops.stack": join_case,
        "tensorflow.stack": join_case, "keras.backend.stack": join_case,
        "keras.ops.split": split_case, "tensorflow.split": split_case,
        "keras.ops.unstack": unstack_case, "tensorflow.unstack": unstack_case,
        "keras.ops.reshape": reshape_case, "tensorflow.reshape": reshape_case,
        "keras.backend.reshape": reshape_case, "keras.ops.ravel": flatten_case,
        "keras.backend.flatten": flatten_case, "keras.backend.batch_flatten": flatten_case,
        "keras.ops.expand_dims": expand_case, "tensorflow.expand_dims": expand_case,
        "keras.backend.expand_dims": expand_case, "keras.ops.squeeze": squeeze_case,
        "tensorflow.squeeze": squeeze_case, "keras.backend.squeeze": squeeze_case,
        "keras.ops.transpose": transpose_case, "tensorflow.transpose": transpose_case,
        "keras.backend.permute_dimensions": transpose_case,
        "keras.backend.transpose": transpose_case,
        "keras.ops.tile": tile_case, "tensorflow.tile": tile_case, "keras.backend.tile": tile_case,
        "keras.ops.repeat": repeat_case, "tensorflow.repeat": repeat_case,
        "keras.backend.repeat_elements": repeat_case, "keras.backend.repeat": repeat_case,
        "keras.ops.broadcast_to": broadcast_to_case, "tensorflow.broadcast_to": broadcast_to_case,
        "keras.ops.slice": slice_case, "tensorflow.slice": slice_case,
        "keras.ops.slice_update": slice_update_case,
        "keras.ops.pad": pad_case, "tensorflow.pad": pad_case,
        "keras.backend.temporal_padding": k_padding_case,
        "keras.backend.spatial_2d_padding": k_padding_case,
        "keras.backend.spatial_3d_padding": k_padding_case,
        "keras.ops.one_hot": one_hot_case, "tensorflow.one_hot": one_hot_case,
        "keras.ops.top_k": top_k_case, "tensorflow.math.top_k": top_k_case,
        "keras.ops.dot_product_attention": attention_case,
        "keras.ops.roll": roll_case, "keras.ops.cumsum": along_axis, "keras.ops.cumprod": along_axis,
        "keras.ops.matmul": matmul_case, "tensorflow.matmul": matmul_case,
        "keras.backend.dot": k_dot_case, "keras.ops.einsum": einsum_case,
        "tensorflow.einsum": einsum_case, "keras.ops.tensordot": tensordot_case,
        "tensorflow.tensordot": tensordot_case, "keras.ops.where": where,
        "tensorflow.where": where, "keras.ops.clip": clip, "tensorflow.clip_by_value": clip,
        "keras.backend.clip": clip, "keras.ops.cast": cast, "tensorflow.cast": cast,
        "keras.backend.cast": cast, "tensorflow.nn.dropout": dropout,
        "keras.ops.take": take_case, "tensorflow.gather": take_case,
        "keras.backend.gather": take_case,
        "operator.getitem": getitem_case, "operator.@": matmul_case,
        "keras.ops.eye": square_case, "keras.ops.identity": square_case, "keras.ops.tri": square_case,
        "tensorflow.eye": square_case, "keras.ops.arange": range_case, "tensorflow.range": range_case,
        "keras.ops.linspace": linspace_case, "tensorflow.linspace": linspace_case,
    }
    if op in table:
        return table[op](op)
    if op.startswith("operator."):
        return binary(op)
    spec = OPS[op]
    if spec.infer.__qualname__.startswith("_binary"):
        return binary(op)
    if spec.infer.__qualname__.startswith("_same"):
        return unary(op)
    if spec.infer.__qualname__.startswith("_reducer"):
        return reduce_case(op)
    if spec.infer.__qualname__.startswith("_arg"):
        return arg_case(op)
    if spec.infer.__qualname__.startswith("_along_axis"):
        return along_axis(op)
    if spec.infer.__module__.endswith("shape_ops"):
        return shape_case(op)
    if spec.infer.__module__.endswith("creation"):
        return creation_case(op)
    raise AssertionError(f"no strategy for {op} ({short})")


OPERATORS = ["operator.+", "operator.-", "operator.*", "operator./", "operator.//", "operator.%",
             "operator.**", "operator.&", "operator.|", "operator.^", "operator.>", "operator.>=",
             "operator.<", "operator.<=", "operator.@", "operator.getitem"]
ALL = sorted(OPS) + OPERATORS

# Disagreements found while building the table (each was a wrong claim or a wrong finding
# before the fix), kept as regression examples that always run.
_REGRESSIONS = [
    # a list of repeats gives a size TensorFlow only knows when it runs
    Case("keras.ops.repeat", ((4,),), [T(0), [1, 1, 1, 1]], {"axis": None}),
    Case("tensorflow.repeat", ((4, 4, 4, 4),), [T(0), [1, 1, 3, 3]], {"axis": 0}),
    Case("tensorflow.repeat", ((2,),), [T(0), [2, 3]], {"axis": None}),
    # TensorFlow repeats a scalar as a vector
    Case("tensorflow.repeat", ((),), [T(0), 1], {"axis": 0}),
    # ArgMax of a scalar or a vector is a scalar whatever the axis
    Case("tensorflow.math.argmax", ((6,),), [T(0)], {"axis": -2}),
    Case("keras.backend.argmax", ((),), [T(0)], {"axis": -1}),
    Case("keras.backend.argmin", ((1,),), [T(0)], {"axis": 1}),
    # tf_keras reshapes to a computed shape: only the rank is known
    Case("keras.backend.batch_flatten", ((None, 4, 4),), [T(0)]),
    # tf_keras indexes the static shape: a scalar has no axis to repeat
    Case("keras.backend.repeat_elements", ((),), [T(0), 2, 0]),
    # tf_keras refuses a softmax over a 1-D tensor
    Case("keras.backend.softmax", ((4,),), [T(0)], {"axis": -1}),
    # TensorFlow leaves the ellipsis out of an implicit einsum output
    Case("tensorflow.einsum", ((2, 3), (2, 3)), ["...i,...i", T(0), T(1)]),
    Case("keras.ops.einsum", ((5, 1, 3), (2, 3)), ["...i,...i", T(0), T(1)]),
    # Keras reads a repeated label's first place only
    Case("keras.ops.einsum", ((None, 4),), ["ii->i", T(0)]),
    # a literal None in a reshape target passes symbolically but cannot run
    Case("keras.ops.reshape", ((3,),), [T(0), (None, 3)]),
    # keras.ops.shape of a traced tensor has tensors for the unknown sizes
    Case("keras.ops.shape", ((None, None),), [T(0)]),
    # split points need the axis' size when the op runs
    Case("keras.ops.split", ((None, 6),), [T(0), [0, 5]], {"axis": 0}),
    # a bare slice: KerasTensor rejects the key, TensorFlow takes it
    Case("operator.getitem", ((None, 5, 4),), [T(0), slice(1, 3, None)]),
    # no paddings for a scalar: the empty list is a float tensor of the wrong rank
    Case("tensorflow.pad", ((),), [T(0), []]),
    # empty start indices are a float tensor, which TensorFlow refuses
    Case("keras.ops.slice_update", ((4,), (2,)), [T(0), (), T(1)]),
    # inside call() TensorFlow repeats a scalar as a vector; Keras' symbolic shapes refuse it
    Case("keras.ops.repeat", ((), ()), [T(0), T(1)], {"axis": 0}, ("float32", "int32"), dynamic=True),
    # one pair for every axis: Keras' shapes spread it, TensorFlow's pad refuses it
    Case("keras.ops.pad", ((None, 4),), [T(0), ((0, 1),)]),
    # a dynamic offset with the rest of the axis: unknown, the other axes known
    Case("tensorflow.slice", ((4, 6), ()), [T(0), [T(1), 0], (-1, 3)], dtypes=("float32", "int32"),
         dynamic=True),
    # a dynamic size: TensorFlow no longer works out the rest of any axis
    Case("tensorflow.slice", ((3, 3), ()), [T(0), (0, 0), (-1, T(1))], dtypes=("float32", "int32"),
         dynamic=True),
]
REGRESSIONS: dict[str, list[Case]] = {}
for _case in _REGRESSIONS:
    REGRESSIONS.setdefault(_case.op, []).append(_case)


def _needs_tf_keras(op: str) -> bool:
    return op.startswith("keras.backend.")


@pytest.mark.parametrize("op", ALL)
def test_op_agrees_with_keras(op):
    if _needs_tf_keras(op) and K is None:
        pytest.skip("tf_keras is not installed")
    cases: list[Case] = list(REGRESSIONS.get(op, []))

    @settings(max_examples=CASES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy_for(op))
    def generate(case):
        cases.append(case)

    generate()
    assert len(cases) >= CASES, f"only {len(cases)} cases for {op}"
    problems = disagreements(cases)
    assert not problems, f"{len(problems)} of {len(cases)} cases disagree:\n" + "\n".join(problems[:10])


def test_every_op_has_a_strategy():
    """Each op of the table is compared (a new op needs a strategy here)."""
    for op in ALL:
        assert strategy_for(op) is not None
