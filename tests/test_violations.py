"""The registry and the violation classes agree: every rule has its typed violations, and
every violation belongs to a rule."""
from __future__ import annotations

import dataclasses

import pytest

from shapelint.registry import BY_CODE, RULES
from shapelint.shapes import Shape
from shapelint.violations import Site, all_classes
from shapelint.violations.arguments import NotPositive
from shapelint.violations.inputs import InputRankMismatch
from shapelint.violations.merging import ConcatRankMismatch


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_has_violation_classes(rule):
    assert rule.violations, f"{rule.code} has no violation class"


@pytest.mark.parametrize("cls", all_classes(), ids=lambda c: c.__name__)
def test_every_violation_belongs_to_a_rule_and_is_frozen(cls):
    assert cls.code in BY_CODE
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen


def test_the_site_names_the_layer_or_op_a_violation_happened_in():
    v = ConcatRankMismatch(axis=-1, shapes=(Shape((None, 3)), Shape((None, 2, 3))))
    assert v.message().startswith("Concatenate(axis=-1) needs inputs of the same rank")
    as_op = v.at_site(Site(layer="keras.ops.concatenate", op="keras.ops.concatenate"))
    assert as_op.message() == ("keras.ops.concatenate(axis=-1) needs inputs of the same rank, got "
                               "(None, 3) (2-D) and (None, 2, 3) (3-D).")
    assert NotPositive(argument="units", value=0).at_site(Site(layer="Dense")).message() == \
        "Dense(units=0): Keras requires units to be a positive integer."


def test_a_fix_repeats_the_layers_own_arguments():
    v = InputRankMismatch(got=Shape((None, 5, 28, 28, 1)), expected=(4,), family="conv2d")
    arguments = {"filters": 32, "kernel_size": (5, 5)}.get
    fix = v.at_site(Site(layer="Conv2D", arguments=arguments)).fix()
    assert fix == ("The input has an extra leading axis (5 frames): wrap the layer as "
                   "TimeDistributed(Conv2D(32, (5, 5))) to apply it to every frame, or use "
                   "Conv3D(32, (3, 3, 3)) to convolve across frames too.")
