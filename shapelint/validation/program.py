"""Derive the build-only program: the file minus training, evaluation, prediction, saving,
data loading, file and network I/O and plotting, with the same line numbers.

Removed statements become ``pass`` (or a parenthesised ``None`` spanning the same lines),
so a TensorFlow traceback line is a line of the user's file. Names a removed statement
would have bound are *data*, and so are objects it changed (``vocab.append(w)``) or set up
from data (``vectorizer.adapt(texts)``: its state, not the layer itself): a later statement
reading them is removed too, unless it builds the model; then each data expression is
replaced by the value the static analysis inferred for it. When that is unknown, the
statement is left out, and what it would have made is *dead*: every statement using it is
left out as well, with the reason, so the rest of the file is still built.

Where the file gives its model data (fit, evaluate, predict, ``model(x)``), the statement
is replaced by one call of the model on zero-filled arrays of the shapes the analysis
inferred, on the same lines (:mod:`shapelint.validation.feeds`), so Keras raises where the
file's call would; ``compile()`` is kept as written, since those calls need it.

An earlier build of the same file can add *cuts* (:mod:`shapelint.validation.continuation`):
a statement that raised, or imports a module that is not installed, is left out with
what depends on it, and the next build goes on past it. Functions the file never calls
are called with their defaults after the file's last line (:mod:`shapelint.validation.uncalled`).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import ExpressionContext

from shapelint.resolution import canonical
from shapelint.validation import policy
from shapelint.validation.feeds import Feed, NotKnown, stand_in
from shapelint.validation.probes import Probe
from shapelint.validation.static_facts import KERAS, StaticFacts
from shapelint.validation.uncalled import Uncalled, uncalled_builders

_EXEMPT = {"re.compile", "regex.compile", "json.loads", "json.dumps"}
_MAX_ROUNDS = 4
_STATE = ".*"   # a tainted entry "name.*": the object is kept, its state comes from data


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    reason: str

    def covers(self, row: int) -> bool:
        return self.start <= row <= self.end


@dataclass(frozen=True)
class Cut:
    """A statement an earlier build stopped at, left out of the next build with what uses
    its result (:mod:`shapelint.validation.continuation` decides)."""

    node: cst.CSTNode             # the statement, a node of the file's module
    row: int                      # its first line
    reason: str                   # why it is left out
    consequence: str              # why a statement using what it binds is left out
    names: frozenset[str] | None = None   # the names that die (None: all it binds)


# (row, the expression as written, what the build has instead)
Substitution = tuple[int, str, str]


@dataclass
class BuildProgram:
    path: str                     # as reported
    filename: str                 # absolute; the name tracebacks carry
    text: str                     # the build-only source (same lines as the original)
    removed: list[Span] = field(default_factory=list)         # statements left out
    needs_data: list[Span] = field(default_factory=list)      # model-building statements left out for data
    substituted: list[Substitution] = field(default_factory=list)
    error: str | None = None      # why no program could be derived
    uncalled: list[Uncalled] = field(default_factory=list)    # functions the file never calls
    cuts: tuple[Cut, ...] = ()    # what earlier builds of this file stopped at
    epilogue: str = ""            # calls of uncalled functions, after the file's last line
    feeds: list[Feed] = field(default_factory=list)    # data calls, with their stand-ins
    probes: tuple[Probe, ...] = ()   # claims of warnings the worker checks after the build

    @property
    def source(self) -> str:
        """What the build runs: the program, then the epilogue."""
        if not self.epilogue:
            return self.text
        return self.text + ("" if self.text.endswith("\n") else "\n") + self.epilogue

    def removed_at(self, row: int) -> Span | None:
        return next((s for s in self.removed if s.covers(row)), None)

    def never_built(self, row: int) -> Uncalled | None:
        """The uncalled function around ``row`` that the build cannot call, if any."""
        return next((u for u in self.uncalled if not u.buildable and u.start <= row <= u.end), None)

    def in_epilogue(self, row: int | None) -> bool:
        return row is not None and row > self.text.count("\n") + (0 if self.text.endswith("\n") else 1)

    def feeds_at(self, start: int, end: int) -> list[Feed]:
        """The data calls the file makes on lines start..end."""
        return [f for f in self.feeds if start <= f.row <= end]

    def feeds_of_input(self, row: int) -> list[Feed]:
        """The data calls that feed a model whose Input is on ``row``."""
        return [f for f in self.feeds if row in f.input_rows]


# --- small helpers on nodes ----------------------------------------------------------------
def _dotted(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def _leading_lines(node: cst.CSTNode) -> Sequence[cst.EmptyLine]:
    """The blank and comment lines above a statement line (a small statement has none)."""
    if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return node.leading_lines
    return ()


def _body(node: cst.CSTNode) -> list[cst.CSTNode]:
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


def _literal(value: object, n: int) -> cst.BaseExpression | None:
    try:
        expr = cst.parse_expression(f"({value!r})")
    except Exception:
        return None
    return _padded(expr, n)


def _as_name(alias: cst.ImportAlias) -> str | None:
    """``y`` in ``import x as y``; None without ``as``."""
    asname = alias.asname
    return asname.name.value if asname is not None and isinstance(asname.name, cst.Name) else None


class _Aliases(cst.CSTVisitor):
    """Local name -> dotted module path, from every import in the file."""

    def __init__(self) -> None:
        self.map: dict[str, str] = {}

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _dotted(alias.name)
            if full is None:
                continue
            local = _as_name(alias)
            if local is not None:
                self.map[local] = full
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
                self.map[_as_name(alias) or name] = f"{module}.{name}"


def _import_names(node: cst.Import | cst.ImportFrom) -> tuple[str | None, set[str]]:
    """(module, names bound) of an import statement."""
    if isinstance(node, cst.Import):
        names: set[str] = set()
        modules: list[str] = []
        for alias in node.names:
            full = _dotted(alias.name) or ""
            modules.append(full)
            names.add(_as_name(alias) or full.split(".")[0])
        return (modules[0] if len(modules) == 1 else ",".join(modules)), names
    if node.relative or node.module is None:
        return None, set()
    module = _dotted(node.module)
    if isinstance(node.names, cst.ImportStar):
        return module, set()
    names = {_as_name(a) or _dotted(a.name) or "" for a in node.names}
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
        return set().union(*(_target_names(i.asname.name) for i in node.items if i.asname)) if node.items \
            else set()
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
    """One pass over the module deciding, statement by statement, what the build keeps.

    ``tainted`` (one set per scope) holds the names whose values the build does not have:
    data (removed statements bound them), ``name.*`` for objects whose state is data, and
    dead names (``self.dead`` says why), whose statements are left out altogether."""

    def __init__(self, facts: StaticFacts, aliases: dict[str, str], data_functions: set[str],
                 dead_functions: dict[str, str], cuts: dict[cst.CSTNode, Cut]):
        self.facts = facts
        self.module = facts.module
        self.aliases = aliases
        self.data_functions = data_functions
        self.dead_functions = dead_functions
        self.cuts = cuts
        self.found_data_functions: set[str] = set()
        self.found_dead_functions: dict[str, str] = {}
        self.repl: dict[cst.CSTNode, cst.CSTNode] = {}   # what the build has in place of a node
        self.removed: list[Span] = []
        self.needs_data: list[Span] = []
        self.substituted: list[Substitution] = []
        self.dead: dict[str, str] = {}        # name -> why statements using it are left out
        self.set_up: dict[str, str] = {}      # name -> the dropped call that set it up from data
        self.origin: dict[str, tuple[int, str]] = {}   # data name -> (line left out, what that line used)
        self.function: str | None = None
        self.feeds: list[Feed] = []

    # taint bookkeeping ----------------------------------------------------------------------
    def taint(self, tainted: set[str], names: Iterable[str]) -> None:
        for n in names:
            tainted.add(n)
            self.dead.pop(n, None)

    def untaint(self, tainted: set[str], names: Iterable[str]) -> None:
        for n in names:
            tainted.discard(n)
            tainted.discard(n + _STATE)

    def kill(self, tainted: set[str], names: Iterable[str], reason: str) -> None:
        for n in names:
            tainted.add(n)
            self.dead[n] = reason
        if self.function and "<return>" in names:
            self.found_dead_functions.setdefault(self.function, reason)

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

    def _state_of(self, node: cst.CSTNode, tainted: set[str]) -> str | None:
        """``x`` when ``node`` reads an attribute of ``x``, whose state is data."""
        if not isinstance(node, cst.Attribute):
            return None
        root = node.value
        while isinstance(root, cst.Attribute):
            root = root.value
        if isinstance(root, cst.Name) and root.value + _STATE in tainted:
            return root.value
        return None

    def reads(self, nodes: Iterable[cst.CSTNode], tainted: set[str], full: bool = True) -> list[str]:
        """The tainted names ``nodes`` read, each said with where its value comes from
        (``full``: and what that statement used)."""
        hits = []
        for node in nodes:
            for n in self._loads(node):
                name = n.value if isinstance(n, cst.Name) else _dotted(n)
                state = self._state_of(n, tainted)
                if state is not None:
                    name = f"{state}, set up from data by `{self.set_up.get(state, '...')}`"
                elif name not in tainted:
                    continue
                elif name in self.origin and name not in self.dead:
                    row, why = self.origin[name]
                    name = f"{name} from line {row}" + (f", which needs {why}" if why and full else "")
                if name not in hits:
                    hits.append(name)
        return hits

    def dead_use(self, nodes: Iterable[cst.CSTNode], tainted: set[str]) -> str | None:
        """Why ``nodes`` cannot be built: they read a dead name. None if they can."""
        for node in nodes:
            for n in self._loads(node):
                name = n.value if isinstance(n, cst.Name) else _dotted(n)
                if name in tainted and name in self.dead:
                    return self.dead[name]
        return None

    def dead_calls(self, nodes: Iterable[cst.CSTNode]) -> list[tuple[cst.Call, str]]:
        """Outermost calls of functions whose results are dead (their bodies still run),
        each with why its result is dead."""
        found: list[tuple[cst.Call, str]] = []
        for node in nodes:
            for call in _calls(node):
                name = call.func.value if isinstance(call.func, cst.Name) else None
                if name in self.dead_functions and not any(_contains(c, call) for c, _ in found):
                    found.append((call, self.dead_functions[name]))
        return found

    def _path(self, func: cst.BaseExpression) -> tuple[str | None, str | None]:
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        dotted = _dotted(func)
        if dotted is None:
            return None, method
        root, _, rest = dotted.partition(".")
        if root in self.aliases:
            dotted = self.aliases[root] + ("." + rest if rest else "")
        return canonical(dotted), method

    def io_reason(self, nodes: Iterable[cst.CSTNode]) -> str | None:
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

    def run_deferred(self, deferred: list[cst.FunctionDef], outer: set[str]) -> None:
        for fn in deferred:
            params = fn.params
            names = {p.name.value for p in [*params.posonly_params, *params.params, *params.kwonly_params]}
            for star in (params.star_arg, params.star_kwarg):
                if isinstance(star, cst.Param):
                    names.add(star.name.value)
            local = set(outer)
            self.untaint(local, names)
            saved, self.function = self.function, fn.name.value
            inner = self.block(_body(fn), local)
            self.run_deferred(inner, local)
            self.function = saved

    def block(self, statements: Iterable[cst.CSTNode], tainted: set[str]) -> list[cst.FunctionDef]:
        """Decide each statement of a block; the functions it defines, to decide after it."""
        deferred: list[cst.FunctionDef] = []
        for stmt in statements:
            self.stmt(stmt, tainted, deferred)
        return deferred

    def stmt(self, stmt: cst.CSTNode, tainted: set[str], deferred: list[cst.FunctionDef]) -> None:
        if stmt in self.cuts:
            self.cut(stmt, tainted)
            return
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.small(small, tainted)
            return
        if isinstance(stmt, cst.FunctionDef):
            deferred.append(stmt)
            self.untaint(tainted, {stmt.name.value})
            return
        if isinstance(stmt, cst.ClassDef):
            deferred.extend(self.block(_body(stmt), set(tainted)))
            self.untaint(tainted, {stmt.name.value})
            return
        headers, blocks = _parts(stmt)
        if headers is None:   # a statement we do not look into: keep or drop as a whole
            headers, blocks = [stmt], []
        dead = self.dead_use(headers, tainted) or next((why for _, why in self.dead_calls(headers)), None)
        if dead:
            self.leave_out(stmt, dead, tainted)
            return
        reason = self.io_reason(headers)
        hits = self.reads(headers, tainted)
        if reason or hits:
            if stmt in self.facts.building:
                failure = f"needs {reason}" if reason else self.substitute(headers, tainted)
                if failure:
                    self.needs(stmt, failure, tainted)
                    return
            else:
                self.remove(stmt, reason or _data_reason(hits), tainted)
                self.taint_effects(stmt, tainted, reason or "")
                return
        elif isinstance(stmt, cst.For):
            self.untaint(tainted, _target_names(stmt.target))
        for block in blocks:
            deferred.extend(self.block(block, tainted))

    def small(self, node: cst.BaseSmallStatement, tainted: set[str]) -> None:
        if node in self.cuts:
            self.cut(node, tainted)
            return
        if isinstance(node, cst.Import) and len(node.names) > 1:
            self.split_import(node, tainted)
            return
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            module, names = _import_names(node)
            reason = policy.module_reason(module) if module else None
            if reason:
                self.remove(node, f"{reason} import")
                self.taint(tainted, names)
            else:
                self.untaint(tainted, names)
            return
        if isinstance(node, (cst.Pass, cst.Break, cst.Continue, cst.Global, cst.Nonlocal)):
            return
        dead = self.dead_use([node], tainted)
        if dead:
            self.leave_out(node, dead, tainted)
            return
        calls = self.dead_calls([node])
        if calls:
            self.keep_calls(node, calls, tainted)
            return
        reason = self.io_reason([node])
        hits = self.reads([node], tainted)
        if isinstance(node, (cst.AugAssign, cst.Del)):   # `X /= 255` and `del X` read X too
            hits += [n for n in _target_names(node.target) if n in tainted and n not in hits]
        building = node in self.facts.building
        made = _built_then_shown(node) if reason and building and reason.startswith("output") else None
        if made is not None:
            # `build_model().summary()`: build the model, leave only the output out.
            kept = node.with_changes(value=made)
            self.repl[node] = kept
            self.substituted.append((self.facts.lines(node)[0], self.code(node),
                                     " ".join(self.module.code_for_node(kept).split())))
            return
        if reason:
            shows = reason.startswith("output") and not _bound(node)
            if building and not shows and not self.runs_model(node):
                self.needs(node, f"needs {reason}", tainted)
            else:
                self.drop(node, reason, tainted)
            return
        if hits:
            if building:
                failure = self.substitute([node], tainted)
                if failure and self.runs_model(node):
                    self.drop(node, failure, tainted)
                elif failure:
                    self.needs(node, failure, tainted)
                else:
                    self.untaint(tainted, _bound(node))
                return
            self.drop(node, _data_reason(hits), tainted)
            return
        self.untaint(tainted, _bound(node))

    def split_import(self, node: cst.Import, tainted: set[str]) -> None:
        """``import os, matplotlib.pyplot as plt``: keep ``os``, leave the plotting out."""
        keep: list[tuple[cst.ImportAlias, set[str], str | None]] = []
        gone: list[tuple[cst.ImportAlias, set[str], str | None]] = []
        for alias in node.names:
            _, names = _import_names(cst.Import(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)]))
            reason = policy.module_reason(_dotted(alias.name) or "")
            (gone if reason else keep).append((alias, names, reason))
        if not gone:
            self.untaint(tainted, _bound(node))
            return
        for _, names, _ in gone:
            self.taint(tainted, names)
        for _, names, _ in keep:
            self.untaint(tainted, names)
        reason = f"{gone[0][2]} import"
        if not keep:
            self.remove(node, reason)
            return
        self.keep_aliases(node, [a for a, _, _ in keep], reason)

    def keep_aliases(self, node: cst.Import, aliases: list[cst.ImportAlias], reason: str) -> None:
        aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        self.removed.append(self.span(node, reason))
        self.repl[node] = node.with_changes(names=aliases)

    def drop(self, node: cst.CSTNode, reason: str, tainted: set[str]) -> None:
        self.remove(node, reason, tainted)
        self.taint_effects(node, tainted, reason)
        if isinstance(node, cst.Return) and self.function:
            self.found_data_functions.add(self.function)

    def runs_model(self, node: cst.CSTNode) -> bool:
        """``model.fit(...)``, ``history = model.compile(...)``: a method that trains, saves
        or shows an object, never one that changes what it is (``keras.models.load_model``,
        a module's function, makes the model: not this)."""
        value = node.value if isinstance(node, (cst.Expr, cst.Assign)) else None
        if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)):
            return False
        root = (_dotted(value.func.value) or "").split(".")[0]
        return bool(root) and root not in self.aliases and _keeps_receiver(value.func.attr.value)

    def taint_effects(self, node: cst.CSTNode, tainted: set[str], reason: str = "") -> None:
        """What a statement the build leaves out would have changed is data too: the names
        it binds, the objects it calls methods of (``vocab.append(w)``), and the state of
        Keras objects it sets up from data (``vectorizer.adapt(texts)``)."""
        names = _bound(node) | _all_bound(node)
        row = self.facts.lines(node)[0]
        origin = (row, ", ".join(self.reads([node], tainted, full=False)) or reason)
        self.taint(tainted, names)
        self.origin.update(dict.fromkeys(names, origin))
        for receiver, method, call in self.effects(node):
            name = _changed(receiver)
            if self.facts.kind(receiver) != KERAS:
                self.taint(tainted, {name})
                self.origin[name] = origin
            elif not _keeps_receiver(method) and "." not in name:
                tainted.add(name + _STATE)
                self.set_up[name] = self.code(call)

    def effects(self, node: cst.CSTNode) -> list[tuple[cst.BaseExpression, str, cst.Call]]:
        """(receiver, method, call) of every ``obj.method(...)`` statement in ``node`` whose
        object is not a module."""
        out = []
        for stmt in _expression_statements(node):
            receiver = _receiver(stmt)
            if receiver is None:
                continue
            root = (_dotted(receiver) or "").split(".")[0]
            call = stmt.value
            if root and root not in self.aliases and isinstance(call, cst.Call) and \
                    isinstance(call.func, cst.Attribute):
                out.append((receiver, call.func.attr.value, call))
        return out

    def substitute(self, nodes: Iterable[cst.CSTNode], tainted: set[str]) -> str | None:
        """Replace each data expression in ``nodes`` by its static value; the reason on failure."""
        pending: dict[cst.CSTNode, cst.BaseExpression] = {}
        for node in nodes:
            failure = self._subst(node, tainted, pending, None)
            if failure:
                return failure
        for old, new in pending.items():
            self.repl[old] = new
            self.substituted.append((self.facts.lines(old)[0], self.code(old),
                                     " ".join(self.module.code_for_node(new).split())))
        return None

    def _subst(self, node: cst.CSTNode, tainted: set[str], pending: dict[cst.CSTNode, cst.BaseExpression],
               holder: cst.CSTNode | None) -> str | None:
        hits = self.reads([node], tainted)
        if not hits:
            return None
        if isinstance(node, cst.BaseExpression):
            known, value = self.facts.value(node)
            if known and not _acts_on_keras(node, self.facts):
                lit = _literal(value, self.module.code_for_node(node).count("\n"))
                if lit is not None:
                    pending[node] = lit
                    return None
            if holder is None and self.facts.kind(node) != KERAS and not _acts_on_keras(node, self.facts):
                holder = node
            name = node.value if isinstance(node, cst.Name) else \
                _dotted(node) if isinstance(node, cst.Attribute) else None
            if name in tainted or self._state_of(node, tainted) is not None:
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

    # leaving out what cannot be built ----------------------------------------------------
    def needs(self, node: cst.CSTNode, reason: str, tainted: set[str]) -> None:
        """A statement that builds the model but needs what the build leaves out: leave it
        out, and everything that uses what it makes (a data call standing in for it is no part
        of the model missing: not said)."""
        start, _ = self.facts.lines(node)
        made = len(self.feeds)
        self.leave_out(node, f"it uses what line {start} makes, which the build leaves out: {reason}",
                       tainted, reason)
        if not any(f.stand_in is not None for f in self.feeds[made:]):
            self.needs_data.append(self.span(node, reason))

    def cut(self, node: cst.CSTNode, tainted: set[str]) -> None:
        """A statement an earlier build stopped at (:class:`Cut`)."""
        cut: Cut = self.cuts[node]
        if cut.names is not None and isinstance(node, cst.Import):
            keep = [a for a in node.names if not (_import_names(cst.Import(
                names=[a.with_changes(comma=cst.MaybeSentinel.DEFAULT)]))[1] & cut.names)]
            if keep:
                self.keep_aliases(node, keep, cut.reason)
                self.kill(tainted, cut.names, cut.consequence)
                return
        self.leave_out(node, cut.consequence, tainted, cut.reason)

    def leave_out(self, node: cst.CSTNode, consequence: str, tainted: set[str],
                  reason: str | None = None) -> None:
        """Remove ``node``; what it binds, returns or changes is dead for ``consequence``."""
        self.remove(node, reason or consequence, tainted)
        names = _bound(node) | _all_bound(node)
        names |= {_changed(r) for r, method, _ in self.effects(node) if not _keeps_receiver(method)}
        if _returns(node):
            names.add("<return>")
        self.kill(tainted, names, consequence)

    def keep_calls(self, node: cst.BaseSmallStatement, dead: list[tuple[cst.Call, str]],
                   tainted: set[str]) -> None:
        """A statement using what functions return that the build cannot make: run the
        calls (their bodies may hold findings), leave the rest out."""
        calls = [call for call, _ in dead]
        reason = dead[0][1]
        names = _bound(node) | ({"<return>"} if isinstance(node, cst.Return) else set())
        if isinstance(node, cst.Expr) and node.value is calls[0] and len(calls) == 1:
            return
        lines = self.module.code_for_node(node).count("\n")
        expr: cst.BaseExpression = calls[0] if len(calls) == 1 else \
            cst.Tuple([cst.Element(c) for c in calls])
        self.removed.append(self.span(node, reason))
        expr = expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        self.repl[node] = cst.Expr(_padded(expr, lines), semicolon=node.semicolon)
        self.kill(tainted, names, reason)

    # rewriting --------------------------------------------------------------------------
    def span(self, node: cst.CSTNode, reason: str) -> Span:
        start, end = self.facts.lines(node)
        return Span(start, end, reason)

    def remove(self, node: cst.CSTNode, reason: str, tainted: set[str] | None = None) -> None:
        """Leave ``node`` out; with ``tainted`` (what the build has at this point), the data
        calls in it become calls on zeros (:meth:`stand_in`)."""
        self.removed.append(self.span(node, reason))
        self.repl[node] = self._filler(node)
        if tainted is not None and node not in self.cuts:
            self.stand_in(node, tainted)

    def stand_in(self, node: cst.CSTNode, tainted: set[str]) -> None:
        """The statement's data calls, each on the line of the file's call, on zeros."""
        parts: list[tuple[int, str]] = []
        for call in _calls(node):
            for data in self.facts.data_calls.get(call, ()):
                start, end = self.facts.lines(call)
                target = call.func.value if isinstance(call.func, cst.Attribute) and data.method != "call" \
                    else call.func
                made = self.why_not(target, tainted) or stand_in(data, self.code_of(target))
                self.feeds.append(Feed(start, end, data.method, self.facts.input_rows(data),
                                       None if isinstance(made, NotKnown) else made,
                                       made.reason if isinstance(made, NotKnown) else ""))
                if not isinstance(made, NotKnown):
                    parts.append((start, made.code))
        if not parts:
            return
        first = self.facts.lines(node)[0]
        last = first + self._extra_lines(node)
        text, row = "(", first
        for at, code in sorted(parts, key=lambda p: p[0]):
            text += "\n" * (max(at, row) - row) + code + ", "
            row = max(at, row)
        try:
            expr = cst.parse_expression(text.rstrip() + "\n" * (last - row) + ")")
        except cst.ParserSyntaxError:   # never expected: the parts are the file's own expressions and zeros
            self.feeds = [f for f in self.feeds if not (first <= f.row <= last)] + [
                Feed(f.row, f.end, f.method, f.input_rows, None, "the stand-in could not be written")
                for f in self.feeds if first <= f.row <= last]
            return
        if isinstance(node, cst.BaseSmallStatement):
            self.repl[node] = cst.Expr(expr, semicolon=node.semicolon)
        else:
            self.repl[node] = cst.SimpleStatementLine([cst.Expr(expr)], leading_lines=_leading_lines(node))

    def why_not(self, target: cst.BaseExpression, tainted: set[str]) -> NotKnown | None:
        """Why the build cannot call the model a data call is made on, if it cannot."""
        dead = self.dead_use([target], tainted)
        if dead:
            return NotKnown(f"the model is left out of the build: {dead}")
        hits = self.reads([target], tainted)
        if hits:
            return NotKnown(f"the model depends on data the build leaves out ({', '.join(hits)})")
        reason = self.io_reason([target])
        if reason:
            return NotKnown(f"the model comes from {reason}")
        if "\n" in self.module.code_for_node(target).strip():
            return NotKnown("the model is spelled over several lines")
        return None

    def code_of(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node).strip()

    def _extra_lines(self, node: cst.CSTNode) -> int:
        """How many lines after its first a statement takes (what its filler spans)."""
        if isinstance(node, cst.BaseSmallStatement):
            return self.module.code_for_node(node).count("\n")
        return self.module.code_for_node(node).count("\n") - len(_leading_lines(node)) - 1

    def _filler(self, node: cst.CSTNode) -> cst.CSTNode:
        """A statement taking exactly the lines of ``node``: pass, or a parenthesised None."""
        extra = self._extra_lines(node)
        semicolon = node.semicolon if isinstance(node, cst.BaseSmallStatement) else cst.MaybeSentinel.DEFAULT
        small: cst.BaseSmallStatement = cst.Pass(semicolon=semicolon) if extra <= 0 else \
            cst.Expr(_padded(cst.Name("None"), extra), semicolon=semicolon)
        if isinstance(node, cst.BaseSmallStatement):
            return small
        return cst.SimpleStatementLine([small], leading_lines=_leading_lines(node))

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


