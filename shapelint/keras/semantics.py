"""Keras as the interpreter sees it: the meaning of Keras names, Input, models, and classes
that subclass Keras. This is the :class:`~shapelint.interp.host.Semantics` the core calls;
layers are constructed and called in :mod:`.layer_calls`, ops in :mod:`.op_runtime`.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shapelint.arrays.spec import unknown_array
from shapelint.arrays.table import array_function
from shapelint.data import calls as data_calls
from shapelint.data import kinds as _data_kinds  # noqa: F401  (registers the data value kind)
from shapelint.data.values import DataValue
from shapelint.interp.host import Host
from shapelint.interp.values import (
    UNKNOWN,
    ClassValue,
    DictValue,
    FunctionValue,
    ListValue,
    MethodOf,
    ObjectValue,
    Symbol,
    Unknown,
    Value,
    is_fully_known,
    sequence_items,
)
from shapelint.keras import layer_calls, op_runtime, training
from shapelint.keras.values import LayerInstance, ModelValue, Producer, Tensor
from shapelint.layers.table import functional_spec, layer_spec
from shapelint.ops.table import op_spec
from shapelint.resolution import canonical, implies_keras2
from shapelint.shapes import Shape, dims_differ
from shapelint.violations.inputs import IntShapeArgument, ModelInputMismatch

_ENTRY_POINTS = {"keras.Input", "keras.Model", "keras.Sequential", "keras.layers.InputLayer",
                 "keras.config.image_data_format", "keras.config.set_image_data_format"}
_DATA_FORMATS = ("channels_last", "channels_first")
IMPLICIT_INPUT = "model input"     # the trace label of an input no code declares
_LAYER_BASES = {"keras.Layer", "keras.layers.Layer"}
_MODEL_BASES = {"keras.Model", "keras.Sequential"}
MAX_FLATTEN_DEPTH = 4


class KerasSemantics:
    """One file's Keras: the target version, the global image data format, and whether
    code runs inside a layer."""

    def __init__(self, host: Host, version: int = 3) -> None:
        self.host = host
        self.version = version
        self.backend_depth = 0    # >0: in a layer's call() or a Lambda: TF ops are allowed
        # keras.config.set_image_data_format(...): None once set to something unknown.
        self.image_data_format: str | None = "channels_last"
        # Inputs (their Input(...) or first layer's call node) whose shape was taken from a
        # whole data array: reported once (SHP604), not again when the data meets them.
        self.samples_in_shape: set[int] = set()
        # Input producers whose shape the code writes out in full (ints and None): a None
        # there is Keras' variable-size axis, not a size the analysis could not work out.
        self.literal_inputs: set[int] = set()

    # --- the Semantics interface ------------------------------------------------------------
    def knows(self, name: str) -> bool:
        return name in _ENTRY_POINTS or layer_spec(name) is not None \
            or functional_spec(name) is not None or op_spec(name) is not None \
            or array_function(name) is not None or training.is_loss_class(name)

    def note_import(self, path: str) -> None:
        if implies_keras2(path):
            self.version = 2

    def loadable(self, module: str) -> bool:
        """Keras and TensorFlow are modeled, never read, except keras.applications: released
        model code that happens to ship inside the keras package."""
        name = canonical(module)
        root = name.split(".")[0]
        if root in ("keras", "tensorflow"):
            return name == "keras.applications" or name.startswith("keras.applications.")
        return True

    def class_kind(self, bases: list[Value]) -> str | None:
        for base in bases:
            if isinstance(base, Symbol):
                name = canonical(base.path)
                if name in _MODEL_BASES:
                    return "model"
                if name in _LAYER_BASES or layer_spec(name) is not None:
                    return "layer"
            if isinstance(base, ClassValue) and base.keras_kind:
                return base.keras_kind
        return None

    def call_symbol(self, name: str, args: list[Value], kwargs: dict[str, Value], node: Any,
                    complete: bool) -> Value:
        result = self._call_symbol(name, args, kwargs, node, complete)
        if is_keras_value(result):
            self.keras_used()
        return result

    def _call_symbol(self, name: str, args: list[Value], kwargs: dict[str, Value], node: Any,
                     complete: bool) -> Value:
        if name == "keras.Input":
            return self.make_input(args, kwargs, node)
        if name == "keras.layers.InputLayer":
            return self.make_input([], {"shape": kwargs.get("shape", kwargs.get("input_shape")),
                                        "batch_shape": kwargs.get("batch_shape",
                                                                  kwargs.get("batch_input_shape"))}, node)
        if name == "keras.Model":
            return self.make_model(args, kwargs, node)
        if name == "keras.Sequential":
            return self.make_sequential(args, kwargs, node)
        if name == "keras.config.image_data_format":
            return UNKNOWN if self.image_data_format is None else self.image_data_format
        if name == "keras.config.set_image_data_format":
            value = args[0] if args else kwargs.get("data_format")
            self.image_data_format = value if value in _DATA_FORMATS else None
            return None
        spec = layer_spec(name)
        if spec is not None:
            return layer_calls.construct(self, spec, args, kwargs, node, complete)
        spec = functional_spec(name)
        if spec is not None:
            inputs = args[0] if args else kwargs.pop("inputs", UNKNOWN)
            layer = layer_calls.construct(self, spec, args[1:],
                                          {k: v for k, v in kwargs.items() if k != "inputs"}, node, complete)
            return layer_calls.call_layer(self, layer, [inputs], {}, node)
        loss = training.loss_instance(name, args, kwargs)
        if loss is not None:
            return loss
        op = op_spec(name)
        if op is not None:
            return op_runtime.call_op(self, op, args, kwargs, node, complete, name)
        if array_function(name) is not None:
            return data_calls.call_function(self.host, name, args, kwargs, node) if complete \
                else DataValue(unknown_array())
        return op_runtime.call_unmodeled(self, name, args, kwargs, node)

    def call_object(self, obj: ObjectValue, args: list[Value], kwargs: dict[str, Value], node: Any) -> Value:
        """A subclassed layer or model called: build() on first call, then call()."""
        host = self.host
        call = host.class_lookup(obj.cls, "call")
        if not isinstance(call, FunctionValue):
            return UNKNOWN
        tensors = self.flat_tensors([*args, *kwargs.values()])
        if tensors:
            self.keras_used()
        if not obj.built:
            obj.built = True
            build = host.class_lookup(obj.cls, "build")
            x = args[0] if args else None
            if isinstance(build, FunctionValue) and isinstance(x, Tensor):
                shape = UNKNOWN if x.shape.dims is None else tuple(
                    d if isinstance(d, int) else (None if d is None else Unknown(str(d)))
                    for d in x.shape.dims)
                host.call_function(build, [obj, shape], {}, call_node=node)
        self.backend_depth += 1   # call() runs on backend tensors
        try:
            result = host.call_function(call, [obj, *args], kwargs, call_node=node)
        finally:
            self.backend_depth -= 1
        # Keras sees a custom layer/model as one layer: its outputs come from it. Every
        # tensor argument is an input of that layer, as in Keras' functional graph
        # (`CTCLayer()(labels, predictions)`).
        relabelled = self.relabel(result, node, obj.cls.name, tuple(tensors), obj)
        return result if relabelled is UNKNOWN else relabelled

    def object_attr(self, obj: ObjectValue, name: str) -> Value:
        """Keras methods a subclassed layer or model inherits that shapes depend on: ``build``
        (of a model) and ``add_weight``; the rest are not modeled."""
        if name == "add_weight" or (name == "build" and obj.cls.keras_kind == "model"):
            return MethodOf(obj, name)
        return UNKNOWN

    def call_object_method(self, obj: ObjectValue, name: str, args: list[Value], kwargs: dict[str, Value],
                           node: Any) -> Value:
        """``self.add_weight(shape=...)``: a weight of that shape (a tensor in call()).
        ``model.build(shape)`` on a subclassed model: Keras calls call() on a symbolic input."""
        if name == "add_weight":
            given = kwargs.get("shape", args[0] if args else None)
            shape = layer_calls.shape_from_value(given, with_batch=True)
            return Tensor(shape or Shape(None), self.producer(node, "weight"))
        if name != "build" or obj.built:
            return UNKNOWN
        shape = layer_calls.shape_from_value(args[0] if args else kwargs.get("input_shape"), with_batch=True)
        if shape is None:
            return None
        self.keras_used()
        self.call_object(obj, [Tensor(shape, self.producer(node, "Input"))], {}, node)
        return None

    # --- shared helpers -----------------------------------------------------------------------
    def keras_used(self) -> None:
        self.host.observers.emit("keras_used")

    def producer(self, node: Any, label: str, inputs: tuple[Value, ...] = (), layer: Value = None,
                 name: str | None = None) -> Producer:
        return Producer(node, label, inputs, layer, self.host.locate, self.host.next_serial(), name,
                        self.host.context)

    def flat_tensors(self, values: Iterable[Value], depth: int = 0) -> list[Tensor]:
        out: list[Tensor] = []
        for v in values:
            if isinstance(v, Tensor):
                out.append(v)
            elif isinstance(v, (ListValue, tuple)) and depth < MAX_FLATTEN_DEPTH:
                out.extend(self.flat_tensors(self.host.iterate(v) or [], depth + 1))
            elif isinstance(v, DictValue) and v.items and depth < MAX_FLATTEN_DEPTH:
                out.extend(self.flat_tensors(list(v.items.values()), depth + 1))
        return out

    def relabel(self, out: Value, node: Any, label: str, inputs: Value, model: Value = None) -> Value:
        """A model's (or custom layer's) outputs as produced by that one call."""
        ins = tuple(self.flat_tensors([inputs]))
        producer = self.producer(node, label, ins, model)
        if isinstance(out, Tensor):
            return Tensor(out.shape, producer)
        items = self.host.iterate(out) if isinstance(out, (ListValue, tuple)) else None
        if items is not None:
            new = [Tensor(t.shape, producer) if isinstance(t, Tensor) else UNKNOWN for t in items]
            return ListValue(new) if isinstance(out, ListValue) else tuple(new)
        return UNKNOWN

    # --- Input and models ---------------------------------------------------------------------
    def make_input(self, args: list[Value], kwargs: dict[str, Value], node: Any) -> Tensor:
        names = ("shape", "batch_size", "dtype", "sparse", "batch_shape", "name", "tensor")
        bound = dict(zip(names, args))
        bound.update(kwargs)
        batch_shape = bound.get("batch_shape")
        if batch_shape is not None:
            shape = layer_calls.shape_from_value(batch_shape, with_batch=True)
        else:
            raw = bound.get("shape")
            if layer_calls.includes_samples(self, raw, "shape", node):
                self.samples_in_shape.add(id(node))
            if isinstance(raw, int) and not isinstance(raw, bool):
                if self.version >= 3:
                    self.host.report(IntShapeArgument(argument="shape", value=raw), node)
                raw = (raw,)
            shape = layer_calls.shape_from_value(raw, with_batch=False)
            batch = bound.get("batch_size")
            if shape is not None and isinstance(batch, int) and shape.dims:
                shape = shape.with_dim(0, batch)
        name = bound.get("name")
        producer = self.producer(node, "Input", name=name if isinstance(name, str) else None)
        written = batch_shape if batch_shape is not None else bound.get("shape")
        if shape is not None and is_fully_known(written):
            self.literal_inputs.add(id(producer))
        return Tensor(shape or Shape(None), producer)

    def make_model(self, args: list[Value], kwargs: dict[str, Value], node: Any) -> ModelValue:
        inputs = args[0] if args else kwargs.get("inputs", UNKNOWN)
        outputs = args[1] if len(args) > 1 else kwargs.get("outputs", UNKNOWN)
        input_names = output_names = None
        if isinstance(inputs, DictValue):      # named inputs, matched by name
            ins = None if inputs.items is None else list(inputs.items.values())
            input_names = None if inputs.items is None else [str(k) for k in inputs.items]
        else:
            ins = self.host.iterate(inputs) if not isinstance(inputs, Tensor) else [inputs]
        if isinstance(outputs, DictValue) and outputs.items is not None:
            output_names = [str(k) for k in outputs.items]
            outputs = ListValue(list(outputs.items.values()))
        name = kwargs.get("name") if isinstance(kwargs.get("name"), str) else None
        model = ModelValue("functional", inputs=ins, outputs=outputs, name=name, node=node,
                           input_names=input_names, output_names=output_names, context=self.host.context)
        self.host.observers.emit("model_built", model)
        return model

    def make_sequential(self, args: list[Value], kwargs: dict[str, Value], node: Any) -> ModelValue:
        model = ModelValue("sequential", layers=[], node=node, context=self.host.context,
                           name=kwargs.get("name") if isinstance(kwargs.get("name"), str) else None)
        self.host.observers.emit("model_built", model)
        items = args[0] if args else kwargs.get("layers")
        if items is None:
            return model
        layers = self.host.iterate(items)
        if layers is None:
            model.layers = None
            return model
        for layer in layers:
            self.sequential_add(model, layer, node)
        return model

    def sequential_add(self, model: ModelValue, layer: Value, node: Any) -> None:
        if model.layers is None:
            return
        if isinstance(layer, Tensor) and not model.layers and model.output is None:
            model.input_shape = layer.shape
            model.output = layer
            model.inputs = [layer]
            return
        model.layers.append(layer)
        if model.output is None and len(model.layers) == 1:
            # No Input: the first layer's input_shape=..., or a symbolic input of unknown
            # shape, so that what the layers themselves fix (ranks, sizes) is still checked.
            declared = layer.declared_input if isinstance(layer, LayerInstance) else None
            at = getattr(layer, "node", None) or node
            model.input_shape = declared
            model.output = Tensor(declared or Shape(None),
                                  self.producer(at, "Input" if declared is not None else IMPLICIT_INPUT))
            model.inputs = [model.output]
        if isinstance(model.output, Tensor):
            at = getattr(layer, "node", None) or node   # built eagerly: the layer's own line
            model.output = self.apply(layer, model.output, at, report_node=at)
            model.layer_outputs.append(model.output)

    def build_sequential(self, model: ModelValue, shape: Shape, node: Any) -> None:
        """``model.build(input_shape)``: the layers applied again to an input of that shape."""
        if model.layers is None:
            return
        layers = list(model.layers)
        model.layers, model.output, model.layer_outputs = [], Tensor(shape, self.producer(node, "Input")), []
        model.input_shape, model.inputs = shape, [model.output]
        for layer in layers:
            self.sequential_add(model, layer, node)

    def apply(self, layer: Value, x: Value, node: Any, report_node: Any = None) -> Value:
        """Call a layer-like value (layer, model, custom object) on one input."""
        if isinstance(layer, LayerInstance):
            return layer_calls.call_layer(self, layer, [x], {}, node, report_node=report_node)
        if isinstance(layer, ModelValue):
            return self.call_model(layer, [x], {}, node)
        if isinstance(layer, ObjectValue):
            return self.host.call(layer, [x], {}, node)
        if isinstance(layer, FunctionValue):
            return self.host.call_function(layer, [x], {})
        return UNKNOWN

    def call_model(self, model: ModelValue, args: list[Value], kwargs: dict[str, Value], node: Any) -> Value:
        value = args[0] if args else kwargs.get("inputs", UNKNOWN)
        if isinstance(value, DataValue) or (isinstance(value, (ListValue, tuple)) and any(
                isinstance(v, DataValue) for v in (self.host.iterate(value) or []))):
            return training.call_on_data(self, model, value, node)
        if self.flat_tensors([*args, *kwargs.values()]):
            self.keras_used()
            model.called = True
        label = model.name or ("Sequential" if model.kind == "sequential" else "Model")
        if model.kind == "sequential":
            if model.layers is None:
                return UNKNOWN
            x = value
            for layer in model.layers:
                x = self.apply(layer, x, node)
            return self.relabel(x, node, label, value, model)
        # Functional: check the inputs fit, then return the outputs' shapes.
        given = self.host.iterate(value) if not isinstance(value, Tensor) else [value]
        if model.inputs and given and len(given) == len(model.inputs):
            for expected, actual in zip(model.inputs, given):
                if isinstance(expected, Tensor) and isinstance(actual, Tensor) \
                        and _incompatible(expected.shape, actual.shape):
                    self.host.report(ModelInputMismatch(
                        layer=label, expected_shape=expected.shape, shape=actual.shape,
                    ), node, [("input", actual)])
                    return UNKNOWN
        return self.relabel(model.outputs, node, label, value, model)


def is_keras_value(v: Value) -> bool:
    """A Keras object, or a list/tuple holding one."""
    if isinstance(v, (Tensor, LayerInstance, ModelValue)):
        return True
    if isinstance(v, (ObjectValue, ClassValue)):
        return bool((v.cls if isinstance(v, ObjectValue) else v).keras_kind)
    return any(is_keras_value(x) for x in sequence_items(v) or ())


def _incompatible(expected: Shape, actual: Shape) -> bool:
    if expected.dims is None or actual.dims is None:
        return False
    if len(expected.dims) != len(actual.dims):
        return True
    return any(dims_differ(a, b) for a, b in zip(expected.dims[1:], actual.dims[1:]))
