"""Recurrent layers and wrappers: SimpleRNN/LSTM/GRU, cells and ``RNN``, ConvLSTM,
Bidirectional, TimeDistributed.

Wrapped layers are applied through :func:`shapelint.layers.engine.infer_output`, so a
wrapper works for every layer in the table. As in Keras, a wrapper asks the wrapped
layer for its ``compute_output_shape`` directly: the wrapped layer's accepted ranks
(its ``input_spec``) are not checked, only what its build and shape function check.
"""
from __future__ import annotations

from math import prod
from typing import Any

from shapelint.interp.values import is_fully_known
from shapelint.layers import engine
from shapelint.layers.common import (
    bias,
    check_positive_int,
    checks,
    data_format,
    dims,
    int_tuple,
    weight_dim,
)
from shapelint.layers.conv import _check_strides_dilation, _padding, conv_length
from shapelint.layers.core import last_axis_weights
from shapelint.layers.spec import (
    Arguments,
    Check,
    CountFn,
    Counts,
    InferFn,
    LayerSpec,
    Output,
    Unknowable,
    Weights,
    opaque,
)
from shapelint.shapes import Dim, Shape, is_known, mul_dims
from shapelint.violations.arguments import NotAChoice, NotPositive, NotRecurrent
from shapelint.violations.base import Rejected
from shapelint.violations.inputs import InputRankMismatch
from shapelint.violations.spatial import NonPositiveOutput

_RECURRENT = {"SimpleRNN", "LSTM", "GRU", "RNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"}
_CELL_STATES = {"SimpleRNNCell": 1, "GRUCell": 1, "LSTMCell": 2}


def _with_state(cfg: Arguments, out: Shape, states: tuple[Shape, ...]) -> Output:
    if cfg.bool("return_state"):
        return (out,) + states
    return out


def _sequence_output(cfg: Arguments, x: Shape, units: Dim, n_states: int) -> Output:
    d = dims(x)
    if len(d) < 3:
        # Keras builds the cell on (batch,) + shape[2:]: its kernel would be sized by the
        # batch axis. Only a known batch makes that work; we cannot tell.
        raise Unknowable("rank")
    batch, time = d[0], d[1]
    state = Shape((batch, units))
    out = Shape((batch, time, units)) if cfg.bool("return_sequences") else state
    return _with_state(cfg, out, (state,) * n_states)


def rnn(n_states: int) -> InferFn:
    def infer(cfg: Arguments, x: Shape) -> Output:
        return _sequence_output(cfg, x, cfg.size("units"), n_states)
    return infer


def _cell(value: Any) -> tuple[int, tuple[int, ...]]:
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


def _stacked(cells: Any) -> tuple[int, tuple[int, ...]]:
    if not isinstance(cells, (tuple, list)) or not cells:
        raise Unknowable("cells")
    sizes = [_cell(c) for c in cells]
    if any(len(states) != 1 for _, states in sizes):
        # Keras returns nested state lists ([h, c] per LSTM cell): not a flat tuple.
        raise Unknowable("nested states")
    return sizes[-1][0], tuple(states[0] for _, states in sizes)


def rnn_layer(cfg: Arguments, x: Shape) -> Output:
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


def conv_lstm(n: int, name: str) -> InferFn:
    def infer(cfg: Arguments, x: Shape) -> Output:
        d = dims(x)
        if len(d) != n + 3:
            raise Rejected(InputRankMismatch(expected=(n + 3,), min_rank=n + 3, got=x, layer=name,
                                             family=f"convlstm{n}d"))
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
            size = frame[i] = conv_length(length, kernel[i], strides[i], padding, dilation[i])
            if is_known(size) and size <= 0:
                raise Rejected(NonPositiveOutput(axis=i + first, size=length, kernel=kernel[i],
                                                 strides=strides[i], dilation=dilation[i],
                                                 padding=padding, out=size, what="kernel_size"))
        batch, time = d[0], d[1]
        state_dims = (filters, *frame) if channels_first else (*frame, filters)
        state = Shape((batch,) + tuple(state_dims))
        out = Shape((batch, time) + tuple(state_dims)) if cfg.bool("return_sequences") else state
        return _with_state(cfg, out, (state, state))
    return infer


