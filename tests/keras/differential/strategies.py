"""Hypothesis strategies: one per modeled layer, each drawing a :class:`Case`.

Each strategy draws the constructor arguments once (valid most of the time, invalid now
and then so the rejections are exercised too) and input shapes with ``None`` sizes,
ranks 1 to 5 (6 for ConvLSTM3D), odd sizes with strides, ``padding="same"`` with
strides and ``channels_first``. Arguments a strategy never draws are listed in the
module docstring of tests/keras/test_differential.py.
"""
from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from differential.harness import Case, L

SIZE = st.integers(1, 12)
BATCH = st.one_of(st.none(), st.none(), st.none(), st.integers(1, 3))
FORMATS = st.sampled_from([None, "channels_last", "channels_first"])


def dim(lo: int = 1, hi: int = 12, none: bool = True) -> st.SearchStrategy:
    sizes = st.integers(lo, hi)
    return st.one_of(st.none(), sizes, sizes, sizes, sizes) if none else sizes


@st.composite
def shape(draw, rank: Any, lo: int = 1, hi: int = 12, none: bool = True) -> tuple:
    if isinstance(rank, st.SearchStrategy):
        r = draw(rank)
    else:
        r = draw(st.integers(*rank)) if isinstance(rank, tuple) else rank
    return (draw(BATCH),) + tuple(draw(dim(lo, hi, none)) for _ in range(r - 1))


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """An optional keyword: either left out (the default) or drawn."""
    return st.one_of(st.just(_OMIT), strategy)


_OMIT = object()


@st.composite
def kwargs(draw, **fields: st.SearchStrategy) -> dict:
    out = {}
    for k, s in fields.items():
        v = draw(s)
        if v is not _OMIT:
            out[k] = v
    return out


@st.composite
def case(draw, name: str, kw: st.SearchStrategy, inputs: st.SearchStrategy, **extra: Any) -> Case:
    layer = L(name, **draw(kw))
    shapes = draw(inputs)
    if isinstance(shapes, tuple) and (not shapes or not isinstance(shapes[0], tuple)):
        shapes = (shapes,)
    call_tensors = draw(extra.get("call_tensors", st.just(())))
    call_values = draw(extra.get("call_values", st.just(())))
    return Case(layer, tuple(shapes), takes_list=extra.get("takes_list", False),
                call_tensors=call_tensors, call_values=call_values, fill=draw(st.integers(1, 9)))


def often(valid: st.SearchStrategy, invalid: st.SearchStrategy, k: int = 6) -> st.SearchStrategy:
    """``valid`` k times out of k + 1, ``invalid`` otherwise (one_of would merge repeats)."""
    return st.integers(0, k).flatmap(lambda i: invalid if i == k else valid)


RATE = often(st.floats(0, 1), st.floats(-0.5, 1.5), k=4)

# --- core -------------------------------------------------------------------------------------

STRATEGIES: dict[str, st.SearchStrategy] = {}


def register(name: str, strategy: st.SearchStrategy) -> None:
    STRATEGIES[name] = strategy


def same_shape(name: str, kw: st.SearchStrategy = st.just({}), rank=(1, 5)) -> None:
    register(name, case(name, kw, shape(rank)))


register("Dense", case("Dense", kwargs(units=often(st.integers(1, 16), st.integers(-1, 0))),
                       shape(often(st.integers(2, 5), st.just(1)))))

EQUATIONS = ["ab,bc->ac", "abc,cd->abd", "abc,cde->abde", "abc,cd->abd", "...b,bc->...c",
             "...bc,cd->...bd", "ab...,bc->ac...", "abc,dc->abd", "ab,bc->ax", "abc,cd->abe",
             "abcd,de->abce", "abc,cde->abe", "nonsense"]


EINSUM_VALID = [("ab,bc->ac", 2), ("abc,cd->abd", 3), ("abc,cde->abde", 3), ("...b,bc->...c", 3),
                ("...bc,cd->...bd", 4), ("ab...,bc->ac...", 3), ("abc,dc->abd", 3), ("abcd,de->abce", 4)]


