"""All message and fix text, in one module (as mypy keeps its messages).

Each renderer receives the details a rule recorded and returns ``(message, fix)``: a
one-sentence message naming the shapes involved, and a concrete fix that names real
layers and real numbers.
"""
from __future__ import annotations

from math import prod
from typing import Any, Callable, Optional

from shapelint.shapes import Shape, format_shape, is_known

Renderer = Callable[[dict], tuple[str, Optional[str]]]

_LAYOUT = {
    "conv1d": "(batch, steps, channels)",
    "conv2d": "(batch, rows, cols, channels)",
    "conv3d": "(batch, depth, rows, cols, channels)",
    "pool1d": "(batch, steps, channels)",
    "pool2d": "(batch, rows, cols, channels)",
    "pool3d": "(batch, depth, rows, cols, channels)",
    "spatial1d": "(batch, steps, channels)",
    "spatial2d": "(batch, rows, cols, channels)",
    "spatial3d": "(batch, depth, rows, cols, channels)",
    "rnn": "(batch, timesteps, features)",
    "convlstm1d": "(batch, time, steps, channels)",
    "convlstm2d": "(batch, time, rows, cols, channels)",
    "convlstm3d": "(batch, time, depth, rows, cols, channels)",
    "repeat": "(batch, features)",
    "time_distributed": "(batch, time, ...)",
}


def fmt(shape: Any) -> str:
    return format_shape(shape) if isinstance(shape, Shape) else str(shape)


def _pair(diff: int) -> tuple[int, int]:
    return diff // 2, diff - diff // 2


def _rank_word(rank: Optional[int]) -> str:
    return "unknown-rank" if rank is None else f"{rank}-D"


def _axes_text(axes) -> str:
    return f"axis {axes[0]}" if len(axes) == 1 else "axes " + ", ".join(map(str, axes))


# --- SHP101 -------------------------------------------------------------------------------

def _spatial_fix(a: Shape, b: Shape, axes: list[int]) -> list[str]:
    """Ways to make the sizes of ``a`` and ``b`` equal on ``axes`` (exact amounts)."""
    fixes: list[str] = []
    rank = len(a.dims)  # type: ignore[arg-type]
    n = rank - 2
    known = all(is_known(a.dims[i]) and is_known(b.dims[i]) for i in axes)  # type: ignore[index]
    spatial = n in (1, 2, 3) and all(1 <= i <= n for i in axes)
    if not (known and spatial):
        return fixes
    big, small = (a, b) if a.dims[axes[0]] > b.dims[axes[0]] else (b, a)  # type: ignore[index]
    if any(big.dims[i] < small.dims[i] for i in axes):  # type: ignore[index]
        return fixes
    amounts = []
    for i in range(1, n + 1):
        diff = big.dims[i] - small.dims[i] if i in axes else 0  # type: ignore[index,operator]
        amounts.append(_pair(diff))
    suffix = f"{n}D"
    pads = amounts[0] if n == 1 else tuple(amounts)
    target = tuple(small.dims[1:n + 1])  # type: ignore[index]
    grown = tuple(big.dims[1:n + 1])  # type: ignore[index]
    fixes.append(f"Cropping{suffix}({pads}) on the {fmt(big)} branch gives {target}")
    fixes.append(f"ZeroPadding{suffix}({pads}) on the {fmt(small)} branch gives {grown}")
    ratios = [big.dims[i] / small.dims[i]  # type: ignore[index,operator]
              if is_known(big.dims[i]) and is_known(small.dims[i]) and small.dims[i] else 0
              for i in range(1, n + 1)]
    if all(r == int(r) and r >= 1 for r in ratios) and any(r > 1 for r in ratios):
        size = tuple(int(r) for r in ratios)
        size_text = size[0] if len(set(size)) == 1 else size
        fixes.append(f"UpSampling{suffix}(size={size_text}) or Conv{suffix}Transpose(filters, "
                     f"kernel_size={size_text}, strides={size_text}) on the {fmt(small)} branch")
    fixes.append('padding="same" in the convolutions so both branches keep the same size')
    return fixes


