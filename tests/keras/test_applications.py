"""Released model code: every model in keras.applications, built with its defaults, has the
static shapes Keras computes — layer by layer, matched by the names the code gives them —
and shapelint knows at least 90% of them exactly (issue 10).

The static side reads the installed keras package as a user's project would be read (the
builders take their input shape from the sibling module imagenet_utils); the real side
builds each model with TensorFlow (weights=None) in a subprocess.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

from shapelint.accounting.summary import Namer
from shapelint.checker import analyse
from shapelint.interp.values import ListValue
from shapelint.keras.values import Tensor
from shapelint.shapes import Shape, format_shape
from shapelint.source import SourceFile

APPLICATIONS = Path(__import__("keras").__file__).parent / "src" / "applications"


def exported_models(text: str) -> list[str]:
    """The model builders a module exports (@keras_export, capitalised)."""
    return [node.name for node in ast.parse(text).body
            if isinstance(node, ast.FunctionDef) and node.name[:1].isupper()
            and any("keras_export" in ast.unparse(d) for d in node.decorator_list)]


MODULES = {f.stem: exported_models(f.read_text()) for f in sorted(APPLICATIONS.glob("*.py"))
           if not f.name.startswith("_")}
MODELS = [(module, name) for module, names in MODULES.items() for name in names]


def _shapes(value: object) -> list[Shape]:
    if isinstance(value, Tensor):
        return [value.shape]
    items = value.items if isinstance(value, ListValue) else value if isinstance(value, tuple) else None
    return [t.shape for t in items or () if isinstance(t, Tensor)]


@lru_cache(maxsize=None)
def static_layers(module: str) -> dict[str, dict[str, list[str]]]:
    """model builder -> {layer name: output shapes}, from the analysis of the module alone
    (the builder's own run: the first call of it the analysis made). Layers the code does
    not name get Keras' default names (conv2d, conv2d_1, ... in construction order)."""
    path = APPLICATIONS / f"{module}.py"
    analysis = analyse(SourceFile(str(path), path.read_text()))
    out: dict[str, dict[str, list[str]]] = {}
    first_serial: dict[str, int] = {}
    namers: dict[str, Namer] = {}
    for layer in analysis.log.layers:
        top = next((c for c in layer.context if c.kind == "call"), None)
        builder = getattr(getattr(top.node, "name", None), "value", None) if top else None
        if builder not in MODULES[module] or first_serial.setdefault(builder, top.serial) != top.serial:
            continue
        name = namers.setdefault(builder, Namer())(layer, layer.spec.name)
        if layer.calls:
            out.setdefault(builder, {})[name] = [format_shape(s) for s in _shapes(layer.calls[0].output)]
    return out


BUILD = r"""
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras
out = {}
for name in sys.argv[1:]:
    keras.backend.clear_session()
    model = getattr(keras.applications, name)(weights=None)
    shapes = {}
    for layer in model.layers:
        value = layer.output
        items = value if isinstance(value, (list, tuple)) else [value]
        shapes[layer.name] = ["(" + ", ".join("None" if d is None else str(d) for d in t.shape)
                              + ("," if len(t.shape) == 1 else "") + ")" for t in items]
    out[name] = {"layers": shapes, "output": str(model.output_shape)}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def real():
    names = [name for _, name in MODELS]
    proc = subprocess.run([sys.executable, "-c", BUILD, *names], capture_output=True, text=True,
                          timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _grade(static: list[str] | None, keras: list[str]) -> str:
    if static is None:
        return "unmatched"
    if static == keras:
        return "known"
    if len(static) != len(keras) or any(s == "(unknown rank)" for s in static):
        return "unknown"
    for s, k in zip(static, keras):
        sd, kd = s.strip("()").split(", "), k.strip("()").split(", ")
        if len(sd) != len(kd) or any(a != b and a != "None" for a, b in zip(sd, kd)):
            return "disagree"
    return "partial"


def test_every_application_builds_statically_as_keras_builds_it(real):
    grades: dict[str, int] = {}
    disagreements = []
    for module, name in MODELS:
        ours = static_layers(module).get(name, {})
        for layer, shapes in real[name]["layers"].items():
            grade = _grade(ours.get(layer), shapes)
            grades[grade] = grades.get(grade, 0) + 1
            if grade == "disagree":
                disagreements.append(f"{name}.{layer}: shapelint {ours[layer]}, Keras {shapes}")
    assert not disagreements, "\n".join(disagreements[:20])
    matched = sum(v for k, v in grades.items() if k != "unmatched")
    assert matched and grades.get("known", 0) / matched >= 0.9, grades


@pytest.mark.parametrize("module", [m for m, names in MODULES.items() if names])
def test_applications_lint_clean(module):
    from shapelint.checker import check_file

    result = check_file(APPLICATIONS / f"{module}.py")
    assert result.diagnostics == () and result.notes == (), result
