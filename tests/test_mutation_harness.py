"""The mutation benchmark's own parts, offline: operators, sampling, drivers and the
overlay, scoring, the report.

No downloads; TensorFlow only in the keras-marked tests, which build tiny mutants in the
harness's worker process.
"""

from __future__ import annotations

import ast
import difflib
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from mutation import report  # noqa: E402
from mutation.corpus import Entry, Package, exported_model_functions  # noqa: E402
from mutation.mutate import OPERATORS, find_mutants  # noqa: E402
from mutation.overlay import Overlay, driver_source  # noqa: E402
from mutation.score import Lint, judge, lint, new_findings, raise_site, row_in_mutated_file  # noqa: E402
from mutation_bench import choose_entries, score_mutant  # noqa: E402

MODEL = textwrap.dedent("""\
    import keras
    from keras import layers


    def build(num_classes=10):
        inputs = keras.Input(shape=(32, 32, 3))
        a = layers.Conv2D(8, 3, padding="same")(inputs)
        b = layers.Conv2D(8, 3, strides=2, padding="same")(inputs)
        b = layers.UpSampling2D()(b)
        x = layers.Concatenate(axis=-1)([a, b])
        y = layers.Add()([a, b])
        pool = layers.MaxPooling2D(2)
        x = pool(x)
        y = pool(y)
        x = layers.Reshape((16, 256))(x)
        x = layers.LSTM(16)(x)
        y = layers.Flatten()(y)
        y = layers.Dense(num_classes)(y)
        return keras.Model(inputs, [x, y])


    model = build()
""")


def edits(operator: str) -> set[tuple[int, str, str]]:
    return {(m.line, m.before, m.after) for m in find_mutants(MODEL, operators={operator})}


def test_argument_operators_edit_the_argument_named_by_the_layer_signature():
    assert edits("padding") == {(7, '"same"', '"valid"'), (8, '"same"', '"valid"')}
    assert edits("strides") == {(8, "2", "1")}
    assert edits("kernel_size") == {(7, "3", "4"), (8, "3", "4")}
    assert edits("pool_size") == {(12, "2", "3")}
    assert edits("axis") == {(10, "-1", "1")}
    assert edits("reshape_target") in ({(15, "(16, 256)", "(17, 256)")}, {(15, "(16, 256)", "(16, 257)")})
    assert edits("input_shape") <= {(6, "(32, 32, 3)", "(32, 32)"), (6, "(32, 32, 3)", "(33, 32, 3)")}
    assert len(edits("input_shape")) == 1


def test_size_operators_grow_literals_and_expressions():
    filters = edits("filters")
    assert {line for line, _, _ in filters} == {7, 8}
    assert all(after in ("16", "9") for _, before, after in filters)
    assert edits("units") <= {
        (16, "16", "17"),
        (16, "16", "32"),
        (18, "num_classes", "num_classes + 1"),
        (18, "num_classes", "num_classes * 2"),
    }
    assert {line for line, _, _ in edits("units")} == {16, 18}


def test_structural_operators():
    assert edits("return_sequences") == {(16, "layers.LSTM(16)", "layers.LSTM(16, return_sequences=True)")}
    assert edits("drop_flatten") == {(17, "layers.Flatten()(y)", "y")}
    assert edits("dense_to_conv") == {(18, "layers.Dense(num_classes)", "layers.Conv2D(num_classes, 1)")}
    assert edits("share_per_branch") == {(14, "pool(y)", "layers.MaxPooling2D(2)(y)")}
    # A merge input is replaced by another tensor defined before the merge in the function.
    merges = edits("merge_inputs")
    assert {line for line, _, _ in merges} == {10, 11}
    earlier = {10: {"inputs"}, 11: {"inputs", "x"}}
    for line, before, after in merges:
        assert before == "[a, b]"
        assert after in {f"[{t}, b]" for t in earlier[line]} | {f"[a, {t}]" for t in earlier[line]}


