"""The abstract interpreter: runs module code in order, and the user functions it calls.

It is made of parts (as mypy splits its checker): the :class:`~.statements.Executor`,
the :class:`~.expressions.Evaluator`, the :class:`~.calls.Caller`, flow and scopes
(:mod:`.flow`), the :class:`~.reporting.Reporter` and the :class:`~.budget.Budget`.
A library's meaning (Keras) comes in through :class:`~.host.Semantics`; analyses,
validation and editors listen through :class:`~.events.Observers`. This class wires the
parts together and is the :class:`~.host.Host` a library talks to.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import libcst as cst

from shapelint.interp import alternatives, python_kinds  # noqa: F401  (register their kinds)
from shapelint.interp.budget import MAX_UNROLL, Budget, BudgetExceeded
from shapelint.interp.calls import Caller
from shapelint.interp.events import Context, ContextFrame, Observer, Observers
from shapelint.interp.expressions import Evaluator
from shapelint.interp.flow import BreakSignal, ContinueSignal, DeadPath, Guards, ReturnSignal, Scope
from shapelint.interp.host import Range, Semantics, TraceInputs
from shapelint.interp.kinds import kind_of
from shapelint.interp.modules import ModuleFinder, ModuleLoader
from shapelint.interp.reporting import Issue, Positions, Reporter
from shapelint.interp.statements import Executor
from shapelint.interp.values import ClassValue, FunctionValue, Unknown, Value
from shapelint.violations.base import Violation

SemanticsFactory = Callable[["Interpreter"], Semantics]


class Interpreter:
    def __init__(self, module: cst.Module, semantics: SemanticsFactory, path: str = "<string>",
                 observers: tuple[Observer, ...] = (), budget: Budget | None = None,
                 positions: Positions | None = None, module_roots: tuple[str, ...] | None = None) -> None:
        self.module = module
        self.path = path
        self.positions = positions or Positions(module)
        self.guards = Guards()
        self.reporter = Reporter(self.positions, self.guards, self.anchor, lambda: self.context)
        self.budget = budget or Budget()
        self.observers = Observers(observers)
        self.evaluator = Evaluator(self)
        self.executor = Executor(self)
        self.caller = Caller(self)
        self.module_scope = Scope(kind="module")
        self.module_scope.vars["__name__"] = "__main__"
        self.internal_errors: list[str] = []
        self._loading = 0
        self.abandoned: list[str] = []        # units given up on (budget, recursion)
        self._context: list[ContextFrame] = []
        self._serial = 0
        self.semantics = semantics(self)
        self.loader = None if module_roots is None else \
            ModuleLoader(ModuleFinder(path, module_roots), self._load_module)
        self._foreign: dict[str, Positions] = {}
        self.wants_values = self.observers.wants("expression_evaluated")
        self.wants_statements = self.observers.wants("statement_started")

    def subscribe(self, observer: Observer) -> None:
        self.observers.add(observer)
        self.wants_values = self.observers.wants("expression_evaluated")
        self.wants_statements = self.observers.wants("statement_started")

    # --- the project's own modules --------------------------------------------------------
    def _load_module(self, module: cst.Module, scope: Scope, path: Path) -> None:
        """Run an imported module's code: its definitions are what matters; its findings
        and events belong to its own check, not to this file's."""
        observers, self.observers = self.observers, Observers()
        wants = self.wants_values, self.wants_statements
        self.wants_values = self.wants_statements = False
        self.guards.depth += 1
        self._loading += 1
        try:
            self.executor.exec_block(module.body, scope)
        except (ReturnSignal, BreakSignal, ContinueSignal, DeadPath):
            pass
        finally:
            self._loading -= 1
            self.guards.depth -= 1
            self.observers = observers
            self.wants_values, self.wants_statements = wants

    def note_import(self, name: str) -> None:
        if not self._loading:        # what a sibling module imports says nothing about this file
            self.semantics.note_import(name)

    def locate(self, node: Any) -> tuple[str | None, Range]:
        """(path, range) of a node: path None for the checked file, else the module's file."""
        if self.loader is None or not self.loader.sources or node in self.positions.ranges:
            return None, self.where(node)
        for path, source in self.loader.sources.items():
            positions = self._foreign.get(path)
            if positions is None:
                positions = self._foreign[path] = Positions(source.module)
            if node in positions.ranges:
                return path, positions.where(node)
        return None, ((1, 0), (1, 0))

    def anchor(self, node: Any) -> tuple[Any, str | None]:
        """Where in the checked file to report something that happened at ``node``: the node
        itself, or the call in this file that led into another module (and which function)."""
        if self.loader is None or not self.loader.sources or node in self.positions.ranges:
            return node, None
        for frame in reversed(self._context):
            if frame.kind == "call" and frame.call_node is not None \
                    and frame.call_node in self.positions.ranges:
                name = frame.node.name.value if isinstance(frame.node, cst.FunctionDef) else "<lambda>"
                path, ((row, _), _) = self.locate(node)
                where = f"{os.path.basename(path)}:{row}" if path else "another module"
                return frame.call_node, f"raised in {name}() ({where}), called here"
        return node, None

    # --- the Host interface -------------------------------------------------------------
    @property
    def issues(self) -> list[Issue]:
        return self.reporter.issues

    def report(self, violation: Violation, node: Any, inputs: TraceInputs = ()) -> None:
        self.reporter.report(violation, node, inputs)

    def where(self, node: Any) -> Range:
        return self.positions.where(node)

    def next_serial(self) -> int:
        self._serial += 1
        return self._serial

    @property
    def context(self) -> Context:
        return tuple(self._context)

    def push_context(self, frame: ContextFrame) -> None:
        """Enter a function call or loop pass (pair with :meth:`pop_context`)."""
        self._context.append(frame)

    def pop_context(self) -> None:
        self._context.pop()

    @property
    def in_function(self) -> bool:
        return self.caller.frames[-1].function is not None

    def add_return(self, value: Value) -> None:
        self.caller.frames[-1].returns.append(value)

    def call(self, func: Value, args: list[Value], kwargs: dict[str, Value], node: Any,
             complete: bool = True) -> Value:
        return self.caller.call(func, args, kwargs, node, complete)

    def call_function(self, func: FunctionValue, args: list[Value], kwargs: dict[str, Value],
                      call_node: Any = None) -> Value:
        return self.caller.call_function(func, args, kwargs, call_node=call_node)

    def get_attr(self, obj: Value, name: str) -> Value:
        return self.evaluator.get_attr(obj, name)

    def resolve_name(self, node: Any, scope: Scope) -> Value:
        return self.evaluator.peek(node, scope)

    def class_lookup(self, cls: ClassValue, name: str, depth: int = 0) -> Value | None:
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

    def iterate(self, value: Value) -> list[Value] | None:
        """The items of a value we can iterate statically, or None."""
        if isinstance(value, tuple):
            return list(value)
        if isinstance(value, str):
            return list(value) if len(value) <= MAX_UNROLL else None
        if isinstance(value, range):
            return list(value) if len(value) <= MAX_UNROLL * 64 else None
        kind = kind_of(value)
        return kind.iterate(value) if kind is not None else None

    def code_of(self, node: Any) -> str:
        """The source text of a node (of the checked file or a loaded module)."""
        try:
            return self.module.code_for_node(node)
        except Exception:
            return "..."

    def internal_error(self, node: Any, what: str) -> None:
        self.internal_errors.append(f"line {self.where(node)[0][0]}: {what}")

    # --- running --------------------------------------------------------------------------
    def run_module(self) -> None:
        """Each module-level statement is a unit of the budget; then every function the
        module defines but never calls is run once (library code builds models too)."""
        for stmt in self.module.body:
            if not self._run_unit(partial(self.executor.exec_stmt, stmt, self.module_scope), stmt):
                return
        for value in list(self.module_scope.vars.values()):
            run: Callable[[], object]
            if isinstance(value, FunctionValue) and value.scope is self.module_scope \
                    and id(value) not in self.caller.called:
                run, what = partial(self.caller.call_function, value, [], {}, fill_unknown=True), \
                    f"function {value.name}()"
            elif isinstance(value, ClassValue) and value.keras_kind \
                    and value.defined_in is self.module_scope and id(value) not in self.caller.instantiated:
                # A layer or model class nothing instantiates (a library's backbone builds its
                # graph in __init__): construct it once with its defaults, unknowns elsewhere.
                run, what = partial(self.caller.instantiate, value, [], {}, value.node, True,
                                    fill_unknown=True), f"class {value.name}"
            else:
                continue
            if not self._run_unit(run, value.node, what):
                return

    def _run_unit(self, run: Callable[[], object], node: cst.CSTNode, what: str | None = None) -> bool:
        """Run one unit (a module-level statement, or ``what``: a function or class run on its
        own); False when the whole file is out of budget."""
        self.budget.start_unit()
        try:
            run()
        except BudgetExceeded as exc:
            what = what or f"the statement at line {self.where(node)[0][0]}"
            rest = "the rest of the file was not analysed" if exc.whole_file else \
                "the rest of the file was analysed"
            self.abandoned.append(f"{what}: {exc.reason}; {rest}")
            self.observers.emit("unit_abandoned", what, exc.reason)
            _forget(node, self.module_scope)
            return not exc.whole_file
        except (ReturnSignal, BreakSignal, ContinueSignal, DeadPath):
            pass
        return True


