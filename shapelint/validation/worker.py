"""The validation zygote: import TensorFlow once, then build each file in a fresh child.

Protocol with the runner (JSON lines on stdin/stdout): the zygote first writes
``{"ready": true, "sandbox": {...}, ...}`` (or ``{"ready": false, "error": ...}``),
then answers each request ``{"id", "filename", "program", "timeout", "probes"}`` with one line
(``probes``: claims to check on the layers the build made, :mod:`shapelint.validation.probes`).

Per request it forks a child that enters the sandbox (:mod:`shapelint.validation.sandbox`)
before it compiles the program, and reads that child's own pipe: a first frame from the
sandbox set-up (trusted: no code of the file has run yet), then the build's result. The
child is never reused: no state passes from one file to the next. When it is done, or its
time is up, everything it started is killed (the zygote is a child subreaper).
"""
from __future__ import annotations

import builtins
import contextlib
import importlib
import json
import os
import re
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TextIO, cast

if TYPE_CHECKING:
    from shapelint.validation.guard import Guard
    from shapelint.validation.protocol import (
        Answer,
        BuildRequest,
        BuildResult,
        ErrorInfo,
        Hello,
        Place,
        SandboxInfo,
        SetupFrame,
    )
    from shapelint.validation.recorder import Recorder
    from shapelint.validation.sandbox import Plan
    from shapelint.validation.sandbox.channel import Reader

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_MAX_MESSAGE = 2000
_EXIT_GRACE = 5.0
_PROGRAM_ERRORS = (NameError, ImportError, AttributeError, OSError, SyntaxError, RecursionError,
                   MemoryError, AssertionError)


def _send(proto: TextIO, message: Mapping[str, object]) -> None:
    proto.write(json.dumps(message) + "\n")
    proto.flush()


def _describe(exc: BaseException, filename: str, lines: list[str]) -> ErrorInfo:
    """The exception, located at its deepest frame in the user file."""
    from shapelint.validation.guard import NetworkBlocked, WriteBlocked
    from shapelint.validation.recorder import FAILING_LAYER

    frames = traceback.extract_tb(exc.__traceback__)
    user = [f for f in frames if f.filename == filename]
    deepest = user[-1] if user else None
    in_framework = bool(frames) and frames[-1].filename != filename
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        kind = "missing"   # an optional package that is not installed: the next build goes on without it
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

    def chars(row: int | None, col: int | None) -> int | None:
        if row is None or col is None or not (1 <= row <= len(lines)):
            return col
        return len(lines[row - 1].encode("utf-8")[:col].decode("utf-8", "ignore"))

    def position(frame: traceback.FrameSummary) -> Place:   # columns: Python 3.11+
        end_row = getattr(frame, "end_lineno", None) or frame.lineno
        return [frame.lineno, chars(frame.lineno, getattr(frame, "colno", None)),
                end_row, chars(end_row, getattr(frame, "end_colno", None))]

    out: ErrorInfo = {"type": type(exc).__name__, "message": message, "kind": kind,
                      "in_framework": in_framework, "user_rows": [f.lineno for f in user],
                      "frames": [position(f) for f in user][-50:],
                      "layer": getattr(exc, FAILING_LAYER, None)}
    if isinstance(exc, ModuleNotFoundError) and kind == "missing":
        out["missing_module"] = str(exc.name)[:200]
    if deepest is not None:
        out["row"], out["col"], out["end_row"], out["end_col"] = position(deepest)
    return out


