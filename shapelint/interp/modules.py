"""The project's own modules: imports that resolve to source files are analysed too.

``from .blocks import conv_block``, ``from mypkg.utils import load`` or ``import helpers``
bind the real functions, classes and constants of those files, so a builder whose sizes
come from a sibling module is followed. A module is found relative to the importing file
(relative imports), in the importing file's own directory, or under a source root: the
directory holding the file's top-level package, and the configured ``src`` roots.

Each importing file runs the modules it imports itself (in the same interpreter, with
findings and events muted): module-level state is never shared between checked files.
Parsed modules are kept per process. Cycles and missing modules degrade to unknowns.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapelint.interp.flow import Scope
from shapelint.interp.kinds import Kind, register
from shapelint.interp.values import UNKNOWN, Value, sequence_items

if TYPE_CHECKING:
    import libcst as cst

    from shapelint.interp.host import Host

# Runs a module's code in a scope (the module's file is the third argument), findings muted.
RunModule = Callable[["cst.Module", Scope, Path], None]

MAX_MODULES = 64             # modules one file may load, all depths together
MAX_MODULE_BYTES = 2 << 20   # larger files are not analysed as dependencies


@dataclass(eq=False)
class ModuleValue:
    """A project module bound by ``import``: its attributes are its module-level names."""

    name: str
    path: str
    scope: Scope
    submodules: dict[str, ModuleValue] = field(default_factory=dict)


class ModuleKind(Kind[ModuleValue]):
    def attr(self, host: Host, value: ModuleValue, name: str, node: Any = None) -> Value:
        if name in value.scope.vars:
            return value.scope.vars[name]
        if name in value.submodules:
            return value.submodules[name]
        return UNKNOWN


register(ModuleValue, ModuleKind())


@dataclass(frozen=True)
class LoadedSource:
    path: str
    digest: str                # sha256 of the bytes: the results cache keys dependents by it
    module: cst.Module


@lru_cache(maxsize=256)
def _parse(path: str, size: int, mtime_ns: int) -> LoadedSource | None:
    """Read and parse a module once per process (and again when the file changes)."""
    import libcst as cst

    from shapelint.source import decode

    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    text, _ = decode(data)
    if text is None:
        return None
    try:
        module = cst.parse_module(text)
    except Exception:   # a dependency that does not parse is simply unknown
        return None
    return LoadedSource(path, hashlib.sha256(data).hexdigest(), module)


def load_source(path: Path) -> LoadedSource | None:
    try:
        st = path.stat()
    except OSError:
        return None
    if not path.is_file() or st.st_size > MAX_MODULE_BYTES:
        return None
    return _parse(str(path), st.st_size, st.st_mtime_ns)


INSTALL_DIRS = frozenset({"site-packages", "dist-packages"})


def package_root(file: Path) -> Path:
    """The directory above the file's top-level package (the file's own dir if it is in
    no package): where absolute imports of that package resolve."""
    directory = file.parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        directory = directory.parent
    return directory


def _module_file(base: Path, dotted: str) -> Path | None:
    target = base.joinpath(*dotted.split("."))
    for candidate in (target.with_suffix(".py"), target / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


class ModuleFinder:
    """Where a dotted module name is on disk for one checked file (or nowhere)."""

    def __init__(self, importer: str | None, roots: tuple[str, ...] = ()):
        self.file = Path(importer).resolve() if importer and os.path.isfile(importer) else None
        bases: list[Path] = []
        self.own_package: str | None = None    # top-level package of an installed file
        if self.file is not None:
            root = package_root(self.file)
            bases += [self.file.parent, root]
            if root.name in INSTALL_DIRS:
                self.own_package = Path(self.file.relative_to(root).parts[0]).stem
        bases += [Path(r).resolve() for r in roots]
        self.bases = list(dict.fromkeys(bases))

    def find(self, dotted: str, level: int = 0) -> Path | None:
        if level:
            if self.file is None:
                return None
            base = self.file.parent
            for _ in range(level - 1):
                base = base.parent
            return _module_file(base, dotted) if dotted else (base / "__init__.py" if
                                                              (base / "__init__.py").is_file() else None)
        if self.own_package is not None and dotted.split(".")[0] != self.own_package:
            # an installed package's siblings are other distributions (numpy, ...): their
            # code is not the project's, and interpreting it costs time and proves nothing
            bases = [b for b in self.bases if b.name not in INSTALL_DIRS]
        else:
            bases = self.bases
        for base in bases:
            found = _module_file(base, dotted)
            if found is not None:
                return found
        return None


class ModuleLoader:
    """Loads project modules into one interpreter run (each at most once per run)."""

    def __init__(self, finder: ModuleFinder, run_module: RunModule) -> None:
        self.finder = finder
        self._run = run_module
        self.loaded: dict[str, ModuleValue] = {}
        self.loading: set[str] = set()
        self.sources: dict[str, LoadedSource] = {}   # path -> source, for positions and the cache
        if finder.file is not None:
            self.loading.add(str(finder.file))        # the checked file never imports itself

    def load(self, dotted: str, level: int = 0) -> ModuleValue | None:
        path = self.finder.find(dotted, level)
        if path is None:
            return None
        key = str(path)
        if key in self.loaded:
            return self.loaded[key]
        if key in self.loading or len(self.loaded) + len(self.loading) >= MAX_MODULES:
            return None                           # an import cycle, or too many: unknown
        source = load_source(path)
        if source is None:
            return None
        scope = Scope(kind="module")
        scope.vars["__name__"] = dotted or path.stem
        scope.vars["__file__"] = key
        module = ModuleValue(dotted, key, scope)
        self.loading.add(key)
        try:
            self.sources[key] = source
            self._run(source.module, scope, path)
        finally:
            self.loading.discard(key)
        self.loaded[key] = module
        return module

    def dependencies(self) -> tuple[tuple[str, str], ...]:
        """(path, sha256) of every module this run read: a cached result of the checked file
        holds only while none of them changed."""
        return tuple(sorted((p, s.digest) for p, s in self.sources.items()))


def public_names(module: ModuleValue) -> dict[str, Value]:
    """What ``from module import *`` binds: ``__all__`` when it is a known list of names,
    else every name not starting with an underscore."""
    items = sequence_items(module.scope.vars.get("__all__"))
    if items is not None and all(isinstance(n, str) for n in items):
        return {n: module.scope.vars[n] for n in items if n in module.scope.vars}
    return {k: v for k, v in module.scope.vars.items() if not k.startswith("_")}