def concat_mismatch(d: dict) -> tuple[str, Optional[str]]:
    shapes: list[Shape] = d["shapes"]
    axis = d["axis"]
    name = f"{d['op']}(axis={axis})" if d.get("op") else f"Concatenate(axis={axis})"
    if d["kind"] == "stack":
        a, b = shapes[0], shapes[d["index"]]
        msg = f"{name} needs inputs of one shape, but {fmt(a)} and {fmt(b)} differ."
        fix = ("Make every input the same shape before stacking (resize, crop or pad them), or "
               "concatenate along an existing axis if only that axis differs.")
        return msg, fix
    if d["kind"] == "rank":
        ranks = sorted({s.rank for s in shapes if s.rank is not None})  # type: ignore[type-var]
        msg = (f"{name} needs inputs of the same rank, got "
               + " and ".join(f"{fmt(s)} ({_rank_word(s.rank)})" for s in shapes[:4]) + ".")
        fix = (f"Bring the inputs to one rank first: Flatten() each and concatenate on axis=-1, "
               f"or Reshape the {ranks[0]}-D input to {ranks[-1]}-D.")
        return msg, fix
    a, b = shapes[0], shapes[d["index"]]
    rank = len(a.dims)  # type: ignore[arg-type]
    ax = d["norm_axis"]
    bad = [i for i in range(rank) if i != ax and is_known(a.dims[i]) and is_known(b.dims[i])  # type: ignore[index]
           and a.dims[i] != b.dims[i]]  # type: ignore[index]
    diffs = ", ".join(f"{a.dims[i]} vs {b.dims[i]} on axis {i}" for i in bad)  # type: ignore[index]
    msg = (f"{name} needs equal sizes on every axis except {ax}, "
           f"but {fmt(a)} and {fmt(b)} differ ({diffs}).")
    # Feature maps: make every spatial size equal (the concat axis too, when it is spatial).
    spatial = [i for i in range(1, rank - 1) if is_known(a.dims[i]) and is_known(b.dims[i])  # type: ignore[index]
               and a.dims[i] != b.dims[i]]  # type: ignore[index]
    options = _spatial_fix(a, b, spatial) if rank >= 3 and set(bad) <= set(spatial) else []
    if options and 1 <= ax <= rank - 2:
        options.append("then concatenate on the channel axis (axis=-1) to stack the feature maps")
    if bad == [rank - 1] and ax != rank - 1:
        options.append(f"project the channels to one size with a 1x1 Conv{rank - 2}D"
                       if 3 <= rank <= 5 else "project one branch with Dense to the other's size")
    options.append("or Flatten() both branches and concatenate them on axis=-1"
                   if rank > 2 else "or project one branch with Dense to the other's size")
    fix = "Make the shapes agree before concatenating: " + "; ".join(options) + "."
    return msg, fix


# --- SHP102 / SHP103 -------------------------------------------------------------------------

def elementwise_mismatch(d: dict) -> tuple[str, Optional[str]]:
    shapes: list[Shape] = d["shapes"]
    layer = d["layer"]
    axis, a, b = d["axis"], d["a"], d["b"]
    listed = " and ".join(fmt(s) for s in shapes[:4])
    if d.get("broadcast_to"):
        msg = (f"{layer} can only stretch axes of size 1, but {fmt(shapes[0])} has {a} on axis "
               f"{axis} of the target {fmt(shapes[1])}, which asks for {b}.")
        return msg, (f"Ask for {a} on axis {axis} in the target shape, or bring the input to size 1 "
                     f"there first (e.g. a mean with keepdims=True).")
    msg = f"{layer} needs shapes that broadcast, but {listed} differ on axis {axis} ({a} vs {b})."
    rank = d.get("rank", shapes[0].rank)
    if rank is not None and axis == rank - 1:
        proj = f"Dense({max(a, b)})" if rank == 2 else f"Conv{rank - 2}D({max(a, b)}, 1)" \
            if 3 <= rank <= 5 else f"Dense({max(a, b)})"
        fix = (f"Project the {min(a, b)}-feature input to {max(a, b)} features before {layer}, "
               f"e.g. {proj} (a 1x1 projection as in ResNet shortcuts).")
    elif rank == 3 and axis == 1 and isinstance(a, int) and isinstance(b, int):
        fix = (f"Make the sequence lengths equal ({a} vs {b} steps): build both from the same "
               f"length (the same maxlen or Input shape), or crop the longer one / pad the shorter "
               f"one by {abs(a - b)} steps (Cropping1D((0, {abs(a - b)})) / "
               f"ZeroPadding1D((0, {abs(a - b)}))).")
    else:
        small = min(a, b)
        fix = (f"Make axis {axis} equal on both inputs ({a} vs {b}): pool, crop or pad the larger "
               f"one to {small}, or use padding=\"same\" upstream so the sizes stay equal.")
    return msg, fix


def dot_mismatch(d: dict) -> tuple[str, Optional[str]]:
    (x, y), (ax, ay) = d["shapes"], d["axes"]
    msg = (f"Dot(axes=({ax}, {ay})) contracts axis {ax} of {fmt(x)} with axis {ay} of {fmt(y)}, "
           f"but their sizes differ ({d['a']} vs {d['b']}).")
    fix = (f"Choose axes with equal sizes, or project one input first, e.g. Dense({d['a']}) on the "
           f"{fmt(y)} input.")
    return msg, fix


# --- SHP2xx ----------------------------------------------------------------------------------

def _conv_call(cfg: Any, n: int) -> str:
    try:
        filters = cfg.int("filters")
    except Exception:
        filters = "filters"
    try:
        k = cfg.int_tuple("kernel_size", n if n else 1)[0]
    except Exception:
        k = 3
    return f"Conv{n}D({filters}, {k if n == 1 else (k,) * n})"