def _parts(stmt: cst.CSTNode) -> tuple[list[cst.CSTNode] | None, list[list[cst.CSTNode]]]:
    """(header expressions, bodies) of a compound statement; (None, []) if not handled."""
    if isinstance(stmt, cst.If):
        headers: list[cst.CSTNode] = []
        blocks: list[list[cst.CSTNode]] = []
        node: cst.If | cst.Else | None = stmt
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


def _receiver(node: cst.CSTNode) -> cst.BaseExpression | None:
    """``obj`` in an expression statement ``obj.method(...)`` (a call that may mutate obj)."""
    if isinstance(node, cst.Expr) and isinstance(node.value, cst.Call) and \
            isinstance(node.value.func, cst.Attribute):
        return node.value.func.value
    return None


def _built_then_shown(node: cst.CSTNode) -> cst.Call | None:
    """``make()`` in an expression statement ``make().method()``: a receiver that is itself a call."""
    receiver = _receiver(node)
    return receiver if isinstance(receiver, cst.Call) else None


def _changed(receiver: cst.BaseExpression) -> str:
    """The name an ``obj.method(...)`` call changes: ``vocab``, or ``self.vocab`` in a class."""
    dotted = _dotted(receiver) or ""
    return ".".join(dotted.split(".")[:2]) if dotted.startswith("self.") else dotted.split(".")[0]


