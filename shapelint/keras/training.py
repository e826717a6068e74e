"""Where the model meets its data: compile(), fit(), evaluate(), predict(), the *_on_batch
methods and calling a model on arrays.

Features are checked against each model input as Keras 3 does (a functional model adds or
removes one trailing axis of size 1 itself, then its input spec compares every known size);
labels against each output as the compiled loss needs them (:mod:`shapelint.losses.labels`,
proven against train_on_batch); features and labels must have as many samples. A Sequential
with no input shape is built from the data, as fit() builds it. Anything unknown is silent.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shapelint.arrays.spec import ArrayType, DatasetType
from shapelint.data.values import DataValue
from shapelint.interp.values import DictValue, ListValue, Symbol, Value, sequence_items
from shapelint.keras.values import CompiledLoss, LayerInstance, LossValue, ModelValue, Tensor
from shapelint.losses.labels import check_labels
from shapelint.losses.output import output_loss_issues
from shapelint.losses.table import BY_CLASS, Loss, loss_from_name, loss_from_string
from shapelint.resolution import canonical
from shapelint.shapes import Dim, Shape, dims_differ, format_shape, is_known
from shapelint.violations.data import (
    FeatureRankMismatch,
    FeatureSizeMismatch,
    LabelsDoNotFitLoss,
    OutputCannotLearn,
    SampleCountMismatch,
)

if TYPE_CHECKING:
    from shapelint.keras.semantics import KerasSemantics

# method -> (positional parameters, whether it takes labels)
METHODS: dict[str, tuple[tuple[str, ...], bool]] = {
    "fit": (("x", "y", "batch_size", "epochs"), True),
    "evaluate": (("x", "y", "batch_size"), True),
    "predict": (("x", "batch_size"), False),
    "train_on_batch": (("x", "y", "sample_weight"), True),
    "test_on_batch": (("x", "y", "sample_weight"), True),
    "predict_on_batch": (("x",), False),
}


# --- compile ---------------------------------------------------------------------------------

def resolve_loss(value: Value) -> CompiledLoss:
    """A compile() loss as :class:`Loss` (or a list/dict of them); None when unknown."""
    items = sequence_items(value)
    if items is not None:
        return [_one_loss(v) for v in items]
    if isinstance(value, DictValue) and value.items is not None:
        return {k: _one_loss(v) for k, v in value.items.items()}
    return _one_loss(value)


def is_loss_class(name: str) -> bool:
    return name.startswith("keras.losses.") and name[len("keras.losses."):] in BY_CLASS


def loss_instance(name: str, args: list[Value], kwargs: dict[str, Value]) -> LossValue | None:
    """``keras.losses.CategoricalCrossentropy(from_logits=True)``: an instance of a loss class
    the table knows (with its arguments), for compile() to read; None for anything else."""
    if not is_loss_class(name):
        return None
    loss = loss_from_name(name, dict(kwargs), tuple(args))
    return None if loss is None else LossValue(loss)


def _one_loss(value: Value) -> Loss | None:
    """One loss: a name, a loss function, or an instance of a loss class; None when unknown."""
    if isinstance(value, str):
        return loss_from_string(value)
    if isinstance(value, LossValue):
        return value.loss
    if isinstance(value, Symbol):
        return loss_from_name(canonical(value.path))
    return None


def compile_model(rt: KerasSemantics, model: ModelValue, args: list[Value], kwargs: dict[str, Value],
                  node: Any) -> None:
    loss = kwargs.get("loss", args[1] if len(args) > 1 else None)
    model.loss = resolve_loss(loss)
    for output, out_loss in _outputs_with_losses(model):
        activation = _final_activation(output)
        for issue in output_loss_issues(out_loss, output.shape, activation):
            rt.host.report(OutputCannotLearn(problem=issue.kind, output=issue.output, loss=issue.loss,
                                             activation=issue.activation), node, [("output", output)])


def _final_activation(t: Tensor) -> str | None:
    """The activation the layer that made ``t`` applies last, as a name; None if linear/unknown."""
    p = t.producer
    layer = p.layer_obj if p is not None else None
    if not isinstance(layer, LayerInstance):
        return None
    if layer.spec.name == "Softmax":
        return "softmax"
    value = layer.config.raw("activation")
    if isinstance(value, Symbol):
        value = canonical(value.path)
    return value if isinstance(value, str) else None


# --- the model's inputs and outputs ---------------------------------------------------------------

def model_inputs(model: ModelValue) -> list[Tensor]:
    return [t for t in (model.inputs or []) if isinstance(t, Tensor)]


def model_outputs(model: ModelValue) -> list[Tensor]:
    out = model.outputs if model.kind == "functional" else model.output
    if isinstance(out, Tensor):
        return [out]
    return [t for t in (sequence_items(out) or []) if isinstance(t, Tensor)]


def _name_of(t: Tensor) -> str | None:
    p = t.producer
    if p is None:
        return None
    if p.name:
        return p.name
    layer = p.layer_obj
    return getattr(layer, "name", None) if layer is not None else None


def _names(tensors: list[Tensor], given: list[str] | None) -> list[str | None]:
    """The names data is matched by: the keys of a dict the model was built from, else the
    names of the Inputs / output layers."""
    if given is not None and len(given) == len(tensors):
        return list(given)
    return [_name_of(t) for t in tensors]


def _outputs_with_losses(model: ModelValue) -> list[tuple[Tensor, Loss | None]]:
    outputs, loss = model_outputs(model), model.loss
    if isinstance(loss, Loss) or loss is None:
        return [(o, loss) for o in outputs]
    if isinstance(loss, list):
        return list(zip(outputs, loss)) if len(loss) == len(outputs) else []
    if isinstance(loss, dict):
        names = _names(outputs, model.output_names)
        return [(o, loss.get(n)) for o, n in zip(outputs, names) if n in loss]
    return []


def _match(values: Value, tensors: list[Tensor], names: list[str | None]) -> list[tuple[Value, Tensor, str]]:
    """Data for each input or output: one value for one tensor, a list by position, a dict by
    name; with how to write the part (``[0]``, ``['image']``) after the whole's name."""
    if isinstance(values, DataValue) and len(tensors) == 1:
        return [(values, tensors[0], "")]
    items = sequence_items(values)
    if items is not None and len(items) == len(tensors):
        return [(v, t, f"[{i}]") for i, (v, t) in enumerate(zip(items, tensors))]
    if isinstance(values, DictValue) and values.items is not None:
        return [(values.items[n], t, f"[{n!r}]") for t, n in zip(tensors, names) if n in values.items]
    return []


