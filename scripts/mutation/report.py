"""Turn per-mutant records into the run's figures (summarize) and a text report (render)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

OUTCOMES = ("raises", "builds", "times-out", "crashes")
LINTS = ("file", "driver")  # the mutated file itself; the drivers that build its models
EXAMPLES = 3


def _rate(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def _tally(records: list[dict]) -> dict:
    out: dict = {o: sum(r["build"]["outcome"] == o for r in records) for o in OUTCOMES}
    out["mutants"] = len(records)
    out["detected"] = sum(r["detected"] for r in records)
    out["detected_near"] = sum(r["detected_near"] for r in records)
    for kind in LINTS:
        out[f"detected_{kind}"] = sum(kind in r.get("found_by", ()) for r in records)
    out["false_alarms"] = sum(r["false_alarm"] for r in records)
    out["recall"] = _rate(out["detected"], out["raises"])
    out["recall_near"] = _rate(out["detected_near"], out["raises"])
    for kind in LINTS:
        out[f"recall_{kind}"] = _rate(out[f"detected_{kind}"], out["raises"])
    out["false_alarm_rate"] = _rate(out["false_alarms"], out["builds"])
    return out


def _crash(r: dict) -> list:
    """The crashes and internal-error notes of a mutant's lints."""
    return [
        f"{x['lint']}: {c}"
        for x in r["shapelint"]["lints"]
        for c in ([x["crash"]] if x["crash"] else []) + x["internal_notes"]
    ]


def _example(r: dict) -> dict:
    b = r["build"]
    return {
        "where": f"{r['file']}:{r['line']}",
        "operator": r["operator"],
        "edit": " ".join(f"{r['before']} -> {r['after']}".split()),
        "keras": f"{b['error_type']}: {(b['message'] or '').splitlines()[0][:240] if b['message'] else ''}",
        "raise_at": f"{b.get('raise_file')}:{b['raise_line']}",
        "probe_at_edit": r.get("probe_at_edit"),
        "new_findings": [
            f"{x['lint']} {f['code']} line {f['row']}: {f['message'][:160]}"
            + "".join(f" [{n}]" for n in f.get("notes", ()))
            for x in r["shapelint"]["lints"]
            for f in x["new"]
        ],
        "probes_at_raise": r.get("probes_at_raise"),
    }


def summarize(records: list[dict], baseline: dict, meta: dict, baseline_drivers: dict | None = None) -> dict:
    """The run's figures; ``baseline`` and ``baseline_drivers`` are the lints of the unmutated
    files and drivers (name -> findings, notes, crash, internal_notes)."""
    baseline_drivers = baseline_drivers or {}
    by_op, by_pkg = defaultdict(list), defaultdict(list)
    for r in records:
        by_op[r["operator"]].append(r)
        by_pkg[r["package"]].append(r)
    missed = defaultdict(list)
    for r in records:
        if r["build"]["outcome"] == "raises" and not r["detected"]:
            missed[r.get("probe_at_raise", "?")].append(r)
    false_alarms = [r for r in records if r["false_alarm"]]
    crashes = [r for r in records if _crash(r)]
    unmutated = [*baseline.values(), *baseline_drivers.values()]
    notes = Counter(re.sub(r"\d+", "N", n) for b in unmutated for n in b["notes"])
    errors = Counter(r["build"]["error_type"] for r in records if r["build"]["outcome"] == "raises")
    return {
        "total": _tally(records),
        "by_operator": {op: _tally(rs) for op, rs in sorted(by_op.items())},
        "by_package": {p: _tally(rs) for p, rs in sorted(by_pkg.items())},
        "keras_error_types": dict(errors.most_common()),
        "shapelint_crashes": {
            "mutants": len(crashes),
            "baseline_files": sum(bool(b["crash"] or b["internal_notes"]) for b in baseline.values()),
            "baseline_drivers": sum(
                bool(b["crash"] or b["internal_notes"]) for b in baseline_drivers.values()
            ),
            "examples": [
                {"where": f"{r['file']}:{r['line']}", "crash": _crash(r)[:2]} for r in crashes[: EXAMPLES * 2]
            ],
        },
        "baseline_findings": [{"file": f, **x} for f, b in sorted(baseline.items()) for x in b["findings"]]
        + [{"driver": d, **x} for d, b in sorted(baseline_drivers.items()) for x in b["findings"]],
        "baseline_notes": dict(notes.most_common()),
        "lines_per_second": round(meta["lint_lines"] / meta["lint_seconds"])
        if meta["lint_seconds"]
        else None,
        "driver_seconds_mean": round(meta["driver_seconds"] / meta["driver_lints"], 3)
        if meta.get("driver_lints")
        else None,
        "missed_by_probe": {
            k: {"count": len(v), "examples": [_example(r) for r in v[:EXAMPLES]]}
            for k, v in sorted(missed.items(), key=lambda kv: -len(kv[1]))
        },
        "false_alarm_examples": [_example(r) for r in false_alarms[: EXAMPLES * 3]],
    }


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _table(rows: dict) -> list[str]:
    head = (
        f"{'':22} {'mutants':>7} {'raises':>6} {'builds':>6} {'t/o':>4} {'crash':>5}  "
        f"{'recall':>7} {'±2 ln':>7} {'file':>7} {'driver':>7} {'FA':>7}"
    )
    out = [head]
    for name, t in rows.items():
        out.append(
            f"{name:22} {t['mutants']:>7} {t['raises']:>6} {t['builds']:>6} {t['times-out']:>4} "
            f"{t['crashes']:>5}  {_pct(t['recall']):>7} {_pct(t['recall_near']):>7} "
            f"{_pct(t.get('recall_file')):>7} {_pct(t.get('recall_driver')):>7} "
            f"{_pct(t['false_alarm_rate']):>7}"
        )
    return out