@st.composite
def einsum_case(draw) -> Case:
    if draw(st.integers(0, 3)) < 3:
        eq, rank = draw(st.sampled_from(EINSUM_VALID))
        out_spec = eq.split("->")[1].replace("...", "")
        n_out = len(out_spec) - 1 if not eq.startswith("...") else len(out_spec)
        if "..." in eq and not eq.startswith("..."):
            n_out = len(out_spec) - 1
        sizes = []
        for c in out_spec[1:] if not eq.startswith("...") else out_spec:
            sizes.append(None if c in eq.split(",")[0] and draw(st.booleans()) else draw(st.integers(1, 6)))
        output_shape = tuple(sizes[:n_out]) if n_out else ()
        bias = draw(st.one_of(st.none(), st.sampled_from([c for c in out_spec if c not in eq.split(",")[0]]
                                                         or [None])))
        x = draw(shape(often(st.just(rank), st.integers(1, 5), k=4), hi=6))
    else:
        eq = draw(st.sampled_from(EQUATIONS))
        out_len = draw(st.integers(1, 3))
        output_shape = tuple(draw(st.one_of(st.none(), st.integers(1, 8))) for _ in range(out_len))
        bias = draw(st.sampled_from([None, "c", "d", "e", "de", "z"]))
        x = draw(shape((2, 5), hi=8))
    kw = {"equation": eq, "output_shape": output_shape}
    if bias is not None:
        kw["bias_axes"] = bias
    return Case(L("EinsumDense", **kw), (x,), fill=draw(st.integers(1, 8)))


register("EinsumDense", einsum_case())
EMB = dict(input_dim=st.integers(-1, 20), output_dim=st.integers(-1, 8))
register("Embedding", case("Embedding", kwargs(**EMB), shape((1, 4))))
register("ReversibleEmbedding", case("ReversibleEmbedding", kwargs(**EMB), shape((1, 4)),
                                     call_values=st.one_of(st.just(()), st.tuples(st.tuples(
                                         st.just("reverse"), st.booleans())))))
for _name in ("Identity", "Activation", "ELU", "Softmax", "ActivityRegularization", "Masking"):
    same_shape(_name, {"Activation": st.just({"activation": "relu"}),
                       "Softmax": kwargs(axis=maybe(st.integers(-3, 2))),
                       "ELU": kwargs(alpha=maybe(st.floats(0, 2))),
                       "Masking": kwargs(mask_value=maybe(st.floats(-1, 1)))}.get(_name, st.just({})))
same_shape("ReLU", kwargs(max_value=maybe(st.one_of(st.none(), st.floats(-1, 6))),
                          negative_slope=maybe(st.floats(-0.5, 1)),
                          threshold=maybe(st.floats(-0.5, 1))))
same_shape("LeakyReLU", kwargs(negative_slope=maybe(st.floats(-0.5, 1))))
same_shape("PReLU", kwargs(shared_axes=maybe(st.one_of(
    st.none(), st.integers(-1, 5), st.lists(st.integers(1, 4), min_size=1, max_size=3)))))


@st.composite
def lambda_case(draw) -> Case:
    out = draw(st.one_of(st.none(), st.tuples(*[st.one_of(st.none(), SIZE)] * draw(st.integers(0, 3)))))
    kw: dict = {"function": _identity}
    if out is not None:
        kw["output_shape"] = out
    return Case(L("Lambda", **kw), (draw(shape((1, 4))),))


def _identity(x):
    return x


register("Lambda", lambda_case())
for _name in ("Dropout", "GaussianDropout", "AlphaDropout"):
    same_shape(_name, kwargs(rate=RATE))
same_shape("GaussianNoise", kwargs(stddev=RATE))
for _n, _name in ((1, "SpatialDropout1D"), (2, "SpatialDropout2D"), (3, "SpatialDropout3D")):
    register(_name, case(_name, kwargs(rate=RATE),
                         shape(often(st.just(_n + 2), st.sampled_from([_n + 1, _n + 3]), k=4))))
same_shape("BatchNormalization", kwargs(axis=maybe(st.integers(-6, 5))))
AXES = st.one_of(st.integers(-6, 5), st.lists(st.integers(-4, 4), min_size=1, max_size=2, unique=True))
for _name in ("LayerNormalization", "RMSNormalization", "UnitNormalization"):
    same_shape(_name, kwargs(axis=maybe(AXES)))
