"""Executing statements: blocks, assignments, imports, branches, loops and definitions."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import libcst as cst

from shapelint.interp.budget import MAX_UNROLL, BudgetExceeded
from shapelint.interp.events import ContextFrame
from shapelint.interp.expressions import AUGMENTED, to_bool
from shapelint.interp.flow import (
    BreakSignal,
    ContinueSignal,
    DeadPath,
    ReturnSignal,
    Scope,
    both_branches,
)
from shapelint.interp.kinds import kind_of
from shapelint.interp.modules import ModuleValue, public_names
from shapelint.interp.values import (
    UNKNOWN,
    Builtin,
    ClassValue,
    DictValue,
    FunctionValue,
    ListValue,
    ObjectValue,
    Symbol,
    Value,
    is_plain,
)

if TYPE_CHECKING:
    from shapelint.interp.interpreter import Interpreter

_SIGNALS = (ReturnSignal, BreakSignal, ContinueSignal, DeadPath, BudgetExceeded)


Statement = cst.BaseStatement | cst.BaseSmallStatement   # a one-line suite holds small ones


def statements_of(body: cst.BaseSuite | None) -> list[Statement]:
    """The statements of an IndentedBlock or a one-line suite."""
    return list(body.body) if body is not None else []


def dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


class Executor:
    """The statement half of the interpreter."""

    def __init__(self, interp: Interpreter):
        self.interp = interp
        self._handlers: dict[type, Callable[[Any, Scope], None]] = {}

    def exec_block(self, statements: Sequence[Statement], scope: Scope) -> None:
        guards = self.interp.guards
        entered = 0
        try:
            for stmt in statements:
                self.exec_stmt(stmt, scope)
                if guards.rest:
                    # An early exit under a data-dependent condition: what follows only runs
                    # when the condition was false, which the analysis cannot see.
                    guards.rest = False
                    guards.depth += 1
                    entered += 1
        finally:
            guards.depth -= entered

    def exec_stmt(self, stmt: Statement, scope: Scope) -> None:
        interp = self.interp
        interp.budget.tick()
        evaluator = interp.evaluator
        saved_depth, evaluator.depth = evaluator.depth, 0
        observed = interp.wants_statements
        if observed:
            interp.observers.emit("statement_started", stmt)
        try:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self.exec_small(small, scope)
                return
            if isinstance(stmt, cst.BaseSmallStatement):   # of a one-line suite: `if c: x = f(x)`
                self._small(stmt, scope)
                return
            handler = self._handlers.get(type(stmt))
            if handler is None:
                handler = getattr(self, "stmt_" + type(stmt).__name__, None) or _ignore
                self._handlers[type(stmt)] = handler
            handler(stmt, scope)
        except _SIGNALS:
            raise
        except RecursionError:
            interp.internal_error(stmt, "nesting too deep")
        except Exception as exc:  # an analyzer bug must never become a crash or a finding
            interp.internal_error(stmt, f"{type(exc).__name__}: {exc}")
        finally:
            evaluator.depth = saved_depth
            if observed:
                interp.observers.emit("statement_finished", stmt)

    def exec_small(self, node: cst.BaseSmallStatement, scope: Scope) -> None:
        interp = self.interp
        observed = interp.wants_statements
        if observed:
            interp.observers.emit("statement_started", node)
        try:
            self._small(node, scope)
        finally:
            if observed:
                interp.observers.emit("statement_finished", node)

    def _small(self, node: cst.BaseSmallStatement, scope: Scope) -> None:
        ev = self.interp.evaluator
        if isinstance(node, cst.Expr):
            ev.eval(node.value, scope)
        elif isinstance(node, cst.Assign):
            value = ev.eval(node.value, scope)
            for target in node.targets:
                self.bind(target.target, value, scope)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.bind(node.target, ev.eval(node.value, scope), scope)
        elif isinstance(node, cst.AugAssign):
            current = ev.eval(node.target, scope)
            value = ev.eval(node.value, scope)
            op = AUGMENTED.get(type(node.operator))
            if isinstance(current, ListValue) and op == "+":
                items = self.interp.iterate(value)
                current.items = None if items is None or current.items is None else current.items + items
                result: Value = current
            else:
                result = ev.binop(op, current, value, node) if op else UNKNOWN
            self.bind(node.target, result, scope)
        elif isinstance(node, cst.Return):
            raise ReturnSignal(ev.eval(node.value, scope) if node.value is not None else None)
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
        elif isinstance(node, cst.Raise) and self.interp.in_function:
            raise DeadPath()

    # --- imports: names bound to dotted paths, or to the project's own modules -----------
    def _project_module(self, name: str, level: int = 0) -> ModuleValue | None:
        loader = self.interp.loader
        if loader is None or (not level and not self.interp.semantics.loadable(name)):
            return None
        return loader.load(name, level)

    def do_import(self, node: cst.Import, scope: Scope) -> None:
        for alias in node.names:
            full = dotted(alias.name)
            if full is None:
                continue
            self.interp.note_import(full)
            asname = alias.asname.name.value if alias.asname is not None \
                and isinstance(alias.asname.name, cst.Name) else None
            if asname is not None:
                scope.assign(asname, self._project_module(full) or Symbol(full))
                continue
            root = full.split(".")[0]
            top = self._project_module(root)
            if top is not None:     # import pkg.sub: pkg, with pkg.sub reachable from it
                module, parts = top, full.split(".")
                for i in range(1, len(parts)):
                    sub = self._project_module(".".join(parts[:i + 1]))
                    if sub is None:
                        break
                    module.submodules[parts[i]] = sub
                    module = sub
            scope.assign(root, top or Symbol(root))

    def do_import_from(self, node: cst.ImportFrom, scope: Scope) -> None:
        level = len(node.relative)
        name = dotted(node.module) if node.module is not None else ""
        if name is None:
            return
        if not level:
            self.interp.note_import(name)
        module = self._project_module(name, level) if (name or level) else None
        if isinstance(node.names, cst.ImportStar):
            if module is not None:
                for key, value in public_names(module).items():
                    scope.assign(key, value)
            elif not level:
                scope.star_modules.append(name)
            return
        for alias in node.names:
            imported = dotted(alias.name)
            if imported is None:
                continue
            local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) \
                else imported
            if module is not None and imported in module.scope.vars:
                value = module.scope.vars[imported]
            elif module is not None or level:
                sub = self._project_module(f"{name}.{imported}" if name else imported, level)
                value = sub if sub is not None else UNKNOWN
            else:
                value = Symbol(f"{name}.{imported}")
            scope.assign(local, value)

    # --- binding --------------------------------------------------------------------------
    def bind(self, target: cst.BaseExpression, value: Value, scope: Scope) -> None:
        interp = self.interp
        if isinstance(target, cst.Name):
            scope.assign(target.value, value)
            if scope.kind == "module" and hasattr(value, "var_name") and value.var_name is None:
                value.var_name = target.value        # models and objects: their module-level name
        elif isinstance(target, (cst.Tuple, cst.List)):
            self._bind_sequence(target.elements, value, scope)
        elif isinstance(target, cst.Attribute):
            obj = interp.evaluator.eval(target.value, scope)
            kind = kind_of(obj)
            if kind is not None:
                kind.set_attr(obj, target.attr.value, value)
        elif isinstance(target, cst.Subscript):
            obj = interp.evaluator.eval(target.value, scope)
            if len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
                key = interp.evaluator.eval(target.slice[0].slice.value, scope)
                if isinstance(obj, DictValue) and obj.items is not None:
                    if is_plain(key):
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

    def _bind_sequence(self, elements: Sequence[cst.BaseElement], value: Value, scope: Scope) -> None:
        items = self.interp.iterate(value)
        starred = [i for i, e in enumerate(elements) if isinstance(e, cst.StarredElement)]
        if items is None or (not starred and len(items) != len(elements)) \
                or (starred and len(items) < len(elements) - 1):
            for e in elements:
                self.bind(e.value, UNKNOWN, scope)
            return
        if not starred:
            for e, v in zip(elements, items):
                self.bind(e.value, v, scope)
            return
        s = starred[0]
        after = len(elements) - s - 1
        head, mid, tail = items[:s], items[s:len(items) - after], items[len(items) - after:]
        for e, v in zip(elements[:s], head):
            self.bind(e.value, v, scope)
        self.bind(elements[s].value, ListValue(list(mid)), scope)
        for e, v in zip(elements[s + 1:], tail):
            self.bind(e.value, v, scope)

    # --- branches and loops -----------------------------------------------------------------
    def stmt_If(self, node: cst.If, scope: Scope) -> None:
        cond, depends = self.interp.evaluator.truth(node.test, scope)
        orelse = node.orelse
        if cond is True:
            self.exec_block(statements_of(node.body), scope)
            return
        if cond is False:
            self.run_else(orelse, scope)
            return
        self.both(lambda: self.exec_block(statements_of(node.body), scope),
                  lambda: self.run_else(orelse, scope), scope, guarded=depends)

    def run_else(self, orelse: cst.If | cst.Else | None, scope: Scope) -> None:
        if orelse is None:
            return
        if isinstance(orelse, cst.If):
            self.stmt_If(orelse, scope)
        else:
            self.exec_block(statements_of(orelse.body), scope)

    def both(self, run_a: Callable[[], None], run_b: Callable[[], None], scope: Scope,
             guarded: bool) -> None:
        interp = self.interp
        both_branches(run_a, run_b, scope, interp.guards, guarded, interp.add_return)

    def stmt_For(self, node: cst.For, scope: Scope) -> None:
        interp = self.interp
        items = interp.iterate(interp.evaluator.eval(node.iter, scope))
        if items is not None and len(items) <= MAX_UNROLL:
            for index, item in enumerate(items):
                self.bind(node.target, item, scope)
                interp.push_context(ContextFrame("loop", node, interp.next_serial(), index=index))
                try:
                    self.exec_block(statements_of(node.body), scope)
                except BreakSignal:
                    return
                except ContinueSignal:
                    continue
                finally:
                    interp.pop_context()
            if node.orelse is not None:
                self.exec_block(statements_of(node.orelse.body), scope)
            return
        self.loop_unknown(lambda: self.bind(node.target, UNKNOWN, scope), node.body, scope)

    def loop_unknown(self, bind_target: Callable[[], None], body: cst.BaseSuite, scope: Scope) -> None:
        """A loop whose iterations are unknown: zero or one pass, joined."""

        def one_pass() -> None:
            bind_target()
            with suppress(BreakSignal, ContinueSignal):
                self.exec_block(statements_of(body), scope)

        self.both(one_pass, lambda: None, scope, guarded=False)

    def stmt_While(self, node: cst.While, scope: Scope) -> None:
        for _ in range(MAX_UNROLL):
            cond, _depends = self.interp.evaluator.truth(node.test, scope)
            if cond is False:
                return
            if cond is None:
                break
            try:
                self.exec_block(statements_of(node.body), scope)
            except BreakSignal:
                return
            except ContinueSignal:
                continue
        self.loop_unknown(lambda: None, node.body, scope)

    def stmt_With(self, node: cst.With, scope: Scope) -> None:
        for item in node.items:
            value = self.interp.evaluator.eval(item.item, scope)
            if item.asname is not None:
                self.bind(item.asname.name, value if isinstance(value, ObjectValue) else UNKNOWN, scope)
        self.exec_block(statements_of(node.body), scope)

    def stmt_Try(self, node: cst.Try, scope: Scope) -> None:
        self.exec_block(statements_of(node.body), scope)
        if node.orelse is not None:
            self.exec_block(statements_of(node.orelse.body), scope)
        if node.finalbody is not None:
            self.exec_block(statements_of(node.finalbody.body), scope)

    # --- definitions ------------------------------------------------------------------------
    def stmt_FunctionDef(self, node: cst.FunctionDef, scope: Scope) -> None:
        func = FunctionValue(node, scope, node.name.value, node.name.value,
                             defaults=self.eval_defaults(node.params, scope))
        value: Value = func
        for deco in reversed(node.decorators):       # the innermost decorator applies first
            d = self.interp.evaluator.eval(deco.decorator, scope)
            if isinstance(d, Builtin) and d.name in ("staticmethod", "classmethod", "property"):
                func.decorator = d.name
            elif isinstance(d, FunctionValue):
                # A decorator the file defines: run it; a wrapper it returns is what the
                # name holds. Anything else (tf.function, keras_export(...), lru_cache, a
                # registry) is taken to keep the function callable as it was written.
                wrapped = self.interp.call(d, [value], {}, deco)
                if isinstance(wrapped, FunctionValue):
                    value = wrapped
        scope.assign(node.name.value, value)

    def eval_defaults(self, params: cst.Parameters, scope: Scope) -> dict[str, Value]:
        return {p.name.value: self.interp.evaluator.eval(p.default, scope)
                for p in [*params.posonly_params, *params.params, *params.kwonly_params]
                if p.default is not None}

    def stmt_ClassDef(self, node: cst.ClassDef, scope: Scope) -> None:
        interp = self.interp
        bases = [interp.evaluator.eval(arg.value, scope) for arg in node.bases if not arg.keyword]
        body_scope = Scope(parent=scope, kind="class")
        cls = ClassValue(node, node.name.value, bases, body_scope.vars, defined_in=scope)
        cls.keras_kind = interp.semantics.class_kind(bases)
        self.exec_block(statements_of(node.body), body_scope)
        interp.observers.emit("class_defined", cls, scope)
        scope.assign(node.name.value, cls)


def _ignore(stmt: Statement, scope: Scope) -> None:
    """Statements the analysis has nothing to do with (pass, del, match, ...)."""


__all__ = ["Executor", "dotted", "statements_of", "to_bool"]
