"""Whatever sits in the tree (FIFOs, devices, symlink loops, unreadable files, deep
directories), a run finishes, says what it skipped in every output format, and still
reports the other files' findings. A file whose analysis dies costs only that file."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapelint import batch, checker
from shapelint.cli import main

BUGGY = ("from keras import layers, Input\na = Input(shape=(3,))\nb = Input(shape=(4,))\n"
         "c = layers.Add()([a, b])\n")
# What the buggy file gets when checked alone, next to nothing odd: "SHP102 <message>".
FINDING = "{0.code} {0.message}".format(*checker.check_source(BUGGY, "alone.py").diagnostics)
FIFO_NOTE = "skipped: a FIFO (named pipe), not a regular file"
LOOP = "Cannot read file: Too many levels of symbolic links"
FORMATS = ["full", "concise", "json", "github", "sarif"]
TIMEOUT = 120      # a bound on a hang, not a measurement
RECURSION_LIMIT = 400    # enough for pytest and click, and a directory tree deeper than it


def shapelint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real command in a fresh process: a hang would be a timeout, not a stuck test run."""
    return subprocess.run([sys.executable, "-m", "shapelint", "check", "--no-cache", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


def notes_shown(fmt: str, out: str) -> list[tuple[str, str]]:
    """(file, note) pairs as each format carries them."""
    if fmt == "json":
        return [(e["filename"], e["message"]) for e in json.loads(out) if e["severity"] == "note"]
    if fmt == "sarif":
        [inv] = json.loads(out)["runs"][0]["invocations"]
        return [(n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], n["message"]["text"])
                for n in inv["toolExecutionNotifications"]]
    if fmt == "github":
        return [(line.split("file=")[1].split(",")[0], line.split("::", 2)[2])
                for line in out.splitlines() if line.startswith("::notice ")]
    return [tuple(line.split(": note: ")) for line in out.splitlines() if ": note: " in line]  # type: ignore[misc]


def finding_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": SHP" in line]