@st.composite
def group_norm_case(draw) -> Case:
    x = draw(shape(often(st.integers(2, 5), st.just(1)), hi=12))
    channels = x[-1] or draw(SIZE)
    groups = draw(often(st.sampled_from([g for g in range(1, channels + 1) if channels % g == 0] + [-1]),
                        st.integers(-2, 40), k=3))
    kw = {"groups": groups}
    axis = draw(maybe(often(st.just(-1), st.integers(-4, 3), k=3)))
    if axis is not _OMIT:
        kw["axis"] = axis
    return Case(L("GroupNormalization", **kw), (x,), fill=draw(st.integers(1, 9)))


register("GroupNormalization", group_norm_case())


@st.composite
def spectral_case(draw) -> Case:
    inner = draw(st.sampled_from([
        L("Dense", units=3), L("Conv1D", filters=2, kernel_size=2), L("Embedding", input_dim=5, output_dim=3),
        L("DepthwiseConv1D", kernel_size=2), L("SeparableConv1D", filters=2, kernel_size=2),
        L("LSTM", units=2), L("BatchNormalization"), L("EinsumDense", equation="ab,bc->ac", output_shape=3)]))
    kw: dict = {"layer": inner}
    p = draw(maybe(st.integers(-1, 3)))
    if p is not _OMIT:
        kw["power_iterations"] = p
    return Case(L("SpectralNormalization", **kw), (draw(shape((1, 4), hi=8)),))


register("SpectralNormalization", spectral_case())

# --- convolution and pooling ------------------------------------------------------------------


def conv_kwargs(n: int, **more: st.SearchStrategy) -> st.SearchStrategy:
    k = st.integers(1, 4)
    return kwargs(
        kernel_size=often(st.one_of(k, st.tuples(*[k] * n)),
                          st.one_of(st.just(0), st.tuples(*[k] * (n + 1)))),
        strides=maybe(often(st.one_of(st.integers(1, 3), st.tuples(*[st.integers(1, 3)] * n)),
                            st.just(0))),
        padding=maybe(often(st.sampled_from(["valid", "same", "same"]),
                            st.sampled_from(["causal", "SAME", "full"]), k=4)),
        data_format=maybe(FORMATS),
        dilation_rate=maybe(maybe(st.one_of(st.integers(1, 3), st.tuples(*[st.integers(1, 3)] * n)))),
        **more)


@st.composite
def spatial_input(draw, n: int, extra_rank: bool = True, hi: int = 16, ch_hi: int = 8) -> tuple:
    rank = n + 2
    if extra_rank and draw(st.integers(0, 9)) == 9:
        rank = draw(st.sampled_from([r for r in (n + 1, n + 3) if 1 <= r <= 6]))
    spatial = often(dim(3, hi), dim(1, 3), k=3)
    return (draw(BATCH),) + tuple(draw(spatial) for _ in range(rank - 2)) + \
        (draw(often(SIZE.map(lambda c: min(c, ch_hi)), st.none())),) * (1 if rank >= 2 else 0)