def test_each_mutant_is_one_edit_that_still_parses():
    mutants = find_mutants(MODEL)
    assert {m.operator for m in mutants} == set(OPERATORS)
    for m in mutants:
        ast.parse(m.source)
        changed = [
            line
            for line in difflib.unified_diff(MODEL.splitlines(), m.source.splitlines(), n=0)
            if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))
        ]
        assert changed == [f"-{MODEL.splitlines()[m.line - 1]}", f"+{m.source.splitlines()[m.line - 1]}"], m
        assert m.after in m.source.splitlines()[m.line - 1]


def test_only_statements_with_a_covered_line_are_mutated():
    assert {m.line for m in find_mutants(MODEL, covered={10})} == {10}
    assert find_mutants(MODEL, covered={22}) == []


def test_sampling_is_seeded_and_spreads_over_operators():
    first = find_mutants(MODEL, seed=3, limit=5)
    assert first == find_mutants(MODEL, seed=3, limit=5)
    assert len(first) == 5
    assert len({m.operator for m in first}) == 5


def test_exported_model_functions_are_the_application_builders():
    source = textwrap.dedent("""\
        @keras_export("keras.applications.ResNet50")
        def ResNet50(include_top=True, weights="imagenet"):
            pass

        @keras_export("keras.applications.resnet.preprocess_input")
        def preprocess_input(x, data_format=None):
            pass

        def ResNet(stack_fn, weights="imagenet"):
            pass
    """)
    assert exported_model_functions(source) == ["ResNet50"]


def test_a_raising_mutant_is_detected_when_shapelint_reports_a_new_error_near_the_edit():
    baseline = lint(MODEL, "model.py")
    [mutant] = [m for m in find_mutants(MODEL, operators={"padding"}) if m.line == 7]
    result = lint(mutant.source, "model.py")
    new = new_findings(result, baseline)
    assert [(f["code"], f["row"]) for f in new] == [("SHP101", 10), ("SHP102", 11)]
    for f in new:  # both the Concatenate and the Add meet (30, 30) and (32, 32)
        assert "(None, 30, 30, 8)" in f["message"] and "(None, 32, 32, 8)" in f["message"]
    lints = [Lint("file", result, baseline)]
    verdict = judge("raises", mutant.line, mutant.end_line, lints, "model.py")
    assert verdict.detected and not verdict.detected_near  # reported 3 lines below the edit
    assert verdict.found_by == ["file"]
    assert judge("builds", mutant.line, mutant.end_line, lints, "model.py").false_alarm
    unchanged = judge("builds", 7, 7, [Lint("file", baseline, baseline)], "model.py")
    assert not unchanged.false_alarm and unchanged.new == []


def test_raise_site_is_the_innermost_package_frame():
    assert raise_site([["a.py", 3], ["b.py", 9]]) == ("b.py", 9)
    assert raise_site([]) == (None, None)


def record(outcome: str, found_by=(), false_alarm=False, operator="axis") -> dict:
    return {
        "package": "p",
        "file": "p/m.py",
        "line": 4,
        "operator": operator,
        "before": "-1",
        "after": "1",
        "build": {
            "outcome": outcome,
            "error_type": "ValueError" if outcome == "raises" else None,
            "message": "A `Concatenate` layer requires inputs with matching shapes"
            if outcome == "raises"
            else None,
            "raise_file": "p/m.py",
            "raise_line": 4,
        },
        "shapelint": {
            "new": [],
            "lints": [
                {"lint": "file", "entry": None, "new": [], "crash": None, "internal_notes": []},
                {"lint": "driver", "entry": "build()", "new": [], "crash": None, "internal_notes": []},
            ],
        },
        "detected": bool(found_by),
        "detected_near": bool(found_by),
        "found_by": list(found_by),
        "false_alarm": false_alarm,
        "probe_at_raise": "no layer call analysed there",
        "probes_at_raise": {
            "file": "no layer call analysed there",
            "driver: build()": "input shape fully known",
        },
    }


