"""The value kinds Keras adds to the interpreter: tensors, layers and models.

Each kind answers what the evaluator asks of its values (attributes, calls, operators,
indexing, joins, snapshots); the shape rules themselves stay in the layer and op tables.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shapelint.interp.kinds import Kind, join_values, register
from shapelint.interp.values import UNKNOWN, ListValue, MethodOf, Value
from shapelint.keras import layer_calls, op_runtime, training
from shapelint.keras.semantics import KerasSemantics
from shapelint.keras.values import LayerInstance, ModelValue, Tensor
from shapelint.shapes import join

if TYPE_CHECKING:
    from shapelint.interp.host import Host


def _keras(host: Host) -> KerasSemantics:
    """The Keras semantics of the run: Keras values only exist where they are in force."""
    semantics = host.semantics
    if not isinstance(semantics, KerasSemantics):
        raise TypeError(f"a Keras value met {type(semantics).__name__}, not the Keras semantics")
    return semantics


class TensorKind(Kind[Tensor]):
    symbolic = True

    def attr(self, host: Host, value: Tensor, name: str, node: Any = None) -> Value:
        return op_runtime.tensor_attr(value, name)

    def call_method(self, host: Host, value: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                    node: Any) -> Value:
        return op_runtime.tensor_method(_keras(host), value, name, args, kwargs, node)

    def binop(self, host: Host, op: str, left: Value, right: Value, node: Any) -> Value:
        return op_runtime.binop(_keras(host), op, left, right, node)

    def compare(self, host: Host, op: str, left: Value, right: Value, node: Any) -> Value:
        return op_runtime.compare(_keras(host), op, left, right, node)

    def unary(self, host: Host, op: str, value: Tensor, node: Any) -> Value:
        return op_runtime.unary(_keras(host), value, node)

    def subscript(self, host: Host, value: Tensor, key: Value, node: Any) -> Value:
        return op_runtime.subscript(_keras(host), value, key, node)

    def truth(self, value: Tensor) -> bool | None:
        return None

    def join(self, a: Tensor, b: Tensor) -> Value:
        return Tensor(join(a.shape, b.shape), a.producer if a.producer is b.producer else None)


class LayerKind(Kind[LayerInstance]):
    callable = True

    def attr(self, host: Host, value: LayerInstance, name: str, node: Any = None) -> Value:
        if name in value.attrs:
            return value.attrs[name]
        if name in ("output", "input") and value.calls:   # the (last) call's tensors
            call = value.calls[-1]
            return call.output if name == "output" else (call.inputs[0] if call.inputs else UNKNOWN)
        return UNKNOWN

    def set_attr(self, value: LayerInstance, name: str, new: Value) -> None:
        value.attrs[name] = new

    def call(self, host: Host, value: LayerInstance, args: list[Value], kwargs: dict[str, Value], node: Any,
             complete: bool) -> Value:
        return layer_calls.call_layer(_keras(host), value, args, kwargs, node)


_MODEL_METHODS = {"add", "summary", "compile", "save", "build", "get_layer", "pop", *training.METHODS}


class ModelKind(Kind[ModelValue]):
    callable = True

    def attr(self, host: Host, model: ModelValue, name: str, node: Any = None) -> Value:
        if name in _MODEL_METHODS:
            return MethodOf(model, name)
        if name == "output" and model.kind == "functional":
            return model.outputs
        if name == "output" and isinstance(model.output, Tensor):
            return model.output
        if name in ("input", "inputs") and model.inputs:
            return model.inputs[0] if name == "input" and len(model.inputs) == 1 \
                else ListValue(list(model.inputs))
        if name == "layers" and model.layers is not None:
            return ListValue(list(model.layers))
        return UNKNOWN

    def set_attr(self, value: ModelValue, name: str, new: Value) -> None:
        value.attrs[name] = new

    def call(self, host: Host, model: ModelValue, args: list[Value], kwargs: dict[str, Value], node: Any,
             complete: bool) -> Value:
        return _keras(host).call_model(model, args, kwargs, node)

    def call_method(self, host: Host, model: ModelValue, name: str, args: list[Value],
                    kwargs: dict[str, Value], node: Any) -> Value:
        rt = _keras(host)
        if name in ("add", "build", "pop", "compile"):
            rt.keras_used()
        if name == "compile":
            training.compile_model(rt, model, args, kwargs, node)
            return None
        if name in training.METHODS:
            training.train_or_predict(rt, model, name, args, kwargs, node)
            return UNKNOWN
        if model.kind != "sequential":
            return UNKNOWN
        if name == "build":
            shape = layer_calls.shape_from_value(args[0] if args else kwargs.get("input_shape"),
                                                 with_batch=True)
            if shape is not None:
                rt.build_sequential(model, shape, node)
            return None
        if name == "add" and args:
            layer = args[0]
            rt.sequential_add(model, layer, layer.node if isinstance(layer, LayerInstance)
                              and layer.node is not None else node)
            return None
        if name == "pop":
            model.layers = None
            model.output = None
        return UNKNOWN

    def iterate(self, model: ModelValue) -> list[Value] | None:
        return list(model.layers) if model.kind == "sequential" and model.layers is not None else None

    # Sequential models grow by add(): their layers are state that branches must not share.
    def state(self, model: ModelValue) -> Any:
        if model.kind != "sequential":
            return None
        return (None if model.layers is None else list(model.layers), model.output, model.input_shape)

    def set_state(self, model: ModelValue, state: Any) -> None:
        layers, model.output, model.input_shape = state
        model.layers = None if layers is None else list(layers)

    def join_state(self, model: ModelValue, a: Any, b: Any) -> Any:
        (la, oa, ia), (lb, ob, ib) = a, b
        same = la is not None and lb is not None and len(la) == len(lb) and all(
            x is y for x, y in zip(la, lb))
        return (la if same else None, join_values(oa, ob), ia if ia == ib else None)

    def forget(self, model: ModelValue) -> None:
        if model.kind == "sequential":
            model.layers, model.output = None, None


register(Tensor, TensorKind())
register(LayerInstance, LayerKind())
register(ModelValue, ModelKind())
