"""Keras 2 (tf.keras / tf_keras) behaviour where it differs from Keras 3, checked against
tf_keras (installed by the `tensorflow` extra)."""
from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys

import pytest

from shapelint.checker import check_source

# Conv1D/2D/3D over 1-2 extra leading axes, odd and even sizes, both paddings.
ALL = list(itertools.product([1, 2, 3], [(2,), (3, 2)], [5, 8, 11], [1, 3], ["valid", "same"]))
CASES = random.Random(7).sample(ALL, 40)


def shapelint_keras2(n, lead, size, kernel, padding):
    spatial = ", ".join([str(size)] * n)
    src = (
        "import tf_keras as keras\nfrom tf_keras import layers\n"
        f"x = keras.Input(shape=({', '.join(map(str, lead))}, {spatial}, 3))\n"
        f"y = layers.Conv{n}D(4, {kernel}, padding='{padding}')(x)\n"
        "z = layers.Reshape((-1, 7))(y)\n"   # reports y's size when it is not a multiple of 7
    )
    return check_source(src, "k2.py").diagnostics


def test_keras2_convolutions_over_leading_axes_match_tf_keras():
    pytest.importorskip("tf_keras")
    code = (
        "import json, os, sys; os.environ['TF_CPP_MIN_LOG_LEVEL']='3'\n"
        "import tf_keras as keras\n"
        "out = []\n"
        "for n, lead, size, kernel, padding in json.loads(sys.argv[1]):\n"
        "    x = keras.Input(shape=(*lead, *([size] * n), 3))\n"
        "    y = getattr(keras.layers, f'Conv{n}D')(4, kernel, padding=padding)(x)\n"
        "    out.append(list(y.shape[1:]))\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(CASES)], capture_output=True,
                          text=True, env={**os.environ, "CUDA_VISIBLE_DEVICES": ""}, timeout=600)
    real = json.loads(proc.stdout.strip().splitlines()[-1])
    for case, dims in zip(CASES, real):
        size = 1
        for d in dims:
            size *= d
        found = shapelint_keras2(*case)
        assert [d.code for d in found] == ([] if size % 7 == 0 else ["SHP401"]), case
        if size % 7:
            assert f"the {size} values" in found[0].message, (case, dims, found[0].message)
