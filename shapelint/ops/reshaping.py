"""Shape changes: reshape, expand_dims, squeeze, transpose, tile, repeat, broadcast_to, flatten.

Reshape sizes count the whole tensor, batch axis included. Errors are those TensorFlow's
``Reshape`` shape function raises while tracing (it also runs under ``keras.ops.reshape``
when the model executes): with every input size known the totals must agree, and with
exactly one unknown input size the target's known total must be a multiple of the
input's known total.
"""
from __future__ import annotations

from math import prod

from shapelint.interp.values import Unknown
from shapelint.ops.common import axes_in, axis_in, dims
from shapelint.ops.spec import Arguments, OpSpec, Unknowable, shape_value
from shapelint.shapes import Dim, Shape, broadcast_dim, is_known, known_sizes
from shapelint.violations.base import Rejected
from shapelint.violations.inputs import NotAPermutation, SqueezeNonUnitAxis, TileMultiplesMismatch
from shapelint.violations.merging import BroadcastToMismatch
from shapelint.violations.spatial import ReshapeOpSizeMismatch

# --- reshape ---------------------------------------------------------------------------------

def _reshape(x: Shape, target: tuple[Dim, ...], keras: bool) -> Shape:
    """``target`` entries: ints (-1 = infer), None (not known statically) or Sym."""
    if any(is_known(t) and t < -1 for t in target) or target.count(-1) > 1:
        raise Unknowable("shape")
    if any(is_known(t) and t == 0 for t in target) or (x.dims is not None and 0 in x.dims):
        raise Unknowable("zero-size")
    out: list[Dim] = [None if t == -1 else t for t in target]
    if x.dims is None:
        return Shape(tuple(out))
    unknown_out = [i for i, t in enumerate(target) if not is_known(t) or t == -1]
    unknown_in = [i for i, d in enumerate(x.dims) if not is_known(d)]
    known_out = prod(t for t in target if is_known(t) and t != -1)
    known_in = prod(d for d in x.dims if is_known(d))
    if not unknown_in and not unknown_out:
        if known_in != known_out:
            raise Rejected(ReshapeOpSizeMismatch(input=x, target=target, in_size=known_in,
                                                 out_size=known_out))
    elif not unknown_in and len(unknown_out) == 1:
        if known_in % known_out:
            raise Rejected(ReshapeOpSizeMismatch(input=x, target=target, in_size=known_in,
                                                 out_size=known_out, wildcard=True))
        i = unknown_out[0]
        if target[i] == -1 or not keras:
            out[i] = known_in // known_out
    elif len(unknown_in) == 1 and not unknown_out:
        if known_out % known_in:
            raise Rejected(ReshapeOpSizeMismatch(input=x, target=target, in_size=None, known_in=known_in,
                                                 out_size=known_out))
    elif len(unknown_in) == 1 and len(unknown_out) == 1 and not keras and known_in == known_out:
        out[unknown_out[0]] = x.dims[unknown_in[0]]
    return Shape(tuple(out))


def keras_reshape(a: Arguments) -> Shape:
    # A literal None in the target passes on symbolic tensors, but TensorFlow cannot run it.
    return _reshape(a.tensor("x"), a.dims("newshape", allow_none=False), keras=True)


def tf_reshape(a: Arguments) -> Shape:
    return _reshape(a.tensor("tensor"), a.dims("shape", allow_none=False), keras=False)


def k_reshape(a: Arguments) -> Shape:
    return _reshape(a.tensor("x"), a.dims("shape", allow_none=False), keras=False)


def keras_ravel(a: Arguments) -> Shape:
    sizes = known_sizes(dims(a.tensor("x")))
    return Shape((prod(sizes) if sizes is not None else None,))


def k_flatten(a: Arguments) -> Shape:
    return _reshape(a.tensor("x"), (-1,), keras=False)


def k_batch_flatten(a: Arguments) -> Shape:
    """tf_keras reshapes to a dynamically computed shape: only the rank is known."""
    if not dims(a.tensor("x")):
        raise Unknowable("rank")
    return Shape((None, None))


