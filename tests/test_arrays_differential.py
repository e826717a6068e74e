"""Differential test: the array table (shapelint.arrays) against NumPy itself. No TensorFlow.

For every NumPy function, method and attribute in the table, a seeded generator draws at least
``CASES`` calls: arrays of ranks 0 to 4 and dtypes float/int/bool, and the function's other
arguments (axes in and out of range, sizes that fit and that do not). Half the cases hide
some sizes from the table (``None``: unknown, or a named size shared between arrays, a
:class:`Sym`); NumPy then runs on every concrete size the abstract shape stands for (each
hidden size one of 1, 2, 3, 5; 16 combinations at most). The verdict:

* the table reports an issue  -> NumPy raises for every concrete size;
* the table gives a result    -> NumPy does not raise for every concrete size, and wherever
  it returns, every size the table claims (and the rank, and the dtype class) is NumPy's;
* the table says "unknown"    -> allowed when a size is hidden; with every size known it is a
  disagreement, unless NumPy raises an error that no shapelint rule names (``SILENT``
  lists them: values out of range, repeated axes, dtypes NumPy refuses).

A failure lists the disagreeing cases.
"""
from __future__ import annotations

import importlib
import itertools
import random
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from shapelint.arrays.spec import ArrayType, ObjectType  # noqa: E402
from shapelint.arrays.table import ATTRIBUTES, FUNCTIONS, METHODS  # noqa: E402
from shapelint.interp.values import Unknown  # noqa: E402
from shapelint.ops.table import Outcome, evaluate  # noqa: E402
from shapelint.shapes import Shape, Sym, is_known  # noqa: E402

CASES = 200
FILL = (1, 2, 3, 4, 5, 6)      # the concrete sizes a hidden size stands for
MAX_CONCRETE = 16
EXHAUSTIVE = 1728             # before concluding NumPy "always raises", try this many
WIDE = tuple(range(1, 25))     # ... of these sizes
DTYPES = {"float": "float64", "int": "int64", "bool": "bool", "str": "<U3"}


@dataclass(frozen=True)
class A:
    """The i-th array of a case, as an argument."""

    i: int


@dataclass
class Case:
    fn: str                                  # table name
    arrays: tuple                            # (dims, dtype class); a dim: int, None or "n"
    args: list
    kwargs: dict = field(default_factory=dict)
    fill: tuple = ()                         # the value of each array's elements (0)
    receiver: tuple = ()                     # a method's object: (kind, config)

    def __repr__(self) -> str:
        arrays = ", ".join(f"{tuple(d)}:{k}" for d, k in self.arrays)
        return f"{self.fn}([{arrays}], args={self.args!r}, kwargs={self.kwargs!r})"


def subst(v: Any, arrays: list) -> Any:
    if isinstance(v, A):
        return arrays[v.i]
    if isinstance(v, list):
        return [subst(x, arrays) for x in v]
    if isinstance(v, tuple):
        return tuple(subst(x, arrays) for x in v)
    if isinstance(v, dict):
        return {k: subst(x, arrays) for k, x in v.items()}
    return v


# --- shapelint's side --------------------------------------------------------------------------

def _dim(d: Any) -> Any:
    return Sym(d) if isinstance(d, str) else d


def ours(case: Case) -> Outcome:
    arrays = [ArrayType(Shape(tuple(_dim(d) for d in dims)), kind) for dims, kind in case.arrays]
    args, kwargs = subst(case.args, arrays), subst(case.kwargs, arrays)
    if case.fn.startswith("Generator."):
        return evaluate(METHODS[case.fn], [ObjectType("Generator"), *args], kwargs)
    if case.receiver:
        return evaluate(METHODS[case.fn], [ObjectType(*case.receiver), *args], kwargs)
    table = FUNCTIONS if case.fn in FUNCTIONS else METHODS if case.fn in METHODS else ATTRIBUTES
    return evaluate(table[case.fn], args, kwargs)


# --- NumPy's side ------------------------------------------------------------------------------

def concretizations(case: Case, rng: random.Random, limit: int = MAX_CONCRETE,
                    fill: tuple = FILL) -> list[list[tuple]]:
    """Ways to give the hidden sizes values: all of them when there are at most ``limit``,
    else every hidden size equal (each FILL value) and a random sample."""
    slots = sorted({("sym", d) for dims, _ in case.arrays for d in dims if isinstance(d, str)}
                   | {("none", i, j) for i, (dims, _) in enumerate(case.arrays)
                      for j, d in enumerate(dims) if d is None})
    combos = list(itertools.product(fill, repeat=len(slots)))
    if len(combos) > limit:
        same = [(v,) * len(slots) for v in fill]
        combos = same + rng.sample(combos, limit)
    out = []
    for combo in combos:
        value = dict(zip(slots, combo))
        out.append([tuple(value[("sym", d)] if isinstance(d, str)
                          else value[("none", i, j)] if d is None else d
                          for j, d in enumerate(dims))
                    for i, (dims, _) in enumerate(case.arrays)])
    return out


