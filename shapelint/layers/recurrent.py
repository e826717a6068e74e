"""Recurrent layers and wrappers: SimpleRNN/LSTM/GRU, ConvLSTM, Bidirectional, TimeDistributed.

Wrapped layers are applied through :func:`shapelint.layers.engine.infer_output`, so a
wrapper works for every layer in the table.
"""
from __future__ import annotations

from shapelint.layers import engine
from shapelint.layers.conv import conv_length
from shapelint.layers.core import last_axis_weights
from shapelint.layers.spec import Config, LayerIssue, LayerSpec, Unknowable
from shapelint.shapes import Shape, is_known, mul_dims


def _with_state(cfg: Config, out: Shape, state: Shape, n_states: int):
    if cfg.bool("return_state"):
        return (out,) + (state,) * n_states
    return out


def rnn(n_states: int):
    def infer(cfg: Config, x: Shape):
        units = cfg.int("units")
        batch = x.dims[0] if x.dims else None
        time = x.dims[1] if x.dims else None
        state = Shape((batch, units))
        out = Shape((batch, time, units)) if cfg.bool("return_sequences") else state
        return _with_state(cfg, out, state, n_states)
    return infer


def conv_lstm(n: int):
    def infer(cfg: Config, x: Shape):
        if x.dims is None:
            raise Unknowable("rank")
        filters = cfg.int("filters")
        kernel = cfg.int_tuple("kernel_size", n)
        strides = cfg.int_tuple("strides", n)
        dilation = cfg.int_tuple("dilation_rate", n)
        padding = cfg.str("padding") or "valid"
        channels_first = cfg.data_format() == "channels_first"
        frame = list(x.dims[3:] if channels_first else x.dims[2:-1])
        for i, length in enumerate(frame):
            frame[i] = conv_length(length, kernel[i], strides[i], padding, dilation[i])
            if is_known(frame[i]) and frame[i] <= 0:
                raise LayerIssue("SHP402", axis=i + (3 if channels_first else 2), size=length,
                                 kernel=kernel[i], strides=strides[i], dilation=dilation[i],
                                 padding=padding, out=frame[i], what="kernel_size")
        batch, time = x.dims[0], x.dims[1]
        state_dims = (filters, *frame) if channels_first else (*frame, filters)
        state = Shape((batch,) + tuple(state_dims))
        out = Shape((batch, time) + tuple(state_dims)) if cfg.bool("return_sequences") else state
        return _with_state(cfg, out, state, 2)
    return infer


def _check_conv_lstm(n: int):
    def check(cfg: Config) -> None:
        try:
            strides = cfg.int_tuple("strides", n)
            dilation = cfg.int_tuple("dilation_rate", n)
        except Unknowable:
            return
        if max(strides) > 1 and max(dilation) > 1:
            raise LayerIssue("SHP204", strides=strides, dilation_rate=dilation)
    return check


def bidirectional(cfg: Config, x: Shape):
    inner = cfg.known("layer")
    out = engine.infer_output(inner, x)
    merge = cfg.raw("merge_mode", "concat")
    states = ()
    if isinstance(out, tuple):
        out, *rest = out
        states = tuple(rest) * 2
    if merge == "concat":
        merged = (Shape(out.dims[:-1] + (mul_dims(out.dims[-1], 2),))
                  if out.dims else Shape(None))
    elif merge in ("sum", "mul", "ave"):
        merged = out
    elif merge is None:
        return (out, out) + states
    else:
        raise Unknowable("merge_mode")
    return (merged,) + states if states else merged


def bidirectional_weights(cfg: Config, x: Shape):
    return last_axis_weights(cfg, x)


def time_distributed(cfg: Config, x: Shape):
    inner = cfg.known("layer")
    if x.dims is None:
        raise Unknowable("rank")
    if len(x.dims) < 3:
        raise LayerIssue("SHP201", expected=(3,), got=x, min_rank=3)
    inner_out = engine.infer_output(inner, Shape((x.dims[0],) + x.dims[2:]))
    if isinstance(inner_out, tuple):
        raise Unknowable("inner output")
    if inner_out.dims is None:
        return Shape(None)
    return Shape((x.dims[0], x.dims[1]) + inner_out.dims[1:])


_RNN_PARAMS = ("units", "activation", "recurrent_activation", "use_bias")
_RNN_DEFAULTS = {"return_sequences": False, "return_state": False}
_CONV_LSTM_PARAMS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate")
_CONV_LSTM_DEFAULTS = {"strides": 1, "padding": "valid", "dilation_rate": 1, **_RNN_DEFAULTS}

SPECS = [
    LayerSpec("SimpleRNN", ("units", "activation", "use_bias"), _RNN_DEFAULTS, rnn(1),
              ranks=(3,), family="rnn", weight_axes=last_axis_weights),
    LayerSpec("LSTM", _RNN_PARAMS, _RNN_DEFAULTS, rnn(2), ranks=(3,), family="rnn",
              weight_axes=last_axis_weights),
    LayerSpec("GRU", _RNN_PARAMS, _RNN_DEFAULTS, rnn(1), ranks=(3,), family="rnn",
              weight_axes=last_axis_weights),
    LayerSpec("Bidirectional", ("layer", "merge_mode", "weights", "backward_layer"),
              {"merge_mode": "concat"}, bidirectional, ranks=(3,), family="rnn",
              weight_axes=bidirectional_weights),
    LayerSpec("TimeDistributed", ("layer",), {}, time_distributed, family="time_distributed"),
] + [
    LayerSpec(f"ConvLSTM{n}D", _CONV_LSTM_PARAMS, _CONV_LSTM_DEFAULTS, conv_lstm(n),
              ranks=(n + 3,), family=f"convlstm{n}d", check=_check_conv_lstm(n))
    for n in (1, 2, 3)
]
