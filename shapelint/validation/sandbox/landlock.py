"""Landlock (Linux 5.13+): the kernel refuses file access outside an allow-list, TCP
connect/bind (ABI 4+), and signals to processes outside the sandbox (ABI 6+).

It needs no privilege and no namespace, so it also holds where user namespaces are off.
A Landlock domain cannot be left, and a sandboxed process may not mount, unmount or
pivot_root, so the read-only mount layout below it cannot be undone either.
"""
from __future__ import annotations

import ctypes
import os
from collections.abc import Iterable

from shapelint.validation.sandbox import syscalls

# access rights, by the ABI version that introduced them (linux/landlock.h)
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

READ = READ_FILE | READ_DIR
WRITE_TREE = (WRITE_FILE | READ_FILE | READ_DIR | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG
              | MAKE_SOCK | MAKE_FIFO | MAKE_SYM | REFER | TRUNCATE)
_FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV   # what a rule on a file may grant
_CREATE_RULESET_VERSION = 1 << 0
_RULE_PATH_BENEATH = 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi_version() -> int:
    """The kernel's Landlock ABI version; 0 where Landlock is missing or disabled."""
    if not syscalls.IS_LINUX:
        return 0
    try:
        return syscalls.syscall(syscalls.LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                                ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except OSError:
        return 0


def restrict(abi: int, read: Iterable[str], write: Iterable[str], files: dict[str, int]) -> None:
    """Confine this thread (and everything it starts later) for good: read-only access
    under ``read``, full access under ``write``, the given rights on single ``files``, no
    TCP, no signals out. Needs a single-threaded caller. Raises OSError if the kernel refuses."""
    handled = FS_BY_ABI[min(abi, 5)]
    attr = _RulesetAttr(handled, NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
                        SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = syscalls.syscall(syscalls.LANDLOCK_CREATE_RULESET, ctypes.byref(attr),
                               ctypes.c_size_t(size), ctypes.c_uint32(0))
    try:
        rules = [(p, READ) for p in read] + [(p, WRITE_TREE) for p in write] + list(files.items())
        for path, rights in rules:
            _allow(ruleset, path, rights & handled)
        syscalls.prctl(syscalls.PR_SET_NO_NEW_PRIVS, 1)
        syscalls.syscall(syscalls.LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)


def _allow(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return   # nothing there: nothing to allow
    try:
        if not os.path.isdir(path):
            rights &= _FILE_RIGHTS
        beneath = _PathBeneathAttr(rights, fd)
        syscalls.syscall(syscalls.LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                         ctypes.byref(beneath), ctypes.c_uint32(0))
    finally:
        os.close(fd)