def real_call(case: Case, shapes: list[tuple]) -> Any:
    fills = case.fill or (0,) * len(case.arrays)
    arrays = [np.full(s, f, dtype=DTYPES[kind])
              for s, (_, kind), f in zip(shapes, case.arrays, fills)]
    args, kwargs = subst(case.args, arrays), subst(case.kwargs, arrays)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case.receiver:
            kind, config = case.receiver
            module, cls = kind.rsplit(".", 1)
            obj = getattr(importlib.import_module(module), cls)(**dict(config))
            return getattr(obj, case.fn.rsplit(".", 1)[1])(*args, **kwargs)
        return _call(case.fn, args, kwargs)


def _call(name: str, args: list, kwargs: dict) -> Any:
    if name.startswith(("sklearn.", "pandas.")):
        module, fn = name.rsplit(".", 1)
        return getattr(importlib.import_module(module), fn)(*args, **kwargs)
    if name.startswith("Generator."):
        return getattr(np.random.default_rng(0), name.split(".", 1)[1])(*args, **kwargs)
    if name == "ndarray.__getitem__":
        return args[0][args[1]]
    if name == "ndarray.__len__":
        return len(args[0])
    if name.startswith("ndarray."):
        attr = getattr(args[0], name.split(".", 1)[1])
        return attr(*args[1:], **kwargs) if name in METHODS else attr
    fn: Any = np
    for part in name.split(".")[1:]:
        fn = getattr(fn, part)
    return fn(*args, **kwargs)


def kind_of(dtype: Any) -> str | None:
    return {"b": "bool", "i": "int", "u": "int", "f": "float", "U": "str", "S": "str",
            "O": "str"}.get(np.dtype(dtype).kind)


def real(case: Case, shapes: list[tuple]) -> tuple:
    """("raise", error) or ("ok", result)."""
    try:
        return ("ok", real_call(case, shapes))
    except Exception as exc:
        text = str(exc).splitlines()[0][:120] if str(exc) else ""
        return ("raise", f"{type(exc).__name__}: {text}")


# --- judging -----------------------------------------------------------------------------------

# NumPy errors no shapelint rule names: the table may stay silent on them (unknown).
SILENT = ("repeated axis", "duplicate value in 'axis'", "out of bounds", "repeats",
          "cannot reshape array of size 0", "numpy boolean subtract", "negative dimensions",
          "not supported for the input types", "must be 1-dimensional",
          "axes don't match", "too many indices", "not have enough dimensions",
          "can only specify one",
          "Cannot take a larger sample", "high <= 0", "low >= high", "a must be a positive",
          "zero-dimensional arrays cannot be concatenated", "Number of samples", "x must be an",
          "could not broadcast", "Maximum allowed size", "a cannot be empty",
          "argument must be a string", "inhomogeneous", "shape mismatch",
          "x must be an integer", "a must be a sequence or an integer",
          "boolean index did not match", "must have the same length", "requires at least 1 dim",
          "need at least one array", "object too deep", "only integer scalar arrays",
          "`source` and `destination`", "Object arrays", "is not a valid", "takes exactly",
          "takes at least", "unsized object", "could not be broadcast",
          "boolean negative", "not compatible with broadcast dimensions", "did not contain a loop",
          "must be greater than 0", "single ellipsis", "parameter of train_test_split",
          "should be either positive", "Expected 2D array", "multiclass-multioutput",
          "inconsistent numbers of samples", "y should be a 1d array", "will be empty",
          "Found array with dim")


def _sym_values(case: Case, shapes: list[tuple]) -> dict:
    return {d: s[j] for (dims, _), s in zip(case.arrays, shapes)
            for j, d in enumerate(dims) if isinstance(d, str)}


def _fits(claim: ArrayType, shape: tuple, kind: str | None, syms: dict) -> str | None:
    dims = claim.shape.dims
    if dims is not None:
        if len(dims) != len(shape):
            return f"rank {len(dims)} vs {len(shape)}"
        for c, r in zip(dims, shape):
            expected = syms.get(c.name) if isinstance(c, Sym) else c if is_known(c) else None
            if expected is not None and expected != r:
                return f"size {c} vs {r}"
    if claim.dtype != kind:
        return f"dtype {claim.dtype} vs {kind}"
    return None


def _value_fits(claim: Any, value: Any, syms: dict) -> bool:
    if isinstance(claim, tuple):
        return isinstance(value, tuple) and len(claim) == len(value) and all(
            _value_fits(c, v, syms) for c, v in zip(claim, value))
    if isinstance(claim, Unknown):
        return claim.label is None or syms.get(claim.label, value) == value
    return claim == value


def hidden(case: Case) -> bool:
    return any(not is_known(d) for dims, _ in case.arrays for d in dims)