for _n in (1, 2, 3):
    register(f"Conv{_n}D", case(f"Conv{_n}D", conv_kwargs(
        _n, filters=often(st.integers(1, 8), st.integers(-1, 0)),
        groups=maybe(maybe(often(st.integers(1, 4), st.just(0))))), spatial_input(_n)))
    register(f"Conv{_n}DTranspose", case(f"Conv{_n}DTranspose", conv_kwargs(
        _n, filters=often(st.integers(1, 6), st.integers(-1, 0)),
        output_padding=maybe(maybe(st.one_of(st.none(), st.integers(0, 2),
                                             st.tuples(*[st.integers(0, 2)] * _n))))),
        spatial_input(_n, hi=9)))
    _pool_kw = kwargs(pool_size=maybe(st.one_of(st.integers(1, 4), st.tuples(*[st.integers(1, 4)] * _n))),
                      strides=maybe(st.one_of(st.none(), st.integers(0, 3),
                                              st.tuples(*[st.integers(1, 3)] * _n))),
                      padding=maybe(st.sampled_from(["valid", "same", "SAME"])),
                      data_format=maybe(FORMATS))
    for _kind in ("MaxPooling", "AveragePooling"):
        register(f"{_kind}{_n}D", case(f"{_kind}{_n}D", _pool_kw, spatial_input(_n)))
    for _kind in ("GlobalMaxPooling", "GlobalAveragePooling"):
        register(f"{_kind}{_n}D", case(f"{_kind}{_n}D", kwargs(data_format=maybe(FORMATS),
                                                               keepdims=maybe(st.booleans())),
                                       spatial_input(_n)))
    for _kind in ("AdaptiveMaxPooling", "AdaptiveAveragePooling"):
        register(f"{_kind}{_n}D", case(f"{_kind}{_n}D", kwargs(
            output_size=st.one_of(st.integers(1, 5), st.tuples(*[st.integers(1, 5)] * _n),
                                  st.tuples(*[st.integers(1, 5)] * (_n + 1))),
            data_format=maybe(FORMATS)), shape((1, 5))))
    _pairs = st.one_of(st.integers(-1, 3), st.tuples(*[st.integers(0, 3)] * _n),
                       st.tuples(*[st.tuples(st.integers(-1, 3), st.integers(0, 3))] * _n))
    register(f"ZeroPadding{_n}D", case(f"ZeroPadding{_n}D", kwargs(
        padding=maybe(st.one_of(st.integers(0, 3), st.tuples(st.integers(-1, 3), st.integers(0, 3)))
                      if _n == 1 else _pairs),
        data_format=maybe(FORMATS)), spatial_input(_n)))
    register(f"Cropping{_n}D", case(f"Cropping{_n}D", kwargs(
        cropping=maybe(st.one_of(st.integers(0, 4), st.tuples(st.integers(-1, 4), st.integers(0, 4)))
                       if _n == 1 else _pairs),
        **({} if _n == 1 else {"data_format": maybe(FORMATS)})), spatial_input(_n)))
    register(f"UpSampling{_n}D", case(f"UpSampling{_n}D", kwargs(
        size=maybe(st.integers(-1, 3) if _n == 1 else
                   st.one_of(st.integers(0, 3), st.tuples(*[st.integers(1, 3)] * _n))),
        **({} if _n == 1 else {"data_format": maybe(FORMATS)})), spatial_input(_n, hi=8)))

for _n in (1, 2):
    register(f"SeparableConv{_n}D", case(f"SeparableConv{_n}D", conv_kwargs(
        _n, filters=often(st.integers(1, 6), st.integers(-1, 0)),
        depth_multiplier=maybe(often(st.integers(1, 3), st.just(0)))), spatial_input(_n)))
    register(f"DepthwiseConv{_n}D", case(f"DepthwiseConv{_n}D", conv_kwargs(
        _n, depth_multiplier=maybe(often(st.integers(1, 3), st.just(0)))), spatial_input(_n)))

# --- merging ----------------------------------------------------------------------------------


@st.composite
def related_shapes(draw, count=(1, 4), rank=(1, 5), ones: bool = True) -> tuple:
    """Shapes derived from one base: equal, or with sizes changed, set to 1/None, axes dropped."""
    base = draw(shape(rank, hi=6))
    out = []
    for _ in range(draw(st.integers(*count))):
        s = list(base)
        for i in range(1, len(s)):
            op = draw(st.integers(0, 9))
            if op == 9:
                s[i] = draw(dim(1, 6))
            elif op == 8 and ones:
                s[i] = 1
            elif op == 7:
                s[i] = None
        if draw(st.integers(0, 7)) == 7 and len(s) > 1:
            del s[draw(st.integers(1, len(s) - 1))]
        if draw(st.integers(0, 9)) == 9:
            s[0] = draw(BATCH)
        out.append(tuple(s))
    return tuple(out)


register("Concatenate", case("Concatenate", kwargs(axis=maybe(st.integers(-4, 4))),
                             related_shapes(ones=False), takes_list=True))
for _name in ("Add", "Multiply", "Average", "Maximum", "Minimum"):
    register(_name, case(_name, st.just({}), related_shapes(), takes_list=True))
