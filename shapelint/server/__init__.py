"""``shapelint server``: a language server that shows shapes in the editor.

Diagnostics as ``shapelint check`` reports them (same settings, same cache), hover with the
shape of a tensor, array, layer or model, inlay hints with the shape each line produces, and
code actions that apply a finding's fix or suppress it. pygls and lsprotocol are optional
(``pip install "shapelint[server]"``): nothing here imports them until the server starts.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

INSTALL_HINT = 'pip install "shapelint[server]"'
REQUIRES = ("pygls", "lsprotocol")


def server_missing() -> str | None:
    """The message to show when the server's libraries are not installed, else None."""
    missing = []
    for name in REQUIRES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    if not missing:
        return None
    one = len(missing) == 1
    return (f"shapelint: the language server needs {' and '.join(missing)}, which {'is' if one else 'are'} "
            f"not installed. Install {'it' if one else 'them'} with:\n    {INSTALL_HINT}")


def serve(cache_dir: Path | None = None, use_cache: bool = True) -> None:
    """Run the server on standard input and output until the editor says exit."""
    from shapelint.server.server import serve as run

    run(cache_dir, use_cache)