def render(out: dict) -> str:
    meta, s = out["meta"], out["summary"]
    lines = [
        "shapelint mutation benchmark",
        "=" * 28,
        f"keras {meta['keras']}, tensorflow {meta['tensorflow']}, shapelint {meta['shapelint']}"
        + (f" (sources {meta['shapelint_sources']})" if meta.get("shapelint_sources") else "")
        + f"; seed {meta['seed']}, {meta['per_file']} mutants per file, "
        + (
            f"each built with its {meta['entries_per_mutant']} cheapest model builds"
            if meta.get("entries_per_mutant")
            else "each built with every model build that runs its line"
        ),
        "packages: "
        + ", ".join(
            f"{p['name']} {p['version']} ({p['files']} files, {p['entries']} model builds)"
            for p in meta["packages"]
        ),
    ]
    broken = [e for e in meta["entries"] if e["status"] != "builds"]
    if broken:
        lines.append(
            "model builds that fail unmutated (left out): "
            + "; ".join(f"{e['call'][:60]}: {(e['error'] or '')[:80]}" for e in broken)
        )
    lines += [
        "",
        *_table({"TOTAL": s["total"], **{f"  {k}": v for k, v in s["by_package"].items()}}),
        "",
        *_table(s["by_operator"]),
        "",
        "recall = raising mutants with a new error finding in either lint (anywhere / raised within 2 "
        "lines of the edit); file, driver = found by that lint (the mutated file itself; a script that "
        "builds the mutant's models); FA = building mutants with any new finding in either lint",
        f"shapelint crashes: {s['shapelint_crashes']['mutants']} mutants, "
        f"{s['shapelint_crashes']['baseline_files']} unmutated files, "
        f"{s['shapelint_crashes'].get('baseline_drivers', 0)} unmutated drivers",
        f"findings on unmutated code: {len(s['baseline_findings'])} "
        f"({len(out.get('baseline', {}))} files, {len(out.get('baseline_drivers', {}))} drivers)",
        f"lint speed: {s['lines_per_second']} lines/s "
        f"({meta['lint_lines']} lines in {meta['lint_seconds']} s); "
        + (
            f"drivers: {meta['driver_lints']} lints, {s['driver_seconds_mean']} s each on average, "
            f"{meta['driver_seconds_max']} s at most; "
            if meta.get("driver_lints")
            else ""
        )
        + f"run {meta['seconds_total']} s, builds {meta['seconds_build']} s, "
        f"{meta['build_cache_hits']} cached builds",
        "Keras errors of raising mutants: "
        + ", ".join(f"{k} {v}" for k, v in s["keras_error_types"].items()),
    ]
    for f in s["baseline_findings"][:20]:
        where = f"{f['file']}:{f['row']}" if "file" in f else f"driver {f['driver'][:70]}"
        lines.append(f"  unmutated {where} {f['code']} {f['message'][:150]}")
    if s["baseline_notes"]:
        lines.append(
            "notes on unmutated files and drivers: "
            + "; ".join(f"{k} (x{v})" for k, v in list(s["baseline_notes"].items())[:10])
        )
    lines += ["", "Missed raising mutants, by what the analysis saw where Keras raised:"]
    for label, group in s["missed_by_probe"].items():
        lines.append(f"- {label}: {group['count']}")
        for ex in group["examples"]:
            lines.append(f"    {ex['where']} [{ex['operator']}] {ex['edit'][:90]!s}")
            lines.append(f"      keras (at {ex['raise_at']}): {ex['keras'][:200]}")
            for lint, seen in (ex.get("probes_at_raise") or {}).items():
                lines.append(f"      {lint[:60]}: {seen}")
    if s["false_alarm_examples"]:
        lines += ["", "False alarms (building mutants with new findings):"]
        for ex in s["false_alarm_examples"]:
            lines.append(f"    {ex['where']} [{ex['operator']}] {ex['edit'][:90]}")
            lines += [f"      {f}" for f in ex["new_findings"][:2]]
    return "\n".join(lines) + "\n"
