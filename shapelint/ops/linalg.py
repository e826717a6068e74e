"""Products: matmul (and ``@``), einsum, tensordot, ``K.dot``, dot_product_attention.

A contracted size that differs on the two sides is SHP104. ``keras.ops`` on symbolic
tensors checks less than TensorFlow (``einsum`` and ``tensordot`` with an int ``axes``
never compare contracted sizes), but the same ops run through TensorFlow when the model
executes, so TensorFlow's checks decide what is reported; output shapes follow Keras.
"""
from __future__ import annotations

from math import prod
from typing import Any

from shapelint.ops.common import dims
from shapelint.ops.spec import Arguments, OpSpec, Unknowable
from shapelint.shapes import (
    BroadcastError,
    Dim,
    Shape,
    broadcast,
    dims_differ,
    dims_equal,
    is_known,
    known_sizes,
)
from shapelint.violations.base import Rejected
from shapelint.violations.merging import (
    ContractionMismatch,
    EinsumLabelMismatch,
    MatmulBatchMismatch,
    MatmulRankTooLow,
)


def _inner(a: Shape, b: Shape, da: Dim, db: Dim, ia: int, ib: int) -> None:
    if dims_differ(da, db):
        raise Rejected(ContractionMismatch(shapes=(a, b), axes=(ia, ib), a=da, b=db))


def _batch(a: Shape, b: Shape, ba: tuple[Dim, ...], bb: tuple[Dim, ...]) -> tuple[Dim, ...]:
    try:
        return dims(broadcast(Shape(ba), Shape(bb)))
    except BroadcastError as m:
        raise Rejected(MatmulBatchMismatch(shapes=(a, b), a=m.a, b=m.b)) from None


def keras_matmul_shape(a: Shape, b: Shape) -> Shape:
    """``keras.ops.matmul``: NumPy rules, 1-D operands promoted and the axis removed again."""
    ad, bd = dims(a), dims(b)
    if not ad or not bd:
        raise Unknowable("rank")
    a1, b1 = len(ad) == 1, len(bd) == 1
    pa = (1,) + ad if a1 else ad
    pb = bd + (1,) if b1 else bd
    _inner(a, b, pa[-1], pb[-2], len(ad) - 1, max(len(bd) - 2, 0))
    out = list(_batch(a, b, pa[:-2], pb[:-2])) + [pa[-2], pb[-1]]
    if a1:
        del out[-2]
    if b1:
        del out[-1]
    return Shape(tuple(out))


def tf_matmul_shape(a: Shape, b: Shape, ta: bool = False, tb: bool = False) -> Shape:
    """``tf.matmul``: both operands at least 2-D; batch axes broadcast."""
    ad, bd = dims(a), dims(b)
    if len(ad) < 2 or len(bd) < 2:
        raise Rejected(MatmulRankTooLow(shapes=(a, b)))
    rows, ka = (ad[-1], ad[-2]) if ta else (ad[-2], ad[-1])
    kb, cols = (bd[-1], bd[-2]) if tb else (bd[-2], bd[-1])
    _inner(a, b, ka, kb, len(ad) - (2 if ta else 1), len(bd) - (1 if tb else 2))
    if len(ad) == 2 and len(bd) == 2:
        return Shape((rows, cols))
    return Shape(tuple(_batch(a, b, ad[:-2], bd[:-2])) + (rows, cols))


def matmul_operator(a: Shape, b: Shape) -> Shape:
    """``a @ b`` on a tensor that may be a KerasTensor or a tf.Tensor: claims only what
    both agree on (1-D operands are fine for Keras, an error for TensorFlow)."""
    if a.dims is not None and b.dims is not None and (len(a.dims) < 2 or len(b.dims) < 2):
        raise Unknowable("rank")
    return tf_matmul_shape(a, b)


def keras_matmul(a: Arguments) -> Shape:
    return keras_matmul_shape(a.tensor("x1"), a.tensor("x2"))


def tf_matmul(a: Arguments) -> Shape:
    ta = a.bool("transpose_a") or a.bool("adjoint_a")
    tb = a.bool("transpose_b") or a.bool("adjoint_b")
    return tf_matmul_shape(a.tensor("a"), a.tensor("b"), ta, tb)


