"""The abstract interpreter: runs module code in order, and the user functions it calls.

It evaluates libcst nodes to abstract values (:mod:`shapelint.interp.values`). Anything
it does not understand becomes :data:`UNKNOWN`; Keras semantics (layers, models,
inputs) are delegated to :mod:`shapelint.interp.keras_runtime`. Problems are recorded
as :class:`Issue` events; turning them into user-facing diagnostics is someone else's job.
"""
from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from shapelint.analyses import untracked
from shapelint.interp import builtins_model
from shapelint.interp.flow import (
    BreakSignal, ContinueSignal, DeadPath, ReturnSignal, Scope, Snapshot,
)
from shapelint.interp.values import (
    UNKNOWN, BoundMethod, Builtin, ClassValue, DictValue, FunctionValue, LayerInstance,
    ListValue, MethodOf, ModelValue, ObjectValue, Symbol, Tensor, Unknown, is_known,
    join_values,
)
from shapelint.resolution import canonical, implies_keras2
from shapelint.violations.base import Violation

MAX_UNROLL = 64          # iterations of a loop over a known iterable
MAX_CALL_DEPTH = 24      # nested user-function calls
MAX_SAME_FUNCTION = 3    # recursion depth of one function
MAX_STEPS = 400_000      # evaluation steps per file


class BudgetExceeded(Exception):
    pass


@dataclass
class Issue:
    """A violation found at a source range, with the tensors its trace starts from."""

    violation: Violation
    start: tuple[int, int]     # (line, 0-based column)
    end: tuple[int, int]
    inputs: list = field(default_factory=list)   # [(label, Tensor)]

    @property
    def code(self) -> str:
        return self.violation.code


@dataclass
class Frame:
    function: Optional[FunctionValue]
    returns: list = field(default_factory=list)


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    cst.Add: operator.add, cst.Subtract: operator.sub, cst.Multiply: operator.mul,
    cst.Divide: operator.truediv, cst.FloorDivide: operator.floordiv, cst.Modulo: operator.mod,
    cst.Power: operator.pow, cst.BitAnd: operator.and_, cst.BitOr: operator.or_,
    cst.BitXor: operator.xor, cst.LeftShift: operator.lshift, cst.RightShift: operator.rshift,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    cst.Equal: operator.eq, cst.NotEqual: operator.ne, cst.LessThan: operator.lt,
    cst.LessThanEqual: operator.le, cst.GreaterThan: operator.gt,
    cst.GreaterThanEqual: operator.ge, cst.Is: operator.is_, cst.IsNot: operator.is_not,
    cst.In: lambda a, b: a in b, cst.NotIn: lambda a, b: a not in b,
}
_AUG = {
    cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
    cst.DivideAssign: cst.Divide, cst.FloorDivideAssign: cst.FloorDivide,
    cst.ModuloAssign: cst.Modulo, cst.PowerAssign: cst.Power,
}


def _plain(v: Any) -> bool:
    """A known Python scalar or tuple/list of them, safe to compute with."""
    if isinstance(v, (int, float, str, bool, type(None))):
        return True
    if isinstance(v, tuple):
        return all(_plain(x) for x in v)
    return False


def _py(v: Any) -> Any:
    """ListValue -> list for computing; other values unchanged."""
    if isinstance(v, ListValue) and v.items is not None:
        return list(v.items)
    return v


def _statements(body: Any) -> list:
    """The statements of an IndentedBlock or a one-line suite."""
    return list(body.body) if body is not None else []


