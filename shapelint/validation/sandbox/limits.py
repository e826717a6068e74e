"""Process hygiene for one build: resource limits, an allow-listed environment, and no
file descriptor but the result channel. Portable POSIX (``resource``), no privilege.
"""
from __future__ import annotations

import os
import resource
from collections.abc import Mapping
from dataclasses import dataclass

GIB = 1 << 30


@dataclass(frozen=True)
class Limits:
    """Ceilings a Keras build lives with (measured by scripts/bench_validation.py: a
    fixture build peaks near 1.8 GiB of address space and 6 threads on 2 cores; TensorFlow
    starts two thread pools of one thread per core, so threads scale with the cores)."""

    address_space: int = 8 * GIB      # RLIMIT_AS: TensorFlow maps ~1.4 GiB before building anything
    file_size: int = 64 << 20         # RLIMIT_FSIZE: the temp dir holds caches at most
    processes: int = 0                # RLIMIT_NPROC, threads included; 0: 256 + 8 per core
    open_files: int = 1024            # RLIMIT_NOFILE
    cpu_margin: int = 10              # RLIMIT_CPU is the time limit plus this many seconds

    def apply(self, timeout: float) -> None:
        processes = self.processes or 256 + 8 * (os.cpu_count() or 1)
        cpu = int(timeout) + self.cpu_margin
        for which, value in ((resource.RLIMIT_AS, self.address_space),
                             (resource.RLIMIT_FSIZE, self.file_size), (resource.RLIMIT_NPROC, processes),
                             (resource.RLIMIT_NOFILE, self.open_files), (resource.RLIMIT_CORE, 0),
                             (resource.RLIMIT_CPU, (cpu, cpu + 5))):
            soft, hard = value if isinstance(value, tuple) else (value, value)
            _, current_hard = resource.getrlimit(which)
            if current_hard != resource.RLIM_INFINITY:
                soft, hard = min(soft, current_hard), min(hard, current_hard)
            resource.setrlimit(which, (soft, hard))


# What TensorFlow and Keras need from the environment; every other variable is dropped.
PASSED = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONHOME", "LD_LIBRARY_PATH",
          "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "TF_ENABLE_ONEDNN_OPTS")


def environment(source: Mapping[str, str], home: str, extra: Mapping[str, str]) -> dict[str, str]:
    """The allow-listed environment: PATH, locale and the few TensorFlow knobs from
    ``source``, a temp HOME (and every cache directory under it), CPU only."""
    env = {k: source[k] for k in PASSED if k in source}
    env.update({
        "HOME": home, "TMPDIR": home, "KERAS_HOME": os.path.join(home, ".keras"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"), "MPLCONFIGDIR": os.path.join(home, ".mpl"),
        "TFHUB_CACHE_DIR": os.path.join(home, ".tfhub"), "HF_HOME": os.path.join(home, ".hf"),
        "KERAS_BACKEND": "tensorflow", "CUDA_VISIBLE_DEVICES": "",
        "TF_CPP_MIN_LOG_LEVEL": source.get("TF_CPP_MIN_LOG_LEVEL", "3"),
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def close_fds_except(keep: int) -> None:
    """Only ``keep`` stays open; 0, 1 and 2 become /dev/null."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        if fd != null:
            os.dup2(null, fd)
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    limit = 65536 if limit == resource.RLIM_INFINITY else limit
    os.closerange(3, keep)                            # /dev/null's own descriptor too
    os.closerange(keep + 1, max(limit, keep + 2))