register("Subtract", case("Subtract", st.just({}),
                          often(related_shapes(count=(2, 2)), related_shapes(count=(1, 3)), k=4),
                          takes_list=True))
register("Dot", case("Dot", kwargs(
    axes=st.one_of(st.integers(-3, 3), st.tuples(st.integers(-3, 3), st.integers(-3, 3))),
    normalize=maybe(st.booleans())), related_shapes(count=(2, 2), rank=(2, 4)), takes_list=True))

# --- reshaping --------------------------------------------------------------------------------

same_shape("Flatten", kwargs(data_format=maybe(FORMATS)), rank=(1, 5))


@st.composite
def reshape_case(draw) -> Case:
    x = draw(shape((1, 5), hi=6))
    sizes = [d for d in x[1:]]
    total = 1
    for d in sizes:
        total *= d or 1
    r = draw(st.integers(0, 3))
    if draw(st.booleans()) and total > 0:
        # a target of the right size, maybe with one -1
        target = []
        rest = total
        for _ in range(r):
            f = draw(st.sampled_from([k for k in range(1, rest + 1) if rest % k == 0]))
            target.append(f)
            rest //= f
        target.append(rest)
        if draw(st.booleans()):
            target[draw(st.integers(0, len(target) - 1))] = -1
    else:
        target = [draw(st.integers(-2, 8)) for _ in range(r + 1)]
    return Case(L("Reshape", target_shape=tuple(target)), (x,), fill=draw(st.integers(1, 6)))


register("Reshape", reshape_case())


@st.composite
def permute_case(draw) -> Case:
    k = draw(st.integers(1, 4))
    dims = draw(st.permutations(list(range(1, k + 1))))
    if draw(st.integers(0, 9)) == 9:
        dims = draw(st.lists(st.integers(0, 5), min_size=1, max_size=4))
    rank = k + 1 if draw(st.integers(0, 5)) < 5 else draw(st.integers(1, 6))
    return Case(L("Permute", dims=tuple(dims)), (draw(shape(rank)),))


register("Permute", permute_case())
register("RepeatVector", case("RepeatVector", kwargs(n=often(st.integers(1, 6), st.integers(-1, 0))),
                               shape(often(st.just(2), st.sampled_from([1, 3, 4]), k=4))))

# --- recurrent --------------------------------------------------------------------------------

RNN_FLAGS = dict(return_sequences=maybe(st.booleans()), return_state=maybe(st.booleans()))
for _name in ("SimpleRNN", "LSTM", "GRU"):
    register(_name, case(_name, kwargs(units=often(st.integers(1, 6), st.just(0)), **RNN_FLAGS),
                         shape(often(st.just(3), st.sampled_from([2, 4]), k=4), hi=6)))
CELL = st.sampled_from(["SimpleRNNCell", "LSTMCell", "GRUCell"])


@st.composite
def rnn_case(draw, cell_name=None) -> Case:
    def cell() -> L:
        return L(cell_name or draw(CELL), units=draw(st.integers(1, 5)))
    kind = draw(st.integers(0, 3)) if cell_name is None else draw(st.integers(0, 1))
    if kind == 0:
        c: Any = cell()
    elif kind == 1:
        c = [cell() for _ in range(draw(st.integers(1, 3)))]
    else:
        c = L("StackedRNNCells", cells=[cell() for _ in range(draw(st.integers(1, 3)))])
    kw = draw(kwargs(**RNN_FLAGS))
    return Case(L("RNN", cell=c, **kw), (draw(shape(often(st.just(3), st.sampled_from([2, 4]), k=4), hi=6)),))


register("RNN", rnn_case())
for _name in ("SimpleRNNCell", "LSTMCell", "GRUCell"):
    register(_name, rnn_case(_name))


@st.composite
def stacked_case(draw) -> Case:
    cells = [L(draw(CELL), units=draw(st.integers(1, 5))) for _ in range(draw(st.integers(1, 3)))]
    kw = draw(kwargs(**RNN_FLAGS))
    return Case(L("RNN", cell=L("StackedRNNCells", cells=cells), **kw),
                (draw(shape(often(st.just(3), st.sampled_from([2, 4]), k=4), hi=6)),))


