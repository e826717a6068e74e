"""Checking the files of one run: each file read once (never a FIFO or device), cached
results first, the checker for the rest.

The checker (and with it libcst) is imported only when some file is not in the cache, so a
re-run over unchanged files starts and finishes in a fraction of the time. Files are checked
in this process unless there is enough source to pay for starting workers (or ``-j N``, N > 1,
asks for them). Workers run under an address-space ceiling; a file whose analysis raises,
runs out of memory or kills its worker costs only that file's results, and a note on it says
so: the run always goes on.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from pathlib import Path

from shapelint.cache import ResultCache
from shapelint.discovery import NotRegularFile, read_source
from shapelint.findings import FileResult
from shapelint.interp.budget import DEFAULT_SECONDS

# Measured on fixtures/ copied 6 times (570 KB): the analysis costs ~5 s of CPU per MB of
# source, and workers add ~0.1 s of start-up plus ~0.5 ms per file of CPU. Below this much
# source to analyse (besides the largest file, which one worker checks alone anyway) they
# would save less than they cost on two cores, and nothing on a busy machine: a pre-commit
# run or an editor's single file stays in this process.
MIN_PARALLEL_BYTES = 256 * 1024
# Address space of one worker (RLIMIT_AS): a 50,000-line generated model peaks at ~2 GB today.
WORKER_MEMORY_LIMIT = 4 << 30
_IN_FLIGHT_PER_WORKER = 2          # files queued per worker: a crash suspects at most these


@dataclass(frozen=True)
class Source:
    """A file's bytes, the name it is reported under, the source roots where the project's
    own modules it imports are found, and the wall-clock seconds its analysis may take."""

    data: bytes
    name: str
    roots: tuple[str, ...] = ()
    seconds: float | None = DEFAULT_SECONDS


# Checked once in this process before workers are forked: the first analysis loads the op
# and layer tables (~0.1-0.2 s), which every worker would otherwise pay again.
_WARM_UP = Source(b"import keras\nx = keras.layers.Dense(1)(keras.Input(shape=(2,)))\n", "warm-up.py")


def check_files(files: Sequence[Path], keras_version: int, jobs: int, cache: ResultCache,
                roots: tuple[str, ...] = (), seconds: float | None = DEFAULT_SECONDS) -> list[FileResult]:
    """Results for ``files`` in order; every freshly checked file is stored in the cache."""
    results: dict[int, FileResult] = {}
    todo: list[tuple[int, Source]] = []
    unreadable: list[int] = []
    for i, path in enumerate(files):
        try:
            data = read_source(path)
        except NotRegularFile as exc:
            results[i] = FileResult(str(path), (), notes=(exc.note,))
            continue
        except OSError:
            unreadable.append(i)       # the checker reports why (SHP002)
            continue
        hit = cache.get(data, str(path))
        if hit is not None:
            results[i] = hit
        else:
            todo.append((i, Source(data, str(path), roots, seconds)))
    if unreadable:
        from shapelint.checker import check_file

        for i in unreadable:
            results[i] = check_file(files[i], keras_version=keras_version)
    if todo:
        checked = check_many([s for _, s in todo], keras_version, jobs)
        for (i, source), (result, complete) in zip(todo, checked):
            results[i] = result
            if complete and result.cacheable:   # a failed or timed-out analysis is not a
                cache.put(source.data, result)      # property of the file
    return [results[i] for i in range(len(files))]      # every file has its result


def worker_count(jobs: int, sizes: Sequence[int]) -> int:
    """How many worker processes to use; 1 means none (check in this process)."""
    if jobs:
        return min(jobs, len(sizes)) if jobs > 1 else 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cpus < 2 or len(sizes) < 2 or sum(sizes) - max(sizes) < MIN_PARALLEL_BYTES:
        return 1
    return min(cpus, len(sizes))


def check_many(sources: Sequence[Source], keras_version: int = 3, jobs: int = 0,
               memory_limit: int = WORKER_MEMORY_LIMIT) -> list[tuple[FileResult, bool]]:
    """(result, whether the analysis completed) for each file, in order. ``jobs``: 0 picks
    by the amount of source, 1 checks in this process, N > 1 uses N workers."""
    import shapelint.checker  # noqa: F401  # imported before forking: workers inherit it

    workers = worker_count(jobs, [len(s.data) for s in sources])
    if workers == 1 and jobs <= 1:
        return [_check(s, keras_version) for s in sources]
    _check(_WARM_UP, keras_version)     # forked workers inherit the tables it loads
    return _Pool(sources, keras_version, workers, memory_limit).run()


def _check(source: Source, keras_version: int) -> tuple[FileResult, bool]:
    """Check one file; an exception of the analyzer becomes a note, never the run's end."""
    from shapelint.checker import check_bytes

    try:
        return check_bytes(source.data, source.name, keras_version, source.roots,
                           seconds=source.seconds), True
    except MemoryError:
        within = f" within the {_limit_in_force >> 20} MB memory limit of a worker" if _limit_in_force else ""
        return _failed(source.name, f"analysis stopped: the file could not be analysed{within}; "
                                    "its findings are unknown")
    except Exception as exc:   # an analyzer bug must not lose the other files
        return _failed(source.name, f"analysis failed: internal error {type(exc).__name__}: "
                                    f"{str(exc)[:200]}; its findings are unknown")