def input_rank(d: dict) -> tuple[str, Optional[str]]:
    layer, family, got = d["layer"], d.get("family", ""), d["got"]
    expected = d.get("expected") or ()
    want = (f"{expected[0]}-D" if len(expected) == 1 else
            (" or ".join(f"{r}-D" for r in expected) if expected else f"at least {d.get('min_rank')}-D"))
    layout = _LAYOUT.get(family, "")
    msg = (f"{layer} expects {'an input of ' if not expected else 'a '}{want}"
           f"{'' if not expected else ' input'}{' ' + layout if layout else ''}, "
           f"but got {_rank_word(got.rank)} {fmt(got)}."
           + (KERAS2_DIFFERS.replace("this", "the extra leading axes") if d.get("keras2_accepts") else ""))
    cfg = d.get("config")
    dims = got.dims or ()
    fix: Optional[str] = None
    if family.startswith("conv") and family[4:5].isdigit() and len(family) == 6:
        n = int(family[4])
        want_rank = n + 2
        if got.rank == want_rank + 1:
            bigger = _conv_call(cfg, n + 1) if n < 3 else None
            fix = (f"The input has an extra leading axis ({dims[1]} frames): wrap the layer as "
                   f"TimeDistributed({_conv_call(cfg, n)}) to apply it to every frame"
                   + (f", or use {bigger} to convolve across frames too" if bigger else "")
                   + (f", or merge frames into the batch with Reshape(({_mul(dims[1], dims[2])}, "
                      f"{', '.join(map(str, dims[3:]))}))" if len(dims) > 3 and is_known(dims[1])
                      and is_known(dims[2]) and all(is_known(x) for x in dims[3:]) else "") + ".")
        elif got.rank == want_rank - 1:
            fix = (f"Add the missing channel axis, e.g. Reshape({tuple(dims[1:]) + (1,)}) or declare "
                   f"Input(shape={tuple(dims[1:]) + (1,)}).")
    elif family == "rnn":
        if got.rank == 2:
            fix = (f"{layer} needs (batch, timesteps, features). If the previous recurrent layer "
                   f"should feed a sequence, give it return_sequences=True; otherwise add a time axis, "
                   f"e.g. RepeatVector(timesteps) or Reshape((1, {dims[1]})).")
        elif got.rank and got.rank > 3:
            rest = dims[2:]
            feat = prod(rest) if all(is_known(x) for x in rest) else None
            fix = (f"Flatten each timestep first: TimeDistributed(Flatten()) or "
                   f"Reshape(({dims[1]}, {feat if feat is not None else -1})).")
    elif family.startswith("convlstm"):
        fix = ("ConvLSTM layers need (batch, time, rows, cols, channels); if the input comes from a "
               "ConvLSTM layer, give that one return_sequences=True.")
    elif family == "repeat" and got.rank and got.rank > 2:
        fix = "Flatten() the input first: RepeatVector repeats a flat (batch, features) vector."
    elif family == "time_distributed":
        fix = ("TimeDistributed applies its layer to every step of a (batch, time, ...) tensor, and "
               "this input has no time axis: apply the layer directly, or keep the time axis "
               "upstream (return_sequences=True, no pooling over time).")
    elif family == "image" and got.rank == 5:
        fix = (f"The input is a batch of clips: wrap the layer as TimeDistributed({layer}(...)) to "
               f"apply it to every frame.")
    if fix is None:
        fix = f"Reshape the input to {'a ' if expected else ''}{want} before {layer}."
    return msg, fix


KERAS2_DIFFERS = " Keras 2 (tf.keras before TF 2.16) accepted this; Keras 3 does not."


def int_shape(d: dict) -> tuple[str, Optional[str]]:
    value, arg = d["value"], d["arg"]
    msg = (f"{arg}={value} is an int, but Keras 3 requires a tuple: `({value})` is just the int "
           f"{value} in Python." + (KERAS2_DIFFERS if arg in ("shape", "input_shape") else ""))
    fix = f"Write {arg}=({value},) (note the trailing comma)."
    return msg, fix


def weight_mismatch(d: dict) -> tuple[str, Optional[str]]:
    if d.get("model"):
        msg = (f"{d['layer']} was built for inputs {fmt(d['expected_shape'])} but is called on "
               f"{fmt(d['shape'])}.")
        fix = f"Feed it an input shaped {fmt(d['expected_shape'])}, or build a separate model for this input."
        return msg, fix
    layer, expected, axis = d["layer"], d["expected"], d["axis"]
    fixed = f"(..., {expected})" if axis == -1 else f"{expected} on axis {axis}"
    msg = (f"This {layer} is shared: its first call at line {d['first_row']} on "
           f"{fmt(d['first_shape'])} fixed its weights to inputs {fixed}; this call gives "
           f"{fmt(d['shape'])}.")
    fix = (f"Use a separate {layer} for this input, or map it to {expected} features first "
           f"(e.g. Dense({expected})) if the weights really should be shared.")
    return msg, fix


