"""``forecast validate`` on a million-row export (goal < 30 s, with the task history built once).

50,000 tasks in 40 weekly Parquet snapshots (6 Mar - 4 Dec 2025, ``forecast sample --tasks 50000 --format
parquet``: 1,014,586 rows), generated once into ``bench/results/``; then the command itself, in a fresh process,
timed wall clock, with its peak memory and the machine's load average.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CACHE

TASKS = 50_000
GOAL_SECONDS = 30.0


def main() -> int:
    folder = CACHE / f"validate-{TASKS}"
    if not (folder / "README.md").exists():
        subprocess.run([sys.executable, "-m", "forecast.cli", "sample", "--out", str(folder), "--tasks", str(TASKS),
                        "--format", "parquet"], check=True)
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in folder.glob("*.parquet"))
    load = os.getloadavg()[0]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "forecast.cli", "validate", "--snapshots", str(folder)],
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # kB -> GB
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return 1
    print(f"forecast validate, {rows:,} rows ({TASKS:,} tasks, 40 Parquet exports): {seconds:.1f} s "
          f"(goal < {GOAL_SECONDS:.0f} s), peak {peak:.2f} GB, load average {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    return 0 if seconds < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
