"""Static parameter counts equal TensorFlow's for every model the fixtures build
(correct fixtures, and buggy ones whose bugs Keras builds silently: weight sharing).

One TensorFlow process builds all correct fixtures and reports, per module-level model
variable, Keras' own trainable and non-trainable counts.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import fixture_files
from shapelint.accounting.summary import summarize
from shapelint.checker import analyse
from shapelint.source import SourceFile

FILES = fixture_files()

BUILD_ALL = r"""
import json, os, runpy, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import keras
sys.path.append(os.environ["SHAPELINT_TESTS_KERAS"])
import offline_datasets
offline_datasets.install()

def count(weights):
    return int(sum(np.prod(w.shape) for w in weights))

out = {}
seen_dirs = set()
for path in sys.argv[1:]:
    keras.backend.clear_session()
    keras.config.set_image_data_format("channels_last")   # a fixture may have changed it
    here = os.path.dirname(os.path.abspath(path))
    for name, module in list(sys.modules.items()):        # another project's modules of the same name
        if os.path.abspath(getattr(module, "__file__", None) or "/").startswith(os.path.dirname(here)):
            del sys.modules[name]
    sys.path[:1] = [here] if sys.path and sys.path[0] in seen_dirs else [here, *sys.path[:1]]
    seen_dirs.add(here)
    try:
        env = runpy.run_path(path, run_name="__main__")
    except Exception:
        continue   # a buggy fixture Keras rejects has no model to count
    out[path] = {name: [count(m.trainable_weights), count(m.non_trainable_weights)]
                 for name, m in env.items() if isinstance(m, keras.Model) and m.built}
print(json.dumps(out))
"""


def static_counts(path):
    analysis = analyse(SourceFile(str(path), path.read_text()))
    return {s.name: [s.trainable, s.non_trainable]
            for s in summarize(analysis.log, analysis.interpreter.where)}


@pytest.fixture(scope="module")
def keras_counts(tmp_path_factory):
    paths = [str(p) for p in FILES]
    proc = subprocess.run([sys.executable, "-c", BUILD_ALL, *paths], capture_output=True, text=True,
                          cwd=tmp_path_factory.mktemp("keras_counts"), timeout=900,
                          env={**os.environ, "CUDA_VISIBLE_DEVICES": "",
                               "SHAPELINT_TESTS_KERAS": os.path.dirname(os.path.abspath(__file__))})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_every_fixture_model_has_keras_counts(keras_counts):
    assert sum(len(models) for models in keras_counts.values()) >= 20


def test_correct_fixtures_all_built(keras_counts):
    assert all(str(p) in keras_counts for p in FILES if "correct" in p.parts)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_static_counts_equal_keras(path, keras_counts):
    """Every count shapelint gives is Keras' count. Unknown ("Total params: ?", after a call
    the analysis cannot follow) is no claim, as everywhere else."""
    if str(path) not in keras_counts:
        pytest.skip("Keras rejects this fixture: nothing to count")
    expected = keras_counts[str(path)]
    found = static_counts(path)
    for name, counts in expected.items():
        assert name in found, f"{name}: no summary from shapelint"
        if found[name] != [None, None]:
            assert found[name] == counts, f"{name}: shapelint {found[name]} vs Keras {counts}"


def test_static_counts_known_for_nearly_every_model(keras_counts):
    """Unknown counts are rare: a fall in coverage is a regression, not silence."""
    claims = []
    for path in FILES:
        found = static_counts(path) if str(path) in keras_counts else {}
        claims += [found.get(name, [None, None]) != [None, None] for name in keras_counts.get(str(path), {})]
    assert len(claims) >= 20 and sum(claims) / len(claims) >= 0.95, f"{sum(claims)} of {len(claims)}"
