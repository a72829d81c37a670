"""``forecast validate`` on million-row exports (figures for docs/performance.md; the task history built once).

1. 50,000 tasks in 40 weekly Parquet snapshots (6 Mar - 4 Dec 2025, ``forecast sample --tasks 50000 --format
   parquet``: 1,014,586 rows);
2. the bundled sample plus one CSV export of 1,000,000 rows dated 11 Dec 2025 (a million new tasks in a week: the
   jump is flagged).

Both are generated once into ``bench/results/``; then the command runs in a fresh process, timed wall clock, with
its own peak memory and the machine's load average. ``make bench`` runs it as its last step (``bench/run.py``); the
exit status is 1 only when a command fails (the former goal, < 30 s each, is retired).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CACHE, ROOT, sample_folder

_CHILD = (
    "import resource, sys\nfrom forecast.cli import main\ncode = main(sys.argv[1:])\n"
    "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\nsys.exit(code)"
)


def many_snapshots(tasks: int = 50_000) -> Path:
    """40 weekly Parquet snapshots (the sample's default dates) of ``tasks`` tasks."""
    return sample_folder(f"validate-{tasks}", tasks)


def one_big_csv(rows: int = 1_000_000) -> Path:
    folder = CACHE / "validate-big-csv"
    big = folder / "snapshot_2025-12-11.csv"
    if not big.exists():
        shutil.copytree(ROOT / "data" / "sample" / "synthetic-2025", folder, dirs_exist_ok=True)
        rng = np.random.default_rng(1)
        pd.DataFrame(
            {
                "task_id": [f"NEW-{i:07d}" for i in range(rows)],
                "title": [f"Task {i} (synthetic)" for i in range(rows)],
                "agency": rng.choice([f"Ministry {k}" for k in range(54)], rows),
                "deadline": rng.choice(pd.date_range("2025-12-01", "2026-06-30").strftime("%d/%m/%Y"), rows),
                "status": rng.choice(["Đang thực hiện", "Quá hạn", "Hoàn thành đúng hạn"], rows),
            }
        ).to_csv(big, index=False, encoding="utf-8-sig")
    return folder


def measure(folder: Path, label: str) -> dict:
    """``forecast validate`` on ``folder`` in a fresh process: seconds, peak GB, load average, whether it succeeded."""
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, "validate", "--snapshots", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    peak = int(child.stderr.rsplit("PEAK ", 1)[-1]) / 2**20  # kB -> GB, the child's own
    rows = next((line for line in child.stdout.splitlines() if "tasks in all" in line), child.stderr[-300:])
    print(f"{label}: {seconds:.1f} s, peak {peak:.2f} GB, load average {load}; {rows[:90]}")
    jump = [line.strip() for line in child.stdout.splitlines() if "more than 50% up" in line]
    if jump:
        print(f"  {jump[0][:160]}")
    return {"label": label, "seconds": seconds, "peak_gb": peak, "load": load, "ok": child.returncode == 0}


def measure_all() -> list[dict]:
    return [
        measure(many_snapshots(), "1,014,586 rows in 40 Parquet exports (50,000 tasks)"),
        measure(one_big_csv(), "the sample + one CSV export of 1,000,000 rows"),
    ]


def main() -> int:
    return 0 if all(r["ok"] for r in measure_all()) else 1


if __name__ == "__main__":
    sys.exit(main())