# --- fit, evaluate, predict ------------------------------------------------------------------------

def train_or_predict(rt: KerasSemantics, model: ModelValue, method: str, args: list[Value],
                     kwargs: dict[str, Value], node: Any) -> None:
    params, with_labels = METHODS[method]
    bound = dict(zip(params, args))
    bound.update({k: v for k, v in kwargs.items() if k in params or k == "validation_data"})
    x, y = bound.get("x"), bound.get("y")
    rt.host.observers.emit("data_given", method, node, x, y if with_labels else None, model)
    validation = bound.get("validation_data")
    if with_labels and validation is not None:     # Keras unpacks a list as it does a tuple
        items = sequence_items(validation)
        parts = items if items is not None and len(items) >= 2 else [validation, None]
        rt.host.observers.emit("data_given", "validation_data", node, parts[0], parts[1], model)
    names = {p: _argument_text(rt, node, params, p) for p in ("x", "y", "validation_data")}
    if isinstance(x, DataValue) and isinstance(x.type, DatasetType):
        x, y = _dataset_parts(x)
        names = {"x": f"the features of {names['x']}", "y": f"the labels of {names['x']}"}
    if isinstance(x, (DataValue, ListValue, tuple, DictValue)):
        rt.keras_used()
    model.data.append(_described(method, x, y if with_labels else None))
    check_data(rt, model, method, x, y if with_labels else None, node, names)
    if with_labels and isinstance(validation, tuple) and len(validation) >= 2:
        v = names.get("validation_data") or "validation_data"
        check_data(rt, model, method, validation[0], validation[1], node,
                   {"x": f"{v}[0]", "y": f"{v}[1]"})


def _described(method: str, x: Value, y: Value) -> str:
    """``fit: x (60000, 28, 28, 1), y (60000, 10)`` for the summary."""
    def shape_of(v: Value) -> str:
        if isinstance(v, DataValue) and v.shape is not None:
            return format_shape(v.shape)
        items = sequence_items(v)
        if items is not None:
            return "[" + ", ".join(shape_of(i) for i in items) + "]"
        return "?"
    return f"{method}: x {shape_of(x)}" + (f", y {shape_of(y)}" if y is not None else "")


def _argument_text(rt: KerasSemantics, node: Any, params: tuple[str, ...], name: str) -> str:
    """The source of the argument a call gives for a parameter (``x_train``), shortened."""
    args = getattr(node, "args", None) or ()
    positional = [a for a in args if a.keyword is None and not a.star]
    chosen = next((a for a in args if a.keyword is not None and a.keyword.value == name), None)
    if chosen is None and name in params and params.index(name) < len(positional):
        chosen = positional[params.index(name)]
    if chosen is None:
        return name
    text = " ".join(rt.host.code_of(chosen.value).split())
    return text if len(text) <= 40 else text[:37] + "..."


def call_on_data(rt: KerasSemantics, model: ModelValue, x: Value, node: Any) -> Value:
    """``model(x_batch)`` on arrays: the features are checked as predict() checks them; the
    result is an array of the output's shape for as many samples."""
    rt.keras_used()
    rt.host.observers.emit("data_given", "call", node, x, None, model)
    check_data(rt, model, "model", x, None, node, {"x": _argument_text(rt, node, ("x",), "x")})
    outputs = model_outputs(model)
    samples = x.shape.dims[0] if isinstance(x, DataValue) and x.shape is not None and x.shape.dims else None
    made_by = rt.producer(node, model.name or "model", tuple(v for v in [x] if isinstance(v, DataValue)))
    arrays = [DataValue(ArrayType(Shape((samples, *o.shape.dims[1:])) if o.shape.dims else Shape(None),
                                  "float"), made_by) for o in outputs]
    return arrays[0] if len(arrays) == 1 else tuple(arrays)


