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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TextIO

# What a connection or a name lookup goes through: (owner, attribute, what the note calls it).
_NETWORK: tuple[tuple[object, str, str], ...] = (
    (socket.socket, "connect", "connect"), (socket.socket, "connect_ex", "connect"),
    (socket.socket, "sendto", "sendto"), (socket, "create_connection", "create_connection"),
    (socket, "getaddrinfo", "getaddrinfo"), (socket, "gethostbyname", "gethostbyname"),
    (socket, "gethostbyname_ex", "gethostbyname"),
)
# The os functions that write, remove or rename a path (their first argument).
_WRITES = ("mkdir", "remove", "unlink", "rmdir", "rename", "replace")


class NetworkBlocked(PermissionError):
    """Raised instead of any connection or name lookup."""


class WriteBlocked(PermissionError):
    """Raised instead of a write outside the sandbox."""


class Guard:
    def __init__(self, sandbox: str):
        self.sandbox = os.path.realpath(sandbox)
        self.network: list[str] = []
        self.writes: list[str] = []

    # network: always blocked once installed -----------------------------------------------
    def block_network(self) -> None:
        guard = self

        def refuse(what: str) -> Callable[..., NoReturn]:
            def blocked(*args: Any, **kwargs: Any) -> NoReturn:
                target = next((a for a in args if isinstance(a, (str, tuple))), "")
                guard.network.append(f"{what} {target!r}")
                raise NetworkBlocked(f"network access is blocked during shapelint validation ({what})")
            return blocked

        for owner, name, what in _NETWORK:
            setattr(owner, name, refuse(what))

    # writes: blocked outside the sandbox while user code runs ------------------------------
    # ``path``: whatever the file's code passed (a str, bytes, PathLike, a descriptor, or wrong).
    def _inside(self, path: Any) -> bool:
        try:
            real = os.path.realpath(os.fsdecode(path))   # a bytes path is checked as text
        except TypeError:
            return True   # file descriptors were opened by someone already allowed to
        return real == self.sandbox or real.startswith(self.sandbox + os.sep)

    def _check(self, what: str, path: Any) -> None:
        if not self._inside(path):
            self.writes.append(f"{what} {os.fspath(path)!r}")
            raise WriteBlocked(f"writing outside the sandbox is blocked during shapelint validation "
                               f"({what} {os.fspath(path)!r})")

    @contextmanager
    def writes_confined(self) -> Iterator[None]:
        guard = self
        real_open = builtins.open

        def guarded_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            if any(c in mode for c in "wax+"):
                guard._check("open", file)
            return real_open(file, mode, *args, **kwargs)

        def one_path(name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
            real: Callable[..., Any] = getattr(os, name)

            def guarded(path: Any, *args: Any, **kwargs: Any) -> Any:
                guard._check(name, path)
                return real(path, *args, **kwargs)
            return real, guarded

        # (owner, attribute, the original, its guarded stand-in)
        patched = [(module, "open", real_open, guarded_open) for module in (builtins, io)]
        patched += [(os, name, *one_path(name)) for name in _WRITES]
        for owner, name, _, guarded in patched:
            setattr(owner, name, guarded)
        try:
            yield
        finally:
            for owner, name, real, _ in patched:
                setattr(owner, name, real)


def harden_stdout() -> TextIO:
    """The protocol owns the real stdout; anything the user code prints goes to stderr."""
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return proto
