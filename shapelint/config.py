"""Configuration resolved per file, as ruff resolves it.

Each checked file gets the settings of the closest configuration file above it:
``.shapelint.toml``, ``shapelint.toml`` (no table header) or a ``pyproject.toml`` with a
``[tool.shapelint]`` table, in that order of preference within a directory. A file with
none above it gets the one found from the working directory. ``extend = "../pyproject.toml"``
inherits another file's settings (this file's keys win; ``extend-*`` keys and rule
selections add up). ``--config FILE`` applies one file to every path, ``--isolated`` none;
the command line's options are one more layer on top, as in ruff.

Keys (kebab-case as in ruff): see :data:`KEYS`. Paths and patterns are relative to the file
that names them (command-line patterns: to the working directory). An unknown key or a bad
value is an error (exit 2) with a did-you-mean, never silently ignored.

Rule selection follows ruff: layers apply in order (an extended file, the file, the command
line); a layer's ``select`` replaces what came before, ``extend-select`` adds to it, and
within a layer a more specific selector wins (``select = ["SHP101"]`` with
``ignore = ["SHP1"]`` keeps SHP101).
"""
from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import pathspec

from shapelint.interp.budget import DEFAULT_SECONDS
from shapelint.registry import RULES, closest, lookup

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SANDBOX_MODES = ("auto", "strict", "off")
FAIL_ON = ("warning", "error")          # the least severe finding that sets exit code 1
DEFAULT_INCLUDE = ("*.py", "*.ipynb")
CONFIG_NAMES = (".shapelint.toml", "shapelint.toml", "pyproject.toml")
ALL_CODES = frozenset(r.code for r in RULES)
SEVERITY_RANK = {"warning": 0, "error": 1}


class ConfigError(Exception):
    """A configuration the user must fix; shown with exit code 2."""


# ---- values -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Selector:
    """One rule selector as written: the codes it names and how specific it is (ALL < SHP <
    SHP1 < SHP10 < a code or name), which decides between a select and an ignore."""

    text: str
    codes: frozenset[str]
    specificity: int


def selector(raw: str, where: str) -> Selector:
    """A code, a kebab-case name, a code prefix (SHP1) or ALL, as ruff accepts them."""
    text = raw.strip()
    if text.upper() == "ALL":
        return Selector("ALL", ALL_CODES, 0)
    rule = lookup(text)
    if rule is not None:
        return Selector(rule.code, frozenset({rule.code}), 99)
    prefixed = frozenset(c for c in ALL_CODES if c.startswith(text.upper()))
    if not text or not prefixed:
        hint = closest(text) if text else None
        raise ConfigError(f"{where}: unknown rule {text!r}" + (f" (did you mean {hint!r}?)" if hint else ""))
    return Selector(text.upper(), prefixed, len(text))


def _strings(value: Any, where: str, what: str) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of {what}")
    return [v.strip() for v in value if v.strip()]


def selectors(value: Any, where: str) -> tuple[Selector, ...]:
    return tuple(selector(v, where) for v in _strings(value, where, "rule codes or names"))


def rule_codes(value: Any, where: str) -> set[str]:
    """The codes a list (or comma-separated string) of selectors names."""
    return {c for s in selectors(value, where) for c in s.codes}


@dataclass(frozen=True)
class Patterns:
    """Gitignore-style patterns and the directory they are relative to."""

    base: Path
    lines: tuple[str, ...]
    spec: pathspec.GitIgnoreSpec = field(init=False, compare=False, repr=False)
    real_base: Path = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "spec", pathspec.GitIgnoreSpec.from_lines(self.lines))
        object.__setattr__(self, "real_base", _resolved(self.base))

    def match(self, path: Path, is_dir: bool = False) -> bool:
        try:
            rel = _resolved(path).relative_to(self.real_base)
        except ValueError:
            return False
        return self.spec.match_file(rel.as_posix() + ("/" if is_dir else ""))


