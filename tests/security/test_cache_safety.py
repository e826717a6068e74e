"""The cache never touches what it did not create, and a bad entry is only a miss.

Each test builds a small project (a fake `.git`, a `.gitignore` with the user's own lines,
source files), points the cache somewhere dangerous, runs `check` and `clean`, and compares
every file, directory and link of the project before and after.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapelint.cli import main

BUGGY = ("from keras import layers, Input\na = Input(shape=(3,))\nb = Input(shape=(4,))\n"
         "c = layers.Add()([a, b])\n")
REFUSED_NOT_OURS = "exists, is not empty and has no CACHEDIR.TAG of shapelint's"


@pytest.fixture(autouse=True)
def cache_on(monkeypatch):
    monkeypatch.delenv("SHAPELINT_NO_CACHE", raising=False)
    monkeypatch.delenv("SHAPELINT_CACHE_DIR", raising=False)


def make_project(root: Path, config: str = "") -> Path:
    (root / ".git" / "refs").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / ".git" / "refs" / "main").write_text("0123456789abcdef\n")
    (root / ".gitignore").write_text("secrets/\n*.log\n")
    (root / "src").mkdir()
    (root / "src" / "model.py").write_text(BUGGY)
    (root / "README.md").write_text("my project\n")
    if config:
        (root / "pyproject.toml").write_text(config)
    return root


def tree(root: Path) -> dict[str, object]:
    """Every path below root: file bytes, 'dir', or the target of a link (never followed)."""
    out: dict[str, object] = {}
    for here, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(here) / name
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = p.read_bytes()
    return out


def cli(*args: str, cwd: Path, monkeypatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("how", ["config", "option", "env"])
def test_the_project_root_as_cache_dir_is_refused_and_left_intact(tmp_path, monkeypatch, how):
    root = make_project(tmp_path / "proj", '[tool.shapelint]\ncache-dir = "."\n' if how == "config" else "")
    args = ["--cache-dir", "."] if how == "option" else []
    if how == "env":
        monkeypatch.setenv("SHAPELINT_CACHE_DIR", ".")
    before = tree(root)
    checked = cli("check", *args, "src", cwd=root, monkeypatch=monkeypatch)
    cleaned = cli("clean", *args, cwd=root, monkeypatch=monkeypatch)
    assert tree(root) == before
    shown = str(root) if how == "config" else "."
    reason = (f"shapelint: error: the cache directory {shown} {REFUSED_NOT_OURS}: shapelint did not "
              "create it, so it neither writes nor deletes anything there. Choose another directory "
              "(--cache-dir, cache-dir in the configuration, or $SHAPELINT_CACHE_DIR)\n")
    assert (checked.exit_code, checked.stderr, checked.stdout) == (2, reason, "")
    assert (cleaned.exit_code, cleaned.stderr, cleaned.stdout) == (2, reason, "")


def test_a_source_directory_as_cache_dir_is_refused(tmp_path, monkeypatch):
    root = make_project(tmp_path / "proj", '[tool.shapelint]\ncache-dir = "src"\n')
    before = tree(root)
    assert cli("check", "src", cwd=root, monkeypatch=monkeypatch).exit_code == 2
    assert cli("clean", cwd=root, monkeypatch=monkeypatch).exit_code == 2
    assert tree(root) == before


@pytest.mark.parametrize("target_state", ["project", "empty", "shapelint cache"])
def test_a_symlinked_cache_is_refused_wherever_it_points(tmp_path, monkeypatch, target_state):
    root = make_project(tmp_path / "proj")
    target = tmp_path / "elsewhere"
    if target_state == "project":
        make_project(target)
    elif target_state == "empty":
        target.mkdir()
    else:   # a real shapelint cache: still not reached through a link
        cli("check", "--cache-dir", str(target), "src", cwd=root, monkeypatch=monkeypatch)
        assert (target / "CACHEDIR.TAG").exists()
    (root / ".shapelint_cache").symlink_to(target, target_is_directory=True)
    before, outside = tree(root), tree(target)
    checked = cli("check", "src", cwd=root, monkeypatch=monkeypatch)
    cleaned = cli("clean", cwd=root, monkeypatch=monkeypatch)
    assert (tree(root), tree(target)) == (before, outside)
    reason = (f"shapelint: error: the cache directory {root / '.shapelint_cache'} is a symbolic link; "
              "shapelint keeps its cache only in a directory it created\n")
    assert (checked.exit_code, checked.stderr) == (2, reason)
    assert (cleaned.exit_code, cleaned.stderr) == (2, reason)


def test_a_symlink_inside_the_cache_is_never_followed(tmp_path, monkeypatch):
    root = make_project(tmp_path / "proj")
    first = cli("check", "--format", "json", "src", cwd=root, monkeypatch=monkeypatch)
    cache = root / ".shapelint_cache"
    [fingerprint] = [p for p in cache.iterdir() if p.is_dir()]
    victim = make_project(tmp_path / "victim")
    outside = tree(victim)
    # Every level of the layout replaced by a link to the victim, one after the other.
    for level in (fingerprint / "k3", fingerprint):
        real = level.with_name(level.name + ".real")
        level.rename(real)
        level.symlink_to(victim, target_is_directory=True)
        again = cli("check", "--format", "json", "src", cwd=root, monkeypatch=monkeypatch)
        assert (again.exit_code, again.stdout) == (1, first.stdout)
        assert tree(victim) == outside
        cleaned = cli("clean", cwd=root, monkeypatch=monkeypatch)
        assert cleaned.exit_code == 0
        assert cleaned.stdout == (f"Removed 0 cached results from {cache}; kept the directory, which holds "
                                  "files shapelint did not create\n")
        assert tree(victim) == outside and level.is_symlink()
        level.unlink()
        real.rename(level)


def test_clean_deletes_only_the_layout(tmp_path, monkeypatch):
    root = make_project(tmp_path / "proj")
    cli("check", "src", cwd=root, monkeypatch=monkeypatch)
    cache = root / ".shapelint_cache"
    [entry] = cache.rglob("*.json")
    (cache / "notes.txt").write_text("mine")                        # the user's, beside the layout
    (entry.parent / "notes.json").write_text("mine too")           # in the layout, not an entry name
    (cache / "0123456789abcdef" / "k3" / "zz").mkdir(parents=True)   # not a shard name
    cleaned = cli("clean", cwd=root, monkeypatch=monkeypatch)
    assert cleaned.exit_code == 0
    assert cleaned.stdout.startswith(f"Removed 1 cached result from {cache}; kept")
    left = {p.relative_to(cache).as_posix() for p in cache.rglob("*")}
    assert not entry.exists()
    assert {"notes.txt", "CACHEDIR.TAG", ".gitignore", "0123456789abcdef/k3/zz",
            entry.parent.relative_to(cache).as_posix() + "/notes.json"} <= left
    assert (cache / "notes.txt").read_text() == "mine"


def test_gitignore_and_tag_are_written_only_into_a_directory_shapelint_created(tmp_path, monkeypatch):
    root = make_project(tmp_path / "proj")
    (root / "cache").mkdir()
    (root / "cache" / ".gitignore").write_text("keep-this-rule\n")
    before = tree(root)
    assert cli("check", "--cache-dir", "cache", "src", cwd=root, monkeypatch=monkeypatch).exit_code == 2
    assert tree(root) == before
    assert cli("check", "--cache-dir", "new/cache", "src", cwd=root, monkeypatch=monkeypatch).exit_code == 1
    assert (root / "new" / "cache" / ".gitignore").read_text() == "# Automatically created by shapelint.\n*\n"
    assert not (root / "new" / ".gitignore").exists()
    assert sorted(p.name for p in (root / "new").iterdir()) == ["cache"]   # no temporary left behind


def _corrupt_cases(entry: Path) -> dict[str, object]:
    good = json.loads(entry.read_text())
    [d] = good["diagnostics"]

    def located(row: object) -> str:
        return json.dumps({**good, "diagnostics": [{**d, "location": {"row": row, "column": 5}}]})

    return {
        "truncated JSON": entry.read_text()[: len(entry.read_text()) // 2],
        "not JSON": b"\x00\xff binary garbage",
        "a list": "[]",
        "diagnostics not a list": json.dumps({**good, "diagnostics": {"a": 1}}),
        "row is a string": located("4"),
        "row is a bool": located(True),
        "row is a float": located(4.5),
        "row is NaN": located(float("nan")),
        "code is a number": json.dumps({**good, "diagnostics": [{**d, "code": 102}]}),
        "message missing": json.dumps({**good, "diagnostics": [{k: v for k, v in d.items()
                                                                 if k != "message"}]}),
        "unknown field": json.dumps({**good, "diagnostics": [{**d, "evil": 1}]}),
        "trace step wrong": json.dumps({**good, "diagnostics": [{**d, "trace": [{"label": "x", "shape": "y",
                                                                                  "steps": [[1, 2]]}]}]}),
        "notes not strings": json.dumps({**good, "notes": [None]}),
        "deeply nested": "[" * 100_000 + "]" * 100_000,
        "a directory": "dir",
        "a FIFO": "fifo",
        "a symlink to a forged entry": "link",
    }


def test_corrupt_and_foreign_entries_are_misses_in_every_format(tmp_path, monkeypatch):
    root = make_project(tmp_path / "proj")
    formats = ["full", "concise", "json", "github", "sarif"]
    cold = {f: cli("check", "--no-cache", "--format", f, "src", cwd=root, monkeypatch=monkeypatch)
            for f in formats}
    cli("check", "src", cwd=root, monkeypatch=monkeypatch)
    [entry] = (root / ".shapelint_cache").rglob("*.json")
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({"diagnostics": [], "notes": []}))     # would hide the finding
    for case, content in _corrupt_cases(entry).items():
        for fmt in formats:
            if entry.is_dir() and not entry.is_symlink():
                entry.rmdir()
            elif os.path.lexists(entry):
                entry.unlink()
            if content == "dir":
                entry.mkdir()
            elif content == "fifo":
                os.mkfifo(entry)
            elif content == "link":
                entry.symlink_to(forged)
            else:
                (entry.write_bytes if isinstance(content, bytes) else entry.write_text)(content)  # type: ignore[operator]
            run = cli("check", "--format", fmt, "src", cwd=root, monkeypatch=monkeypatch)
            assert (run.exit_code, run.stdout) == (cold[fmt].exit_code, cold[fmt].stdout), (case, fmt)
            assert run.exception is None or isinstance(run.exception, SystemExit), (case, run.exception)
    assert forged.read_text() == json.dumps({"diagnostics": [], "notes": []})


def test_a_corrupt_entry_is_replaced_by_a_good_one(tmp_path, monkeypatch):
    root = make_project(tmp_path / "proj")
    cli("check", "src", cwd=root, monkeypatch=monkeypatch)
    [entry] = (root / ".shapelint_cache").rglob("*.json")
    good = entry.read_text()
    entry.write_text('{"diagnostics": 1}')
    cli("check", "src", cwd=root, monkeypatch=monkeypatch)
    assert entry.read_text() == good