def build(request: BuildRequest, recorder: Recorder, guard: Guard, keras: Any) -> BuildResult:
    """Run one build program in this (sandboxed, throwaway) process; every way it can
    stop is a result."""
    filename = request["filename"]
    text = request["program"]
    lines = text.splitlines()
    result: BuildResult = {"ok": True, "error": None}
    started = time.perf_counter()
    try:
        code = compile(text, filename, "exec", dont_inherit=True)
    except BaseException as exc:   # the derived program must compile; report, never crash
        result["ok"] = False
        result["error"] = {"type": type(exc).__name__, "message": str(exc), "kind": "program",
                           "in_framework": False, "user_rows": []}
        return result
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": filename, "__builtins__": builtins}
    sys.path.insert(0, os.path.dirname(filename))
    sys.argv = [filename]
    recorder.start(filename, text)
    try:
        with guard.writes_confined():
            exec(code, namespace)
    except BaseException as exc:
        result["ok"] = False
        result["error"] = _describe(exc, filename, lines)
    finally:
        recorder.stop()
    result["seconds"] = round(time.perf_counter() - started, 4)
    if request.get("probes"):
        from shapelint.validation import probes

        with guard.writes_confined():
            result["probes"] = probes.run(request["probes"], recorder.built_at, keras)
    recorder.forget()
    result.update({"calls": recorder.calls, "ctors": recorder.ctors, "feeds": recorder.feeds,
                   "network": list(guard.network), "writes": list(guard.writes),
                   "resources": _resources()})
    return result


def _resources() -> dict[str, int]:
    """Peak address space (KiB) and threads of this build: what the rlimits are set against."""
    out: dict[str, int] = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmPeak", "VmHWM", "Threads"):
                    out[key] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return out


class Zygote:
    """Holds the imported TensorFlow and forks one sandboxed child per build."""

    def __init__(self, plan: Plan, recorder: Recorder, guard: Guard, keras: Any, run_dir: str,
                 subreaper: bool):
        self.plan, self.recorder, self.guard, self.keras = plan, recorder, guard, keras
        self.run_dir = run_dir
        self.subreaper = subreaper
        self.builds = 0

    def _child(self, request: BuildRequest, build_dir: str,   # pragma: no cover - child
               channel_fd: int) -> None:
        from shapelint.validation import sandbox
        from shapelint.validation.sandbox import channel

        try:
            setup: SetupFrame
            try:
                layers, _ = sandbox.enter(self.plan, build_dir, os.path.dirname(request["filename"]),
                                          float(request.get("timeout", 60)), channel_fd)
            except sandbox.SandboxError as exc:
                setup = {"refused": str(exc)}
                channel.send(channel_fd, setup)
                return
            setup = {"sandbox": layers}
            channel.send(channel_fd, setup)
            self.guard.sandbox = os.path.realpath(build_dir)
            channel.send(channel_fd, build(request, self.recorder, self.guard, self.keras))
        finally:
            os._exit(0)

    def handle(self, request: BuildRequest) -> Answer:
        from shapelint.validation.sandbox import channel, reaper

        self.builds += 1
        timeout = float(request.get("timeout", 60))
        build_dir = os.path.join(self.run_dir, f"build-{self.builds}")
        os.mkdir(build_dir, 0o700)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:   # pragma: no cover - child
            os.close(read_end)
            self._child(request, build_dir, write_end)
        os.close(write_end)
        status: list[int] = []

        def exited() -> bool:
            if not status:
                done, code = os.waitpid(pid, os.WNOHANG)
                if done:
                    status.append(code)
            return bool(status)

        answer: Answer = {"id": request.get("id")}
        reader = channel.Reader(read_end)
        deadline = time.monotonic() + timeout
        finished = reader.read(2, deadline + 1.0, exited)   # the set-up frame, then the result
        try:
            if finished:
                answer.update(self._judge(reader, exited, status))
            else:
                answer.update({"status": "timeout", "sandbox": _layers(reader.frames),
                               "detail": f"the build did not finish within {timeout:g} s"})
        finally:
            with contextlib.suppress(OSError):     # the child's own session (all a non-Linux system offers)
                os.killpg(pid, signal.SIGKILL)
            reaper.kill_descendants(os.getpid())   # and on Linux anything that escaped it
            reaper.reap()
            os.close(read_end)
            shutil.rmtree(build_dir, ignore_errors=True)
        if self.subreaper:
            answer["sandbox"] = [*answer.get("sandbox", []), "subreaper"]
        return answer

    @staticmethod
    def _judge(reader: Reader, exited: Callable[[], bool], status: list[int]) -> Answer:
        frames = reader.frames
        setup = frames[0] if frames and isinstance(frames[0], dict) else {}
        if "refused" in setup:
            return {"status": "refused", "detail": str(setup["refused"])}
        layers = _layers(frames)
        if len(frames) >= 2 and isinstance(frames[1], dict):   # as it came: the runner cleans it
            return {"status": "done", "sandbox": layers, "result": cast("BuildResult", frames[1])}
        if reader.oversized:
            return {"status": "crashed", "sandbox": layers,
                    "detail": "the build sent a result too large to read"}
        if len(frames) >= 2:
            return {"status": "crashed", "sandbox": layers, "detail": "the build sent an unreadable result"}
        waited = time.monotonic() + _EXIT_GRACE
        while not exited() and time.monotonic() < waited:
            time.sleep(0.01)
        return {"status": "crashed", "sandbox": layers, "detail": _death(status[0] if status else None)}