def judge(case: Case, rng: random.Random) -> str | None:
    got = ours(case)
    runs = [(shapes, real(case, shapes)) for shapes in concretizations(case, rng)]
    raised = [r for _, r in runs if r[0] == "raise"]
    if got.issue is not None:
        if len(raised) != len(runs):
            return f"an issue {got.issue!r} but NumPy returns for some sizes"
        return None
    if got.result is None:
        if hidden(case):
            return None
        if raised and any(s in raised[0][1] for s in SILENT):
            return None
        if not raised and type(runs[0][1][1]).__module__.startswith("scipy"):
            return None                   # a SciPy sparse matrix is no array: not modeled
        return f"unknown, but NumPy gives {runs[0][1]}"
    if len(raised) == len(runs) and all(
            real(case, shapes)[0] == "raise"
            for shapes in concretizations(case, rng, EXHAUSTIVE, WIDE)):
        return f"a result {got.result!r} but NumPy always raises: {raised[0][1]}"
    for shapes, r in runs:
        if r[0] == "raise":
            continue
        problem = compare(got.result, r[1], _sym_values(case, shapes))
        if problem:
            return f"claims {got.result!r} but NumPy gives {describe(r[1])} for {shapes}: {problem}"
    return None


def describe(out: Any) -> str:
    if isinstance(out, (np.ndarray, np.generic, float, bool)):
        a = np.asarray(out)
        return f"{a.shape} {kind_of(a.dtype)}"
    return repr(out)


def compare(claim: Any, out: Any, syms: dict) -> str | None:
    """A claimed result (an ArrayType, a Value, a tuple of them) against NumPy's."""
    value = getattr(claim, "value", claim) if not isinstance(claim, ArrayType) else claim
    if isinstance(value, ArrayType):
        if not isinstance(out, (np.ndarray, np.generic, int, float, bool)):
            return "not an array"
        a = np.asarray(out)
        return _fits(value, a.shape, kind_of(a.dtype), syms)
    if isinstance(value, tuple) and value and isinstance(value[0], ArrayType):
        if not isinstance(out, (tuple, list)) or len(out) != len(value):
            return "another structure"
        return next((p for c, o in zip(value, out) if (p := compare(c, o, syms))), None)
    return None if _value_fits(value, out, syms) else "another value"


# --- generators ----------------------------------------------------------------------------------

SIZES = (1, 2, 3, 4, 6)


class Draw:
    """Seeded drawing helpers; ``hide`` decides whether a case hides sizes."""

    def __init__(self, seed: int):
        self.r = random.Random(seed)
        self.hide = False

    def dim(self) -> Any:
        if self.hide and self.r.random() < 0.3:
            return self.r.choice([None, None, "n"])
        return self.r.choice(SIZES)

    def shape(self, lo: int = 0, hi: int = 4) -> tuple:
        return tuple(self.dim() for _ in range(self.r.randint(lo, hi)))

    def kind(self, bool_ok: bool = True) -> str:
        return self.r.choice(["float", "int", "bool"] if bool_ok else ["float", "int"])

    def axis(self, rank: int, spread: int = 1) -> int:
        return self.r.randint(-rank - spread, rank - 1 + spread)

    def maybe(self, p: float = 0.5) -> bool:
        return self.r.random() < p

    def variant(self, s: tuple, keep: int | None = None) -> tuple:
        out = list(s)
        how = self.r.choice(["same", "same", "dim", "rank"])
        if how == "dim" and out:
            i = self.r.randrange(len(out))
            if i != keep:
                out[i] = self.dim()
        elif how == "rank":
            if out and self.maybe():
                out.pop(self.r.randrange(len(out)))
            else:
                out.insert(self.r.randint(0, len(out)), self.dim())
        return tuple(out)


def one(fn: str, d: Draw, dims: tuple, kind: str, *args: Any, **kwargs: Any) -> Case:
    return Case(fn, ((dims, kind),), [A(0), *args], kwargs)


def g_reshape(fn: str, d: Draw) -> Case:
    s = d.shape()
    total = 1
    for x in s:
        total *= x if isinstance(x, int) else 1
    target: list = []
    rest = total
    for p in (2, 3):
        while rest % p == 0 and d.maybe():
            target.append(p)
            rest //= p
    if rest > 1:
        target.append(rest)
    if any(not isinstance(x, int) for x in s) or d.maybe(0.4):
        target.insert(d.r.randint(0, len(target)), -1)
    if d.maybe(0.2):
        target.append(d.r.choice([2, 5]))
    if d.maybe(0.1):
        target = [d.r.choice([1, 2, 3, 5, -1]) for _ in range(d.r.randint(1, 3))]
    if fn == "ndarray.reshape":
        return one(fn, d, s, d.kind(), *target) if d.maybe() else one(fn, d, s, d.kind(), tuple(target))
    if d.maybe(0.2) and len(target) == 1:
        return one(fn, d, s, d.kind(), target[0])
    return one(fn, d, s, d.kind(), tuple(target))


