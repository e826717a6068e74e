"""Constructing layers and calling them on tensors: the layer table applied to values.

Shape rules come from the declarative table (:mod:`shapelint.layers.table`); this module
wires them to values: constructing layer instances, calling them, remembering what their
weights were built for, and reporting what Keras would reject.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from shapelint.arguments import Arguments
from shapelint.data.values import ShapeTuple
from shapelint.interp.host import TraceInputs
from shapelint.interp.values import UNKNOWN, FunctionValue, ListValue, Value, dim_of, sequence_items
from shapelint.keras import op_runtime
from shapelint.keras.values import LayerCall, LayerInstance, Producer, Tensor
from shapelint.layers import engine
from shapelint.layers.spec import LayerSpec
from shapelint.shapes import Shape, dims_differ
from shapelint.violations.base import Rejected, Site, Violation
from shapelint.violations.data import InputShapeIncludesSamples
from shapelint.violations.inputs import (
    InputRankMismatch,
    IntShapeArgument,
    SharedLayerInputMismatch,
    UndefinedWeightAxis,
)
from shapelint.violations.spatial import MissingReturnSequences

if TYPE_CHECKING:
    from shapelint.keras.semantics import KerasSemantics

_RECURRENT_FAMILIES = {"rnn", "convlstm1d", "convlstm2d", "convlstm3d"}
# A layer's input as its shape function takes it: one shape, or one per tensor of a list.
InputShapes = Shape | list[Shape]


def shape_from_value(value: Value, with_batch: bool) -> Shape | None:
    """A user-written shape (tuple/list of ints and Nones) as a Shape, or None if unknown."""
    items = sequence_items(value)
    if items is None:
        return None
    dims = tuple(dim_of(v) if v is not None else None for v in items)
    return Shape(dims if with_batch else (None,) + dims)


def construct(rt: KerasSemantics, spec: LayerSpec, args: list[Value], kwargs: dict[str, Value], node: Any,
              complete: bool) -> LayerInstance:
    values: dict[str, Value] = dict(zip(spec.params, args))
    values.update(kwargs)
    if not complete:
        values = {k: UNKNOWN for k in set(values) | set(spec.params)}
    defaults = spec.defaults
    if rt.image_data_format != "channels_last":   # set_image_data_format(...) was called
        defaults = {**defaults, "data_format": UNKNOWN if rt.image_data_format is None
                    else rt.image_data_format}
    config = Arguments(values, defaults, spec.name, lists_as_tuples=True)
    name = kwargs.get("name")
    layer = LayerInstance(spec, config, node=node, context=rt.host.context,
                          name=name if isinstance(name, str) else None,
                          declared_input=_declared_input(rt, kwargs, node))
    function = config.raw("function")
    lambda_function = function if spec.name == "Lambda" and isinstance(function, FunctionValue) else None
    rt.host.observers.emit("layer_constructed", layer, lambda_function)
    if spec.check is not None:
        try:
            spec.check(config)
        except Rejected as rejected:
            rt.host.report(rejected.violation.at_site(Site(layer=spec.name)), node)
    return layer


def _declared_input(rt: KerasSemantics, kwargs: dict[str, Value], node: Any) -> Shape | None:
    """input_shape= / batch_input_shape= / input_dim= on a (first) layer."""
    if "batch_input_shape" in kwargs:
        return shape_from_value(kwargs["batch_input_shape"], with_batch=True)
    if "input_shape" in kwargs:
        raw = kwargs["input_shape"]
        if includes_samples(rt, raw, "input_shape", node):
            rt.samples_in_shape.add(id(node))
        if isinstance(raw, int) and not isinstance(raw, bool):
            if rt.version >= 3:
                rt.host.report(IntShapeArgument(argument="input_shape", value=raw), node)
            raw = (raw,)
        return shape_from_value(raw, with_batch=False)
    if isinstance(kwargs.get("input_dim"), int):
        return Shape((None, kwargs["input_dim"]))
    if isinstance(kwargs.get("input_length"), int):      # Embedding(..., input_length=200)
        return Shape((None, kwargs["input_length"]))
    return None


def includes_samples(rt: KerasSemantics, raw: Value, argument: str, node: Any) -> bool:
    """A shape argument taken from a whole data array (``X_train.shape``) includes the sample
    axis: report it. The model is then built as Keras builds it (with that axis), and the
    data checks leave its input alone: the one mistake is reported once."""
    if isinstance(raw, ShapeTuple) and raw.array.shape is not None:
        rt.host.report(InputShapeIncludesSamples(argument=argument, expression=raw.expression,
                                                 data_shape=raw.array.shape), node, [("data", raw.array)])
        return True
    return False


def _input_tensors(rt: KerasSemantics, value: Value, takes: str) -> tuple[InputShapes | None, list[Tensor]]:
    """Shapes to feed the shape function, and the tensors they came from."""
    if takes == "list":
        items = rt.host.iterate(value)
        if items is None:
            return None, []
        tensors = [v if isinstance(v, Tensor) else Tensor(Shape(None)) for v in items]
        return [t.shape for t in tensors], tensors
    if isinstance(value, Tensor):
        return value.shape, [value]
    if isinstance(value, (ListValue, tuple)):
        items = rt.host.iterate(value)
        if items and len(items) == 1 and isinstance(items[0], Tensor):
            return items[0].shape, [items[0]]
        if items and all(isinstance(t, Tensor) for t in items):
            return [t.shape for t in items], list(items)   # the engine says what Keras does
    return Shape(None), []


def call_layer(rt: KerasSemantics, layer: LayerInstance, args: list[Value], kwargs: dict[str, Value],
               node: Any, report_node: Any = None) -> Value:
    value = args[0] if args else kwargs.get(layer.spec.input_arg, kwargs.get("inputs", UNKNOWN))
    spec = layer.spec
    shapes, tensors = _input_tensors(rt, value, spec.takes)
    shapes = _assume_accepted_rank(rt, spec, shapes)
    where = report_node or node
    call_args = _call_args(spec, args[1:], kwargs)
    # Tensors passed as other call arguments (attention's value/key, an RNN's
    # initial_state, a mask) are inputs of the call too, as in Keras' graph.
    input_kw = () if args else (spec.input_arg, "inputs")
    extra = rt.flat_tensors([*args[1:], *(v for k, v in kwargs.items() if k not in input_kw)])
    if tensors or extra:
        rt.keras_used()
    # The graph keeps every tensor of the input, even where the shape function cannot
    # take them (a Lambda with output_shape called on a list).
    graph_inputs = tensors or rt.flat_tensors([value])
    producer = rt.producer(node, spec.name, tuple(graph_inputs) + tuple(extra), layer)
    if shapes is None:
        return Tensor(Shape(None), producer)
    inputs = [(f"input {i}" if len(tensors) > 1 else "input", t) for i, t in enumerate(tensors)]
    if not _check_weights(rt, layer, shapes, where, inputs, node):
        return Tensor(Shape(None), producer)
    ran = op_runtime.run_lambda(rt, layer, value, node) if spec.name == "Lambda" else None
    if ran is not None:
        record_call(rt, layer, node, tensors, shapes, ran)
        return ran
    try:
        out = engine.infer_output(layer, shapes, call_args, keras_version=rt.version)
    except Rejected as rejected:
        _report_layer_issue(rt, layer, rejected.violation, where, inputs, tensors)
        return Tensor(Shape(None), producer)
    if _undefined_weight_axis(rt, layer, shapes, where, inputs):
        return Tensor(Shape(None), producer)
    result = ListValue([Tensor(s, producer) for s in out]) if isinstance(out, tuple) \
        else Tensor(out, producer)
    record_call(rt, layer, node, tuple(tensors) + tuple(extra), shapes, result, call_args)
    return result


def _assume_accepted_rank(rt: KerasSemantics, spec: LayerSpec,
                          shapes: InputShapes | None) -> InputShapes | None:
    """An input of unknown rank to a layer that takes exactly one rank has that rank: any
    other would have made Keras raise here, so whatever follows sees that rank (an LSTM
    gives (batch, units) whatever fed it)."""
    if not isinstance(shapes, Shape) or shapes.dims is not None or not spec.ranks or len(spec.ranks) != 1:
        return shapes
    if rt.version < 3 and spec.name in engine.KERAS2_BATCHED:
        return shapes                      # Keras 2 convolutions take extra leading axes
    return Shape.unknown(spec.ranks[0])


def _call_args(spec: LayerSpec, args: list[Value], kwargs: dict[str, Value]) -> dict[str, Value] | None:
    """Call arguments a spec reads besides its input (attention's value/key, flags)."""
    if not spec.call_params:
        return None
    bound = dict(zip(spec.call_params, args))
    bound.update({k: v for k, v in kwargs.items() if k in spec.call_params})
    return {k: (v.shape if isinstance(v, Tensor) else v) for k, v in bound.items()}


def record_call(rt: KerasSemantics, layer: LayerInstance, node: Any, tensors: Sequence[Tensor],
                shapes: InputShapes, result: Value, call_args: dict[str, Value] | None = None) -> None:
    call = LayerCall(layer, node, tuple(tensors), shapes, result, rt.host.context, call_args or {})
    layer.calls.append(call)
    rt.host.observers.emit("layer_called", call)


def _check_weights(rt: KerasSemantics, layer: LayerInstance, shapes: InputShapes, node: Any,
                   inputs: TraceInputs, call_node: Any) -> bool:
    """A layer's weights are fixed by its first call; a later call must fit them."""
    spec = layer.spec
    if spec.weight_axes is None or not isinstance(shapes, Shape):
        return True
    try:
        fixed = spec.weight_axes(layer.config, shapes)
    except Exception:
        return True
    if not fixed:
        return True
    if layer.built_for is None or layer.built_at is None:
        layer.built_for = fixed
        layer.built_at = (call_node, shapes)
        return True
    for axis, dim in fixed.items():
        before = layer.built_for.get(axis)
        if dims_differ(before, dim):
            rt.host.report(SharedLayerInputMismatch(
                layer=spec.name, axis=axis, expected=before, got=dim,
                first_row=rt.host.where(layer.built_at[0])[0][0],
                first_shape=layer.built_at[1], shape=shapes,
            ), node, inputs)
            return False
    return True


def _undefined_weight_axis(rt: KerasSemantics, layer: LayerInstance, shapes: InputShapes, node: Any,
                           inputs: TraceInputs) -> bool:
    """SHP203 at the call that builds a layer whose weights span an axis of size None (a
    ``Dense`` after ``Flatten`` of a variable-length sequence): Keras cannot create them."""
    # _check_weights read the axes the weights span when this call built the layer.
    if layer.built_at is None or layer.built_at[1] is not shapes:
        return False
    undefined = [axis for axis, dim in (layer.built_for or {}).items() if dim is None]
    if not isinstance(shapes, Shape) or not undefined or not inputs \
            or not all(_written_variable(rt, t) for _, t in inputs):
        return False
    rt.host.report(UndefinedWeightAxis(layer=layer.spec.name, axis=undefined[0], shape=shapes), node, inputs)
    return True


def _written_variable(rt: KerasSemantics, tensor: Tensor) -> bool:
    """Whether the None sizes of ``tensor`` are Keras' variable-size axes: it comes, through
    layer calls only, from Inputs whose shapes the code writes out (``shape=(None, 8)``), and
    each layer on the way was given a None to pass on. Anything else (an op, a value the
    analysis could not follow, a shape from a parameter) may hide a size Keras knows. Each
    tensor is visited once (residual networks share their ancestors)."""
    seen: set[int] = set()
    stack = [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        p = t.producer
        if p is None or t.shape.dims is None:
            return False
        if p.layer == "Input":
            if id(p) not in rt.literal_inputs:
                return False
            continue
        ins = [i for i in p.inputs if isinstance(i, Tensor)]
        if not isinstance(p.layer_obj, LayerInstance) or not ins or len(ins) != len(p.inputs) \
                or not any(i.shape.dims is not None and None in i.shape.dims[1:] for i in ins):
            return False
        stack.extend(ins)
    return True


def _report_layer_issue(rt: KerasSemantics, layer: LayerInstance, violation: Violation, node: Any,
                        inputs: TraceInputs, tensors: list[Tensor]) -> None:
    spec = layer.spec
    violation = violation.at_site(Site(layer=spec.name, arguments=layer.config.raw))
    if isinstance(violation, InputRankMismatch):
        violation = replace(violation, keras2_accepts=engine.keras2_accepts(spec, violation.got))
        origin = _recurrent_origin(tensors[0]) if spec.family in _RECURRENT_FAMILIES and tensors else None
        if origin is not None:
            violation = MissingReturnSequences(got=violation.got, prev=origin.layer, prev_row=origin.row,
                                               family=violation.family or "rnn", layer=spec.name)
    rt.host.report(violation, node, inputs)


def _recurrent_origin(tensor: Tensor) -> Producer | None:
    """The recurrent layer without return_sequences that made ``tensor``, looking through
    shape-preserving layers (BatchNormalization, Dropout, activations) in between."""
    for _ in range(8):
        p = tensor.producer
        if p is None:
            return None
        layer = p.layer_obj
        if isinstance(layer, LayerInstance) and layer.spec.family in _RECURRENT_FAMILIES:
            try:
                return p if layer.config.bool("return_sequences") is False else None
            except Exception:
                return None
        if not p.inputs or p.inputs[0].shape != tensor.shape:
            return None
        tensor = p.inputs[0]
    return None
