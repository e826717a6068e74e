"""Derive the build-only program: the file minus training, evaluation, prediction, saving,
data loading, file and network I/O and plotting, with the same line numbers.

Removed statements become ``pass`` (or a parenthesised ``None`` spanning the same lines),
so a TensorFlow traceback line is a line of the user's file. Names a removed statement
would have bound are *data*: a later statement reading them is removed too, unless it
builds the model; then each data expression is replaced by the value the static
analysis inferred for it, or, when that is unknown, the statement becomes a marker
raise the worker reports as "depends on data" (the build stops there, unverifiable).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator, Optional

import libcst as cst
from libcst.metadata import ExpressionContext

from shapelint.resolution import canonical
from shapelint.validation import policy
from shapelint.validation.static_facts import KERAS, StaticFacts

UNVERIFIABLE = "__shapelint_unverifiable__"   # injected into builtins by the worker
_EXEMPT = {"re.compile", "regex.compile", "json.loads", "json.dumps"}
_MAX_ROUNDS = 4


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    reason: str

    def covers(self, row: int) -> bool:
        return self.start <= row <= self.end


@dataclass
class BuildProgram:
    path: str                     # as reported
    filename: str                 # absolute; the name tracebacks carry
    text: str                     # the build-only source (same lines as the original)
    removed: list = field(default_factory=list)        # Span: statements left out
    unverifiable: list = field(default_factory=list)   # Span: statements that need data
    substituted: list = field(default_factory=list)    # (row, expression, literal)
    error: Optional[str] = None   # why no program could be derived

    def removed_at(self, row: int) -> Optional[Span]:
        return next((s for s in self.removed if s.covers(row)), None)


# --- small helpers on nodes ----------------------------------------------------------------
def _dotted(node: cst.CSTNode) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def _body(node) -> list:
    body = getattr(node, "body", None)
    return list(getattr(body, "body", ())) if body is not None else []


def _newlines(n: int) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(),
        empty_lines=[cst.EmptyLine(indent=False) for _ in range(n - 1)],
        indent=False, last_line=cst.SimpleWhitespace(""))


def _padded(expr: cst.BaseExpression, n: int) -> cst.BaseExpression:
    """``expr`` in extra parentheses spanning ``n`` more lines (keeps line numbers)."""
    if n <= 0:
        return expr
    return expr.with_changes(lpar=[cst.LeftParen(whitespace_after=_newlines(n)), *expr.lpar],
                             rpar=[*expr.rpar, cst.RightParen()])


def _literal(value, n: int) -> Optional[cst.BaseExpression]:
    try:
        expr = cst.parse_expression(f"({value!r})")
    except Exception:
        return None
    return _padded(expr, n)


class _Aliases(cst.CSTVisitor):
    """Local name -> dotted module path, from every import in the file."""

    def __init__(self) -> None:
        self.map: dict[str, str] = {}

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _dotted(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.map[alias.asname.name.value] = full
            else:
                root = full.split(".")[0]
                self.map[root] = root

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = _dotted(node.module)
        for alias in node.names:
            name = _dotted(alias.name)
            if module and name:
                local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
                self.map[local] = f"{module}.{name}"


def _import_names(node) -> tuple[Optional[str], set[str]]:
    """(module, names bound) of an import statement."""
    if isinstance(node, cst.Import):
        names, modules = set(), []
        for alias in node.names:
            full = _dotted(alias.name) or ""
            modules.append(full)
            names.add(alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name)
                      else full.split(".")[0])
        return (modules[0] if len(modules) == 1 else ",".join(modules)), names
    if node.relative or node.module is None:
        return None, set()
    module = _dotted(node.module)
    if isinstance(node.names, cst.ImportStar):
        return module, set()
    names = {(a.asname.name.value if a.asname and isinstance(a.asname.name, cst.Name) else _dotted(a.name) or "")
             for a in node.names}
    return module, names


def _target_names(target: cst.CSTNode) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(_target_names(e.value) for e in target.elements)) if target.elements else set()
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    if isinstance(target, cst.Attribute):
        dotted = _dotted(target)
        root = _dotted(target.value)
        return {dotted} if dotted and root == "self" else ({root.split(".")[0]} if root else set())
    if isinstance(target, cst.Subscript):
        root = _dotted(target.value)
        return {root.split(".")[0]} if root else set()
    return set()


def _bound(node: cst.CSTNode) -> set[str]:
    """Names one statement binds (assignment targets, for/with targets, imports, defs)."""
    if isinstance(node, cst.Assign):
        return set().union(*(_target_names(t.target) for t in node.targets))
    if isinstance(node, (cst.AnnAssign, cst.AugAssign)):
        return _target_names(node.target)
    if isinstance(node, (cst.Import, cst.ImportFrom)):
        return _import_names(node)[1]
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        return {node.name.value}
    if isinstance(node, cst.For):
        return _target_names(node.target)
    if isinstance(node, cst.With):
        return set().union(*(_target_names(i.asname.name) for i in node.items if i.asname)) if node.items else set()
    if isinstance(node, cst.NamedExpr):
        return _target_names(node.target)
    return set()


class _AllBound(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.names |= _bound(node)
        return True


def _all_bound(node: cst.CSTNode) -> set[str]:
    v = _AllBound()
    node.visit(v)
    return v.names


# --- the slicer --------------------------------------------------------------------------
class _Slicer:
    """One pass over the module deciding, statement by statement, what the build keeps."""

    def __init__(self, facts: StaticFacts, aliases: dict[str, str], data_functions: set[str]):
        self.facts = facts
        self.module = facts.module
        self.aliases = aliases
        self.data_functions = data_functions
        self.found_data_functions: set[str] = set()
        self.repl: dict = {}
        self.removed: list[Span] = []
        self.unverifiable: list[Span] = []
        self.substituted: list = []
        self.function: Optional[str] = None

    # reading --------------------------------------------------------------------------
    def _loads(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        if isinstance(node, (cst.Import, cst.ImportFrom, cst.Global, cst.Nonlocal)):
            return
        if isinstance(node, cst.Name):
            if self.facts.contexts.get(node) not in (ExpressionContext.STORE, ExpressionContext.DEL):
                yield node
            return
        if isinstance(node, cst.Attribute):
            if self.facts.contexts.get(node) not in (ExpressionContext.STORE, ExpressionContext.DEL):
                yield node
            yield from self._loads(node.value)
            return
        if isinstance(node, cst.Arg):
            yield from self._loads(node.value)
            return
        if isinstance(node, cst.Param):
            if node.default is not None:
                yield from self._loads(node.default)
            return
        for child in node.children:
            yield from self._loads(child)

    def reads(self, nodes: Iterable[cst.CSTNode], tainted: set[str]) -> list[str]:
        hits = []
        for node in nodes:
            for n in self._loads(node):
                name = n.value if isinstance(n, cst.Name) else _dotted(n)
                if name in tainted and name not in hits:
                    hits.append(name)
        return hits

    def _path(self, func: cst.BaseExpression) -> tuple[Optional[str], Optional[str]]:
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        dotted = _dotted(func)
        if dotted is None:
            return None, method
        root, _, rest = dotted.partition(".")
        if root in self.aliases:
            dotted = self.aliases[root] + ("." + rest if rest else "")
        return canonical(dotted), method

    def io_reason(self, nodes: Iterable[cst.CSTNode]) -> Optional[str]:
        for node in nodes:
            for call in _calls(node):
                path, method = self._path(call.func)
                if path in _EXEMPT:
                    continue
                reason = policy.call_reason(path, method)
                if reason:
                    return f"{reason} ({self.code(call.func)})"
                name = method or (call.func.value if isinstance(call.func, cst.Name) else None)
                if name in self.data_functions:
                    return f"loading data ({name}() returns data)"
        return None

    def code(self, node: cst.CSTNode) -> str:
        text = self.module.code_for_node(node).strip()
        text = " ".join(text.split())
        return text if len(text) <= 60 else text[:57] + "..."

    # deciding ---------------------------------------------------------------------------
    def run(self) -> None:
        tainted: set[str] = set()
        deferred = self.block(self.module.body, tainted)
        self.run_deferred(deferred, tainted)

    def run_deferred(self, deferred: list, outer: set[str]) -> None:
        for fn in deferred:
            params = fn.params
            names = {p.name.value for p in [*params.posonly_params, *params.params, *params.kwonly_params]}
            for star in (params.star_arg, params.star_kwarg):
                if isinstance(star, cst.Param):
                    names.add(star.name.value)
            local = set(outer) - names
            saved, self.function = self.function, fn.name.value
            inner = self.block(_body(fn), local)
            self.run_deferred(inner, local)
            self.function = saved

    def block(self, statements: Iterable[cst.CSTNode], tainted: set[str]) -> list:
        deferred: list = []
        for stmt in statements:
            self.stmt(stmt, tainted, deferred)
        return deferred

    def stmt(self, stmt: cst.CSTNode, tainted: set[str], deferred: list) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.small(small, tainted)
            return
        if isinstance(stmt, cst.FunctionDef):
            deferred.append(stmt)
            tainted.discard(stmt.name.value)
            return
        if isinstance(stmt, cst.ClassDef):
            deferred.extend(self.block(_body(stmt), set(tainted)))
            tainted.discard(stmt.name.value)
            return
        headers, blocks = _parts(stmt)
        if headers is None:   # a statement we do not look into: keep or drop as a whole
            headers, blocks = [stmt], []
        reason = self.io_reason(headers)
        hits = self.reads(headers, tainted)
        if reason or hits:
            if stmt in self.facts.building:
                failure = f"needs {reason}" if reason else self.substitute(headers, tainted)
                if failure:
                    self.make_unverifiable(stmt, failure)
                    return
            else:
                self.remove(stmt, reason or _data_reason(hits))
                tainted |= _all_bound(stmt)
                return
        elif isinstance(stmt, cst.For):
            tainted -= _target_names(stmt.target)
        for block in blocks:
            deferred.extend(self.block(block, tainted))

    def small(self, node: cst.BaseSmallStatement, tainted: set[str]) -> None:
        if isinstance(node, cst.Import) and len(node.names) > 1:
            self.split_import(node, tainted)
            return
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            module, names = _import_names(node)
            reason = policy.module_reason(module) if module else None
            if reason:
                self.remove(node, f"{reason} import")
                tainted |= names
            else:
                tainted -= names
            return
        if isinstance(node, (cst.Pass, cst.Break, cst.Continue, cst.Global, cst.Nonlocal)):
            return
        reason = self.io_reason([node])
        hits = self.reads([node], tainted)
        if isinstance(node, (cst.AugAssign, cst.Del)):   # `X /= 255` and `del X` read X too
            hits += [n for n in _target_names(node.target) if n in tainted and n not in hits]
        building = node in self.facts.building
        if reason and building and reason.startswith("output") and _builds_then_shows(node):
            # `build_model().summary()`: build the model, leave only the output out.
            kept = node.with_changes(value=node.value.func.value)  # type: ignore[attr-defined]
            self.repl[node] = kept
            self.substituted.append((self.facts.lines(node)[0], self.code(node),
                                     " ".join(self.module.code_for_node(kept).split())))
            return
        if reason:
            if building and not (reason.startswith("output") and not _bound(node)):
                self.make_unverifiable(node, f"needs {reason}")
            else:
                self.drop(node, reason, tainted)
            return
        if hits:
            if building:
                failure = self.substitute([node], tainted)
                if failure:
                    self.make_unverifiable(node, failure)
                else:
                    tainted -= _bound(node)
                return
            self.drop(node, _data_reason(hits), tainted)
            receiver = _receiver(node)
            if receiver and self.facts.kind(receiver) != KERAS:
                root = _dotted(receiver)
                if root:
                    tainted.add(root if root.startswith("self.") else root.split(".")[0])
            return
        tainted -= _bound(node)

    def split_import(self, node: cst.Import, tainted: set[str]) -> None:
        """``import os, matplotlib.pyplot as plt``: keep ``os``, leave the plotting out."""
        keep, gone = [], []
        for alias in node.names:
            _, names = _import_names(cst.Import(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)]))
            reason = policy.module_reason(_dotted(alias.name) or "")
            (gone if reason else keep).append((alias, names, reason))
        if not gone:
            tainted -= _bound(node)
            return
        for _, names, _ in gone:
            tainted |= names
        for _, names, _ in keep:
            tainted -= names
        reason = f"{gone[0][2]} import"
        if not keep:
            self.remove(node, reason)
            return
        aliases = [a for a, _, _ in keep]
        aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        self.removed.append(self.span(node, reason))
        self.repl[node] = node.with_changes(names=aliases)

    def drop(self, node: cst.CSTNode, reason: str, tainted: set[str]) -> None:
        self.remove(node, reason)
        tainted |= _bound(node) | _all_bound(node)
        if isinstance(node, cst.Return) and self.function:
            self.found_data_functions.add(self.function)

    def substitute(self, nodes: list, tainted: set[str]) -> Optional[str]:
        """Replace each data expression in ``nodes`` by its static value; the reason on failure."""
        pending: dict = {}
        for node in nodes:
            failure = self._subst(node, tainted, pending, None)
            if failure:
                return failure
        for old, new in pending.items():
            self.repl[old] = new
            self.substituted.append((self.facts.lines(old)[0], self.code(old),
                                     " ".join(self.module.code_for_node(new).split())))
        return None

    def _subst(self, node: cst.CSTNode, tainted: set[str], pending: dict, holder) -> Optional[str]:
        hits = self.reads([node], tainted)
        if not hits:
            return None
        if isinstance(node, cst.BaseExpression):
            known, value = self.facts.value(node)
            if known:
                lit = _literal(value, self.module.code_for_node(node).count("\n"))
                if lit is not None:
                    pending[node] = lit
                    return None
            if holder is None and self.facts.kind(node) != KERAS:
                holder = node
            name = node.value if isinstance(node, cst.Name) else _dotted(node) if isinstance(node, cst.Attribute) else None
            if name in tainted:
                shown = self.code(holder if holder is not None else node)
                return (f"`{shown}` depends on data the build leaves out ({', '.join(hits)}), "
                        f"and its value is not known statically")
        children = [node.value] if isinstance(node, cst.Attribute) else \
            [node.value] if isinstance(node, cst.Arg) else node.children
        for child in children:
            failure = self._subst(child, tainted, pending, holder)
            if failure:
                return failure
        return None

    # rewriting --------------------------------------------------------------------------
    def span(self, node: cst.CSTNode, reason: str) -> Span:
        start, end = self.facts.lines(node)
        return Span(start, end, reason)

    def remove(self, node: cst.CSTNode, reason: str) -> None:
        self.removed.append(self.span(node, reason))
        self.repl[node] = self._filler(node, None)

    def make_unverifiable(self, node: cst.CSTNode, reason: str) -> None:
        start, end = self.facts.lines(node)
        self.unverifiable.append(Span(start, end, reason))
        self.repl[node] = self._filler(node, f"line {start}: {reason}")

    def _filler(self, node: cst.CSTNode, message: Optional[str]) -> cst.CSTNode:
        """A statement taking exactly the lines of ``node``: pass/None, or the marker raise."""
        if isinstance(node, cst.BaseSmallStatement):
            extra = self.module.code_for_node(node).count("\n")
            semicolon = node.semicolon
        else:
            extra = self.module.code_for_node(node).count("\n") - len(node.leading_lines) - 1
            semicolon = cst.MaybeSentinel.DEFAULT
        if message is None:
            small: cst.BaseSmallStatement = cst.Pass(semicolon=semicolon) if extra <= 0 else \
                cst.Expr(_padded(cst.Name("None"), extra), semicolon=semicolon)
        else:
            arg = _padded(cst.SimpleString(repr(message)), extra)
            small = cst.Raise(exc=cst.Call(cst.Name(UNVERIFIABLE), [cst.Arg(arg)]), semicolon=semicolon)
        if isinstance(node, cst.BaseSmallStatement):
            return small
        return cst.SimpleStatementLine([small], leading_lines=node.leading_lines)

    def rewrite_weights(self) -> None:
        """``keras.applications.X(weights="imagenet")`` downloads; the shapes need no weights."""
        for call in _calls(self.module):
            path, _ = self._path(call.func)
            if not path or not path.startswith("keras.applications."):
                continue
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == "weights" and \
                        not (isinstance(arg.value, cst.Name) and arg.value.value == "None"):
                    n = self.module.code_for_node(arg.value).count("\n")
                    self.repl[arg.value] = _padded(cst.Name("None"), n)
                    self.substituted.append((self.facts.lines(arg)[0], self.code(arg), "weights=None"))


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)


def _calls(node: cst.CSTNode) -> list[cst.Call]:
    v = _Calls()
    node.visit(v)
    return v.calls


def _parts(stmt: cst.CSTNode) -> tuple[Optional[list], list]:
    """(header expressions, bodies) of a compound statement; (None, []) if not handled."""
    if isinstance(stmt, cst.If):
        headers, blocks, node = [], [], stmt
        while isinstance(node, cst.If):
            headers.append(node.test)
            blocks.append(_body(node))
            node = node.orelse
        if node is not None:
            blocks.append(_body(node))
        return headers, blocks
    if isinstance(stmt, cst.For):
        return [stmt.iter], [_body(stmt)] + ([_body(stmt.orelse)] if stmt.orelse else [])
    if isinstance(stmt, cst.While):
        return [stmt.test], [_body(stmt)] + ([_body(stmt.orelse)] if stmt.orelse else [])
    if isinstance(stmt, cst.With):
        return [i.item for i in stmt.items], [_body(stmt)]
    if isinstance(stmt, (cst.Try, cst.TryStar)):
        blocks = [_body(stmt)] + [_body(h) for h in stmt.handlers]
        blocks += [_body(x) for x in (stmt.orelse, stmt.finalbody) if x is not None]
        return [], blocks
    return None, []


def _builds_then_shows(node: cst.CSTNode) -> bool:
    """An expression statement `make().method()` whose receiver is itself a call."""
    return (isinstance(node, cst.Expr) and isinstance(node.value, cst.Call)
            and isinstance(node.value.func, cst.Attribute) and isinstance(node.value.func.value, cst.Call))


def _receiver(node: cst.CSTNode) -> Optional[cst.BaseExpression]:
    """``obj`` in an expression statement ``obj.method(...)`` (a call that may mutate obj)."""
    if isinstance(node, cst.Expr) and isinstance(node.value, cst.Call) and \
            isinstance(node.value.func, cst.Attribute):
        return node.value.func.value
    return None


def _data_reason(names: list[str]) -> str:
    return "uses data the build leaves out (" + ", ".join(names) + ")"


class _Replace(cst.CSTTransformer):
    def __init__(self, repl: dict):
        super().__init__()
        self.repl = repl

    def on_leave(self, original_node, updated_node):
        return self.repl.get(original_node, updated_node)


def build_program(text: str, facts: Optional[StaticFacts], path: str, filename: str) -> BuildProgram:
    """The build-only program for one file (``facts`` from :func:`static_facts.collect`)."""
    if facts is None:
        return BuildProgram(path, filename, "", error="the file could not be parsed")
    aliases = _Aliases()
    facts.module.visit(aliases)
    data_functions: set[str] = set()
    for _ in range(_MAX_ROUNDS):
        slicer = _Slicer(facts, aliases.map, data_functions)
        slicer.rewrite_weights()
        slicer.run()
        if slicer.found_data_functions <= data_functions:
            break
        data_functions |= slicer.found_data_functions
    try:
        new = facts.module.visit(_Replace(slicer.repl)).code
    except Exception as exc:   # an unexpected node shape: better no program than a wrong one
        return BuildProgram(path, filename, "", error=f"could not derive the build program ({exc!r})")
    if new.count("\n") != facts.module.code.count("\n"):
        return BuildProgram(path, filename, "", error="could not derive the build program (line numbers moved)")
    return BuildProgram(path, filename, new, sorted(slicer.removed, key=lambda s: s.start),
                        sorted(slicer.unverifiable, key=lambda s: s.start), slicer.substituted)
