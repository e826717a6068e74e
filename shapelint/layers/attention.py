"""Attention layers: MultiHeadAttention, GroupQueryAttention, Attention, AdditiveAttention.

MultiHeadAttention and GroupQueryAttention are called as ``layer(query, value, key=None,
return_attention_scores=False, ...)``: the query is the input, the other arguments come
through ``call_params``. Attention and AdditiveAttention take a list ``[query, value]``
or ``[query, value, key]``. Semantics follow ``keras.src.layers.attention`` as Keras runs
them on symbolic tensors (``build`` and ``compute_output_spec``).
"""
from __future__ import annotations

from typing import Any

from shapelint.arguments import is_int
from shapelint.interp.values import is_fully_known
from shapelint.layers.common import bias, checks, dims, last_dim
from shapelint.layers.spec import (
    Arguments,
    Counts,
    LayerSpec,
    Output,
    Unknowable,
    call_flag,
    call_shape,
)
from shapelint.shapes import Shape, dims_differ
from shapelint.violations.arguments import (
    AxisArgumentOutOfRange,
    HeadsNotDivisible,
    KeyValueMismatch,
    NotAChoice,
    NotPositive,
    QueryValueDimMismatch,
    WrongInputCount,
)
from shapelint.violations.base import Rejected
from shapelint.violations.inputs import InputRankMismatch


def _value_and_key(call: dict[str, Any] | None) -> tuple[Shape, Shape, bool]:
    value = call_shape(call, "value")
    if value is None:
        raise Unknowable("value")
    key = call_shape(call, "key")
    return value, key if key is not None else value, key is not None


def _check_value_key(value: Shape, key: Shape) -> None:
    """``value_shape[1:-1] != key_shape[1:-1]`` raises (only definite differences here)."""
    v, k = dims(value), dims(key)
    if len(v) != len(k) or any(dims_differ(a, b) for a, b in zip(v[1:-1], k[1:-1])):
        raise Rejected(KeyValueMismatch(argument="key", value=None, shape=value, other=key))


# --- MultiHeadAttention ---------------------------------------------------------------------------

def _mha_output_shape(cfg: Arguments) -> tuple[int | None, ...] | None:
    out = cfg.known("output_shape")
    if not out:
        return None
    if is_int(out):
        return (out,)
    if isinstance(out, (tuple, list)) and all(d is None or is_int(d) for d in out):
        return tuple(out)
    raise Unknowable("output_shape")


def _attention_axes(cfg: Arguments) -> tuple[int, ...] | None:
    axes = cfg.known("attention_axes")
    if axes is None:
        return None
    if is_int(axes):
        return (axes,)
    if isinstance(axes, (tuple, list)) and all(is_int(a) for a in axes):
        return tuple(axes)
    raise Unknowable("attention_axes")


def _check_mha(cfg: Arguments) -> None:
    for name in ("num_heads", "key_dim"):
        v = cfg.raw(name)
        if is_fully_known(v) and (not is_int(v) or v <= 0) and not isinstance(v, bool):
            raise Rejected(NotPositive(argument=name, value=v))
    v = cfg.raw("value_dim")
    if is_fully_known(v) and v is not None and (not is_int(v) or v <= 0) and not isinstance(v, bool):
        raise Rejected(NotPositive(argument="value_dim", value=v))


def multi_head_attention(cfg: Arguments, query: Shape, call: dict[str, Any] | None) -> Output:
    value, key, _ = _value_and_key(call)
    q, v = dims(query), dims(value)
    dims(key)
    _check_value_key(value, key)
    if len(q) < 2 or len(v) < 2 or len(dims(key)) < 2:
        raise Unknowable("rank")   # weights sized by the batch axis: only a known batch works
    axes = _attention_axes(cfg)
    if axes is not None:
        rank = len(v) + 1
        for a in axes:
            norm = a if a >= 0 else (rank - 1) + a
            if not -rank <= norm < rank:
                raise Rejected(AxisArgumentOutOfRange(argument="attention_axes",
                                                      value=cfg.raw("attention_axes"), shape=value))
    extra = _mha_output_shape(cfg)
    out = Shape(q[:-1] + extra) if extra else query
    if call_flag(call, "return_attention_scores"):
        # Keras' compute_output_spec gives (batch, heads, T, T) with T the query length.
        heads = cfg.int("num_heads")
        return out, Shape((q[0], heads, q[1], q[1]))
    return out


# --- GroupQueryAttention ------------------------------------------------------------------------------

def _check_gqa(cfg: Arguments) -> None:
    q, kv = cfg.raw("num_query_heads"), cfg.raw("num_key_value_heads")
    if is_int(q) and is_int(kv) and (kv == 0 or q % kv):
        raise Rejected(HeadsNotDivisible(argument="num_key_value_heads", value=kv, num_query_heads=q))
    w = cfg.raw("sliding_window")
    if is_fully_known(w) and w is not None and (not is_int(w) or w <= 0):
        raise Rejected(NotPositive(argument="sliding_window", value=w))


def group_query_attention(cfg: Arguments, query: Shape, call: dict[str, Any] | None) -> Output:
    value, key, key_given = _value_and_key(call)
    q = dims(query)
    for _name, s in (("value", value), ("key", key)):
        if len(dims(s)) < 3:
            raise Rejected(InputRankMismatch(expected=(), min_rank=3, got=s, layer="GroupQueryAttention",
                                             family="attention"))
    v, k = dims(value), dims(key)
    if dims_differ(q[-1], v[-1]):
        raise Rejected(QueryValueDimMismatch(argument="value", value=None, shape=query, other=value))
    _check_value_key(value, key)
    if call_flag(call, "return_attention_scores"):
        heads = cfg.int("num_query_heads")
        kv_len = k[1] if key_given else v[1]
        return query, Shape((q[0], heads, q[1], kv_len))
    return query


