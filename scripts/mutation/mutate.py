"""Mutation operators: single shape-relevant edits of Keras model code, found with libcst.

Each operator proposes sites (one edit each) in a module; sampling is seeded and stratified
by operator, so a run is reproducible and every operator gets its share of mutants.
Argument edits are driven by one table of layer signatures (which positional slot holds
which argument) and one table of value edits per operator; structural edits (a merge's
inputs, a shared layer made per-branch, Dense -> Conv2D, dropping a Flatten) have their
own finders.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

_CONV = ("filters", "kernel_size", "strides", "padding")
_DEPTHWISE = ("kernel_size", "strides", "padding")
_POOL = ("pool_size", "strides", "padding")

# Layer (or function) name -> its positional parameters, as Keras 3 declares them.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "Dense": ("units",),
    **{f"{kind}{d}D": _CONV for kind in ("Conv", "SeparableConv") for d in (1, 2, 3)},
    **{f"Conv{d}DTranspose": _CONV for d in (1, 2, 3)},
    "Convolution2D": _CONV,
    **{f"DepthwiseConv{d}D": _DEPTHWISE for d in (1, 2)},
    **{
        f"{kind}{d}D": _POOL
        for kind in ("MaxPooling", "AveragePooling", "MaxPool", "AvgPool")
        for d in (1, 2, 3)
    },
    "LSTM": ("units",),
    "GRU": ("units",),
    "SimpleRNN": ("units",),
    "ConvLSTM2D": _CONV,
    "ConvLSTM1D": _CONV,
    "Embedding": ("input_dim", "output_dim"),
    "MultiHeadAttention": ("num_heads", "key_dim"),
    "Concatenate": ("axis",),
    "concatenate": ("inputs", "axis"),
    "Reshape": ("target_shape",),
    "reshape": ("x", "newshape"),
    "Input": ("shape", "batch_size", "name", "dtype", "sparse", "batch_shape"),
    "InputLayer": ("shape", "batch_size", "dtype", "sparse", "batch_shape"),
}
RECURRENT = {"LSTM", "GRU", "SimpleRNN", "ConvLSTM1D", "ConvLSTM2D"}
MERGE_LAYERS = {"Add", "Concatenate", "Multiply", "Subtract", "Average", "Maximum", "Minimum"}
MERGE_FUNCTIONS = {"add", "concatenate", "multiply", "subtract", "average", "maximum", "minimum"}
DROPPABLE = {
    "Flatten",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GlobalAvgPool2D",
    "GlobalMaxPool2D",
}


@dataclass(frozen=True)
class Mutant:
    """One edit of one file: where, which operator, and the text before and after."""

    operator: str
    line: int  # 1-based line of the edited node
    end_line: int
    stmt_lines: tuple[int, int]  # the enclosing statement (used to match build coverage)
    before: str  # the edited node's code
    after: str
    source: str  # the whole mutated file


Edit = tuple[str, cst.CSTNode, cst.CSTNode]  # operator, original node, replacement


def callee_name(call: cst.Call) -> str | None:
    f = call.func
    if isinstance(f, cst.Name):
        return f.value
    if isinstance(f, cst.Attribute):
        return f.attr.value
    return None


def int_value(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.value, 0)
    if (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, cst.Integer)
    ):
        return -int(node.expression.value, 0)
    return None


def int_node(n: int) -> cst.BaseExpression:
    return cst.parse_expression(str(n))


def map_ints(node: cst.BaseExpression, fn: Callable[[int], int]) -> cst.BaseExpression | None:
    """Apply fn to an int literal, or to every element of a tuple/list of int literals."""
    n = int_value(node)
    if n is not None:
        return int_node(fn(n))
    if isinstance(node, (cst.Tuple, cst.List)) and node.elements:
        values = [int_value(e.value) for e in node.elements]
        if any(v is None for v in values):
            return None
        return node.with_changes(
            elements=[e.with_changes(value=int_node(fn(v))) for e, v in zip(node.elements, values)]
        )
    return None


def grow_size(node: cst.BaseExpression, rng: random.Random) -> cst.BaseExpression | None:
    """units/filters: a literal n -> n+1 or 2n; any other int expression e -> e + 1 or e * 2."""
    double = rng.random() < 0.5
    n = int_value(node)
    if n is not None:
        return int_node(n * 2 if double else n + 1) if n > 0 else None
    if isinstance(node, (cst.Name, cst.Attribute, cst.Subscript, cst.Call, cst.BinaryOperation)):
        code = cst.Module([]).code_for_node(node)
        if isinstance(node, cst.BinaryOperation):
            code = f"({code})"
        return cst.parse_expression(f"{code} * 2" if double else f"{code} + 1")
    return None


def flip_strides(node: cst.BaseExpression, rng: random.Random) -> cst.BaseExpression | None:
    return map_ints(node, lambda s: 2 if s == 1 else 1)


def toggle_padding(node: cst.BaseExpression, rng: random.Random) -> cst.BaseExpression | None:
    if isinstance(node, cst.SimpleString):
        text = node.evaluated_value.lower() if isinstance(node.evaluated_value, str) else ""
        other = {"same": "valid", "valid": "same"}.get(text)
        if other:
            q = node.prefix + node.quote
            return cst.SimpleString(f"{q}{other}{node.quote}")
    return None


def move_axis(node: cst.BaseExpression, rng: random.Random) -> cst.BaseExpression | None:
    """-1 (or the channel axis 3) -> 1; 1 -> -1; an axis variable -> 1."""
    n = int_value(node)
    if n is not None:
        return int_node(-1 if n == 1 else 1)
    return int_node(1)


def bump_ints(node: cst.BaseExpression, rng: random.Random) -> cst.BaseExpression | None:
    return map_ints(node, lambda k: k + 1)


def edit_one_element(node: cst.BaseExpression, rng: random.Random) -> cst.BaseExpression | None:
    """Reshape targets: one element of the tuple grows (a literal by 1, a name doubles)."""
    if not isinstance(node, (cst.Tuple, cst.List)):
        return None
    options = [
        i
        for i, e in enumerate(node.elements)
        if int_value(e.value) != -1 and not (isinstance(e.value, cst.Name) and e.value.value == "None")
    ]
    if not options:
        return None
    i = rng.choice(options)
    el = node.elements[i]
    n = int_value(el.value)
    new = int_node(n + 1) if n is not None else grow_size(el.value, random.Random(1))
    if new is None:
        return None
    elements = list(node.elements)
    elements[i] = el.with_changes(value=new)
    return node.with_changes(elements=elements)


def edit_input_shape(node: cst.BaseExpression, rng: random.Random) -> cst.BaseExpression | None:
    """An input shape literal loses its last axis, or its first known size grows by 1."""
    if not isinstance(node, (cst.Tuple, cst.List)) or not node.elements:
        return None
    sizes = [i for i, e in enumerate(node.elements) if int_value(e.value) is not None]
    if len(node.elements) >= 2 and (rng.random() < 0.5 or not sizes):
        elements = list(node.elements[:-1])
        if len(elements) == 1 and isinstance(node, cst.Tuple):
            elements[0] = elements[0].with_changes(comma=cst.Comma())
        else:
            elements[-1] = elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return node.with_changes(elements=elements)
    if not sizes:
        return None
    el = node.elements[sizes[0]]
    elements = list(node.elements)
    elements[sizes[0]] = el.with_changes(value=int_node(int_value(el.value) + 1))
    return node.with_changes(elements=elements)


def halve_size(node: cst.BaseExpression, rng: random.Random) -> cst.BaseExpression | None:
    n = int_value(node)
    return int_node(n // 2) if n is not None and n > 1 else None


ValueEdit = Callable[[cst.BaseExpression, random.Random], cst.BaseExpression | None]

# operator -> (arguments it edits, how it edits their value)
ARGUMENT_OPERATORS: dict[str, tuple[frozenset[str], ValueEdit]] = {
    "units": (frozenset({"units", "output_dim", "key_dim"}), grow_size),
    "filters": (frozenset({"filters"}), grow_size),
    "kernel_size": (frozenset({"kernel_size"}), bump_ints),
    "pool_size": (frozenset({"pool_size"}), bump_ints),
    "strides": (frozenset({"strides"}), flip_strides),
    "padding": (frozenset({"padding"}), toggle_padding),
    "axis": (frozenset({"axis"}), move_axis),
    "reshape_target": (frozenset({"target_shape", "newshape"}), edit_one_element),
    "input_shape": (frozenset({"shape", "batch_shape", "input_shape"}), edit_input_shape),
}
# Keyword arguments edited wherever they appear (input sizes of application builders).
ANY_CALL_KEYWORDS: dict[str, tuple[str, ValueEdit]] = {"default_size": ("input_shape", halve_size)}

STRUCTURAL_OPERATORS = (
    "return_sequences",
    "merge_inputs",
    "share_per_branch",
    "dense_to_conv",
    "drop_flatten",
)
OPERATORS = tuple(ARGUMENT_OPERATORS) + STRUCTURAL_OPERATORS


def bound_arguments(call: cst.Call) -> dict[str, cst.Arg]:
    """The call's arguments by parameter name, for callees in SIGNATURES."""
    params = SIGNATURES.get(callee_name(call) or "", ())
    out: dict[str, cst.Arg] = {}
    for i, arg in enumerate(a for a in call.args if a.keyword is None and not a.star):
        if i < len(params):
            out[params[i]] = arg
    for arg in call.args:
        if arg.keyword is not None:
            out[arg.keyword.value] = arg
    return out