def g_expand(fn: str, d: Draw) -> Case:
    s = d.shape(0, 3)
    if d.maybe(0.3):
        return one(fn, d, s, d.kind(), tuple(d.axis(len(s) + 2) for _ in range(2)))
    return one(fn, d, s, d.kind(), d.axis(len(s) + 1))


def g_squeeze(fn: str, d: Draw) -> Case:
    s = tuple(d.r.choice([1, 1, 2, 3]) if not (d.hide and d.maybe(0.3)) else None
              for _ in range(d.r.randint(0, 4)))
    how = d.r.choice(["none", "one", "two"])
    if how == "none":
        return one(fn, d, s, d.kind())
    if how == "one":
        return one(fn, d, s, d.kind(), axis=d.axis(len(s)))
    return one(fn, d, s, d.kind(), axis=tuple(d.axis(len(s)) for _ in range(2)))


def g_transpose(fn: str, d: Draw) -> Case:
    s = d.shape()
    if d.maybe(0.2):
        return one(fn, d, s, d.kind())
    perm = list(range(len(s)))
    d.r.shuffle(perm)
    how = d.r.choice(["ok", "ok", "neg", "short", "dup"])
    if how == "neg" and perm:
        perm[0] -= len(s)
    elif how == "short":
        perm = perm[:-1] if perm else [0]
    elif how == "dup" and len(perm) > 1:
        perm[0] = perm[1]
    if fn == "ndarray.transpose" and d.maybe():
        return one(fn, d, s, d.kind(), *perm)
    return one(fn, d, s, d.kind(), tuple(perm))


def g_swapaxes(fn: str, d: Draw) -> Case:
    s = d.shape()
    return one(fn, d, s, d.kind(), d.axis(len(s)), d.axis(len(s)))


def g_moveaxis(fn: str, d: Draw) -> Case:
    s = d.shape(1, 4)
    if d.maybe():
        return one(fn, d, s, d.kind(), d.axis(len(s)), d.axis(len(s)))
    k = d.r.randint(1, 2)
    return one(fn, d, s, d.kind(), [d.axis(len(s), 0) for _ in range(k)],
               [d.axis(len(s), 0) for _ in range(d.r.choice([k, k, k + 1]))])


def g_plain(fn: str, d: Draw) -> Case:
    return one(fn, d, d.shape(), d.kind())


def g_tile(fn: str, d: Draw) -> Case:
    s = d.shape(0, 3)
    n = max(0, len(s) + d.r.choice([0, -1, 1, 2]))
    reps = [d.r.randint(1, 3) for _ in range(n)]
    if len(reps) == 1 and d.maybe():
        return one(fn, d, s, d.kind(), reps[0])
    return one(fn, d, s, d.kind(), tuple(reps))


def g_repeat(fn: str, d: Draw) -> Case:
    s = d.shape(0, 3)
    axis = None if d.maybe(0.3) else d.axis(len(s))
    reps: Any = d.r.randint(1, 3) if d.maybe(0.7) else [d.r.randint(1, 2) for _ in range(d.r.randint(1, 4))]
    if fn == "ndarray.repeat":
        return one(fn, d, s, d.kind(), reps, axis=axis)
    return one(fn, d, s, d.kind(), reps, axis=axis)


def g_join(fn: str, d: Draw) -> Case:
    stack = (fn.endswith("stack") and fn != "numpy.stack") or fn == "numpy.stack"
    s = d.shape(0 if fn != "numpy.concatenate" else 1, 3)
    n = d.r.randint(1, 3)
    ax = d.axis(len(s) + (1 if fn == "numpy.stack" else 0))
    shapes = [s]
    for _ in range(n - 1):
        if fn == "numpy.concatenate":
            v = list(d.variant(s))
            if v and d.maybe():
                v[ax % len(v)] = d.dim()
            shapes.append(tuple(v))
        else:
            shapes.append(d.variant(s) if not stack or d.maybe(0.6) else s)
    kinds = [d.kind() for _ in shapes] if d.maybe(0.3) else [d.kind()] * len(shapes)
    arrays = tuple(zip(shapes, kinds))
    items = [A(i) for i in range(n)]
    if fn in ("numpy.concatenate", "numpy.stack"):
        if fn == "numpy.concatenate" and d.maybe(0.15):
            return Case(fn, arrays, [items], {"axis": None})
        if d.maybe(0.3):
            return Case(fn, arrays, [items])
        return Case(fn, arrays, [items], {"axis": ax})
    return Case(fn, arrays, [items if d.maybe() else tuple(items)])


def g_reduce(fn: str, d: Draw) -> Case:
    s = d.shape()
    kind = d.kind()
    kwargs: dict = {}
    how = d.r.choice(["none", "int", "int", "tuple"])
    if how == "int":
        kwargs["axis"] = d.axis(len(s))
    elif how == "tuple":
        kwargs["axis"] = tuple(d.axis(len(s)) for _ in range(d.r.randint(1, 2)))
    if d.maybe():
        kwargs["keepdims"] = d.maybe()
    if fn.split(".")[-1] in ("argmax", "argmin") and isinstance(kwargs.get("axis"), tuple):
        kwargs["axis"] = kwargs["axis"][0]
    return one(fn, d, s, kind, **kwargs)