def strides_dilation(d: dict) -> tuple[str, Optional[str]]:
    s, r, layer = d["strides"], d["dilation_rate"], d["layer"]
    msg = (f"{layer} sets strides={s} together with dilation_rate={r}; Keras rejects strides > 1 "
           f"combined with dilation_rate > 1.")
    n = len(s)
    pool = f"MaxPooling{n}D({max(s)})" if n <= 3 else "a pooling layer"
    fix = (f"Keep dilation_rate={r} with strides=1 and downsample afterwards with {pool}, "
           f"or keep strides={s} with dilation_rate=1.")
    return msg, fix


def tf_op_on_keras_tensor(d: dict) -> tuple[str, Optional[str]]:
    op, equivalent = d["op"], d.get("equivalent")
    msg = (f"{op} is a TensorFlow op, and Keras 3 raises when it is given the symbolic tensor "
           f"{fmt(d['shape'])} of a model being built (Keras 2 wrapped the call in a layer).")
    options = [f"use {equivalent}, the Keras op that does the same" if equivalent else None,
               f"wrap it in a layer: layers.Lambda(lambda t: {op}(t, ...))",
               "or move it into a custom layer's call()"]
    return msg, "Keep the model in Keras: " + "; ".join(o for o in options if o) + "."


def missing_return_sequences(d: dict) -> tuple[str, Optional[str]]:
    msg = (f"{d['layer']} needs a sequence {_LAYOUT.get(d.get('family', 'rnn'), '')}, but the "
           f"{d['prev']} at line {d['prev_row']} returns only its last output {fmt(d['got'])} "
           f"(return_sequences=False).")
    fix = f"Pass return_sequences=True to the {d['prev']} at line {d['prev_row']}."
    return msg, fix


# --- SHP205: invalid layer argument -------------------------------------------------------------

def _choices(values) -> str:
    return ", ".join(repr(v) for v in values)


def _arg(d: dict) -> str:
    return f"{d['layer']}({d['argument']}={d['value']!r})"


def _divisor_fix(n: Any, what: str, arg: str) -> str:
    if is_known(n) and n > 0:
        divs = [k for k in range(1, n + 1) if n % k == 0][:8]
        return f"Use a {arg} that divides {what} {n}: one of {', '.join(map(str, divs))}."
    return f"Use a {arg} that divides {what}."


