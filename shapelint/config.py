"""Configuration from `[tool.shapelint]` in the closest pyproject.toml (or shapelint.toml).

Keys (kebab-case as in ruff): select, ignore, exclude, extend-exclude, per-file-ignores,
target-keras, cache-dir, sandbox. Paths and patterns are relative to the config file. An unknown key
or a bad value is an error (exit 2) with a did-you-mean, never silently ignored.
"""
from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pathspec

from shapelint.registry import RULES, closest, lookup

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KEYS = ("select", "ignore", "exclude", "extend-exclude", "per-file-ignores", "target-keras", "cache-dir",
        "sandbox", "src")
SANDBOX_MODES = ("auto", "strict", "off")


class ConfigError(Exception):
    """A configuration the user must fix; shown with exit code 2."""


@dataclass
class Config:
    root: Path = field(default_factory=Path.cwd)
    source: Optional[Path] = None
    select: Optional[set[str]] = None
    ignore: set[str] = field(default_factory=set)
    exclude: Optional[pathspec.PathSpec] = None
    per_file_ignores: list[tuple[pathspec.PathSpec, set[str]]] = field(default_factory=list)
    target_keras: int = 3
    cache_dir: Optional[Path] = None
    sandbox: str = "auto"
    # Source roots where the project's own modules are found (as ruff's `src`), besides each
    # file's own directory and package.
    src: tuple[Path, ...] = ()

    def excluded(self, path: Path) -> bool:
        if self.exclude is None:
            return False
        try:
            rel = _resolved(path).relative_to(self.root.resolve())
        except ValueError:
            return False
        text = rel.as_posix() + ("/" if path.is_dir() else "")
        return self.exclude.match_file(text)

    def enabled(self, code: str, path: Path) -> bool:
        if self.select is not None and code not in self.select:
            return False
        if code in self.ignore:
            return False
        try:
            rel = _resolved(path).relative_to(self.root.resolve()).as_posix()
        except ValueError:
            rel = path.as_posix()
        return not any(spec.match_file(rel) and code in codes for spec, codes in self.per_file_ignores)


def _resolved(path: Path) -> Path:
    """The real path; a symlink loop (RuntimeError before Python 3.13) keeps the path as written."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def rule_codes(values: Any, where: str) -> set[str]:
    """Codes, kebab-case names, prefixes (SHP1) or ALL, as ruff accepts them."""
    if isinstance(values, str):
        values = [v for v in values.split(",")]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"{where}: expected a list of rule codes or names")
    codes: set[str] = set()
    for raw in (v.strip() for v in values):
        if not raw:
            continue
        if raw.upper() == "ALL":
            codes.update(r.code for r in RULES)
            continue
        rule = lookup(raw)
        if rule is not None:
            codes.add(rule.code)
            continue
        prefixed = {r.code for r in RULES if r.code.startswith(raw.upper())}
        if not prefixed:
            hint = closest(raw)
            raise ConfigError(f"{where}: unknown rule {raw!r}" + (f" (did you mean {hint!r}?)" if hint else ""))
        codes |= prefixed
    return codes


def find_config(start: Path) -> Optional[tuple[Path, dict]]:
    """The closest shapelint.toml, or pyproject.toml with a [tool.shapelint] table."""
    start = start.resolve()
    for directory in [start, *start.parents] if start.is_dir() else [start.parent, *start.parent.parents]:
        own = directory / "shapelint.toml"
        if own.is_file():
            return own, _load(own)
        project = directory / "pyproject.toml"
        if project.is_file():
            data = _load(project)
            if "shapelint" in data.get("tool", {}):
                return project, {"tool": {"shapelint": data["tool"]["shapelint"]}}
    return None


def _load(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def load(start: Path) -> Config:
    found = find_config(start)
    if found is None:
        return Config()
    path, data = found
    table = data["tool"]["shapelint"] if path.name == "pyproject.toml" else data
    return from_table(table, path)


def from_file(path: Path) -> Config:
    """An explicitly named config file (--config)."""
    data = _load(path)
    if path.name == "pyproject.toml":
        return from_table(data.get("tool", {}).get("shapelint", {}), path)
    return from_table(data, path)


def from_table(table: dict, path: Path) -> Config:
    cfg = Config(root=path.parent, source=path)
    where = f"{path} [tool.shapelint]" if path.name == "pyproject.toml" else str(path)
    for key in table:
        if key not in KEYS:
            hint = difflib.get_close_matches(key, KEYS, n=1)
            raise ConfigError(f"{where}: unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""))
    if "select" in table:
        cfg.select = rule_codes(table["select"], f"{where} select")
    if "ignore" in table:
        cfg.ignore = rule_codes(table["ignore"], f"{where} ignore")
    patterns: list[str] = []
    for key in ("exclude", "extend-exclude"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} {key}: expected a list of gitignore-style patterns")
        patterns += value
    if patterns:
        cfg.exclude = pathspec.GitIgnoreSpec.from_lines(patterns)
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(f"{where} per-file-ignores: expected a table of pattern = [codes]")
    for pattern, codes in per_file.items():
        spec = pathspec.GitIgnoreSpec.from_lines([pattern])
        cfg.per_file_ignores.append((spec, rule_codes(codes, f"{where} per-file-ignores {pattern!r}")))
    if "target-keras" in table:
        value = table["target-keras"]
        if value not in (2, 3, "2", "3"):
            raise ConfigError(f"{where} target-keras: expected 2 or 3, got {value!r}")
        cfg.target_keras = int(value)
    if "cache-dir" in table:
        value = table["cache-dir"]
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where} cache-dir: expected a directory path")
        cfg.cache_dir = cfg.root / value
    if "src" in table:
        value = table["src"]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(f"{where} src: expected a list of directory paths")
        cfg.src = tuple(cfg.root / v for v in value)
    if "sandbox" in table:
        value = table["sandbox"]
        if value not in SANDBOX_MODES:
            hint = difflib.get_close_matches(str(value), SANDBOX_MODES, n=1)
            raise ConfigError(f"{where} sandbox: expected one of {', '.join(SANDBOX_MODES)}, got {value!r}"
                              + (f" (did you mean {hint[0]!r}?)" if hint else ""))
        cfg.sandbox = value
    return cfg