def test_report_figures():
    records = [
        record("raises", found_by=["driver", "file"]),
        record("raises", found_by=["driver"]),
        record("raises"),
        record("builds", false_alarm=True),
        record("builds"),
        record("builds", operator="units"),
        record("times-out", operator="units"),
    ]
    meta = {
        "keras": "3",
        "tensorflow": "2",
        "shapelint": "0",
        "seed": 0,
        "per_file": 2,
        "packages": [],
        "entries": [],
        "lint_lines": 100,
        "lint_seconds": 0.5,
        "driver_lints": 8,
        "driver_seconds": 2.0,
        "driver_seconds_max": 0.5,
        "seconds_total": 1,
        "seconds_build": 1,
        "build_cache_hits": 0,
    }
    unmutated_driver = {"findings": [], "notes": [], "crash": "RecursionError: deep", "internal_notes": []}
    summary = report.summarize(records, {}, meta, {"p: build()": unmutated_driver})
    assert summary["total"] == {
        "raises": 3,
        "builds": 3,
        "times-out": 1,
        "crashes": 0,
        "mutants": 7,
        "detected": 2,
        "detected_near": 2,
        "detected_file": 1,
        "detected_driver": 2,
        "false_alarms": 1,
        "recall": 0.6667,
        "recall_near": 0.6667,
        "recall_file": 0.3333,
        "recall_driver": 0.6667,
        "false_alarm_rate": 0.3333,
    }
    assert summary["missed_by_probe"]["no layer call analysed there"]["count"] == 1
    assert summary["shapelint_crashes"]["baseline_drivers"] == 1
    text = report.render({"meta": meta, "summary": summary})
    assert (
        "TOTAL                        7      3      3    1     0    66.7%   66.7%   33.3%   66.7%   33.3%"
        in text
    )
    assert (
        "units                        2      0      1    1     0      n/a     n/a     n/a     n/a    0.0%"
        in text
    )
    assert "    p/m.py:4 [axis] -1 -> 1" in text
    assert "      driver: build(): input shape fully known" in text
    assert "lint speed: 200 lines/s" in text
    assert "drivers: 8 lints, 0.25 s each on average, 0.5 s at most" in text
    assert "shapelint crashes: 0 mutants, 0 unmutated files, 1 unmutated drivers" in text


def test_a_mutant_is_built_and_driven_with_every_model_build_that_runs_its_line():
    cheap, dear, dearer = Entry("m", "small()"), Entry("m", "large()"), Entry("m", "huge()")
    seconds = {("m", "small()"): 0.5, ("m", "large()"): 4.0, ("m", "huge()"): 9.0}
    assert choose_entries({dearer, cheap, dear}, seconds, None) == [cheap, dear, dearer]
    assert choose_entries({dearer, cheap, dear}, seconds, 2) == [cheap, dear]


def test_a_driver_imports_the_builder_and_makes_the_entry_call():
    entry = Entry("keras_hub.src.models.vgg.vgg_backbone", "VGGBackbone(stackwise_num_repeats=[2, 2])")
    assert driver_source(entry) == (
        "from keras_hub.src.models.vgg.vgg_backbone import VGGBackbone\n"
        "\n"
        "model = VGGBackbone(stackwise_num_repeats=[2, 2])\n"
    )
    assert driver_source(Entry("pkg.models", "models.unet(3)")).startswith("from pkg.models import models\n")


# A builder whose sizes come from its caller: linted alone, every size is unknown.
BLOCKS = textwrap.dedent("""\
    import keras
    from keras import layers


    def unet(input_size, filters, n_labels):
        inputs = keras.Input(input_size)
        skip = layers.Conv2D(filters[0], 3, padding="same")(inputs)
        down = layers.MaxPooling2D(2)(skip)
        down = layers.Conv2D(filters[1], 3, padding="same")(down)
        up = layers.UpSampling2D(2)(down)
        x = layers.Concatenate()([up, skip])
        return keras.Model(inputs, layers.Conv2D(n_labels, 1)(x))
""")


def tiny_package(tmp_path: Path) -> Package:
    (tmp_path / "pkg").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    path = tmp_path / "pkg" / "blocks.py"
    path.write_text(BLOCKS)
    entry = Entry("pkg.blocks", "unet((64, 64, 3), [8, 16], n_labels=2)")
    return Package("tiny", "0", tmp_path, {"pkg.blocks": path}, [entry], sys_path=[str(tmp_path)])