def _expression_statements(node: cst.CSTNode) -> list[cst.Expr]:
    """``node`` if it is an expression statement, else those inside it (not in nested defs)."""
    found: list[cst.Expr] = []

    class Visitor(cst.CSTVisitor):
        def visit_Expr(self, n: cst.Expr) -> None:
            found.append(n)

        def visit_FunctionDef(self, n: cst.FunctionDef) -> bool:
            return False

        def visit_ClassDef(self, n: cst.ClassDef) -> bool:
            return False

    node.visit(Visitor())
    return found


def _returns(node: cst.CSTNode) -> bool:
    """Whether ``node`` is or holds a return of the function it is in."""
    found: list[cst.Return] = []

    class Visitor(cst.CSTVisitor):
        def visit_Return(self, n: cst.Return) -> None:
            found.append(n)

        def visit_FunctionDef(self, n: cst.FunctionDef) -> bool:
            return False

        def visit_Lambda(self, n: cst.Lambda) -> bool:
            return False

    node.visit(Visitor())
    return bool(found)


def _contains(outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
    found: list[cst.CSTNode] = []

    class Visitor(cst.CSTVisitor):
        def on_visit(self, n: cst.CSTNode) -> bool:
            if n is inner:
                found.append(n)
            return not found

    outer.visit(Visitor())
    return bool(found)


def _acts_on_keras(node: cst.CSTNode, facts: StaticFacts) -> bool:
    """``model.compile(...)``, ``model.add(...)``: a method of a Keras object, called for what
    it does to it; its value (None) never stands in for it."""
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and \
        facts.kind(node.func.value) == KERAS


def _keeps_receiver(method: str) -> bool:
    """A method that runs, saves or shows an object, or sets it up for training: what the
    build leaves out of it does not change what it computes."""
    return method in policy.METHODS or method in policy.PREPARES


def _data_reason(names: list[str]) -> str:
    return "uses data the build leaves out (" + ", ".join(names) + ")"


class _Replace(cst.CSTTransformer):
    def __init__(self, repl: dict[cst.CSTNode, cst.CSTNode]):
        super().__init__()
        self.repl = repl

    # libcst types a replacement as a node of the same class; here an assignment becomes `pass`
    # or an expression statement, which libcst accepts (the program is printed, never re-checked).
    def on_leave(self, original_node: cst.CSTNode,  # type: ignore[override]
                 updated_node: cst.CSTNode) -> cst.CSTNode:
        return self.repl.get(original_node, updated_node)


def build_program(text: str, facts: StaticFacts | None, path: str, filename: str,
                  cuts: Iterable[Cut] = ()) -> BuildProgram:
    """The build-only program for one file (``facts`` from :func:`static_facts.collect`),
    leaving out ``cuts`` (what earlier builds of it stopped at) with what depends on them."""
    if facts is None:
        return BuildProgram(path, filename, "", error="the file could not be parsed")
    cuts = tuple(cuts)
    aliases = _Aliases()
    facts.module.visit(aliases)
    data_functions: set[str] = set()
    dead_functions: dict[str, str] = {}
    for _ in range(_MAX_ROUNDS):
        slicer = _Slicer(facts, aliases.map, data_functions, dead_functions, {c.node: c for c in cuts})
        slicer.rewrite_weights()
        slicer.run()
        if slicer.found_data_functions <= data_functions and \
                slicer.found_dead_functions.keys() <= dead_functions.keys():
            break
        data_functions |= slicer.found_data_functions
        dead_functions.update(slicer.found_dead_functions)
    try:
        new = facts.module.visit(_Replace(slicer.repl)).code
    except Exception as exc:   # an unexpected node shape: better no program than a wrong one
        return BuildProgram(path, filename, "", error=f"could not derive the build program ({exc!r})")
    if new.count("\n") != facts.module.code.count("\n"):
        return BuildProgram(path, filename, "",
                            error="could not derive the build program (line numbers moved)")
    uncalled = uncalled_builders(facts)
    epilogue = "".join(f"{u.name}()\n" for u in uncalled if u.buildable)
    return BuildProgram(path, filename, new, sorted(slicer.removed, key=lambda s: s.start),
                        sorted(slicer.needs_data, key=lambda s: s.start), slicer.substituted,
                        uncalled=uncalled, cuts=cuts, epilogue=epilogue,
                        feeds=sorted(slicer.feeds, key=lambda f: (f.row, f.end)), probes=facts.probes)
