"""Wall time of a full report run (every notebook, HTML, index) on the bundled data: ``python bench/report.py``.

Writes into a temporary folder, so ``reports/`` is left alone. Prints the total and each notebook's seconds.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from forecast import paths
from forecast.report.run import run_report


def main(params: str = str(paths.PARAMS_DIR / "baseline.yaml")) -> int:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        result = run_report(params, Path(out), echo=lambda _: None)
        wall = time.perf_counter() - started
    for nb in result.record["notebooks"]:
        print(f"  {nb['name']:<28} {nb['status']:<10} {nb['seconds'] or 0:6.1f} s")
    print(f"report wall time: {wall:.1f} s ({len(result.record['notebooks'])} notebook(s), status {result.status}, "
          f"{params})")
    return 0 if result.status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
