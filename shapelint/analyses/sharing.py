"""SHP501: layers re-created on every call of a helper (or loop pass) meant to be shared.

Reads the interpreter's events. A *unit* is a user function or a loop; each call or pass
is a *copy*. A unit is reported when it builds layers in at least two copies that are
identical (same constructor calls, same arguments), applied to different but
independent inputs of the same shape, whose outputs are later merged. Sequential block
helpers (``x = block(x)``), different arguments per call, branches fed the very same
tensor (Inception), explicitly named layers, layers made in a loop but applied elsewhere (kept
per key in a dict or list), and per-feature preprocessing fitted to data are what users mean
to differ: silent.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from shapelint.accounting.params import layer_counts
from shapelint.accounting.summary import built_shape
from shapelint.interp.values import is_fully_known
from shapelint.keras.events import EventLog
from shapelint.keras.values import LayerInstance, ModelValue, Tensor
from shapelint.violations.weights import LayersRecreatedPerCall

MAX_ANCESTRY = 5000
# Layers whose state is fitted to one feature's data (``adapt()``, a vocabulary): a copy per
# feature is the point (a Normalization per numeric column), never a missed share.
FITTED_TO_DATA = frozenset({"Normalization", "StringLookup", "IntegerLookup",
                            "TextVectorization", "Discretization"})


@dataclass
class Copy:
    """One call of the helper (or one pass of the loop) and the layers it built."""

    serial: int
    call_node: Any
    layers: list[LayerInstance] = field(default_factory=list)


def _signature(layer: LayerInstance) -> tuple[object, ...] | None:
    """What must be equal for two layers to be copies of each other (None: unknown)."""
    items: list[tuple[str, object]] = []
    for key, value in sorted(layer.config._values.items()):
        if key == "name":
            continue
        if isinstance(value, LayerInstance):
            inner = _signature(value)
            if inner is None:
                return None
            items.append((key, inner))
        elif is_fully_known(value) and isinstance(value, (int, float, str, bool, tuple, type(None))):
            items.append((key, value))
        else:
            return None
    return (id(layer.node), layer.spec.name, tuple(items))


def _unit_of(group: list[LayerInstance]) -> int | None:
    """Index of the deepest context entry shared by node but not by serial across a group."""
    contexts = [layer.context for layer in group]
    depth = min(len(c) for c in contexts)
    unit = None
    for i in range(depth):
        nodes = {id(c[i].node) for c in contexts}
        if len(nodes) != 1:
            break
        if len({c[i].serial for c in contexts}) > 1:
            unit = i
    return unit


def _ancestor_producers(tensors: Iterable[Any]) -> set[int]:
    """ids of every producer upstream of ``tensors`` (bounded)."""
    out: set[int] = set()
    stack = list(tensors)
    seen: set[int] = set()
    while stack and len(seen) < MAX_ANCESTRY:
        t = stack.pop()
        if id(t) in seen or not isinstance(t, Tensor):
            continue
        seen.add(id(t))
        p = t.producer
        if p is None:
            continue
        out.add(id(p))
        stack.extend(_parents(p))
    return out


def _parents(p: Any) -> tuple[Any, ...]:
    """The tensors a producer computes from: its inputs, and for a call of a functional
    model (``create_base_network(shape)(input_a)``) the model's own outputs too, so that
    the layers a helper built inside the model count as that branch's."""
    model = p.layer_obj
    if isinstance(model, ModelValue) and model.kind == "functional":
        return tuple(p.inputs) + tuple(_outputs(model.outputs))
    return tuple(p.inputs)


def find_recreated_layers(log: EventLog, where: Any) -> list[tuple[LayersRecreatedPerCall, Any]]:
    """Each finding, with the node to report it at (the helper's name, or the loop)."""
    groups: dict[int, list[LayerInstance]] = defaultdict(list)
    seen: set[int] = set()
    for call in log.layer_calls:
        layer = call.layer
        if isinstance(layer, LayerInstance) and id(layer) not in seen and layer.node is not None:
            seen.add(id(layer))
            groups[id(layer.node)].append(layer)

    units: dict[tuple[int, int], tuple[Any, dict[int, Copy]]] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        index = _unit_of(group)
        if index is None:
            continue
        for layer in group:
            frame = layer.context[index]
            node, serial, call_node = frame.node, frame.serial, frame.call_node
            _, copies = units.setdefault((index, id(node)), (node, {}))
            copies.setdefault(serial, Copy(serial, call_node)).layers.append(layer)

    findings: list[tuple[LayersRecreatedPerCall, Any]] = []
    for node, copies in units.values():
        finding = _check_unit(log, where, node, list(copies.values()))
        if finding is not None:
            findings.append(finding)
    return findings