def _operand_pair(d: Draw) -> tuple[tuple, tuple]:
    a = d.shape()
    how = d.r.choice(["related", "related", "random"])
    if how == "random":
        return a, d.shape()
    k = d.r.randint(0, len(a))
    b = tuple(x if d.maybe(0.6) else d.r.choice([1, d.dim()]) for x in a[len(a) - k:])
    return (a, b) if d.maybe() else (b, a)


def g_binary(fn: str, d: Draw) -> Case:
    a, b = _operand_pair(d)
    ka, kb = d.kind(), d.kind()
    how = d.r.choice(["arrays", "arrays", "arrays", "scalar", "scalar_left"])
    scalar = d.r.choice([2, 2.5, True])
    if how == "scalar":
        return Case(fn, ((a, ka),), [A(0), scalar])
    if how == "scalar_left":
        return Case(fn, ((a, ka),), [scalar, A(0)])
    return Case(fn, ((a, ka), (b, kb)), [A(0), A(1)])


def g_matmul(fn: str, d: Draw) -> Case:
    batch = d.shape(0, 2)
    m, k, n = d.dim(), d.dim(), d.dim()
    a = batch + (m, k)
    b = d.r.choice([batch, batch[1:], ()]) + (d.r.choice([k, k, 2]), n)
    if d.maybe(0.2):
        a = a[-1:]
    if d.maybe(0.2):
        b = b[:-1]
    if d.maybe(0.1):
        a = ()
    return Case(fn, ((a, d.kind(False)), (b, d.kind(False))), [A(0), A(1)])


def g_unary(fn: str, d: Draw) -> Case:
    return one(fn, d, d.shape(), d.kind())


def g_clip(fn: str, d: Draw) -> Case:
    s = d.shape()
    if d.maybe(0.3):
        b = d.variant(s[1:])
        return Case(fn, ((s, d.kind(False)), (b, "float")), [A(0), 0, A(1)])
    return one(fn, d, s, d.kind(False), 0, d.r.choice([1, 2.5]))


def g_where(fn: str, d: Draw) -> Case:
    c = d.shape(0, 3)
    x, y = d.variant(c), d.r.choice([c[1:], c, ()])
    return Case(fn, ((c, "bool"), (x, d.kind()), (y, d.kind())), [A(0), A(1), A(2)])


def g_astype(fn: str, d: Draw) -> Case:
    dtype = d.r.choice(["float32", "int8", "bool", "uint8", "float64", "<U2"])
    if fn == "ndarray.astype":
        return one(fn, d, d.shape(), d.kind(), dtype)
    return one(fn, d, d.shape(), d.kind(), dtype)


def _literal(d: Draw, depth: int) -> Any:
    if depth == 0:
        return d.r.choice([1, 2.5, True, 3])
    n = d.r.randint(0 if d.maybe(0.05) else 1, 3)
    first = [_literal(d, depth - 1) for _ in range(n)]
    if d.maybe(0.1) and first:
        first[-1] = _literal(d, max(depth - 2, 0))      # ragged
    return first


def g_array(fn: str, d: Draw) -> Case:
    if d.maybe(0.2):
        s = d.shape(0, 2)
        k = d.kind()
        n = d.r.randint(1, 3)
        arrays = tuple((d.variant(s) if d.maybe(0.2) else s, k) for _ in range(n))
        return Case(fn, arrays, [[A(i) for i in range(n)]])
    lit = _literal(d, d.r.randint(0, 3))
    kwargs: dict = {}
    if d.maybe(0.2):
        kwargs["dtype"] = d.r.choice(["float32", "int32", "bool"])
    if fn == "numpy.array" and d.maybe(0.2):
        kwargs["ndmin"] = d.r.randint(0, 4)
    return Case(fn, (), [lit], kwargs)


def _size(d: Draw) -> Any:
    how = d.r.choice(["tuple", "tuple", "int", "list", "none"])
    if how == "none":
        return None
    if how == "int":
        return d.r.choice([0, 1, 3, 5, -1])
    sizes = [d.r.choice([1, 2, 3, 4, 0, -1][:5 if d.maybe(0.9) else 6]) for _ in range(d.r.randint(0, 3))]
    return tuple(sizes) if how == "tuple" else sizes


def g_filled(fn: str, d: Draw) -> Case:
    size = _size(d)
    if size is None:
        size = (2, 3)
    kwargs = {"dtype": d.r.choice(["int32", "bool", "float32"])} if d.maybe(0.3) else {}
    if fn == "numpy.full":
        return Case(fn, (), [size, d.r.choice([0, 1.5, True])], kwargs)
    return Case(fn, (), [size], kwargs)


