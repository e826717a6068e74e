"""Time `check --validate`: TensorFlow start (paid once per run), build time per file, total.

    TF_CPP_MIN_LOG_LEVEL=3 python scripts/bench_validation.py fixtures/ [--naive 3]

``--naive N`` also builds the first N files with a fresh worker each, i.e. what one
TensorFlow start per file would cost, for comparison.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shapelint.checker import check_file  # noqa: E402
from shapelint.validation import tensorflow_missing  # noqa: E402
from shapelint.validation.runner import BuildRunner  # noqa: E402
from shapelint.validation.validate import finish, prepare  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(ROOT / "fixtures")])
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--naive", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)
    missing = tensorflow_missing()
    if missing:
        print(missing, file=sys.stderr)
        return 2
    files = sorted({f for p in map(Path, args.paths) for f in ([p] if p.is_file() else p.rglob("*.py"))})

    t0 = time.perf_counter()
    results = [check_file(f) for f in files]
    static_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    jobs = [prepare(r) for r in results]
    prepare_s = time.perf_counter() - t0

    rows = []
    t_all = time.perf_counter()
    with BuildRunner(timeout=args.timeout) as runner:
        t0 = time.perf_counter()
        if not runner.start():
            print(f"cannot start TensorFlow: {runner.start_error}", file=sys.stderr)
            return 2
        start_wall = time.perf_counter() - t0
        for f, job, r in zip(files, jobs, results):
            if job is None:
                rows.append((f, "no model", 0.0, 0.0, ""))
                continue
            t0 = time.perf_counter()
            job.outcome = runner.build(job.program)
            wall = time.perf_counter() - t0
            verdicts = [getattr(d, "validation", None) for d in finish(job, r, lambda c, p: True).diagnostics]
            summary = ",".join(sorted({v.verdict for v in verdicts if v})) or "-"
            rows.append((f, job.outcome.status, job.outcome.seconds, wall, summary))
        starts = list(runner.starts)
        versions = runner.versions
    total = time.perf_counter() - t_all

    width = max(len(str(f.relative_to(ROOT) if f.is_relative_to(ROOT) else f)) for f in files)
    print(f"TensorFlow {versions.get('tensorflow')} / Keras {versions.get('keras')}")
    print(f"worker start: {start_wall:.2f} s wall ({starts[0]:.2f} s importing TensorFlow), "
          f"{len(starts)} start(s) for {len(files)} files")
    print(f"static analysis {static_s:.2f} s, build programs {prepare_s:.2f} s\n")
    print(f"{'file':<{width}}  {'status':<8} {'build s':>8} {'wall s':>8}  verdicts")
    for f, status, build_s, wall, summary in rows:
        name = f.relative_to(ROOT) if f.is_relative_to(ROOT) else f
        print(f"{str(name):<{width}}  {status:<8} {build_s:>8.3f} {wall:>8.3f}  {summary}")
    built = [r for r in rows if r[1] != "no model"]
    per_file = sum(r[3] for r in built)
    print(f"\nfiles built: {len(built)}; builds {per_file:.2f} s "
          f"(mean {per_file / max(len(built), 1):.3f} s/file); "
          f"whole directory {total:.2f} s including the one TensorFlow start")
    print(f"one TensorFlow start per file would add about {(len(built) - 1) * start_wall:.1f} s "
          f"({len(built)} x {start_wall:.2f} s)")

    if args.naive:
        sample = [j for j in jobs if j is not None][: args.naive]
        t0 = time.perf_counter()
        for job in sample:
            with BuildRunner(timeout=args.timeout) as fresh:
                fresh.build(job.program)
        naive = time.perf_counter() - t0
        print(f"measured: {len(sample)} files with a fresh TensorFlow each took {naive:.2f} s "
              f"({naive / max(len(sample), 1):.2f} s/file)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