@dataclass(frozen=True)
class Selection:
    """One layer of rule selection: a configuration file's, or the command line's."""

    select: tuple[Selector, ...] | None = None     # None: not given (keep what came before)
    extend_select: tuple[Selector, ...] = ()
    ignore: tuple[Selector, ...] = ()

    def apply(self, enabled: frozenset[str]) -> frozenset[str]:
        """As ruff: selectors by increasing specificity, selects before ignores at each."""
        chosen = [(s, True) for s in (*(self.select or ()), *self.extend_select)] + \
                 [(s, False) for s in self.ignore]
        updates: dict[str, bool] = {}
        for s, on in sorted(chosen, key=lambda pair: (pair[0].specificity, not pair[1])):
            updates.update(dict.fromkeys(s.codes, on))
        start = frozenset() if self.select is not None else enabled
        return frozenset(c for c in start | updates.keys() if updates.get(c, c in start))


def enabled_codes(selections: tuple[Selection, ...]) -> frozenset[str]:
    enabled = ALL_CODES
    for selection in selections:
        enabled = selection.apply(enabled)
    return enabled


def _resolved(path: Path) -> Path:
    """The real path; a symlink loop (RuntimeError before Python 3.13) keeps the path as written."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


# ---- one layer of options: a file's table, or the command line ----------------------------

def _patterns(value: Any, where: str, base: Path) -> Patterns:
    return Patterns(base, tuple(_strings(value, where, "gitignore-style patterns")))


def _per_file(value: Any, where: str, base: Path) -> tuple[tuple[Patterns, frozenset[str]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table of pattern = [codes]")
    return tuple((Patterns(base, (pattern,)), frozenset(rule_codes(codes, f"{where} {pattern!r}")))
                 for pattern, codes in value.items())


def _keras(value: Any, where: str, base: Path) -> int:
    if value not in (2, 3, "2", "3"):
        raise ConfigError(f"{where}: expected 2 or 3, got {value!r}")
    return int(value)


def _seconds(value: Any, where: str, base: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{where}: expected a positive number of seconds, got {value!r}")
    return float(value)


def _directory(value: Any, where: str, base: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: expected a path")
    return base / value


def _directories(value: Any, where: str, base: Path) -> tuple[Path, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: expected a list of directory paths")
    return tuple(base / v for v in value)


def _choice(choices: tuple[str, ...]) -> Callable[[Any, str, Path], str]:
    def parse(value: Any, where: str, base: Path) -> str:
        if not isinstance(value, str) or value not in choices:
            hint = difflib.get_close_matches(str(value), choices, n=1)
            raise ConfigError(f"{where}: expected one of {', '.join(choices)}, got {value!r}"
                              + (f" (did you mean {hint[0]!r}?)" if hint else ""))
        return value
    return parse


PARSERS: dict[str, Callable[[Any, str, Path], Any]] = {
    "extend": _directory,
    "select": lambda v, where, base: selectors(v, where),
    "extend-select": lambda v, where, base: selectors(v, where),
    "ignore": lambda v, where, base: selectors(v, where),
    "extend-ignore": lambda v, where, base: selectors(v, where),
    "include": _patterns,
    "extend-include": _patterns,
    "exclude": _patterns,
    "extend-exclude": _patterns,
    "per-file-ignores": _per_file,
    "extend-per-file-ignores": _per_file,
    "target-keras": _keras,
    "fail-on": _choice(FAIL_ON),
    "cache-dir": _directory,
    "sandbox": _choice(SANDBOX_MODES),
    "src": _directories,
    "time-limit": _seconds,
}
KEYS = tuple(PARSERS)


def parse_options(table: dict[str, Any], where: str, base: Path) -> dict[str, Any]:
    """A table's options, each checked and parsed (paths and patterns relative to ``base``)."""
    for key in table:
        if key not in PARSERS:
            hint = difflib.get_close_matches(key, KEYS, n=1)
            raise ConfigError(f"{where}: unknown key {key!r}"
                              + (f" (did you mean {hint[0]!r}?)" if hint else ""))
    return {key: PARSERS[key](value, f"{where} {key}", base) for key, value in table.items()}


# ---- the settings of a file ---------------------------------------------------------------

