"""ruff's command-line contract, where ruff users will type it: repeated and extended
selections, excludes and per-file-ignores on the command line, --output-format and its
environment variable, --statistics, -o, -q, -s, stdin, colours, --watch; and the polish
around it (`rule --all`, top-level help, summary of a file that does not parse). Driven
through the real CLI in a fresh process."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run_shapelint

BUGGY = (
    "from keras import layers, Input\n"
    "a = Input(shape=(3,))\n"
    "b = Input(shape=(4,))\n"
    "c = layers.Add()([a, b])\n"
    "d = layers.Reshape((7, 7))(b)\n"
    "e = Input(shape=5)\n"
)
ADD = "SHP102 Add needs shapes that broadcast, but (None, 3) and (None, 4) differ on axis 1 (3 vs 4)."
RESHAPE = "SHP401 Reshape((7, 7)) needs 49 values per example, but its input (None, 4) has 4."
SGR = "\x1b["


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "net.py").write_text(BUGGY)
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.py").write_text(BUGGY)
    return tmp_path


def codes(run) -> list[tuple[str, str]]:
    assert run.returncode in (0, 1), run.stderr
    return [(e["filename"], e["code"]) for e in json.loads(run.stdout) if e["code"]]


def check(project: Path, *args: str, **kwargs):
    return run_shapelint("check", "--output-format", "json", *args, cwd=project, **kwargs)


def test_repeated_select_and_ignore_accumulate(project):
    assert codes(check(project, "--select", "SHP102", "--select", "SHP401", "models")) == \
        [("models/net.py", "SHP102"), ("models/net.py", "SHP401")]
    assert codes(check(project, "--ignore", "SHP102", "--ignore", "SHP401,SHP202", "models")) == []


def test_extend_select_and_extend_ignore_build_on_the_config(project):
    (project / "pyproject.toml").write_text('[tool.shapelint]\nselect = ["SHP102"]\n')
    assert codes(check(project, "--extend-select", "reshape-size-mismatch", "models")) == \
        [("models/net.py", "SHP102"), ("models/net.py", "SHP401")]
    assert codes(check(project, "--extend-ignore", "SHP1", "models")) == []


def test_excludes_and_per_file_ignores_on_the_command_line(project):
    assert {f for f, _ in codes(check(project, "--exclude", "legacy/", "."))} == {"models/net.py"}
    (project / "pyproject.toml").write_text('[tool.shapelint]\nexclude = ["models/"]\n')
    assert {f for f, _ in codes(check(project, "--extend-exclude", "legacy/", "."))} == set()
    assert {f for f, _ in codes(check(project, "--exclude", "legacy/", "."))} == {"models/net.py"}  # replaces
    found = codes(check(project, "--isolated", "--per-file-ignores", "legacy/*.py:SHP1,SHP4", "."))
    assert ("legacy/old.py", "SHP202") in found
    assert not any(f == "legacy/old.py" and c in ("SHP102", "SHP401") for f, c in found)
    bad = check(project, "--per-file-ignores", "SHP102", ".")
    assert bad.returncode == 2 and "--per-file-ignores: expected PATTERN:CODES, got 'SHP102'" in bad.stderr


def test_output_format_its_alias_and_environment_variable(project):
    concise = f"models/net.py:4:5: {ADD}"
    for option in ("--output-format", "--format"):
        first = run_shapelint("check", option, "concise", "models", cwd=project).stdout.splitlines()[0]
        assert first == concise
    env = {"SHAPELINT_OUTPUT_FORMAT": "concise"}
    assert run_shapelint("check", "models", cwd=project, env=env).stdout.splitlines()[0] == concise
    assert run_shapelint("check", "--output-format", "pylint", "models", cwd=project, env=env).stdout \
        .splitlines()[0] == "models/net.py:4: [SHP102] " + ADD.split(" ", 1)[1]


def test_statistics(project):
    run = run_shapelint("check", "--statistics", ".", cwd=project)
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        "2\tSHP102\telementwise-shape-mismatch",
        "2\tSHP202\t[*] int-shape-argument",
        "2\tSHP401\treshape-size-mismatch",
    ]
    as_json = json.loads(run_shapelint("check", "--statistics", "--output-format", "json", ".",
                                       cwd=project).stdout)
    assert as_json[:2] == [{"code": "SHP102", "name": "elementwise-shape-mismatch", "count": 2,
                            "fixable": False},
                           {"code": "SHP202", "name": "int-shape-argument", "count": 2, "fixable": True}]


def test_output_file_quiet_and_silent(project):
    run = run_shapelint("check", "-o", "report.json", "--output-format", "json", "models", cwd=project)
    assert run.returncode == 1 and run.stdout == ""
    assert len(json.loads((project / "report.json").read_text())) == 3
    quiet = run_shapelint("check", "-q", "--output-format", "concise", "models", cwd=project)
    assert quiet.stdout.splitlines() == [f"models/net.py:4:5: {ADD}", f"models/net.py:5:5: {RESHAPE}",
                                         quiet.stdout.splitlines()[2]]
    assert quiet.stdout.splitlines()[2].startswith("models/net.py:6:5: SHP202 ")
    silent = run_shapelint("check", "-s", "models", cwd=project)
    assert (silent.returncode, silent.stdout, silent.stderr) == (1, "", "")


def test_stdin_filename_reads_stdin_with_or_without_dash(project):
    for args in (["--stdin-filename", "models/x.py"], ["--stdin-filename", "models/x.py", "-"]):
        run = run_shapelint("check", "--output-format", "concise", *args, cwd=project, stdin=BUGGY)
        assert run.stdout.splitlines()[0] == f"models/x.py:4:5: {ADD}", args
        assert run.stdout.splitlines()[-2:] == ["Found 3 findings in 1 of 1 file checked.",
                                                "[*] 1 fixable with the `--fix` option."]
    ignored = run_shapelint("check", "--output-format", "concise", "--stdin-filename", "x.py", "legacy",
                            cwd=project, stdin="x = 1\n")
    assert "ignoring legacy in favour of standard input" in ignored.stderr
    assert ignored.stdout.strip() == "All checks passed (1 file checked)."


def test_stdin_honours_force_exclude(project):
    (project / "pyproject.toml").write_text('[tool.shapelint]\nexclude = ["legacy/"]\n')
    excluded = run_shapelint("check", "--force-exclude", "--stdin-filename", "legacy/old.py", cwd=project,
                             stdin=BUGGY)
    assert excluded.returncode == 0 and excluded.stdout.strip() == "All checks passed (0 files checked)."
    named = run_shapelint("check", "--stdin-filename", "legacy/old.py", cwd=project, stdin=BUGGY)
    assert named.returncode == 1


def test_stdin_notebook(project):
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": BUGGY.splitlines(keepends=True)}
    notebook = json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    run = run_shapelint("check", "--output-format", "concise", "--stdin-filename", "nb.ipynb", cwd=project,
                        stdin=notebook)
    assert run.stdout.splitlines()[0] == f"nb.ipynb:cell 1:4:5: {ADD}"


@pytest.mark.parametrize(("args", "env", "coloured"), [
    ([], {}, False),                                         # not a terminal
    ([], {"FORCE_COLOR": "1"}, True),
    ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),      # NO_COLOR first
    (["--color", "always"], {"NO_COLOR": "1"}, True),         # the flag wins
    (["--color", "never"], {"FORCE_COLOR": "1"}, False),
])
def test_colour(project, args, env, coloured):
    run = run_shapelint("check", *args, "models", cwd=project, env=env)
    assert (SGR in run.stdout) is coloured


def test_watch_checks_again_when_a_file_changes(project):
    """--watch: a first report, then a new one after an edit; ended by a signal (we started it)."""
    (project / "legacy" / "old.py").unlink()
    model = project / "models" / "net.py"
    model.write_text("x = 1\n")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    command = [sys.executable, "-m", "shapelint", "check", "--watch", "--output-format", "concise", "."]
    proc = subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        assert _read_until(proc.stdout, "All checks passed") == "All checks passed (1 file checked)."
        time.sleep(0.5)
        model.write_text(BUGGY)
        assert _read_until(proc.stdout, "Found ") == "Found 3 findings in 1 of 1 file checked."
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert "Starting shapelint in watch mode..." in proc.stderr.read()


def _read_until(stream, prefix: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if line.startswith(prefix):
            return line.strip()
        if not line:
            break
    raise AssertionError(f"no line starting with {prefix!r}")


def test_rule_all_columns_align():
    lines = run_shapelint("rule", "--all").stdout.splitlines()
    columns = {tuple(m.start(g) for g in (2, 3, 4))
               for m in (re.match(r"(SHP\d{3})  (\S+) +(error|warning) +(\S)", line) for line in lines)}
    assert len(lines) > 20 and len(columns) == 1


def test_top_level_help_shows_whole_descriptions():
    out = " ".join(run_shapelint("--help").stdout.split("Commands:")[1].split())
    assert "summary Print a Keras-style summary of every model PATHS build, without TensorFlow." in out
    assert "layers List every modeled Keras layer (accepted input ranks, batch included, and family) and " \
           "every modeled op, operator and tensor attribute." in out
    assert "..." not in out


def test_summary_of_a_file_with_a_syntax_error_says_so(tmp_path):
    (tmp_path / "bad.py").write_text("import keras\nx = (\n")
    run = run_shapelint("summary", "bad.py", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip() == "bad.py:2:5: SHP001 SyntaxError: '(' was never closed; no summary"
