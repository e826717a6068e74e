"""Validate static findings by building the models with real TensorFlow/Keras (`check --validate`).

TensorFlow is optional: this package never imports it in the calling process; the build
runs in a worker subprocess (:mod:`shapelint.validation.worker`).
"""
from __future__ import annotations

import importlib.util

INSTALL_HINT = 'pip install "shapelint[tensorflow]"'


def tensorflow_missing() -> str | None:
    """The message to show when TensorFlow is not installed, else None (never imports it)."""
    try:
        found = importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):
        found = False
    if found:
        return None
    return ("shapelint: --validate needs TensorFlow, which is not installed. Install it with:\n"
            f"    {INSTALL_HINT}")
