"""Time `check --validate`: TensorFlow start (paid once per run), build time per file with
the sandbox and without it, what a build uses against the sandbox's rlimits, and what the
further builds of a file that stopped early cost (one fork each, no new TensorFlow).

    TF_CPP_MIN_LOG_LEVEL=3 python scripts/bench_validation.py fixtures/ [--modes auto,off] [--naive 3]

Each mode is one run: one TensorFlow start, then each file built in its own forked,
sandboxed process (``off``: forked, without OS isolation). ``--naive N`` also builds the
first N files with a fresh TensorFlow each, i.e. what one start per file would cost.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shapelint.checker import check_file  # noqa: E402
from shapelint.validation import tensorflow_missing  # noqa: E402
from shapelint.validation.runner import BuildRunner  # noqa: E402
from shapelint.validation.validate import build, finish, prepare  # noqa: E402


class _Timed:
    """The runner, with the wall time of each build it does."""

    def __init__(self, runner: BuildRunner):
        self.runner = runner
        self.timeout = runner.timeout
        self.walls: list[float] = []

    def build(self, program, timeout=None):
        t0 = time.perf_counter()
        try:
            return self.runner.build(program, timeout)
        finally:
            self.walls.append(time.perf_counter() - t0)


def run(mode: str, files: list, jobs: list, results: list, timeout: float) -> dict:
    """One run in ``mode``: the zygote's start, then every file (all its builds); per-file rows."""
    rows = []
    with BuildRunner(timeout=timeout, sandbox=mode) as runner:
        t0 = time.perf_counter()
        if not runner.start():
            raise SystemExit(f"cannot start TensorFlow: {runner.start_error}")
        start_wall = time.perf_counter() - t0
        t_builds = time.perf_counter()
        note = ""
        for f, job, r in zip(files, jobs, results):
            if job is None:
                continue
            timed = _Timed(runner)
            build(job, timed)
            verdicts = [getattr(d, "validation", None) for d in finish(job, r, lambda c, p: True).diagnostics]
            summary = ",".join(sorted({v.verdict for v in verdicts if v})) or "-"
            rows.append((f, job.outcome.status, job.outcome.seconds, sum(timed.walls), summary,
                         job.outcome.resources, timed.walls))
            note = note or job.outcome.sandbox_note
        builds = time.perf_counter() - t_builds
        return {"mode": mode, "rows": rows, "start": start_wall, "starts": list(runner.starts),
                "versions": runner.versions, "builds": builds, "note": note}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(ROOT / "fixtures")])
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--modes", default="auto,off", help="sandbox modes to compare (comma-separated)")
    parser.add_argument("--naive", type=int, default=0, metavar="N")
    parser.add_argument("--quiet", action="store_true", help="totals only, no per-file table")
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
    print(f"{len(files)} files, {sum(j is not None for j in jobs)} with a model to build; "
          f"static analysis {static_s:.2f} s, build programs {prepare_s:.2f} s")

    runs = [run(mode, files, jobs, results, args.timeout) for mode in args.modes.split(",")]
    first = runs[0]
    print(f"TensorFlow {first['versions'].get('tensorflow')} / Keras {first['versions'].get('keras')}\n")
    width = max(len(_name(f)) for f, *_ in first["rows"]) if first["rows"] else 10
    for r in runs:
        if args.quiet:
            continue
        print(f"--- sandbox {r['mode']}: {r['note']}")
        print(f"{'file':<{width}}  {'status':<8} {'build s':>8} {'wall s':>8} {'builds':>6} "
              f"{'VmPeak MiB':>10} {'threads':>7}  verdicts")
        for f, status, build_s, wall, summary, res, walls in r["rows"]:
            peak = res.get("VmPeak", 0) / 1024
            print(f"{_name(f):<{width}}  {status:<8} {build_s:>8.3f} {wall:>8.3f} {len(walls):>6} "
                  f"{peak:>10.0f} {res.get('Threads', 0):>7}  {summary}")
        print()
    print(f"{'mode':<7} {'TF start s':>10} {'starts':>6} {'files':>5} {'builds s':>9} {'mean s/file':>11} "
          f"{'median':>7} {'max VmPeak MiB':>14} {'max threads':>11}")
    for r in runs:
        walls = [row[3] for row in r["rows"]] or [0.0]
        peaks = [row[5].get("VmPeak", 0) for row in r["rows"]] or [0]
        threads = [row[5].get("Threads", 0) for row in r["rows"]] or [0]
        print(f"{r['mode']:<7} {r['start']:>10.2f} {len(r['starts']):>6} {len(r['rows']):>5} "
              f"{r['builds']:>9.2f} "
              f"{statistics.mean(walls):>11.3f} {statistics.median(walls):>7.3f} {max(peaks) / 1024:>14.0f} "
              f"{max(threads):>11}")
    for r in runs:
        firsts = [row[6][0] for row in r["rows"]]
        extra = [w for row in r["rows"] for w in row[6][1:]]
        again = sum(1 for row in r["rows"] if len(row[6]) > 1)
        if extra:
            print(f"{r['mode']}: {again} of {len(r['rows'])} files built again after stopping early: "
                  f"{len(extra)} more builds, {statistics.mean(extra):.3f} s each (median "
                  f"{statistics.median(extra):.3f} s; a first build {statistics.mean(firsts):.3f} s), "
                  f"{sum(extra):.2f} s in all")
        else:
            print(f"{r['mode']}: no file needed a second build")
    by_mode: dict[str, list] = {}
    for r in runs:
        by_mode.setdefault(r["mode"], []).append(r)
    if "off" in by_mode:
        for mode, group in by_mode.items():
            if mode != "off":
                cost = _paired_cost(group, by_mode["off"])
                print(f"sandbox {mode} vs off, per file (best of {len(group)} vs {len(by_mode['off'])} "
                      f"runs): median {cost[0]:+.3f} s, mean {cost[1]:+.3f} s")
    built = len(first["rows"])
    print(f"one TensorFlow start per file would add about {(built - 1) * first['start']:.1f} s "
          f"({built} x {first['start']:.2f} s)")

    if args.naive:
        sample = [j for j in jobs if j is not None][: args.naive]
        t0 = time.perf_counter()
        for job in sample:
            with BuildRunner(timeout=args.timeout, sandbox=runs[0]["mode"]) as fresh:
                fresh.build(job.program)
        naive = time.perf_counter() - t0
        print(f"measured: {len(sample)} files with a fresh TensorFlow each took {naive:.2f} s "
              f"({naive / max(len(sample), 1):.2f} s/file)")
    return 0


def _paired_cost(runs: list, baseline: list) -> tuple[float, float]:
    """Median and mean over files of (best wall time in ``runs``) - (best in ``baseline``):
    the same file in both, its best run in each, so other load on the machine cancels out."""
    def best(group: list) -> dict:
        out: dict = {}
        for r in group:
            for f, _, _, wall, _, _, _ in r["rows"]:
                out[f] = min(wall, out.get(f, wall))
        return out
    mine, base = best(runs), best(baseline)
    deltas = [mine[f] - base[f] for f in mine if f in base] or [0.0]
    return statistics.median(deltas), statistics.mean(deltas)


def _name(f: Path) -> str:
    return str(f.relative_to(ROOT) if f.is_relative_to(ROOT) else f)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
