#!/usr/bin/env python3
"""Mutation benchmark: shapelint's recall and false alarms on mutants of released Keras code.

    TF_CPP_MIN_LOG_LEVEL=3 python scripts/mutation_bench.py [--per-file 12] [--seed 0] \\
        [--package keras-hub] [--operator axis] [--file resnet] [--jobs 2] [--work-dir DIR]

Fetches the corpus into the work dir (default ~/.cache/shapelint-mutation), builds each
entry once with line tracing (which lines each model build runs), mutates only lines that
run, builds every mutant with TensorFlow in worker processes (cached across runs) with every
model build that runs its line, lints each mutant twice over (the mutated file itself, and a
driver script per model build that imports the mutated package as project modules) and the
unmutated code the same ways, and writes a text report and a JSON file of per-mutant
records. See scripts/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
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
from mutation.overlay import Overlay
from mutation.score import Lint, LintResult, best_probe, judge, lint, probe, raise_site


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
        default=None,
        help="build (and drive) each mutant with at most this many of the model builds that run "
        "its line, cheapest first (default: all of them; a mutant builds only if every one does)",
    )
    p.add_argument(
        "--app-entries",
        type=int,
        default=None,
        help="exported models built per keras.applications file, in file order (default: all; "
        "EfficientNetV2S runs the same lines as V2B0 with other block sizes)",
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


def choose_entries(covering: set, seconds: dict, bound: int | None) -> list:
    """The model builds a mutant is built and driven with: every one that runs its line (or
    the ``bound`` cheapest), cheapest first, so a raising mutant stops early. A mutant builds
    only if all of them build: the one build that runs into the mutated line's error may be
    the costliest."""
    chosen = sorted(covering, key=lambda e: (seconds[(e.module, e.call)], e.call))
    return chosen if bound is None else chosen[:bound]


def sources_digest(package: Path) -> str:
    """A digest of the analyzer's source files: two runs with the same one used the same
    shapelint (it changes between commits while others work on it)."""
    h = hashlib.sha256()
    for f in sorted(package.rglob("*.py")):
        h.update(f"{f.relative_to(package)}\0".encode() + f.read_bytes())
    return h.hexdigest()[:16]


def lint_record(x: LintResult) -> dict:
    return {
        "findings": x.findings,
        "notes": x.notes,
        "crash": x.crash,
        "internal_notes": x.internal_notes,
        "lines": x.lines,
        "seconds": round(x.seconds, 4),
    }


def score_mutant(
    packages, overlay: Overlay, baselines: dict, drivers: dict, mutant: tuple, b: dict
) -> tuple[dict, list[LintResult], list[LintResult]]:
    """Lint one mutant (the file, then each driver with the mutant in the overlay), score it
    against its build, and, for a missed raising mutant, probe what the analysis knew.
    Returns the record, and the file's and the drivers' lint results (for the speed)."""
    pkg, _module, path, display, m, chosen = mutant
    result = lint(m.source, str(path))
    outcome = b.get("status")
    raise_file, where = raise_site(b.get("frames", []))
    probes = {}
    with overlay.mutated(pkg, path, m.source):
        driven = []
        for e in chosen:
            driver = overlay.driver(pkg, e)
            driven.append((e, driver, lint(driver.read_text(), str(driver))))
        lints = [Lint("file", result, baselines[display])]
        lints += [Lint("driver", x, drivers[(pkg.name, e)], e.call) for e, _, x in driven]
        verdict = judge(outcome, m.line, m.end_line, lints, path.name)
        if outcome == "raises" and not verdict.detected and raise_file:
            if raise_file == str(path):
                probes["file"] = probe(m.source, str(path), where)
            target = str(overlay.path_of(pkg, raise_file))
            for e, driver, _ in driven:
                probes[f"driver: {e.call}"] = probe(driver.read_text(), str(driver), where, target)
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
            "raising_entry": b.get("entry"),
            "entries_built": len(b.get("entries", [])),
            "error_type": b.get("error_type"),
            "message": b.get("message"),
            "raise_file": display_of(packages, raise_file),
            "raise_line": where,
            "frames": b.get("frames", []),
            "seconds": b.get("wall_seconds"),
            "cached": bool(b.get("cached")),
        },
        "shapelint": {
            "new": verdict.new,
            "lints": [
                {"lint": x.kind, "entry": x.entry, **lint_record(x.mutant), "new": v["new"]}
                for x, v in zip(lints, verdict.lints)
            ],
        },
        "detected": verdict.detected,
        "detected_near": verdict.detected_near,
        "found_by": verdict.found_by,
        "false_alarm": verdict.false_alarm,
    }
    if outcome == "raises" and not verdict.detected:
        record["probe_at_raise"] = (
            "raised inside Keras, no package frame"
            if not raise_file
            else best_probe(list(probes.values()))
            if probes
            else "raised in another module of the package"
        )
        record["probes_at_raise"] = probes
        record["probe_at_edit"] = probe(m.source, str(path), m.line)
    return record, [result], [x for _, _, x in driven]


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
                    chosen = choose_entries(covering, seconds, args.entries_per_mutant)
                    mutants.append((pkg, module, path, display, m, chosen))
                    jobs.append(make_job(pkg, module, m.source, chosen))
        print(f"{len(files)} files, {len(mutants)} mutants", file=sys.stderr)
        builds = builder.run_all(jobs, progress("mutant builds"))
        cache_hits = builder.hits
    build_seconds = time.perf_counter() - t_start

    overlay = Overlay(work, packages)
    baselines = {display: lint(text, str(path)) for _pkg, _module, path, display, text in files}
    drivers = {
        (pkg.name, e): lint(overlay.driver(pkg, e).read_text(), str(overlay.driver(pkg, e)))
        for pkg in packages
        for e in pkg.entries
        if entries[(pkg.name, e.call)]["status"] == "builds"
    }
    records, file_lints, driver_lints = [], list(baselines.values()), list(drivers.values())
    show = progress("lints")
    for i, (mutant, build) in enumerate(zip(mutants, builds)):
        record, of_file, of_drivers = score_mutant(packages, overlay, baselines, drivers, mutant, build)
        records.append(record)
        file_lints += of_file
        driver_lints += of_drivers
        show(i + 1, len(mutants))

    meta = {
        "command": " ".join(["scripts/mutation_bench.py", *argv]),
        "seed": args.seed,
        "per_file": args.per_file,
        "entries_per_mutant": args.entries_per_mutant,
        "keras": keras_version,
        "tensorflow": tf_version,
        "shapelint": importlib.metadata.version("shapelint"),
        "shapelint_path": str(Path(importlib.util.find_spec("shapelint").origin).parent),
        "shapelint_sources": sources_digest(Path(importlib.util.find_spec("shapelint").origin).parent),
        "packages": [
            {"name": p.name, "version": p.version, "files": len(p.files), "entries": len(p.entries)}
            for p in packages
        ],
        "entries": list(entries.values()),
        "build_cache_hits": cache_hits,
        "seconds_total": round(time.perf_counter() - t_start, 1),
        "seconds_build": round(build_seconds, 1),
        "lint_lines": sum(x.lines for x in file_lints),
        "lint_seconds": round(sum(x.seconds for x in file_lints), 3),
        "driver_lints": len(driver_lints),
        "driver_seconds": round(sum(x.seconds for x in driver_lints), 3),
        "driver_seconds_max": round(max((x.seconds for x in driver_lints), default=0.0), 3),
        "overlay": str(overlay.dir),
        "work_dir": str(work),
    }
    base = {d: lint_record(b) for d, b in baselines.items()}
    base_drivers = {
        f"{name}: {e.call}": {"driver": str(overlay.drivers[(name, e)]), **lint_record(b)}
        for (name, e), b in drivers.items()
    }
    summary = report.summarize(records, base, meta, base_drivers)
    out = {
        "meta": meta,
        "summary": summary,
        "baseline": base,
        "baseline_drivers": base_drivers,
        "mutants": records,
    }
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