def _check_conv_lstm(n: int) -> Check:
    def check(cfg: Arguments) -> None:
        for name in ("kernel_size", "dilation_rate"):
            int_tuple(cfg, name, n)
        int_tuple(cfg, "strides", n, allow_zero=True)
        data_format(cfg)
        if isinstance(cfg.raw("padding"), str):
            _padding(cfg, ("valid", "same"))
    return checks(check, _check_strides_dilation(n))


def _inner_spec(cfg: Arguments) -> tuple[Any, LayerSpec]:
    """The wrapped layer (Bidirectional's, TimeDistributed's) and its spec."""
    inner = cfg.known("layer")
    spec = getattr(inner, "spec", None)
    if spec is None:
        raise Unknowable("layer")
    return inner, spec


def _check_bidirectional(cfg: Arguments) -> None:
    merge = cfg.raw("merge_mode", "concat")
    if is_fully_known(merge) and merge not in ("sum", "mul", "ave", "concat", None):
        raise Rejected(NotAChoice(argument="merge_mode", value=merge,
                                  choices=("sum", "mul", "ave", "concat", None)))
    try:
        _, spec = _inner_spec(cfg)
    except Unknowable:
        return
    if spec.name not in _RECURRENT:
        raise Rejected(NotRecurrent(argument="layer", value=spec.name))


def bidirectional(cfg: Arguments, x: Shape) -> Output:
    inner, spec = _inner_spec(cfg)
    if spec.name not in _RECURRENT:
        raise Rejected(NotRecurrent(argument="layer", value=spec.name))
    if cfg.raw("backward_layer") is not None:
        raise Unknowable("backward_layer")
    engine.check_rank(spec, x)   # Bidirectional takes the wrapped layer's input_spec
    out = engine.infer_output(inner, x, input_spec=False)
    merge = cfg.known("merge_mode")
    states: tuple[Shape, ...] = ()
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


def time_distributed(cfg: Arguments, x: Shape) -> Shape:
    inner, spec = _inner_spec(cfg)
    d = dims(x)
    if len(d) < 3:
        raise Rejected(InputRankMismatch(expected=(), got=x, min_rank=3, layer="TimeDistributed",
                                         family="time_distributed"))
    if spec.takes != "one" or spec.call_params:
        raise Unknowable("inner layer")
    inner_out = engine.infer_output(inner, Shape((d[0],) + d[2:]), input_spec=False)
    if isinstance(inner_out, tuple) or inner_out.dims is None or not inner_out.dims:
        raise Unknowable("inner output")
    return Shape((inner_out.dims[0], d[1]) + inner_out.dims[1:])


# --- weights ------------------------------------------------------------------------------------

