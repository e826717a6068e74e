"""Inside the worker: record every Keras layer construction and call made by the user file.

``Layer.__new__`` and ``Layer.__call__`` are wrapped once per worker. A record carries
the user-file position of the call (the nearest frame in that file), whether the user
code called the layer itself (``direct``) or Keras did on its behalf (Sequential, a
nested model, ``layers.concatenate``), where the layer was constructed, and the real
input and output shapes, so they can be set against the static ones.

The model methods the build program calls in place of fit/evaluate/predict
(:mod:`shapelint.validation.feeds`) are wrapped too: each call the file makes is recorded
with its line, so a verdict knows it ran. ``train_on_batch``/``test_on_batch`` on a model
that is not compiled in the build (its ``compile()`` was left out) give the model the
features alone (``predict_on_batch``) and are recorded so: Keras's "call compile() first"
is no error of the file.
"""
from __future__ import annotations

import contextlib
import functools
import sys
from types import FrameType
from typing import Any

from shapelint.validation.protocol import CallRecord, CtorRecord, FailingLayer, FeedRecord, Place, RealShape

_MAX_RECORDS = 20_000
# The methods standing in for the file's data calls -> whether they need a compiled model.
STAND_INS = {"train_on_batch": True, "test_on_batch": True, "predict_on_batch": False}
# The attribute an exception raised in a layer call carries: the innermost failing layer.
FAILING_LAYER = "_shapelint_layer"


def _shape(t: Any) -> RealShape | None:
    shape = getattr(t, "shape", None)
    if shape is None:
        return None
    try:
        if hasattr(shape, "as_list"):
            if getattr(shape, "rank", 0) is None:
                return None
            shape = shape.as_list()
        return [d if isinstance(d, int) or d is None else (int(d) if str(d).isdigit() else None)
                for d in shape]
    except Exception:
        return None


def _size(weight: Any) -> int:
    size = 1
    for d in weight.shape:
        size *= int(d)
    return size


