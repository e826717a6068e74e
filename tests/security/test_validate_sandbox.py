"""`check --validate` on hostile files: the OS sandbox, not the Python guard, must hold.

Each attack of issue 12 is planted against canaries under a temp dir and a listener on
127.0.0.1 (tests/security/sandbox_attacks.py), then validated in few runs: in `strict`
mode where this machine has namespaces, else `auto`, whose output says what was in force.
The assertions: no canary touched, no connection received, no process left once shapelint
exits, no secret in any output format, no file changing another's verdicts, and every
real finding still confirmed.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from sandbox_attacks import CORRECT_CNN, ESCAPEE_NAME, Targets, attacks, copy_fixture, escapee, plant
from sandbox_harness import Listener, processes_named, snapshot

from conftest import FIXTURES, ROOT
from shapelint.checker import check_file
from shapelint.reporters import FORMATS
from shapelint.validation import tensorflow_missing
from shapelint.validation.sandbox.untrusted import REDACTED, Cleaner, secret_values

needs_tensorflow = pytest.mark.skipif(tensorflow_missing() is not None, reason="TensorFlow is not installed")
CONCAT_BUG = FIXTURES / "buggy" / "s4_skip_concat_axis1_bug.py"
SHARED_DENSE_BUG = FIXTURES / "buggy" / "shp203_shared_dense_bug.py"
FULL_ISOLATION = "network namespace, read-only mount namespace, pid namespace"


def _cli(*args: str, env: dict, cwd: Path, stdin: str | None = None,
         prefix: tuple = ()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-m", "shapelint", "check", "--no-cache", *args],
                          capture_output=True, text=True, env=env, cwd=cwd, input=stdin, timeout=600)


def _probe_mode() -> str:
    """strict where this machine gives builds OS isolation, else auto (which reports it)."""
    code = ("import sys, tempfile; from shapelint.validation.sandbox import probe; "
            "sys.stdout.write('strict' if probe('strict', tempfile.mkdtemp()).refusal() is None else 'auto')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    return out.stdout.strip() or "auto"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Canaries, secrets, a project checkout and a listener; the secret is in our environment."""
    root = tmp_path_factory.mktemp("sandbox")
    listener = Listener()
    t = Targets(root=root, port=listener.port, env_secret="env-canary-" + secrets.token_hex(12),
                file_secret="file-canary-" + secrets.token_hex(12),
                git_secret="git-canary-" + secrets.token_hex(12))
    plant(t)
    saved = os.environ.get("SHAPELINT_CANARY_SECRET")
    os.environ["SHAPELINT_CANARY_SECRET"] = t.env_secret
    try:
        yield t, listener, _probe_mode()
    finally:
        if saved is None:
            os.environ.pop("SHAPELINT_CANARY_SECRET", None)
        else:
            os.environ["SHAPELINT_CANARY_SECRET"] = saved
        listener.close()


def _secrets(t: Targets) -> tuple[str, ...]:
    return t.env_secret, t.file_secret, t.git_secret


@pytest.fixture(scope="module")
def attack_run(world, tmp_path_factory):
    """Every attack, then real bugs and a correct CNN, validated in one run; rendered in
    every output format."""
    t, _, mode = world
    files = []
    for name, source in attacks(t):
        (t.project / name).write_text(source)
        files.append(t.project / name)
    files += [copy_fixture(CONCAT_BUG, t.project, "b01_concat_bug.py"),
              copy_fixture(SHARED_DENSE_BUG, t.project, "b02_shared_dense_bug.py")]
    (t.project / "b03_correct_cnn.py").write_text(CORRECT_CNN)
    files.append(t.project / "b03_correct_cnn.py")
    before = snapshot(t.root)
    from shapelint.validation.validate import validate_results

    run = validate_results([check_file(f) for f in files], timeout=60, sandbox=mode)
    summary = tmp_path_factory.mktemp("summary") / "step_summary.md"
    os.environ["GITHUB_STEP_SUMMARY"] = str(summary)
    try:
        outputs = {name: render(run.results, len(run.results), notes=run.notes)
                   for name, render in FORMATS.items()}
    finally:
        del os.environ["GITHUB_STEP_SUMMARY"]
    outputs["github step summary"] = summary.read_text() if summary.exists() else ""
    time.sleep(2)   # the thread that waits for the build to end would act by now
    return {"results": {Path(r.path).name: r for r in run.results}, "notes": run.notes, "outputs": outputs,
            "mode": mode, "before": before, "after": snapshot(t.root)}


# --- one run with every attack ---------------------------------------------------------------
@pytest.mark.keras
@needs_tensorflow
def test_no_canary_is_touched_and_nothing_is_planted(attack_run):
    assert attack_run["after"] == attack_run["before"]