@dataclass(frozen=True)
class Config:
    """The settings that apply to a file: its configuration file (and what that extends),
    with the command line's options on top."""

    root: Path = field(default_factory=Path.cwd)
    source: Path | None = None
    chain: tuple[Path, ...] = ()              # the files read, the extended ones first
    selections: tuple[Selection, ...] = ()
    include: tuple[Patterns, ...] = ()        # empty: DEFAULT_INCLUDE
    exclude: tuple[Patterns, ...] = ()        # `exclude` (replaced by a later layer) ...
    extend_exclude: tuple[Patterns, ...] = ()   # ... and `extend-exclude` (added up)
    per_file_ignores: tuple[tuple[Patterns, frozenset[str]], ...] = ()
    extend_per_file_ignores: tuple[tuple[Patterns, frozenset[str]], ...] = ()
    target_keras: int = 3
    fail_on: str = "warning"
    cache_dir: Path | None = None
    sandbox: str = "auto"
    time_limit: float = DEFAULT_SECONDS       # wall-clock seconds of analysis per file
    # Source roots where the project's own modules are found (as ruff's `src`), besides each
    # file's own directory and package.
    src: tuple[Path, ...] = ()

    @cached_property
    def codes(self) -> frozenset[str]:
        return enabled_codes(self.selections)

    def excluded(self, path: Path) -> bool:
        is_dir = path.is_dir()
        return any(p.match(path, is_dir) for p in (*self.exclude, *self.extend_exclude))

    @cached_property
    def _include(self) -> tuple[Patterns, ...]:
        return self.include or (Patterns(self.root, DEFAULT_INCLUDE),)

    def included(self, path: Path) -> bool:
        """Whether a file found in a directory is one to check (``include``)."""
        return any(p.spec.match_file(path.name) or p.match(path) for p in self._include)

    def ignored_here(self, path: Path) -> frozenset[str]:
        """Codes per-file-ignores switch off for ``path``."""
        return frozenset(c for patterns, codes in (*self.per_file_ignores, *self.extend_per_file_ignores)
                         if patterns.match(path) for c in codes)

    def enabled(self, code: str, path: Path) -> bool:
        return code in self.codes and code not in self.ignored_here(path)

    def fails(self, severity: str) -> bool:
        """Whether a finding of this severity sets exit code 1 (``fail-on``)."""
        return SEVERITY_RANK.get(severity, 1) >= SEVERITY_RANK[self.fail_on]

    def extended_by(self, options: dict[str, Any], source: Path | None = None) -> Config:
        """These settings with one more layer of options on top (``extend``'s child, or the
        command line)."""
        changes: dict[str, Any] = {}
        selection = Selection(options.get("select"), options.get("extend-select", ()),
                              (*options.get("ignore", ()), *options.get("extend-ignore", ())))
        if selection != Selection():
            changes["selections"] = (*self.selections, selection)
        for key, attr in _REPLACED.items():
            if key in options:
                changes[attr] = options[key]
        if "include" in options:
            changes["include"] = (options["include"],)
        if "extend-include" in options:
            changes["include"] = (*(changes.get("include") or self.include
                                    or (Patterns(self.root, DEFAULT_INCLUDE),)), options["extend-include"])
        if "exclude" in options:
            changes["exclude"] = (options["exclude"],)
        if "extend-exclude" in options:
            changes["extend_exclude"] = (*self.extend_exclude, options["extend-exclude"])
        if "per-file-ignores" in options:
            changes["per_file_ignores"] = options["per-file-ignores"]
        if "extend-per-file-ignores" in options:
            changes["extend_per_file_ignores"] = (*self.extend_per_file_ignores,
                                                  *options["extend-per-file-ignores"])
        if source is not None:
            changes.update(root=source.parent, source=source, chain=(*self.chain, source))
        return replace(self, **changes)


_REPLACED = {"target-keras": "target_keras", "fail-on": "fail_on", "cache-dir": "cache_dir",
             "sandbox": "sandbox", "src": "src", "time-limit": "time_limit"}


# ---- reading configuration files ----------------------------------------------------------

