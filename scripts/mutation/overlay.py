"""Drivers: lint the code that builds each model, as users do, with the package as project modules.

A backbone class or a U-Net builder takes its sizes from its caller, so linted alone every
size is unknown. Users lint their own script, which calls the builder; shapelint follows its
imports into the package's source. A driver is that script for one build entry
(``from keras_hub.src.models.resnet.resnet_backbone import ResNetBackbone`` then the
entry's call), written next to a scratch copy of the package's import root (the overlay),
so the package resolves as the driver's project modules. For each mutant the overlay holds
the mutated file in place of the original while the drivers are linted, then the original
is put back.
"""

from __future__ import annotations

import ast
import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from mutation.corpus import Entry, Package

SKIP = shutil.ignore_patterns("*.dist-info", "__pycache__", "*.pyc", ".complete", ".done-*")


def driver_source(entry: Entry) -> str:
    """The script that builds an entry's model: import the builder from its module, call it
    (what the TF worker evaluates in that module's namespace)."""
    func = ast.parse(entry.call, mode="eval").body
    while isinstance(func, (ast.Call, ast.Attribute)):
        func = func.func if isinstance(func, ast.Call) else func.value
    if not isinstance(func, ast.Name):
        raise ValueError(f"cannot name the builder of {entry.call!r}")
    return f"from {entry.module} import {func.id}\n\nmodel = {entry.call}\n"


class Overlay:
    """Scratch copies of each package's import root under ``<work>/overlay``, with one driver
    per build entry at the top of each copy.

    The copies are made afresh on every run (an interrupted run may have left a mutant
    behind). shapelint caches parsed modules by (path, size, mtime): a mutant is given an
    mtime of its own and the restored original its first one, so a parse is never served for
    the wrong text even when a same-size edit lands within the file system's clock tick."""

    def __init__(self, work: Path, packages: list[Package]):
        self.dir = work / "overlay"
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.packages = {p.name: p for p in packages}
        self.drivers: dict[tuple[str, Entry], Path] = {}
        self._stamp = 0
        for pkg in packages:
            top = self.dir / pkg.name
            shutil.copytree(pkg.import_root, top, ignore=SKIP)
            for i, entry in enumerate(pkg.entries):
                driver = top / f"shapelint_driver_{i}.py"
                driver.write_text(driver_source(entry))
                self.drivers[(pkg.name, entry)] = driver

    def path_of(self, pkg: Package, path: str | Path) -> Path:
        """The overlay's copy of one of the package's files."""
        return self.dir / pkg.name / Path(path).relative_to(pkg.import_root)

    def driver(self, pkg: Package, entry: Entry) -> Path:
        return self.drivers[(pkg.name, entry)]

    @contextlib.contextmanager
    def mutated(self, pkg: Package, path: Path, source: str) -> Iterator[Path]:
        """The overlay with ``source`` in place of the package file ``path``, for the block."""
        target = self.path_of(pkg, path)
        original = target.read_bytes()
        st = target.stat()
        self._stamp += 1
        try:
            target.write_bytes(source.encode())
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + self._stamp))
            yield target
        finally:
            target.write_bytes(original)
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