@pytest.mark.keras
@needs_tensorflow
def test_no_connection_reaches_the_listener(world, attack_run):
    _, listener, _ = world
    assert listener.received == []


@pytest.mark.keras
@needs_tensorflow
def test_every_attack_ran_to_its_end_inside_the_reported_sandbox(attack_run):
    """The attacks really ran (the rewriter did not drop them): each file built its model
    after trying everything, under the isolation the run's note names (every build of a
    run has the same; a file whose build had other layers would say so itself)."""
    [note] = [n for n in attack_run["notes"] if n.startswith("validation sandbox:")]
    if attack_run["mode"] == "strict":
        assert note.startswith(f"validation sandbox: {FULL_ISOLATION}"), note
        assert note.endswith("rlimits, subreaper") or "Landlock ABI" in note, note
    for name, r in attack_run["results"].items():
        outcome = r.outcome
        assert outcome is not None and outcome.status != "skipped", (name, outcome)
        assert not [n for n in r.notes if n.startswith("validation sandbox:")], (name, r.notes)
        assert all(o.sandbox_note == note for o in r.outcomes), name
        if name.startswith("a") and name not in ("a07_secrets.py", "a08_secret_in_exception.py",
                                                 "a09_dies_loudly.py", "a10_forge_results.py"):
            assert outcome.status == "built", (name, outcome.error)
            assert any(c.get("layer") == "Dense" for c in outcome.calls), name


@pytest.mark.keras
@needs_tensorflow
def test_no_secret_and_no_control_character_in_any_output_format(world, attack_run):
    t, _, _ = world
    outputs = attack_run["outputs"]
    assert set(outputs) == {*FORMATS, "github step summary"}
    for name, text in outputs.items():
        if name != "github step summary":   # findings only
            assert "validation sandbox: " in text, name   # the isolation in force, said in every format
        for secret in _secrets(t):
            assert secret not in text, (name, secret)
        plain = click.unstyle(text)   # our own colours (click.echo drops them off a terminal)
        assert "\x1b" not in plain and "\u202e" not in plain and "\x07" not in plain, name
    assert not [line for line in outputs["github"].splitlines() if line.startswith("::error file=forged.py")]
    concise = outputs["concise"]
    assert "a07_secrets.py" in concise and "a08_secret_in_exception.py" in concise


@pytest.mark.keras
@needs_tensorflow
def test_a_file_that_dies_is_reported_by_its_exit_status_only(attack_run):
    r = attack_run["results"]["a09_dies_loudly.py"]
    assert (r.outcome.status, r.outcome.detail) == (
        "crashed", "the build process exited with status 7 before reporting a result")
    assert "validation: the build process exited with status 7 before reporting a result" in r.notes


@pytest.mark.keras
@needs_tensorflow
def test_no_file_changes_another_files_verdicts(attack_run):
    """After a file replaced layers.Concatenate, switched to channels_first and wrote
    forged results into every descriptor: the real bugs are still confirmed, the correct
    CNN still builds cleanly."""
    results = attack_run["results"]
    concat = results["b01_concat_bug.py"]
    assert [(d.code, d.validation.verdict) for d in concat.diagnostics] == [("SHP101", "confirmed")]
    assert "matching shapes except for the concatenation axis" in concat.diagnostics[0].validation.keras_error
    shared = results["b02_shared_dense_bug.py"]
    assert [(d.code, d.validation.verdict) for d in shared.diagnostics] == [("SHP203", "confirmed")]
    cnn = results["b03_correct_cnn.py"]
    assert cnn.outcome.status == "built" and not cnn.diagnostics and not cnn.withdrawn
    assert [c["outputs"] for c in cnn.outcome.calls if c["layer"] == "Conv2D"] == [[[None, 26, 26, 8]]]


# --- a separate shapelint process: nothing it started outlives it ------------------------------
@pytest.mark.keras
@needs_tensorflow
def test_an_escaped_child_is_dead_when_shapelint_exits(world):
    t, listener, mode = world
    work = t.root / "escape"
    work.mkdir()
    (work / "escapee.py").write_text(escapee(t))
    bug = copy_fixture(CONCAT_BUG, work, "concat_bug.py")
    before = snapshot(t.root)
    proc = _cli("--validate", "--sandbox", mode, "--format", "github", str(work / "escapee.py"), str(bug),
                env={**os.environ}, cwd=work)
    alive = processes_named(ESCAPEE_NAME)
    time.sleep(1.5)   # it would have written and phoned home by now
    assert alive == [] and processes_named(ESCAPEE_NAME) == []
    assert proc.returncode == 1, proc.stderr
    assert snapshot(t.root) == before
    assert listener.received == []
    assert "SHP101" in proc.stdout and "validation sandbox: " in proc.stdout
    assert t.env_secret not in proc.stdout + proc.stderr