def _forget(node: cst.CSTNode, scope: Scope) -> None:
    """After a unit was abandoned half-way, what it may have assigned or mutated is unknown:
    every name it binds, and the contents of every mutable value it names."""
    bound: set[str] = set()
    named: set[str] = set()

    def names_in(target: cst.BaseExpression, into: set[str]) -> None:
        for n in _walk_names(target):
            into.add(n)

    class Targets(cst.CSTVisitor):
        def visit_AssignTarget(self, n: cst.AssignTarget) -> None:
            names_in(n.target, bound)

        def visit_AugAssign(self, n: cst.AugAssign) -> None:
            names_in(n.target, bound)

        def visit_AnnAssign(self, n: cst.AnnAssign) -> None:
            names_in(n.target, bound)

        def visit_For(self, n: cst.For) -> None:
            names_in(n.target, bound)

        def visit_NamedExpr(self, n: cst.NamedExpr) -> None:
            names_in(n.target, bound)

        def visit_AsName(self, n: cst.AsName) -> None:
            names_in(n.name, bound)

        def visit_Name(self, n: cst.Name) -> None:
            named.add(n.value)

    node.visit(Targets())
    for name in named & set(scope.vars):
        value = scope.vars[name]
        kind = kind_of(value)
        if kind is not None:
            kind.forget(value)
    for name in bound & set(scope.vars):
        if not isinstance(scope.vars[name], (FunctionValue, ClassValue)):
            scope.vars[name] = Unknown(name)


def _walk_names(node: cst.BaseExpression) -> Iterator[str]:
    if isinstance(node, cst.Name):
        yield node.value
    elif isinstance(node, (cst.Tuple, cst.List)):
        for e in node.elements:
            yield from _walk_names(e.value)
    elif isinstance(node, cst.StarredElement):
        yield from _walk_names(node.value)
