"""The build worker: a long-lived TensorFlow process that builds models from (mutated) modules.

Run as ``python worker.py`` by build.py; it reads one JSON job per line on stdin and writes
one JSON result per line on the pipe whose fd is its argument, so whatever the model code prints
cannot corrupt the protocol. A job loads one module from given source text under its real
name (siblings in ``purge`` are re-imported fresh so they see it), evaluates each entry call
in its entry module, and reports builds / raises (type, message, the frames in the traced
files). With ``trace`` it records which lines of those files each entry ran (baseline runs).
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import json
import os
import sys
import time
import traceback
import types

MESSAGE_LIMIT = 600


def load_module(name: str, path: str, source: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent and parent in sys.modules:
        setattr(sys.modules[parent], child, module)
    exec(compile(source, path, "exec"), module.__dict__)
    return module


class LineTracer:
    """Lines run in a set of files, via sys.settrace (only frames of those files are traced)."""

    def __init__(self, paths: set[str]):
        self.paths = paths
        self.lines: dict[str, set[int]] = {}

    def __call__(self, frame, event, arg):
        path = frame.f_code.co_filename
        if path not in self.paths:
            return None
        seen = self.lines.setdefault(path, set())
        seen.add(frame.f_lineno)

        def local(frame, event, arg):
            if event == "line":
                seen.add(frame.f_lineno)
            return local

        return local


def frames_in(tb, paths: set[str]) -> list[list]:
    return [[f.filename, f.lineno] for f in traceback.extract_tb(tb) if f.filename in paths]


def run_job(job: dict) -> dict:
    for p in job.get("sys_path", []):
        if p not in sys.path:
            sys.path.insert(0, p)
    for p in job.get("sys_path_last", []):
        if p not in sys.path:
            sys.path.append(p)
    for m in job.get("warm", []):
        importlib.import_module(m)
    import keras

    keras.config.set_image_data_format("channels_last")
    keras.backend.clear_session()

    traced = set(job.get("files", []))
    name = job["module"]
    purge = set(job.get("purge", [])) | {name}
    saved = {m: sys.modules.pop(m) for m in list(sys.modules) if m in purge}
    parents = {m: getattr(sys.modules.get(m.rpartition(".")[0]), m.rpartition(".")[2], None) for m in purge}
    result: dict = {"status": "builds", "entries": []}
    try:
        module = load_module(name, job["path"], job["source"])
        for entry in job["entries"]:
            t0 = time.perf_counter()
            namespace = (
                module.__dict__
                if entry["module"] == name
                else importlib.import_module(entry["module"]).__dict__
            )
            tracer = LineTracer(traced) if job.get("trace") else None
            if tracer:
                sys.settrace(tracer)
            try:
                eval(entry["call"], namespace)
            except Exception as exc:  # the mutant raised: that is the datum
                result.update(
                    status="raises",
                    entry=entry["call"],
                    error_type=type(exc).__name__,
                    message=str(exc)[:MESSAGE_LIMIT],
                    frames=frames_in(exc.__traceback__, traced),
                )
            finally:
                sys.settrace(None)
            record = {"call": entry["call"], "seconds": round(time.perf_counter() - t0, 3)}
            if tracer:
                record["lines"] = {p: sorted(v) for p, v in tracer.lines.items()}
            result["entries"].append(record)
            keras.backend.clear_session()
            if result["status"] != "builds":
                break
    except Exception as exc:  # the module itself failed to load
        result.update(
            status="raises",
            entry="<import>",
            error_type=type(exc).__name__,
            message=str(exc)[:MESSAGE_LIMIT],
            frames=frames_in(exc.__traceback__, traced),
        )
    finally:
        for m in list(sys.modules):
            if m in purge:
                del sys.modules[m]
        sys.modules.update(saved)
        for m, value in parents.items():
            parent = sys.modules.get(m.rpartition(".")[0])
            if parent is not None and value is not None:
                setattr(parent, m.rpartition(".")[2], value)
        gc.collect()
    return result


def main() -> None:
    out = os.fdopen(int(sys.argv[1]), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # model code prints: keep it off the protocol and the terminal
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras  # noqa: F401  (start TensorFlow once, before the first job)

    out.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        job = json.loads(line)
        try:
            result = run_job(job)
        except BaseException as exc:  # a harness-level failure is reported, not fatal
            result = {
                "status": "worker-error",
                "error_type": type(exc).__name__,
                "message": str(exc)[:MESSAGE_LIMIT],
            }
        out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