def with_keyword(call: cst.Call, name: str, value: str) -> cst.Call:
    arg = cst.Arg(
        keyword=cst.Name(name),
        value=cst.parse_expression(value),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    args = list(call.args)
    if args and args[-1].comma is cst.MaybeSentinel.DEFAULT:
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(args=[*args, arg])


# Arguments some operators edit only on these callees (elsewhere the name means another thing).
ONLY_ON: dict[str, frozenset[str]] = {
    "axis": frozenset({"Concatenate", "concatenate"}),
    "shape": frozenset({"Input", "InputLayer"}),
    "batch_shape": frozenset({"Input", "InputLayer"}),
    "newshape": frozenset({"reshape"}),
}


def argument_edits(call: cst.Call, rng: random.Random) -> Iterable[Edit]:
    name = callee_name(call) or ""
    bound = bound_arguments(call)
    for operator, (params, edit) in ARGUMENT_OPERATORS.items():
        for param in sorted(params & bound.keys()):
            if param in ONLY_ON and name not in ONLY_ON[param]:
                continue
            arg = bound[param]
            new = edit(arg.value, rng)
            if new is not None:
                yield operator, arg.value, new
    for keyword, (operator, edit) in ANY_CALL_KEYWORDS.items():
        if keyword in bound:
            new = edit(bound[keyword].value, rng)
            if new is not None:
                yield operator, bound[keyword].value, new
    if name == "Concatenate" and "axis" not in bound:
        yield "axis", call, with_keyword(call, "axis", "1")
    if name in RECURRENT:
        rs = bound.get("return_sequences")
        if rs is None:
            yield "return_sequences", call, with_keyword(call, "return_sequences", "True")
        elif isinstance(rs.value, cst.Name) and rs.value.value in ("True", "False"):
            flipped = cst.Name("False" if rs.value.value == "True" else "True")
            yield "return_sequences", rs.value, flipped


class _Finder(cst.CSTVisitor):
    """Collects candidate edits, with the statement and function each lies in."""

    METADATA_DEPENDENCIES = (PositionProvider, ParentNodeProvider)

    def __init__(self, rng: random.Random, module_names: set[str]):
        self.rng = rng
        self.module_names = module_names
        self.edits: list[tuple[Edit, cst.CSTNode]] = []  # (edit, enclosing statement)
        self.functions: list[cst.FunctionDef] = []
        self.tensors: dict[int, dict[str, int]] = {}  # function -> tensor name -> first line

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node)
        self._function_edits(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.pop()

    def statement_of(self, node: cst.CSTNode) -> cst.CSTNode:
        current = node
        while True:
            parent = self.get_metadata(ParentNodeProvider, current, None)
            if parent is None or isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return current
            current = parent

    def line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def visit_Call(self, node: cst.Call) -> None:
        for edit in argument_edits(node, self.rng):
            self.edits.append((edit, self.statement_of(node)))
        inner = node.func
        if isinstance(inner, cst.Call):  # Layer(...)(x)
            layer = callee_name(inner)
            if layer in DROPPABLE and len(node.args) == 1 and node.args[0].keyword is None:
                self.edits.append((("drop_flatten", node, node.args[0].value), self.statement_of(node)))
            if layer == "Dense" and self._can_name("Conv2D", inner.func):
                self.edits.append((("dense_to_conv", inner, dense_as_conv(inner)), self.statement_of(node)))
        merged = self._merge_list(node)
        if merged is not None:
            self._merge_edits(merged, node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not self.functions or not isinstance(node.operator, (cst.Add, cst.Multiply, cst.Subtract)):
            return
        tensors = self.tensors.get(id(self.functions[-1]), {})
        if all(isinstance(side, cst.Name) and side.value in tensors for side in (node.left, node.right)):
            self._replace_operand(node, [("left", node.left), ("right", node.right)])

    def _can_name(self, cls: str, func: cst.BaseExpression) -> bool:
        return isinstance(func, cst.Attribute) or cls in self.module_names

    @staticmethod
    def _merge_list(node: cst.Call) -> cst.List | None:
        """The list literal a merge layer or merge function is applied to, if any."""
        is_layer = isinstance(node.func, cst.Call) and callee_name(node.func) in MERGE_LAYERS
        if not is_layer and callee_name(node) not in MERGE_FUNCTIONS:
            return None
        if (
            node.args
            and isinstance(node.args[0].value, (cst.List, cst.Tuple))
            and node.args[0].keyword is None
        ):
            lst = node.args[0].value
            if len(lst.elements) >= 2:
                return lst
        return None

    def _merge_edits(self, lst, call: cst.Call) -> None:
        operands = [(i, e.value) for i, e in enumerate(lst.elements) if isinstance(e.value, cst.Name)]
        if not operands or not self.functions:
            return
        i, _ = self.rng.choice(operands)
        present = {e.value.value for e in lst.elements if isinstance(e.value, cst.Name)}
        other = self._other_tensor(present, self.line(call))
        if other is None:
            return
        elements = list(lst.elements)
        elements[i] = elements[i].with_changes(value=cst.Name(other))
        self.edits.append(
            (("merge_inputs", lst, lst.with_changes(elements=elements)), self.statement_of(call))
        )

    def _replace_operand(self, node: cst.BinaryOperation, operands) -> None:
        if not self.functions:
            return
        side, _ = self.rng.choice(operands)
        other = self._other_tensor({node.left.value, node.right.value}, self.line(node))
        if other is not None:
            self.edits.append(
                (
                    ("merge_inputs", node, node.with_changes(**{side: cst.Name(other)})),
                    self.statement_of(node),
                )
            )

    def _other_tensor(self, exclude: set[str], line: int) -> str | None:
        defined = self.tensors.get(id(self.functions[-1]), {})
        choices = sorted(n for n, first in defined.items() if first < line and n not in exclude)
        return self.rng.choice(choices) if choices else None

    # -- per-function facts: which names hold tensors, and which layers are shared --

    def _function_edits(self, fn: cst.FunctionDef) -> None:
        facts = _FunctionFacts(self)
        fn.body.visit(facts)
        params = {p.name.value for p in fn.params.params + fn.params.kwonly_params}
        first_line = self.line(fn)
        tensors = {n: line for n, line in facts.assigned.items() if n in facts.tensor_names}
        for p in params & facts.tensor_names:
            tensors[p] = first_line
        self.tensors[id(fn)] = tensors
        for ctor, calls in facts.layer_objects.values():
            if len(calls) >= 2:
                call = self.rng.choice(calls[1:])
                self.edits.append(
                    (("share_per_branch", call, call.with_changes(func=ctor)), self.statement_of(call))
                )


class _FunctionFacts(cst.CSTVisitor):
    """Names assigned in a function (first line), names that hold tensors, and layer objects
    made once (``d = Dense(8)``) and called on tensors more than once."""

    def __init__(self, finder: _Finder):
        self.finder = finder
        self.assigned: dict[str, int] = {}
        self.tensor_names: set[str] = set()
        self.layer_objects: dict[str, tuple[cst.Call, list[cst.Call]]] = {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # nested functions have their own scope

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            if isinstance(t.target, cst.Name):
                self.assigned.setdefault(t.target.value, self.finder.line(node))
                value = node.value
                if (isinstance(value, cst.Call) and isinstance(value.func, cst.Call)) or (
                    isinstance(value, cst.Call) and (callee_name(value) in MERGE_FUNCTIONS)
                ):
                    self.tensor_names.add(t.target.value)
                elif (
                    isinstance(value, cst.Call)
                    and (callee_name(value) or "")[:1].isupper()
                    and (
                        callee_name(value) in SIGNATURES
                        or (callee_name(value) or "").endswith(
                            ("Conv2D", "Normalization", "Dense", "Pooling2D", "Attention")
                        )
                    )
                ):
                    self.layer_objects[t.target.value] = (value, [])

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Call):
            for a in node.args:
                if isinstance(a.value, cst.Name):
                    self.tensor_names.add(a.value.value)
        if isinstance(node.func, cst.Name) and node.func.value in self.layer_objects:
            self.layer_objects[node.func.value][1].append(node)
        if _Finder._merge_list(node) is not None:
            for e in _Finder._merge_list(node).elements:
                if isinstance(e.value, cst.Name):
                    self.tensor_names.add(e.value.value)


def dense_as_conv(ctor: cst.Call) -> cst.Call:
    """Dense(u, ...) -> Conv2D(u, 1, ...): the same units as a 1x1 convolution."""
    func = ctor.func
    new_func = (
        func.with_changes(attr=cst.Name("Conv2D")) if isinstance(func, cst.Attribute) else cst.Name("Conv2D")
    )
    args = list(ctor.args)
    positional = [i for i, a in enumerate(args) if a.keyword is None and not a.star]
    if positional:
        i = positional[0]
        one = cst.Arg(value=cst.Integer("1"), comma=args[i].comma)
        if args[i].comma is cst.MaybeSentinel.DEFAULT:
            args[i] = args[i].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.insert(i + 1, one)
        return ctor.with_changes(func=new_func, args=args)
    return with_keyword(ctor.with_changes(func=new_func), "kernel_size", "1")


class _Replace(cst.CSTTransformer):
    def __init__(self, target: cst.CSTNode, replacement: cst.CSTNode):
        self.target = target
        self.replacement = replacement

    def on_leave(self, original_node, updated_node):
        return self.replacement if original_node is self.target else updated_node


def imported_names(module: cst.Module) -> set[str]:
    names = set()
    for node in module.body:
        for stmt in node.body if isinstance(node, cst.SimpleStatementLine) else ():
            if isinstance(stmt, cst.ImportFrom) and not isinstance(stmt.names, cst.ImportStar):
                names.update(
                    (a.asname.name.value if a.asname else a.name.value)
                    for a in stmt.names
                    if isinstance(a.name, cst.Name) or a.asname
                )
    return names


@dataclass(frozen=True)
class _Candidate:
    mutant: Mutant  # without its source yet: rendering a whole file costs
    node: cst.CSTNode
    new: cst.CSTNode


def _candidates(source: str, seed: int, covered: set[int] | None) -> tuple[cst.Module, list[_Candidate]]:
    wrapper = MetadataWrapper(cst.parse_module(source))
    finder = _Finder(random.Random(seed), imported_names(wrapper.module))
    wrapper.visit(finder)
    positions = wrapper.resolve(PositionProvider)
    code = wrapper.module.code_for_node
    out = []
    seen = set()
    for (operator, node, new), stmt in finder.edits:
        start, end = positions[stmt].start.line, positions[stmt].end.line
        if covered is not None and not covered.intersection(range(start, end + 1)):
            continue
        before, after = code(node), code(new)
        key = (operator, positions[node].start.line, positions[node].start.column, after)
        if before == after or key in seen:
            continue
        seen.add(key)
        m = Mutant(
            operator, positions[node].start.line, positions[node].end.line, (start, end), before, after, ""
        )
        out.append(_Candidate(m, node, new))
    return wrapper.module, out


def count_sites(source: str, covered: set[int] | None = None) -> dict[str, int]:
    """How many candidate edits each operator has in the source."""
    counts: dict[str, int] = {}
    for c in _candidates(source, 0, covered)[1]:
        counts[c.mutant.operator] = counts.get(c.mutant.operator, 0) + 1
    return counts


def find_mutants(
    source: str,
    seed: int = 0,
    covered: set[int] | None = None,
    limit: int | None = None,
    operators: set[str] | None = None,
) -> list[Mutant]:
    """Single-edit mutants of the source, on statements with a covered line if ``covered`` is
    given; ``limit`` samples that many, round-robin over operators in a seeded order."""
    module, candidates = _candidates(source, seed, covered)
    if operators:
        candidates = [c for c in candidates if c.mutant.operator in operators]
    if limit is not None:
        candidates = sample(candidates, limit, seed)
    return [replace(c.mutant, source=module.visit(_Replace(c.node, c.new)).code) for c in candidates]


def sample(candidates: list, n: int, seed: int) -> list:
    """Up to n candidates, taken round-robin over operators in a seeded order."""
    rng = random.Random(seed)
    by_op: dict[str, list] = {}
    for c in candidates:
        by_op.setdefault(c.mutant.operator, []).append(c)
    for group in by_op.values():
        rng.shuffle(group)
    order = sorted(by_op)
    rng.shuffle(order)
    out: list = []
    while len(out) < n and any(by_op.values()):
        for op in order:
            if by_op[op] and len(out) < n:
                out.append(by_op[op].pop())
    return sorted(out, key=lambda c: (c.mutant.line, c.mutant.operator))