def gated_weights(gates: int) -> CountFn:
    """SimpleRNN (1 gate), LSTM (4), GRU (3) and their cells: kernel (features, gates * units),
    recurrent kernel (units, gates * units), bias (gates * units; twice with GRU's
    ``reset_after``)."""
    def count(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
        units, features = cfg.int("units"), weight_dim(x, -1)
        biases = 2 if cfg.bool("reset_after") else 1
        return gates * units * (features + units) + bias(cfg, biases * gates * units), 0
    return count


def _cells_weights(cells: Any, features: int) -> Counts:
    """A cell, or cells stacked in order (each built on the previous one's output), on
    inputs of ``features`` values per step."""
    trainable = non_trainable = 0
    for cell in cells if isinstance(cells, (tuple, list)) else (cells,):
        spec = getattr(cell, "spec", None)
        if spec is None or spec.family != "cell" or not callable(spec.weights):
            raise Unknowable("cell")
        counts = spec.weights(cell.config, Shape((None, features)), {})
        trainable, non_trainable = trainable + counts[0], non_trainable + counts[1]
        features = _output_size(cell)
    return trainable, non_trainable


def _output_size(cell: Any) -> int:
    """A cell's output size: its units, or the last stacked cell's."""
    if cell.spec.name == "StackedRNNCells":
        cells = cell.config.seq("cells")
        if not cells:
            raise Unknowable("cells")
        return _output_size(cells[-1])
    units: int = cell.config.int("units")
    return units


def stacked_cells_weights(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
    return _cells_weights(cfg.seq("cells"), weight_dim(x, -1))


def rnn_layer_weights(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
    """RNN(cell): the weights of its cell(s), built on the last input axis."""
    return _cells_weights(cfg.known("cell"), weight_dim(x, -1))


def conv_lstm_weights(n: int) -> CountFn:
    """kernel (k..., channels, 4 * filters), recurrent kernel (k..., filters, 4 * filters),
    bias (4 * filters)."""
    def count(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
        filters = cfg.int("filters")
        k = prod(int_tuple(cfg, "kernel_size", n, check=False))
        cin = weight_dim(x, 2 if data_format(cfg) == "channels_first" else -1)
        return 4 * (k * cin * filters + k * filters * filters) + bias(cfg, 4 * filters), 0
    return count


# --- the table ----------------------------------------------------------------------------------

_RNN_PARAMS = ("units", "activation", "recurrent_activation", "use_bias")
_RNN_DEFAULTS = {"return_sequences": False, "return_state": False, "use_bias": True}
_CELL_DEFAULTS = {"use_bias": True}
_CONV_LSTM_PARAMS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate")
_CONV_LSTM_DEFAULTS = {"strides": 1, "padding": "valid", "dilation_rate": 1, "data_format": None,
                       **_RNN_DEFAULTS}
_units = checks(lambda c: check_positive_int(c, "units", strict_type=False))
_CELL: dict[str, Any] = dict(family="cell", check=_units, opaque=True)

SPECS = [
    LayerSpec("SimpleRNN", ("units", "activation", "use_bias"), _RNN_DEFAULTS, rnn(1),
              ranks=(3,), family="rnn", weight_axes=last_axis_weights, check=_units,
              weights=gated_weights(1)),
    LayerSpec("LSTM", _RNN_PARAMS, _RNN_DEFAULTS, rnn(2), ranks=(3,), family="rnn",
              weight_axes=last_axis_weights, check=_units, weights=gated_weights(4)),
    LayerSpec("GRU", _RNN_PARAMS, {**_RNN_DEFAULTS, "reset_after": True}, rnn(1), ranks=(3,),
              family="rnn", weight_axes=last_axis_weights, check=_units,
              weights=gated_weights(3)),
    LayerSpec("RNN", ("cell", "return_sequences", "return_state", "go_backwards", "stateful",
                      "unroll"), _RNN_DEFAULTS, rnn_layer, family="rnn",
              input_arg="sequences", weights=rnn_layer_weights),
    # Cells are built into an RNN; calling one directly (inputs, states) is not modeled.
    LayerSpec("SimpleRNNCell", ("units", "activation", "use_bias"), _CELL_DEFAULTS, opaque,
              weights=gated_weights(1), **_CELL),
    LayerSpec("LSTMCell", _RNN_PARAMS, _CELL_DEFAULTS, opaque, weights=gated_weights(4), **_CELL),
    LayerSpec("GRUCell", _RNN_PARAMS, {**_CELL_DEFAULTS, "reset_after": True}, opaque,
              weights=gated_weights(3), **_CELL),
    LayerSpec("StackedRNNCells", ("cells",), {}, opaque, family="cell", opaque=True,
              weights=stacked_cells_weights),
    # Two copies of the wrapped layer (forward and backward): counted in accounting.params.
    LayerSpec("Bidirectional", ("layer", "merge_mode", "weights", "backward_layer"),
              {"merge_mode": "concat", "backward_layer": None}, bidirectional, family="rnn",
              weight_axes=last_axis_weights, check=checks(_check_bidirectional),
              weights=Weights.COPIES),
    LayerSpec("TimeDistributed", ("layer",), {}, time_distributed, min_rank=3,
              family="time_distributed", weights=Weights.SHARES),
] + [
    LayerSpec(f"ConvLSTM{n}D", _CONV_LSTM_PARAMS, _CONV_LSTM_DEFAULTS,
              conv_lstm(n, f"ConvLSTM{n}D"), ranks=(n + 3,), family=f"convlstm{n}d",
              check=_check_conv_lstm(n), weights=conv_lstm_weights(n))
    for n in (1, 2, 3)
]
