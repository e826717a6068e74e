"""Fixes that build. Every layer and argument change a buggy fixture's fix proposes is made in
the fixture (one change at a time) and the result is built with TensorFlow (`check
--validate`): the error the finding was about must be gone and no other appear. And
`check --fix` on the buggy fixtures leaves files whose fixed findings are gone, with nothing
new, that build.

Builds are compared with the fixture's own build: a fixture with two bugs still has the other
one after a change, and that one may still fail its build."""
from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from conftest import FIXTURES, fixture_files, is_program, run_shapelint
from fix_variants import variants

pytestmark = pytest.mark.keras

BUGGY = [p for p in fixture_files() if "buggy" in p.parts and is_program(p)]
# The eight fixes issue 14 found wrong, each with a buggy fixture whose fix must build.
EIGHT = {
    "shp201_conv1d_unknown_length_bug.py": "Reshape((-1, 1))",
    "shp301_bidirectional_return_sequences_bug.py": "True",
    "shp102_add_context_to_sequence_bug.py": "Dense(64)",
    "shp102_resnet_projection_shortcut_bug.py": "Conv2D(64, 1, strides=2)",
    "shp201_dcgan_dense_to_conv_transpose_bug.py": "Reshape((7, 7, 128))",
    "shp201_conv1d_after_dense_bug.py": "Reshape((64, 1))",
    "shp201_input_batch_axis_bug.py": "(28, 28, 1)",
    "shp101_unet_odd_pooling_bug.py": "(96, 96, 3)",
}


def _place(tmp: Path, name: str, fixture: Path, text: str) -> Path:
    """The fixture's text in a directory of its own (with its project, when it is part of one)."""
    where = tmp / name
    if fixture.parent != FIXTURES / "buggy":           # a project: its modules come along
        shutil.copytree(fixture.parent, where)
        target = where / fixture.name
    else:
        where.mkdir(parents=True)
        target = where / fixture.name
    target.write_text(text, encoding="utf-8")
    return target


def _mine(entries: list[dict], path: Path) -> list[dict]:
    return [e for e in entries if e["code"] and Path(e["filename"]).resolve() == path.resolve()]


def _failures(entries: list[dict], path: Path) -> Counter:
    """What stops the build of one file: errors Keras raised for, and build errors."""
    return Counter(e["code"] for e in _mine(entries, path) if e["code"] == "SHP901" or (
        e["severity"] == "error" and (e.get("validation") or {}).get("verdict") == "confirmed"))


def _reported(entries: list[dict], path: Path) -> Counter:
    """The errors found in one file, whether its build reached them or not."""
    return Counter(e["code"] for e in _mine(entries, path) if e["severity"] == "error")


def _validate(tmp: Path) -> list[dict]:
    run = run_shapelint("check", "--validate", "--no-cache", "--output-format", "json", str(tmp),
                        timeout=3000)
    assert run.returncode in (0, 1), run.stderr[-3000:]
    return json.loads(run.stdout)


def test_every_proposed_change_builds(tmp_path):
    made, skipped = [], []
    for fixture in BUGGY:
        found = variants(fixture)
        if found:
            base = _place(tmp_path / "base", fixture.stem, fixture, fixture.read_text(encoding="utf-8"))
        for k, v in enumerate(found):
            if v.change.kind not in ("insert", "argument"):   # a function swapped: built by --fix below
                continue
            if v.text is None:
                skipped.append((fixture.name, v.change.code, v.reason))
                continue
            assert v.change.code in v.fix, (fixture.name, v.change, v.fix)    # the text names it as made
            made.append((v, base, _place(tmp_path / "variants", f"{fixture.stem}_{k}", fixture, v.text)))
    assert {name for name in EIGHT} <= {v.fixture.name for v, _, _ in made}
    for name, code in EIGHT.items():
        assert any(v.fixture.name == name and v.change.code == code for v, _, _ in made), name
    entries = _validate(tmp_path)
    broken, built, unbuilt = [], [], []
    for v, base, variant in made:
        if not _failures(entries, base)[v.code]:    # the build does not reach the bug (an uncalled builder)
            unbuilt.append((v.fixture.name, v.change.code))
            continue
        built.append(v.fixture.name)
        # What may still stop the build: the fixture's other bugs, never this one, nothing new.
        others = _reported(entries, base) - Counter({v.code: 1})
        after = _failures(entries, variant)
        if after - others:
            broken.append((v.fixture.name, v.change.code, dict(after), dict(others)))
    assert broken == []
    assert set(EIGHT) <= set(built)
    # Reported so a reader sees what was not tried, and why.
    print(f"{len(built)} changes built; not buildable: {unbuilt}; not made: {skipped}")


def _fixed(entries: list[dict], unsafe: bool) -> Counter:
    kinds = ("safe", "unsafe") if unsafe else ("safe",)
    return Counter(e["code"] for e in entries if e["fix"] and e["fix"]["edits"]
                   and e["fix"]["applicability"] in kinds)


def test_fix_leaves_files_that_build_with_only_the_fixed_findings_gone(tmp_path):
    fixable = []
    for fixture in BUGGY:
        run = run_shapelint("check", "--no-cache", "--output-format", "json", str(fixture))
        entries = [e for e in json.loads(run.stdout) if e["code"]]
        for unsafe in (False, True):
            if _fixed(entries, unsafe) and (not unsafe or _fixed(entries, True) != _fixed(entries, False)):
                text = fixture.read_text(encoding="utf-8")
                name = f"{fixture.stem}_{'unsafe' if unsafe else 'safe'}"
                fixable.append((fixture, entries, unsafe, _place(tmp_path / "fixed", name, fixture, text),
                                _place(tmp_path / "base", name, fixture, text)))
    assert len([f for f in fixable if not f[2]]) >= 8
    for fixture, entries, unsafe, copy, _ in fixable:
        run = run_shapelint("check", "--no-cache", "--fix", *(["--unsafe-fixes"] if unsafe else []),
                            "--output-format", "json", str(copy))
        left = Counter(e["code"] for e in json.loads(run.stdout) if e["code"])
        assert copy.read_text(encoding="utf-8") != fixture.read_text(encoding="utf-8")
        if not unsafe:       # safe fixes: exactly those findings gone, nothing new
            assert left == Counter(e["code"] for e in entries) - _fixed(entries, False), fixture.name
        else:                # unsafe ones may bring findings the first fix hid; no more than before
            assert sum(left.values()) < len(entries), fixture.name
    built = _validate(tmp_path)
    for fixture, entries, unsafe, copy, base in fixable:
        may_fail = _reported(built, base) - _fixed(entries, unsafe)
        left = Counter(e["code"] for e in _mine(built, copy) if e["severity"] == "error")
        assert not (_failures(built, copy) - may_fail - left), (fixture.name, unsafe)