def _check_unit(log: EventLog, where: Any, node: Any,
                copies: list[Copy]) -> tuple[LayersRecreatedPerCall, Any] | None:
    if len(copies) < 2:
        return None
    signatures = []
    for copy in copies:
        sig = tuple(_signature(layer) for layer in copy.layers)
        if any(s is None for s in sig):
            return None
        signatures.append(sig)
    if len(set(signatures)) != 1:
        return None                       # different arguments per call: meant to differ
    names = [tuple(layer.config._values.get("name") for layer in c.layers) for c in copies]
    if any(any(n is not None for n in ns) for ns in names):
        return None                       # explicitly named layers: meant to differ
    if any(_kept_per_key(copy) for copy in copies):
        return None                       # made here, applied elsewhere: one layer per key
    first = copies[0].layers
    if not any(layer.spec.has_weights for layer in first) or any(
            layer.spec.name in FITTED_TO_DATA for layer in first):
        return None                       # nothing to share, or per-feature state (adapt)

    # Per copy: which producers are its own, and which tensors it was fed from outside.
    own: list[set[int]] = []
    external: list[list[Tensor]] = []
    for copy in copies:
        mine = {id(t.producer) for layer in copy.layers for call in layer.calls
                for t in _outputs(call.output)}
        own.append(mine)
        feeds = [t for layer in copy.layers for call in layer.calls for t in call.inputs
                 if t.producer is None or id(t.producer) not in mine]
        external.append(feeds)
    if any(not feeds for feeds in external):
        return None
    # Cheap tests first: a long ResNet-style chain of N blocks must not cost N full
    # ancestry walks.
    owner = {p: i for i, mine in enumerate(own) for p in mine if p != id(None)}
    if any(t.producer is not None and owner.get(id(t.producer), i) != i
           for i, feeds in enumerate(external) for t in feeds):
        return None                       # one copy feeds the next: blocks applied in sequence
    feed_ids = [frozenset(id(t) for t in feeds) for feeds in external]
    if len(set(feed_ids)) != len(feed_ids):
        return None                       # the very same input: parallel branches (Inception)
    shapes = {tuple(t.shape for t in feeds) for feeds in external}
    if len(shapes) != 1:
        return None                       # different input shapes: meant to differ
    ancestry = [_ancestor_producers(feeds) for feeds in external]
    for i in range(len(copies)):
        for j in range(len(copies)):
            if i != j and own[j] & ancestry[i]:
                return None               # one copy feeds another through other layers

    merge = _merge_site(log, copies, own)
    if merge is None:
        return None
    per_copy = _params(copies[0])
    helper = isinstance(node, cst.FunctionDef)
    violation = LayersRecreatedPerCall(
        unit=node.name.value if helper else None,
        copies=len(copies),
        call_rows=tuple(sorted({where(c.call_node)[0][0] for c in copies if c.call_node is not None})),
        layers=tuple(layer.spec.name for layer in copies[0].layers),
        per_copy=per_copy,
        merge_row=where(merge[0])[0][0],
        merge_layer=merge[1],
        ctor_rows=tuple(sorted({where(layer.node)[0][0] for layer in copies[0].layers})),
        returns_model=helper and any(t.producer is not None and id(t.producer) in own[0]
                                     for model in log.models for t in _outputs(model.outputs)),
    )
    return violation, node.name if helper else node


def _kept_per_key(copy: Copy) -> bool:
    """Whether a layer of this copy is called outside the call or pass that made it: made in
    a loop and kept in a dict or list (``self.proj[name] = Dense(units)``), then applied
    per feature elsewhere, as variable-selection networks do on purpose."""
    for layer in copy.layers:
        for call in layer.calls:
            if not any(frame.serial == copy.serial for frame in call.context):
                return True
    return False


def _outputs(value: Any) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value]
    items = getattr(value, "items", None)
    return [t for t in (items or []) if isinstance(t, Tensor)]


def _merge_site(log: EventLog, copies: list[Copy], own: list[set[int]]) -> tuple[Any, str] | None:
    """(node, what merges) of the first layer call outside the copies whose inputs descend
    from two or more copies; failing that, the first op that combines them (``ops.abs(a -
    b)``, ``ops.norm(...)``) on the way to a model's outputs or a later layer call."""
    all_own = set().union(*own)
    for call in log.layer_calls:
        produced = {id(t.producer) for t in _outputs(call.output)}
        if produced & all_own:
            continue
        ancestry = _ancestor_producers(call.inputs)
        if sum(1 for mine in own if mine & ancestry) >= 2:
            return call.node, call.layer.spec.name if isinstance(call.layer, LayerInstance) else "a merge"
    return _merging_op(log, own, all_own)


def _merging_op(log: EventLog, own: list[set[int]], all_own: set[int]) -> tuple[Any, str] | None:
    """The earliest producer (not a layer call of a copy) with inputs from two copies."""
    ends = [t for model in log.models for t in _outputs(model.outputs)]
    ends += [t for call in log.layer_calls for t in call.inputs]
    reach: dict[int, frozenset[int]] = {}        # producer id -> the copies it descends from
    producers: dict[int, Any] = {}
    stack = [t.producer for t in ends if isinstance(t, Tensor) and t.producer is not None]
    while stack and len(producers) < MAX_ANCESTRY:
        p = stack[-1]
        if id(p) in reach:
            stack.pop()
            continue
        producers[id(p)] = p
        parents = _parents(p)
        pending = [t.producer for t in parents
                   if t.producer is not None and id(t.producer) not in reach]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        mine = frozenset(i for i, ids in enumerate(own) if id(p) in ids)
        reach[id(p)] = mine.union(*(reach.get(id(t.producer), frozenset()) for t in parents
                                    if t.producer is not None))
    merging = [p for p in producers.values() if id(p) not in all_own and id(p) in reach
               and len(set().union(*(reach.get(id(t.producer), frozenset()) for t in _parents(p)
                                     if t.producer is not None))) >= 2]
    if not merging:
        return None
    first = min(merging, key=lambda p: p.serial)
    return first.node, first.layer


def _params(copy: Copy) -> int | None:
    total = 0
    for layer in copy.layers:
        counts = layer_counts(layer, built_shape(layer))
        if counts is None:
            return None
        total += sum(counts)
    return total
