#!/usr/bin/env python3
"""Benchmark the static path: lines per second and per-file latency.

Usage: python scripts/bench_static.py [PATH ...] [--repeat N]
Default paths: fixtures/ plus a generated 5,000-line model file. Reports the CLI's cold
start too (what a pre-commit run pays once), measured in a fresh interpreter.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shapelint.checker import check_file  # noqa: E402
from shapelint.discovery import iter_python_files  # noqa: E402


def synthetic_model(n_blocks: int) -> str:
    """A long but realistic functional model: conv blocks with skips, in a helper."""
    lines = ["import keras", "from keras import layers", "",
             "def block(x, filters):",
             "    y = layers.Conv2D(filters, 3, padding='same')(x)",
             "    y = layers.BatchNormalization()(y)",
             "    y = layers.ReLU()(y)",
             "    return layers.Add()([x, y]) if x.shape[-1] == filters else y", ""]
    lines.append("x = inp = keras.Input(shape=(64, 64, 16))")
    for i in range(n_blocks):
        lines.append(f"x = block(x, 16)  # block {i}")
        lines.append(f"t{i} = layers.Dense({i % 9 + 1})(layers.Flatten()(x))")
    lines.append("model = keras.Model(inp, x)")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "synthetic_5000_lines.py"
        big.write_text(synthetic_model(2495))
        paths = args.paths or [ROOT / "fixtures", big]
        files = list(iter_python_files(paths))
        total_lines = sum(len(f.read_bytes().splitlines()) for f in files)

        per_file: dict[Path, float] = {}
        start = time.perf_counter()
        for _ in range(args.repeat):
            for f in files:
                t0 = time.perf_counter()
                check_file(f)
                per_file[f] = min(per_file.get(f, float("inf")), time.perf_counter() - t0)
        elapsed = (time.perf_counter() - start) / args.repeat

        def cli(*args: str) -> float:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "shapelint", "check", "--exit-zero", "--format",
                            "concise", "--cache-dir", str(Path(tmp) / "cache"), *args],
                           cwd=ROOT, capture_output=True, check=True)
            return time.perf_counter() - t0

        cold = cli("--no-cache", str(files[0]))
        fixtures = str(ROOT / "fixtures")
        uncached = cli("--no-cache", fixtures)
        cli(fixtures)                       # fills the cache
        cached = cli(fixtures)

    small = [v for f, v in per_file.items() if f.name != big.name]
    print(f"files: {len(files)}, lines: {total_lines}")
    print(f"throughput: {total_lines / elapsed:,.0f} lines/s ({elapsed * 1000:.0f} ms per pass)")
    if small:
        q = statistics.quantiles(small, n=20) if len(small) > 1 else [small[0]] * 19
        print(f"per-file latency (fixtures): median {statistics.median(small) * 1000:.1f} ms, "
              f"p95 {q[18] * 1000:.1f} ms, max {max(small) * 1000:.1f} ms")
    if big in per_file:
        print(f"5,000-line file: {per_file[big] * 1000:.0f} ms")
    print(f"CLI cold start + one file: {cold * 1000:.0f} ms")
    print(f"CLI on fixtures/: {uncached * 1000:.0f} ms without the cache, {cached * 1000:.0f} ms cached")


if __name__ == "__main__":
    main()