# --- Attention / AdditiveAttention -------------------------------------------------------------------

def dot_attention(cfg: Arguments, xs: list[Shape], call: dict[str, Any] | None) -> Output:
    if len(xs) not in (2, 3):
        raise Rejected(WrongInputCount(argument="inputs", value=len(xs), count=(2, 3)))
    query, value = xs[0], xs[1]
    key = xs[2] if len(xs) == 3 else value
    q, v = dims(query), dims(value)
    if not q or not v:
        raise Unknowable("rank")
    out = Shape(q[:-1] + (v[-1],))
    if call_flag(call, "return_attention_scores"):
        k = dims(key)
        if len(k) < 2:
            raise Unknowable("rank")
        return out, Shape(q[:-1] + (k[-2],))
    return out


# --- weights -------------------------------------------------------------------------------------

def _projection(cfg: Arguments, features: int, units: int) -> int:
    """A dense projection (an EinsumDense in Keras 3): kernel and bias."""
    return features * units + bias(cfg, units)


def _query_key_value(query: Shape, call: dict[str, Any]) -> tuple[int, int, int]:
    value = call.get("value")
    return last_dim(query), last_dim(call.get("key", value)), last_dim(value)


def multi_head_attention_weights(cfg: Arguments, query: Any, call: dict[str, Any]) -> Counts:
    """query/key/value projections to heads, and the output projection back."""
    heads, key_dim = cfg.int("num_heads"), cfg.int("key_dim")
    value_dim = cfg.opt_int("value_dim") or key_dim
    if cfg.raw("attention_axes") is not None:
        raise Unknowable("attention_axes")
    dq, dk, dv = _query_key_value(query, call)
    out = cfg.known("output_shape")
    dout = dq if out is None else out
    if not is_int(dout):
        raise Unknowable("output_shape")
    return (_projection(cfg, dq, heads * key_dim) + _projection(cfg, dk, heads * key_dim)
            + _projection(cfg, dv, heads * value_dim) + _projection(cfg, heads * value_dim, dout)), 0


def group_query_attention_weights(cfg: Arguments, query: Any, call: dict[str, Any]) -> Counts:
    """query projection to the query heads, key/value projections to the key-value heads,
    and the output projection back to the query's size."""
    head_dim = cfg.int("head_dim")
    query_heads, kv_heads = cfg.int("num_query_heads"), cfg.int("num_key_value_heads")
    dq, dk, dv = _query_key_value(query, call)
    return (_projection(cfg, dq, query_heads * head_dim) + _projection(cfg, dk, kv_heads * head_dim)
            + _projection(cfg, dv, kv_heads * head_dim) + _projection(cfg, query_heads * head_dim, dq)), 0


def attention_weights(cfg: Arguments, xs: Any, call: dict[str, Any]) -> Counts:
    """A scalar scale (``use_scale``) and a scalar concat weight (``score_mode="concat"``)."""
    return int(cfg.bool("use_scale")) + int(cfg.str("score_mode") == "concat"), 0


def additive_attention_weights(cfg: Arguments, xs: Any, call: dict[str, Any]) -> Counts:
    """A scale per query feature (``use_scale``)."""
    if not cfg.bool("use_scale"):
        return 0, 0
    if not isinstance(xs, (list, tuple)) or not xs:
        raise Unknowable("inputs")
    return last_dim(xs[0]), 0


_ATTENTION_CALL = ("mask", "training", "return_attention_scores", "use_causal_mask")
_MHA_CALL = ("value", "key", "query_mask", "value_mask", "key_mask", "attention_mask",
             "return_attention_scores", "training", "use_causal_mask")


def _check_score_mode(cfg: Arguments) -> None:
    v = cfg.raw("score_mode")
    if isinstance(v, str) and v not in ("dot", "concat"):
        raise Rejected(NotAChoice(argument="score_mode", value=v, choices=("dot", "concat")))


SPECS = [
    LayerSpec("MultiHeadAttention", ("num_heads", "key_dim", "value_dim", "dropout", "use_bias",
                                     "output_shape", "attention_axes"),
              {"value_dim": None, "output_shape": None, "attention_axes": None, "use_bias": True},
              multi_head_attention, family="attention", check=checks(_check_mha),
              call_params=_MHA_CALL, input_arg="query", weights=multi_head_attention_weights),
    LayerSpec("GroupQueryAttention", ("head_dim", "num_query_heads", "num_key_value_heads",
                                      "dropout", "use_bias"), {"use_bias": True},
              group_query_attention, min_rank=3, family="attention", check=checks(_check_gqa),
              call_params=_MHA_CALL, input_arg="query", weights=group_query_attention_weights),
    LayerSpec("Attention", ("use_scale", "score_mode", "dropout", "seed"),
              {"use_scale": False, "score_mode": "dot"}, dot_attention, takes="list",
              family="attention", check=checks(_check_score_mode), call_params=_ATTENTION_CALL,
              weights=attention_weights),
    LayerSpec("AdditiveAttention", ("use_scale", "dropout"), {"use_scale": True}, dot_attention,
              takes="list", family="attention", call_params=_ATTENTION_CALL,
              weights=additive_attention_weights),
]