def invalid_argument(d: dict) -> tuple[str, Optional[str]]:
    kind, layer, arg, value = d["kind"], d["layer"], d["argument"], d.get("value")
    shape = d.get("shape")
    on = f" on input {fmt(shape)}" if shape is not None else ""
    if kind == "positive":
        return (f"{_arg(d)}: Keras requires {arg} to be a positive integer.",
                f"Pass {arg} >= 1, e.g. {layer}({arg}=1), or leave it at its default.")
    if kind == "non_negative":
        return (f"{_arg(d)}: Keras rejects negative (or None) values for {arg}.",
                f"Pass {arg} >= 0, e.g. {arg}=0.")
    if kind == "range":
        hi = d.get("high")
        span = f"between {d['low']} and {hi}" if hi is not None else f"at least {d['low']}"
        return (f"{_arg(d)}: {arg} must be {span}.",
                f"Pass a value {span}, e.g. {arg}={hi if hi is not None and hi < 1 else 0.5}.")
    if kind == "choice":
        return (f"{_arg(d)}: {arg} must be one of {_choices(d['choices'])}.",
                f"Use {arg}={d['choices'][0]!r} (or another of {_choices(d['choices'])}).")
    if kind == "length":
        return (f"{_arg(d)}: {arg} must be an int or a sequence of {d['length']} values.",
                f"Give exactly {d['length']} values for {arg}, e.g. {(1,) * d['length']}.")
    if kind == "int":
        return (f"{_arg(d)}: {arg} must be a plain int.", f"Pass an int, e.g. {arg}=2.")
    if kind == "groups_filters":
        return (f"{_arg(d)}: filters={d['filters']} must be divisible by groups={value}.",
                _divisor_fix(d["filters"], "filters", "groups"))
    if kind == "groups_channels":
        channels = d["channels"]
        where = f"the {channels} input channels of {fmt(shape)}"
        if layer == "GroupNormalization":
            msg = (f"{_arg(d)}: the {channels} channels on axis {d.get('axis', -1)} of {fmt(shape)} "
                   f"cannot be split into {value if value != -1 else channels} equal groups.")
        else:
            msg = f"{_arg(d)}: {where} cannot be split into {value} equal groups."
        return msg, _divisor_fix(channels, "the channel count", "groups")
    if kind == "output_padding":
        s = d["strides"]
        return (f"{_arg(d)}: each output_padding must be smaller than the matching stride "
                f"(strides={s}, axis {d['index']}).",
                f"Use output_padding values below {s}, e.g. output_padding={tuple(x - 1 for x in s)}, "
                f"or leave output_padding=None.")
    if kind == "axis_range":
        other = d.get("other")
        rank = shape.rank if isinstance(shape, Shape) else None
        inputs = f"{fmt(shape)} and {fmt(other)}" if other is not None else fmt(shape)
        rng = f" (valid: {-rank} to {rank - 1})" if rank else ""
        return (f"{_arg(d)} is out of range for input {inputs}{rng}.",
                f"Pick {arg} within the input's {rank}-D axes{rng}, e.g. {arg}=-1."
                if rank else f"Pick {arg} within the input's axes.")
    if kind == "permute_dims":
        n = len(value) if isinstance(value, (tuple, list)) else 0
        msg = f"{_arg(d)}: dims must be a permutation of 1..{n} (the batch axis 0 stays first)."
        rest = tuple(v for v in value if v != 0) if n else ()
        if 0 in (value or ()) and sorted(rest) == list(range(1, len(rest) + 1)):
            return msg, f"Leave the batch axis out: Permute({rest!r})."
        return msg, f"Use e.g. Permute({tuple(range(n, 0, -1))}) to reverse the {n} non-batch axes."
    if kind == "reshape_target":
        return (f"{_arg(d)}: target_shape may hold sizes >= 0 and at most one -1.",
                "Keep one -1 at most, for the size Keras should infer; give the others explicitly.")
    if kind.startswith("einsum"):
        what = {
            "einsum_equation": "is not of the form [X],[Y]->[Z] (optionally with ...)",
            "einsum_shared_dim": f"maps an input axis to an output axis of a different size "
                                 f"(output_shape={d.get('output_shape')})",
            "einsum_output_dim": "has an output axis found in neither the input nor the weight",
            "einsum_weight_dim": "has a weight axis found in neither the input nor the output",
            "einsum_bias_axes": f"gets bias_axes={d.get('bias_axes')!r} not in its output",
            "einsum_rank": f"does not fit the rank of the input (output_shape={d.get('output_shape')})",
            "einsum_weight_none": f"sizes a weight by an output axis left as None in "
                                  f"output_shape={d.get('output_shape')}",
        }[kind]
        return (f"EinsumDense equation {value!r} {what}{on}.",
                "Write one letter per input axis (or ... for leading axes), and give output_shape "
                "the sizes of the output axes after the batch axis (None to keep an input size).")
    if kind == "groups_value":
        return (f"{_arg(d)}: groups must be a positive int, or -1 for instance normalization.",
                "Pass e.g. groups=32 (a divisor of the channel count) or groups=-1.")
    if kind == "no_kernel":
        return (f"SpectralNormalization wraps {value}, which has no kernel or embeddings to normalize.",
                "Wrap a layer with a kernel: Dense, EinsumDense, Embedding, Conv*D, Conv*DTranspose "
                "or DepthwiseConv*D.")
    if kind == "bidirectional_layer":
        return (f"Bidirectional wraps {value}, which is not a recurrent layer (it has no "
                f"go_backwards to run in reverse).",
                "Wrap an RNN layer: Bidirectional(LSTM(...)), GRU, SimpleRNN, RNN(cell) or ConvLSTM*D.")
    if kind == "attention_key_value":
        return (f"{layer}: value {fmt(shape)} and key {fmt(d.get('other'))} must agree on every axis "
                f"except the last.",
                "Give key and value the same batch and sequence sizes (only the feature size may "
                "differ), e.g. pass the same tensor as key and value.")
    if kind == "query_value_dim":
        other = d.get("other")
        return (f"{layer} needs query and value with the same last size, but query {fmt(shape)} and "
                f"value {fmt(other)} differ.",
                f"Project one of them first, e.g. Dense({shape.dims[-1] if shape.dims else 'query_dim'}) "
                f"on the value.")
    if kind == "heads_divisible":
        q = d["num_query_heads"]
        return (f"{_arg(d)}: num_query_heads={q} must be a multiple of num_key_value_heads.",
                _divisor_fix(q, "num_query_heads", "num_key_value_heads"))
    if kind == "input_count":
        count = d["count"]
        want = " or ".join(map(str, count)) if isinstance(count, tuple) else str(count)
        return (f"{layer} is called on {value} input(s) but takes {want}.",
                f"Call it on a list of {want} tensors, e.g. {layer}()([a, b]).")
    if kind == "rgb_channels":
        return (f"{layer} needs RGB images (3 channels), but {fmt(shape)} has {d['channels']}.",
                "Apply it to 3-channel images, or check data_format (channels_first puts channels "
                "on axis 1).")
    if kind == "mean_variance":
        return (f"{layer}: mean and variance must be given together.",
                "Pass both mean= and variance= (or neither, and call adapt()).")
    if kind == "exclusive":
        return (f"{layer}: {arg} and {d['other']} cannot both be set.",
                f"Keep only one of {arg} and {d['other']}.")
    if kind == "greater_than_one":
        return (f"{_arg(d)}: {arg} must be greater than 1 when set.", f"Pass {arg}=2 or more, or None.")
    if kind == "required_with":
        return (f"{layer}: {d['other']} needs {arg} to be set.", f"Pass {arg}=<vocabulary size>.")
    if kind == "int_mode_only":
        return (f"{_arg(d)}: {arg} only applies with output_mode='int' (got {d['mode']!r}).",
                f"Drop {arg}, or use output_mode='int'.")
    if kind == "missing":
        return (f"{layer} needs {arg}: it has no default.",
                f"Pass {arg}, e.g. {layer}({arg}=2).")
    if kind == "vocab_size":
        return (f"{layer}: the vocabulary gives {d['size']} indices (with the mask/OOV ones), more "
                f"than max_tokens={value}.",
                f"Raise max_tokens to at least {d['size']}, or pass a shorter vocabulary.")
    if kind == "required":
        return (f"{layer} needs {arg} or {d['other']}.", f"Pass {arg}= or {d['other']}=.")
    if kind == "crossing_shapes":
        return (f"{layer} needs two inputs of the same shape, got {fmt(shape)} and {fmt(d.get('other'))}.",
                "Cross two features of equal shape, e.g. both (batch, 1).")
    return (f"{_arg(d)} is not accepted by Keras{on}.", f"Check the {arg} argument of {layer}.")