# --- stdin, and the modes --------------------------------------------------------------------
@pytest.mark.keras
@needs_tensorflow
def test_stdin_is_validated_from_the_buffer_not_the_file_on_disk(tmp_path):
    """The file on disk is a correct CNN; the buffer has a Concatenate bug. Building the
    disk file would refute (withdraw) the buffer's finding."""
    (tmp_path / "model.py").write_text(CORRECT_CNN)
    proc = _cli("--validate", "--sandbox", "off", "--format", "json", "--stdin-filename", "model.py", "-",
                env={**os.environ}, cwd=tmp_path, stdin=CONCAT_BUG.read_text())
    assert proc.returncode == 1, proc.stderr
    entries = json.loads(proc.stdout)
    [finding] = [e for e in entries if e["code"]]
    assert (finding["code"], finding["validation"]["verdict"]) == ("SHP101", "confirmed")
    notes = [e["message"] for e in entries if e["severity"] == "note"]
    assert ("validation sandbox: off (a process per file with a scrubbed environment and the Python-level "
            "guard only; no OS isolation)") in notes


def _without_user_namespaces() -> tuple:
    """A command prefix that runs shapelint where it cannot create user namespaces."""
    unshare = shutil.which("unshare")
    if unshare is None or not sys.platform.startswith("linux"):
        pytest.skip("needs util-linux unshare on Linux")
    probe = subprocess.run([unshare, "--user", "--map-root-user", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("user namespaces are not available here at all")
    return (unshare, "--user", "--map-root-user", "sh", "-c",
            'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"', "sh")


@pytest.mark.keras
@needs_tensorflow
def test_strict_refuses_to_build_without_os_isolation(tmp_path):
    bug = copy_fixture(CONCAT_BUG, tmp_path, "concat_bug.py")
    proc = _cli("--validate", "--sandbox", "strict", str(bug), env={**os.environ}, cwd=tmp_path,
                prefix=_without_user_namespaces())
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith(
        "shapelint: error: --sandbox strict needs OS isolation (a network namespace and a read-only mount "
        "namespace), which this machine does not allow: user namespaces: "), proc.stderr


@pytest.mark.keras
@needs_tensorflow
def test_auto_says_which_isolation_was_in_force_without_namespaces(tmp_path):
    bug = copy_fixture(CONCAT_BUG, tmp_path, "concat_bug.py")
    proc = _cli("--validate", "--format", "concise", str(bug), env={**os.environ}, cwd=tmp_path,
                prefix=_without_user_namespaces())
    assert proc.returncode == 1, proc.stderr
    [note] = [line for line in proc.stdout.splitlines() if "validation sandbox" in line]   # once, for the run
    assert note.startswith("note: validation sandbox: rlimits, ")
    assert "subreaper (no OS isolation: user namespaces: " in note


# --- what comes back from a build is cleaned (no TensorFlow) -----------------------------------
def test_sandbox_output_is_stripped_bounded_and_redacted():
    env = {"GITHUB_TOKEN": "ghp_" + "a1" * 18, "MY_API_KEY": "hunter22", "PATH": "/usr/bin:/bin",
           "ODD_NAME": "Zx9" * 8, "SHORT_TOKEN": "abc", "HOME": "/root"}
    found = secret_values(env)
    assert set(found) == {"ghp_" + "a1" * 18, "hunter22", "Zx9" * 8}
    clean = Cleaner(found)
    assert clean.text("key=hunter22 token=ghp_" + "a1" * 18) == f"key={REDACTED} token={REDACTED}"
    assert clean.text("\x1b[31mred\x1b[0m\x1b]0;title\x07 a\nb\r\nc\u2028d\u202ee\x00f") == "red a b c def"
    assert clean.text("x" * 5000) == "x" * 1996 + " ..."
    deep: list = []
    for _ in range(20):
        deep = [deep]
    cleaned = clean.value({"calls": [{"layer": "\x1b[0mDense", "n": 10**30}], "deep": deep, "odd": object()})
    assert cleaned["calls"] == [{"layer": "Dense", "n": None}] and cleaned["odd"] is None
    assert json.dumps(cleaned["deep"]) == "[" * 7 + "null" + "]" * 7   # 8 containers deep with the dict


def test_the_sandbox_key_in_config_and_its_did_you_mean(tmp_path):
    from shapelint import config

    path = tmp_path / "shapelint.toml"
    path.write_text('sandbox = "strict"\n')
    assert config.from_file(path).sandbox == "strict"
    assert config.Config().sandbox == "auto"
    path.write_text('sandbox = "stict"\n')
    with pytest.raises(config.ConfigError, match=r"sandbox: expected one of auto, strict, off, got 'stict' "
                                                 r"\(did you mean 'strict'\?\)"):
        config.from_file(path)