def k_dot(a: Arguments) -> Shape:
    x, y = a.tensor("x"), a.tensor("y")
    xd, yd = dims(x), dims(y)
    if len(xd) > 2 or len(yd) > 2:
        if len(yd) < 2 or not xd:
            raise Unknowable("rank")
        _inner(x, y, xd[-1], yd[-2], len(xd) - 1, len(yd) - 2)
        return Shape(xd[:-1] + yd[:-2] + yd[-1:])
    return tf_matmul_shape(x, y)


# --- einsum ------------------------------------------------------------------------------------

def _parse(equation: str, n: int) -> tuple[list[str], str | None]:
    eq = equation.replace(" ", "")
    if eq.count("->") > 1:
        raise Unknowable("equation")
    lhs, _, rhs = eq.partition("->")
    specs = lhs.split(",")
    if len(specs) != n:
        raise Unknowable("equation")
    for s in specs + [rhs]:
        body = s.replace("...", "")
        if not body.isalpha() and body:
            raise Unknowable("equation")
        if s.count("...") > 1:
            raise Unknowable("equation")
    return specs, (rhs if "->" in eq else None)


def _einsum(equation: str, shapes: list[Shape], keras: bool) -> Shape:
    specs, out_spec = _parse(equation, len(shapes))
    labels: dict[str, list[Dim]] = {}
    where: dict[str, list[int]] = {}
    first: dict[str, list[Dim]] = {}     # the size at a label's first place in each operand
    ellipses: list[tuple[Dim, ...]] = []
    for k, (spec, s) in enumerate(zip(specs, shapes)):
        sd = dims(s)
        if "..." in spec:
            head, tail = spec.split("...")
            if len(head) + len(tail) > len(sd):
                raise Unknowable("equation")
            mid = sd[len(head):len(sd) - len(tail)]
            ellipses.append(mid)
            pairs = list(zip(head, sd[:len(head)])) + list(zip(tail, sd[len(sd) - len(tail):]))
        else:
            if len(spec) != len(sd):
                raise Unknowable("equation")
            pairs = list(zip(spec, sd))
        for label, d in pairs:
            labels.setdefault(label, []).append(d)
            where.setdefault(label, []).append(k)
        for label, d in dict(reversed(pairs)).items():
            first.setdefault(label, []).append(d)
    # Every occurrence of a label must have the same size (TensorFlow does not broadcast them).
    for label, ds in labels.items():
        known = [d for d in ds if is_known(d)]
        if len(set(known)) > 1:
            i, j = where[label][ds.index(known[0])], where[label][next(
                n for n, d in enumerate(ds) if is_known(d) and d != known[0])]
            raise Rejected(EinsumLabelMismatch(equation=equation, label=label, shapes=tuple(shapes),
                                               a=known[0], b=next(d for d in known if d != known[0]),
                                               operands=(i, j)))
    if out_spec is None:
        counts: dict[str, int] = {}
        for spec in specs:
            for ch in spec.replace("...", ""):
                counts[ch] = counts.get(ch, 0) + 1
        out_spec = "..." + "".join(sorted(c for c, n in counts.items() if n == 1))
        if any(len(e) for e in ellipses):
            raise Unknowable("equation")  # TensorFlow leaves the "..." out of an implicit output
    if any(ch not in labels for ch in out_spec.replace("...", "")):
        raise Unknowable("equation")
    if len(set(out_spec.replace("...", ""))) != len(out_spec.replace("...", "")):
        raise Unknowable("equation")
    ell: tuple[Dim, ...] = ()
    if ellipses:
        if "..." not in out_spec and any(len(e) for e in ellipses):
            raise Unknowable("equation")
        try:
            acc = Shape(ellipses[0])
            for e in ellipses[1:]:
                acc = broadcast(acc, Shape(e))
        except BroadcastError as m:
            raise Rejected(MatmulBatchMismatch(shapes=tuple(shapes), a=m.a, b=m.b)) from None
        ell = dims(acc)
    out: list[Dim] = []
    head, _, tail = out_spec.partition("...")
    for ch in head:
        out.append(_label_dim(first[ch] if keras else labels[ch]))
    if "..." in out_spec:
        out.extend(ell)
    for ch in tail:
        out.append(_label_dim(first[ch] if keras else labels[ch]))
    return Shape(tuple(out))


