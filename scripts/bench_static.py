#!/usr/bin/env python3
"""Benchmark the static path: throughput, per-file latency, and the costs that must stay
linear or small, with an optional regression check.

Usage: python scripts/bench_static.py [PATH ...] [--repeat N] [--large LINES] [--check]

Measured (each generated file in a fresh process, so time and peak memory are its own):
- throughput and per-file latency over fixtures/ (or PATHs), in this process;
- a generated functional model of 5,000 lines and one of --large lines (default 50,000):
  lines per second of each, and their ratio (linear cost: the same lines/s);
- a 574-line file that names Keras only in its docstring (pure-Python loops): milliseconds;
- the CLI over fixtures/ with `-j 1` and with the default `-j`, without the cache (the
  default must never be slower), with the cache, and its cold start on one file.

--check exits 1 when a bound is exceeded: lines/s of the large file below 0.8 of the 5,000-line
file's (CPU time; a generated file whose analysis stopped early fails too); the default `-j`
slower than `-j 1` on fixtures/ (wall time, by more than 10% + 50 ms of noise); the
docstring-only file over 100 ms of CPU.
"""
from __future__ import annotations

import argparse
import json
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

MIN_LINEAR_RATIO = 0.8         # lines/s of the large file over that of the 5,000-line file
JOBS_NOISE = (1.10, 0.05)      # default -j may exceed -j 1 by 10% + 50 ms before it counts
DOCSTRING_ONLY_LIMIT = 0.100   # seconds
DOCSTRING_ONLY_LINES = 574