def g_like(fn: str, d: Draw) -> Case:
    s = d.shape()
    kwargs: dict = {}
    if d.maybe(0.3):
        kwargs["dtype"] = d.r.choice(["int32", "bool", "float32"])
    if d.maybe(0.2):
        kwargs["shape"] = tuple(d.r.choice(SIZES) for _ in range(d.r.randint(0, 3)))
    if fn == "numpy.full_like":
        return one(fn, d, s, d.kind(), d.r.choice([0, 1.5, True]), **kwargs)
    return one(fn, d, s, d.kind(), **kwargs)


def g_arange(fn: str, d: Draw) -> Case:
    def end() -> Any:
        return d.r.choice([d.r.randint(-4, 12), d.r.randint(-4, 12), d.r.choice([0.5, 2.0, 3.7, -1.5])])
    ends = [end() for _ in range(d.r.randint(1, 3))]
    if len(ends) == 3 and ends[2] == 0:
        ends[2] = d.r.choice([1, -1, 2, 0])
    kwargs = {"dtype": "float32"} if d.maybe(0.1) else {}
    return Case(fn, (), ends, kwargs)


def g_linspace(fn: str, d: Draw) -> Case:
    kwargs: dict = {}
    if d.maybe(0.3):
        kwargs["endpoint"] = d.maybe()
    if d.maybe(0.1):
        kwargs["dtype"] = "int64"
    return Case(fn, (), [d.r.choice([0.0, 1, -2.5]), d.r.choice([1.0, 10, 0.5]),
                         d.r.randint(-1, 60)], kwargs)


def g_eye(fn: str, d: Draw) -> Case:
    args: list = [d.r.randint(-1, 6)]
    kwargs: dict = {}
    if fn == "numpy.eye":
        if d.maybe():
            args.append(d.r.choice([None, 0, 1, 3, 5]))
        if d.maybe():
            kwargs["k"] = d.r.randint(-3, 3)
    if d.maybe(0.3):
        kwargs["dtype"] = d.r.choice(["int32", "bool"])
    return Case(fn, (), args, kwargs)


def g_shape(fn: str, d: Draw) -> Case:
    return one(fn, d, d.shape(), d.kind())


def g_rand(fn: str, d: Draw) -> Case:
    return Case(fn, (), [d.r.choice([0, 1, 2, 3, 5, -1]) for _ in range(d.r.randint(0, 3))])


def g_sized(fn: str, d: Draw) -> Case:
    """random/random_sample/standard_normal(size=...) and Generator.random(size)."""
    size = _size(d)
    if d.maybe():
        return Case(fn, (), [], {} if size is None else {"size": size})
    return Case(fn, (), [size])


_PARAMS = {"randint": ("low", "high"), "uniform": ("low", "high"), "normal": ("loc", "scale"),
           "binomial": ("n", "p"), "poisson": ("lam",), "exponential": ("scale",),
           "integers": ("low", "high")}
REQUIRED = {"binomial": ("n", "p"), "randint": ("low",), "integers": ("low",)}
_VALUES = {"low": 0, "high": 5, "loc": 0.0, "scale": 1.0, "n": 5, "p": 0.5, "lam": 2.0}


def g_distribution(fn: str, d: Draw) -> Case:
    params = _PARAMS[fn.split(".")[-1]]
    arrays: list = []
    fills: list = []
    kwargs: dict = {}
    for p in params:
        if d.maybe(0.25) and p not in ("n",):
            s = d.shape(0, 2)
            arrays.append((s, "int" if p in ("low", "high", "n") else "float"))
            fills.append({"high": 9, "low": 0}.get(p, 0.5))
            kwargs[p] = A(len(arrays) - 1)
        elif d.maybe(0.7) or (p in REQUIRED.get(fn.split(".")[-1], ()) and d.maybe(0.9)) \
                or (p in ("high",) and fn.endswith(("randint", "integers"))):
            kwargs[p] = _VALUES[p] + (1 if p in ("high",) else 0)
    if "low" in kwargs and isinstance(kwargs["low"], A) and "high" not in kwargs:
        kwargs["high"] = 9
    if d.maybe(0.6):
        kwargs["size"] = _size(d)
    return Case(fn, tuple(arrays), [], kwargs, tuple(fills))


def g_choice(fn: str, d: Draw) -> Case:
    kwargs: dict = {}
    if d.maybe(0.7):
        kwargs["size"] = _size(d)
    if d.maybe(0.4):
        return Case(fn, (), [d.r.choice([0, 3, 10])], kwargs)
    s = d.shape(0, 3)
    if fn == "Generator.choice" and d.maybe(0.3) and s:
        kwargs["axis"] = d.axis(len(s))
    case = one(fn, d, s, d.kind(), **kwargs)
    case.fill = (3,)                     # a 0-d population is taken as an int
    return case


def g_permutation(fn: str, d: Draw) -> Case:
    if d.maybe(0.3):
        return Case(fn, (), [d.r.choice([0, 3, 5])])
    return one(fn, d, d.shape(), d.kind())