def _score_raising(pkg, overlay, unmutated, drivers, mutant, message, raised_at):
    """Score a mutant of tiny/pkg/blocks.py whose build raised ``message`` at line ``raised_at``
    through the package's one entry."""
    path = pkg.files["pkg.blocks"]
    [entry] = pkg.entries
    build = {"status": "raises", "error_type": "ValueError", "message": message,
             "frames": [[str(path), raised_at]], "entries": [{"call": entry.call}], "entry": entry.call}
    return score_mutant([pkg], overlay, unmutated, drivers,
                        (pkg, "pkg.blocks", path, "tiny/pkg/blocks.py", mutant, [entry]), build)

def test_the_driver_finds_a_mutant_that_the_file_alone_cannot(tmp_path):
    pkg = tiny_package(tmp_path / "src")
    path = pkg.files["pkg.blocks"]
    [entry] = pkg.entries
    overlay = Overlay(tmp_path / "work", [pkg])
    driver = overlay.driver(pkg, entry)
    assert driver.parent == tmp_path / "work" / "overlay" / "tiny"
    assert overlay.path_of(pkg, path).read_text() == BLOCKS
    unmutated = {"tiny/pkg/blocks.py": lint(BLOCKS, str(path))}
    drivers = {("tiny", entry): lint(driver.read_text(), str(driver))}
    assert unmutated["tiny/pkg/blocks.py"].findings == [] and drivers[("tiny", entry)].findings == []
    [mutant] = find_mutants(BLOCKS, operators={"pool_size"})  # MaxPooling2D(2) -> (3): 42 vs 64
    assert (mutant.line, mutant.before, mutant.after) == (8, "2", "3")
    record, of_file, of_drivers = _score_raising(pkg, overlay, unmutated, drivers, mutant,
                                                 "A `Concatenate` layer ...", raised_at=11)

    file_lint, driver_lint = record["shapelint"]["lints"]
    assert (file_lint["lint"], file_lint["new"]) == ("file", [])
    assert (driver_lint["lint"], driver_lint["entry"]) == ("driver", entry.call)
    [finding] = driver_lint["new"]
    assert (finding["code"], finding["row"]) == ("SHP101", 3)  # the driver's call
    assert "(None, 42, 42, 16)" in finding["message"] and "(None, 64, 64, 8)" in finding["message"]
    assert finding["notes"] == ["raised in unet() (blocks.py:11), called here"]
    assert record["found_by"] == ["driver"] and record["detected"]
    assert not record["detected_near"]  # raised at the Concatenate, 3 lines below the edit
    assert record["build"]["raising_entry"] == entry.call and "probe_at_raise" not in record
    assert [x.lines for x in of_file] == [12] and len(of_drivers) == 1
    # The original is back, and linting the driver again sees it (a same-size edit, no stale parse).
    assert overlay.path_of(pkg, path).read_text() == BLOCKS
    assert lint(driver.read_text(), str(driver)).findings == []


def test_a_missed_raising_mutant_is_probed_through_the_driver(tmp_path):
    pkg = tiny_package(tmp_path / "src")
    path = pkg.files["pkg.blocks"]
    [entry] = pkg.entries
    overlay = Overlay(tmp_path / "work", [pkg])
    driver = overlay.driver(pkg, entry)
    unmutated = {"tiny/pkg/blocks.py": lint(BLOCKS, str(path))}
    drivers = {("tiny", entry): lint(driver.read_text(), str(driver))}
    [mutant] = [m for m in find_mutants(BLOCKS, operators={"filters"}) if m.line == 9]
    record, _, _ = _score_raising(pkg, overlay, unmutated, drivers, mutant, "made up for the probe",
                                  raised_at=10)

    assert not record["detected"] and record["found_by"] == []
    assert record["probes_at_raise"] == {
        "file": "input shape partly known",
        f"driver: {entry.call}": "input shape fully known",
    }
    assert record["probe_at_raise"] == "input shape fully known"


