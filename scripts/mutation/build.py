"""Build jobs in TensorFlow worker processes: timeouts, crashes, a small pool, a result cache.

A worker is restarted after a timeout or a crash (its process group is killed), and every
RECYCLE_AFTER jobs to bound memory. Results are cached in a JSON-lines file keyed by the
job's contents, so a second run rebuilds only what changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

WORKER = Path(__file__).with_name("worker.py")
RECYCLE_AFTER = 60
START_TIMEOUT = 180.0


class Worker:
    """One TensorFlow process speaking the worker.py protocol."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.reader = None
        self.jobs = 0

    def start(self) -> None:
        read_fd, write_fd = os.pipe()
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1", CUDA_VISIBLE_DEVICES="")
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), str(write_fd)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(write_fd,),
            env=env,
            start_new_session=True,
            text=True,
        )
        os.close(write_fd)
        self.reader = os.fdopen(read_fd, "r")
        self.jobs = 0
        if self._read(START_TIMEOUT) is None:
            raise RuntimeError("the build worker did not start (is TensorFlow installed?)")

    def _read(self, timeout: float) -> dict | None:
        sel = selectors.DefaultSelector()
        sel.register(self.reader, selectors.EVENT_READ)
        ready = sel.select(timeout)
        sel.close()
        if not ready:
            return None
        line = self.reader.readline()
        return json.loads(line) if line else {"status": "crashes"}

    def stop(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.reader.close()
            self.proc = None

    def run(self, job: dict, timeout: float) -> dict:
        if self.proc is None or self.jobs >= RECYCLE_AFTER:
            self.stop()
            self.start()
        self.jobs += 1
        t0 = time.perf_counter()
        try:
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            self.stop()
            return {"status": "crashes", "message": "worker pipe closed"}
        result = self._read(timeout)
        if result is None:
            self.stop()
            return {"status": "times-out", "message": f"no result within {timeout:.0f} s"}
        if result.get("status") == "crashes":
            code = self.proc.wait()
            self.stop()
            result["message"] = f"worker exited with code {code}"
        result["wall_seconds"] = round(time.perf_counter() - t0, 3)
        return result


class Cache:
    """Build results keyed by a hash of the job (source, entries, versions); JSON lines."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.Lock()
        self.entries: dict[str, dict] = {}
        if path.exists():
            for line in path.read_text().splitlines():
                try:
                    record = json.loads(line)
                    self.entries[record["key"]] = record["result"]
                except (ValueError, KeyError):
                    continue  # a torn line is a miss

    @staticmethod
    def key(job: dict, salt: str) -> str:
        return hashlib.sha256((salt + json.dumps(job, sort_keys=True)).encode()).hexdigest()

    def get(self, key: str) -> dict | None:
        return self.entries.get(key)

    def put(self, key: str, result: dict) -> None:
        with self.lock:
            self.entries[key] = result
            with self.path.open("a") as f:
                f.write(json.dumps({"key": key, "result": result}) + "\n")


class Builder:
    """Runs jobs on a pool of workers, through the cache; a timed-out or crashed result is
    not cached (the next run tries again)."""

    def __init__(self, cache: Cache, salt: str, jobs: int = 1, timeout: float = 120.0):
        self.cache = cache
        self.salt = salt
        self.timeout = timeout
        self.jobs = max(1, jobs)
        self.workers: queue.Queue[Worker] = queue.Queue()
        for _ in range(self.jobs):
            self.workers.put(Worker())
        self.hits = 0

    def run_one(self, job: dict) -> dict:
        key = Cache.key(job, self.salt)
        cached = self.cache.get(key)
        if cached is not None:
            self.hits += 1
            return dict(cached, cached=True)
        worker = self.workers.get()
        try:
            result = worker.run(job, self.timeout)
        finally:
            self.workers.put(worker)
        if result.get("status") in ("builds", "raises"):
            self.cache.put(key, result)
        return result

    def run_all(self, jobs: list[dict], progress: Callable[[int, int], None] | None = None) -> list[dict]:
        results: list[dict | None] = [None] * len(jobs)
        done = 0

        def task(i: int) -> None:
            nonlocal done
            results[i] = self.run_one(jobs[i])
            done += 1
            if progress:
                progress(done, len(jobs))

        with ThreadPoolExecutor(self.jobs) as pool:
            list(pool.map(task, range(len(jobs))))
        return results  # type: ignore[return-value]

    def close(self) -> None:
        while not self.workers.empty():
            self.workers.get().stop()

    def __enter__(self) -> Builder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def iter_lines(result: dict) -> Iterable[tuple[str, str, int]]:
    """(entry call, path, line) for every line a traced job ran."""
    for entry in result.get("entries", []):
        for path, lines in entry.get("lines", {}).items():
            for line in lines:
                yield entry["call"], path, line
