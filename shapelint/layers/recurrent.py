"""Recurrent layers and wrappers: SimpleRNN/LSTM/GRU, cells and ``RNN``, ConvLSTM,
Bidirectional, TimeDistributed.

Wrapped layers are applied through :func:`shapelint.layers.engine.infer_output`, so a
wrapper works for every layer in the table. As in Keras, a wrapper asks the wrapped
layer for its ``compute_output_shape`` directly: the wrapped layer's accepted ranks
(its ``input_spec``) are not checked, only what its build and shape function check.
"""
from __future__ import annotations

from typing import Any

from shapelint.layers import engine
from shapelint.layers.common import (
    check_positive_int, checks, data_format, dims, int_tuple,
)
from shapelint.layers.conv import _check_strides_dilation, _padding, conv_length
from shapelint.layers.core import last_axis_weights
from shapelint.layers.spec import Config, LayerSpec, Unknowable, opaque
from shapelint.shapes import Shape, is_known, mul_dims
from shapelint.violations.base import Rejected
from shapelint.violations.arguments import NotAChoice, NotPositive, NotRecurrent
from shapelint.violations.inputs import InputRankMismatch
from shapelint.violations.spatial import NonPositiveOutput

_RECURRENT = {"SimpleRNN", "LSTM", "GRU", "RNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"}
_CELL_STATES = {"SimpleRNNCell": 1, "GRUCell": 1, "LSTMCell": 2}


def _with_state(cfg: Config, out: Shape, states: tuple):
    if cfg.bool("return_state"):
        return (out,) + states
    return out


def _sequence_output(cfg: Config, x: Shape, units: int, n_states: int):
    d = dims(x)
    if len(d) < 3:
        # Keras builds the cell on (batch,) + shape[2:]: its kernel would be sized by the
        # batch axis. Only a known batch makes that work; we cannot tell.
        raise Unknowable("rank")
    batch, time = d[0], d[1]
    state = Shape((batch, units))
    out = Shape((batch, time, units)) if cfg.bool("return_sequences") else state
    return _with_state(cfg, out, (state,) * n_states)


def rnn(n_states: int):
    def infer(cfg: Config, x: Shape):
        return _sequence_output(cfg, x, cfg.int("units"), n_states)
    return infer


def _cell(value: Any) -> tuple[int, tuple]:
    """(output size, flat state sizes) of a cell; Unknowable for nested or unknown cells."""
    spec = getattr(value, "spec", None)
    if spec is None:
        raise Unknowable("cell")
    if spec.name in _CELL_STATES:
        units = value.config.int("units")
        return units, (units,) * _CELL_STATES[spec.name]
    if spec.name == "StackedRNNCells":
        return _stacked(value.config.known("cells"))
    raise Unknowable("cell")


def _stacked(cells: Any) -> tuple[int, tuple]:
    if not isinstance(cells, (tuple, list)) or not cells:
        raise Unknowable("cells")
    sizes = [_cell(c) for c in cells]
    if any(len(states) != 1 for _, states in sizes):
        # Keras returns nested state lists ([h, c] per LSTM cell): not a flat tuple.
        raise Unknowable("nested states")
    return sizes[-1][0], tuple(states[0] for _, states in sizes)


def rnn_layer(cfg: Config, x: Shape):
    cell = cfg.known("cell")
    if isinstance(cell, (tuple, list)):
        out_size, states = _stacked(cell)
    else:
        out_size, states = _cell(cell)
    d = dims(x)
    if len(d) < 3:
        raise Unknowable("rank")
    batch, time = d[0], d[1]
    out = Shape((batch, time, out_size)) if cfg.bool("return_sequences") else Shape((batch, out_size))
    return _with_state(cfg, out, tuple(Shape((batch, s)) for s in states))


def conv_lstm(n: int, name: str):
    def infer(cfg: Config, x: Shape):
        d = dims(x)
        if len(d) != n + 3:
            raise Rejected(InputRankMismatch(expected=(n + 3,), min_rank=n + 3, got=x, layer=name, family=f"convlstm{n}d"))
        filters = cfg.int("filters")
        kernel = int_tuple(cfg, "kernel_size", n)
        strides = int_tuple(cfg, "strides", n, allow_zero=True)
        dilation = int_tuple(cfg, "dilation_rate", n)
        padding = _padding(cfg, ("valid", "same"))
        if 0 in strides:
            raise Rejected(NotPositive(argument="strides", value=cfg.raw("strides")))
        channels_first = data_format(cfg) == "channels_first"
        first = 3 if channels_first else 2
        frame = list(d[first:first + n])
        for i, length in enumerate(frame):
            frame[i] = conv_length(length, kernel[i], strides[i], padding, dilation[i])
            if is_known(frame[i]) and frame[i] <= 0:
                raise Rejected(NonPositiveOutput(axis=i + first, size=length, kernel=kernel[i], strides=strides[i], dilation=dilation[i], padding=padding, out=frame[i], what="kernel_size"))
        batch, time = d[0], d[1]
        state_dims = (filters, *frame) if channels_first else (*frame, filters)
        state = Shape((batch,) + tuple(state_dims))
        out = Shape((batch, time) + tuple(state_dims)) if cfg.bool("return_sequences") else state
        return _with_state(cfg, out, (state, state))
    return infer


