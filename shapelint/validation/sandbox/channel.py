"""The result channel of one build: a fresh pipe per build process, carrying
length-prefixed JSON frames. The zygote reads only that build's pipe, with a size cap
and a deadline, so a build can say nothing about any other file and cannot stall it.
"""
from __future__ import annotations

import json
import os
import select
import struct
import time
from collections.abc import Callable, Mapping

MAX_FRAME = 32 << 20
_HEADER = struct.Struct(">I")


def send(fd: int, message: Mapping[str, object]) -> None:
    data = json.dumps(message, default=str).encode("utf-8")
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


class Reader:
    """Frames from one pipe, read without blocking past a deadline."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = bytearray()
        self.frames: list[object] = []   # parsed so far; None for a frame that is not JSON
        self.closed = False
        self.oversized = False

    def _parse(self) -> None:
        while len(self.buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self.buffer, 0)
            if size > MAX_FRAME:
                self.oversized = True
                return
            if len(self.buffer) - _HEADER.size < size:
                return
            raw = bytes(self.buffer[_HEADER.size:_HEADER.size + size])
            del self.buffer[:_HEADER.size + size]
            try:
                self.frames.append(json.loads(raw))
            except (ValueError, RecursionError):
                self.frames.append(None)   # the build wrote garbage on its own channel

    def read(self, want: int, deadline: float, stop: Callable[[], bool]) -> bool:
        """Read until ``want`` frames are in, the pipe closes, ``stop()`` turns true (the
        writer is gone) or a frame is too large: True. False when the deadline passes first."""
        while True:
            self._parse()
            if len(self.frames) >= want or self.closed or self.oversized:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            ready, _, _ = select.select([self.fd], [], [], min(remaining, 0.1))
            if ready:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    self.closed = True
                elif len(self.buffer) + len(chunk) > MAX_FRAME + _HEADER.size:
                    self.oversized = True
                else:
                    self.buffer += chunk
            elif stop():
                self._drain()
                self._parse()
                self.closed = True

    def _drain(self) -> None:
        os.set_blocking(self.fd, False)
        try:
            while len(self.buffer) <= MAX_FRAME + _HEADER.size:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    return
                self.buffer += chunk
        except BlockingIOError:
            return
