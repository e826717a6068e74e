#!/usr/bin/env python3
"""Mutation benchmark: shapelint's recall and false alarms on mutants of released Keras code.

    TF_CPP_MIN_LOG_LEVEL=3 python scripts/mutation_bench.py [--per-file 12] [--seed 0] \\
        [--package keras-hub] [--operator axis] [--file resnet] [--jobs 2] [--work-dir DIR]

Fetches the corpus into the work dir (default ~/.cache/shapelint-mutation), builds each
entry once with line tracing (which lines each model build runs), mutates only lines that
run, builds every mutant with TensorFlow in worker processes (cached across runs), lints
every mutant and the unmutated files with shapelint, and writes a text report and a JSON
file of per-mutant records. See scripts/README.md.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mutation import corpus, report
from mutation.build import Builder, Cache
from mutation.mutate import OPERATORS, find_mutants
from mutation.score import judge, lint, probe, raise_site


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--work-dir", type=Path, default=Path.home() / ".cache" / "shapelint-mutation")
    p.add_argument("--package", action="append", choices=corpus.PACKAGES, help="repeatable; default: all")
    p.add_argument("--operator", action="append", choices=OPERATORS, help="repeatable; default: all")
    p.add_argument(
        "--file", action="append", default=[], help="only files whose path contains this (repeatable)"
    )
    p.add_argument("--per-file", type=int, default=12, help="mutants sampled per file (default 12)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--entries-per-mutant",
        type=int,
        default=1,
        help="build each mutant with this many of the cheapest model builds that run its line",
    )
    p.add_argument(
        "--app-entries", type=int, default=2, help="exported models built per keras.applications file"
    )
    p.add_argument("--jobs", type=int, default=2, help="TensorFlow worker processes (~1 GB each)")
    p.add_argument("--timeout", type=float, default=180.0, help="seconds per build")
    p.add_argument("--json", type=Path, help="default: <work-dir>/mutation-report.json")
    p.add_argument("--report", type=Path, help="default: <work-dir>/mutation-report.txt")
    return p.parse_args(argv)


def make_job(pkg: corpus.Package, module: str, source: str, entries: list, trace: bool = False) -> dict:
    return {
        "module": module,
        "path": str(pkg.files[module]),
        "source": source,
        "entries": [{"module": e.module, "call": e.call} for e in entries],
        "trace": trace,
        "purge": sorted(pkg.files),
        "files": sorted(str(p) for p in pkg.files.values()),
        "sys_path": pkg.sys_path,
        "sys_path_last": pkg.sys_path_last,
        "warm": pkg.warm,
    }


def progress(label: str):
    start = time.perf_counter()

    def show(done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            print(f"  {label}: {done}/{total} ({time.perf_counter() - start:.0f} s)", file=sys.stderr)

    return show


def trace_entries(packages, builder) -> tuple[dict, dict]:
    """Build every entry unmutated, tracing lines: entry facts, and path -> line -> calls."""
    jobs, owners = [], []
    for pkg in packages:
        for e in pkg.entries:
            jobs.append(make_job(pkg, e.module, pkg.files[e.module].read_text(), [e], trace=True))
            owners.append((pkg, e))
    results = builder.run_all(jobs, progress("baseline builds"))
    entries, cover = {}, {}
    for (pkg, e), r in zip(owners, results):
        entries[(pkg.name, e.call)] = {
            "package": pkg.name,
            "module": e.module,
            "call": e.call,
            "status": r.get("status"),
            "error": r.get("message"),
            "seconds": sum(x["seconds"] for x in r.get("entries", [])),
        }
        if r.get("status") != "builds":
            continue
        for x in r["entries"]:
            for path, lines in x.get("lines", {}).items():
                for line in lines:
                    cover.setdefault(path, {}).setdefault(line, set()).add(e)
    return entries, cover


def restrict(pkg: corpus.Package, patterns: list[str]) -> None:
    """--file: keep the model builds a selected file defines, or, for a file that defines
    none (a layers module), those defined next to it."""
    chosen = {
        p for p in pkg.files.values() if any(f in f"{pkg.name}/{p.relative_to(pkg.root)}" for f in patterns)
    }
    own = {pkg.files[e.module] for e in pkg.entries} & chosen
    dirs = {p.parent for p in chosen - own}
    pkg.entries = [e for e in pkg.entries if pkg.files[e.module] in own or pkg.files[e.module].parent in dirs]


def display_of(packages: list, path: str | None) -> str | None:
    for pkg in packages:
        if path and Path(path).is_relative_to(pkg.root):
            return f"{pkg.name}/{Path(path).relative_to(pkg.root)}"
    return path


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    work = args.work_dir.expanduser()
    work.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    packages = corpus.fetch(work, args.package or list(corpus.PACKAGES), args.app_entries)
    if args.file:
        for pkg in packages:
            restrict(pkg, args.file)
    keras_version = importlib.metadata.version("keras")
    tf_version = importlib.metadata.version("tensorflow")
    salt = f"keras={keras_version};tf={tf_version};" + ";".join(f"{p.name}={p.version}" for p in packages)

    with Builder(Cache(work / "builds.jsonl"), salt, args.jobs, args.timeout) as builder:
        entries, cover = trace_entries(packages, builder)
        seconds = {
            (e.module, e.call): entries[(p.name, e.call)]["seconds"] for p in packages for e in p.entries
        }
        mutants, jobs = [], []
        files = []
        for pkg in packages:
            for module, path in sorted(pkg.files.items()):
                display = f"{pkg.name}/{path.relative_to(pkg.root)}"
                lines = cover.get(str(path))
                if not lines or (args.file and not any(f in display for f in args.file)):
                    continue
                text = path.read_text()
                files.append((pkg, module, path, display, text))
                seed = args.seed ^ zlib.crc32(display.encode())
                for m in find_mutants(
                    text, seed, set(lines), args.per_file, set(args.operator or []) or None
                ):
                    covering = {
                        e for ln in range(m.stmt_lines[0], m.stmt_lines[1] + 1) for e in lines.get(ln, ())
                    }
                    chosen = sorted(covering, key=lambda e: (seconds[(e.module, e.call)], e.call))
                    chosen = chosen[: args.entries_per_mutant]
                    mutants.append((pkg, module, path, display, m, chosen))
                    jobs.append(make_job(pkg, module, m.source, chosen))
        print(f"{len(files)} files, {len(mutants)} mutants", file=sys.stderr)
        builds = builder.run_all(jobs, progress("mutant builds"))
        cache_hits = builder.hits
    build_seconds = time.perf_counter() - t_start

    baselines = {}
    for _pkg, _module, path, display, text in files:
        baselines[display] = lint(text, str(path))
    records = []
    lint_seconds, lint_lines = (
        sum(b.seconds for b in baselines.values()),
        sum(b.lines for b in baselines.values()),
    )
    for (pkg, _module, path, display, m, chosen), b in zip(mutants, builds):
        result = lint(m.source, str(path))
        lint_seconds += result.seconds
        lint_lines += result.lines
        outcome = b.get("status")
        verdict = judge(outcome, m.line, m.end_line, result, baselines[display])
        raise_file, where = raise_site(b.get("frames", []))
        record = {
            "package": pkg.name,
            "file": display,
            "line": m.line,
            "operator": m.operator,
            "before": m.before,
            "after": m.after,
            "line_before": path.read_text().splitlines()[m.line - 1].strip() if m.line else "",
            "entries": [e.call for e in chosen],
            "build": {
                "outcome": outcome,
                "error_type": b.get("error_type"),
                "message": b.get("message"),
                "raise_file": display_of(packages, raise_file),
                "raise_line": where,
                "frames": b.get("frames", []),
                "seconds": b.get("wall_seconds"),
                "cached": bool(b.get("cached")),
            },
            "shapelint": {
                "findings": result.findings,
                "new": verdict.new,
                "notes": result.notes,
                "crash": result.crash,
                "internal_notes": result.internal_notes,
                "seconds": round(result.seconds, 4),
            },
            "detected": verdict.detected,
            "detected_near": verdict.detected_near,
            "false_alarm": verdict.false_alarm,
        }
        if outcome == "raises" and not verdict.detected:
            record["probe_at_raise"] = (
                probe(m.source, str(path), where)
                if raise_file == str(path)
                else "raised in another module of the package"
                if raise_file
                else "raised inside Keras, no package frame"
            )
            record["probe_at_edit"] = probe(m.source, str(path), m.line)
        records.append(record)

    meta = {
        "command": " ".join(["scripts/mutation_bench.py", *argv]),
        "seed": args.seed,
        "per_file": args.per_file,
        "entries_per_mutant": args.entries_per_mutant,
        "keras": keras_version,
        "tensorflow": tf_version,
        "shapelint": importlib.metadata.version("shapelint"),
        "shapelint_path": str(Path(importlib.util.find_spec("shapelint").origin).parent),
        "packages": [
            {"name": p.name, "version": p.version, "files": len(p.files), "entries": len(p.entries)}
            for p in packages
        ],
        "entries": list(entries.values()),
        "build_cache_hits": cache_hits,
        "seconds_total": round(time.perf_counter() - t_start, 1),
        "seconds_build": round(build_seconds, 1),
        "lint_lines": lint_lines,
        "lint_seconds": round(lint_seconds, 3),
        "work_dir": str(work),
    }
    base = {
        d: {
            "findings": b.findings,
            "notes": b.notes,
            "crash": b.crash,
            "internal_notes": b.internal_notes,
            "lines": b.lines,
        }
        for d, b in baselines.items()
    }
    summary = report.summarize(records, base, meta)
    out = {"meta": meta, "summary": summary, "baseline": base, "mutants": records}
    json_path = args.json or work / "mutation-report.json"
    text_path = args.report or work / "mutation-report.txt"
    json_path.write_text(json.dumps(out, indent=1))
    text = report.render(out)
    text_path.write_text(text)
    print(text)
    print(f"JSON: {json_path}\nreport: {text_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main(sys.argv[1:]))