class Recorder:
    def __init__(self, keras_module: Any):
        self.keras = keras_module
        self.filename: str | None = None
        self.lines: list[str] = []
        self.calls: list[CallRecord] = []
        self.ctors: list[CtorRecord] = []
        self.feeds: list[FeedRecord] = []
        self._ctor_site: dict[int, tuple[int | None, int | None]] = {}
        self._direct_ctors: set[int] = set()
        self._ctor_objs: list[Any] = []   # parallel to ctors: the layer objects
        self._alive: list[Any] = []       # keeps ids unique while a file builds
        self._positions: dict[Any, list[tuple[int | None, int | None, int | None, int | None]]] = {}

    # lifecycle ----------------------------------------------------------------------------
    def start(self, filename: str, text: str) -> None:
        self.filename = filename
        self.lines = text.splitlines()
        self.calls, self.ctors, self.feeds = [], [], []
        self._ctor_objs = []
        self._ctor_site.clear()
        self._direct_ctors.clear()
        self._alive.clear()
        self._positions.clear()

    def stop(self) -> None:
        """Stop recording; the layers made stay reachable (:meth:`built_at`) until :meth:`forget`."""
        self.count_weights()
        self.filename = None

    def forget(self) -> None:
        self._alive.clear()
        self._ctor_objs.clear()
        self._ctor_site.clear()
        self._direct_ctors.clear()

    def built_at(self, row: int) -> list[tuple[Any, list[Any]]]:
        """The layers the file made on ``row`` that were called, each with the input shapes
        of its first call."""
        inputs: dict[int, list[Any]] = {}
        for call in self.calls:
            inputs.setdefault(call["obj"], call["inputs"])
        return [(layer, inputs[id(layer)]) for record, layer in zip(self.ctors, self._ctor_objs)
                if record["row"] == row and record["direct"] and id(layer) in inputs]

    def count_weights(self) -> None:
        """Each constructed layer's weights once the build is over, as Keras counts them:
        what sharing and parameter findings are checked against."""
        for record, layer in zip(self.ctors, self._ctor_objs):
            try:
                record["trainable"] = int(sum(_size(w) for w in layer.trainable_weights))
                record["non_trainable"] = int(sum(_size(w) for w in layer.non_trainable_weights))
            except Exception:
                pass

    def install(self) -> None:
        Layer = self.keras.layers.Layer
        original_call = Layer.__call__
        original_new = Layer.__new__
        recorder = self

        @functools.wraps(original_call)
        def __call__(layer: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                out = original_call(layer, *args, **kwargs)
            except BaseException as exc:
                if recorder.filename is not None and not hasattr(exc, FAILING_LAYER):
                    # the innermost failing layer: Sequential errors point at its line
                    with contextlib.suppress(Exception):
                        setattr(exc, FAILING_LAYER, recorder.failing(layer, sys._getframe(1)))
                raise
            if recorder.filename is not None:
                with contextlib.suppress(Exception):
                    recorder.on_call(layer, args, kwargs, out, sys._getframe(1))
            return out

        def __new__(cls: Any, *args: Any, **kwargs: Any) -> Any:
            obj = original_new(cls, *args, **kwargs)
            if recorder.filename is not None:
                with contextlib.suppress(Exception):
                    recorder.on_new(obj, sys._getframe(1))
            return obj

        Layer.__call__ = __call__
        Layer.__new__ = staticmethod(__new__)
        for name, needs_compile in STAND_INS.items():
            self._wrap_stand_in(name, needs_compile)

    def _wrap_stand_in(self, name: str, needs_compile: bool) -> None:
        Model = self.keras.Model
        original = getattr(Model, name)
        recorder = self

        @functools.wraps(original)
        def method(model: Any, *args: Any, **kwargs: Any) -> Any:
            frame = sys._getframe(1)
            if recorder.filename is None or frame.f_code.co_filename != recorder.filename:
                return original(model, *args, **kwargs)
            site = recorder._site(frame)
            record: FeedRecord = {"row": site[0] if site else None, "method": name,
                                  "compiled": bool(getattr(model, "compiled", True)), "ok": False}
            recorder.feeds.append(record)
            if needs_compile and not record["compiled"]:
                out = model.predict_on_batch(args[0] if args else kwargs.get("x"))
            else:
                out = original(model, *args, **kwargs)
            record["ok"] = True
            return out

        setattr(Model, name, method)

    # positions ----------------------------------------------------------------------------
    def _site(self, frame: FrameType | None) -> Place | None:
        """[row, col, end_row, end_col] (col 0-based, in characters) of the nearest user frame."""
        while frame is not None and frame.f_code.co_filename != self.filename:
            frame = frame.f_back
        if frame is None:
            return None
        code = frame.f_code
        positions = self._positions.get(code)
        if positions is None:
            positions = self._positions[code] = list(code.co_positions())
        try:
            row, end_row, col, end_col = positions[frame.f_lasti // 2]
        except (IndexError, ValueError):
            row, end_row, col, end_col = frame.f_lineno, frame.f_lineno, None, None
        return [row, self._chars(row, col), end_row, self._chars(end_row, end_col)]

    def _chars(self, row: int | None, col: int | None) -> int | None:
        """co_positions columns are UTF-8 byte offsets; findings count characters."""
        if row is None or col is None or not (1 <= row <= len(self.lines)):
            return col
        return len(self.lines[row - 1].encode("utf-8")[:col].decode("utf-8", "ignore"))

    # events -------------------------------------------------------------------------------
    def on_new(self, layer: Any, frame: FrameType) -> None:
        site = self._site(frame)
        if site is None:
            return
        self._alive.append(layer)
        direct = frame.f_code.co_filename == self.filename
        self._ctor_site[id(layer)] = (site[0], site[1])
        if direct:
            self._direct_ctors.add(id(layer))
        if len(self.ctors) < _MAX_RECORDS:
            self.ctors.append({"row": site[0], "col": site[1], "end_row": site[2],
                               "layer": type(layer).__name__, "direct": direct})
            self._ctor_objs.append(layer)

    def failing(self, layer: Any, frame: FrameType) -> FailingLayer:
        site = self._site(frame)
        ctor = self._ctor_site.get(id(layer))
        return {"layer": type(layer).__name__, "row": site[0] if site else None,
                "ctor": list(ctor) if ctor else None}

    def on_call(self, layer: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
                frame: FrameType) -> None:
        if len(self.calls) >= _MAX_RECORDS:
            return
        site = self._site(frame)
        if site is None:
            return
        tree = self.keras.tree
        value = args[0] if args else kwargs.get("inputs")
        self._alive.append(layer)
        ctor = self._ctor_site.get(id(layer))
        self.calls.append({
            "row": site[0], "col": site[1], "end_row": site[2], "end_col": site[3],
            "direct": frame.f_code.co_filename == self.filename,
            "ctor": list(ctor) if ctor else None,
            # False for a layer Keras made itself (MultiHeadAttention's projections built
            # on its first call): its constructor site is the user's call, not its own.
            "ctor_direct": id(layer) in self._direct_ctors,
            "layer": type(layer).__name__,
            "obj": id(layer),
            "inputs": [_shape(t) for t in tree.flatten(value)] if value is not None else [],
            "outputs": [_shape(t) for t in tree.flatten(out)],
        })
