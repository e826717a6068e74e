"""Hostile inputs to the static path: each finishes within its limits with a note or a
finding, never a crash, a hang or the silent loss of another finding.

Every case is followed by a real bug; the bug must still be reported. A hang is caught by an
alarm (a bound, not a measurement: timings belong to scripts/bench_static.py), memory by
running all cases at once under an address-space limit.
"""
from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapelint import checker
from shapelint.checker import check_source
from shapelint.cli import main

HEAD = "import keras\nfrom keras import layers\n"
BUG = "a = keras.Input(shape=(3,))\nb = keras.Input(shape=(4,))\nc = layers.Add()([a, b])\n"
BUG_MESSAGE = ("Add needs shapes that broadcast, but (None, 3) and (None, 4) differ on axis 1 "
               "(3 vs 4).")
HANG_BOUND = 60           # seconds; a bound on a hang, not a measurement

CASES = {
    # constant folding: each value would take gigabytes or forever if computed
    "doubled_string": 's = "ab"\nfor _ in range(29):\n    s = s + s\nn = len(s)\n',
    "huge_tuple": "t = (0,) * 4096 * 4096 * 8\n",
    "huge_shift": "n = 1 << (1 << 33)\n",
    "power_tower": "n = 7 ** 256 ** 256 ** 256\n",
    "huge_list": "xs = [0] * 10 ** 9\nys = xs + xs\n",
    # flow that never ends, or recursion without a base case
    "endless_while": "i = 0\nwhile True:\n    i = i + 1\n",
    "endless_recursion": "def f(n):\n    return f(n + 1) + f(n + 2)\n\n\nf(0)\n",
    # the parser allows 200 levels of brackets; libcst needs ~2,000 frames for them
    "nested_list": "x = " + "[" * 199 + "]" * 199 + "\n",
    "nested_calls": "x = " + "f(" * 199 + ")" * 199 + "\n",
    "nested_blocks": "".join("    " * i + "if n:\n" for i in range(98)) + "    " * 98 + "pass\n",
}


@pytest.fixture
def no_hang():
    """Fail the test instead of hanging the run."""
    def expired(signum, frame):
        raise TimeoutError(f"still running after {HANG_BOUND} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(HANG_BOUND)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def bug_row(body: str) -> int:
    return (HEAD + body).count("\n") + 3


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_statement_never_costs_the_next_finding(name, no_hang):
    body = CASES[name]
    result = check_source(HEAD + body + BUG, f"{name}.py")
    assert [(d.location.row, d.code, d.message) for d in result.diagnostics] == [
        (bug_row(body), "SHP102", BUG_MESSAGE)]
    assert result.notes == ()


def test_a_loop_that_exhausts_its_budget_gives_up_on_that_statement_only(no_hang):
    body = ("def heavy():\n    x = 0\n    for a in range(60):\n        for b in range(60):\n"
            "            for c in range(60):\n                x = x + a * b * c\n    return x\n\n\n"
            "y = heavy()\n")
    result = check_source(HEAD + body + BUG, "heavy.py")
    assert [(d.location.row, d.code) for d in result.diagnostics] == [(bug_row(body), "SHP102")]
    assert result.notes == ("analysis gave up on the statement at line 12: its budget of "
                            "200,000 steps ran out; the rest of the file was analysed",)


def test_the_file_budget_stops_the_file_with_a_note(monkeypatch, no_hang):
    """Many statements that each stay within their own budget still end at the file's."""
    monkeypatch.setattr("shapelint.interp.budget.FILE_STEPS", 5_000)
    body = "t = 0\n" + "for k in range(50):\n    t = t + k\n" * 200
    result = check_source(HEAD + body + BUG, "many.py")
    assert result.diagnostics == ()
    assert result.notes == ("analysis gave up on the statement at line 52: the file's budget of "
                            "5,000 steps ran out; the rest of the file was not analysed",)


def test_a_file_too_large_to_analyse_is_skipped_with_a_note(no_hang):
    """A multi-megabyte single line would take minutes and gigabytes to parse."""
    line = "; ".join(f"x{i} = layers.Dense(4)(keras.Input(shape=(3,)))" for i in range(60_000))
    result = check_source(HEAD + line + "\n" + BUG, "generated.py")
    size = len(HEAD + line + "\n" + BUG) / 1e6
    assert result.diagnostics == ()
    assert result.notes == (f"skipped: {size:.1f} MB of source is more than the 2.5 MB shapelint "
                            "analyses in one file; exclude generated files like this one",)
    assert len(HEAD + line) > checker.MAX_ANALYSED_CHARS


def test_every_case_at_once_stays_under_a_memory_ceiling(tmp_path):
    """The whole CLI, one process, under 1 GB of address space: nothing is built in full."""
    for name, body in CASES.items():
        (tmp_path / f"{name}.py").write_text(HEAD + body + BUG)

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    run = subprocess.run([sys.executable, "-m", "shapelint", "check", "--no-cache", "-j", "1",
                          "--output-format", "json", str(tmp_path)],
                         preexec_fn=limit_memory, capture_output=True, text=True,
                         timeout=HANG_BOUND * 4, check=False)
    assert run.returncode == 1, run.stderr
    found = sorted((Path(e["filename"]).stem, e["location"]["row"], e["code"])
                   for e in json.loads(run.stdout))
    assert found == sorted((name, bug_row(body), "SHP102") for name, body in CASES.items())


def test_the_time_limit_is_configurable_and_a_result_it_cut_is_not_cached(tmp_path, monkeypatch):
    """`time-limit` in the config (or --time-limit) bounds each file's analysis; a result the
    clock cut depends on the machine, so the next run analyses the file again."""
    body = "t = 0\n" + "for k in range(60):\n    t = t + k\n" * 300
    (tmp_path / "model.py").write_text(HEAD + body + BUG)
    (tmp_path / "pyproject.toml").write_text("[tool.shapelint]\ntime-limit = 0.001\n")
    monkeypatch.chdir(tmp_path)
    cut = CliRunner().invoke(main, ["check", "--output-format", "concise", "model.py"])
    assert "model.py: note: analysis gave up on the statement at line " in cut.stdout
    assert ": the time limit of 0.001 s per file ran out; the rest of the file was not analysed" in cut.stdout
    full = CliRunner().invoke(main, ["check", "--output-format", "concise", "--time-limit", "60", "model.py"])
    assert full.stdout.splitlines()[0] == f"model.py:{bug_row(body)}:5: SHP102 {BUG_MESSAGE}"
    assert "note:" not in full.stdout


@pytest.mark.parametrize(("value", "shown"),
                         [("0", "0"), ("-1", "-1"), ('"fast"', "'fast'"), ("true", "True")])
def test_a_time_limit_that_is_not_a_positive_number_is_a_config_error(tmp_path, monkeypatch, value, shown):
    (tmp_path / "pyproject.toml").write_text(f"[tool.shapelint]\ntime-limit = {value}\n")
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(main, ["check", "."])
    assert run.exit_code == 2
    assert f"[tool.shapelint] time-limit: expected a positive number of seconds, got {shown}" in run.output
