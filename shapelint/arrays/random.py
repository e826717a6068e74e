"""NumPy's random draws: the legacy ``numpy.random.*`` functions and the methods of a
``numpy.random.default_rng()`` Generator (table names ``Generator.<method>``).

Three signatures: ``rand(d0, d1, ...)`` takes sizes as positional arguments; the others take
``size=`` (None: one Python scalar, shape ``()``; an int: a vector; a tuple: that shape).
Distribution parameters may be arrays: without ``size`` the result has their broadcast
shape; with ``size`` too, they must broadcast to it (not modeled: unknown).
"""
from __future__ import annotations

from shapelint.arrays.shared import (
    Args,
    ArrayType,
    Shape,
    Unknowable,
    arr,
    dtype_arg,
    number,
    run_op,
    size_arg,
)
from shapelint.arrays.spec import ArrayFn, ObjectType, Rejected
from shapelint.interp.values import Unknown
from shapelint.ops.common import axis_in, dims
from shapelint.ops.spec import OpSpec, Value, is_int


def _by_positional_sizes(a: Args) -> ArrayType:
    """rand/randn: ``rand(2, 3)``; no sizes is a Python float."""
    sizes = tuple(a.raw("sizes") or ())
    if not all(is_int(d) or isinstance(d, Unknown) for d in sizes):
        raise Unknowable("sizes")
    if any(is_int(d) and d < 0 for d in sizes):
        raise Unknowable("sizes")         # NumPy raises; no rule names it
    dims_ = Args({"s": sizes}, {}).dims("s", allow_none=False)
    return ArrayType(Shape(dims_), "float")


def _draw(params: tuple[str, ...], kind: str, required: int = 0, lenient: bool = False) -> ArrayFn:
    """A distribution of class ``kind`` (``dtype=`` overrides) with array-like parameters
    ``params`` (the first ``required`` have no default) and ``size``. With ``size``, array
    parameters must broadcast to it; ``lenient`` (integers, randint): they only need to
    broadcast together (``integers(0, high_of_shape_2, size=1)`` is fine), and an empty
    ``size`` is not checked."""
    def infer(a: Args) -> ArrayType:
        if any(a.raw(p) is None for p in params[:required]):
            raise Unknowable("missing")   # Python raises TypeError
        size = size_arg(a, "size")
        if lenient and size is not None and 0 in size:
            return ArrayType(Shape(size), dtype_arg(a, "dtype", kind))   # nothing is checked
        shape = Shape(())
        for p in params:
            v = a.raw(p)
            if v is not None and not number(v):
                # an array parameter (an unknown one: Unknowable)
                shape = run_op("keras.ops.add", x1=shape, x2=Args.shape_of(v))
        if size is None:
            return ArrayType(shape, dtype_arg(a, "dtype", kind))
        if shape.dims:
            # NumPy raises otherwise; no rule says so.
            try:
                both = run_op("keras.ops.add", x1=shape, x2=Shape(size))
            except Rejected:
                raise Unknowable("size") from None
            if both.dims != size and not lenient:
                raise Unknowable("size")
        return ArrayType(Shape(size), dtype_arg(a, "dtype", kind))
    return infer


def _population(a: Args) -> tuple[ArrayType | None, str | None]:
    """choice's ``a``: an int n (draws from arange(n)) or an array; (array or None, class)."""
    pop = a.raw("a")
    if is_int(pop):
        size = size_arg(a, "size")
        if pop < 0 or (pop == 0 and (size is None or 0 not in size)):
            raise Unknowable("a")         # NumPy raises: nothing to draw from
        return None, "int"
    src = arr(a, "a")
    if not dims(src.shape):
        if src.dtype not in ("int", "bool"):
            raise Unknowable("a")         # NumPy raises
        return None, "int"                # a 0-d int (or bool) array is taken as an int
    return src, src.dtype


def legacy_choice(a: Args) -> ArrayType:
    src, kind = _population(a)
    if src is not None and len(dims(src.shape)) != 1:
        raise Unknowable("a")             # NumPy raises: a must be 1-dimensional
    size = size_arg(a, "size")
    return ArrayType(Shape(size or ()), kind)


