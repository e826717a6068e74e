"""Run build programs in one long-lived TensorFlow worker (one TF start per run, not per file).

The worker runs on CPU in a fresh temp directory that is also its HOME and Keras home,
so nothing lands in the user's tree. A file that overruns its time limit gets the worker
killed (its whole process group); the next file starts a fresh one.
"""
from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from shapelint.validation.program import BuildProgram

DEFAULT_TIMEOUT = 60.0
STARTUP_TIMEOUT = 300.0
_ROOT = str(Path(__file__).resolve().parent.parent.parent)
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from shapelint.validation.worker import main; sys.exit(main())"


@dataclass
class BuildOutcome:
    """What happened when one program was built."""

    status: str                        # "built" | "raised" | "timeout" | "crashed" | "skipped"
    seconds: float = 0.0
    error: Optional[dict] = None       # the worker's description of the exception
    calls: list = field(default_factory=list)
    ctors: list = field(default_factory=list)
    network: list = field(default_factory=list)
    writes: list = field(default_factory=list)
    detail: str = ""                   # why, for timeout/crashed/skipped


class WorkerError(Exception):
    pass


class _Worker:
    def __init__(self, python: str, sandbox: str, startup_timeout: float):
        env = dict(os.environ)
        home = os.path.join(sandbox, "home")
        tmp = os.path.join(sandbox, "tmp")
        os.makedirs(home, exist_ok=True)
        os.makedirs(tmp, exist_ok=True)
        paths = [_ROOT]
        user_site = site.getusersitepackages() if site.ENABLE_USER_SITE else None
        if user_site and os.path.isdir(user_site):
            paths.append(user_site)   # HOME moves: keep packages installed with --user importable
        env.update({
            "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": env.get("TF_CPP_MIN_LOG_LEVEL", "3"),
            "HOME": home, "KERAS_HOME": os.path.join(home, ".keras"), "TMPDIR": tmp,
            "XDG_CACHE_HOME": os.path.join(home, ".cache"), "MPLCONFIGDIR": os.path.join(home, ".mpl"),
            "TFHUB_CACHE_DIR": os.path.join(home, ".tfhub"), "HF_HOME": os.path.join(home, ".hf"),
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(paths + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])),
        })
        for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            env[proxy] = "http://127.0.0.1:9"   # a closed port: belt and braces for the network block
        self.log_path = os.path.join(sandbox, f"worker-{time.time_ns()}.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [python, "-c", _BOOT, _ROOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._log, cwd=sandbox, env=env, start_new_session=True,
        )
        self.lines: "queue.Queue[Optional[str]]" = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 0
        hello = self._receive(startup_timeout)
        if hello is None or not hello.get("ready"):
            reason = (hello or {}).get("error") or self.log_tail() or "no answer"
            self.kill()
            raise WorkerError(f"TensorFlow could not be started: {reason}")
        self.info = hello

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.put(raw.decode("utf-8", "replace"))
        self.lines.put(None)

    def _receive(self, timeout: float) -> Optional[dict]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                raise TimeoutError from None
            if line is None:
                return None
            try:
                return json.loads(line)
            except ValueError:
                continue

    def request(self, program: BuildProgram, timeout: float) -> Optional[dict]:
        """The worker's answer; None if it died; TimeoutError if it overran."""
        self.next_id += 1
        message = {"id": self.next_id, "filename": program.filename, "program": program.text}
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(message) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        while True:
            answer = self._receive(timeout)
            if answer is None or answer.get("id") == self.next_id:
                return answer

    def log_tail(self, size: int = 2000) -> str:
        try:
            self._log.flush()
            data = Path(self.log_path).read_bytes()[-size:]
        except OSError:
            return ""
        return data.decode("utf-8", "replace").strip()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)   # our own session: the worker and its children
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        self.proc.wait()
        self._log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(b'{"stop": true}\n')
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()


class BuildRunner:
    """Builds programs one after another in a shared worker; a context manager."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, python: str = sys.executable,
                 startup_timeout: float = STARTUP_TIMEOUT):
        self.timeout = timeout
        self.python = python
        self.startup_timeout = startup_timeout
        self.sandbox = tempfile.mkdtemp(prefix="shapelint-validate-")
        self.worker: Optional[_Worker] = None
        self.starts: list[float] = []         # seconds each worker took to import TensorFlow
        self.versions: dict = {}
        self.start_error: Optional[str] = None

    def __enter__(self) -> "BuildRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _ensure_worker(self) -> Optional[_Worker]:
        if self.worker is not None and self.worker.alive():
            return self.worker
        if self.start_error is not None:
            return None
        try:
            self.worker = _Worker(self.python, self.sandbox, self.startup_timeout)
        except (WorkerError, TimeoutError, OSError) as exc:
            self.start_error = str(exc) if not isinstance(exc, TimeoutError) else \
                f"TensorFlow did not start within {self.startup_timeout:.0f} s"
            return None
        self.starts.append(float(self.worker.info.get("seconds", 0.0)))
        self.versions = {k: self.worker.info.get(k) for k in ("tensorflow", "keras")}
        return self.worker

    def start(self) -> bool:
        """Start the worker now (it starts on the first build otherwise); False if it cannot."""
        return self._ensure_worker() is not None

    def build(self, program: BuildProgram, timeout: Optional[float] = None) -> BuildOutcome:
        if program.error or not program.text:
            return BuildOutcome("skipped", detail=program.error or "nothing to build")
        worker = self._ensure_worker()
        if worker is None:
            return BuildOutcome("skipped", detail=self.start_error or "TensorFlow could not be started")
        limit = self.timeout if timeout is None else timeout
        started = time.perf_counter()
        try:
            answer = worker.request(program, limit)
        except TimeoutError:
            worker.kill()
            self.worker = None
            return BuildOutcome("timeout", seconds=time.perf_counter() - started,
                                detail=f"the build did not finish within {limit:g} s")
        if answer is None:
            tail = worker.log_tail(600)
            worker.kill()
            self.worker = None
            return BuildOutcome("crashed", seconds=time.perf_counter() - started,
                                detail="the TensorFlow worker died" + (f": {tail.splitlines()[-1]}" if tail else ""))
        return BuildOutcome(
            "built" if answer.get("ok") else "raised", seconds=float(answer.get("seconds", 0.0)),
            error=answer.get("error"), calls=answer.get("calls", []), ctors=answer.get("ctors", []),
            network=answer.get("network", []), writes=answer.get("writes", []),
        )

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
        shutil.rmtree(self.sandbox, ignore_errors=True)