def _label_dim(ds: list[Dim]) -> Dim:
    """A label's size: the known one (all known ones agree by now). Keras on symbolic tensors
    reads only a label's first place in each operand (``ds`` holds just those then)."""
    known = [d for d in ds if is_known(d)]
    if known:
        return known[0]
    syms = [d for d in ds if d is not None]
    return syms[0] if syms and all(d == syms[0] for d in ds) else None


def keras_einsum(a: Arguments) -> Shape:
    operands = a.raw("operands")
    if not isinstance(operands, tuple) or not operands:
        raise Unknowable("operands")
    return _einsum(a.str("subscripts"), [Arguments.shape_of(o) for o in operands], keras=True)


def tf_einsum(a: Arguments) -> Shape:
    operands = a.raw("inputs")
    if not isinstance(operands, tuple) or not operands:
        raise Unknowable("inputs")
    return _einsum(a.str("equation"), [Arguments.shape_of(o) for o in operands], keras=False)


# --- tensordot ---------------------------------------------------------------------------------

def _tensordot_axes(raw: Any, ra: int, rb: int, keras: bool) -> tuple[list[int], list[int]]:
    if isinstance(raw, int) and not isinstance(raw, bool):
        if raw < 0 or raw > ra or raw > rb:
            raise Unknowable("axes")
        return list(range(ra - raw, ra)), list(range(raw))
    items = list(raw) if isinstance(raw, (tuple, list)) else getattr(raw, "items", None)
    if items is None or len(items) != 2:
        raise Unknowable("axes")
    out: list[list[int]] = []
    for part, rank in zip(items, (ra, rb)):
        seq = list(part) if isinstance(part, (tuple, list)) else getattr(part, "items", None)
        if seq is None:
            if keras or not isinstance(part, int) or isinstance(part, bool):
                raise Unknowable("axes")
            seq = [part]
        if not all(isinstance(v, int) and not isinstance(v, bool) and -rank <= v < rank for v in seq):
            raise Unknowable("axes")
        norm = [v % rank for v in seq]
        if len(set(norm)) != len(norm):
            raise Unknowable("axes")
        out.append(norm)
    if len(out[0]) != len(out[1]):
        raise Unknowable("axes")
    return out[0], out[1]


def _tensordot(x: Shape, y: Shape, raw: Any, keras: bool) -> Shape:
    xd, yd = dims(x), dims(y)
    ax, ay = _tensordot_axes(raw, len(xd), len(yd), keras)
    cx, cy = [xd[i] for i in ax], [yd[i] for i in ay]
    pairwise = isinstance(raw, (tuple, list)) or getattr(raw, "items", None) is not None
    if keras and pairwise:
        for i, j, p, q in zip(ax, ay, cx, cy):
            if dims_differ(p, q):
                raise Rejected(ContractionMismatch(shapes=(x, y), axes=(i, j), a=p, b=q))
    # TensorFlow reshapes both sides to matrices when their shapes are fully known; the
    # products of the contracted sizes must then agree.
    sx, sy = known_sizes(xd), known_sizes(yd)
    if sx is not None and sy is not None and prod(sx[i] for i in ax) != prod(sy[i] for i in ay):
        bad = next(((i, j, p, q) for i, j, p, q in zip(ax, ay, cx, cy) if p != q),
                   (ax[0], ay[0], cx[0], cy[0]))
        raise Rejected(ContractionMismatch(shapes=(x, y), axes=bad[:2], a=bad[2], b=bad[3]))
    fx = tuple(d for i, d in enumerate(xd) if i not in ax)
    fy = tuple(d for i, d in enumerate(yd) if i not in ay)
    return Shape(fx + fy)


def keras_tensordot(a: Arguments) -> Shape:
    return _tensordot(a.tensor("x1"), a.tensor("x2"), a.raw("axes"), keras=True)


def tf_tensordot(a: Arguments) -> Shape:
    return _tensordot(a.tensor("a"), a.tensor("b"), a.raw("axes"), keras=False)


