"""OS-level isolation for one ``--validate`` build (the boundary; the build program's
rewriter and the Python guard are only a first line).

The zygote forks one process per file; that process calls :func:`enter` before it
compiles the file's program. On Linux it gets a user, network, mount and pid namespace
(no network interface; a read-only root holding the Python installation, system
libraries and the file's own directory; one writable tmpfs), locked mounts, Landlock
where the kernel has it, resource limits, an allow-listed environment and no file
descriptor but its result pipe. :func:`probe` finds out once per run what this machine
allows, so every build gets the same layers and ``strict`` can refuse up front.
"""
from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from shapelint.validation.sandbox import landlock, limits, namespaces, syscalls
from shapelint.validation.sandbox.limits import Limits

MODES = ("auto", "strict", "off")
DEFAULT_MODE = "auto"
# What strict demands: no network and no writable path but the temp dir.
REQUIRED = ("network namespace", "read-only mount namespace")


class SandboxError(Exception):
    """The isolation a build was promised could not be set up: the build does not run."""


@dataclass(frozen=True)
class Plan:
    """The layers every build of this run gets (decided by :func:`probe`)."""

    mode: str = DEFAULT_MODE
    namespaces: bool = False
    pid_namespace: bool = False
    new_root: str | None = None     # an empty host directory to mount each build's root on
    landlock_abi: int = 0
    readable: tuple[str, ...] = ()  # read-only paths besides the file's own directory
    limits: Limits = field(default_factory=Limits)
    missing: tuple[str, ...] = ()   # why a layer is not in force (for the note)

    def layers(self) -> list[str]:
        if self.mode == "off":
            return []
        out = []
        if self.namespaces:
            out += ["network namespace", "read-only mount namespace"]
            out += ["pid namespace"] if self.pid_namespace else []
        if self.landlock_abi:
            out.append(f"Landlock ABI {self.landlock_abi}")
        out.append("rlimits")
        return out

    def refusal(self) -> str | None:
        """Why strict mode must not run any build here, or None."""
        if self.mode != "strict" or all(layer in self.layers() for layer in REQUIRED):
            return None
        return ("--sandbox strict needs OS isolation (a network namespace and a read-only mount "
                "namespace), which this machine does not allow: " + ("; ".join(self.missing) or "not Linux"))


def describe(mode: str, layers: list[str], missing: tuple[str, ...] = ()) -> str:
    """The note every validated file carries: which isolation its build ran under."""
    if mode == "off":
        return ("validation sandbox: off (a process per file with a scrubbed environment and the "
                "Python-level guard only; no OS isolation)")
    text = "validation sandbox: " + (", ".join(layers) or "nothing")
    if not any(layer in layers for layer in REQUIRED):
        text += " (no OS isolation: " + ("; ".join(missing) or "not Linux") + ")"
    return text


def readable_paths() -> tuple[str, ...]:
    """What a build reads besides its own file's directory: the Python installation and
    every import path, system libraries, and the directories of loaded shared objects."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths |= {p for p in sys.path if p and os.path.isabs(p)}
    paths |= {"/usr", "/lib", "/lib64", "/lib32", "/etc/ld.so.cache", "/etc/localtime"}
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split(maxsplit=5)[-1].strip() if line.count(" ") >= 5 else ""
                if path.startswith("/") and ".so" in os.path.basename(path):
                    paths.add(os.path.dirname(path))
    except OSError:
        pass
    return tuple(sorted(p for p in paths if os.path.exists(p)))


def enter(plan: Plan, build_dir: str, file_dir: str, timeout: float, channel: int,
          lenient: bool = False) -> tuple[list[str], list[str]]:
    """Isolate this freshly forked process (and whatever it starts) before any code of
    the file runs. Returns the layers in force and why others are not. With a pid
    namespace this forks once more: the calling process only waits, and :func:`enter`
    returns in the child, pid 1 of the namespace (when it exits, the kernel kills
    everything left in it). ``lenient`` (the probe): skip what fails instead of raising."""
    missing: list[str] = []
    layers: list[str] = []

    def attempt(name: str, step: Callable[[], object]) -> bool:
        try:
            step()
        except (OSError, ValueError) as exc:
            if not lenient:
                raise SandboxError(f"{name}: {exc}") from None
            missing.append(f"{name}: {exc}")
            return False
        return True

    limits.close_fds_except(channel)
    os.setsid()
    if plan.mode != "off" and plan.namespaces:
        uid, gid = os.getuid(), os.getgid()
        found: list[str] = []
        if attempt("user namespaces", lambda: found.extend(namespaces.enter(uid, gid, plan.pid_namespace))):
            if "pid" in found:
                _wait_as_parent(channel)   # returns only in the new pid 1
            host_proc = os.open("/proc/self", os.O_RDONLY | os.O_DIRECTORY)
            try:
                if attempt("mount namespace", lambda: namespaces.build_root(
                        plan.new_root or "", [*plan.readable, file_dir], build_dir, proc="pid" in found)) \
                        and attempt("locked mounts", lambda: namespaces.lock(host_proc)):
                    layers += ["network namespace", "read-only mount namespace"]
                    layers += ["pid namespace"] if "pid" in found else []
            finally:
                os.close(host_proc)
    if plan.mode != "off":
        if attempt("rlimits", lambda: plan.limits.apply(timeout)):
            layers.append("rlimits")
        if plan.landlock_abi and attempt("Landlock", lambda: _landlock(plan, build_dir, file_dir)):
            layers.append(f"Landlock ABI {plan.landlock_abi}")
    extra = {"PYTHONPATH": os.environ["PYTHONPATH"]} if os.environ.get("PYTHONPATH") else {}
    env = limits.environment(dict(os.environ), build_dir, extra)
    os.environ.clear()
    os.environ.update(env)
    tempfile.tempdir = None
    os.chdir(build_dir)
    return layers, missing


def _wait_as_parent(channel: int) -> None:
    """Fork the pid namespace's init; this process waits for it and exits with its status."""
    child = os.fork()
    if child == 0:
        return
    os.close(channel)
    _, status = os.waitpid(child, 0)
    os._exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))


