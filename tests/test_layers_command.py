"""`shapelint layers`: the list of modeled layers, complete against keras.layers.

No TensorFlow here (format, consistency of the table, exclusions):
tests/keras/test_layer_coverage.py compares the list with the classes Keras 3 exports.
"""
from __future__ import annotations

import json
import re

from click.testing import CliRunner

from shapelint.cli import main
from shapelint.layers.exclusions import EXCLUDED
from shapelint.layers.table import LAYERS
from shapelint.resolution import ALIASES


def run(*args):
    result = CliRunner().invoke(main, ["layers", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_text_lists_every_layer_with_ranks_and_family():
    out = run()
    lines = out.splitlines()
    assert lines[0].split() == ["layer", "ranks", "family", "output"]
    rows = {line.split()[0]: line.split() for line in lines[1:1 + len(LAYERS)]}
    assert set(rows) == set(LAYERS)
    assert rows["Conv2D"][1:3] == ["4", "conv2d"]
    assert rows["Dense"][1] == ">=2"
    assert rows["CenterCrop"][1] == "3|4"
    assert rows["Add"][1] == "any"
    assert rows["LSTMCell"][3] == "unknown"
    assert "(also MaxPool2D)" in next(line for line in lines if line.startswith("MaxPooling2D "))
    assert f"{len(LAYERS)} modeled layers; not modeled ({len(EXCLUDED)}):" in out
    for name in EXCLUDED:
        assert re.search(rf"^  {name}: \S", out, re.M)


def test_json_format():
    data = json.loads(run("--format", "json"))
    assert [r["name"] for r in data["layers"]] == sorted(LAYERS)
    for row in data["layers"]:
        assert set(row) == {"name", "ranks", "family", "module", "inputs", "call_arguments",
                            "output", "aliases", "functional"}
        assert re.fullmatch(r"any|>=\d|\d(\|\d)*", row["ranks"]), row
        assert row["output"] in ("computed", "unknown")
    mha = next(r for r in data["layers"] if r["name"] == "MultiHeadAttention")
    assert {"value", "key", "return_attention_scores"} <= set(mha["call_arguments"])
    assert next(r for r in data["layers"] if r["name"] == "Concatenate")["functional"] == "concatenate"
    assert {e["name"] for e in data["excluded"]} == set(EXCLUDED)


def test_exclusions_are_documented_and_disjoint_from_the_table():
    assert not set(EXCLUDED) & set(LAYERS)
    assert not set(EXCLUDED) & set(ALIASES)
    assert all(len(reason) > 20 for reason in EXCLUDED.values())
    # aliases point at modeled layers and are not modeled twice
    assert all(target in LAYERS for target in ALIASES.values())
    assert not set(ALIASES) & set(LAYERS)


def test_specs_are_consistent():
    for name, spec in LAYERS.items():
        assert spec.name == name
        assert spec.infer is not None, name
        assert spec.takes in ("one", "list"), name
        assert all(p.isidentifier() for p in spec.params + spec.call_params), name


def test_ops_are_listed_too():
    """`shapelint layers` also lists every modeled op, operator and tensor attribute."""
    from shapelint.ops.spec import display_name
    from shapelint.ops.table import OPS

    out = run()
    listed = re.findall(r"^(\S+)\s+\w+\s+(?:tensor|tensors|value)\b", out, re.M)
    assert sorted(listed) == sorted(display_name(n) for n in OPS)
    assert f"{len(OPS)} modeled ops; operators: " in out and "x @ y" in out and "x.shape" in out
    data = json.loads(run("--format", "json"))
    assert {r["canonical"] for r in data["ops"]} == set(OPS)
    arange = next(r for r in data["ops"] if r["canonical"] == "keras.ops.arange")
    assert arange["name"] == "keras.ops.arange" and arange["family"] == "creation"
    assert arange["parameters"][:3] == ["start", "stop", "step"]
    assert "x + y" in data["operators"] and "x.ndim" in data["tensor_attributes"]
