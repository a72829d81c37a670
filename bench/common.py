"""Helpers shared by the benchmarks: timing, peak memory of a child process, the large synthetic portfolios."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "results"


def load() -> str:
    """The 1-, 5- and 15-minute load averages, e.g. ``0.21 0.35 0.40`` (2 cores: above 2 the machine is busy)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@contextmanager
def timer(label: str, into: dict):
    start = time.perf_counter()
    yield
    into[label] = time.perf_counter() - start


def sample_folder(name: str, tasks: int, *options: str) -> Path:
    """``forecast sample --tasks TASKS --format parquet OPTIONS`` written once into ``CACHE/name`` and reused."""
    folder = CACHE / name
    if not (folder / "README.md").exists():
        command = ["sample", "--out", str(folder), "--tasks", str(tasks), "--format", "parquet", *options]
        subprocess.run([sys.executable, "-m", "forecast.cli", *command], check=True, capture_output=True)
    return folder


def large_sample(tasks: int) -> Path:
    """52 weekly Parquet snapshots (9 Jan 2025 - 1 Jan 2026) of a synthetic portfolio, generated once and cached."""
    return sample_folder(f"sample-{tasks}", tasks, "--start", "2025-01-09", "--until", "2026-01-01")


def run_child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter (so its peak memory is its own); it prints a JSON dict last."""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])