def _failed(name: str, note: str) -> tuple[FileResult, bool]:
    return FileResult(name, (), notes=(note,)), False


_limit_in_force = 0


def _address_space_in_use() -> int:
    """Bytes of address space this process maps already (Linux; else 0). A worker forked
    from a large process (one that loaded TensorFlow: several GB of mappings) inherits them."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0


def _start_worker(limit: int) -> None:
    """Worker initializer: fewer collections, and the address space capped (where the
    platform allows it) at ``limit`` bytes beyond what the worker inherited."""
    global _limit_in_force
    from shapelint.checker import GC_THRESHOLDS

    gc.set_threshold(*GC_THRESHOLDS)      # for the whole life of the worker
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        in_use = _address_space_in_use()
        soft = in_use + limit if hard == resource.RLIM_INFINITY else min(in_use + limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        _limit_in_force = max(soft - in_use, 0)
    except (ImportError, AttributeError, ValueError, OSError):
        pass


class _Pool:
    """Worker processes fed a few files at a time, largest first. When a worker dies, the
    files in flight are each checked again alone, in a fresh worker: the one that kills
    it gets a note, the others their results; then the rest go on in a new pool."""

    def __init__(self, sources: Sequence[Source], keras_version: int, workers: int, memory_limit: int):
        self.sources = sources
        self.keras_version = keras_version
        self.workers = workers
        self.memory_limit = memory_limit
        self.results: dict[int, tuple[FileResult, bool]] = {}

    def run(self) -> list[tuple[FileResult, bool]]:
        queue = deque(sorted(range(len(self.sources)), key=lambda i: -len(self.sources[i].data)))
        while queue:
            for i in self._until_broken(queue, self.workers):
                if self._until_broken(deque([i]), 1):
                    self._died(i)
        return [self.results[i] for i in range(len(self.sources))]

    def _until_broken(self, queue: deque[int], workers: int) -> list[int]:
        """Check files from ``queue`` until it is empty or a worker dies; return the files
        that were in flight when it died (empty when none did)."""
        pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=_start_worker,
                                   initargs=(self.memory_limit,))
        in_flight: dict[Future[tuple[FileResult, bool]], int] = {}
        lost: list[int] = []
        try:
            while queue or in_flight:
                while queue and len(in_flight) < workers * _IN_FLIGHT_PER_WORKER:
                    i = queue.popleft()
                    in_flight[pool.submit(_check, self.sources[i], self.keras_version)] = i
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    i = in_flight.pop(future)
                    try:
                        self.results[i] = future.result()
                    except BrokenProcessPool:
                        lost.append(i)
                    except Exception as exc:   # e.g. a result that cannot be sent back
                        self.results[i] = _failed(self.sources[i].name, f"analysis failed: "
                                                  f"{type(exc).__name__}: {str(exc)[:200]}")
                if lost:
                    return lost + list(in_flight.values())
            return []
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _died(self, i: int) -> None:
        self.results[i] = _failed(self.sources[i].name, (
            "analysis stopped: the worker process analysing this file died (it may have exceeded "
            f"the {self.memory_limit >> 20} MB memory limit of a worker); its findings are unknown"))


def _context() -> BaseContext:
    """Fork where it is safe and fast (Linux): workers start with the checker imported."""
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()