# --- expand_dims / squeeze -------------------------------------------------------------------

def keras_expand_dims(a: Arguments) -> Shape:
    x = a.tensor("x")
    xd = dims(x)
    axes = a.axes("axis")
    if axes is None:
        raise Unknowable("axis")
    n = len(xd) + len(axes)
    norm = axes_in(axes, n, x)
    if len(set(norm)) != len(norm):
        raise Unknowable("axis")
    it = iter(xd)
    return Shape(tuple(1 if i in norm else next(it) for i in range(n)))


def _expand_one(x: Shape, axis: int) -> Shape:
    xd = dims(x)
    ax = axis_in(axis, len(xd) + 1, "axis", x)
    return Shape(xd[:ax] + (1,) + xd[ax:])


def tf_expand_dims(a: Arguments) -> Shape:
    return _expand_one(a.tensor("input"), a.int("axis"))


def k_expand_dims(a: Arguments) -> Shape:
    return _expand_one(a.tensor("x"), a.int("axis"))


def _squeeze(x: Shape, axes: tuple[int, ...] | None, tf: bool) -> Shape:
    xd = dims(x)
    if axes is None:
        if not all(is_known(d) for d in xd):
            raise Unknowable("squeeze")   # which axes are 1 is not known
        return Shape(tuple(d for d in xd if d != 1))
    norm = axes_in(axes, len(xd), x)
    for a, n in zip(axes, norm):
        d = xd[n]
        if is_known(d) and d != 1:
            raise Rejected(SqueezeNonUnitAxis(axis=a, size=d, shape=x))
        if not is_known(d) and not tf:
            raise Unknowable("squeeze")   # Keras rejects an unknown size; it may well be 1
    if len(set(norm)) != len(norm) and not tf:
        raise Unknowable("axis")
    return Shape(tuple(d for i, d in enumerate(xd) if i not in norm))


def keras_squeeze(a: Arguments) -> Shape:
    return _squeeze(a.tensor("x"), a.axes("axis"), tf=False)


def tf_squeeze(a: Arguments) -> Shape:
    return _squeeze(a.tensor("input"), a.axes("axis"), tf=True)


def k_squeeze(a: Arguments) -> Shape:
    return _squeeze(a.tensor("x"), (a.int("axis"),), tf=True)


# --- transpose -------------------------------------------------------------------------------

def _transpose(x: Shape, perm: tuple[int, ...] | None, tf: bool) -> Shape:
    if perm is None:
        return Shape(tuple(reversed(dims(x))))
    xd = dims(x)
    if len(perm) != len(xd):
        raise Rejected(NotAPermutation(perm=tuple(perm), rank=len(xd), shape=x))
    norm = axes_in(perm, len(xd), x, what="perm")
    if len(set(norm)) != len(norm):
        if tf:
            raise Unknowable("perm")      # TensorFlow only notices when it runs
        raise Rejected(NotAPermutation(perm=tuple(perm), rank=len(xd), shape=x))
    return Shape(tuple(xd[i] for i in norm))


def keras_transpose(a: Arguments) -> Shape:
    return _transpose(a.tensor("x"), a.axes("axes"), tf=False)


def tf_transpose(a: Arguments) -> Shape:
    return _transpose(a.tensor("a"), a.axes("perm"), tf=True)


def k_permute_dimensions(a: Arguments) -> Shape:
    return _transpose(a.tensor("x"), a.axes("pattern"), tf=True)


def k_transpose(a: Arguments) -> Shape:
    return _transpose(a.tensor("x"), None, tf=True)


# --- tile / repeat ----------------------------------------------------------------------------

def _times(d: Dim, r: Dim) -> Dim:
    """An axis of size ``d`` repeated ``r`` times; a count of 1 keeps even a named size."""
    if r == 1:
        return d
    return d * r if is_known(d) and is_known(r) else None


