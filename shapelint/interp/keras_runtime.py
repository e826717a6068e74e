"""Keras as the interpreter sees it: Input, layers, Sequential and functional models.

Layer shape rules come from the declarative table (:mod:`shapelint.layers.table`);
this module only wires them to values: constructing layer instances, calling them on
tensors, remembering what their weights were built for, and reporting issues.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Optional

import libcst as cst

from shapelint.analyses import untracked
from shapelint.layers import engine
from shapelint.layers.spec import Config
from shapelint.layers.table import functional_spec, layer_spec
from shapelint.ops import runtime as op_runtime
from shapelint.ops.table import op_spec
from shapelint.violations.base import Rejected, Site, Violation
from shapelint.violations.inputs import (
    InputRankMismatch, IntShapeArgument, ModelInputMismatch, SharedLayerInputMismatch,
)
from shapelint.violations.spatial import MissingReturnSequences
from shapelint.shapes import Shape, dims_differ
from shapelint.interp.values import (
    UNKNOWN, ClassValue, DictValue, FunctionValue, LayerCall, LayerInstance, ListValue, MethodOf,
    ModelValue, ObjectValue, Producer, Symbol, Tensor, Unknown, dim_of, is_known,
)

if TYPE_CHECKING:
    from shapelint.interp.interpreter import Interpreter

_ENTRY_POINTS = {"keras.Input", "keras.Model", "keras.Sequential", "keras.layers.InputLayer"}
_LAYER_BASES = {"keras.Layer", "keras.layers.Layer"}
_MODEL_BASES = {"keras.Model", "keras.Sequential"}
_RECURRENT_FAMILIES = {"rnn", "convlstm1d", "convlstm2d", "convlstm3d"}


def _shape_from_value(value: Any, with_batch: bool) -> Optional[Shape]:
    """A user-written shape (tuple/list of ints and Nones) as a Shape, or None if unknown."""
    if isinstance(value, ListValue):
        value = None if value.items is None else tuple(value.items)
    if not isinstance(value, tuple):
        return None
    dims = tuple(dim_of(v) if v is not None else None for v in value)
    return Shape(dims if with_batch else (None,) + dims)


class KerasRuntime:
    def __init__(self, interp: "Interpreter"):
        self.interp = interp

    # --- names ----------------------------------------------------------------------------
    def knows(self, name: str) -> bool:
        return name in _ENTRY_POINTS or layer_spec(name) is not None or functional_spec(name) is not None \
            or op_spec(name) is not None

    def class_kind(self, bases: list) -> Optional[str]:
        for base in bases:
            if isinstance(base, Symbol):
                from shapelint.resolution import canonical
                name = canonical(base.path)
                if name in _MODEL_BASES:
                    return "model"
                if name in _LAYER_BASES or layer_spec(name) is not None:
                    return "layer"
            if isinstance(base, ClassValue) and base.keras_kind:
                return base.keras_kind
        return None

    # --- calls of Keras names ---------------------------------------------------------------
    def call_symbol(self, name: str, args: list, kwargs: dict, node: cst.Call, complete: bool) -> Any:
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
        spec = layer_spec(name)
        if spec is not None:
            return self.construct(spec, args, kwargs, node, complete)
        spec = functional_spec(name)
        if spec is not None:
            inputs = args[0] if args else kwargs.pop("inputs", UNKNOWN)
            layer = self.construct(spec, args[1:], {k: v for k, v in kwargs.items() if k != "inputs"},
                                   node, complete)
            return self.call_layer(layer, [inputs], {}, node)
        spec = op_spec(name)
        if spec is not None:
            return op_runtime.call_op(self, spec, args, kwargs, node, complete, name)
        return UNKNOWN

    def make_input(self, args: list, kwargs: dict, node: cst.Call) -> Any:
        names = ("shape", "batch_size", "dtype", "sparse", "batch_shape", "name", "tensor")
        bound = dict(zip(names, args))
        bound.update(kwargs)
        batch_shape = bound.get("batch_shape")
        if batch_shape is not None:
            shape = _shape_from_value(batch_shape, with_batch=True)
        else:
            raw = bound.get("shape")
            if isinstance(raw, int) and not isinstance(raw, bool):
                if self.interp.keras_version >= 3:
                    self.interp.report(IntShapeArgument(argument="shape", value=raw), node)
                raw = (raw,)
            shape = _shape_from_value(raw, with_batch=False)
            batch = bound.get("batch_size")
            if shape is not None and isinstance(batch, int) and shape.dims:
                shape = shape.with_dim(0, batch)
        name = bound.get("name")
        producer = self.producer(node, "Input", name=name if isinstance(name, str) else None)
        return Tensor(shape or Shape(None), producer)

    def construct(self, spec, args: list, kwargs: dict, node: cst.Call, complete: bool) -> LayerInstance:
        values: dict[str, Any] = {}
        for name, value in zip(spec.params, args):
            values[name] = value
        values.update(kwargs)
        if not complete:
            values = {k: UNKNOWN for k in set(values) | set(spec.params)}
        config = Config(values, spec.defaults, is_known)
        layer = LayerInstance(spec, config, node=node, context=tuple(self.interp.context),
                              name=kwargs.get("name") if isinstance(kwargs.get("name"), str) else None)
        function = config.raw("function")
        if spec.name == "Lambda" and isinstance(function, FunctionValue):
            untracked.check_lambda(self.interp, function)
        declared = self._declared_input(kwargs, node)
        if declared is not None:
            layer.attrs["_declared_input"] = declared
        if spec.check is not None:
            try:
                spec.check(config)
            except Rejected as rejected:
                self.interp.report(rejected.violation.at_site(Site(layer=spec.name)), node)
        return layer

    def _declared_input(self, kwargs: dict, node: cst.Call) -> Optional[Shape]:
        """input_shape= / batch_input_shape= / input_dim= on a (first) layer."""
        if "batch_input_shape" in kwargs:
            return _shape_from_value(kwargs["batch_input_shape"], with_batch=True)
        if "input_shape" in kwargs:
            raw = kwargs["input_shape"]
            if isinstance(raw, int) and not isinstance(raw, bool):
                if self.interp.keras_version >= 3:
                    self.interp.report(IntShapeArgument(argument="input_shape", value=raw), node)
                raw = (raw,)
            return _shape_from_value(raw, with_batch=False)
        if isinstance(kwargs.get("input_dim"), int):
            return Shape((None, kwargs["input_dim"]))
        return None

    # --- calling layers -------------------------------------------------------------------
    def _input_tensors(self, value: Any, takes: str) -> tuple[Any, list[Tensor]]:
        """Shapes to feed the shape function, and the tensors they came from."""
        if takes == "list":
            items = self.interp.iterate(value)
            if items is None:
                return None, []
            tensors = [v if isinstance(v, Tensor) else Tensor(Shape(None)) for v in items]
            return [t.shape for t in tensors], tensors
        if isinstance(value, Tensor):
            return value.shape, [value]
        if isinstance(value, (ListValue, tuple)):
            items = self.interp.iterate(value)
            if items and len(items) == 1 and isinstance(items[0], Tensor):
                return items[0].shape, [items[0]]
        return Shape(None), []

    def call_layer(self, layer: LayerInstance, args: list, kwargs: dict, node: cst.CSTNode,
                   report_node: Optional[cst.CSTNode] = None) -> Any:
        value = args[0] if args else kwargs.get(layer.spec.input_arg, kwargs.get("inputs", UNKNOWN))
        spec = layer.spec
        shapes, tensors = self._input_tensors(value, spec.takes)
        where = report_node or node
        call_args = self._call_args(spec, args[1:], kwargs)
        # Tensors passed as other call arguments (attention's value/key, an RNN's
        # initial_state, a mask) are inputs of the call too, as in Keras' graph.
        input_kw = () if args else (spec.input_arg, "inputs")
        extra = self._flat_tensors([*args[1:], *(v for k, v in kwargs.items() if k not in input_kw)])
        # The graph keeps every tensor of the input, even where the shape function cannot
        # take them (a Lambda with output_shape called on a list).
        graph_inputs = tensors or self._flat_tensors([value])
        producer = self.producer(node, spec.name, tuple(graph_inputs) + tuple(extra), layer)
        if shapes is None:
            return Tensor(Shape(None), producer)
        inputs = [(f"input {i}" if len(tensors) > 1 else "input", t) for i, t in enumerate(tensors)]
        if not self._check_weights(layer, shapes, where, inputs, node):
            return Tensor(Shape(None), producer)
        ran = op_runtime.run_lambda(self, layer, value, node) if spec.name == "Lambda" else None
        if ran is not None:
            self.record_call(layer, node, tensors, shapes, ran)
            return ran
        try:
            out = engine.infer_output(layer, shapes, call_args,
                                      keras_version=self.interp.keras_version)
        except Rejected as rejected:
            self._report_layer_issue(layer, rejected.violation, where, inputs, tensors)
            return Tensor(Shape(None), producer)
        result = ListValue([Tensor(s, producer) for s in out]) if isinstance(out, tuple) \
            else Tensor(out, producer)
        self.record_call(layer, node, tuple(tensors) + tuple(extra), shapes, result, call_args)
        return result

    @staticmethod
    def _call_args(spec: Any, args: list, kwargs: dict) -> Optional[dict]:
        """Call arguments a spec reads besides its input (attention's value/key, flags)."""
        if not spec.call_params:
            return None
        bound = dict(zip(spec.call_params, args))
        bound.update({k: v for k, v in kwargs.items() if k in spec.call_params})
        return {k: (v.shape if isinstance(v, Tensor) else v) for k, v in bound.items()}

    def record_call(self, layer: Any, node: cst.CSTNode, tensors, shapes, result,
                    call_args: Optional[dict] = None) -> None:
        call = LayerCall(layer, node, tuple(tensors), shapes, result, tuple(self.interp.context),
                         call_args or {})
        layer.calls.append(call)
        self.interp.layer_calls.append(call)

    def producer(self, node: cst.CSTNode, label: str, inputs: tuple = (), layer: Any = None,
                 name: Optional[str] = None) -> Producer:
        return Producer(node, label, inputs, layer, self.interp.where, self.interp.next_serial(), name)

    def _check_weights(self, layer: LayerInstance, shapes: Any, node, inputs, call_node) -> bool:
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
        if layer.built_for is None:
            layer.built_for = fixed
            layer.built_at = (call_node, shapes)
            return True
        for axis, dim in fixed.items():
            before = layer.built_for.get(axis)
            if dims_differ(before, dim):
                self.interp.report(SharedLayerInputMismatch(
                    layer=spec.name, axis=axis, expected=before, got=dim,
                    first_row=self.interp.where(layer.built_at[0])[0][0],
                    first_shape=layer.built_at[1], shape=shapes,
                ), node, inputs)
                return False
        return True

    def _report_layer_issue(self, layer: LayerInstance, violation: Violation, node, inputs, tensors) -> None:
        spec = layer.spec
        violation = violation.at_site(Site(layer=spec.name, arguments=layer.config.raw))
        if isinstance(violation, InputRankMismatch):
            violation = replace(violation, keras2_accepts=engine.keras2_accepts(spec, violation.got))
            origin = self._recurrent_origin(tensors[0]) \
                if spec.family in _RECURRENT_FAMILIES and tensors else None
            if origin is not None:
                violation = MissingReturnSequences(got=violation.got, prev=origin.layer, prev_row=origin.row,
                                                   family=violation.family or "rnn", layer=spec.name)
        self.interp.report(violation, node, inputs)

    @staticmethod
    def _recurrent_origin(tensor: Tensor) -> Optional[Producer]:
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

    # --- models ---------------------------------------------------------------------------
    def make_model(self, args: list, kwargs: dict, node: cst.Call) -> Any:
        inputs = args[0] if args else kwargs.get("inputs", UNKNOWN)
        outputs = args[1] if len(args) > 1 else kwargs.get("outputs", UNKNOWN)
        ins = self.interp.iterate(inputs) if not isinstance(inputs, Tensor) else [inputs]
        if isinstance(inputs, DictValue):
            ins = None
        name = kwargs.get("name") if isinstance(kwargs.get("name"), str) else None
        model = ModelValue("functional", inputs=ins if ins is not None else None,
                           outputs=outputs, name=name, node=node)
        self.interp.models.append(model)
        return model

    def make_sequential(self, args: list, kwargs: dict, node: cst.Call) -> Any:
        model = ModelValue("sequential", layers=[], node=node,
                           name=kwargs.get("name") if isinstance(kwargs.get("name"), str) else None)
        self.interp.models.append(model)
        items = args[0] if args else kwargs.get("layers")
        if items is None:
            return model
        layers = self.interp.iterate(items)
        if layers is None:
            model.layers = None
            return model
        for layer in layers:
            self.sequential_add(model, layer, node)
        return model

    def sequential_add(self, model: ModelValue, layer: Any, node: cst.CSTNode) -> None:
        if model.layers is None:
            return
        if isinstance(layer, Tensor) and not model.layers and model.output is None:
            model.input_shape = layer.shape
            model.output = layer
            return
        model.layers.append(layer)
        if model.output is None and len(model.layers) == 1 and isinstance(layer, LayerInstance):
            declared = layer.attrs.get("_declared_input")
            if declared is not None:
                model.input_shape = declared
                model.output = Tensor(declared, self.producer(layer.node, "Input"))
        if isinstance(model.output, Tensor):
            at = getattr(layer, "node", None) or node   # built eagerly: the layer's own line
            model.output = self.apply(layer, model.output, at, report_node=at)
            model.layer_outputs.append(model.output)

    def apply(self, layer: Any, x: Any, node: cst.CSTNode, report_node=None) -> Any:
        """Call a layer-like value (layer, model, custom object) on one input."""
        if isinstance(layer, LayerInstance):
            return self.call_layer(layer, [x], {}, node, report_node=report_node)
        if isinstance(layer, ModelValue):
            return self.call_model(layer, [x], {}, node)
        if isinstance(layer, ObjectValue):
            return self.call_object(layer, [x], {}, node)
        if isinstance(layer, FunctionValue):
            return self.interp.call_function(layer, [x], {})
        return UNKNOWN

    def call_model(self, model: ModelValue, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
        value = args[0] if args else kwargs.get("inputs", UNKNOWN)
        label = model.name or ("Sequential" if model.kind == "sequential" else "Model")
        if model.kind == "sequential":
            if model.layers is None:
                return UNKNOWN
            x = value
            for layer in model.layers:
                x = self.apply(layer, x, node)
            return self._relabel(x, node, label, value, model)
        # Functional: check the inputs fit, then return the outputs' shapes.
        given = self.interp.iterate(value) if not isinstance(value, Tensor) else [value]
        if model.inputs and given and len(given) == len(model.inputs):
            for expected, actual in zip(model.inputs, given):
                if isinstance(expected, Tensor) and isinstance(actual, Tensor):
                    if self._incompatible(expected.shape, actual.shape):
                        self.interp.report(ModelInputMismatch(
                            layer=label, expected_shape=expected.shape, shape=actual.shape,
                        ), node, [("input", actual)])
                        return UNKNOWN
        return self._relabel(model.outputs, node, label, value, model)

    @staticmethod
    def _incompatible(expected: Shape, actual: Shape) -> bool:
        if expected.dims is None or actual.dims is None:
            return False
        if len(expected.dims) != len(actual.dims):
            return True
        return any(dims_differ(a, b) for a, b in zip(expected.dims[1:], actual.dims[1:]))

    def _relabel(self, out: Any, node: cst.CSTNode, label: str, inputs: Any, model: Any = None) -> Any:
        ins = tuple(t for t in (self.interp.iterate(inputs) or []) if isinstance(t, Tensor)) \
            if not isinstance(inputs, Tensor) else (inputs,)
        producer = self.producer(node, label, ins, model)
        if isinstance(out, Tensor):
            return Tensor(out.shape, producer)
        items = self.interp.iterate(out) if isinstance(out, (ListValue, tuple)) else None
        if items is not None:
            new = [Tensor(t.shape, producer) if isinstance(t, Tensor) else UNKNOWN for t in items]
            return ListValue(new) if isinstance(out, ListValue) else tuple(new)
        return UNKNOWN

    # --- subclassed layers and models ---------------------------------------------------------
    def call_object(self, obj: ObjectValue, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
        interp = self.interp
        call = interp.class_lookup(obj.cls, "call") if obj.cls.keras_kind else \
            interp.class_lookup(obj.cls, "__call__")
        if not isinstance(call, FunctionValue):
            return UNKNOWN
        if obj.cls.keras_kind and not obj.built:
            obj.built = True
            build = interp.class_lookup(obj.cls, "build")
            x = args[0] if args else None
            if isinstance(build, FunctionValue) and isinstance(x, Tensor):
                shape = UNKNOWN if x.shape.dims is None else tuple(
                    d if isinstance(d, int) else (None if d is None else Unknown(str(d)))
                    for d in x.shape.dims)
                interp.call_function(build, [obj, shape], {})
        interp.backend_depth += bool(obj.cls.keras_kind)   # call() runs on backend tensors
        try:
            result = interp.call_function(call, [obj, *args], kwargs, call_node=node)
        finally:
            interp.backend_depth -= bool(obj.cls.keras_kind)
        if obj.cls.keras_kind:
            # Keras sees a custom layer/model as one layer: its outputs come from it.
            # Every tensor argument is an input of that layer, as in Keras' functional graph
            # (`CTCLayer()(labels, predictions)`).
            relabelled = self._relabel(result, node, obj.cls.name,
                                       tuple(self._flat_tensors([*args, *kwargs.values()])), obj)
            return result if relabelled is UNKNOWN else relabelled
        return result

    def _flat_tensors(self, values: Any, depth: int = 0) -> list[Tensor]:
        out: list[Tensor] = []
        for v in values:
            if isinstance(v, Tensor):
                out.append(v)
            elif isinstance(v, (ListValue, tuple)) and depth < 4:
                out.extend(self._flat_tensors(self.interp.iterate(v) or [], depth + 1))
        return out

    def object_attr(self, obj: ObjectValue, name: str) -> Any:
        if obj.cls.keras_kind and name in ("add", "summary", "compile", "fit", "build"):
            return UNKNOWN
        return UNKNOWN

    # --- attributes and methods of Keras values -------------------------------------------
    def tensor_attr(self, t: Tensor, name: str) -> Any:
        return op_runtime.tensor_attr(t, name)

    def layer_attr(self, layer: Any, name: str) -> Any:
        if isinstance(layer, ModelValue):
            if name in ("add", "summary", "compile", "fit", "predict", "evaluate", "save", "build",
                        "get_layer", "pop"):
                return MethodOf(layer, name)
            if name == "output" and layer.kind == "functional":
                return layer.outputs
            if name == "output" and isinstance(layer.output, Tensor):
                return layer.output
            if name in ("input", "inputs") and layer.inputs:
                return layer.inputs[0] if name == "input" and len(layer.inputs) == 1 else ListValue(list(layer.inputs))
            if name == "layers" and layer.layers is not None:
                return ListValue(list(layer.layers))
        return UNKNOWN

    def call_method(self, target: Any, name: str, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
        if isinstance(target, Tensor):
            return op_runtime.tensor_method(self, target, name, args, kwargs, node)
        if isinstance(target, ModelValue) and target.kind == "sequential":
            if name == "add" and args:
                self.sequential_add(target, args[0], args[0].node if isinstance(args[0], LayerInstance)
                                    and args[0].node is not None else node)
                return None
            if name == "pop":
                target.layers = None
                target.output = None
                return UNKNOWN
        return UNKNOWN

    def tensor_binop(self, op: type, left: Any, right: Any, node: Optional[cst.CSTNode] = None) -> Any:
        return op_runtime.binop(self, op, left, right, node)

    def tensor_compare(self, op: type, left: Any, right: Any, node: Optional[cst.CSTNode] = None) -> Any:
        return op_runtime.compare(self, op, left, right, node)

    def tensor_unary(self, t: Tensor, node: Optional[cst.CSTNode] = None) -> Any:
        return op_runtime.unary(self, t, node)

    def tensor_subscript(self, t: Tensor, slices, scope, node: Optional[cst.CSTNode] = None) -> Any:
        return op_runtime.subscript(self, t, slices, scope, node)