# --- attention ---------------------------------------------------------------------------------

def _agree(*sizes: Dim) -> bool:
    return not any(dims_differ(a, b) for i, a in enumerate(sizes) for b in sizes[i + 1:])


def _known(*sizes: Dim) -> Dim:
    """Of sizes that agree, the first one known."""
    return next((d for d in sizes if is_known(d)), sizes[0])


def _fits_onto(extra: Any, target: tuple[Dim, ...]) -> bool:
    """A mask or bias broadcasts onto the attention logits without changing their shape."""
    if extra is None:
        return True
    shape = Arguments.shape_of(extra)
    if shape.dims is None or len(shape.dims) > len(target):
        return False
    pairs = zip(reversed(shape.dims), reversed(target))
    return not any(is_known(e) and e != 1 and is_known(t) and e != t for e, t in pairs)


def keras_dot_product_attention(a: Arguments) -> Shape:
    """(batch, query length, heads, head size), as the TensorFlow backend computes it: two
    einsums, the key and value heads repeated when there are fewer (grouped-query attention).
    Keras' symbolic shape is the query's, so the head size is claimed only when the value's
    agrees with it; query and key head sizes that differ are SHP104."""
    q, k, v = a.tensor("query"), a.tensor("key"), a.tensor("value")
    qd, kd, vd = dims(q), dims(k), dims(v)
    if not len(qd) == len(kd) == len(vd) == 4:
        raise Unknowable("rank")
    if a.raw("flash_attention") or a.raw("attn_logits_soft_cap") is not None:
        raise Unknowable("flash_attention")    # TensorFlow has neither
    (b, t, n, h), (bk, s, nk, hk), (bv, sv, nv, hv) = qd, kd, vd
    if is_known(n) and is_known(nk) and n > nk > 1:
        groups = n // nk
        nk, nv = nk * groups, (nv * groups if is_known(nv) else None)
    if not (_agree(b, bk, bv) and _agree(n, nk, nv) and _agree(s, sv)):
        raise Unknowable("shapes")
    _inner(q, k, h, hk, 3, 3)
    # The logits' sizes as TensorFlow knows them: a mask or bias must not change them, or
    # the product with the value would see other sizes.
    logits = (_known(b, bk, bv), _known(n, nk, nv), t, _known(s, sv))
    if not (_fits_onto(a.raw("mask"), logits) and _fits_onto(a.raw("bias"), logits)):
        raise Unknowable("mask")
    return Shape((b, t, n, h if dims_equal(h, hv) else None))


_TF_MATMUL = ("a", "b", "transpose_a", "transpose_b", "adjoint_a", "adjoint_b",
              "a_is_sparse", "b_is_sparse", "output_type", "grad_a", "grad_b", "name")

SPECS = [
    OpSpec("keras.ops.matmul", ("x1", "x2"), keras_matmul, tensors=("x1", "x2")),
    OpSpec("tensorflow.matmul", _TF_MATMUL, tf_matmul, tensors=("a", "b")),
    OpSpec("keras.backend.dot", ("x", "y"), k_dot, tensors=("x", "y")),
    OpSpec("keras.ops.einsum", ("subscripts",), keras_einsum, tensors=("operands",),
           varargs="operands"),
    OpSpec("tensorflow.einsum", ("equation",), tf_einsum, tensors=("inputs",), varargs="inputs"),
    OpSpec("keras.ops.tensordot", ("x1", "x2", "axes"), keras_tensordot, {"axes": 2},
           tensors=("x1", "x2")),
    OpSpec("tensorflow.tensordot", ("a", "b", "axes", "name"), tf_tensordot, tensors=("a", "b")),
    OpSpec("keras.ops.dot_product_attention",
           ("query", "key", "value", "bias", "mask", "scale", "is_causal", "flash_attention",
            "attn_logits_soft_cap"), keras_dot_product_attention, tensors=("query", "key", "value")),
]

ALIASES = {"tensorflow.linalg.matmul": "tensorflow.matmul",
           "tensorflow.linalg.einsum": "tensorflow.einsum",
           "tensorflow.linalg.tensordot": "tensorflow.tensordot"}