@pytest.fixture
def odd_tree(tmp_path):
    """A package with a buggy file beside a FIFO, symlink loops, a dangling link and a
    `.gitignore` that is itself a FIFO."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "model.py").write_text(BUGGY)
    os.mkfifo(tmp_path / "pkg" / "pipe.py")
    os.mkfifo(tmp_path / "pkg" / ".gitignore")
    (tmp_path / "pkg" / "self.py").symlink_to("self.py")
    (tmp_path / "pkg" / "a.py").symlink_to("b.py")
    (tmp_path / "pkg" / "b.py").symlink_to("a.py")
    (tmp_path / "pkg" / "gone.py").symlink_to("nowhere.py")
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint]\nexclude = ["legacy/"]\n')  # resolves paths
    return tmp_path


@pytest.mark.parametrize("jobs", ["1", "2", "0"])
def test_a_tree_of_odd_files_is_checked_and_described(odd_tree, jobs):
    run = shapelint("-j", jobs, "--format", "concise", "pkg", cwd=odd_tree)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout.splitlines() == [
        "pkg/a.py:1:1: SHP002 " + LOOP,
        "pkg/b.py:1:1: SHP002 " + LOOP,
        "pkg/gone.py:1:1: SHP002 Cannot read file: No such file or directory",
        f"pkg/model.py:4:5: {FINDING}",
        f"pkg/pipe.py: note: {FIFO_NOTE}",
        "pkg/self.py:1:1: SHP002 " + LOOP,
        "Found 5 findings in 5 of 6 files checked.",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_skipped_files_are_noted_in_every_format(odd_tree, fmt):
    run = shapelint("-j", "2", "--format", fmt, "pkg/pipe.py", "pkg/model.py", cwd=odd_tree)
    assert run.returncode == 1, run.stderr
    assert notes_shown(fmt, run.stdout) == [("pkg/pipe.py", FIFO_NOTE)]
    assert run.stderr == ""


def test_devices_are_never_opened(tmp_path):
    (tmp_path / "zero.py").symlink_to("/dev/zero")     # reading it would never end
    (tmp_path / "null.py").symlink_to("/dev/null")
    (tmp_path / "model.py").write_text(BUGGY)
    run = shapelint("--format", "concise", "zero.py", "null.py", "model.py", cwd=tmp_path)
    assert run.stdout.splitlines() == [
        "zero.py: note: skipped: a character device, not a regular file",
        "null.py: note: skipped: a character device, not a regular file",
        f"model.py:4:5: {FINDING}",
        "Found 1 finding in 1 of 3 files checked.",
    ]


def test_symlink_loops_named_on_the_command_line(odd_tree):
    run = shapelint("--format", "concise", "pkg/self.py", "pkg/a.py", "pkg/model.py", cwd=odd_tree)
    assert run.stdout.splitlines() == [
        "pkg/self.py:1:1: SHP002 " + LOOP,
        "pkg/a.py:1:1: SHP002 " + LOOP,
        f"pkg/model.py:4:5: {FINDING}",
        "Found 3 findings in 3 of 3 files checked.",
    ]


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux /proc")
def test_an_unreadable_named_file_is_shp002_and_the_run_goes_on(tmp_path):
    """/proc/self/mem is a regular file that cannot be read at offset 0 (EIO), even by root."""
    (tmp_path / "mem.py").symlink_to("/proc/self/mem")
    (tmp_path / "model.py").write_text(BUGGY)
    run = shapelint("--format", "concise", "mem.py", "model.py", cwd=tmp_path)
    assert run.stdout.splitlines() == [
        "mem.py:1:1: SHP002 Cannot read file: Input/output error",
        f"model.py:4:5: {FINDING}",
        "Found 2 findings in 2 of 2 files checked.",
    ]


def test_a_deep_directory_tree_is_walked(monkeypatch):
    """Deeper than Python's recursion limit: the walk keeps a stack, not a call chain. (Not
    under pytest's tmp_path: its clean-up recurses and would fail on this tree.) The limit is
    lowered for the test, since each level costs a walk to the root (path resolution)."""
    top = Path(tempfile.mkdtemp(prefix="shapelint-deep-"))
    levels = []
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(RECURSION_LIMIT)
        deep = top
        for _ in range(RECURSION_LIMIT + 50):
            try:
                (deep / "d").mkdir()
            except OSError:         # PATH_MAX first on this file system: deep enough
                break
            deep = deep / "d"
            levels.append(deep)
        (deep / "model.py").write_text(BUGGY)
        monkeypatch.chdir(top)
        run = CliRunner().invoke(main, ["check", "--no-cache", "--format", "concise", "d"])
        assert run.exit_code == 1, run.output
        assert finding_lines(run.stdout) == [f"{(deep / 'model.py').relative_to(top)}:4:5: {FINDING}"]
    finally:
        sys.setrecursionlimit(limit)
        (deep / "model.py").unlink(missing_ok=True)
        for level in reversed(levels):
            level.rmdir()
        top.rmdir()


# --- a file whose analysis fails costs only that file ------------------------------------

def _sources(tmp_path: Path, names: list[str]) -> list[Path]:
    out = []
    for name in names:
        (tmp_path / name).write_text(BUGGY)
        out.append(tmp_path / name)
    return out


@pytest.fixture
def hostile_analyzer(monkeypatch):
    """The analyzer, made to fail on chosen files: killing its own process, allocating more
    than a worker may, or raising. Workers are forked, so they inherit it."""
    real = checker.check_bytes

    def check_bytes(data, path, keras_version=3, roots=(), **options):
        name = Path(path).name
        if name.startswith("killer"):
            os.kill(os.getpid(), signal.SIGKILL)
        if name.startswith("hog"):          # lazily mapped: without a ceiling this succeeds
            hoard = bytearray(batch.WORKER_MEMORY_LIMIT + (1 << 30))
            del hoard
        if name.startswith("buggy_analyzer"):
            raise ValueError("analyzer bug \x1b[31m on purpose")
        return real(data, path, keras_version, roots, **options)

    monkeypatch.setattr(checker, "check_bytes", check_bytes)
    return real


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and RLIMIT_AS")
def test_a_worker_that_dies_costs_only_its_file(tmp_path, monkeypatch, hostile_analyzer):
    names = ["a.py", "killer.py", "b.py", "hog.py", "c.py", "buggy_analyzer.py", "d.py"]
    _sources(tmp_path, names)
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(main, ["check", "--no-cache", "-j", "2", "--format", "concise", *names])
    assert run.exit_code == 1, run.output
    assert run.stdout.splitlines() == [
        f"a.py:4:5: {FINDING}",
        "killer.py: note: analysis stopped: the worker process analysing this file died (it may have "
        "exceeded the 4096 MB memory limit of a worker); its findings are unknown",
        f"b.py:4:5: {FINDING}",
        "hog.py: note: analysis stopped: the file could not be analysed within the 4096 MB memory limit "
        "of a worker; its findings are unknown",
        f"c.py:4:5: {FINDING}",
        "buggy_analyzer.py: note: analysis failed: internal error ValueError: analyzer bug ␛[31m on "
        "purpose; its findings are unknown",
        f"d.py:4:5: {FINDING}",
        "Found 4 findings in 4 of 7 files checked.",
    ]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and RLIMIT_AS")
def test_failed_analyses_are_not_cached(tmp_path, monkeypatch, hostile_analyzer):
    monkeypatch.delenv("SHAPELINT_NO_CACHE", raising=False)
    _sources(tmp_path, ["killer.py"])
    (tmp_path / "a.py").write_text(BUGGY + "# another file\n")
    monkeypatch.chdir(tmp_path)
    CliRunner().invoke(main, ["check", "-j", "2", "--cache-dir", "cache", "killer.py", "a.py"])
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 1     # a.py's
    monkeypatch.setattr(checker, "check_bytes", hostile_analyzer)    # the real analyzer again
    run = CliRunner().invoke(main, ["check", "--cache-dir", "cache", "--format", "concise", "killer.py"])
    assert run.stdout.splitlines()[0] == f"killer.py:4:5: {FINDING}"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and RLIMIT_AS")
def test_workers_of_a_large_process_still_analyse(tmp_path, monkeypatch):
    """A worker's memory limit counts from what it inherits: forked from a process that maps
    more than the limit already (one that loaded TensorFlow), it still analyses its files."""
    import mmap

    _sources(tmp_path, ["a.py", "b.py"])
    monkeypatch.chdir(tmp_path)
    reserved = mmap.mmap(-1, batch.WORKER_MEMORY_LIMIT + (1 << 30))   # address space, untouched
    try:
        run = CliRunner().invoke(main, ["check", "--no-cache", "-j", "2", "--format", "concise",
                                        "a.py", "b.py"])
    finally:
        reserved.close()
    assert run.stdout.splitlines() == [f"a.py:4:5: {FINDING}", f"b.py:4:5: {FINDING}",
                                       "Found 2 findings in 2 of 2 files checked."]


def test_small_runs_stay_in_process_and_large_ones_use_workers():
    small = [10_000] * 20
    assert batch.worker_count(0, small) == 1
    assert batch.worker_count(1, [10 ** 7] * 10) == 1
    assert batch.worker_count(2, small) == 2
    assert batch.worker_count(4, [100]) == 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert batch.worker_count(0, [batch.MIN_PARALLEL_BYTES] * 3) == min(cpus or 1, 3)
    assert batch.worker_count(0, [10 ** 8, 10]) == 1       # one big file: a worker cannot share it
