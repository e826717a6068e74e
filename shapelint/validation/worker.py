"""The validation subprocess: import TensorFlow once, then build one program per request.

Protocol (JSON lines): the worker first writes ``{"ready": true, ...}`` (or
``{"ready": false, "error": ...}``), then answers each request line
``{"id", "filename", "program"}`` with one result line. Run by
:mod:`shapelint.validation.runner` with CPU only, a temp working directory and HOME.
"""
from __future__ import annotations

import builtins
import gc
import json
import os
import re
import sys
import time
import traceback
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_MAX_MESSAGE = 2000
_GC_EVERY = 20
_PROGRAM_ERRORS = (NameError, ImportError, AttributeError, OSError, SyntaxError, RecursionError,
                   MemoryError, AssertionError)


class Unverifiable(Exception):
    """Raised by the build program where construction needs data it left out."""


def _send(proto, message: dict) -> None:
    proto.write(json.dumps(message) + "\n")
    proto.flush()


def _describe(exc: BaseException, filename: str, lines: list[str]) -> dict:
    """The exception, located at its deepest frame in the user file."""
    from shapelint.validation.guard import NetworkBlocked, WriteBlocked

    frames = traceback.extract_tb(exc.__traceback__)
    user = [f for f in frames if f.filename == filename]
    deepest = user[-1] if user else None
    in_framework = bool(frames) and frames[-1].filename != filename
    if isinstance(exc, Unverifiable):
        kind = "unverifiable"
    elif isinstance(exc, NetworkBlocked):
        kind = "network"
    elif isinstance(exc, WriteBlocked):
        kind = "write"
    elif isinstance(exc, SystemExit):
        kind = "exit"
    elif isinstance(exc, _PROGRAM_ERRORS) or not in_framework:
        kind = "program"
    else:
        kind = "build"
    message = _ANSI.sub("", str(exc)).strip()
    if len(message) > _MAX_MESSAGE:
        message = message[:_MAX_MESSAGE] + " ..."

    def chars(row, col):
        if row is None or col is None or not (1 <= row <= len(lines)):
            return col
        return len(lines[row - 1].encode("utf-8")[:col].decode("utf-8", "ignore"))

    out: dict[str, Any] = {"type": type(exc).__name__, "message": message, "kind": kind,
                           "in_framework": in_framework, "user_rows": [f.lineno for f in user],
                           "layer": getattr(exc, "_shapelint_layer", None)}
    if deepest is not None:
        end_row = getattr(deepest, "end_lineno", None) or deepest.lineno
        out.update(row=deepest.lineno, col=chars(deepest.lineno, getattr(deepest, "colno", None)),
                   end_row=end_row, end_col=chars(end_row, getattr(deepest, "end_colno", None)))
    return out


def _forget_user_modules(before: set, directory: str) -> None:
    """Sibling modules the file imported must not leak into the next file's build."""
    for name in set(sys.modules) - before:
        path = getattr(sys.modules.get(name), "__file__", None) or ""
        if path and os.path.realpath(path).startswith(directory + os.sep):
            del sys.modules[name]


def build(request: dict, recorder, guard, keras) -> dict:
    filename = request["filename"]
    text = request["program"]
    lines = text.splitlines()
    guard.network.clear()
    guard.writes.clear()
    result: dict[str, Any] = {"id": request.get("id"), "ok": True, "error": None}
    directory = os.path.dirname(os.path.realpath(filename))
    before = set(sys.modules)
    saved_path, saved_argv = list(sys.path), list(sys.argv)
    started = time.perf_counter()
    try:
        code = compile(text, filename, "exec", dont_inherit=True)
    except BaseException as exc:   # the derived program must compile; report, never crash
        result.update(ok=False, error={"type": type(exc).__name__, "message": str(exc), "kind": "program",
                                       "in_framework": False, "user_rows": []})
        return result
    namespace = {"__name__": "__main__", "__file__": filename, "__builtins__": builtins}
    keras.config.disable_traceback_filtering()   # full tracebacks; clear_session() re-enables it
    sys.path.insert(0, directory)
    sys.argv = [filename]
    recorder.start(filename, text)
    try:
        with guard.writes_confined():
            exec(code, namespace)
    except BaseException as exc:   # noqa: BLE001 - every way the build can stop is a result
        result.update(ok=False, error=_describe(exc, filename, lines))
    finally:
        recorder.stop()
        sys.path[:], sys.argv[:] = saved_path, saved_argv
        _forget_user_modules(before, directory)
    result.update(seconds=round(time.perf_counter() - started, 4), calls=recorder.calls,
                  ctors=recorder.ctors, network=list(guard.network), writes=list(guard.writes))
    namespace.clear()
    return result


def _clean_up(keras, builds: int) -> None:
    """Fresh Keras state per file; a full garbage collection (slow with TF) only now and then."""
    try:
        keras.backend.clear_session(free_memory=False)
    except TypeError:
        keras.backend.clear_session()
    except Exception:
        pass
    if builds % _GC_EVERY == 0:
        gc.collect()


def main() -> int:
    from shapelint.validation.guard import Guard, harden_stdout

    proto = harden_stdout()
    started = time.perf_counter()
    try:
        import tensorflow as tf
        import keras
        keras.config.disable_traceback_filtering()
        try:
            tf.config.set_visible_devices([], "GPU")
        except Exception:
            pass
    except BaseException as exc:   # noqa: BLE001 - tell the runner why, then stop
        _send(proto, {"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return 1
    from shapelint.validation.recorder import Recorder

    guard = Guard(os.getcwd())
    guard.block_network()
    recorder = Recorder(keras)
    recorder.install()
    setattr(builtins, "__shapelint_unverifiable__", Unverifiable)
    _send(proto, {"ready": True, "seconds": round(time.perf_counter() - started, 4),
                  "tensorflow": tf.__version__, "keras": keras.__version__, "pid": os.getpid()})
    builds = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except ValueError:
            continue
        if request.get("stop"):
            break
        _send(proto, build(request, recorder, guard, keras))
        builds += 1
        _clean_up(keras, builds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
