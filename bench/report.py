"""Wall time of a full report run (every notebook, one page per agency, downloads, HTML, index) on the bundled
data: ``python bench/report.py [PARAMS] [--jobs N]``.

Writes into a temporary folder, so ``reports/`` is left alone. Prints the machine's load average before and after,
the jobs (pages at once), the run's forecast step, each notebook's seconds and the agency pages' total.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

from forecast import paths
from forecast.report.run import run_report


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("params", nargs="?", default=str(paths.PARAMS_DIR / "baseline.yaml"))
    parser.add_argument("--jobs", type=int, help="pages at once (default: the params file's, else the cores)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as out:
        params = Path(args.params)
        if args.jobs:
            values = yaml.safe_load(params.read_text(encoding="utf-8")) or {}
            for key in ("snapshots", "published"):
                if key in values:
                    values[key] = str((params.parent / values[key]).resolve())
            values["scenarios"] = [str((params.parent / s).resolve()) for s in values.get("scenarios", [])]
            params = Path(out) / "params.yaml"
            params.write_text(yaml.safe_dump({**values, "jobs": args.jobs}), encoding="utf-8")
        before = _load()
        started = time.perf_counter()
        result = run_report(params, Path(out) / "reports", echo=lambda _: None)
        wall = time.perf_counter() - started
    rec = result.record
    print(f"  load average before: {before}; after: {_load()} (1, 5, 15 min; {os.cpu_count()} cores)")
    print(
        f"  {rec['jobs']} page(s) at a time; the run's forecast (fit, simulation, scenarios, faster pace): "
        f"{rec.get('run_data_seconds') or 0:.1f} s"
    )
    for nb in rec["notebooks"]:
        print(f"  {nb['name']:<28} {nb['status']:<10} {nb['seconds'] or 0:6.1f} s")
    agencies = rec.get("agency_pages", [])
    if agencies:
        seconds = [a["seconds"] or 0 for a in agencies]
        print(f"  {len(agencies)} agency pages{'':<12} {sum(seconds):6.1f} s in all ({max(seconds):.1f} s the longest)")
    print(
        f"report wall time: {wall:.1f} s ({len(rec['notebooks'])} notebook(s) and {len(agencies)} agency pages, "
        f"status {result.status}, {args.params})"
    )
    return 0 if result.status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
