"""What the sandbox tests observe: a listener on 127.0.0.1, file-tree snapshots, and the
process table."""
from __future__ import annotations

import hashlib
import os
import select
import socket
import threading
from pathlib import Path


class Listener:
    """TCP and UDP on one port of 127.0.0.1; records every connection and datagram."""

    def __init__(self) -> None:
        self.tcp = socket.socket()
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.received: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.tcp, self.udp], [], [], 0.1)
            for sock in ready:
                if sock is self.tcp:
                    conn, peer = self.tcp.accept()
                    conn.settimeout(0.5)
                    try:
                        data = conn.recv(4096)
                    except OSError:
                        data = b""
                    conn.close()
                    self.received.append(f"tcp from {peer}: {data!r}")
                else:
                    data, peer = self.udp.recvfrom(4096)
                    self.received.append(f"udp from {peer}: {data!r}")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.tcp.close()
        self.udp.close()


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` (symlinks not followed): kind, mode, size, mtime, content hash."""
    out: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            digest = ""
            if os.path.isfile(path) and not os.path.islink(path):
                digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            out[os.path.relpath(path, root)] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return out


def processes_named(name: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if comm == name and state not in ("Z", "X"):
            found.append(int(pid))
    return found
