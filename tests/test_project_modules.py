"""Imports of the project's own modules are followed: builders, blocks and constants from
sibling files are used with their real semantics, and a finding that happens inside another
module is reported at the call in the checked file."""
from __future__ import annotations

import textwrap
from pathlib import Path

from click.testing import CliRunner

from shapelint.checker import check_file
from shapelint.cli import main

BLOCKS = """
    from keras import layers


    def conv_block(x, filters):
        x = layers.Conv2D(filters, 3, padding="same")(x)
        return layers.MaxPooling2D()(x)
"""
TRAIN = """
    import keras
    from keras import layers
    {imports}

    inputs = keras.Input(shape={shape})
    x = conv_block(inputs, 32)
    model = keras.Model(inputs, layers.Flatten()(x))
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())


def codes(path: Path) -> list[tuple[int, str]]:
    return [(d.location.row, d.code) for d in check_file(path).diagnostics]


def test_a_block_from_a_package_module_is_followed(tmp_path):
    write(tmp_path, {"pkg/__init__.py": "", "pkg/blocks.py": BLOCKS,
                     "train.py": textwrap.dedent(TRAIN).format(imports="from pkg.blocks import conv_block", shape="(28, 28)")})
    result = check_file(tmp_path / "train.py")
    [d] = result.diagnostics
    assert (d.location.row, d.code) == (6, "SHP201")
    assert d.message == ("Conv2D expects a 4-D input (batch, rows, cols, channels), but got 3-D "
                         "(None, 28, 28).")
    assert d.notes == ("raised in conv_block() (blocks.py:5), called here",)


def test_relative_imports_and_sibling_files_resolve(tmp_path):
    write(tmp_path, {"app/__init__.py": "", "app/blocks.py": BLOCKS,
                     "app/train.py": textwrap.dedent(TRAIN).format(imports="from .blocks import conv_block", shape="(28, 28)"),
                     "script/blocks.py": BLOCKS,
                     "script/train.py": textwrap.dedent(TRAIN).format(imports="from blocks import conv_block", shape="(28, 28)")})
    assert codes(tmp_path / "app" / "train.py") == [(6, "SHP201")]
    assert codes(tmp_path / "script" / "train.py") == [(6, "SHP201")]


def test_constants_and_star_imports_from_a_config_module(tmp_path):
    write(tmp_path, {"cfg.py": "SHAPE = (28, 28)\n__all__ = ['SHAPE']\n", "blocks.py": BLOCKS,
                     "train.py": textwrap.dedent(TRAIN).format(imports="from blocks import *\nfrom cfg import *", shape="SHAPE")})
    assert codes(tmp_path / "train.py") == [(7, "SHP201")]


def test_traces_name_the_other_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"blocks.py": BLOCKS, "train.py": textwrap.dedent(TRAIN).format(
        imports="from blocks import conv_block\nfrom keras import ops", shape="(28, 28, 1)") +
        "y = ops.concatenate([x, inputs])\n"})
    [d] = check_file(tmp_path / "train.py").diagnostics
    assert d.code == "SHP101"
    steps = [(s.path, s.row, s.layer) for s in d.trace[0].steps]
    assert steps[0] == ("blocks.py", 6, "MaxPooling2D")


def test_cycles_and_missing_modules_are_unknown_not_errors(tmp_path):
    write(tmp_path, {"a.py": "from b import f\nimport keras\nSHAPE = (3,)\n",
                     "b.py": "from a import SHAPE\ndef f():\n    return SHAPE\n",
                     "train.py": "import keras\nfrom a import f\nfrom nowhere import g\n"
                                 "x = keras.Input(shape=f())\ny = keras.layers.Dense(4)(g(x))\n"})
    result = check_file(tmp_path / "train.py")
    assert result.diagnostics == () and result.notes == ()


def test_an_edited_module_is_never_served_from_the_cache(tmp_path, monkeypatch):
    write(tmp_path, {"blocks.py": BLOCKS,
                     "train.py": textwrap.dedent(TRAIN).format(imports="from blocks import conv_block", shape="(28, 28)")})
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHAPELINT_NO_CACHE", raising=False)
    first = CliRunner().invoke(main, ["check", "--format", "concise", "train.py"])
    assert first.exit_code == 1 and "SHP201" in first.output
    fixed = textwrap.dedent(BLOCKS).replace("(x, filters):\n", "(x, filters):\n    x = layers.Reshape((28, 28, 1))(x)\n")
    (tmp_path / "blocks.py").write_text(fixed)
    second = CliRunner().invoke(main, ["check", "--format", "concise", "train.py"])
    assert second.exit_code == 0, second.output


def test_configured_source_roots_resolve_absolute_imports(tmp_path, monkeypatch):
    write(tmp_path, {"src/lib/__init__.py": "", "src/lib/blocks.py": BLOCKS,
                     "scripts/train.py": textwrap.dedent(TRAIN).format(
                         imports="from lib.blocks import conv_block", shape="(28, 28)")})
    monkeypatch.chdir(tmp_path)
    without = CliRunner().invoke(main, ["check", "--format", "concise", "scripts/train.py"])
    assert without.exit_code == 0, without.output
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint]\nsrc = ["src"]\n')
    with_src = CliRunner().invoke(main, ["check", "--format", "concise", "scripts/train.py"])
    assert with_src.output.startswith("scripts/train.py:6:5: SHP201 Conv2D expects a 4-D input")


def test_an_installed_package_follows_its_own_modules_not_other_distributions(tmp_path):
    """Linting a package inside site-packages must not interpret numpy or any other
    distribution installed next to it (it is not the project's code, and costs seconds)."""
    site = tmp_path / "lib" / "site-packages"
    write(site, {"mylib/__init__.py": "", "mylib/blocks.py": BLOCKS,
                 "otherdist/__init__.py": "from keras import layers\nconv_block = None\n",
                 "mylib/train.py": textwrap.dedent(TRAIN).format(
                     imports="from mylib.blocks import conv_block\nimport otherdist",
                     shape="(28, 28)")})
    result = check_file(site / "mylib" / "train.py")
    assert [(d.location.row, d.code) for d in result.diagnostics] == [(7, "SHP201")]
    assert [Path(p).name for p, _ in result.dependencies] == ["blocks.py"]


def test_findings_in_a_project_class_are_reported_at_its_construction(tmp_path):
    """keras-hub backbones build their graph in __init__: each finding there is reported at
    the line that constructs the class, with where it was raised, and two findings of one
    code in the module stay two."""
    write(tmp_path, {"pkg/__init__.py": "", "pkg/net.py": """
        import keras
        from keras import layers


        class Net(keras.Model):
            def __init__(self, size, **kwargs):
                inputs = keras.Input((size, size, 8))
                x = layers.Conv2D(8, 3)(inputs)
                x = layers.Add()([inputs, x])
                y = layers.Add()([inputs, layers.Dense(4)(inputs)])
                super().__init__(inputs, [x, y], **kwargs)
    """, "drive.py": "from pkg.net import Net\n\nmodel = Net(32)\n"})
    result = check_file(tmp_path / "drive.py")
    assert [(d.location.row, d.location.column, d.code, d.message, d.notes) for d in result.diagnostics] == [
        (3, 9, "SHP102", "Add needs shapes that broadcast, but (None, 32, 32, 8) and (None, 30, 30, 8) "
                         "differ on axis 1 (32 vs 30).", ("raised in __init__() (net.py:9), called here",)),
        (3, 9, "SHP102", "Add needs shapes that broadcast, but (None, 32, 32, 8) and (None, 32, 32, 4) "
                         "differ on axis 3 (8 vs 4).", ("raised in __init__() (net.py:10), called here",)),
    ]
