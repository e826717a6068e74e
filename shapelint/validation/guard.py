"""Inside a build: no network at all, and no writes outside the build's temp directory.

The build program already leaves I/O out; this catches what slips through honestly (a
sibling module, a library default) and names it in the output. Python-level only, so a
first line and never the boundary: code that means harm goes around it (``getattr``,
``ctypes``, ``_socket``), and the OS sandbox (:mod:`shapelint.validation.sandbox`) stops it.
"""
from __future__ import annotations

import builtins
import io
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager


class NetworkBlocked(PermissionError):
    """Raised instead of any connection or name lookup."""


class WriteBlocked(PermissionError):
    """Raised instead of a write outside the sandbox."""


class Guard:
    def __init__(self, sandbox: str):
        self.sandbox = os.path.realpath(sandbox)
        self.network: list[str] = []
        self.writes: list[str] = []
        self._saved: dict = {}

    # network: always blocked once installed -----------------------------------------------
    def block_network(self) -> None:
        guard = self

        def refuse(what: str):
            def blocked(*args, **kwargs):
                target = next((a for a in args if isinstance(a, (str, tuple))), "")
                guard.network.append(f"{what} {target!r}")
                raise NetworkBlocked(f"network access is blocked during shapelint validation ({what})")
            return blocked

        socket.socket.connect = refuse("connect")             # type: ignore[method-assign]
        socket.socket.connect_ex = refuse("connect")          # type: ignore[method-assign]
        socket.socket.sendto = refuse("sendto")               # type: ignore[method-assign]
        socket.create_connection = refuse("create_connection")  # type: ignore[assignment]
        socket.getaddrinfo = refuse("getaddrinfo")            # type: ignore[assignment]
        socket.gethostbyname = refuse("gethostbyname")        # type: ignore[assignment]
        socket.gethostbyname_ex = refuse("gethostbyname")     # type: ignore[assignment]

    # writes: blocked outside the sandbox while user code runs ------------------------------
    def _inside(self, path) -> bool:
        try:
            real = os.path.realpath(os.fspath(path))
        except TypeError:
            return True   # file descriptors were opened by someone already allowed to
        return real == self.sandbox or real.startswith(self.sandbox + os.sep)

    def _check(self, what: str, path) -> None:
        if not self._inside(path):
            self.writes.append(f"{what} {os.fspath(path)!r}")
            raise WriteBlocked(f"writing outside the sandbox is blocked during shapelint validation "
                               f"({what} {os.fspath(path)!r})")

    @contextmanager
    def writes_confined(self) -> Iterator[None]:
        guard = self
        real_open = builtins.open

        def guarded_open(file, mode="r", *args, **kwargs):
            if any(c in mode for c in "wax+"):
                guard._check("open", file)
            return real_open(file, mode, *args, **kwargs)

        def one_path(name: str):
            real = getattr(os, name)

            def guarded(path, *args, **kwargs):
                guard._check(name, path)
                return real(path, *args, **kwargs)
            return real, guarded

        names = ("mkdir", "remove", "unlink", "rmdir", "rename", "replace")
        patched = {name: one_path(name) for name in names}
        builtins.open = io.open = guarded_open   # type: ignore[assignment]
        for name, (_, guarded) in patched.items():
            setattr(os, name, guarded)
        try:
            yield
        finally:
            builtins.open = io.open = real_open   # type: ignore[assignment]
            for name, (real, _) in patched.items():
                setattr(os, name, real)


def harden_stdout():
    """The protocol owns the real stdout; anything the user code prints goes to stderr."""
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return proto