def test_a_driver_finding_is_near_the_edit_when_its_note_places_it_in_the_mutated_file():
    finding = {"row": 3, "notes": ["raised in unet() (blocks.py:11), called here"]}
    assert row_in_mutated_file(finding, "driver", "blocks.py") == 11
    assert row_in_mutated_file(finding, "driver", "layers.py") is None
    assert row_in_mutated_file({"row": 3, "notes": []}, "driver", "blocks.py") is None
    assert row_in_mutated_file(finding, "file", "blocks.py") == 3


@pytest.mark.keras
def test_worker_builds_tiny_mutants(tmp_path):
    from mutation.build import Builder, Cache
    from mutation_bench import make_job

    path = tmp_path / "tiny.py"
    path.write_text(MODEL)
    pkg = Package("tiny", "0", tmp_path, {"tiny": path}, [Entry("tiny", "build()")], sys_path=[str(tmp_path)])
    by_line = {m.line: m for m in find_mutants(MODEL, operators={"padding", "strides"})}
    jobs = [
        make_job(pkg, "tiny", MODEL, pkg.entries, trace=True),
        make_job(pkg, "tiny", by_line[7].source, pkg.entries),  # padding -> valid: raises
        make_job(pkg, "tiny", by_line[8].source, pkg.entries),
    ]  # strides 2 -> 1: raises
    with Builder(Cache(tmp_path / "cache.jsonl"), "test", jobs=1, timeout=120) as builder:
        base, padding, strides = builder.run_all(jobs)
        assert builder.run_one(jobs[1])["cached"]
    assert base["status"] == "builds"
    assert set(base["entries"][0]["lines"][str(path)]) >= set(range(6, 20))
    assert padding["status"] == "raises" and padding["error_type"] == "ValueError"
    assert "Concatenate" in padding["message"] and padding["frames"][-1] == [str(path), 10]
    assert strides["status"] == "raises" and strides["frames"][-1] == [str(path), 10]


SIZES = textwrap.dedent("""\
    import keras
    from keras import layers


    def build(size):
        inputs = keras.Input(shape=(size, size, 3))
        x = layers.Conv2D(3, 3, strides=2, padding="same")(inputs)
        x = layers.UpSampling2D()(x)
        return keras.Model(inputs, layers.Add()([inputs, x]))
""")


@pytest.mark.keras
def test_a_job_with_several_model_builds_builds_only_if_every_one_does(tmp_path):
    from mutation.build import Builder, Cache
    from mutation_bench import make_job

    path = tmp_path / "sizes.py"
    path.write_text(SIZES)
    even, odd = Entry("sizes", "build(32)"), Entry("sizes", "build(33)")  # 33 -> 17 -> 34: Add raises
    pkg = Package("sizes", "0", tmp_path, {"sizes": path}, [even, odd], sys_path=[str(tmp_path)])
    with Builder(Cache(tmp_path / "cache.jsonl"), "test", jobs=1, timeout=120) as builder:
        alone, both = builder.run_all(
            [make_job(pkg, "sizes", SIZES, [even]), make_job(pkg, "sizes", SIZES, [even, odd])]
        )
    assert alone["status"] == "builds"
    assert both["status"] == "raises" and both["entry"] == "build(33)"
    assert [e["call"] for e in both["entries"]] == ["build(32)", "build(33)"]
    assert both["frames"][-1] == [str(path), 9]


def test_each_overlay_text_has_a_parse_cache_key_of_its_own(tmp_path):
    # shapelint keeps parsed modules by (path, size, mtime): two same-size texts written
    # within one tick of the file system's clock must still differ in that key.
    pkg = tiny_package(tmp_path / "src")
    overlay = Overlay(tmp_path / "work", [pkg])
    copy = overlay.path_of(pkg, pkg.files["pkg.blocks"])

    def key() -> tuple[int, int]:
        return copy.stat().st_size, copy.stat().st_mtime_ns

    original = key()
    texts = [BLOCKS.replace("MaxPooling2D(2)", f"MaxPooling2D({n})") for n in (3, 4)]
    seen = []
    for text in texts:
        with overlay.mutated(pkg, pkg.files["pkg.blocks"], text) as path:
            assert path == copy and copy.read_text() == text
            seen.append(key())
        assert key() == original and copy.read_text() == BLOCKS
    assert len({original, *seen}) == 3