def _layers(frames: list[object]) -> list[str]:
    """The layers the set-up frame (written before any code of the file ran) reports."""
    setup = frames[0] if frames and isinstance(frames[0], dict) else {}
    layers = setup.get("sandbox")
    return layers if isinstance(layers, list) else []


def _death(status: int | None) -> str:
    """How the build process ended without a result; never anything it printed."""
    if status is None:
        return "the build process closed its result channel without a result"
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
    if code > 128:
        try:
            name = signal.Signals(code - 128).name
        except ValueError:
            name = f"signal {code - 128}"
        return f"the build process was killed by {name} (a resource limit, or a crash in native code)"
    return f"the build process exited with status {code} before reporting a result"


def _import_tensorflow() -> tuple[Any, Any]:
    """Keras and TensorFlow, imported once and set up for building (CPU only, Keras's own
    frames kept in tracebacks). They have no type stubs: what they give stays Any."""
    keras = importlib.import_module("keras")
    tf = importlib.import_module("tensorflow")
    keras.config.disable_traceback_filtering()
    with contextlib.suppress(Exception):
        tf.config.set_visible_devices([], "GPU")
    return keras, tf


def main() -> int:
    from shapelint.validation import sandbox
    from shapelint.validation.guard import Guard, harden_stdout
    from shapelint.validation.sandbox import reaper

    proto = harden_stdout()
    if not hasattr(os, "fork"):
        _send(proto, {"ready": False, "error": "--validate builds each file in a forked process, "
                                               "which this platform (no os.fork) cannot do"})
        return 1
    mode = sys.argv[2] if len(sys.argv) > 2 else sandbox.DEFAULT_MODE
    run_dir = os.getcwd()
    subreaper = reaper.become_subreaper()
    plan = sandbox.probe(mode, run_dir)
    info: SandboxInfo = {"mode": plan.mode, "layers": plan.layers() + (["subreaper"] if subreaper else []),
                         "missing": list(plan.missing)}
    refusal = plan.refusal()
    if refusal:
        _send(proto, {"ready": False, "refused": refusal, "sandbox": info})
        return 1
    started = time.perf_counter()
    try:
        keras, tf = _import_tensorflow()
    except BaseException as exc:
        _send(proto, {"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return 1
    from dataclasses import replace

    from shapelint.validation.recorder import Recorder

    plan = replace(plan, readable=sandbox.readable_paths())   # now with TensorFlow's libraries
    guard = Guard(run_dir)
    guard.block_network()
    recorder = Recorder(keras)
    recorder.install()
    zygote = Zygote(plan, recorder, guard, keras, run_dir, subreaper)
    hello: Hello = {"ready": True, "seconds": round(time.perf_counter() - started, 4),
                    "tensorflow": tf.__version__, "keras": keras.__version__, "pid": os.getpid(),
                    "sandbox": info}
    _send(proto, hello)
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                request = json.loads(line)
            except ValueError:
                continue
            if request.get("stop"):
                break
            _send(proto, zygote.handle(request))
    finally:
        reaper.kill_descendants(os.getpid())
    return 0


if __name__ == "__main__":
    sys.exit(main())