# --- SHP4xx ----------------------------------------------------------------------------------

def _mul(a: Any, b: Any) -> Any:
    return a * b if is_known(a) and is_known(b) else None


def reshape_mismatch(d: dict) -> tuple[str, Optional[str]]:
    if d.get("op"):
        return _op_reshape_mismatch(d)
    x: Shape = d["input"]
    target = tuple(d["target"])
    out_size, in_size = d["out_size"], d["in_size"]
    if in_size is None:
        msg = (f"Reshape({target}) needs {out_size} values per example, but its input {fmt(x)} "
               f"always has a multiple of {d['known_in']}, which {out_size} is not.")
        return msg, f"Change the target so its sizes multiply to a multiple of {d['known_in']}."
    if d.get("wildcard"):
        msg = (f"Reshape({target}) cannot split the {in_size} values per example of {fmt(x)} "
               f"into blocks of {out_size}.")
    else:
        msg = (f"Reshape({target}) needs {out_size} values per example, but its input {fmt(x)} "
               f"has {in_size}.")
    options = []
    fixed = [v for v in target if v != -1]
    for i in range(len(fixed)):
        others = prod(fixed[:i] + fixed[i + 1:])
        if others and in_size % others == 0:
            suggestion = tuple(-1 if j == i else v for j, v in enumerate(fixed))
            options.append(f"Reshape({suggestion}) (the -1 becomes {in_size // others})")
            break
    options.append(f"map the input to {out_size} values first, e.g. Dense({out_size}), "
                   f"if {target} is the shape you need")
    fix = f"The target sizes must multiply to {in_size}: " + "; or ".join(options) + "."
    return msg, fix


def non_positive(d: dict) -> tuple[str, Optional[str]]:
    layer, size, out = d["layer"], d["size"], d["out"]
    if d.get("what") == "cropping":
        msg = (f"{layer} crops {d['cropping']} from axis {d['axis']} of size {size}, leaving {out}.")
        return msg, f"Crop less than {size} in total on axis {d['axis']}."
    what = "pool_size" if d.get("what") == "pool_size" else "kernel_size"
    msg = (f"{layer} with {what}={d['kernel']}, strides={d['strides']}, padding=\"{d['padding']}\" "
           f"on axis {d['axis']} of size {size} would give an output of size {out}.")
    fix = (f"Use padding=\"same\", a {what} of at most {size}, or fewer downsampling layers before "
           f"this one (the input is only {size} wide here).")
    return msg, fix


# --- SHP5xx: weight sharing and parameters ---------------------------------------------------

def _rows(rows: list[int]) -> str:
    return "line " + str(rows[0]) if len(rows) == 1 else "lines " + ", ".join(map(str, rows))


def recreated_layers(d: dict) -> tuple[str, Optional[str]]:
    n, unit = d["copies"], d["unit"]
    layers = ", ".join(dict.fromkeys(d["layers"]))
    who = f"{unit}() creates its layers on every call" if unit else "This loop creates its layers on every pass"
    rows = d["call_rows"]
    if unit and len(rows) == 1 and n > 1:
        calls = f"its {n} calls (all made at line {rows[0]})"
    elif unit and rows:
        calls = f"its {n} calls ({_rows(rows)})"
    else:
        calls = f"its {n} {'calls' if unit else 'passes'}"
    per = d["per_copy"]
    params = (f" ({n} x {per:,} = {n * per:,} parameters; shared, {per:,})" if per is not None else "")
    msg = (f"{who}: {calls} on independent inputs build {n} separate copies of {layers}{params}, "
           f"merged by {d['merge_layer']} at line {d['merge_row']}, so the branches share no weights.")
    where = f"outside {unit}()" if unit else "before the loop"
    fix = (f"To share weights, create the layers once {where} and reuse them: e.g. build "
           f"`base = keras.Sequential([...])` once and apply `base(x)` to each input (or pass the "
           f"layer objects in). If separate weights are intended, give each copy's layers distinct "
           f"names (name=...) to say so.")
    return msg, fix