def synthetic_model(lines: int) -> str:
    """A long but realistic functional model: conv blocks with skips, in a helper."""
    head = ["import keras", "from keras import layers", "",
            "def block(x, filters):",
            "    y = layers.Conv2D(filters, 3, padding='same')(x)",
            "    y = layers.BatchNormalization()(y)",
            "    y = layers.ReLU()(y)",
            "    return layers.Add()([x, y]) if x.shape[-1] == filters else y", "",
            "x = inp = keras.Input(shape=(64, 64, 16))"]
    body = []
    for i in range((lines - len(head) - 1) // 2):
        body.append(f"x = block(x, 16)  # block {i}")
        body.append(f"t{i} = layers.Dense({i % 9 + 1})(layers.Flatten()(x))")
    body += ["# (padding)"] * ((lines - len(head) - 1) % 2)
    return "\n".join(head + body + ["model = keras.Model(inp, x)"]) + "\n"


_KERNEL = '''

def kernel_{i}(image, weights):
    """Filter {i}: a 3x3 convolution written out in Python."""
    out = [[0.0] * 24 for _ in range(24)]
    for y in range(1, 23):
        for x in range(1, 23):
            acc = 0.0
            for ky in range(3):
                for kx in range(3):
                    acc = acc + image[y + ky - 1][x + kx - 1] * weights[ky][kx]
            out[y][x] = acc / 9.0
    return out


EDGES_{i} = kernel_{i}(IMAGE, [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
TOTAL_{i} = sum(sum(row) for row in EDGES_{i})'''


def docstring_only(lines: int = DOCSTRING_ONLY_LINES) -> str:
    """Data preparation in pure Python whose only mention of Keras is its docstring."""
    text = ('"""Image preprocessing run before training the keras model in train.py.\n\n'
            'This module imports nothing from keras or tensorflow.\n"""\n'
            "IMAGE = [[float((x * y) % 7) for x in range(24)] for y in range(24)]")
    i = 0
    while len((text + _KERNEL.format(i=i)).splitlines()) <= lines:
        text += _KERNEL.format(i=i)
        i += 1
    padding = lines - len(text.splitlines())
    return text + "\n" + "".join(f"# spare line {n}\n" for n in range(padding))


_MEASURE = """
import json, resource, sys, time
from pathlib import Path
from shapelint.batch import Source, check_many
import shapelint.checker   # imported before the clock starts: the bounds are on analysis, not imports
source = Source(Path(sys.argv[1]).read_bytes(), sys.argv[1])
t0, c0 = time.perf_counter(), time.process_time()
[(result, _)] = check_many([source], jobs=1)       # as `shapelint check` runs it
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak, "notes": list(result.notes),
                  "findings": len(result.diagnostics)}))
"""


def measure_file(path: Path) -> dict:
    """Check one file in a fresh interpreter: its own wall and CPU time (imports excluded),
    peak RSS and notes. Rates use CPU time, which other load on the machine barely moves."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return json.loads(proc.stdout.splitlines()[-1])


def cli_seconds(*args: str, repeat: int = 1, cache: Path) -> float:
    """Best wall time of `shapelint check` (a fresh process: what a user waits for)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "shapelint", "check", "--exit-zero", "--format", "concise",
                        "--cache-dir", str(cache), *args], cwd=ROOT, capture_output=True, check=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--large", type=int, default=50_000, metavar="LINES",
                        help="lines of the large generated model (default 50,000)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a regression bound is exceeded")
    args = parser.parse_args()
    failures: list[str] = []

    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        files = list(iter_python_files(args.paths or [ROOT / "fixtures"]))
        total_lines = sum(len(f.read_bytes().splitlines()) for f in files)
        per_file: dict[Path, float] = {}
        start = time.perf_counter()
        for _ in range(args.repeat):
            for f in files:
                t0 = time.perf_counter()
                check_file(f)
                per_file[f] = min(per_file.get(f, float("inf")), time.perf_counter() - t0)
        elapsed = (time.perf_counter() - start) / args.repeat
        print(f"files: {len(files)}, lines: {total_lines}")
        print(f"throughput: {total_lines / elapsed:,.0f} lines/s ({elapsed * 1000:.0f} ms per pass)")
        times = list(per_file.values())
        q = statistics.quantiles(times, n=20) if len(times) > 1 else times * 19
        print(f"per-file latency: median {statistics.median(times) * 1000:.1f} ms, "
              f"p95 {q[18] * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")

        rates = {}
        for lines in (5_000, args.large):
            path = tmp / f"synthetic_{lines}_lines.py"
            path.write_text(synthetic_model(lines))
            m = measure_file(path)
            rates[lines] = lines / m["cpu"]
            notes = f"; notes: {m['notes']}" if m["notes"] else ""
            print(f"generated model, {lines:,} lines: {m['cpu']:.2f} s CPU ({m['seconds']:.2f} s wall), "
                  f"{rates[lines]:,.0f} lines/s, peak {m['peak_mb']:,.0f} MB{notes}")
            if m["notes"]:      # a file analysed in part: its lines/s says nothing
                failures.append(f"the {lines:,}-line file was not fully analysed: {'; '.join(m['notes'])}")
        ratio = rates[args.large] / rates[5_000]
        print(f"linear cost: {args.large:,}-line lines/s / 5,000-line lines/s = {ratio:.2f} "
              f"(bound: >= {MIN_LINEAR_RATIO})")
        if ratio < MIN_LINEAR_RATIO:
            failures.append(f"the {args.large:,}-line file runs at {ratio:.2f} of the lines/s "
                            "of the 5,000-line file")

        doc = tmp / "docstring_only.py"
        doc.write_text(docstring_only())
        m = measure_file(doc)
        notes = f"; notes: {m['notes']}" if m["notes"] else ""
        print(f"docstring-only file, {DOCSTRING_ONLY_LINES} lines: {m['cpu'] * 1000:.0f} ms CPU "
              f"({m['seconds'] * 1000:.0f} ms wall; bound: {DOCSTRING_ONLY_LIMIT * 1000:.0f} ms CPU){notes}")
        if m["cpu"] > DOCSTRING_ONLY_LIMIT:
            failures.append(f"the docstring-only file takes {m['cpu'] * 1000:.0f} ms of CPU")

        fixtures, cache = str(ROOT / "fixtures"), tmp / "cache"
        cold = cli_seconds("--no-cache", str(files[0]), cache=cache)
        one = cli_seconds("--no-cache", "-j", "1", fixtures, repeat=args.repeat, cache=cache)
        auto = cli_seconds("--no-cache", fixtures, repeat=args.repeat, cache=cache)
        cli_seconds(fixtures, cache=cache)                     # fills the cache
        cached = cli_seconds(fixtures, repeat=args.repeat, cache=cache)
    print(f"CLI cold start + one file: {cold * 1000:.0f} ms")
    print(f"CLI on fixtures/ without the cache: -j 1 {one * 1000:.0f} ms, default -j {auto * 1000:.0f} ms; "
          f"cached {cached * 1000:.0f} ms")
    factor, slack = JOBS_NOISE
    if auto > one * factor + slack:
        failures.append(f"default -j takes {auto * 1000:.0f} ms on fixtures/, -j 1 {one * 1000:.0f} ms")

    if args.check:
        for failure in failures:
            print(f"REGRESSION: {failure}", file=sys.stderr)
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