def _load(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _table(path: Path) -> dict[str, Any] | None:
    """The shapelint table of a configuration file (None: a pyproject.toml without one)."""
    data = _load(path)
    if path.name != "pyproject.toml":
        return data
    tool = data.get("tool", {})
    return tool.get("shapelint") if isinstance(tool, dict) else None


def _where(path: Path) -> str:
    return f"{path} [tool.shapelint]" if path.name == "pyproject.toml" else str(path)


def from_file(path: Path, _seen: tuple[Path, ...] = ()) -> Config:
    """A configuration file's settings, with what it extends (also ``--config``)."""
    path = _resolved(path)
    if path in _seen:
        raise ConfigError("extend: a cycle: " + " -> ".join(str(p) for p in (*_seen, path)))
    if not path.is_file():
        raise ConfigError(f"{_seen[-1] if _seen else path}: extend: no such file {path}")
    options = parse_options(_table(path) or {}, _where(path), path.parent)
    base = from_file(options["extend"], (*_seen, path)) if "extend" in options else Config(root=path.parent)
    return base.extended_by(options, source=path)


def config_file_in(directory: Path) -> Path | None:
    """The configuration file of this directory, if it has one."""
    for name in CONFIG_NAMES:
        candidate = directory / name
        if candidate.is_file() and (name != "pyproject.toml" or _table(candidate) is not None):
            return candidate
    return None


def find_config(start: Path) -> Path | None:
    """The closest configuration file at or above ``start`` (a file or a directory)."""
    start = _resolved(start)
    first = start if start.is_dir() else start.parent
    for directory in (first, *first.parents):
        found = config_file_in(directory)
        if found is not None:
            return found
    return None


def load(start: Path) -> Config:
    """The settings that apply at ``start``: the closest configuration file's, or defaults."""
    found = find_config(start)
    return from_file(found) if found is not None else Config(root=_resolved(start))


class Resolver:
    """The settings of each path of a run, as ruff resolves them: the closest configuration
    file above the path; for a path with none above it, the one found from the working
    directory; with ``--config`` one file for all, with ``--isolated`` none. The command
    line's options apply on top of each. Each directory is looked at once."""

    def __init__(self, cwd: Path, cli: dict[str, Any] | None = None, config: Path | None = None,
                 isolated: bool = False):
        self.cwd = _resolved(cwd)
        self.cli = cli or {}
        self._by_file: dict[Path, Config] = {}
        self._by_dir: dict[Path, Path | None] = {}
        self._by_path: dict[Path, Config] = {}
        if config is not None:
            self.fixed: Config | None = self._finish(from_file(config))
        elif isolated:
            self.fixed = self._finish(Config(root=self.cwd))
        else:
            self.fixed = None
        self.default = self.fixed or self._finish(load(self.cwd))

    def _finish(self, cfg: Config) -> Config:
        return cfg.extended_by(self.cli) if self.cli else cfg

    def for_path(self, path: Path) -> Config:
        """The settings for a file (or directory) of the run."""
        if self.fixed is not None:
            return self.fixed
        if path not in self._by_path:
            start = _resolved(path)
            self._by_path[path] = self._in(start if start.is_dir() else start.parent)
        return self._by_path[path]

    def _in(self, directory: Path) -> Config:
        """The settings of the closest configuration file at or above ``directory``."""
        found = self._closest(directory)
        if found is None:
            return self.default
        if found not in self._by_file:
            self._by_file[found] = self._finish(from_file(found))
        return self._by_file[found]

    def _closest(self, directory: Path) -> Path | None:
        walked: list[Path] = []
        found: Path | None = None
        for d in (directory, *directory.parents):
            if d in self._by_dir:
                found = self._by_dir[d]
                break
            walked.append(d)
            found = config_file_in(d)
            if found is not None:
                break
        for d in walked:
            self._by_dir.setdefault(d, found)
        return found

    def excluded(self, path: Path) -> bool:
        """Whether the settings above ``path`` exclude it: a directory is judged by its
        parent's settings, as ruff does, so a subproject's own file cannot undo an exclude."""
        if self.fixed is None and path.is_dir():
            return self._in(_resolved(path).parent).excluded(path)
        return self.for_path(path).excluded(path)

    def included(self, path: Path) -> bool:
        return self.for_path(path).included(path)

    def enabled(self, code: str, path: Path) -> bool:
        return self.for_path(path).enabled(code, path)
