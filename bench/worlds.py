"""The kit's default forecast on worlds it does not assume (issues #11, #23): ``python bench/worlds.py [--json FILE]
[--markdown FILE]``.

Generates ``--seeds`` worlds of each family of ``tests/worlds`` (seeds 1..N), forecasts the open set to 31 Dec with
the kit's public path (``forecast.engine.predict.forecast``, the hazard model, ``--sims`` runs seeded by the world's
seed) at 4 Dec 2025, and for the December families (the shapes of ``tests.worlds.families.DECEMBER_SHAPES`` and
``december``) also at 11 and 18 Dec: the nowcast. Prints per family and as-of date: the open set and its outcome
(completed / moved / slipped), the forecast, bias (slips and % of the mean truth), mean absolute (relative) error,
how often it over-predicts, and P10-P90 coverage. The ``reference`` family (a December drawn from the kit's
reference class) is the 4 Dec calibration. The load average is printed before and after, since the machine is
shared. ``--json FILE`` writes every row and the table; ``--markdown FILE`` the table as a generated Markdown page
(with the date, commit and load), which ``docs/methods.md`` cites. Each replaces only a file this script wrote.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from forecast.config.params import parse_params
from forecast.engine.predict import forecast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.worlds import FAMILIES
from tests.worlds.families import DECEMBER_SHAPES
from tests.worlds.harness import DECEMBER_AS_OF, evaluate, hazard_forecaster, summarise

NOWCAST = (*DECEMBER_SHAPES, "december")  # forecast at 4, 11 and 18 Dec

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
    """One row per (family, seed, as-of date): 4 Dec for every family, also 11 and 18 Dec for the December
    families."""
    parts = []
    for family in families:
        dates = DECEMBER_AS_OF if family in NOWCAST else DECEMBER_AS_OF[:1]
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
    parser.add_argument("--markdown", type=Path, help="also write the tables as a generated Markdown page here")
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
    nowcast = summary.loc[summary["family"].isin(NOWCAST), ["family", *DECEMBER_COLUMNS]]
    print(f"\nAs of 4 Dec 2025, to 31 Dec (means over worlds; bias = forecast - truth):\n{show(by_family)}")
    if not nowcast.empty:
        print(f"\nThe December families by as-of date (the nowcast):\n{show(nowcast)}")
    print(
        f"\n{len(rows)} forecasts in {seconds:.0f} s; load average before {load_before[0]:.2f}, "
        f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}"
    )
    facts = {
        "seeds": args.seeds,
        "sims": args.sims,
        "seconds": round(seconds, 1),
        "load_average_before": load_before,
        "load_average_after": load_after,
    }
    if args.json:
        _write_json(
            args.json,
            {
                "written_by": MARK,
                "history_only": args.history_only,
                "families": families,
                **facts,
                "by_family": _records(by_family),
                "nowcast": _records(nowcast),
                "rows": _records(rows),
            },
        )
        print(f"wrote {args.json}")
    if args.markdown:
        _write_markdown(args.markdown, by_family, nowcast, facts, args.history_only)
        print(f"wrote {args.markdown}")
    return 0


def _write_markdown(
    path: Path, by_family: pd.DataFrame, nowcast: pd.DataFrame, facts: dict, history_only: bool
) -> None:
    """The tables as a generated Markdown page: what made it (command, date, commit, load), then the tables."""
    if path.exists() and MARK not in path.read_text(encoding="utf-8").splitlines()[0]:
        raise SystemExit(f"{path} exists and was not written by {MARK}; not replacing it")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    before, after = facts["load_average_before"], facts["load_average_after"]
    lines = [
        f"<!-- generated by {MARK}; do not edit by hand -->",
        "# The forecast on worlds it does not assume",
        "",
        f"`python bench/worlds.py --seeds {facts['seeds']} --sims {facts['sims']}"
        f"{' --history-only' if history_only else ''}`, run on {time.strftime('%d %b %Y %H:%M UTC', time.gmtime())} "
        f"at commit {commit.stdout.strip() or 'unknown'}: {facts['seconds']:.0f} s on 2 cores, load average "
        f"{before[0]:.2f} before and {after[0]:.2f} after. Means over the worlds of each family; bias = forecast "
        "minus the outcome (slips); coverage = share of worlds whose P10-P90 interval held the outcome.",
        "",
        "## As of 4 Dec 2025, to 31 Dec",
        "",
        _markdown(by_family),
    ]
    if not nowcast.empty:
        lines += ["", "## The December families by as-of date (the nowcast)", "", _markdown(nowcast)]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def _markdown(table: pd.DataFrame) -> str:
    out = table.copy()
    for col in ("over", "coverage", "mare"):
        if col in out:
            out[col] = (100 * out[col]).map("{:.0f} %".format)
    if "as_of" in out:
        out["as_of"] = out["as_of"].dt.strftime("%d %b")
    for col in out.columns:
        if out[col].dtype.kind == "f":
            out[col] = out[col].map("{:.1f}".format)
    head = "| " + " | ".join(map(str, out.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in out.columns) + " |"
    body = ["| " + " | ".join(map(str, row)) + " |" for row in out.itertuples(index=False)]
    return "\n".join([head, rule, *body])


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
