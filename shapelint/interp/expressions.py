"""Evaluating expressions to abstract values.

Plain values are folded (:mod:`~shapelint.interp.folding`), the core's own values are
handled here, and every other value is asked through its kind
(:mod:`~shapelint.interp.kinds`): attribute access, operators, indexing. Anything not
understood evaluates to :data:`~shapelint.interp.values.UNKNOWN`.
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import libcst as cst

from shapelint.interp import builtins_model
from shapelint.interp.budget import MAX_EXPRESSION_DEPTH, MAX_UNROLL
from shapelint.interp.events import ContextFrame
from shapelint.interp.flow import Scope
from shapelint.interp.folding import COMPARE, fold_binary, fold_unary
from shapelint.interp.kinds import NOT_HANDLED, join_values, kind_of
from shapelint.interp.values import (
    UNKNOWN,
    BoundMethod,
    Builtin,
    ClassValue,
    DictValue,
    FunctionValue,
    ListValue,
    MethodOf,
    ObjectValue,
    Symbol,
    Unknown,
    UnknownOfKnownTruth,
    Value,
    is_plain,
)
from shapelint.resolution import canonical

if TYPE_CHECKING:
    from shapelint.interp.interpreter import Interpreter

MAX_EVAL_CHARS = 200           # longer strings given to eval() are not read

BINARY_OPERATORS: dict[type, str] = {
    cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/", cst.FloorDivide: "//",
    cst.Modulo: "%", cst.Power: "**", cst.BitAnd: "&", cst.BitOr: "|", cst.BitXor: "^",
    cst.LeftShift: "<<", cst.RightShift: ">>", cst.MatrixMultiply: "@",
}
AUGMENTED: dict[type, str] = {
    cst.AddAssign: "+", cst.SubtractAssign: "-", cst.MultiplyAssign: "*", cst.DivideAssign: "/",
    cst.FloorDivideAssign: "//", cst.ModuloAssign: "%", cst.PowerAssign: "**",
}
COMPARISONS: dict[type, str] = {
    cst.Equal: "==", cst.NotEqual: "!=", cst.LessThan: "<", cst.LessThanEqual: "<=",
    cst.GreaterThan: ">", cst.GreaterThanEqual: ">=", cst.Is: "is", cst.IsNot: "is not",
    cst.In: "in", cst.NotIn: "not in",
}
UNARY: dict[type, str] = {cst.Minus: "-", cst.Plus: "+", cst.BitInvert: "~", cst.Not: "not"}
_CONSTANTS = {"True": True, "False": False, "None": None}


def py(v: Value) -> Value:
    """ListValue -> list for computing; other values unchanged."""
    if isinstance(v, ListValue) and v.items is not None:
        return list(v.items)
    return v


class Evaluator:
    """The expression half of the interpreter (mypy's ExpressionChecker, in spirit)."""

    def __init__(self, interp: Interpreter):
        self.interp = interp
        self.depth = 0
        self._handlers: dict[type, Callable[[Any, Scope], Value]] = {}

    def eval(self, node: cst.BaseExpression, scope: Scope) -> Value:
        interp = self.interp
        interp.budget.tick()
        handler = self._handlers.get(type(node))
        if handler is None:
            handler = getattr(self, "expr_" + type(node).__name__, None) or _unknown
            self._handlers[type(node)] = handler
        if self.depth >= MAX_EXPRESSION_DEPTH:
            return UNKNOWN            # pathologically nested: unknown here, the rest goes on
        self.depth += 1
        try:
            value = handler(node, scope)
        finally:
            self.depth -= 1
        kind = kind_of(value)
        if kind is not None and kind.symbolic:
            interp.guards.symbolic_reads += 1
        if interp.wants_values:
            interp.observers.emit("expression_evaluated", node, value)
        return value

    # --- conditions -------------------------------------------------------------------------
    def truth(self, node: cst.BaseExpression, scope: Scope) -> tuple[bool | None, bool]:
        """Evaluate a condition: (True/False/None when unknown, whether it read symbolic data)."""
        guards = self.interp.guards
        before = guards.symbolic_reads
        value = self.eval(node, scope)
        return to_bool(value), guards.symbolic_reads != before

    # --- literals and names -----------------------------------------------------------------
    def expr_Integer(self, node: cst.Integer, scope: Scope) -> Value:
        text = node.value
        return int(text) if text.isdigit() else ast.literal_eval(text)

    def expr_Float(self, node: cst.Float, scope: Scope) -> Value:
        return ast.literal_eval(node.value)

    def expr_Imaginary(self, node: cst.Imaginary, scope: Scope) -> Value:
        return UNKNOWN

    def expr_SimpleString(self, node: cst.SimpleString, scope: Scope) -> Value:
        try:
            return node.evaluated_value
        except Exception:
            return UNKNOWN

    def expr_ConcatenatedString(self, node: cst.ConcatenatedString, scope: Scope) -> Value:
        left, right = self.eval(node.left, scope), self.eval(node.right, scope)
        return fold_binary("+", left, right) if isinstance(left, str) and isinstance(right, str) else UNKNOWN

    def expr_FormattedString(self, node: cst.FormattedString, scope: Scope) -> Value:
        """An f-string of known values is a known string (layer names are often built so)."""
        out: list[str] | None = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                if out is not None:
                    out.append(part.value.replace("{{", "{").replace("}}", "}"))
            elif isinstance(part, cst.FormattedStringExpression):
                value = self.eval(part.expression, scope)
                spec = _literal_spec(part.format_spec)
                field = None if out is None or not is_plain(value) or isinstance(value, tuple) \
                    or spec is None else _format_field(value, part.conversion, spec)
                if field is None:
                    out = None
                elif out is not None:
                    out.append(field)
        if out is None:
            return UNKNOWN
        text = "".join(out)
        return text if len(text) <= 10_000 else UNKNOWN

    def expr_Ellipsis(self, node: cst.Ellipsis, scope: Scope) -> Value:
        return Ellipsis

    def expr_Name(self, node: cst.Name, scope: Scope) -> Value:
        return self.lookup(node.value, scope)

    def lookup(self, name: str, scope: Scope) -> Value:
        found, value = scope.lookup(name)
        if found:
            return value
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        semantics = self.interp.semantics
        for module in scope.module().star_modules + scope.star_modules:
            candidate = canonical(f"{module}.{name}")
            if semantics.knows(candidate):
                return Symbol(candidate)
        if builtins_model.is_builtin(name):
            return Builtin(name)
        return Unknown(name)

    def peek(self, node: cst.BaseExpression, scope: Scope) -> Value:
        """What a dotted name refers to, without evaluating anything else (no side effects)."""
        if isinstance(node, cst.Name):
            return self.lookup(node.value, scope)
        if isinstance(node, cst.Attribute):
            base = self.peek(node.value, scope)
            return Symbol(f"{base.path}.{node.attr.value}") if isinstance(base, Symbol) else UNKNOWN
        return UNKNOWN

    # --- attributes ---------------------------------------------------------------------------
    def expr_Attribute(self, node: cst.Attribute, scope: Scope) -> Value:
        obj = self.eval(node.value, scope)
        return self.get_attr(obj, node.attr.value, node)

    def get_attr(self, obj: Value, name: str, node: Any = None) -> Value:
        interp = self.interp
        if isinstance(obj, Symbol):
            return Symbol(f"{obj.path}.{name}")
        if isinstance(obj, ObjectValue):
            if name in obj.attrs:
                return obj.attrs[name]
            found = interp.class_lookup(obj.cls, name)
            if found is not None:
                if isinstance(found, FunctionValue) and found.decorator != "staticmethod":
                    if found.decorator == "property":
                        return interp.call_function(found, [obj], {}, call_node=node)
                    return BoundMethod(found, obj)
                return found
            return interp.semantics.object_attr(obj, name) if obj.cls.keras_kind else UNKNOWN
        if isinstance(obj, ClassValue):
            found = interp.class_lookup(obj, name)
            return UNKNOWN if found is None else found
        if isinstance(obj, (str, tuple)):
            return MethodOf(obj, name)
        kind = kind_of(obj)
        return kind.attr(interp, obj, name, node) if kind is not None else UNKNOWN

    # --- containers ---------------------------------------------------------------------------
    def expr_Tuple(self, node: cst.Tuple, scope: Scope) -> Value:
        items = self.elements(node.elements, scope)
        return UNKNOWN if items is None else tuple(items)

    def expr_List(self, node: cst.List, scope: Scope) -> Value:
        return ListValue(self.elements(node.elements, scope))

    def expr_Set(self, node: cst.Set, scope: Scope) -> Value:
        self.elements(node.elements, scope)
        return UNKNOWN

    def elements(self, elements: Sequence[cst.BaseElement], scope: Scope) -> list[Value] | None:
        out: list[Value] | None = []
        for e in elements:
            value = self.eval(e.value, scope)
            if isinstance(e, cst.StarredElement):
                items = self.interp.iterate(value)
                if items is None or out is None:
                    out = None
                else:
                    out.extend(items)
            elif out is not None:
                out.append(value)
        return out

    def expr_Dict(self, node: cst.Dict, scope: Scope) -> Value:
        items: dict[Value, Value] | None = {}
        for e in node.elements:
            if isinstance(e, cst.DictElement):
                key, value = self.eval(e.key, scope), self.eval(e.value, scope)
                if items is not None and is_plain(key):
                    items[key] = value
                else:
                    items = None
            else:
                other = self.eval(e.value, scope)
                if items is not None and isinstance(other, DictValue) and other.items is not None:
                    items.update(other.items)
                else:
                    items = None
        return DictValue(items)

    # --- operators ----------------------------------------------------------------------------
    def expr_BinaryOperation(self, node: cst.BinaryOperation, scope: Scope) -> Value:
        left = self.eval(node.left, scope)
        right = self.eval(node.right, scope)
        op = BINARY_OPERATORS.get(type(node.operator))
        return UNKNOWN if op is None else self.binop(op, left, right, node)

    def binop(self, op: str, left: Value, right: Value, node: Any) -> Value:
        for side in (left, right):
            kind = kind_of(side)
            if kind is not None:
                result = kind.binop(self.interp, op, left, right, node)
                if result is not NOT_HANDLED:
                    return result
        return fold_binary(op, left, right)

    def expr_UnaryOperation(self, node: cst.UnaryOperation, scope: Scope) -> Value:
        value = self.eval(node.expression, scope)
        op = UNARY[type(node.operator)]
        if op == "not":
            truth = to_bool(value)
            return UNKNOWN if truth is None else not truth
        kind = kind_of(value)
        if kind is not None:
            return kind.unary(self.interp, op, value, node)
        return fold_unary(op, value)

    def expr_BooleanOperation(self, node: cst.BooleanOperation, scope: Scope) -> Value:
        left = self.eval(node.left, scope)
        truth = to_bool(left)
        if truth is None:
            # `unknown or <truthy>` is truthy and `unknown and <falsy>` falsy, whichever
            # operand it is; otherwise the result's truth is the unknown left's.
            decides = isinstance(node.operator, cst.Or)
            if to_bool(self.eval(node.right, scope)) is decides:
                return UnknownOfKnownTruth(decides)
            return UNKNOWN
        if isinstance(node.operator, cst.And):
            return self.eval(node.right, scope) if truth else left
        return left if truth else self.eval(node.right, scope)

    def expr_Comparison(self, node: cst.Comparison, scope: Scope) -> Value:
        left = self.eval(node.left, scope)
        result: Value = True
        for target in node.comparisons:
            right = self.eval(target.comparator, scope)
            op = COMPARISONS.get(type(target.operator))
            if op is None:
                return UNKNOWN
            kinds = [k for k in (kind_of(left), kind_of(right)) if k is not None and k.symbolic]
            if kinds and op not in ("is", "is not"):   # identity is never overloaded
                # x > 0 on tensors is an element-wise tensor (== / != may be identity tests)
                if len(node.comparisons) != 1:
                    return UNKNOWN
                value = kinds[0].compare(self.interp, op, left, right, node)
                return UNKNOWN if value is NOT_HANDLED else value
            value = compare_plain(op, left, right)
            if isinstance(value, Unknown):
                return UNKNOWN
            if not value:
                result = False
            left = right
        return result

    def expr_IfExp(self, node: cst.IfExp, scope: Scope) -> Value:
        cond, depends = self.truth(node.test, scope)
        if cond is True:
            return self.eval(node.body, scope)
        if cond is False:
            return self.eval(node.orelse, scope)
        guards = self.interp.guards
        guards.depth += depends
        try:
            return join_values(self.eval(node.body, scope), self.eval(node.orelse, scope))
        finally:
            guards.depth -= depends

    def expr_NamedExpr(self, node: cst.NamedExpr, scope: Scope) -> Value:
        value = self.eval(node.value, scope)
        self.interp.executor.bind(node.target, value, scope)
        return value

    # --- indexing -----------------------------------------------------------------------------
    def expr_Subscript(self, node: cst.Subscript, scope: Scope) -> Value:
        obj = self.eval(node.value, scope)
        parts = [self.slice_part(el.slice, scope) for el in node.slice]
        key = parts[0] if len(parts) == 1 else tuple(parts)
        return self.subscript(obj, key, node)

    def slice_part(self, part: cst.BaseSlice, scope: Scope) -> Value:
        """One element of ``x[...]`` as Python builds it: a ``slice`` or the index value."""
        if isinstance(part, cst.Slice):
            return slice(*(None if p is None else self.eval(p, scope)
                           for p in (part.lower, part.upper, part.step)))
        return self.eval(part.value, scope) if isinstance(part, cst.Index) else UNKNOWN

    def subscript(self, obj: Value, key: Value, node: Any) -> Value:
        if isinstance(obj, (tuple, str)):
            return _index_plain(obj, key)
        kind = kind_of(obj)
        return kind.subscript(self.interp, obj, key, node) if kind is not None else UNKNOWN

    # --- functions and comprehensions -----------------------------------------------------
    def expr_Lambda(self, node: cst.Lambda, scope: Scope) -> Value:
        return FunctionValue(node, scope, "<lambda>", "<lambda>",
                             defaults=self.interp.executor.eval_defaults(node.params, scope))

    def comprehension(self, node: cst.BaseComp, scope: Scope, produce: Callable[[Scope], None]) -> bool:
        """Unroll the for/if clauses of a comprehension; False if the iteration is unknown."""
        interp = self.interp
        inner = Scope(parent=scope, kind="function")
        inner.star_modules = scope.star_modules
        bind = interp.executor.bind
        passes = [0]                 # elements produced so far: the pass each one is

        def loop(comp: cst.CompFor) -> bool:
            items = interp.iterate(self.eval(comp.iter, inner))
            if items is None or len(items) > MAX_UNROLL:
                bind(comp.target, UNKNOWN, inner)
                return False
            for item in items:
                bind(comp.target, item, inner)
                keep = True
                for cond in comp.ifs:
                    truth = to_bool(self.eval(cond.test, inner))
                    if truth is None:
                        return False
                    keep = keep and truth
                if not keep:
                    continue
                if comp.inner_for_in is not None:
                    if not loop(comp.inner_for_in):
                        return False
                else:
                    interp.push_context(ContextFrame("loop", node, interp.next_serial(), index=passes[0]))
                    passes[0] += 1
                    try:
                        produce(inner)
                    finally:
                        interp.pop_context()
            return True

        return loop(node.for_in)

    def expr_ListComp(self, node: cst.ListComp | cst.GeneratorExp, scope: Scope) -> Value:
        out: list[Value] = []
        ok = self.comprehension(node, scope, lambda s: out.append(self.eval(node.elt, s)))
        return ListValue(out) if ok else ListValue(None)

    expr_GeneratorExp = expr_ListComp

    def expr_SetComp(self, node: cst.SetComp, scope: Scope) -> Value:
        self.comprehension(node, scope, lambda s: self.eval(node.elt, s))
        return UNKNOWN

    def expr_DictComp(self, node: cst.DictComp, scope: Scope) -> Value:
        out: dict[Value, Value] = {}
        ok = True

        def produce(s: Scope) -> None:
            nonlocal ok
            key = self.eval(node.key, s)
            if is_plain(key):
                out[key] = self.eval(node.value, s)
            else:
                ok = False

        ok = self.comprehension(node, scope, produce) and ok
        return DictValue(out if ok else None)

    def expr_Await(self, node: cst.Await, scope: Scope) -> Value:
        self.eval(node.expression, scope)
        return UNKNOWN

    def expr_Yield(self, node: cst.Yield, scope: Scope) -> Value:
        if isinstance(node.value, cst.BaseExpression):
            self.eval(node.value, scope)
        return UNKNOWN

    # --- calls --------------------------------------------------------------------------------
    def expr_Call(self, node: cst.Call, scope: Scope) -> Value:
        func = self.eval(node.func, scope)
        args: list[Value] = []
        kwargs: dict[str, Value] = {}
        complete = True
        for arg in node.args:
            value = self.eval(arg.value, scope)
            if arg.star == "*":
                items = self.interp.iterate(value)
                if items is None:
                    complete = False
                else:
                    args.extend(items)
            elif arg.star == "**":
                if isinstance(value, DictValue) and value.items is not None:
                    kwargs.update({str(k): v for k, v in value.items.items()})
                else:
                    complete = False
            elif arg.keyword is not None:
                kwargs[arg.keyword.value] = value
            else:
                args.append(value)
        if isinstance(func, Builtin) and func.name == "eval" and complete:
            return self.eval_string(args, kwargs, scope)
        return self.interp.call(func, args, kwargs, node, complete=complete)

    def eval_string(self, args: list[Value], kwargs: dict[str, Value], scope: Scope) -> Value:
        """``eval(name)`` of a known string in the current scope: model code picks a layer or
        an activation by name (``eval(activation)`` in keras-unet-collection). Nothing runs;
        the text is read as one expression, and findings inside it are withheld (it has no
        place in the file to report them at)."""
        if len(args) != 1 or kwargs or not isinstance(args[0], str) or len(args[0]) > MAX_EVAL_CHARS:
            return UNKNOWN
        try:
            expression = cst.parse_expression(args[0].strip())
        except Exception:            # not an expression (eval would raise): unknown
            return UNKNOWN
        guards = self.interp.guards
        guards.depth += 1
        try:
            return self.eval(expression, scope)
        finally:
            guards.depth -= 1


_CONVERSIONS: dict[str, Callable[[object], str]] = {"s": str, "r": repr, "a": ascii}


def _literal_spec(spec: Sequence[cst.BaseFormattedStringContent] | None) -> str | None:
    """The text of an f-string field's format spec; None when it has fields of its own."""
    texts = [s.value for s in spec or () if isinstance(s, cst.FormattedStringText)]
    return "".join(texts) if len(texts) == len(spec or ()) else None


def _format_field(value: Value, conversion: str | None, spec: str) -> str | None:
    """``f"{value!conversion:spec}"`` of a plain value; None where Python would raise."""
    try:
        return format(_CONVERSIONS.get(conversion, str)(value) if conversion else value, spec)
    except Exception:
        return None


def _unknown(node: Any, scope: Scope) -> Value:
    return UNKNOWN


def to_bool(value: Value) -> bool | None:
    if isinstance(value, UnknownOfKnownTruth):
        return value.truth
    if isinstance(value, Unknown):
        return None
    kind = kind_of(value)
    if kind is not None:
        return kind.truth(value)
    if is_plain(value):
        return bool(value)
    return True   # functions, classes, symbols are truthy


def compare_plain(op: str, left: Value, right: Value) -> Value:
    """A comparison of plain values (and known lists/dicts for ``in``); unknown otherwise."""
    if op in ("is", "is not"):
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return UNKNOWN
        if not any(v is None or isinstance(v, bool) for v in (left, right)):
            return UNKNOWN
        return (left is right) == (op == "is")
    a, b = py(left), py(right)
    if op in ("in", "not in"):
        if isinstance(b, DictValue):
            if b.items is None or not is_plain(a):
                return UNKNOWN
            b = b.items
        elif isinstance(b, (list, tuple)):
            if not (is_plain(a) and all(is_plain(x) for x in b)):
                return UNKNOWN
        elif not (is_plain(a) and is_plain(b)):
            return UNKNOWN
        try:
            return (a in b) == (op == "in")
        except Exception:
            return UNKNOWN
    if not (is_plain(a) and is_plain(b)):
        return UNKNOWN
    try:
        return COMPARE[op](a, b)
    except Exception:
        return UNKNOWN


def _index_plain(seq: str | tuple[Value, ...], key: Value) -> Value:
    if isinstance(key, slice):
        if all(v is None or (isinstance(v, int) and not isinstance(v, bool))
               for v in (key.start, key.stop, key.step)) and key.step != 0:
            return seq[key]
        return UNKNOWN
    if isinstance(key, int) and not isinstance(key, bool):
        try:
            return seq[key]
        except IndexError:
            return UNKNOWN
    return UNKNOWN