def g_getitem(fn: str, d: Draw) -> Case:
    s = d.shape(0, 4)
    kind = d.kind()
    how = d.r.choice(["basic", "basic", "basic", "int_array", "list", "mask"])
    if how == "basic":
        items: list = []
        for _ in range(d.r.randint(0, len(s) + 1)):
            k = d.r.choice(["slice", "slice", "int", "none", "ellipsis"])
            if k == "slice":
                b = [None, 0, 1, 2, -1, 7]
                items.append(slice(d.r.choice(b), d.r.choice(b), d.r.choice([None, None, 2, -1])))
            elif k == "int":
                items.append(d.r.choice([0, 1, -1, 5]))
            elif k == "none":
                items.append(None)
            else:
                items.append(Ellipsis)
        key: Any = tuple(items) if len(items) != 1 or d.maybe() else items[0]
        return Case(fn, ((s, kind),), [A(0), key])
    if how == "list":
        before = [slice(None)] * d.r.randint(0, max(len(s) - 1, 0))
        return Case(fn, ((s, kind),), [A(0), tuple(before) + ([0, 0, 0][:d.r.randint(1, 3)],)])
    if how == "int_array":
        idx = d.shape(0, 2)
        pre = [slice(None)] * d.r.randint(0, max(len(s) - 1, 0))
        tail = [Ellipsis] if d.maybe(0.3) else []
        return Case(fn, ((s, kind), (idx, "int")), [A(0), tuple(pre) + (A(1),) + tuple(tail)])
    k = d.r.randint(1, max(len(s), 1))
    mask = tuple(x if d.maybe(0.8) else d.dim() for x in s[:k])
    return Case(fn, ((s, kind), (mask, "bool")), [A(0), A(1)])


def g_method_reduce(fn: str, d: Draw) -> Case:
    return g_reduce(fn, d)


GENERATORS: dict[str, Callable[[str, Draw], Case]] = {
    "numpy.reshape": g_reshape, "ndarray.reshape": g_reshape,
    "numpy.expand_dims": g_expand, "numpy.squeeze": g_squeeze, "ndarray.squeeze": g_squeeze,
    "numpy.transpose": g_transpose, "ndarray.transpose": g_transpose,
    "numpy.swapaxes": g_swapaxes, "ndarray.swapaxes": g_swapaxes, "numpy.moveaxis": g_moveaxis,
    "numpy.ravel": g_plain, "ndarray.ravel": g_plain, "ndarray.flatten": g_plain,
    "ndarray.copy": g_plain, "numpy.copy": g_plain, "ndarray.T": g_plain,
    "ndarray.shape": g_shape, "ndarray.ndim": g_shape, "ndarray.size": g_shape,
    "ndarray.__len__": g_shape, "numpy.shape": g_shape,
    "numpy.tile": g_tile, "numpy.repeat": g_repeat, "ndarray.repeat": g_repeat,
    "numpy.concatenate": g_join, "numpy.stack": g_join, "numpy.vstack": g_join,
    "numpy.hstack": g_join, "numpy.dstack": g_join, "numpy.column_stack": g_join,
    "numpy.matmul": g_matmul, "numpy.clip": g_clip, "ndarray.clip": g_clip, "numpy.where": g_where,
    "numpy.astype": g_astype, "ndarray.astype": g_astype,
    "numpy.array": g_array, "numpy.asarray": g_array,
    "numpy.zeros": g_filled, "numpy.ones": g_filled, "numpy.empty": g_filled,
    "numpy.full": g_filled, "numpy.zeros_like": g_like, "numpy.ones_like": g_like,
    "numpy.empty_like": g_like, "numpy.full_like": g_like, "numpy.arange": g_arange,
    "numpy.linspace": g_linspace, "numpy.eye": g_eye, "numpy.identity": g_eye,
    "numpy.random.rand": g_rand, "numpy.random.randn": g_rand,
    "numpy.random.choice": g_choice, "Generator.choice": g_choice,
    "numpy.random.permutation": g_permutation, "Generator.permutation": g_permutation,
    "Generator.permuted": g_plain, "ndarray.__getitem__": g_getitem,
}
for _n in ("random", "random_sample", "ranf", "sample", "standard_normal"):
    GENERATORS[f"numpy.random.{_n}"] = g_sized
GENERATORS["Generator.random"] = g_sized
GENERATORS["Generator.standard_normal"] = g_sized
for _n in _PARAMS:
    GENERATORS[f"numpy.random.{_n}"] = g_distribution
    GENERATORS[f"Generator.{_n}"] = g_distribution
for _n in ("sum", "prod", "mean", "std", "var", "max", "min", "amax", "amin", "any", "all",
           "argmax", "argmin"):
    GENERATORS[f"numpy.{_n}"] = g_reduce
    if _n not in ("amax", "amin"):
        GENERATORS[f"ndarray.{_n}"] = g_method_reduce

# Not compared with NumPy here: what reads files, returns None, or belongs to another library.
NOT_NUMPY = {"numpy.random.shuffle", "numpy.random.seed", "numpy.random.default_rng",
             "Generator.shuffle"}


