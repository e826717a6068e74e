"""How the file itself spells a Keras name: ``layers.Reshape`` after ``from keras import
layers``, ``L.Reshape`` after ``import tensorflow.keras.layers as L``, ``Reshape`` after
``from keras.layers import Reshape``. A fix writes names the way the file already can, and
adds ``import keras`` only when nothing in the file reaches them.

``tensorflow.keras`` is Keras itself from TensorFlow 2.16 on (the only Keras that has the
``keras.ops`` a fix may name); a finding that needs Keras 3 is only made for code that
targets it."""
from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.metadata import CodeRange

from shapelint.fixes.code import dotted

_SAME = (("tensorflow.keras", "keras"), ("tensorflow.python.keras", "keras"))


def _canonical(name: str) -> str:
    for alias, canonical in _SAME:
        if name == alias or name.startswith(alias + "."):
            return canonical + name[len(alias):]
    return name


def bindings(module: cst.Module) -> dict[str, str]:
    """Local name -> the canonical dotted name it is bound to, for the module's top-level
    imports (the last binding of a name wins, as in Python)."""
    out: dict[str, str] = {}
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    full = dotted(alias.name)
                    if full is None:
                        continue
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        out[alias.asname.name.value] = _canonical(full)
                    else:
                        top = full.split(".")[0]
                        out[top] = _canonical(top)
            elif isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None \
                    and not isinstance(small.names, cst.ImportStar):
                base = dotted(small.module)
                for alias in small.names:
                    name = alias.name.value if isinstance(alias.name, cst.Name) else None
                    if base is None or name is None:
                        continue
                    local = alias.asname.name.value if alias.asname is not None and \
                        isinstance(alias.asname.name, cst.Name) else name
                    out[local] = _canonical(f"{base}.{name}")
    return out


def spell(module: cst.Module, target: str) -> str | None:
    """``target`` (canonical, e.g. ``keras.layers.Reshape``) as the file can write it with
    the names it imports; None when no import reaches it."""
    best: tuple[float, str] | None = None
    for local, bound in bindings(module).items():
        via_tf = bound == "tensorflow"          # tf.keras: the longest way round, so the last choice
        reach = "keras" if via_tf else bound
        prefix = f"{local}.keras" if via_tf else local
        if target == reach or target.startswith(reach + "."):
            candidate = prefix + target[len(reach):]
            rank = len(reach) - (0.5 if via_tf else 0)
            if best is None or rank > best[0]:
                best = (rank, candidate)
    return best[1] if best else None


def import_line(module: cst.Module, ranges: Mapping[cst.CSTNode, CodeRange]) -> int:
    """The line after which ``import keras`` may go: the last line of the last top-level
    import (0 when there is none)."""
    row = 0
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine) and any(
                isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body) and stmt in ranges:
            row = ranges[stmt].end.line
    return row
