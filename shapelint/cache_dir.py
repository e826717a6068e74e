"""The cache directory on disk: used only if shapelint made it, touched only through its layout.

A cache directory is one typo away from being someone's project (`cache-dir = "."`), so:
- an existing directory is used only if it carries shapelint's CACHEDIR.TAG; a non-empty one
  without it is refused, with the reason;
- a missing (or empty) directory is created complete, tag and `.gitignore` included, as a
  temporary sibling renamed into place: those two files are only ever written into a
  directory shapelint created, and parallel runs never see it half made;
- every file inside is reached through directory descriptors opened with ``O_NOFOLLOW``, so a
  symlink in place of the cache or anywhere in it is never followed;
- :meth:`CacheDir.clean` removes only names of the layout below (and the tag and
  `.gitignore` when they are ours), and a directory only once it is empty.

Layout: ``<dir>/<fingerprint:16 hex>/k<keras major>/<2 hex>/<sha256 hex>.json``.
"""
from __future__ import annotations

import contextlib
import enum
import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

TAG_NAME = "CACHEDIR.TAG"
TAG_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"
TAG = (
    f"{TAG_SIGNATURE}\n"
    "# This file is a cache directory tag created by shapelint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
GITIGNORE = "# Automatically created by shapelint.\n*\n"

# Directory levels below the cache root, then the entry files (and their temporary names).
LEVELS = (re.compile(r"[0-9a-f]{16}\Z"), re.compile(r"k[0-9]{1,3}\Z"), re.compile(r"[0-9a-f]{2}\Z"))
ENTRY = re.compile(r"[0-9a-f]{64}\.json(\.[0-9a-f]{16}\.tmp)?\Z")
MAX_ENTRY_BYTES = 32 << 20     # larger is not ours: a miss, never read into memory

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW
_FILE_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NOFOLLOW      # a FIFO never blocks
# Without descriptor-relative calls (Windows) symlinks inside the cache could not be refused:
# there the cache is off.
SUPPORTED = {os.open, os.mkdir, os.unlink, os.rmdir, os.rename} <= os.supports_dir_fd \
    and os.scandir in os.supports_fd and hasattr(os, "O_NOFOLLOW")


class CacheRefused(Exception):
    """The configured cache directory is not shapelint's to use; the message says why."""


class State(enum.Enum):
    ABSENT = "absent"       # will be created on the first write
    EMPTY = "empty"         # an empty directory: replaced by a tagged one on the first write
    OURS = "ours"           # tagged by shapelint
    FOREIGN = "foreign"     # refused


@dataclass(frozen=True)
class Cleaned:
    removed: int            # entry files deleted
    kept: bool              # the directory stays: it holds files shapelint did not create


class CacheDir:
    """One cache directory. Reads and writes raise OSError; callers treat that as a miss."""

    def __init__(self, path: Path):
        self.path = path
        self._ready: bool | None = None     # tagged by us; decided on the first write

    # --- what the directory is ----------------------------------------------------------
    def state(self) -> tuple[State, str]:
        """What is at the path, and for a refused one, why (a sentence for the user)."""
        try:
            st = os.lstat(self.path)
        except OSError:
            return State.ABSENT, ""     # missing, or unreachable: creating it fails later, quietly
        if stat.S_ISLNK(st.st_mode):
            return State.FOREIGN, (f"the cache directory {self.path} is a symbolic link; shapelint keeps "
                                   "its cache only in a directory it created")
        if not stat.S_ISDIR(st.st_mode):
            return State.FOREIGN, f"the cache directory {self.path} exists and is not a directory"
        try:
            fd = os.open(self.path, _DIR_FLAGS)
        except OSError:
            return State.ABSENT, ""
        try:
            if _is_our_tag(fd):
                return State.OURS, ""
            if not os.listdir(fd):
                return State.EMPTY, ""
        finally:
            os.close(fd)
        return State.FOREIGN, (f"the cache directory {self.path} exists, is not empty and has no {TAG_NAME} "
                               "of shapelint's: shapelint did not create it, so it neither writes nor "
                               "deletes anything there. Choose another directory (--cache-dir, cache-dir "
                               "in the configuration, or $SHAPELINT_CACHE_DIR)")

    def refusal(self) -> str | None:
        """Why this directory cannot be the cache, or None."""
        state, reason = self.state()
        return reason if state is State.FOREIGN else None

    # --- entries ------------------------------------------------------------------------
    def read(self, parts: tuple[str, ...], name: str) -> bytes:
        fd = self._open_dirs(parts, create=False)
        try:
            entry = os.open(name, _FILE_FLAGS, dir_fd=fd)
        finally:
            os.close(fd)
        with os.fdopen(entry, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES:
                raise OSError(f"{name}: not a cache entry")
            return f.read(MAX_ENTRY_BYTES + 1)

    def write(self, parts: tuple[str, ...], name: str, data: bytes) -> None:
        """Store atomically: parallel runs never read half an entry."""
        if not self._ensure():
            raise OSError(f"{self.path}: not a shapelint cache")
        fd = self._open_dirs(parts, create=True)
        try:
            tmp = f"{name}.{secrets.token_hex(8)}.tmp"
            out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _FILE_FLAGS, 0o644, dir_fd=fd)
            try:
                with os.fdopen(out, "wb") as f:
                    f.write(data)
                os.rename(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
            except BaseException:
                _unlink_quietly(tmp, fd)
                raise
        finally:
            os.close(fd)

    def _open_dirs(self, parts: tuple[str, ...], create: bool) -> int:
        if not SUPPORTED:
            raise OSError("the cache needs descriptor-relative file operations")
        fd = os.open(self.path, _DIR_FLAGS)
        try:
            for part in parts:
                if create:
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(part, dir_fd=fd)
                sub = os.open(part, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = sub
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _ensure(self) -> bool:
        """The directory exists and is tagged by us (created now if need be); tried once."""
        if self._ready is None:
            state, _ = self.state()
            if state in (State.ABSENT, State.EMPTY):
                self._create()
                state, _ = self.state()     # ours, or a parallel run's: both tagged
            self._ready = state is State.OURS
        return self._ready

    def _create(self) -> None:
        parent = self.path.parent
        tmp = parent / f".{self.path.name}.{secrets.token_hex(8)}.tmp"
        try:
            parent.mkdir(parents=True, exist_ok=True)
            os.mkdir(tmp)
        except OSError:
            return
        fd = os.open(tmp, _DIR_FLAGS)
        try:
            for name, text in ((TAG_NAME, TAG), (".gitignore", GITIGNORE)):
                out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _FILE_FLAGS, 0o644, dir_fd=fd)
                with os.fdopen(out, "w", encoding="utf-8") as f:
                    f.write(text)
            os.rename(tmp, self.path)   # replaces only a missing or empty directory
        except OSError:
            for name in (TAG_NAME, ".gitignore"):
                _unlink_quietly(name, fd)
            with contextlib.suppress(OSError):
                os.rmdir(tmp)
        finally:
            os.close(fd)

    # --- clean --------------------------------------------------------------------------
    def clean(self) -> Cleaned | None:
        """Delete the entries; None when there is no cache here. Raises CacheRefused."""
        state, reason = self.state()
        if state is State.FOREIGN:
            raise CacheRefused(reason)
        if state is not State.OURS:
            return None
        fd = self._open_dirs((), create=False)
        try:
            removed, left = _clean_level(fd, 0)
            ours = [n for n in (TAG_NAME, ".gitignore") if n in left and _is_ours(n, fd)]
            if sorted(left) != sorted(ours):
                return Cleaned(removed, kept=True)
            for name in ours:
                os.unlink(name, dir_fd=fd)
        finally:
            os.close(fd)
        try:
            os.rmdir(self.path)
        except OSError:
            return Cleaned(removed, kept=True)
        return Cleaned(removed, kept=False)


def _clean_level(fd: int, depth: int) -> tuple[int, list[str]]:
    """Delete the layout's names below ``fd``; return how many files went and what is left."""
    removed, left = 0, []
    with os.scandir(fd) as entries:
        names = [(e.name, e.is_dir(follow_symlinks=False), e.is_file(follow_symlinks=False)) for e in entries]
    for name, is_dir, is_file in names:
        if depth < len(LEVELS) and is_dir and LEVELS[depth].match(name):
            sub = os.open(name, _DIR_FLAGS, dir_fd=fd)
            try:
                gone, rest = _clean_level(sub, depth + 1)
            finally:
                os.close(sub)
            removed += gone
            if not rest:
                try:
                    os.rmdir(name, dir_fd=fd)
                    continue
                except OSError:
                    pass
        elif depth == len(LEVELS) and is_file and ENTRY.match(name):
            os.unlink(name, dir_fd=fd)
            removed += 1
            continue
        left.append(name)
    return removed, left


def _is_ours(name: str, dir_fd: int) -> bool:
    text = _small_file(name, dir_fd)
    if name == TAG_NAME:
        return text is not None and text.startswith(TAG_SIGNATURE) and "shapelint" in text
    return text == GITIGNORE


def _is_our_tag(dir_fd: int) -> bool:
    return _is_ours(TAG_NAME, dir_fd)


def _small_file(name: str, dir_fd: int) -> str | None:
    """A regular file's text (not through a symlink, never a FIFO), or None."""
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None
        return f.read(4096).decode("utf-8", "replace")


def _unlink_quietly(name: str, dir_fd: int) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name, dir_fd=dir_fd)