def numpy_entries() -> list[str]:
    names = [n for n in {**FUNCTIONS, **METHODS, **ATTRIBUTES}
             if (n.startswith(("numpy.", "ndarray.", "Generator.")))]
    return sorted(n for n in names if n not in NOT_NUMPY and not _reads_files(n))


def _reads_files(name: str) -> bool:
    spec = FUNCTIONS.get(name)
    return spec is not None and spec.infer.__name__ == "from_disk"


def generator_for(fn: str) -> Callable[[str, Draw], Case]:
    if fn in GENERATORS:
        return GENERATORS[fn]
    spec = FUNCTIONS.get(fn)
    if spec is not None and spec.params == ("x1", "x2"):
        return g_binary
    if spec is not None and spec.params == ("x",):
        return g_unary
    raise AssertionError(f"no generator for {fn}")


def cases_for(fn: str) -> list[Case]:
    d = Draw(sum(map(ord, fn)))
    gen = generator_for(fn)
    out = []
    for i in range(CASES):
        d.hide = i % 2 == 1
        out.append(gen(fn, d))
    return out


@pytest.mark.parametrize("fn", numpy_entries())
def test_array_table_agrees_with_numpy(fn):
    rng = random.Random(7)
    cases = cases_for(fn)
    problems = [f"{c}: {p}" for c in cases if (p := judge(c, rng)) is not None]
    assert len(cases) >= CASES
    assert not problems, f"{len(problems)} of {len(cases)} disagree:\n" + "\n".join(problems[:12])


def test_every_numpy_entry_has_a_generator():
    for fn in numpy_entries():
        assert generator_for(fn) is not None


# --- scikit-learn (skipped where it is not installed) -------------------------------------------

def g_train_test_split(fn: str, d: Draw) -> Case:
    n = d.r.choice([4, 10, 30, None, "n"] if d.hide else [4, 10, 30, 7])
    k = d.r.randint(1, 3)
    arrays = tuple(((n, *d.shape(0, 2)), d.kind()) for _ in range(k))
    if d.maybe(0.1) and k > 1:
        arrays = ((d.r.choice([5, 9]), 2), arrays[0][1]), *arrays[1:]
    sizes = [None, None, 0.25, 0.1, 0.5, 0.33, 3, 10, 0, 1.0, 1.5, -1]
    kwargs = {"random_state": 0}
    for name in ("test_size", "train_size"):
        v = d.r.choice(sizes)
        if v is not None:
            kwargs[name] = v
    return Case(fn, arrays, [A(i) for i in range(k)], kwargs)


SCALERS = ("StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler", "Normalizer")


def g_estimator(fn: str, d: Draw) -> Case:
    kind = fn.rsplit(".", 1)[0]
    cls = kind.rsplit(".", 1)[1]
    config: tuple = ()
    if cls == "OneHotEncoder":
        config = (("sparse_output", d.r.choice([False, True])),)
    if cls in ("LabelEncoder", "LabelBinarizer"):
        s = (d.dim(),) if d.maybe(0.8) else (d.dim(), d.r.choice([1, 2]))
    else:
        s = d.shape(1, 3)
    case = Case(fn, ((s, d.r.choice(["float", "int"])),), [A(0)], receiver=(kind, config))
    case.fill = (1,)
    return case


def sklearn_entries() -> list[str]:
    """train_test_split and every estimator's fit_transform (transform needs a fit first)."""
    return sorted(n for n in {**FUNCTIONS, **METHODS} if n.startswith("sklearn.")
                  and n.endswith(("fit_transform", "train_test_split")))


@pytest.mark.parametrize("fn", sklearn_entries())
def test_sklearn_entries_agree_with_sklearn(fn):
    pytest.importorskip("sklearn")
    rng = random.Random(7)
    d = Draw(sum(map(ord, fn)))
    gen = g_train_test_split if fn.endswith("train_test_split") else g_estimator
    cases = []
    for i in range(CASES):
        d.hide = i % 2 == 1
        cases.append(gen(fn, d))
    problems = [f"{c}: {p}" for c in cases if (p := judge(c, rng)) is not None]
    assert not problems, f"{len(problems)} of {len(cases)} disagree:\n" + "\n".join(problems[:12])


def test_dataframe_values_are_two_dimensional():
    pd = pytest.importorskip("pandas")
    for s in [(3, 2), (7, 1), (1, 5)]:
        frame = pd.DataFrame(np.zeros(s))
        for name in ("pandas.DataFrame.to_numpy", "pandas.DataFrame.values"):
            spec = METHODS.get(name) or ATTRIBUTES[name]
            got = evaluate(spec, [ObjectType("pandas.DataFrame")], {}).result
            real_shape = frame.to_numpy().shape if "to_numpy" in name else frame.values.shape
            assert got.shape.rank == len(real_shape)
            assert got.shape.dims == (None, None)
