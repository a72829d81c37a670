"""The kit's default forecast on worlds it does not assume (issue #11): ``python bench/worlds.py [--json FILE]``.

Generates ``--seeds`` worlds of each family of ``tests/worlds`` (piecewise, spike, december, exits; seeds 1..N),
forecasts the open set at 4 Dec 2025 (and at 11 and 18 Dec for the december family) to 31 Dec with the kit's public
path (``forecast.predict.forecast``, ``--sims`` runs seeded by the world's seed), and prints per family: the open
set and its outcome (completed / moved / slipped), the forecast, bias (slips and % of the mean truth), mean absolute
(relative) error, how often it over-predicts, and P10-P90 coverage; then the december family by as-of date. The
load average is printed before and after, since the machine is shared. ``--json FILE`` writes every row and both
tables, so the README's figures can be reproduced; it replaces only a file this script wrote.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pandas as pd

from forecast.params import parse_params
from forecast.predict import forecast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.worlds import FAMILIES
from tests.worlds.harness import DECEMBER_AS_OF, december_convergence, evaluate, hazard_forecaster, summarise

MARK = "bench/worlds.py"
FAMILY_COLUMNS = (
    "family",
    "worlds",
    "open",
    "truth",
    "completed",
    "moved",
    "mean",
    "p10",
    "p90",
    "bias",
    "bias_pct",
    "mae",
    "mare",
    "over",
    "coverage",
)
DECEMBER_COLUMNS = ("as_of", "worlds", "open", "truth", "mean", "p10", "p90", "bias", "bias_pct", "mae", "coverage")


def history_only(snaps, as_of, deadline, sims, seed):
    """The kit's default forecast with the year-end prior off (``year_end: false``): the history alone."""
    params = parse_params(
        {"as_of": str(as_of.date()), "deadline": str(deadline.date()), "sims": sims, "seed": seed, "year_end": False}
    )
    return forecast(params, snaps).totals


def run(seeds: range, sims: int, families: list[str], forecaster=hazard_forecaster) -> pd.DataFrame:
    """One row per (family, seed, as-of date): 4 Dec for every family, also 11 and 18 Dec for december."""
    parts = []
    for family in families:
        dates = DECEMBER_AS_OF if family == "december" else DECEMBER_AS_OF[:1]
        started = time.perf_counter()
        parts.append(evaluate(forecaster, family, seeds, dates, sims=sims))
        print(
            f"  {family}: {len(seeds)} worlds x {len(dates)} as-of date(s), {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return pd.concat(parts, ignore_index=True)


def show(table: pd.DataFrame) -> str:
    """A fixed-width table: counts to one decimal, shares as %."""
    out = table.copy()
    for col in ("over", "coverage", "mare"):
        if col in out:
            out[col] = (100 * out[col]).map("{:.0f} %".format)
    if "as_of" in out:
        out["as_of"] = out["as_of"].dt.strftime("%d %b")
    return out.to_string(index=False, float_format="{:.1f}".format)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=12, help="worlds per family (seeds 1..N; default 12)")
    parser.add_argument("--sims", type=int, default=2000, help="simulation runs per forecast (default 2000)")
    parser.add_argument("--families", default=",".join(FAMILIES), help="comma-separated (default: all)")
    parser.add_argument("--json", type=Path, help="also write the rows and tables here")
    parser.add_argument("--history-only", action="store_true", help="forecast with the year-end prior off")
    args = parser.parse_args(argv)
    families = args.families.split(",")
    unknown = [f for f in families if f not in FAMILIES]
    if unknown or args.seeds < 1 or args.sims < 1:
        parser.error(
            f"unknown family {unknown}; choose from {', '.join(FAMILIES)}"
            if unknown
            else "--seeds and --sims must be at least 1"
        )
    if args.json and args.json.exists() and not _ours(args.json):
        parser.error(f"{args.json} exists and was not written by {MARK}; not replacing it")

    load_before = os.getloadavg()
    print(
        f"load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; {args.seeds} seeds, "
        f"{args.sims} runs per forecast; year-end prior {'off' if args.history_only else 'on'}",
        flush=True,
    )
    started = time.perf_counter()
    rows = run(range(1, args.seeds + 1), args.sims, families, history_only if args.history_only else hazard_forecaster)
    seconds = time.perf_counter() - started
    load_after = os.getloadavg()
    summary = summarise(rows)
    by_family = summary.loc[summary["as_of"] == DECEMBER_AS_OF[0], list(FAMILY_COLUMNS)]
    december = december_convergence(rows)[list(DECEMBER_COLUMNS)]
    print(f"\nAs of 4 Dec 2025, to 31 Dec (means over worlds; bias = forecast - truth):\n{show(by_family)}")
    if not december.empty:
        print(f"\nDecember family by as-of date (push x3 from 5 Dec):\n{show(december)}")
    print(
        f"\n{len(rows)} forecasts in {seconds:.0f} s; load average before {load_before[0]:.2f}, "
        f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}"
    )
    if args.json:
        _write_json(
            args.json,
            {
                "written_by": MARK,
                "history_only": args.history_only,
                "seeds": args.seeds,
                "sims": args.sims,
                "families": families,
                "seconds": round(seconds, 1),
                "load_average_before": load_before,
                "load_average_after": load_after,
                "by_family": _records(by_family),
                "december": _records(december),
                "rows": _records(rows),
            },
        )
        print(f"wrote {args.json}")
    return 0


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def _ours(path: Path) -> bool:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("written_by") == MARK
    except (ValueError, OSError, AttributeError):
        return False


def _write_json(path: Path, data: dict) -> None:
    """Write via a temporary file renamed into place, so an interrupted run leaves the previous file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


if __name__ == "__main__":
    sys.exit(main())
