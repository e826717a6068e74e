"""Ops as the interpreter meets them: calls of op names, operators on tensors (``x + y``,
``x @ y``), indexing (``x[:, None]``), tensor attributes and methods, and Lambda layers
whose function can be run.

The tensor kind (:mod:`shapelint.keras.kinds`) and the Keras semantics delegate here; the
shape rules themselves live in the op table (:mod:`shapelint.ops.table`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shapelint.interp.provenance import Producer
from shapelint.interp.values import (
    UNKNOWN,
    BoundMethod,
    DictValue,
    FunctionValue,
    ListValue,
    MethodOf,
    Symbol,
    Value,
)
from shapelint.keras.values import LayerInstance, Tensor
from shapelint.ops import indexing
from shapelint.ops.elementwise import binary_shape
from shapelint.ops.keras_tensors import accepts_keras_tensors, is_symbolic, keras_equivalent
from shapelint.ops.linalg import matmul_operator
from shapelint.ops.operators import BROADCASTING, ORDERINGS, TENSOR_METHODS
from shapelint.ops.spec import (
    Args,
    OpSpec,
    Tensors,
    Unknowable,
    display_name,
    scalar_python,
)
from shapelint.ops.spec import Value as PlainResult
from shapelint.ops.table import evaluate, op_spec
from shapelint.resolution import canonical
from shapelint.shapes import Shape
from shapelint.violations.base import Rejected, Site, Violation
from shapelint.violations.inputs import TensorflowOpOnKerasTensor

if TYPE_CHECKING:
    from shapelint.keras.semantics import KerasSemantics



def _tensors_in(spec: OpSpec, args: list[Value], kwargs: dict[str, Value],
                rt: KerasSemantics) -> list[Tensor]:
    """The tensors an op call reads (for traces, and to tell ops on tensors from ops on
    NumPy arrays or Python lists, which are left alone)."""
    bound: dict[str, Value] = dict(zip(spec.params, args))
    if spec.varargs is not None and len(args) > len(spec.params):
        bound[spec.varargs] = tuple(args[len(spec.params):])
    bound.update(kwargs)
    found: list[Tensor] = []
    for name in spec.tensors:
        v = bound.get(name)
        if isinstance(v, Tensor):
            found.append(v)
        elif v is not None:
            items = rt.host.iterate(v) if isinstance(v, (tuple, ListValue)) else None
            found.extend(t for t in (items or []) if isinstance(t, Tensor))
    return found


def _labelled(tensors: list[Tensor]) -> list[tuple[str, Tensor]]:
    return [(f"input {i}" if len(tensors) > 1 else "input", t) for i, t in enumerate(tensors)]


def _unknown(kind: str, producer: Producer) -> Value:
    if kind == "tensors":
        return ListValue(None)
    if kind == "value":
        return UNKNOWN
    return Tensor(Shape(None), producer)


def call_op(rt: KerasSemantics, spec: OpSpec, args: list[Value], kwargs: dict[str, Value], node: Any,
            complete: bool, name: str | None = None) -> Value:
    """A call of an op; ``name`` is the canonical name it was called by (tf.reduce_mean and
    tf.math.reduce_mean share one spec, and messages say what the code says)."""
    tensors = _tensors_in(spec, args, kwargs, rt)
    kind = spec.returns
    if not tensors and spec.tensors:
        return UNKNOWN                   # NumPy arrays, Python lists, constants: not modeled
    label = display_name(name) if name else spec.display
    producer = rt.producer(node, label, tuple(tensors))
    # Keras 3 raises here; shapes flow on as they will once the call is made a Keras op.
    _tf_op_on_keras_tensors(rt, spec.name, node, label, tensors)
    if not complete:
        return _unknown(kind, producer)
    outcome = evaluate(spec, args, kwargs)
    if outcome.issue is not None:
        _report(rt, outcome.issue, node, label, tensors)
        return _unknown(kind, producer)
    result = outcome.result
    if isinstance(result, Shape):
        return Tensor(result, producer)
    if isinstance(result, Tensors):
        return ListValue([Tensor(s, producer) for s in result.shapes])
    if isinstance(result, PlainResult):
        return result.value
    return _unknown(kind, producer)


def call_unmodeled(rt: KerasSemantics, name: str, args: list[Value], kwargs: dict[str, Value],
                   node: Any) -> Value:
    """A call of a name the op table does not model: its result is unknown, but a TensorFlow
    function given a model's symbolic tensor is still SHP207 (``tf.one_hot``,
    ``tf.nn.depth_to_space``, ``tf.image.resize``...)."""
    if name.startswith("tensorflow.") and not accepts_keras_tensors(name):
        tensors = rt.flat_tensors([*args, *kwargs.values()])
        _tf_op_on_keras_tensors(rt, name, node, display_name(name), tensors)
    return UNKNOWN


def _tf_op_on_keras_tensors(rt: KerasSemantics, name: str, node: Any, label: str,
                            tensors: list[Tensor]) -> None:
    """SHP207: a TensorFlow op given a Keras 3 symbolic tensor outside any layer's call().
    Reported at the first TensorFlow op of a chain only (``is_symbolic`` does not look
    past one): Keras raises there, and the later ones go with it."""
    if rt.version < 3 or rt.backend_depth or not name.startswith("tensorflow."):
        return
    symbolic = [t for t in tensors if is_symbolic(t)]
    if symbolic:
        rt.host.report(TensorflowOpOnKerasTensor(op=label, equivalent=keras_equivalent(name),
                                                shape=symbolic[0].shape), node, _labelled(symbolic))


def _report(rt: KerasSemantics, violation: Violation, node: Any, label: str,
            tensors: list[Tensor]) -> None:
    rt.host.report(violation.at_site(Site(layer=label, op=label)), node, _labelled(tensors))


# --- operators -----------------------------------------------------------------------------

def binop(rt: KerasSemantics, symbol: str, left: Value, right: Value, node: Any) -> Tensor:
    if symbol not in BROADCASTING:
        tensors = tuple(v for v in (left, right) if isinstance(v, Tensor))
        return Tensor(Shape(None), rt.producer(node, "operator", tensors) if node is not None else None)
    return _broadcasting(rt, symbol, left, right, node)


def _broadcasting(rt: KerasSemantics, symbol: str, left: Value, right: Value, node: Any) -> Tensor:
    tensors = [v for v in (left, right) if isinstance(v, Tensor)]
    label = f"operator {symbol}"
    producer = rt.producer(node, label, tuple(tensors)) if node is not None else None
    try:
        a, b = Args.shape_of(left), Args.shape_of(right)
        out = matmul_operator(a, b) if symbol == "@" else binary_shape(a, b)
    except Unknowable:
        return Tensor(Shape(None), producer)
    except Rejected as rejected:
        if node is not None:
            _report(rt, rejected.violation, node, f"`{symbol}`", tensors)
        return Tensor(Shape(None), producer)
    return Tensor(out, producer)


def compare(rt: KerasSemantics, symbol: str, left: Value, right: Value, node: Any) -> Value:
    """``x > 0``: an element-wise boolean tensor. ``==`` and ``!=`` stay unknown: on a
    KerasTensor they compare identities, and TensorFlow gives False for unequal shapes."""
    if symbol not in ORDERINGS:
        return UNKNOWN
    return _broadcasting(rt, symbol, left, right, node)


def unary(rt: KerasSemantics, t: Tensor, node: Any) -> Tensor:
    """``-x``, ``+x``, ``~x``: the shape is kept."""
    producer = rt.producer(node, "operator", (t,)) if node is not None else None
    return Tensor(t.shape, producer)


# --- indexing --------------------------------------------------------------------------------

def _index_item(v: Value) -> object:
    if v is None or v is Ellipsis:
        return v
    if isinstance(v, bool):
        return object()                   # x[True]: a mask, not modeled
    if isinstance(v, int):
        return v
    if isinstance(v, Symbol) and v.path.endswith(".newaxis"):
        return None
    if isinstance(v, Tensor):
        if v.shape.dims is not None and len(v.shape.dims) == 0:
            return indexing.DYNAMIC
        return object()                   # a tensor of indices or a mask: not modeled
    return object()


def _bound(v: Value) -> object:
    if v is None or (isinstance(v, int) and not isinstance(v, bool)):
        return v
    return indexing.DYNAMIC               # a tensor or a value the analysis does not know


def subscript(rt: KerasSemantics, t: Tensor, index: Value, node: Any = None) -> Tensor:
    """``t[index]``; ``index`` as Python builds it (a slice, a value, or a tuple of them)."""
    key: list[object] = []
    for part in (index if isinstance(index, tuple) else (index,)):
        if isinstance(part, slice):
            key.append(slice(_bound(part.start), _bound(part.stop), _bound(part.step)))
        else:
            key.append(_index_item(part))
    producer = rt.producer(node, "indexing", (t,)) if node is not None else None
    try:
        return Tensor(indexing.getitem(t.shape, tuple(key)), producer)
    except Unknowable:
        return Tensor(Shape(None), producer)


# --- attributes and methods --------------------------------------------------------------------

def tensor_attr(t: Tensor, name: str) -> Value:
    if name == "shape":
        if t.shape.dims is None:
            return UNKNOWN
        return tuple(scalar_python(d) for d in t.shape.dims)
    if name == "ndim":
        return UNKNOWN if t.shape.dims is None else len(t.shape.dims)
    if name in TENSOR_METHODS:
        return MethodOf(t, name)
    return UNKNOWN


def tensor_method(rt: KerasSemantics, t: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                  node: Any) -> Value:
    if name == "get_shape" and not args and not kwargs:
        return tensor_attr(t, "shape")
    target = TENSOR_METHODS.get(name)
    spec = op_spec(target) if target else None
    if spec is None:
        return UNKNOWN
    if name == "reshape" and len(args) > 1:
        args = [tuple(args)]              # x.reshape(2, 3) as x.reshape((2, 3))
    return call_op(rt, spec, [t, *args], kwargs, node, True)


# --- Lambda layers -----------------------------------------------------------------------------

def call_lambda(rt: KerasSemantics, function: Value, arguments: Value, value: Value,
                node: Any) -> Value | None:
    """Run a Lambda's function on its input through the interpreter: the function's
    result, or None when the function cannot be run (unknown, not analysable)."""
    extra: dict[str, Value] = {}
    if arguments is not None:
        if not isinstance(arguments, DictValue) or arguments.items is None:
            return None
        extra = {str(k): v for k, v in arguments.items.items()}
    host = rt.host
    rt.backend_depth += 1        # a Lambda's function runs on backend tensors
    try:
        if isinstance(function, FunctionValue):
            return host.call_function(function, [value], extra)
        if isinstance(function, BoundMethod):
            return host.call_function(function.func, [function.self_obj, value], extra)
        if isinstance(function, Symbol):
            name = canonical(function.path)
            spec = op_spec(name)
            if spec is None:
                return None
            return call_op(rt, spec, [value], extra, node, True, name)
        return None
    finally:
        rt.backend_depth -= 1


def run_lambda(rt: KerasSemantics, layer: LayerInstance, value: Value, node: Any) -> Value | None:
    """A ``Lambda`` layer called on ``value``: its function is run on the input (findings
    inside it are reported where they are); the output is the function's result, unless
    ``output_shape`` is given to Keras 3 (which then trusts it; Keras 2 runs the function)
    or the result is not a tensor (None: the layer table decides)."""
    config = layer.config
    result = call_lambda(rt, config.raw("function"), config.raw("arguments"), value, node)
    if config.raw("output_shape") is not None and rt.version >= 3:
        return None
    tensors = tuple(t for t in ([value] if isinstance(value, Tensor) else
                                (rt.host.iterate(value) or [])) if isinstance(t, Tensor))
    producer = rt.producer(node, "Lambda", tensors, layer)
    if isinstance(result, Tensor):
        return Tensor(result.shape, producer)
    if isinstance(result, (ListValue, tuple)):
        items = rt.host.iterate(result)
        if items and all(isinstance(t, Tensor) for t in items):
            out = [Tensor(t.shape, producer) for t in items]
            return ListValue(out) if isinstance(result, ListValue) else tuple(out)
    return None
