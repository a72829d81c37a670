"""Wall and CPU time of a full report run (every notebook, one page per agency, downloads, HTML, index) on the bundled
data: ``python bench/report.py [PARAMS] [--jobs N] [--again] [--week-after]``.

Every run writes into a temporary folder with a cache of its own (``cache:`` in a copy of the params file), so
``reports/`` and the project's ``.cache/`` are left alone and *cold* means cold:

* default: one cold run (empty cache);
* ``--again``: then the same run again at once (same data, the cache filled by the first);
* ``--week-after``: the honest weekly case. A copy of the snapshot folder without its last export is reported
  first (as of its own last snapshot, cold), then the last export is added and the report run again (as of the new
  last snapshot) into the same output folder with the same cache: only what depends on the new snapshot can be
  computed again. The second run is the figure.

Each run prints the machine's load average before and after, its wall time, its CPU time (user + system, of this
process and every process it started: the runner, its kernels and its workers), the run's forecast step, each
notebook's seconds and the agency pages' total.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

from forecast import paths
from forecast.report.run import RunResult, run_report


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _cpu() -> float:
    """User + system seconds of this process and its waited-for descendants so far."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def absolute_paths(values: dict, folder: Path) -> dict:
    """A params file's values with its relative paths (snapshots, published figures, scenarios, the year-end
    reference class) made absolute from ``folder``, so a copy elsewhere reads the same files."""
    values = dict(values)
    for key in ("snapshots", "published"):
        if isinstance(values.get(key), str):
            values[key] = str((folder / values[key]).resolve())
    values["scenarios"] = [str((folder / s).resolve()) for s in values.get("scenarios", [])]
    year_end = values.get("year_end")
    if isinstance(year_end, dict) and isinstance(year_end.get("reference"), str):
        values["year_end"] = {**year_end, "reference": str((folder / year_end["reference"]).resolve())}
    return values


def bench_params(params: Path, folder: Path, **changes: object) -> Path:
    """A copy of ``params`` in ``folder`` with its paths absolute, a cache in ``folder/cache`` and ``changes``."""
    values = yaml.safe_load(params.read_text(encoding="utf-8")) or {}
    values = absolute_paths(values, params.parent)
    values["cache"] = str(folder / "cache")
    values.update({k: v for k, v in changes.items() if v is not None})
    copy = folder / "params.yaml"
    copy.write_text(yaml.safe_dump(values), encoding="utf-8")
    return copy


def timed_run(label: str, params: Path, out: Path) -> tuple[RunResult, dict]:
    """One report run into ``out``, its figures printed under ``label`` and returned (for docs/performance.md)."""
    before, cpu = _load(), _cpu()
    started = time.perf_counter()
    result = run_report(params, out, echo=lambda _: None)
    wall, cpu = time.perf_counter() - started, _cpu() - cpu
    rec = result.record
    as_of = (rec["headline"] or {}).get("as_of")
    print(f"{label}:")
    print(f"  load average before: {before}; after: {_load()} (1, 5, 15 min; {os.cpu_count()} cores)")
    print(
        f"  {rec['jobs']} page(s) at a time; the run's forecast (fit, simulation, scenarios, faster pace, combined "
        f"headline): {rec.get('run_data_seconds') or 0:.1f} s"
    )
    for nb in rec["notebooks"]:
        print(f"  {nb['name']:<28} {nb['status']:<10} {nb['seconds'] or 0:6.1f} s")
    agencies = rec.get("agency_pages", [])
    if agencies:
        seconds = [a["seconds"] or 0 for a in agencies]
        print(f"  {len(agencies)} agency pages{'':<12} {sum(seconds):6.1f} s in all ({max(seconds):.1f} s the longest)")
    print(
        f"  report wall time: {wall:.1f} s, CPU {cpu:.1f} s ({len(rec['notebooks'])} notebook(s) and "
        f"{len(agencies)} agency pages, status {result.status}, as of {as_of})"
    )
    figures = {
        "wall": wall,
        "cpu": cpu,
        "forecast": rec.get("run_data_seconds") or 0.0,
        "pages": len(agencies),
        "pages_seconds": sum(a["seconds"] or 0 for a in agencies),
        "status": result.status,
        "load": f"{before} before, {_load()} after",
    }
    return result, figures


def week_after(params: Path, folder: Path, jobs: int | None) -> list[tuple[RunResult, dict]]:
    """The week before (the snapshots without the last export), then the week after (all of them), one cache."""
    source = Path(yaml.safe_load(bench_params(params, folder).read_text(encoding="utf-8"))["snapshots"])
    exports = sorted(p for p in source.iterdir() if p.is_file() and p.name.startswith("snapshot_"))
    snapshots = folder / "snapshots"
    shutil.copytree(source, snapshots, ignore=shutil.ignore_patterns(exports[-1].name))
    copy = bench_params(params, folder, snapshots=str(snapshots), as_of=None, jobs=jobs)
    values = yaml.safe_load(copy.read_text(encoding="utf-8"))
    values.pop("as_of", None)  # each week is as of its own last snapshot
    copy.write_text(yaml.safe_dump(values), encoding="utf-8")
    out = folder / "reports"
    first = timed_run(f"the week before ({len(exports) - 1} snapshots, cold)", copy, out)
    shutil.copy2(exports[-1], snapshots / exports[-1].name)
    return [first, timed_run(f"the week after (+ {exports[-1].name}, cache kept)", copy, out)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("params", nargs="?", default=str(paths.PARAMS_DIR / "baseline.yaml"))
    parser.add_argument("--jobs", type=int, help="pages at once (default: the params file's, else the cores)")
    parser.add_argument("--again", action="store_true", help="then the same run again, the cache warm")
    parser.add_argument("--week-after", action="store_true", help="the week before, then the week after (the figure)")
    args = parser.parse_args(argv)
    params = Path(args.params).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.week_after:
            results = week_after(params, folder, args.jobs)
        else:
            copy = bench_params(params, folder, jobs=args.jobs)
            results = [timed_run("cold (empty cache)", copy, folder / "reports")]
            if args.again:
                results.append(timed_run("again at once (same data, cache warm)", copy, folder / "reports"))
    return 0 if all(r.status == "ok" for r, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