register("StackedRNNCells", stacked_case())


@st.composite
def bidirectional_case(draw) -> Case:
    flags = draw(kwargs(**RNN_FLAGS))
    kind = draw(st.integers(0, 6))
    x = draw(shape(often(st.just(3), st.sampled_from([2, 4]), k=4), hi=6))
    if kind <= 2:
        inner = L(draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU"])), units=draw(st.integers(1, 4)), **flags)
    elif kind == 3:
        inner = L("RNN", cell=L(draw(CELL), units=draw(st.integers(1, 4))), **flags)
    elif kind in (4, 5):
        inner = L("ConvLSTM1D", filters=2, kernel_size=draw(st.integers(1, 3)), **flags)
        x = (None,) + tuple(draw(dim(1, 5)) for _ in range(draw(often(st.just(3), st.integers(2, 4)))))
    else:
        inner = L("Dense", units=3)
    kw = draw(kwargs(merge_mode=maybe(st.sampled_from(["concat", "sum", "mul", "ave", None, "max"]))))
    return Case(L("Bidirectional", layer=inner, **kw), (x,))


register("Bidirectional", bidirectional_case())

TD_INNER = [L("Dense", units=3), L("Conv1D", filters=2, kernel_size=2), L("Conv2D", filters=2, kernel_size=2),
            L("Flatten"), L("MaxPooling1D"), L("LSTM", units=2), L("Embedding", input_dim=5, output_dim=2),
            L("Dropout", rate=0.1), L("Reshape", target_shape=(-1,)), L("GlobalAveragePooling1D"),
            L("BatchNormalization"), L("LSTM", units=2, return_state=True), L("Concatenate")]


@st.composite
def time_distributed_case(draw) -> Case:
    inner = draw(st.sampled_from(TD_INNER))
    return Case(L("TimeDistributed", layer=inner), (draw(shape((2, 6), hi=6)),),
                fill=draw(st.integers(2, 6)))


register("TimeDistributed", time_distributed_case())


@st.composite
def conv_lstm_case(draw, n: int) -> Case:
    kw = draw(kwargs(
        filters=st.integers(1, 3),
        kernel_size=st.one_of(st.integers(1, 3), st.tuples(*[st.integers(1, 3)] * n)),
        strides=maybe(st.one_of(st.integers(1, 2), st.tuples(*[st.integers(1, 2)] * n))),
        padding=maybe(often(st.sampled_from(["valid", "same"]), st.just("causal"))),
        data_format=maybe(FORMATS),
        dilation_rate=maybe(maybe(st.one_of(st.integers(1, 2), st.tuples(*[st.integers(1, 2)] * n)))),
        **RNN_FLAGS))
    rank = n + 3 if draw(st.integers(0, 9)) < 9 else draw(st.sampled_from([n + 2, n + 4]))
    hi = 8 if n < 3 else 5
    size = often(st.integers(3, hi), st.one_of(st.none(), st.integers(1, 2)), k=5)
    x = (draw(BATCH), draw(dim(1, 4))) + tuple(draw(size) for _ in range(rank - 3)) + \
        (draw(often(st.integers(1, 3), st.none())),)
    return Case(L(f"ConvLSTM{n}D", **kw), (x[:rank],), fill=draw(st.integers(1, 4)))


for _n in (1, 2, 3):
    register(f"ConvLSTM{_n}D", conv_lstm_case(_n))

# --- attention --------------------------------------------------------------------------------


@st.composite
def mha_case(draw, name: str) -> Case:
    if name == "MultiHeadAttention":
        kw = draw(kwargs(num_heads=often(st.integers(1, 3), st.just(0)),
                         key_dim=often(st.integers(1, 4), st.just(0)),
                         value_dim=maybe(st.one_of(st.none(), st.integers(1, 4))),
                         output_shape=maybe(st.one_of(st.none(), st.integers(1, 5),
                                                      st.tuples(st.integers(1, 4), st.integers(1, 3)))),
                         attention_axes=maybe(st.one_of(st.none(), st.integers(-4, 4),
                                                        st.tuples(st.integers(-3, 3))))))
    else:
        kv = draw(st.integers(1, 3))
        kw = draw(kwargs(head_dim=st.integers(1, 4),
                         num_query_heads=often(st.integers(1, 3).map(lambda m: m * kv), st.integers(1, 4)),
                         num_key_value_heads=st.just(kv)))
    q = draw(shape(often(st.just(3), st.sampled_from([2, 4]), k=3), hi=6))
    feat = q[-1]
    v = list(draw(shape(often(st.just(len(q)), st.sampled_from([2, 3, 4]), k=3), hi=6)))
    if draw(st.booleans()) and len(q) > 1:
        v[-1] = feat
    tensors = [("value", tuple(v))]
    if draw(st.booleans()):
        k = list(v)
        if draw(st.integers(0, 3)) == 3:
            k = list(draw(shape((2, 4), hi=6)))
        k[-1] = draw(dim(1, 6))
        tensors.append(("key", tuple(k)))
    values = (("return_attention_scores", True),) if draw(st.booleans()) else ()
    return Case(L(name, **kw), (q,), call_tensors=tuple(tensors), call_values=values,
                fill=draw(st.integers(1, 6)))


register("MultiHeadAttention", mha_case("MultiHeadAttention"))
register("GroupQueryAttention", mha_case("GroupQueryAttention"))


@st.composite
def dot_attention_case(draw, name: str) -> Case:
    kw = draw(kwargs(use_scale=maybe(st.booleans()),
                     **({"score_mode": maybe(st.sampled_from(["dot", "concat", "bad"]))}
                        if name == "Attention" else {})))
    shapes = draw(often(related_shapes(count=(2, 3), rank=(2, 4)), related_shapes(count=(1, 4), rank=(1, 4))))
    values = (("return_attention_scores", True),) if draw(st.booleans()) else ()
    return Case(L(name, **kw), shapes, takes_list=True, call_values=values)


register("Attention", dot_attention_case("Attention"))
register("AdditiveAttention", dot_attention_case("AdditiveAttention"))

# --- preprocessing ----------------------------------------------------------------------------

same_shape("Rescaling", kwargs(scale=st.floats(0.1, 2), offset=maybe(st.floats(-1, 1))))
register("Resizing", case("Resizing", kwargs(height=st.integers(1, 8), width=st.integers(1, 8),
                                             data_format=maybe(FORMATS)), shape((1, 5), hi=10)))
register("CenterCrop", case("CenterCrop", kwargs(height=st.integers(1, 8), width=st.integers(1, 8),
                                                 data_format=maybe(FORMATS)),
                           shape(often(st.sampled_from([3, 4]), st.sampled_from([1, 2, 5])), hi=10)))
register("RandomCrop", case("RandomCrop", kwargs(height=st.integers(1, 8), width=st.integers(1, 8),
                                                 data_format=maybe(FORMATS)), shape((1, 5), hi=10)))
@st.composite
def rgb_shape(draw) -> tuple:
    s = list(draw(shape(often(st.sampled_from([3, 4]), st.sampled_from([1, 2, 5]), k=4), hi=8)))
    if len(s) > 1 and draw(st.integers(0, 3)) < 3:
        s[draw(st.sampled_from([-1, 1 if len(s) == 4 else 0]))] = 3
    return tuple(s)


register("RandomColorDegeneration", case("RandomColorDegeneration", kwargs(
    factor=st.just(0.2), data_format=maybe(FORMATS)), rgb_shape()))
_AUG_ARGS = {"RandomBrightness": {"factor": 0.2}, "RandomContrast": {"factor": 0.2},
             "RandomHue": {"factor": 0.2}, "RandomPosterization": {"factor": 4},
             "RandomRotation": {"factor": 0.1}, "RandomSaturation": {"factor": 0.2},
             "RandomSharpness": {"factor": 0.2}, "RandomShear": {"x_factor": 0.1},
             "RandomTranslation": {"height_factor": 0.1, "width_factor": 0.1},
             "RandomZoom": {"height_factor": 0.1}, "MaxNumBoundingBoxes": {"max_number": 3}}
from shapelint.layers.preprocessing import IMAGE_SAME  # noqa: E402

for _name in IMAGE_SAME:
    same_shape(_name, st.just(_AUG_ARGS.get(_name, {})), rank=(1, 5))
same_shape("Normalization", st.one_of(
    kwargs(axis=maybe(st.one_of(st.none(), st.integers(-5, 4), st.tuples(st.integers(-3, 3))))),
    kwargs(axis=maybe(st.integers(-3, 2)), mean=st.floats(-1, 1), variance=st.floats(0.1, 2)),
    kwargs(mean=st.just(0.5))))
MODES = ["count", "one_hot", "multi_hot"]


@st.composite
def last_one(draw, rank=(1, 4)) -> tuple:
    s = draw(shape(rank, hi=6))
    if draw(st.booleans()) and len(s) > 1:
        s = s[:-1] + (1,)
    return s


register("CategoryEncoding", case("CategoryEncoding", kwargs(
    num_tokens=st.one_of(st.integers(0, 8), st.none()),
    output_mode=maybe(st.sampled_from(MODES + ["binary", "bad"]))), last_one()))
register("Discretization", case("Discretization", st.one_of(
    kwargs(bin_boundaries=st.lists(st.floats(0, 1), min_size=1, max_size=4).map(sorted),
           output_mode=maybe(st.sampled_from(["int"] + MODES))),
    kwargs(num_bins=st.integers(1, 5), output_mode=maybe(st.sampled_from(["int"] + MODES))),
    kwargs(num_bins=st.integers(-1, 4), bin_boundaries=st.just([0.5]))), last_one()))
register("Hashing", case("Hashing", kwargs(num_bins=st.integers(0, 6),
                                           output_mode=maybe(st.sampled_from(["int"] + MODES))),
                         last_one()))


@st.composite
def crossing_shapes(draw) -> tuple:
    a = draw(last_one(rank=(1, 3)))
    b = a if draw(st.integers(0, 3)) < 3 else draw(last_one(rank=(1, 3)))
    return (a, b) if draw(st.integers(0, 7)) < 7 else (a,)


register("HashedCrossing", case("HashedCrossing", kwargs(
    num_bins=st.integers(1, 6), output_mode=maybe(st.sampled_from(["int", "one_hot"]))),
    crossing_shapes(), takes_list=True))
# "binary" and "tf-idf": the old names Keras 3 still renames to multi_hot and tf_idf.
_LOOKUP = dict(output_mode=maybe(often(st.sampled_from(["int", "one_hot", "multi_hot", "count",
                                                        "binary"]),
                                        st.sampled_from(["tf_idf", "tf-idf", "bad"]))),
               max_tokens=maybe(st.integers(3, 8)), pad_to_max_tokens=maybe(st.booleans()))
register("StringLookup", case("StringLookup", kwargs(
    vocabulary=st.just(["a", "b", "c"]), **_LOOKUP), last_one()))
register("IntegerLookup", case("IntegerLookup", kwargs(
    vocabulary=st.just([1, 2, 3]), **_LOOKUP), last_one()))
register("TextVectorization", case("TextVectorization", kwargs(
    vocabulary=st.just(["a", "b", "c"]), split=maybe(st.sampled_from([None, "whitespace"])),
    output_sequence_length=maybe(st.integers(1, 6)), **_LOOKUP), last_one((1, 3))))

PIPE = [L("Rescaling", scale=0.5), L("Resizing", height=4, width=5), L("CenterCrop", height=3, width=3),
        L("RandomFlip"), L("Flatten"), L("Dense", units=2)]


@st.composite
def pipeline_case(draw) -> Case:
    layers = draw(st.lists(st.sampled_from(PIPE), min_size=1, max_size=3))
    return Case(L("Pipeline", layers=layers), (draw(shape((2, 5), hi=8)),))


register("Pipeline", pipeline_case())
register("MelSpectrogram", case("MelSpectrogram", kwargs(sequence_length=maybe(st.integers(16, 64))),
                                shape((1, 3), lo=64, hi=256)))
register("STFTSpectrogram", case("STFTSpectrogram", st.just({}), shape((1, 3), lo=64, hi=256)))