def _landlock(plan: Plan, build_dir: str, file_dir: str) -> None:
    rw = landlock.READ_FILE | landlock.WRITE_FILE
    devices = {"/dev/null": rw, "/dev/full": rw, "/dev/zero": landlock.READ_FILE,
               "/dev/random": landlock.READ_FILE, "/dev/urandom": landlock.READ_FILE}
    landlock.restrict(plan.landlock_abi, [*plan.readable, file_dir, "/proc"], [build_dir], devices)


def probe(mode: str, run_dir: str) -> Plan:
    """Which layers this machine allows: a throwaway child tries them all (in lenient
    mode) and reports. Costs one fork of a small process; run before TensorFlow starts."""
    if mode == "off":
        return Plan(mode="off")
    if not syscalls.IS_LINUX:
        return Plan(mode=mode, missing=("not Linux: rlimits only",))
    from shapelint.validation.sandbox import channel as frames

    new_root = os.path.join(run_dir, "root")
    os.makedirs(new_root, exist_ok=True)
    build_dir = tempfile.mkdtemp(prefix="probe-", dir=run_dir)
    candidate = Plan(mode=mode, namespaces=True, pid_namespace=True, new_root=new_root,
                     landlock_abi=landlock.abi_version(), readable=readable_paths())
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:   # pragma: no cover - runs in the probe child
        try:
            os.close(read_end)
            layers, missing = enter(candidate, build_dir, build_dir, 10.0, write_end, lenient=True)
            checks = {"network": _no_network(), "write": _no_write(build_dir)} \
                if "read-only mount namespace" in layers else {}
            frames.send(write_end, {"layers": layers, "missing": missing, **checks})
        finally:
            os._exit(0)
    os.close(write_end)
    reader = frames.Reader(read_end)
    reader.read(1, time.monotonic() + 30, lambda: os.waitpid(pid, os.WNOHANG)[0] != 0)
    os.close(read_end)
    from shapelint.validation.sandbox import reaper

    reaper.kill_descendants(os.getpid())
    shutil.rmtree(build_dir, ignore_errors=True)
    first = reader.frames[0] if reader.frames else None
    report: dict[str, Any] = first if isinstance(first, dict) else {}   # layers, missing, network, write
    layers, missing = report.get("layers", []), list(report.get("missing", []))
    namespaced = "read-only mount namespace" in layers and "network namespace" in layers
    if namespaced and not report.get("network"):
        missing.append("network namespace: the probe still reached an interface")
        namespaced = False
    if namespaced and not report.get("write"):
        missing.append("mount namespace: the probe could still write outside its temp dir")
        namespaced = False
    if not candidate.landlock_abi:
        missing.append("Landlock: not available in this kernel")
    elif not any(layer.startswith("Landlock") for layer in layers):
        candidate = replace(candidate, landlock_abi=0)
    if not report:
        missing.append("the sandbox probe died")
    return replace(candidate, namespaces=namespaced, pid_namespace=namespaced and "pid namespace" in layers,
                   new_root=new_root if namespaced else None, missing=tuple(missing))


def _no_network() -> bool:
    """True in a fresh network namespace: loopback is its only interface."""
    try:
        return [name for _, name in socket.if_nameindex()] == ["lo"]
    except OSError:
        return False


def _no_write(build_dir: str) -> bool:
    """True when the only writable place is the build's temp dir."""
    for probe_dir in ("/", "/tmp", os.path.dirname(build_dir), sys.prefix):
        try:
            fd, path = tempfile.mkstemp(dir=probe_dir)
        except OSError:
            continue
        os.close(fd)
        os.unlink(path)
        return False
    return True