def _counts(a: Arguments, name: str) -> tuple[Dim, ...]:
    """Repeat counts: ints, and None where a count is dynamic (``ops.shape(x)[0]`` inside a
    layer's call()); a negative count leaves the result unknown."""
    counts = a.dims(name, allow_none=False)
    if any(is_known(r) and r < 0 for r in counts):
        raise Unknowable(name)
    return counts


def keras_tile(a: Arguments) -> Shape:
    """As many axes as the longer of the input and ``repeats``, the shorter padded with 1s in
    front; Keras iterates over ``repeats``, so a whole tensor of counts cannot be given."""
    if shape_value(a.raw("repeats")) is not None:
        raise Unknowable("repeats")
    xd: list[Dim] = list(dims(a.tensor("x")))
    reps = list(_counts(a, "repeats"))
    ones: list[Dim] = [1] * abs(len(xd) - len(reps))
    if len(xd) > len(reps):
        reps = ones + reps
    else:
        xd = ones + xd
    return Shape(tuple(_times(d, r) for d, r in zip(xd, reps)))


def _tf_tile(x: Shape, reps: tuple[Dim, ...]) -> Shape:
    xd = dims(x)
    if len(reps) != len(xd):
        raise Rejected(TileMultiplesMismatch(n=len(reps), rank=len(xd), shape=x))
    return Shape(tuple(_times(d, r) for d, r in zip(xd, reps)))


def tf_tile(a: Arguments) -> Shape:
    return _tf_tile(a.tensor("input"), _counts(a, "multiples"))


def k_tile(a: Arguments) -> Shape:
    return _tf_tile(a.tensor("x"), _counts(a, "n"))


def _repeat_counts(a: Arguments) -> tuple[Dim, ...]:
    """``repeats`` of repeat: one count for every entry (an int or a scalar tensor), or one
    count per entry (a list or a 1-D tensor). An unknown value gives the same shape either
    way: the repeated axis' size is unknown."""
    v = a.raw("repeats")
    shape = shape_value(v)
    if (shape is not None and shape.dims == ()) or isinstance(v, Unknown):
        return (None,)
    counts = _counts(a, "repeats")
    if not counts:
        raise Unknowable("repeats")
    return counts


def _repeat(x: Shape, reps: tuple[Dim, ...], axis: int | None, tf: bool) -> Shape:
    """One count repeats every entry that often; a list of counts (one per entry along the
    axis) gives a size only known when the model runs (Keras' symbolic sum is not what
    TensorFlow infers while tracing)."""
    xd = dims(x)
    if not xd and axis is not None:
        if not tf:
            # Keras' symbolic shapes have no axis to repeat, but inside a layer's call()
            # TensorFlow runs it: which one applies is not known here.
            raise Unknowable("axis")
        xd = (1,)                        # TensorFlow repeats a scalar as a vector
    scalar = len(reps) == 1
    if axis is None:
        sizes = known_sizes(xd)
        size = prod(sizes) if sizes is not None else None
        if not scalar and size is not None and size != len(reps):
            raise Unknowable("repeats")
        return Shape((_times(size, reps[0]) if scalar else None,))
    ax = axis_in(axis, len(xd), "axis", x)
    d = xd[ax]
    if not scalar and is_known(d) and d != len(reps):
        raise Unknowable("repeats")
    out = list(xd)
    out[ax] = _times(d, reps[0]) if scalar else None
    return Shape(tuple(out))


def keras_repeat(a: Arguments) -> Shape:
    return _repeat(a.tensor("x"), _repeat_counts(a), a.opt_int("axis"), tf=False)


def tf_repeat(a: Arguments) -> Shape:
    return _repeat(a.tensor("input"), _repeat_counts(a), a.opt_int("axis"), tf=True)


def k_repeat_elements(a: Arguments) -> Shape:
    """tf_keras splits and concatenates when the size is known, else keeps the input's shape."""
    x = a.tensor("x")
    xd = dims(x)
    rep = a.int("rep")
    if rep < 0:
        raise Unknowable("rep")
    ax = axis_in(a.int("axis"), len(xd), "axis", x)
    out = list(xd)
    d = xd[ax]
    out[ax] = d * rep if is_known(d) else None
    return Shape(tuple(out))