def generator_choice(a: Args) -> ArrayType:
    """Generator.choice draws along ``axis`` of an n-d population: that axis becomes ``size``."""
    src, kind = _population(a)
    size = size_arg(a, "size")
    if src is None:
        return ArrayType(Shape(size or ()), kind)
    xd = dims(src.shape)
    ax = axis_in(a.raw("axis") or 0, len(xd), "axis", src.shape)
    return ArrayType(Shape(xd[:ax] + (size or ()) + xd[ax + 1:]), kind)


def permutation(a: Args) -> ArrayType:
    x = a.raw("x")
    if is_int(x):
        if x < 0:
            raise Unknowable("x")
        return ArrayType(Shape((x,)), "int")
    src = arr(a, "x")
    if not dims(src.shape):
        raise Unknowable("x")             # a 0-d array: NumPy raises
    return src


def permuted(a: Args) -> ArrayType:
    src = arr(a, "x")
    if not dims(src.shape):
        raise Unknowable("x")             # a 0-d array: NumPy raises
    return src


def in_place(a: Args) -> Value:
    """shuffle/seed return None."""
    return Value(None)


_SIZE = ("size",)

SPECS = [
    OpSpec("numpy.random.rand", (), _by_positional_sizes, tensors=(), varargs="sizes"),
    OpSpec("numpy.random.randn", (), _by_positional_sizes, tensors=(), varargs="sizes"),
    *(OpSpec(f"numpy.random.{n}", _SIZE, _draw((), "float"), tensors=())
      for n in ("random", "random_sample", "ranf", "sample", "standard_normal")),
    OpSpec("numpy.random.randint", ("low", "high", "size", "dtype"),
           _draw(("low", "high"), "int", 1, lenient=True), tensors=()),
    OpSpec("numpy.random.uniform", ("low", "high", "size"), _draw(("low", "high"), "float"),
           tensors=()),
    OpSpec("numpy.random.normal", ("loc", "scale", "size"), _draw(("loc", "scale"), "float"),
           tensors=()),
    OpSpec("numpy.random.binomial", ("n", "p", "size"), _draw(("n", "p"), "int", 2), tensors=()),
    OpSpec("numpy.random.poisson", ("lam", "size"), _draw(("lam",), "int"), {"lam": 1.0},
           tensors=()),
    OpSpec("numpy.random.exponential", ("scale", "size"), _draw(("scale",), "float"), tensors=()),
    OpSpec("numpy.random.choice", ("a", "size", "replace", "p"), legacy_choice, tensors=()),
    OpSpec("numpy.random.permutation", ("x",), permutation, tensors=()),
    OpSpec("numpy.random.shuffle", ("x",), in_place, tensors=(), returns="value"),
    OpSpec("numpy.random.seed", ("seed",), in_place, tensors=(), returns="value"),
    OpSpec("numpy.random.default_rng", ("seed",), lambda a: ObjectType("Generator"), tensors=()),
]

# The methods of numpy.random.default_rng(); "self" is the Generator.
METHODS = [
    OpSpec("Generator.random", ("self", "size", "dtype", "out"), _draw((), "float"), tensors=()),
    OpSpec("Generator.standard_normal", ("self", "size", "dtype", "out"), _draw((), "float"), tensors=()),
    OpSpec("Generator.normal", ("self", "loc", "scale", "size"), _draw(("loc", "scale"), "float"),
           tensors=()),
    OpSpec("Generator.uniform", ("self", "low", "high", "size"), _draw(("low", "high"), "float"),
           tensors=()),
    OpSpec("Generator.integers", ("self", "low", "high", "size", "dtype", "endpoint"),
           _draw(("low", "high"), "int", 1, lenient=True), tensors=()),
    OpSpec("Generator.binomial", ("self", "n", "p", "size"), _draw(("n", "p"), "int", 2), tensors=()),
    OpSpec("Generator.poisson", ("self", "lam", "size"), _draw(("lam",), "int"), {"lam": 1.0},
           tensors=()),
    OpSpec("Generator.exponential", ("self", "scale", "size"), _draw(("scale",), "float"), tensors=()),
    OpSpec("Generator.choice", ("self", "a", "size", "replace", "p", "axis", "shuffle"), generator_choice,
           tensors=()),
    OpSpec("Generator.permutation", ("self", "x", "axis"), permutation, tensors=()),
    OpSpec("Generator.permuted", ("self", "x", "axis", "out"), permuted, tensors=()),
    OpSpec("Generator.shuffle", ("self", "x", "axis"), in_place, tensors=(), returns="value"),
]

ALIASES: dict[str, str] = {}
