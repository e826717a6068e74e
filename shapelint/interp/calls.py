"""Calling things: user functions (binding parameters), classes, builtins and methods.

Names reached through imports go to the library's semantics; values of a library's kinds
answer through their kind. Recursion and call depth are bounded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import libcst as cst

from shapelint.interp import builtins_model, stdlib
from shapelint.interp.budget import MAX_CALL_DEPTH, MAX_SAME_FUNCTION
from shapelint.interp.events import ContextFrame
from shapelint.interp.flow import BreakSignal, ContinueSignal, DeadPath, ReturnSignal, Scope
from shapelint.interp.kinds import join_values, kind_of, kind_or_default
from shapelint.interp.statements import statements_of
from shapelint.interp.values import (
    UNKNOWN,
    BoundMethod,
    Builtin,
    ClassValue,
    DictValue,
    FunctionValue,
    MethodOf,
    ObjectValue,
    Symbol,
    Unknown,
    Value,
)
from shapelint.resolution import canonical

if TYPE_CHECKING:
    from shapelint.interp.interpreter import Interpreter

_MISSING = object()


@dataclass
class Frame:
    """One user-function call being run: what it returned on each path so far."""

    function: FunctionValue | None
    returns: list[Value] = field(default_factory=list)


class Caller:
    def __init__(self, interp: Interpreter) -> None:
        self.interp = interp
        self.frames: list[Frame] = [Frame(None)]
        self.called: set[int] = set()         # ids of functions called at least once
        self.instantiated: set[int] = set()   # ids of classes instantiated at least once

    def call(self, func: Value, args: list[Value], kwargs: dict[str, Value], node: Any,
             complete: bool = True) -> Value:
        interp = self.interp
        if isinstance(func, Symbol):
            result = stdlib.call(func.path, args, kwargs) if complete else None
            if result is not None:
                return result
            return interp.semantics.call_symbol(canonical(func.path), args, kwargs, node, complete)
        if isinstance(func, FunctionValue):
            return self.call_function(func, args, kwargs, call_node=node) if complete else UNKNOWN
        if isinstance(func, BoundMethod):
            return self.call_function(func.func, [func.self_obj, *args], kwargs, call_node=node) \
                if complete else UNKNOWN
        if isinstance(func, ClassValue):
            return self.instantiate(func, args, kwargs, node, complete)
        if isinstance(func, ObjectValue):
            if func.cls.keras_kind:
                return interp.semantics.call_object(func, args, kwargs, node)
            method = interp.class_lookup(func.cls, "__call__")
            return self.call_function(method, [func, *args], kwargs, call_node=node) \
                if isinstance(method, FunctionValue) and complete else UNKNOWN
        if isinstance(func, Builtin):
            return builtins_model.call(interp, func.name, args, kwargs, node, complete)
        if isinstance(func, MethodOf):
            target = func.target
            if isinstance(target, (str, tuple)):
                return builtins_model.call_method(target, func.name, args)
            if isinstance(target, ObjectValue) and target.cls.keras_kind:
                return interp.semantics.call_object_method(target, func.name, args, kwargs, node)
            return kind_or_default(target).call_method(interp, target, func.name, args, kwargs, node)
        kind = kind_of(func)
        return kind.call(interp, func, args, kwargs, node, complete) if kind is not None else UNKNOWN

    def call_function(self, func: FunctionValue, args: list[Value], kwargs: dict[str, Value],
                      fill_unknown: bool = False, call_node: Any = None) -> Value:
        interp = self.interp
        self.called.add(id(func))
        depth_same = sum(1 for f in self.frames if f.function is func)
        if depth_same >= MAX_SAME_FUNCTION or len(self.frames) > MAX_CALL_DEPTH:
            return UNKNOWN
        node = func.node
        local = Scope(parent=func.scope, kind="function")
        if not bind_params(node.params, func.defaults, args, kwargs, local, fill_unknown):
            return UNKNOWN
        frame = Frame(func)
        self.frames.append(frame)
        interp.push_context(ContextFrame("call", node, interp.next_serial(), call_node))
        try:
            if isinstance(node, cst.Lambda):
                return interp.evaluator.eval(node.body, local)
            try:
                interp.executor.exec_block(statements_of(node.body), local)
                frame.returns.append(None)
            except ReturnSignal as ret:
                frame.returns.append(ret.value)
            except DeadPath:
                pass
            except (BreakSignal, ContinueSignal):
                frame.returns.append(UNKNOWN)
            if not frame.returns:
                return UNKNOWN
            result = frame.returns[0]
            for value in frame.returns[1:]:
                result = join_values(result, value)
            return result
        finally:
            interp.pop_context()
            self.frames.pop()

    def instantiate(self, cls: ClassValue, args: list[Value], kwargs: dict[str, Value], node: Any,
                    complete: bool, fill_unknown: bool = False) -> ObjectValue:
        interp = self.interp
        self.instantiated.add(id(cls))
        obj = ObjectValue(cls, node=node)
        if cls.keras_kind and isinstance(kwargs.get("name"), str):
            obj.name = kwargs["name"]
        interp.observers.emit("object_created", obj)
        init = interp.class_lookup(cls, "__init__")
        if isinstance(init, FunctionValue) and complete:
            self.call_function(init, [obj, *args], kwargs, fill_unknown=fill_unknown, call_node=node)
        return obj


def bind_params(params: cst.Parameters, defaults: dict[str, Value], args: list[Value],
                kwargs: dict[str, Value], local: Scope, fill_unknown: bool) -> bool:
    """Bind a call's arguments to a function's parameters, as Python does; False when the
    call would raise TypeError (missing or unexpected arguments)."""
    positional = [*params.posonly_params, *params.params]
    kwargs = dict(kwargs)

    def by_name(name: str) -> Value:
        if name in kwargs:
            return kwargs.pop(name)
        if name in defaults:
            return defaults[name]
        return Unknown(name) if fill_unknown else _MISSING

    for i, p in enumerate(positional):
        value = args[i] if i < len(args) else by_name(p.name.value)
        if value is _MISSING:
            return False
        local.vars[p.name.value] = value
    extra = args[len(positional):]
    star = params.star_arg
    if isinstance(star, cst.Param):
        local.vars[star.name.value] = tuple(extra)
    elif extra:
        return False
    for p in params.kwonly_params:
        value = by_name(p.name.value)
        if value is _MISSING:
            return False
        local.vars[p.name.value] = value
    if params.star_kwarg is not None:
        local.vars[params.star_kwarg.name.value] = DictValue(dict(kwargs))
    elif kwargs:
        return False
    return True
