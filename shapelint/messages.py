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
    ratios = [big.dims[i] / small.dims[i] for i in range(1, n + 1)]  # type: ignore[index,operator]
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
    listed = " and ".join(fmt(s) for s in shapes) if len(shapes) <= 3 else \
        ", ".join(fmt(s) for s in shapes)
    if d["kind"] == "rank":
        ranks = sorted({s.rank for s in shapes})  # type: ignore[type-var]
        msg = (f"Concatenate(axis={axis}) needs inputs of the same rank, got "
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
    msg = (f"Concatenate(axis={axis}) needs equal sizes on every axis except {ax}, "
           f"but {fmt(a)} and {fmt(b)} differ ({diffs}).")
    # Feature maps: make every spatial size equal (the concat axis too, when it is spatial).
    spatial = [i for i in range(1, rank - 1) if is_known(a.dims[i]) and is_known(b.dims[i])  # type: ignore[index]
               and a.dims[i] != b.dims[i]]  # type: ignore[index]
    options = _spatial_fix(a, b, spatial) if rank >= 3 and set(bad) <= set(spatial) else []
    if options and 1 <= ax <= rank - 2:
        options.append(f"then concatenate on the channel axis (axis=-1) to stack the feature maps")
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
    msg = f"{layer} needs shapes that broadcast, but {listed} differ on axis {axis} ({a} vs {b})."
    rank = shapes[0].rank
    if rank is not None and axis == rank - 1:
        proj = f"Dense({max(a, b)})" if rank == 2 else f"Conv{rank - 2}D({max(a, b)}, 1)" \
            if 3 <= rank <= 5 else f"Dense({max(a, b)})"
        fix = (f"Project the {min(a, b)}-feature input to {max(a, b)} features before {layer}, "
               f"e.g. {proj} (a 1x1 projection as in ResNet shortcuts).")
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
    msg = (f"{layer} expects a {want} input{' ' + layout if layout else ''}, "
           f"but got {_rank_word(got.rank)} {fmt(got)}.")
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
    if fix is None:
        fix = f"Reshape the input to a {want} tensor before {layer}."
    return msg, fix


def int_shape(d: dict) -> tuple[str, Optional[str]]:
    value, arg = d["value"], d["arg"]
    msg = (f"{arg}={value} is an int, but Keras 3 requires a tuple: `({value})` is just the int "
           f"{value} in Python.")
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


def missing_return_sequences(d: dict) -> tuple[str, Optional[str]]:
    msg = (f"{d['layer']} needs a sequence {_LAYOUT.get(d.get('family', 'rnn'), '')}, but the "
           f"{d['prev']} at line {d['prev_row']} returns only its last output {fmt(d['got'])} "
           f"(return_sequences=False).")
    fix = f"Pass return_sequences=True to the {d['prev']} at line {d['prev_row']}."
    return msg, fix


# --- SHP4xx ----------------------------------------------------------------------------------

def _mul(a: Any, b: Any) -> Any:
    return a * b if is_known(a) and is_known(b) else None


def reshape_mismatch(d: dict) -> tuple[str, Optional[str]]:
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


RENDERERS: dict[str, Renderer] = {
    "SHP101": concat_mismatch,
    "SHP102": elementwise_mismatch,
    "SHP103": dot_mismatch,
    "SHP201": input_rank,
    "SHP202": int_shape,
    "SHP203": weight_mismatch,
    "SHP204": strides_dilation,
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


def trace_step_text(layer: str, row: int, shape: str) -> str:
    return f"{shape} from {layer} at line {row}"