class Interpreter:
    def __init__(self, module: cst.Module, path: str = "<string>", keras_version: int = 3):
        from shapelint.interp.keras_runtime import KerasRuntime

        self.module = module
        self._positions: Optional[dict] = None
        self.path = path
        self.keras_version = keras_version
        self.issues: list[Issue] = []
        self.internal_errors: list[str] = []
        self.keras = KerasRuntime(self)
        self.steps = 0
        self.frames: list[Frame] = [Frame(None)]
        self.guard_depth = 0          # >0: inside a branch whose condition depends on shapes
        self.backend_depth = 0        # >0: in a layer's call() or a Lambda: TF ops are allowed
        self.guard_rest = False       # the rest of the current block is under such a condition
        self.tensor_reads = 0         # counts tensor values read (to classify conditions)
        self.called_functions: set[int] = set()
        self.module_scope = Scope(kind="module")
        self.module_scope.vars["__name__"] = "__main__"
        self.stopped: Optional[str] = None
        self._seen_issues: set = set()
        # Events for the analyses that run after interpretation (sharing, summaries):
        self.context: list[tuple] = []      # ("call", def node, serial, call node) / ("loop", node, i)
        self.layer_calls: list = []         # every LayerCall, in order
        self.models: list = []              # every ModelValue built
        self.objects: list = []             # instances of user classes
        self._serial = 0

    # --- positions and events -----------------------------------------------------------
    @property
    def positions(self) -> dict:
        """Node -> source range, computed on first need (a full pass over the file)."""
        if self._positions is None:
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._positions = dict(wrapper.resolve(PositionProvider))
        return self._positions

    def where(self, node: cst.CSTNode) -> tuple[tuple[int, int], tuple[int, int]]:
        rng: Optional[CodeRange] = self.positions.get(node)
        if rng is None:
            return (1, 0), (1, 0)
        return (rng.start.line, rng.start.column), (rng.end.line, rng.end.column)

    def report(self, violation: Violation, node: cst.CSTNode, inputs=()) -> None:
        if self.guard_depth:
            return
        start, end = self.where(node)
        key = (violation.code, start)
        if key in self._seen_issues:
            return
        self._seen_issues.add(key)
        self.issues.append(Issue(violation, start, end, list(inputs)))

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise BudgetExceeded()

    # --- running ------------------------------------------------------------------------
    def run_module(self, module: cst.Module) -> None:
        try:
            self.exec_block(module.body, self.module_scope)
            self.analyse_uncalled_functions()
        except BudgetExceeded:
            self.stopped = f"analysis budget of {MAX_STEPS} steps exhausted"
        except (ReturnSignal, BreakSignal, ContinueSignal, DeadPath):
            pass

    def analyse_uncalled_functions(self) -> None:
        """Functions the module defines but never calls still build models (library code):
        run each once with its defaults, unknown arguments elsewhere."""
        for value in list(self.module_scope.vars.values()):
            if isinstance(value, FunctionValue) and id(value) not in self.called_functions:
                self.call_function(value, [], {}, fill_unknown=True)

    def exec_block(self, statements, scope: Scope) -> None:
        guards = 0
        try:
            for stmt in statements:
                self.exec_stmt(stmt, scope)
                if self.guard_rest:
                    # An early exit under a shape-dependent condition: what follows only runs
                    # when the condition was false, which the analysis cannot see.
                    self.guard_rest = False
                    self.guard_depth += 1
                    guards += 1
        finally:
            self.guard_depth -= guards

    def exec_stmt(self, stmt: cst.CSTNode, scope: Scope) -> None:
        self.tick()
        try:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self.exec_small(small, scope)
                return
            handler = getattr(self, "stmt_" + type(stmt).__name__, None)
            if handler is not None:
                handler(stmt, scope)
        except (ReturnSignal, BreakSignal, ContinueSignal, DeadPath, BudgetExceeded):
            raise
        except RecursionError:
            self.internal_errors.append(f"line {self.where(stmt)[0][0]}: nesting too deep")
        except Exception as exc:  # an analyzer bug must never become a crash or a finding
            self.internal_errors.append(f"line {self.where(stmt)[0][0]}: {type(exc).__name__}: {exc}")

    def exec_small(self, node: cst.CSTNode, scope: Scope) -> None:
        if isinstance(node, cst.Expr):
            self.eval(node.value, scope)
        elif isinstance(node, cst.Assign):
            value = self.eval(node.value, scope)
            for target in node.targets:
                self.bind(target.target, value, scope)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.bind(node.target, self.eval(node.value, scope), scope)
        elif isinstance(node, cst.AugAssign):
            current = self.eval(node.target, scope)
            value = self.eval(node.value, scope)
            op = _AUG.get(type(node.operator))
            result = self.binop(op, current, value, node) if op else UNKNOWN
            if isinstance(current, ListValue) and isinstance(node.operator, cst.AddAssign):
                items = self.iterate(value)
                current.items = None if items is None or current.items is None else current.items + items
                result = current
            self.bind(node.target, result, scope)
        elif isinstance(node, cst.Return):
            raise ReturnSignal(self.eval(node.value, scope) if node.value is not None else None)
        elif isinstance(node, cst.Break):
            raise BreakSignal()
        elif isinstance(node, cst.Continue):
            raise ContinueSignal()
        elif isinstance(node, cst.Import):
            self.do_import(node, scope)
        elif isinstance(node, cst.ImportFrom):
            self.do_import_from(node, scope)
        elif isinstance(node, cst.Global):
            scope.global_names.update(n.name.value for n in node.names)
        elif isinstance(node, (cst.Raise, cst.Assert, cst.Pass, cst.Del, cst.Nonlocal)):
            if isinstance(node, cst.Raise) and self.frames[-1].function is not None:
                raise DeadPath()

    # --- imports: names bound to dotted paths ---------------------------------------------
    def _note_import(self, path: str) -> None:
        if implies_keras2(path):
            self.keras_version = 2

    def do_import(self, node: cst.Import, scope: Scope) -> None:
        for alias in node.names:
            full = _dotted(alias.name)
            if full is None:
                continue
            self._note_import(full)
            if alias.asname is not None:
                scope.assign(alias.asname.name.value, Symbol(full))  # type: ignore[union-attr]
            else:
                root = full.split(".")[0]
                scope.assign(root, Symbol(root))

    def do_import_from(self, node: cst.ImportFrom, scope: Scope) -> None:
        if node.relative or node.module is None:
            if isinstance(node.names, cst.ImportStar):
                return
            for alias in node.names:
                name = alias.asname.name.value if alias.asname else _dotted(alias.name)  # type: ignore[union-attr]
                if name:
                    scope.assign(name, UNKNOWN)
            return
        module = _dotted(node.module)
        if module is None:
            return
        self._note_import(module)
        if isinstance(node.names, cst.ImportStar):
            scope.star_modules.append(module)
            return
        for alias in node.names:
            name = _dotted(alias.name)
            if name is None:
                continue
            local = alias.asname.name.value if alias.asname else name  # type: ignore[union-attr]
            scope.assign(local, Symbol(f"{module}.{name}"))

    # --- binding --------------------------------------------------------------------------
    def bind(self, target: cst.CSTNode, value: Any, scope: Scope) -> None:
        if isinstance(target, cst.Name):
            scope.assign(target.value, value)
            if scope.kind == "module" and isinstance(value, (ModelValue, ObjectValue)):
                if getattr(value, "var_name", None) is None:
                    value.var_name = target.value  # type: ignore[union-attr]
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            items = self.iterate(value)
            starred = [i for i, e in enumerate(elements) if isinstance(e, cst.StarredElement)]
            if items is None or (not starred and len(items) != len(elements)):
                for e in elements:
                    self.bind(e.value, UNKNOWN, scope)
                return
            if starred:
                s = starred[0]
                after = len(elements) - s - 1
                if len(items) < len(elements) - 1:
                    for e in elements:
                        self.bind(e.value, UNKNOWN, scope)
                    return
                head, mid, tail = items[:s], items[s:len(items) - after], items[len(items) - after:]
                for e, v in zip(elements[:s], head):
                    self.bind(e.value, v, scope)
                self.bind(elements[s].value, ListValue(list(mid)), scope)
                for e, v in zip(elements[s + 1:], tail):
                    self.bind(e.value, v, scope)
                return
            for e, v in zip(elements, items):
                self.bind(e.value, v, scope)
        elif isinstance(target, cst.Attribute):
            obj = self.eval(target.value, scope)
            name = target.attr.value
            if isinstance(obj, (ObjectValue, LayerInstance, ModelValue)):
                obj.attrs[name] = value
        elif isinstance(target, cst.Subscript):
            obj = self.eval(target.value, scope)
            if len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
                key = self.eval(target.slice[0].slice.value, scope)
                if isinstance(obj, DictValue) and obj.items is not None:
                    if _plain(key):
                        obj.items[key] = value
                    else:
                        obj.items = None
                elif isinstance(obj, ListValue) and obj.items is not None:
                    if isinstance(key, int) and -len(obj.items) <= key < len(obj.items):
                        obj.items[key] = value
                    else:
                        obj.items = None
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, value, scope)

    # --- statements -----------------------------------------------------------------------
    def truth(self, node: cst.BaseExpression, scope: Scope) -> tuple[Optional[bool], bool]:
        """Evaluate a condition: (True/False/None when unknown, whether it read a tensor)."""
        before = self.tensor_reads
        value = self.eval(node, scope)
        depends = self.tensor_reads != before
        return self.to_bool(value), depends

    def to_bool(self, value: Any) -> Optional[bool]:
        if isinstance(value, Unknown):
            return None
        if isinstance(value, ListValue):
            return None if value.items is None else bool(value.items)
        if isinstance(value, DictValue):
            return None if value.items is None else bool(value.items)
        if isinstance(value, Tensor):
            return None
        if _plain(value):
            return bool(value)
        return True  # objects, functions, layers are truthy

    def stmt_If(self, node: cst.If, scope: Scope) -> None:
        cond, depends = self.truth(node.test, scope)
        orelse = node.orelse
        if cond is True:
            self.exec_block(_statements(node.body), scope)
            return
        if cond is False:
            self.run_else(orelse, scope)
            return
        self.both_branches(
            lambda: self.exec_block(_statements(node.body), scope),
            lambda: self.run_else(orelse, scope),
            scope, guarded=depends,
        )

    def run_else(self, orelse: Any, scope: Scope) -> None:
        if orelse is None:
            return
        if isinstance(orelse, cst.If):
            self.stmt_If(orelse, scope)
        else:
            self.exec_block(_statements(orelse.body), scope)

    def _scopes(self, scope: Scope) -> list[Scope]:
        scopes, s = [], scope
        while s is not None:
            scopes.append(s)
            s = s.parent
        return scopes

    def both_branches(self, run_a: Callable[[], None], run_b: Callable[[], None],
                      scope: Scope, guarded: bool) -> None:
        """Run two alternatives from the same state and join what they leave behind.

        A branch whose condition depends on tensor shapes may refine those shapes in a way
        the analysis cannot see, so findings inside it are withheld (``guarded``).
        """
        snap = Snapshot(self._scopes(scope))
        results = []
        for run in (run_a, run_b):
            snap.restore()
            self.guard_depth += guarded
            try:
                run()
                results.append(snap.capture())
            except ReturnSignal as ret:
                self.frames[-1].returns.append(ret.value)
            except DeadPath:
                pass
            except (BreakSignal, ContinueSignal):
                results.append(snap.capture())
            finally:
                self.guard_depth -= guarded
        if not results:
            raise DeadPath()
        if len(results) == 1:
            snap.install(results[0])
            self.guard_rest = guarded
        else:
            snap.join_into_scopes(results[0], results[1])

    def stmt_For(self, node: cst.For, scope: Scope) -> None:
        iterable = self.eval(node.iter, scope)
        items = self.iterate(iterable)
        if items is not None and len(items) <= MAX_UNROLL:
            for item in items:
                self.bind(node.target, item, scope)
                self.context.append(("loop", node, self.next_serial(), None))
                try:
                    self.exec_block(_statements(node.body), scope)
                except BreakSignal:
                    return
                except ContinueSignal:
                    continue
                finally:
                    self.context.pop()
            if node.orelse is not None:
                self.exec_block(_statements(node.orelse.body), scope)
            return
        self.loop_unknown(lambda: self.bind(node.target, UNKNOWN, scope), node.body, scope)

    def loop_unknown(self, bind_target: Callable[[], None], body: Any, scope: Scope) -> None:
        """A loop whose iterations are unknown: zero or one pass, joined."""

        def one_pass() -> None:
            bind_target()
            try:
                self.exec_block(_statements(body), scope)
            except (BreakSignal, ContinueSignal):
                pass

        self.both_branches(one_pass, lambda: None, scope, guarded=False)

    def stmt_While(self, node: cst.While, scope: Scope) -> None:
        for _ in range(MAX_UNROLL):
            cond, _depends = self.truth(node.test, scope)
            if cond is False:
                return
            if cond is None:
                break
            try:
                self.exec_block(_statements(node.body), scope)
            except BreakSignal:
                return
            except ContinueSignal:
                continue
        self.loop_unknown(lambda: None, node.body, scope)

    def stmt_With(self, node: cst.With, scope: Scope) -> None:
        for item in node.items:
            value = self.eval(item.item, scope)
            if item.asname is not None:
                self.bind(item.asname.name, UNKNOWN if not isinstance(value, ObjectValue) else value, scope)
        self.exec_block(_statements(node.body), scope)

    def stmt_Try(self, node: cst.Try, scope: Scope) -> None:
        self.exec_block(_statements(node.body), scope)
        if node.orelse is not None:
            self.exec_block(_statements(node.orelse.body), scope)
        if node.finalbody is not None:
            self.exec_block(_statements(node.finalbody.body), scope)

    def stmt_FunctionDef(self, node: cst.FunctionDef, scope: Scope) -> None:
        func = FunctionValue(node, scope, node.name.value, node.name.value)
        func.defaults = self.eval_defaults(node.params, scope)  # type: ignore[attr-defined]
        value: Any = func
        for deco in node.decorators:
            d = self.eval(deco.decorator, scope)
            if isinstance(d, Builtin) and d.name in ("staticmethod", "classmethod", "property"):
                func.decorator = d.name  # type: ignore[attr-defined]
            elif not isinstance(d, Symbol):   # unknown decorators may replace the function
                value = UNKNOWN
        scope.assign(node.name.value, value)

    def eval_defaults(self, params: cst.Parameters, scope: Scope) -> dict[str, Any]:
        defaults = {}
        for p in [*params.posonly_params, *params.params, *params.kwonly_params]:
            if p.default is not None:
                defaults[p.name.value] = self.eval(p.default, scope)
        return defaults

    def stmt_ClassDef(self, node: cst.ClassDef, scope: Scope) -> None:
        bases = [self.eval(arg.value, scope) for arg in node.bases if not arg.keyword]
        body_scope = Scope(parent=scope, kind="class")
        cls = ClassValue(node, node.name.value, bases, body_scope.vars)
        cls.keras_kind = self.keras.class_kind(bases)
        self.exec_block(_statements(node.body), body_scope)
        if cls.keras_kind:
            untracked.check_class(self, node, cls.keras_kind, scope)
        scope.assign(node.name.value, cls)

    # --- expressions ----------------------------------------------------------------------
    def eval(self, node: cst.BaseExpression, scope: Scope) -> Any:
        self.tick()
        handler = getattr(self, "expr_" + type(node).__name__, None)
        if handler is None:
            return UNKNOWN
        value = handler(node, scope)
        if isinstance(value, Tensor):
            self.tensor_reads += 1
        return value

    def expr_Integer(self, node: cst.Integer, scope: Scope) -> Any:
        text = node.value
        return int(text) if text.isdigit() else ast.literal_eval(text)

    def expr_Float(self, node: cst.Float, scope: Scope) -> Any:
        return ast.literal_eval(node.value)

    def expr_SimpleString(self, node: cst.SimpleString, scope: Scope) -> Any:
        try:
            return node.evaluated_value
        except Exception:
            return UNKNOWN

    def expr_ConcatenatedString(self, node: cst.ConcatenatedString, scope: Scope) -> Any:
        left, right = self.eval(node.left, scope), self.eval(node.right, scope)
        return left + right if isinstance(left, str) and isinstance(right, str) else UNKNOWN

    def expr_FormattedString(self, node: cst.FormattedString, scope: Scope) -> Any:
        for part in node.parts:
            if isinstance(part, cst.FormattedStringExpression):
                self.eval(part.expression, scope)
        return UNKNOWN

    def expr_Ellipsis(self, node: cst.Ellipsis, scope: Scope) -> Any:
        return Ellipsis

    def expr_Name(self, node: cst.Name, scope: Scope) -> Any:
        name = node.value
        found, value = scope.lookup(name)
        if found:
            return value
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        for module in scope.module().star_modules + scope.star_modules:
            candidate = canonical(f"{module}.{name}")
            if self.keras.knows(candidate):
                return Symbol(candidate)
        if builtins_model.is_builtin(name):
            return Builtin(name)
        return Unknown(name)

    def peek(self, node: cst.BaseExpression, scope: Scope) -> Any:
        """What a dotted name refers to, without evaluating anything else (no side effects)."""
        if isinstance(node, cst.Name):
            return self.expr_Name(node, scope)
        if isinstance(node, cst.Attribute):
            base = self.peek(node.value, scope)
            return Symbol(f"{base.path}.{node.attr.value}") if isinstance(base, Symbol) else UNKNOWN
        return UNKNOWN

    def expr_Attribute(self, node: cst.Attribute, scope: Scope) -> Any:
        obj = self.eval(node.value, scope)
        return self.get_attr(obj, node.attr.value, node)

    def get_attr(self, obj: Any, name: str, node: Optional[cst.CSTNode] = None) -> Any:
        if isinstance(obj, Symbol):
            return Symbol(f"{obj.path}.{name}")
        if isinstance(obj, ObjectValue):
            if name in obj.attrs:
                return obj.attrs[name]
            found = self.class_lookup(obj.cls, name)
            if found is not None:
                if isinstance(found, FunctionValue) and getattr(found, "decorator", None) != "staticmethod":
                    if getattr(found, "decorator", None) == "property":
                        return self.call_function(found, [obj], {})
                    return BoundMethod(found, obj)
                return found
            return self.keras.object_attr(obj, name)
        if isinstance(obj, ClassValue):
            found = self.class_lookup(obj, name)
            return UNKNOWN if found is None else found
        if isinstance(obj, Tensor):
            return self.keras.tensor_attr(obj, name)
        if isinstance(obj, (LayerInstance, ModelValue)):
            if isinstance(obj, LayerInstance) and name in obj.attrs:
                return obj.attrs[name]
            return self.keras.layer_attr(obj, name)
        if isinstance(obj, (ListValue, DictValue, str)) or (isinstance(obj, tuple)):
            return MethodOf(obj, name)
        return UNKNOWN

    def class_lookup(self, cls: ClassValue, name: str, depth: int = 0) -> Any:
        if name in cls.namespace:
            return cls.namespace[name]
        if depth > 8:
            return None
        for base in cls.bases:
            if isinstance(base, ClassValue):
                found = self.class_lookup(base, name, depth + 1)
                if found is not None:
                    return found
        return None

    def expr_Tuple(self, node: cst.Tuple, scope: Scope) -> Any:
        items = self.eval_elements(node.elements, scope)
        return UNKNOWN if items is None else tuple(items)

    def expr_List(self, node: cst.List, scope: Scope) -> Any:
        return ListValue(self.eval_elements(node.elements, scope))

    def expr_Set(self, node: cst.Set, scope: Scope) -> Any:
        self.eval_elements(node.elements, scope)
        return UNKNOWN

    def eval_elements(self, elements, scope: Scope) -> Optional[list]:
        out: Optional[list] = []
        for e in elements:
            value = self.eval(e.value, scope)
            if isinstance(e, cst.StarredElement):
                items = self.iterate(value)
                if items is None or out is None:
                    out = None
                else:
                    out.extend(items)
            elif out is not None:
                out.append(value)
        return out

    def expr_Dict(self, node: cst.Dict, scope: Scope) -> Any:
        items: Optional[dict] = {}
        for e in node.elements:
            if isinstance(e, cst.DictElement):
                key, value = self.eval(e.key, scope), self.eval(e.value, scope)
                if items is not None and _plain(key):
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

    def expr_BinaryOperation(self, node: cst.BinaryOperation, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        right = self.eval(node.right, scope)
        return self.binop(type(node.operator), left, right, node)

    def binop(self, op: Optional[type], left: Any, right: Any, node: Optional[cst.CSTNode] = None) -> Any:
        if op is None:
            return UNKNOWN
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            return self.keras.tensor_binop(op, left, right, node)
        left, right = _py(left), _py(right)
        if isinstance(left, list) or isinstance(right, list):
            if op is cst.Add and isinstance(left, list) and isinstance(right, list):
                return ListValue(left + right)
            if op is cst.Multiply and isinstance(left, list) and isinstance(right, int):
                return ListValue(left * right) if right <= 4096 else UNKNOWN
            return UNKNOWN
        if isinstance(left, tuple) or isinstance(right, tuple):
            if op is cst.Add and isinstance(left, tuple) and isinstance(right, tuple):
                return left + right
            if op is cst.Multiply and isinstance(left, tuple) and isinstance(right, int) and right <= 4096:
                return left * right
            return UNKNOWN
        if not (_plain(left) and _plain(right)):
            return UNKNOWN
        if op is cst.Power and isinstance(right, (int, float)) and abs(right) > 256:
            return UNKNOWN
        if op in (cst.Multiply,) and (isinstance(left, str) or isinstance(right, str)):
            return UNKNOWN
        try:
            return _BINOPS[op](left, right)
        except Exception:
            return UNKNOWN

    def expr_UnaryOperation(self, node: cst.UnaryOperation, scope: Scope) -> Any:
        value = self.eval(node.expression, scope)
        if isinstance(value, Tensor) and not isinstance(node.operator, cst.Not):
            return self.keras.tensor_unary(value, node)
        if isinstance(node.operator, cst.Not):
            truth = self.to_bool(value)
            return UNKNOWN if truth is None else not truth
        if not _plain(value) or isinstance(value, (str, tuple)) or value is None:
            return UNKNOWN
        try:
            if isinstance(node.operator, cst.Minus):
                return -value
            if isinstance(node.operator, cst.Plus):
                return +value
            if isinstance(node.operator, cst.BitInvert):
                return ~value
        except Exception:
            return UNKNOWN
        return UNKNOWN

    def expr_BooleanOperation(self, node: cst.BooleanOperation, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        truth = self.to_bool(left)
        is_and = isinstance(node.operator, cst.And)
        if truth is None:
            self.eval(node.right, scope)
            return UNKNOWN
        if is_and:
            return self.eval(node.right, scope) if truth else left
        return left if truth else self.eval(node.right, scope)

    def expr_Comparison(self, node: cst.Comparison, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        result: Any = True
        for target in node.comparisons:
            right = self.eval(target.comparator, scope)
            op = _COMPARE.get(type(target.operator))
            if op is None:
                return UNKNOWN
            if isinstance(left, Tensor) or isinstance(right, Tensor):
                # x > 0 on tensors is an element-wise tensor (== / != may be identity tests)
                return self.keras.tensor_compare(type(target.operator), left, right, node) \
                    if len(node.comparisons) == 1 else UNKNOWN
            if isinstance(target.operator, (cst.Is, cst.IsNot)):
                if isinstance(left, Unknown) or isinstance(right, Unknown):
                    return UNKNOWN
                if not any(v is None or isinstance(v, bool) for v in (left, right)):
                    return UNKNOWN
                value = op(left, right)
            else:
                l, r = _py(left), _py(right)
                if isinstance(target.operator, (cst.In, cst.NotIn)) and isinstance(r, (list, tuple)):
                    if not (_plain(l) and all(_plain(x) for x in r)):
                        return UNKNOWN
                elif isinstance(target.operator, (cst.In, cst.NotIn)) and isinstance(r, DictValue):
                    if r.items is None or not _plain(l):
                        return UNKNOWN
                    r = r.items
                elif not (_plain(l) and _plain(r)):
                    return UNKNOWN
                try:
                    value = op(l, r)
                except Exception:
                    return UNKNOWN
            if not value:
                result = False
            left = right
        return result

    def expr_IfExp(self, node: cst.IfExp, scope: Scope) -> Any:
        cond, depends = self.truth(node.test, scope)
        if cond is True:
            return self.eval(node.body, scope)
        if cond is False:
            return self.eval(node.orelse, scope)
        self.guard_depth += depends
        try:
            return join_values(self.eval(node.body, scope), self.eval(node.orelse, scope))
        finally:
            self.guard_depth -= depends

    def expr_NamedExpr(self, node: cst.NamedExpr, scope: Scope) -> Any:
        value = self.eval(node.value, scope)
        self.bind(node.target, value, scope)
        return value

    def expr_Subscript(self, node: cst.Subscript, scope: Scope) -> Any:
        obj = self.eval(node.value, scope)
        if isinstance(obj, Tensor):
            return self.keras.tensor_subscript(obj, node.slice, scope, node)
        if len(node.slice) != 1:
            for el in node.slice:
                self.eval_slice_part(el.slice, scope)
            return UNKNOWN
        part = node.slice[0].slice
        seq = _py(obj)
        if isinstance(part, cst.Index):
            key = self.eval(part.value, scope)
            if isinstance(seq, (tuple, list, str)) and isinstance(key, int) and not isinstance(key, bool):
                try:
                    return seq[key]
                except IndexError:
                    return UNKNOWN
            if isinstance(obj, DictValue) and obj.items is not None and _plain(key):
                return obj.items.get(key, UNKNOWN)
            return UNKNOWN
        lower, upper, step = self.eval_slice_part(part, scope)
        if isinstance(seq, (tuple, list, str)) and all(v is None or isinstance(v, int) for v in (lower, upper, step)):
            if step == 0:
                return UNKNOWN
            result = seq[lower:upper:step]
            return ListValue(result) if isinstance(seq, list) else result
        return UNKNOWN

    def eval_slice_part(self, part: Any, scope: Scope) -> tuple:
        if isinstance(part, cst.Slice):
            return tuple(None if p is None else self.eval(p, scope) for p in (part.lower, part.upper, part.step))
        return (self.eval(part.value, scope), None, None)

    def expr_Lambda(self, node: cst.Lambda, scope: Scope) -> Any:
        func = FunctionValue(node, scope, "<lambda>", "<lambda>")
        func.defaults = self.eval_defaults(node.params, scope)  # type: ignore[attr-defined]
        return func

    def comprehension(self, node: Any, scope: Scope, produce: Callable[[Scope], None]) -> bool:
        """Unroll the for/if clauses of a comprehension; False if the iteration is unknown."""
        inner = Scope(parent=scope, kind="function")
        inner.star_modules = scope.star_modules

        def loop(comp: cst.CompFor) -> bool:
            items = self.iterate(self.eval(comp.iter, inner))
            if items is None or len(items) > MAX_UNROLL:
                self.bind(comp.target, UNKNOWN, inner)
                return False
            for item in items:
                self.bind(comp.target, item, inner)
                keep = True
                for cond in comp.ifs:
                    truth = self.to_bool(self.eval(cond.test, inner))
                    if truth is None:
                        return False
                    keep = keep and truth
                if not keep:
                    continue
                if comp.inner_for_in is not None:
                    if not loop(comp.inner_for_in):
                        return False
                else:
                    self.context.append(("loop", node, self.next_serial(), None))
                    try:
                        produce(inner)
                    finally:
                        self.context.pop()
            return True

        return loop(node.for_in)

    def expr_ListComp(self, node: cst.ListComp, scope: Scope) -> Any:
        out: list = []
        ok = self.comprehension(node, scope, lambda s: out.append(self.eval(node.elt, s)))
        return ListValue(out) if ok else ListValue(None)

    expr_GeneratorExp = expr_ListComp

    def expr_SetComp(self, node: cst.SetComp, scope: Scope) -> Any:
        self.comprehension(node, scope, lambda s: self.eval(node.elt, s))
        return UNKNOWN

    def expr_DictComp(self, node: cst.DictComp, scope: Scope) -> Any:
        out: dict = {}
        ok = True

        def produce(s: Scope) -> None:
            nonlocal ok
            key = self.eval(node.key, s)
            if _plain(key):
                out[key] = self.eval(node.value, s)
            else:
                ok = False

        ok = self.comprehension(node, scope, produce) and ok
        return DictValue(out if ok else None)

    def expr_Await(self, node: cst.Await, scope: Scope) -> Any:
        self.eval(node.expression, scope)
        return UNKNOWN

    # --- calls ----------------------------------------------------------------------------
    def expr_Call(self, node: cst.Call, scope: Scope) -> Any:
        func = self.eval(node.func, scope)
        args: list = []
        kwargs: dict = {}
        complete = True
        for arg in node.args:
            value = self.eval(arg.value, scope)
            if arg.star == "*":
                items = self.iterate(value)
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
        return self.call(func, args, kwargs, node, complete=complete)

    def call(self, func: Any, args: list, kwargs: dict, node: cst.CSTNode, complete: bool = True) -> Any:
        if isinstance(func, Symbol):
            return self.keras.call_symbol(canonical(func.path), args, kwargs, node, complete)
        if isinstance(func, LayerInstance):
            return self.keras.call_layer(func, args, kwargs, node)
        if isinstance(func, ModelValue):
            return self.keras.call_model(func, args, kwargs, node)
        if isinstance(func, FunctionValue):
            if not complete:
                return UNKNOWN
            return self.call_function(func, args, kwargs, call_node=node)
        if isinstance(func, BoundMethod):
            if not complete:
                return UNKNOWN
            return self.call_function(func.func, [func.self_obj, *args], kwargs, call_node=node)
        if isinstance(func, ClassValue):
            return self.instantiate(func, args, kwargs, node, complete)
        if isinstance(func, ObjectValue):
            return self.keras.call_object(func, args, kwargs, node)
        if isinstance(func, Builtin):
            return builtins_model.call(self, func.name, args, kwargs, node, complete)
        if isinstance(func, MethodOf):
            return self.keras.call_method(func.target, func.name, args, kwargs, node) \
                if isinstance(func.target, (ModelValue, LayerInstance, Tensor)) \
                else builtins_model.call_method(self, func.target, func.name, args, kwargs)
        return UNKNOWN

    def next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def call_function(self, func: FunctionValue, args: list, kwargs: dict,
                      fill_unknown: bool = False, call_node: Optional[cst.CSTNode] = None) -> Any:
        self.called_functions.add(id(func))
        depth_same = sum(1 for f in self.frames if f.function is func)
        if depth_same >= MAX_SAME_FUNCTION or len(self.frames) > MAX_CALL_DEPTH:
            return UNKNOWN
        node = func.node
        local = Scope(parent=func.scope, kind="function")
        if not self.bind_params(node.params, getattr(func, "defaults", {}), args, kwargs, local, fill_unknown):
            return UNKNOWN
        frame = Frame(func)
        self.frames.append(frame)
        self.context.append(("call", node, self.next_serial(), call_node))
        try:
            if isinstance(node, cst.Lambda):
                return self.eval(node.body, local)
            try:
                self.exec_block(_statements(node.body), local)
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
            self.frames.pop()
            self.context.pop()

    def bind_params(self, params: cst.Parameters, defaults: dict, args: list, kwargs: dict,
                    local: Scope, fill_unknown: bool) -> bool:
        positional = [*params.posonly_params, *params.params]
        kwargs = dict(kwargs)
        missing = object()

        def by_name(name: str) -> Any:
            if name in kwargs:
                return kwargs.pop(name)
            if name in defaults:
                return defaults[name]
            return Unknown(name) if fill_unknown else missing

        for i, p in enumerate(positional):
            value = args[i] if i < len(args) else by_name(p.name.value)
            if value is missing:
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
            if value is missing:
                return False
            local.vars[p.name.value] = value
        if params.star_kwarg is not None:
            local.vars[params.star_kwarg.name.value] = DictValue(dict(kwargs))
        elif kwargs:
            return False
        return True

    def instantiate(self, cls: ClassValue, args: list, kwargs: dict, node: cst.CSTNode,
                    complete: bool) -> Any:
        obj = ObjectValue(cls)
        obj.node = node  # type: ignore[attr-defined]
        if cls.keras_kind and isinstance(kwargs.get("name"), str):
            obj.name = kwargs["name"]
        self.objects.append(obj)
        init = self.class_lookup(cls, "__init__")
        if isinstance(init, FunctionValue) and complete:
            self.call_function(init, [obj, *args], kwargs)
        return obj

    # --- iteration ------------------------------------------------------------------------
    def iterate(self, value: Any) -> Optional[list]:
        """The items of a value we can iterate statically, or None."""
        if isinstance(value, tuple):
            return list(value)
        if isinstance(value, ListValue):
            return None if value.items is None else list(value.items)
        if isinstance(value, DictValue):
            return None if value.items is None else list(value.items.keys())
        if isinstance(value, str):
            return list(value) if len(value) <= MAX_UNROLL else None
        if isinstance(value, range):
            return list(value) if len(value) <= MAX_UNROLL * 64 else None
        if isinstance(value, ModelValue) and value.kind == "sequential" and value.layers is not None:
            return list(value.layers)
        return None


def _dotted(node: Any) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


__all__ = ["Interpreter", "Issue", "is_known"]