def k_repeat(a: Arguments) -> Shape:
    xd = dims(a.tensor("x"))
    if len(xd) != 2:
        raise Unknowable("rank")
    return Shape((xd[0], a.int("n"), xd[1]))


# --- broadcast_to ------------------------------------------------------------------------------

def _broadcast_to(x: Shape, target: tuple[Dim, ...], keras: bool) -> Shape:
    xd = dims(x)
    if any(is_known(t) and t < 0 for t in target):
        raise Unknowable("shape")
    if len(xd) > len(target):
        raise Unknowable("rank")
    offset = len(target) - len(xd)
    out = list(target)
    for i, d in enumerate(xd):
        t = target[offset + i]
        if is_known(d) and is_known(t) and d != t and d != 1:
            raise Rejected(BroadcastToMismatch(shapes=(x, Shape(tuple(target))), axis=offset + i,
                                               a=d, b=t))
        if not keras and not is_known(t):
            try:
                out[offset + i] = broadcast_dim(d, t) if is_known(d) and d != 1 else None
            except ValueError:
                out[offset + i] = None
    return Shape(tuple(out))


def keras_broadcast_to(a: Arguments) -> Shape:
    return _broadcast_to(a.tensor("x"), a.dims("shape", allow_none=False), keras=True)


def tf_broadcast_to(a: Arguments) -> Shape:
    return _broadcast_to(a.tensor("input"), a.dims("shape", allow_none=False), keras=False)


SPECS = [
    OpSpec("keras.ops.reshape", ("x", "newshape"), keras_reshape),
    OpSpec("tensorflow.reshape", ("tensor", "shape", "name"), tf_reshape, tensors=("tensor",)),
    OpSpec("keras.backend.reshape", ("x", "shape"), k_reshape),
    OpSpec("keras.ops.ravel", ("x",), keras_ravel),
    OpSpec("keras.backend.flatten", ("x",), k_flatten),
    OpSpec("keras.backend.batch_flatten", ("x",), k_batch_flatten),
    OpSpec("keras.ops.expand_dims", ("x", "axis"), keras_expand_dims),
    OpSpec("tensorflow.expand_dims", ("input", "axis", "name"), tf_expand_dims, tensors=("input",)),
    OpSpec("keras.backend.expand_dims", ("x", "axis"), k_expand_dims, {"axis": -1}),
    OpSpec("keras.ops.squeeze", ("x", "axis"), keras_squeeze),
    OpSpec("tensorflow.squeeze", ("input", "axis", "name"), tf_squeeze, tensors=("input",)),
    OpSpec("keras.backend.squeeze", ("x", "axis"), k_squeeze),
    OpSpec("keras.ops.transpose", ("x", "axes"), keras_transpose),
    OpSpec("tensorflow.transpose", ("a", "perm", "conjugate", "name"), tf_transpose, tensors=("a",)),
    OpSpec("keras.backend.permute_dimensions", ("x", "pattern"), k_permute_dimensions),
    OpSpec("keras.backend.transpose", ("x",), k_transpose),
    OpSpec("keras.ops.tile", ("x", "repeats"), keras_tile),
    OpSpec("tensorflow.tile", ("input", "multiples", "name"), tf_tile, tensors=("input",)),
    OpSpec("keras.backend.tile", ("x", "n"), k_tile),
    OpSpec("keras.ops.repeat", ("x", "repeats", "axis"), keras_repeat),
    OpSpec("tensorflow.repeat", ("input", "repeats", "axis", "name"), tf_repeat, tensors=("input",)),
    OpSpec("keras.backend.repeat_elements", ("x", "rep", "axis"), k_repeat_elements),
    OpSpec("keras.backend.repeat", ("x", "n"), k_repeat),
    OpSpec("keras.ops.broadcast_to", ("x", "shape"), keras_broadcast_to),
    OpSpec("tensorflow.broadcast_to", ("input", "shape", "name"), tf_broadcast_to, tensors=("input",)),
]
