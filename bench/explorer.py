"""The explorer's latency (#27): from a lever change to updated numbers, on the bundled sample at the params file's
runs (10,000), with the machine's load. The model is fitted once (not timed here beyond a line); each lever change
then re-simulates only (the hazard model's draws reused: forecast.present.explorer).

    python bench/explorer.py [--sims N] [--repeat K]

Prints, per lever kind, the median and the maximum of K changes (each to a new value), and os.getloadavg() before
and after. "numbers" is Explorer.evaluate (what the headline and the table show); "page" adds the widgets' redraw
with the two charts (ExplorerView.update, SVG through vl-convert).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date

from forecast import paths
from forecast.config.params import load_params
from forecast.present.explorer import Explorer, Levers

FINANCE = "Ministry of Finance"


def changes(k: int) -> dict[str, list[Levers]]:
    """K settings per lever kind, each a new value (the first of a kind with new rows is drawn, then reused)."""
    holiday = {"holiday_from": date(2025, 12, 24), "holiday_to": date(2025, 12, 31)}
    return {
        "every agency's pace": [Levers(pace_all=1.05 + 0.1 * i) for i in range(k)],
        "one agency's pace": [Levers(pace={FINANCE: 1.1 + 0.2 * i}) for i in range(k)],
        "holiday slowdown": [Levers(holiday=0.9 - 0.08 * i, **holiday) for i in range(k)],
        "dropped tasks": [Levers(drop_count=5 + 5 * i) for i in range(k)],
        "deadline moves (new days)": [Levers(deadline_days=5 * (i + 1)) for i in range(k)],
        "new tasks": [Levers(new_count=5 + 5 * i, new_agency=FINANCE) for i in range(k)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sims", type=int, default=None, help="runs (default: params/baseline.yaml's)")
    parser.add_argument("--repeat", type=int, default=7, help="lever changes per kind")
    args = parser.parse_args()
    params = load_params(paths.PARAMS_DIR / "baseline.yaml", {"sims": args.sims} if args.sims else None)
    print(f"explorer latency: bundled sample, model {params.model}, {params.sims:,} runs, {os.cpu_count()} cores")
    print(f"load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    start = time.perf_counter()
    explorer = Explorer(params)
    print(f"fit and baseline (once): {time.perf_counter() - start:.1f} s")
    explorer.evaluate(Levers(pace_all=1.01))  # the open set's draws, stored once
    print(f"{'lever':28} {'median':>8} {'max':>8}  (seconds, {args.repeat} changes each)")
    for kind, settings in changes(args.repeat).items():
        took = [explorer.evaluate(levers).seconds for levers in settings]
        print(f"{kind:28} {statistics.median(took):8.3f} {max(took):8.3f}")
    try:
        from forecast.present.explorer_view import ExplorerView
    except ImportError:
        print("page: ipywidgets missing (the [lab] extra)")
    else:
        view = ExplorerView(explorer)
        took = []
        for i in range(args.repeat):
            t = time.perf_counter()
            view.pace_all.value = round(1.1 + 0.1 * i, 2)
            took.append(time.perf_counter() - t)
        print(f"{'page (pace, with charts)':28} {statistics.median(took):8.3f} {max(took):8.3f}")
    print(f"load after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
