"""Words and small computations shared by the violation messages (mypy's message
constants, in the same spirit): how shapes, ranks and layouts are written."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from shapelint.shapes import Shape, format_shape, is_known

LAYOUT = {
    "conv1d": "(batch, steps, channels)",
    "conv2d": "(batch, rows, cols, channels)",
    "conv3d": "(batch, depth, rows, cols, channels)",
    "pool1d": "(batch, steps, channels)",
    "pool2d": "(batch, rows, cols, channels)",
    "pool3d": "(batch, depth, rows, cols, channels)",
    "spatial1d": "(batch, steps, channels)",
    "spatial2d": "(batch, rows, cols, channels)",
    "spatial3d": "(batch, depth, rows, cols, channels)",
    "rnn": "(batch, timesteps, features)",
    "convlstm1d": "(batch, time, steps, channels)",
    "convlstm2d": "(batch, time, rows, cols, channels)",
    "convlstm3d": "(batch, time, depth, rows, cols, channels)",
    "repeat": "(batch, features)",
    "time_distributed": "(batch, time, ...)",
}

KERAS2_DIFFERS = " Keras 2 (tf.keras before TF 2.16) accepted this; Keras 3 does not."


def fmt(shape: object) -> str:
    return format_shape(shape) if isinstance(shape, Shape) else str(shape)


def pair(diff: int) -> tuple[int, int]:
    """A total amount split in two as Keras pads: the smaller half first."""
    return diff // 2, diff - diff // 2


def rank_word(rank: int | None) -> str:
    return "unknown-rank" if rank is None else f"{rank}-D"


def choices(values: Iterable[object]) -> str:
    return ", ".join(repr(v) for v in values)


def divisor_fix(n: object, what: str, arg: str) -> str:
    if is_known(n) and n > 0:
        divs = [k for k in range(1, n + 1) if n % k == 0][:8]
        return f"Use a {arg} that divides {what} {n}: one of {', '.join(map(str, divs))}."
    return f"Use a {arg} that divides {what}."


def rows_text(rows: Sequence[int]) -> str:
    return "line " + str(rows[0]) if len(rows) == 1 else "lines " + ", ".join(map(str, rows))
