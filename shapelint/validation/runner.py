"""Run build programs through one TensorFlow zygote per run (one TF start, not one per file).

The zygote (:mod:`shapelint.validation.worker`) starts with an allow-listed environment
in a fresh temp directory, imports TensorFlow once and forks a sandboxed child for each
file (:mod:`shapelint.validation.sandbox`). What it sends back is cleaned here before
anything else reads it. If the zygote itself stops answering, it is killed with every
process under it, and the next file starts a fresh one.
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
from typing import Any, cast

from shapelint.validation.program import BuildProgram
from shapelint.validation.protocol import (
    BuildRequest,
    CallRecord,
    CtorRecord,
    ErrorInfo,
    FeedRecord,
    ProbeResult,
)
from shapelint.validation.sandbox import DEFAULT_MODE, MODES, describe, limits, reaper
from shapelint.validation.sandbox.untrusted import JSON, Cleaner, secret_values

DEFAULT_TIMEOUT = 60.0
STARTUP_TIMEOUT = 300.0
_ANSWER_MARGIN = 30.0        # the zygote's own kill-and-clean-up time on top of a build's limit
_ROOT = str(Path(__file__).resolve().parent.parent.parent)
_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
         "from shapelint.validation.worker import main; sys.exit(main())")
_KINDS = ("build", "program", "missing", "network", "write", "exit")


@dataclass
class BuildOutcome:
    """What happened when one program was built."""

    status: str                        # "built" | "raised" | "timeout" | "crashed" | "skipped"
    seconds: float = 0.0
    error: ErrorInfo | None = None     # the worker's description of the exception
    calls: list[CallRecord] = field(default_factory=list)
    ctors: list[CtorRecord] = field(default_factory=list)
    feeds: list[FeedRecord] = field(default_factory=list)     # the stand-ins for data calls that ran
    probes: list[ProbeResult] = field(default_factory=list)   # checks of warnings' claims (probes)
    network: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    detail: str = ""                   # why, for timeout/crashed/skipped
    sandbox: tuple[str, ...] = ()      # the isolation layers the build ran under
    sandbox_note: str = ""             # the same, said for the output (and what was missing)
    resources: dict[str, int] = field(default_factory=dict)   # the build's VmPeak/VmHWM (KiB), Threads


class WorkerError(Exception):
    pass


class SandboxUnavailable(Exception):
    """``--sandbox strict`` and this machine cannot isolate a build: validate nothing."""


def zygote_environment(home: str) -> dict[str, str]:
    """The zygote's whole environment: the allow-list, a temp HOME, and an import path
    that finds shapelint (and packages installed with --user, since HOME moves)."""
    paths = [_ROOT]
    user_site = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if user_site and os.path.isdir(user_site):
        paths.append(user_site)
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    env = limits.environment(dict(os.environ), home, {"PYTHONPATH": os.pathsep.join(paths)})
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env[proxy] = "http://127.0.0.1:9"   # a closed port, where no network namespace exists
    return env


class _Zygote:
    def __init__(self, python: str, run_dir: str, mode: str, startup_timeout: float):
        home = os.path.join(run_dir, "home")
        os.makedirs(home, exist_ok=True)
        self.log_path = os.path.join(run_dir, f"zygote-{time.time_ns()}.log")
        self._log = open(self.log_path, "wb")   # noqa: SIM115 - the zygote's stderr for its whole life
        self.proc = subprocess.Popen(
            [python, "-c", _BOOT, _ROOT, mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._log, cwd=run_dir, env=zygote_environment(home), start_new_session=True,
            close_fds=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 0
        hello = self._receive(startup_timeout)
        if hello is None or not hello.get("ready"):
            self.kill()
            if hello and hello.get("refused"):
                raise SandboxUnavailable(str(hello["refused"]))
            reason = (hello or {}).get("error") or self.log_tail() or "no answer"
            raise WorkerError(f"TensorFlow could not be started: {reason}")
        self.info = hello

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.put(raw.decode("utf-8", "replace"))
        self.lines.put(None)

    def _receive(self, timeout: float) -> dict[str, Any] | None:
        """The zygote's next message (a :class:`~shapelint.validation.protocol.Hello` or
        :class:`~shapelint.validation.protocol.Answer`), read as the JSON it is."""
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
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict):
                return message

    def request(self, program: BuildProgram, timeout: float) -> dict[str, Any] | None:
        """The zygote's answer; None if it died; TimeoutError if it stopped answering."""
        self.next_id += 1
        message: BuildRequest = {"id": self.next_id, "filename": program.filename, "program": program.source,
                                 "timeout": timeout, "probes": [p.request() for p in program.probes]}
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(message) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        while True:
            answer = self._receive(timeout + _ANSWER_MARGIN)
            if answer is None or answer.get("id") == self.next_id:
                return answer

    def log_tail(self, size: int = 2000) -> str:
        """The end of the zygote's log: TensorFlow's start-up messages (no build writes here)."""
        try:
            self._log.flush()
            data = Path(self.log_path).read_bytes()[-size:]
        except OSError:
            return ""
        return data.decode("utf-8", "replace").strip()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """Kill every process under the zygote first (it is their subreaper, so orphans
        stay under it while it lives), then the zygote's own process group."""
        if self.proc.poll() is None:
            reaper.kill_descendants(self.proc.pid, collect=False)
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
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
    """Builds programs one after another, each in its own sandboxed process; a context manager."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, python: str = sys.executable,
                 startup_timeout: float = STARTUP_TIMEOUT, sandbox: str = DEFAULT_MODE):
        if sandbox not in MODES:
            raise ValueError(f"sandbox must be one of {', '.join(MODES)}, not {sandbox!r}")
        self.timeout = timeout
        self.python = python
        self.startup_timeout = startup_timeout
        self.mode = sandbox
        self.run_dir = tempfile.mkdtemp(prefix="shapelint-validate-")
        self.zygote: _Zygote | None = None
        self.starts: list[float] = []         # seconds each zygote took to import TensorFlow
        self.versions: dict[str, str] = {}
        self.sandbox: dict[str, JSON] = {}    # the zygote's probe: mode, layers, missing
        self.start_error: str | None = None
        self.cleaner = Cleaner(secret_values(os.environ))

    def __enter__(self) -> BuildRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure_zygote(self) -> _Zygote | None:
        if self.zygote is not None and self.zygote.alive():
            return self.zygote
        if self.start_error is not None:
            return None
        try:
            self.zygote = _Zygote(self.python, self.run_dir, self.mode, self.startup_timeout)
        except (WorkerError, TimeoutError, OSError) as exc:
            self.start_error = self.cleaner.text(str(exc)) if not isinstance(exc, TimeoutError) else \
                f"TensorFlow did not start within {self.startup_timeout:.0f} s"
            return None
        info = self.zygote.info
        self.starts.append(float(info.get("seconds", 0.0)))
        self.versions = {k: self.cleaner.text(str(info.get(k))) for k in ("tensorflow", "keras")}
        sandbox = self.cleaner.value(info.get("sandbox"))
        self.sandbox = sandbox if isinstance(sandbox, dict) else {}
        return self.zygote

    def start(self) -> bool:
        """Start the zygote now (it starts on the first build otherwise); False if it cannot.
        Raises :class:`SandboxUnavailable` in strict mode on a machine without OS isolation."""
        return self._ensure_zygote() is not None

    def build(self, program: BuildProgram, timeout: float | None = None) -> BuildOutcome:
        if program.error or not program.text:
            return BuildOutcome("skipped", detail=program.error or "nothing to build")
        zygote = self._ensure_zygote()
        if zygote is None:
            return BuildOutcome("skipped", detail=self.start_error or "TensorFlow could not be started")
        limit = self.timeout if timeout is None else timeout
        started = time.perf_counter()
        try:
            answer = zygote.request(program, limit)
        except TimeoutError:
            answer = None
        if answer is None:
            zygote.kill()
            self.zygote = None
            return BuildOutcome("crashed", seconds=time.perf_counter() - started,
                                detail="the TensorFlow zygote stopped answering "
                                       "(a fresh one builds the next file)")
        return self._outcome(answer, time.perf_counter() - started)

    def _outcome(self, answer: dict[str, Any], wall: float) -> BuildOutcome:
        clean = self.cleaner
        layers = tuple(_texts(clean.value(answer.get("sandbox"))))
        note = describe(self.mode, list(layers), tuple(_texts(self.sandbox.get("missing"))))
        status = answer.get("status")
        if status != "done":
            kind = {"timeout": "timeout", "refused": "skipped"}.get(str(status), "crashed")
            detail = clean.text(str(answer.get("detail") or "the build process failed"))
            if kind == "skipped":
                detail = f"the sandbox could not be set up, so the file was not built ({detail})"
            return BuildOutcome(kind, seconds=wall, detail=detail, sandbox=layers, sandbox_note=note)
        cleaned = clean.value(answer.get("result"))
        result = cleaned if isinstance(cleaned, dict) else {}
        error = result.get("error")
        if isinstance(error, dict) and error.get("kind") not in _KINDS:
            error["kind"] = "program"
        seconds = result.get("seconds")
        # The records and the error keep the worker's types (protocol.py) unchecked past their
        # shape: the file's code could forge them, and what reads them fails for that file only.
        return BuildOutcome(
            "built" if result.get("ok") is True else "raised",
            seconds=float(seconds) if isinstance(seconds, (int, float)) else wall,
            error=cast("ErrorInfo", error) if isinstance(error, dict) else None,
            calls=cast("list[CallRecord]", _records(result.get("calls"))),
            ctors=cast("list[CtorRecord]", _records(result.get("ctors"))),
            feeds=cast("list[FeedRecord]", _records(result.get("feeds"))),
            probes=cast("list[ProbeResult]", _records(result.get("probes"))),
            network=_texts(result.get("network")), writes=_texts(result.get("writes")), sandbox=layers,
            sandbox_note=note, resources=_counts(result.get("resources")),
        )

    def close(self) -> None:
        if self.zygote is not None:
            self.zygote.stop()
            self.zygote = None
        shutil.rmtree(self.run_dir, ignore_errors=True)


def _records(value: JSON) -> list[dict[str, JSON]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _counts(value: JSON) -> dict[str, int]:
    return {k: v for k, v in value.items() if isinstance(v, int)} if isinstance(value, dict) else {}


def _texts(value: JSON) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
