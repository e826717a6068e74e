"""Linux namespaces for one build: no network, and a new root file system that holds only
what a Keras build reads (read-only) and the per-file temp dir (the one writable path).

No privilege needed: a user namespace maps us to root inside it (as `unshare --user
--map-root-user` does). The layout is built in that user namespace, then a second, nested
one is entered: the kernel locks every mount copied into it, so code in the sandbox cannot
remount a path read-write or unmount a mask, even as root of its own namespace.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

from shapelint.validation.sandbox import syscalls as sc

DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
# Never readable, even at the top of a readable directory: version control (a CI
# checkout keeps its token in .git/config) and the usual credential files.
MASKED = (".git", ".hg", ".svn", ".env", ".netrc", ".pypirc", ".git-credentials", ".npmrc")
TMPFS_SIZE = "256m"                      # the writable temp dir lives in memory, bounded
_STATVFS_TO_MS = (os.ST_NOSUID, os.ST_NODEV, os.ST_NOEXEC, getattr(os, "ST_NOATIME", 1024),
                  getattr(os, "ST_RELATIME", 4096), getattr(os, "ST_NODIRATIME", 2048))


def enter(uid: int, gid: int, pid_namespace: bool) -> list[str]:
    """Unshare user, mount and network namespaces (and pid, if asked) and map our ids.
    Returns the namespaces now in force; raises OSError if there are none."""
    flags = sc.CLONE_NEWUSER | sc.CLONE_NEWNS | sc.CLONE_NEWNET
    try:
        sc.unshare(flags | (sc.CLONE_NEWPID if pid_namespace else 0))
        pid = pid_namespace
    except OSError:
        if not pid_namespace:
            raise
        sc.unshare(flags)
        pid = False
    proc = os.open("/proc/self", os.O_RDONLY | os.O_DIRECTORY)
    try:
        _map_ids(proc, uid, gid)
    finally:
        os.close(proc)
    return ["user", "network", "mount"] + (["pid"] if pid else [])


def _map_ids(proc: int, outer_uid: int, outer_gid: int) -> None:
    """Root inside the newest user namespace is ``outer_uid``/``outer_gid`` outside it.
    ``proc``: this process's /proc directory."""
    def write(name: str, text: str) -> None:
        fd = os.open(name, os.O_WRONLY, dir_fd=proc)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)
    with contextlib.suppress(FileNotFoundError):   # kernels before 3.19 have no setgroups file
        write("setgroups", "deny")
    write("uid_map", f"0 {outer_uid} 1")
    write("gid_map", f"0 {outer_gid} 1")


def build_root(new_root: str, readable: Iterable[str], writable: str, proc: bool) -> None:
    """Mount an empty read-only root at ``new_root`` holding ``readable`` (read-only binds,
    version-control directories masked), the devices above, a fresh /proc (only inside
    a pid namespace, so other processes stay invisible) and an empty tmpfs at ``writable``;
    then make it this process's root and drop the old one."""
    sc.mount(None, "/", None, sc.MS_REC | sc.MS_PRIVATE)
    sc.mount("tmpfs", new_root, "tmpfs", sc.MS_NOSUID | sc.MS_NODEV, "mode=0755,size=4m")
    binds, links = plan(readable)
    for path in binds:
        _bind(new_root, path, read_only=True)
        for name in MASKED:
            _mask(new_root + os.path.join(path, name))
    for where, target in links:
        try:
            if not os.path.lexists(new_root + where):
                os.makedirs(os.path.dirname(new_root + where), exist_ok=True)
                os.symlink(target, new_root + where)
        except OSError:   # inside a read-only bind, where the link already is
            pass
    for device in DEVICES:
        if os.path.exists(device):
            _bind(new_root, device, read_only=False)
    sc.mount("tmpfs", _mountpoint(new_root, writable, directory=True), "tmpfs",
             sc.MS_NOSUID | sc.MS_NODEV, f"mode=0700,size={TMPFS_SIZE}")
    if proc:
        sc.mount("proc", _mountpoint(new_root, "/proc", directory=True), "proc",
                 sc.MS_NOSUID | sc.MS_NODEV | sc.MS_NOEXEC)
    old = os.path.join(new_root, ".old-root")
    os.mkdir(old)
    sc.pivot_root(new_root, old)
    os.chdir("/")
    sc.umount2("/.old-root", sc.MNT_DETACH)
    os.rmdir("/.old-root")
    sc.mount(None, "/", None, sc.MS_REMOUNT | sc.MS_RDONLY | sc.MS_NOSUID | sc.MS_NODEV)


def _mask(target: str) -> None:
    """An empty read-only directory over a directory, /dev/null over a file."""
    if os.path.isdir(target) and not os.path.islink(target):
        sc.mount("tmpfs", target, "tmpfs", sc.MS_RDONLY | sc.MS_NOSUID | sc.MS_NODEV | sc.MS_NOEXEC,
                 "size=4k")
    elif os.path.isfile(target) and not os.path.islink(target):
        _bind_at("/dev/null", target, read_only=True)


def plan(readable: Iterable[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The real paths to bind (none inside another) and the symlinks met on the way to them."""
    paths = [p for p in readable if p and os.path.exists(p)]
    binds: list[str] = []
    for real in sorted({os.path.realpath(p) for p in paths}):
        if real != "/" and not any(real.startswith(b + "/") for b in binds):
            binds.append(real)
    links = sorted({link for p in paths for link in _symlinks_along(p)})
    return binds, links


def lock(host_proc: int) -> None:
    """Enter a nested user + mount namespace: every mount above becomes locked.
    ``host_proc``: this process's /proc directory, opened before the old root went."""
    sc.unshare(sc.CLONE_NEWUSER | sc.CLONE_NEWNS)
    _map_ids(host_proc, 0, 0)   # root of the outer namespace, which is us


def _symlinks_along(path: str) -> list[tuple[str, str]]:
    """(where, target) for each symlink met while resolving ``path`` (e.g. /lib -> usr/lib)."""
    found, current = [], "/"
    for part in [p for p in path.split("/") if p]:
        candidate = os.path.join(current, part)
        if os.path.islink(candidate):
            target = os.readlink(candidate)
            found.append((candidate, target))
            found += _symlinks_along(os.path.join(current, target))   # a link to a link
            candidate = os.path.realpath(candidate)
        current = candidate
    return found


def _mountpoint(new_root: str, path: str, directory: bool) -> str:
    target = new_root + path
    if directory:
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    return target


def _bind(new_root: str, real: str, read_only: bool) -> None:
    _bind_at(real, _mountpoint(new_root, real, directory=os.path.isdir(real)), read_only)


def _bind_at(source: str, target: str, read_only: bool) -> None:
    sc.mount(source, target, None, sc.MS_BIND)
    flags = sc.MS_REMOUNT | sc.MS_BIND | sc.MS_NOSUID | (sc.MS_RDONLY if read_only else 0)
    held = os.statvfs(source).f_flag
    for flag in _STATVFS_TO_MS:   # flags the source mount has are locked: keep them
        if held & flag:
            flags |= flag
    sc.mount(None, target, None, flags)