def untracked_layer(d: dict) -> tuple[str, Optional[str]]:
    layer = d["layer"]
    msg = (f"{layer} is created inside {d['where']}, where Keras 3 does not track it: its weights "
           f"are made anew on every call and never trained.")
    if d["kind"] == "lambda":
        fix = (f"Create the {layer} once outside the Lambda and apply it as a layer, or write a "
               f"custom Layer that creates it in __init__ and uses it in call().")
    else:
        fix = (f"Create it once in __init__ (or build()), e.g. self.{layer.lower()} = "
               f"layers.{layer}(...), and only apply it in call().")
    return msg, fix


def hot_spot(d: dict) -> tuple[str, Optional[str]]:
    share = 100 * d["params"] / d["total"]
    msg = (f"Dense({d['units']}) holds {d['params']:,} of the model's {d['total']:,} parameters "
           f"({share:.0f}%) only to produce {d['units']} values that the Reshape({d['target']}) "
           f"at line {d['reshape_row']} rearranges.")
    s = d["suggestion"]
    if s:
        cost = f" ({s['params']:,} parameters)" if s["params"] is not None else ""
        fix = (f"Broadcast a small vector over the grid instead: Dense({s['channels']}) -> "
               f"RepeatVector({s['repeat']}) -> Reshape({s['target']}){cost}, or tile/UpSampling "
               f"a small feature map.")
    else:
        fix = "Broadcast a small vector over the target grid (RepeatVector, tile or UpSampling) instead."
    return msg, fix


# --- ops (keras.ops, tf.*, K.*) ------------------------------------------------------------

def _op_reshape_mismatch(d: dict) -> tuple[str, Optional[str]]:
    """SHP401 from a reshape op: sizes count the whole tensor, batch axis included."""
    x: Shape = d["input"]
    op, target = d["op"], tuple(d["target"])
    out_size, in_size = d["out_size"], d["in_size"]
    call = f"{op}(x, {target})"
    if in_size is None:
        msg = (f"{call} needs {out_size} values, but {fmt(x)} always holds a multiple of "
               f"{d['known_in']} (its unknown axis times {d['known_in']}), which {out_size} is not.")
        return msg, (f"Choose target sizes whose product is a multiple of {d['known_in']}, or put -1 "
                     f"where the unknown (batch) axis goes, e.g. {op}(x, (-1, {d['known_in']})).")
    if d.get("wildcard"):
        msg = f"{call} cannot split the {in_size} values of {fmt(x)} into blocks of {out_size}."
    else:
        msg = f"{call} needs {out_size} values, but {fmt(x)} holds {in_size}."
    fixed = [v for v in target if is_known(v) and v != -1]
    options = []
    for i in range(len(fixed)):
        others = prod(fixed[:i] + fixed[i + 1:])
        if others and in_size % others == 0:
            suggestion = tuple(-1 if j == i else v for j, v in enumerate(fixed))
            options.append(f"{op}(x, {suggestion}) (the -1 becomes {in_size // others})")
            break
    options.append("keep the batch axis as -1 and make the other sizes multiply to the size of "
                   "one example")
    return msg, f"The target sizes must multiply to {in_size}: " + "; or ".join(options) + "."


def matmul_mismatch(d: dict) -> tuple[str, Optional[str]]:
    op, kind = d["op"], d["kind"]
    shapes = d.get("shapes") or []
    if kind == "rank":
        x, y = shapes
        msg = f"{op} needs operands of rank 2 or more, but got {fmt(x)} and {fmt(y)}."
        return msg, ("Give the 1-D operand a matrix axis first (expand_dims(v, 0) or (v, -1)), or "
                     "use keras.ops.matmul / tensordot, which accept vectors.")
    if kind == "batch":
        msg = (f"{op} broadcasts the leading (batch) axes of its operands "
               f"{' and '.join(fmt(s) for s in shapes)}, but they differ ({d['a']} vs {d['b']}).")
        return msg, "Give both operands the same leading sizes, or 1 where one should be broadcast."
    if kind == "einsum":
        i, j = d["operands"]
        msg = (f"{op}('{d['equation']}') uses the label '{d['label']}' for sizes {d['a']} and "
               f"{d['b']} (operands {i} and {j}: {fmt(shapes[i])} and {fmt(shapes[j])}).")
        return msg, (f"Every axis labelled '{d['label']}' must have the same size: check the "
                     f"subscripts against the operands' shapes, or project one operand to "
                     f"{d['a']} first.")
    x, y = shapes
    ax, ay = d["axes"]
    msg = (f"{op} contracts axis {ax} of {fmt(x)} (size {d['a']}) with axis {ay} of {fmt(y)} "
           f"(size {d['b']}), which differ.")
    fix = (f"Make the contracted sizes equal: transpose the operand whose matching axis is elsewhere "
           f"(transpose_b=True in tf.matmul, or a transpose), or map it to {d['a']} features first "
           f"(e.g. Dense({d['a']})).")
    return msg, fix