def _dataset_parts(ds: DataValue) -> tuple[Value, Value]:
    element = ds.type.element
    if isinstance(element, tuple) and len(element) >= 2:
        return DataValue(element[0], ds.producer), DataValue(element[1], ds.producer)
    if isinstance(element, ArrayType):
        return DataValue(element, ds.producer), None
    return None, None


def check_data(rt: KerasSemantics, model: ModelValue, method: str, x: Value, y: Value, node: Any,
               names: dict[str, str] | None = None) -> None:
    names = names or {}
    if model.kind == "sequential" and model.input_shape is None and isinstance(x, DataValue) \
            and x.shape is not None and x.shape.dims:
        # A Sequential with no input shape is built from the first data it sees.
        rt.build_sequential(model, Shape((None, *x.shape.dims[1:])), node)
    else:
        inputs = model_inputs(model)
        for data, tensor, part in _match(x, inputs, _names(inputs, model.input_names)):
            if isinstance(data, DataValue) and data.shape is not None:
                _check_features(rt, method, data, tensor, node, names.get("x", "x") + part)
    if y is not None:
        _check_counts(rt, method, x, y, node, names.get("x", "x"), names.get("y", "y"))
        for labels, (output, loss), part in _match_labels(y, model):
            array = labels.array if isinstance(labels, DataValue) else None
            if array is not None and loss is not None:
                issue = check_labels(loss, output.shape, array)
                if issue is not None:
                    rt.host.report(LabelsDoNotFitLoss(
                        method=method, loss=issue.loss, output=output.shape, labels=array.shape,
                        problem=issue.kind, hint=issue.hint, data=names.get("y", "y") + part,
                        dtype=labels.dtype, axis=issue.axis, labels_seen=issue.labels_seen,
                        output_seen=issue.output_seen), node, [("labels", labels), ("output", output)])


def _match_labels(y: Value, model: ModelValue) -> list[tuple[Value, tuple[Tensor, Loss | None], str]]:
    pairs = _outputs_with_losses(model)
    outputs = [o for o, _ in pairs]
    all_outputs = model_outputs(model)
    names = dict(zip(map(id, all_outputs), _names(all_outputs, model.output_names)))
    matched = _match(y, outputs, [names.get(id(o)) for o in outputs])
    by_id = {id(o): (o, loss) for o, loss in pairs}
    return [(data, by_id[id(t)], part) for data, t, part in matched]


def _check_features(rt: KerasSemantics, method: str, data: DataValue, tensor: Tensor, node: Any,
                    spelled: str) -> None:
    """Keras 3's Functional._adjust_input_rank, then its input spec."""
    got, want = data.shape, tensor.shape
    if got is None or got.dims is None or want.dims is None:
        return
    if tensor.producer is not None and id(tensor.producer.node) in rt.samples_in_shape:
        return                        # the input's shape was already reported (SHP604)
    g, w = list(got.dims), list(want.dims)
    if len(g) == len(w) + 1 and g[-1] == 1:
        g = g[:-1]
    elif len(g) == len(w) - 1 and w[-1] == 1:
        g = g + [1]
    elif len(g) == len(w) + 1 and not is_known(g[-1]):
        return                        # may be 1 and squeezed: unknown
    name = _name_of(tensor) if tensor.producer is not None and tensor.producer.name else ""
    if len(g) != len(w):
        rt.host.report(FeatureRankMismatch(method=method, expected=want, got=got,
                                           data=spelled, input_name=name or ""),
                       node, [("features", data), ("model input", tensor)])
        return
    for axis in range(1, len(w)):
        if dims_differ(g[axis], w[axis]):
            rt.host.report(FeatureSizeMismatch(method=method, expected=want, got=Shape(tuple(g)), axis=axis,
                                               data=spelled, input_name=name or ""),
                           node, [("features", data), ("model input", tensor)])
            return


def _samples(v: Value) -> Dim:
    if isinstance(v, DataValue) and v.shape is not None and v.shape.dims:
        return v.shape.dims[0]
    return None


def _check_counts(rt: KerasSemantics, method: str, x: Value, y: Value, node: Any, x_name: str,
                  y_name: str) -> None:
    xs, ys = _parts(x), _parts(y)
    counts_x = [c for c in map(_samples, xs) if is_known(c)]
    counts_y = [c for c in map(_samples, ys) if is_known(c)]
    if counts_x and counts_y and counts_x[0] != counts_y[0]:
        rt.host.report(SampleCountMismatch(method=method, x_count=counts_x[0], y_count=counts_y[0],
                                           x_name=x_name, y_name=y_name),
                       node, [("features", xs[0]), ("labels", ys[0])])


def _parts(data: Value) -> list[Value]:
    """The parts of data given as a list or tuple (one per input or output), else the data."""
    if isinstance(data, (ListValue, tuple)):
        return sequence_items(data) or []
    return [data]
