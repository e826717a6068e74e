"""The results cache: re-runs reuse results for unchanged files and stay correct."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapelint.cli import main

BUGGY = ("from keras import layers, Input\na = Input(shape=(3,))\nb = Input(shape=(4,))\n"
         "c = layers.Add()([a, b])\n")
FIXED = BUGGY.replace("shape=(4,)", "shape=(3,)")


@pytest.fixture(autouse=True)
def cache_on(monkeypatch):
    monkeypatch.delenv("SHAPELINT_NO_CACHE", raising=False)
    monkeypatch.delenv("SHAPELINT_CACHE_DIR", raising=False)


def run(tmp_path: Path, *args: str):
    return CliRunner().invoke(main, ["check", "--cache-dir", str(tmp_path / "cache"), *args])


def entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache").rglob("*.json"))


def test_second_run_reuses_results_and_reports_the_same(tmp_path):
    src = tmp_path / "m.py"
    src.write_text(BUGGY)
    first = run(tmp_path, "--format", "json", str(src))
    assert len(entries(tmp_path)) == 1
    second = run(tmp_path, "--format", "json", str(src))
    assert second.exit_code == first.exit_code == 1
    assert json.loads(second.output) == json.loads(first.output)
    assert "SHP102" in second.output


def test_an_edited_file_is_analysed_again(tmp_path):
    src = tmp_path / "m.py"
    src.write_text(BUGGY)
    assert run(tmp_path, str(src)).exit_code == 1
    src.write_text(FIXED)
    assert run(tmp_path, str(src)).exit_code == 0
    src.write_text(BUGGY)
    assert run(tmp_path, str(src)).exit_code == 1


def test_results_depend_on_the_keras_target(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("import keras\nx = keras.Input(shape=(5))\n")
    assert "SHP202" in run(tmp_path, "--format", "concise", str(src)).output
    assert run(tmp_path, "--target-keras", "2", str(src)).exit_code == 0
    assert "SHP202" in run(tmp_path, "--format", "concise", str(src)).output


def test_same_contents_under_another_name_report_that_name(tmp_path):
    (tmp_path / "a.py").write_text(BUGGY)
    (tmp_path / "b.py").write_text(BUGGY)
    out = run(tmp_path, "--format", "concise", str(tmp_path / "a.py"), str(tmp_path / "b.py")).output
    assert "a.py:4:5: SHP102" in out and "b.py:4:5: SHP102" in out


def test_cache_directory_is_tagged_and_ignored_by_git(tmp_path):
    src = tmp_path / "m.py"
    src.write_text(BUGGY)
    run(tmp_path, str(src))
    tag = (tmp_path / "cache" / "CACHEDIR.TAG").read_text()
    assert tag.startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (tmp_path / "cache" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_no_cache_and_env_var(tmp_path, monkeypatch):
    src = tmp_path / "m.py"
    src.write_text(BUGGY)
    run(tmp_path, "--no-cache", str(src))
    assert not (tmp_path / "cache").exists()
    monkeypatch.setenv("SHAPELINT_NO_CACHE", "1")
    run(tmp_path, str(src))
    assert not (tmp_path / "cache").exists()
    monkeypatch.delenv("SHAPELINT_NO_CACHE")
    monkeypatch.setenv("SHAPELINT_CACHE_DIR", str(tmp_path / "from-env"))
    monkeypatch.chdir(tmp_path)
    CliRunner().invoke(main, ["check", str(src)])
    assert list((tmp_path / "from-env").rglob("*.json"))


def test_config_cache_dir_is_relative_to_the_config_file(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint]\ncache-dir = "build/lint-cache"\n')
    (tmp_path / "pkg").mkdir()
    src = tmp_path / "pkg" / "m.py"
    src.write_text(BUGGY)
    monkeypatch.chdir(tmp_path / "pkg")
    CliRunner().invoke(main, ["check", "m.py"])
    assert list((tmp_path / "build" / "lint-cache").rglob("*.json"))


def test_a_corrupt_entry_is_ignored(tmp_path):
    src = tmp_path / "m.py"
    src.write_text(BUGGY)
    run(tmp_path, str(src))
    [entry] = entries(tmp_path)
    entry.write_text("{not json")
    assert "SHP102" in run(tmp_path, "--format", "concise", str(src)).output


def test_an_unwritable_cache_costs_only_speed(tmp_path, monkeypatch):
    src = tmp_path / "m.py"
    src.write_text(BUGGY)
    (tmp_path / "file").write_text("a file where a directory should be")
    monkeypatch.setenv("SHAPELINT_CACHE_DIR", str(tmp_path / "file" / "cache"))   # cannot be created
    for _ in range(2):
        result = CliRunner().invoke(main, ["check", "--format", "concise", str(src)])
        assert result.exit_code == 1 and "SHP102" in result.output


def test_a_file_in_place_of_the_cache_is_refused(tmp_path, monkeypatch):
    src = tmp_path / "m.py"
    src.write_text(BUGGY)
    (tmp_path / "cache").write_text("keep me")
    monkeypatch.setenv("SHAPELINT_CACHE_DIR", str(tmp_path / "cache"))
    result = CliRunner().invoke(main, ["check", str(src)])
    assert result.exit_code == 2
    assert result.stderr == (f"shapelint: error: the cache directory {tmp_path / 'cache'} exists and is "
                             "not a directory\n")
    assert (tmp_path / "cache").read_text() == "keep me"


def test_clean_removes_only_a_shapelint_cache(tmp_path, monkeypatch):
    src = tmp_path / "m.py"
    src.write_text(BUGGY)
    run(tmp_path, str(src))
    res = CliRunner().invoke(main, ["clean", "--cache-dir", str(tmp_path / "cache")])
    assert res.exit_code == 0 and not (tmp_path / "cache").exists()
    assert res.output == f"Removed {tmp_path / 'cache'} (1 cached result)\n"
    res = CliRunner().invoke(main, ["clean", "--cache-dir", str(tmp_path / "cache")])
    assert res.exit_code == 0 and res.output == f"No shapelint cache at {tmp_path / 'cache'}\n"
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "data.txt").write_text("keep me")
    res = CliRunner().invoke(main, ["clean", "--cache-dir", str(tmp_path / "precious")])
    assert res.exit_code == 2 and "has no CACHEDIR.TAG of shapelint's" in res.stderr
    assert (tmp_path / "precious" / "data.txt").read_text() == "keep me"


def test_an_empty_directory_becomes_the_cache(tmp_path):
    src = tmp_path / "m.py"
    src.write_text(BUGGY)
    (tmp_path / "cache").mkdir()
    assert run(tmp_path, str(src)).exit_code == 1
    assert len(entries(tmp_path)) == 1
    assert (tmp_path / "cache" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f")


def test_the_fingerprint_changes_with_any_byte_of_the_analyzer(tmp_path):
    """Size and mtime alike, contents different: a checkout edited in place is not stale."""
    from shapelint.cache import fingerprint_of

    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("MAX_UNROLL = 64\n")
    (pkg / "sub" / "b.py").write_text("x = 1\n")
    before = fingerprint_of(pkg)
    stat = (pkg / "a.py").stat()
    (pkg / "a.py").write_text("MAX_UNROLL = 46\n")
    import os

    os.utime(pkg / "a.py", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (pkg / "a.py").stat().st_size == stat.st_size
    assert fingerprint_of(pkg) != before
    (pkg / "a.py").write_text("MAX_UNROLL = 64\n")
    assert fingerprint_of(pkg) == before


def test_a_fully_cached_run_never_imports_libcst(tmp_path):
    """The point of the cache for pre-commit and editors: no parser start-up on a re-run."""
    src = tmp_path / "m.py"
    src.write_text(BUGGY)
    probe = (
        "import sys\n"
        "from shapelint.cli import main\n"
        "try:\n"
        f"    main(['check', '--cache-dir', {str(tmp_path / 'cache')!r}, {str(src)!r}])\n"
        "except SystemExit as exc:\n"
        "    print('exit', exc.code, 'libcst' in sys.modules)\n"
    )
    env_free = {k: v for k, v in __import__("os").environ.items() if k != "SHAPELINT_NO_CACHE"}
    outs = [subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env_free,
                           check=False).stdout.splitlines()[-1] for _ in range(2)]
    assert outs == ["exit 1 True", "exit 1 False"]


def test_every_fixture_round_trips_through_the_cache(tmp_path):
    """A hit is the result the checker gave, field for field (claims included)."""
    from conftest import fixture_files
    from shapelint.cache import ResultCache
    from shapelint.checker import check_bytes

    cache = ResultCache(tmp_path / "cache", 3)
    for path in fixture_files():
        data = path.read_bytes()
        fresh = check_bytes(data, str(path))
        cache.put(data, fresh)
        hit = cache.get(data, str(path))
        assert hit == fresh, path
        assert [d.claims for d in hit.diagnostics] == [d.claims for d in fresh.diagnostics], path
    assert cache.hits == len(fixture_files())