def split_mismatch(d: dict) -> tuple[str, Optional[str]]:
    op, kind, size, axis, x = d["op"], d["kind"], d["size"], d["axis"], d["shape"]
    if kind == "sections":
        msg = f"{op} cannot split axis {axis} of {fmt(x)} (size {size}) into {d['n']} equal parts."
        divs = [k for k in range(1, size + 1) if size % k == 0][:8] if size > 0 else []
        return msg, (f"Split into a number of parts that divides {size} ({', '.join(map(str, divs))}), "
                     f"or pass the sizes of the parts (they must add up to {size}).")
    if kind == "sizes":
        sizes = d["sizes"]
        total = sum(s for s in sizes if s != -1)
        msg = (f"{op} sizes {list(sizes)} add up to {total}, but axis {axis} of {fmt(x)} has {size}.")
        return msg, f"Make the sizes add up to {size}, or write -1 for one of them to take the rest."
    msg = f"{op}(num={d['n']}) needs axis {axis} of {fmt(x)} to have {d['n']} entries, but it has {size}."
    return msg, f"Pass num={size}, or leave num out so it is read from the shape."


def invalid_axis(d: dict) -> tuple[str, Optional[str]]:
    op, kind, x = d["op"], d["kind"], d.get("shape")
    on = f" {fmt(x)}" if x is not None else ""
    if kind == "squeeze":
        ones = [i for i, s in enumerate(x.dims or ()) if is_known(s) and s == 1] if x else []
        msg = (f"{op}(axis={d['axis']}) can only remove an axis of size 1, but that axis of{on} "
               f"has size {d['size']}.")
        hint = (f"squeeze an axis of size 1 ({', '.join(map(str, ones))})" if ones
                else "there is no axis of size 1 to squeeze")
        return msg, f"Check the axis: {hint}; to drop an axis of size {d['size']}, reduce over it (mean/sum) or slice it."
    if kind == "perm":
        n = d["rank"]
        msg = f"{op}: {list(d['perm'])} is not a permutation of the {n} axes of{on}."
        return msg, (f"List every axis from 0 to {n - 1} exactly once, e.g. "
                     f"{[0, *range(n - 1, 0, -1)] if n > 1 else [0]}.")
    if kind == "multiples":
        n = d["rank"]
        msg = f"{op} needs one multiple per axis of{on} ({n}), but got {d['n']}."
        return msg, f"Give {n} multiples, e.g. {(1,) * n} with the axes to repeat set above 1."
    n = d["rank"]
    what = d.get("what", "axis")
    valid = f"{-n} to {n - 1}" if n else "none: the input is a scalar"
    msg = f"{op}: {what} {d['axis']} is out of range for{on} (valid axes: {valid})."
    fix = (f"Use an axis between {-n} and {n - 1} (-1 is the last axis); remember that axis 0 is "
           f"the batch axis." if n else "Give the op a tensor with at least one axis.")
    return msg, fix


RENDERERS: dict[str, Renderer] = {
    "SHP101": concat_mismatch,
    "SHP102": elementwise_mismatch,
    "SHP103": dot_mismatch,
    "SHP104": matmul_mismatch,
    "SHP105": split_mismatch,
    "SHP201": input_rank,
    "SHP202": int_shape,
    "SHP203": weight_mismatch,
    "SHP204": strides_dilation,
    "SHP205": invalid_argument,
    "SHP206": invalid_axis,
    "SHP207": tf_op_on_keras_tensor,
    "SHP301": missing_return_sequences,
    "SHP401": reshape_mismatch,
    "SHP402": non_positive,
    "SHP501": recreated_layers,
    "SHP502": untracked_layer,
    "SHP503": hot_spot,
}


def render(code: str, details: dict) -> tuple[str, Optional[str]]:
    return RENDERERS[code](details)


def syntax_error(msg: str) -> str:
    return f"SyntaxError: {msg}"


def unreadable(reason: str) -> str:
    return f"Cannot read file: {reason}"


def unused_suppression(code: str, name: str, file_wide: bool) -> tuple[str, str]:
    """An ignore comment that silences nothing (`code` is "*" for a blanket ignore)."""
    where = "in this file" if file_wide else "on this line"
    if code == "*":
        return (f"Unused suppression: no shapelint finding {where} to silence.",
                "Remove the comment; if it was meant for a build error from `check --validate`, "
                "name it: `# shapelint: ignore[SHP901]`.")
    return (f"Unused suppression of {code} ({name}): no such finding {where}.",
            f"Remove {code} from the comment (remove the comment if nothing else is left in it).")


def unknown_suppression(code: str, hint: Optional[str]) -> tuple[str, str]:
    fix = f"Did you mean {hint}? " if hint else ""
    return (f"Suppression names `{code}`, which is no shapelint rule, so it silences nothing.",
            fix + "See `shapelint rule --all` for the codes and names.")


def trace_step_text(layer: str, row: int, shape: str) -> str:
    return f"{shape} from {layer} at line {row}"