def _check_conv_lstm(n: int):
    def check(cfg: Config) -> None:
        for name in ("kernel_size", "dilation_rate"):
            int_tuple(cfg, name, n)
        int_tuple(cfg, "strides", n, allow_zero=True)
        data_format(cfg)
        v = cfg.raw("padding")
        if isinstance(v, str) and v.lower() not in ("valid", "same"):
            raise Rejected(NotAChoice(argument="padding", value=v, choices=("valid", "same")))
    return checks(check, _check_strides_dilation(n))


def _inner_spec(cfg: Config):
    inner = cfg.known("layer")
    spec = getattr(inner, "spec", None)
    if spec is None:
        raise Unknowable("layer")
    return inner, spec


def _check_bidirectional(cfg: Config) -> None:
    merge = cfg.raw("merge_mode", "concat")
    if cfg.is_known(merge) and merge not in ("sum", "mul", "ave", "concat", None):
        raise Rejected(NotAChoice(argument="merge_mode", value=merge, choices=("sum", "mul", "ave", "concat", None)))
    try:
        _, spec = _inner_spec(cfg)
    except Unknowable:
        return
    if spec.name not in _RECURRENT:
        raise Rejected(NotRecurrent(argument="layer", value=spec.name))


def bidirectional(cfg: Config, x: Shape):
    inner, spec = _inner_spec(cfg)
    if spec.name not in _RECURRENT:
        raise Rejected(NotRecurrent(argument="layer", value=spec.name))
    if cfg.raw("backward_layer") is not None:
        raise Unknowable("backward_layer")
    engine.check_rank(spec, x)   # Bidirectional takes the wrapped layer's input_spec
    out = engine.infer_output(inner, x, input_spec=False)
    merge = cfg.known("merge_mode")
    states: tuple = ()
    if isinstance(out, tuple):
        out, *rest = out
        states = tuple(rest)
    if out.dims is None:
        raise Unknowable("inner output")
    if merge == "concat":
        merged = Shape(out.dims[:-1] + (mul_dims(out.dims[-1], 2),))
    elif merge in ("sum", "mul", "ave"):
        merged = out
    elif merge is None:
        return (out, out) + states * 2
    else:
        raise Unknowable("merge_mode")
    return (merged,) + states * 2 if states else merged


def bidirectional_weights(cfg: Config, x: Shape):
    return last_axis_weights(cfg, x)


def time_distributed(cfg: Config, x: Shape):
    inner, spec = _inner_spec(cfg)
    d = dims(x)
    if len(d) < 3:
        raise Rejected(InputRankMismatch(expected=(), got=x, min_rank=3, layer="TimeDistributed", family="time_distributed"))
    if spec.takes != "one" or spec.call_params:
        raise Unknowable("inner layer")
    inner_out = engine.infer_output(inner, Shape((d[0],) + d[2:]), input_spec=False)
    if isinstance(inner_out, tuple) or inner_out.dims is None or not inner_out.dims:
        raise Unknowable("inner output")
    return Shape((inner_out.dims[0], d[1]) + inner_out.dims[1:])


_RNN_PARAMS = ("units", "activation", "recurrent_activation", "use_bias")
_RNN_DEFAULTS = {"return_sequences": False, "return_state": False}
_CONV_LSTM_PARAMS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate")
_CONV_LSTM_DEFAULTS = {"strides": 1, "padding": "valid", "dilation_rate": 1, "data_format": None,
                       **_RNN_DEFAULTS}
_units = checks(lambda c: check_positive_int(c, "units", strict_type=False))

SPECS = [
    LayerSpec("SimpleRNN", ("units", "activation", "use_bias"), _RNN_DEFAULTS, rnn(1),
              ranks=(3,), family="rnn", weight_axes=last_axis_weights, check=_units),
    LayerSpec("LSTM", _RNN_PARAMS, _RNN_DEFAULTS, rnn(2), ranks=(3,), family="rnn",
              weight_axes=last_axis_weights, check=_units),
    LayerSpec("GRU", _RNN_PARAMS, _RNN_DEFAULTS, rnn(1), ranks=(3,), family="rnn",
              weight_axes=last_axis_weights, check=_units),
    LayerSpec("RNN", ("cell", "return_sequences", "return_state", "go_backwards", "stateful",
                      "unroll"), _RNN_DEFAULTS, rnn_layer, family="rnn",
              input_arg="sequences"),
    # Cells are built into an RNN; calling one directly (inputs, states) is not modeled.
    LayerSpec("SimpleRNNCell", ("units", "activation", "use_bias"), {}, opaque, family="cell",
              check=_units, opaque=True),
    LayerSpec("LSTMCell", _RNN_PARAMS, {}, opaque, family="cell", check=_units, opaque=True),
    LayerSpec("GRUCell", _RNN_PARAMS, {}, opaque, family="cell", check=_units, opaque=True),
    LayerSpec("StackedRNNCells", ("cells",), {}, opaque, family="cell", opaque=True),
    LayerSpec("Bidirectional", ("layer", "merge_mode", "weights", "backward_layer"),
              {"merge_mode": "concat", "backward_layer": None}, bidirectional, family="rnn",
              weight_axes=bidirectional_weights, check=checks(_check_bidirectional)),
    LayerSpec("TimeDistributed", ("layer",), {}, time_distributed, min_rank=3,
              family="time_distributed"),
] + [
    LayerSpec(f"ConvLSTM{n}D", _CONV_LSTM_PARAMS, _CONV_LSTM_DEFAULTS,
              conv_lstm(n, f"ConvLSTM{n}D"), ranks=(n + 3,), family=f"convlstm{n}d",
              check=_check_conv_lstm(n))
    for n in (1, 2, 3)
]
