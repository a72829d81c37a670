"""The ``forecast`` command. Each subcommand only assembles arguments and calls a library function.

User errors (:class:`forecast.errors.ForecastError`) print one message and exit with status 2, no traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import __version__
from .errors import ForecastError, ReportError


def main(argv: Sequence[str] | None = None) -> int:
    # A shell starts background jobs with SIGINT ignored, and Python then never raises KeyboardInterrupt: restore
    # it, so Ctrl-C or `kill -INT` always stops a run cleanly (exit 130), however the command was started.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args) or 0
    except ForecastError as exc:
        print(f"forecast {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("forecast: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="forecast", description=(
        "Forecast how many Resolution 57 programme tasks will slip past their deadline."))
    parser.add_argument("--version", action="version", version=f"forecast {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="load snapshot exports, show counts by status and every problem found",
                       description="Load every export in a folder and report what is in it. Exit status 0 only "
                                   "when the data is usable.")
    _data_args(p, "params file (snapshot folder, extra status_labels)")
    p.set_defaults(run=_validate)

    p = sub.add_parser("sample", help="write the calibrated SYNTHETIC sample portfolio",
                       description="Write weekly snapshot exports of a synthetic portfolio calibrated to the "
                                   "published figures of 4 Dec 2025. Deterministic for a seed.")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the exports into")
    p.add_argument("--tasks", type=_positive_int, default=1287, metavar="N", help="number of tasks (default 1287)")
    p.add_argument("--seed", type=int, default=37, metavar="S", help="random seed (default 37: see forecast.sample)")
    p.add_argument("--start", type=_date, default="2025-03-06", metavar="DATE", help="first snapshot")
    p.add_argument("--until", type=_date, default="2025-12-04", metavar="DATE", help="last snapshot")
    p.add_argument("--format", choices=("csv", "parquet", "xlsx"), default="csv", help="file format")
    p.add_argument("--december", type=_positive_float, default=1.0, metavar="X",
                   help="December regime: completion hazard x X from 5 to 31 Dec 2025 (default 1: like the history; "
                        "prior median 1.5, 80%% interval 0.8-2.9: see forecast.sample_process)")
    p.set_defaults(run=_sample)

    p = sub.add_parser("predict", help="forecast how many open tasks slip past the deadline",
                       description="Fit a completion model on the snapshots up to the as-of date and simulate the "
                                   "open tasks (open, not regular, due by the deadline) to the end of the deadline.")
    _forecast_args(p)
    p.add_argument("--published", metavar="FILE", help="forecast from the published figures file alone instead")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--tasks-out", metavar="FILE", help="write the early-warning list (every open task, P(slip))")
    p.set_defaults(run=_predict)

    p = sub.add_parser("backtest", help="score every model on past snapshots (rolling origin)",
                       description="At every past snapshot, fit each model on the data up to it, forecast the "
                                   "then-open tasks HORIZON days ahead and score the forecast against what the "
                                   "later snapshot shows.")
    _data_args(p, "params file (snapshots, horizon_days, seed, status_labels)")
    p.add_argument("--horizon", type=_positive_int, metavar="DAYS", help="forecast horizon (default 27: 4 -> 31 Dec)")
    p.add_argument("--models", metavar="A,B", help="models to score (default: all)")
    p.add_argument("--sims", type=_positive_int, default=2000, metavar="N", help="runs per forecast (default 2000)")
    p.add_argument("--seed", type=int, metavar="S", help="random seed")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--out", metavar="FILE", help="write the per-cutoff scores (.csv, .xlsx or .parquet)")
    p.set_defaults(run=_backtest)

    p = sub.add_parser("params", help="print the resolved, validated parameters of a params file",
                       description="Validate a params file and print every parameter, defaults filled in and paths "
                                   "resolved, as YAML.")
    p.add_argument("--show", required=True, metavar="FILE", help="params file")
    p.set_defaults(run=_show_params)

    p = sub.add_parser("report", help="run every notebook into a new run folder of offline HTML reports",
                       description="Execute the notebooks with papermill into OUT/<UTC time>_<scenario>/ (HTML "
                                   "reports, executed notebooks, run.json) and rebuild OUT/index.html. Exit status "
                                   "2 when the run failed; earlier runs are never changed.")
    _report_arguments(p)
    p.set_defaults(run=_report)

    p = sub.add_parser("schedule", help="run reports on a cron schedule until stopped",
                       description="Run `forecast report` at every time a cron expression names (local time), "
                                   "logging each run to stdout and OUT/schedule.log. A failed run does not stop it.")
    _report_arguments(p)
    p.add_argument("--cron", required=True, metavar="EXPR", help='five-field cron expression, e.g. "0 6 * * MON"')
    p.add_argument("--max-runs", type=_positive_int, metavar="N", help="stop after N runs (default: never)")
    p.set_defaults(run=_schedule)
    _scenario_parsers(sub)
    return parser


def _data_args(p: argparse.ArgumentParser, params_help: str) -> None:
    p.add_argument("--snapshots", metavar="DIR", help="folder of snapshot exports (default: the params file's, "
                                                      "else the bundled synthetic sample)")
    p.add_argument("--params", metavar="FILE", help=params_help)


def _forecast_args(p: argparse.ArgumentParser) -> None:
    _data_args(p, "params file; the options below override it")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="forecast date (default: the last snapshot)")
    p.add_argument("--deadline", type=_date, metavar="DATE", help="deadline (default: 31 Dec of the as-of year)")
    p.add_argument("--model", metavar="NAME", help="hazard (default), reference or throughput")
    p.add_argument("--sims", type=int, metavar="N", help="Monte Carlo runs (default 10000)")
    p.add_argument("--seed", type=int, metavar="S", help="random seed (default 2025)")


def _params(args: argparse.Namespace):
    """The params file (or defaults) with the command-line options on top, validated once."""
    from pathlib import Path

    from .params import Params, load_params, parse_params

    base = load_params(args.params) if args.params else Params()
    values = {k: v for k, v in base.to_dict().items() if k != "source"}
    cli = {"snapshots": args.snapshots, "as_of": getattr(args, "as_of", None),
           "deadline": getattr(args, "deadline", None), "model": getattr(args, "model", None),
           "sims": args.sims, "seed": args.seed, "published": getattr(args, "published", None),
           "horizon_days": getattr(args, "horizon", None)}
    values.update({k: v for k, v in cli.items() if v is not None})
    return parse_params(values, base=Path.cwd(), origin=base.source)


def _report_arguments(p: argparse.ArgumentParser) -> None:
    from . import paths

    p.add_argument("--params", required=True, metavar="FILE", help="params file, e.g. params/baseline.yaml")
    p.add_argument("--out", default=str(paths.REPORTS_DIR), metavar="DIR",
                   help="folder of run folders and index.html (default: the kit's reports/)")
    p.add_argument("--notebooks", default=str(paths.NOTEBOOKS_DIR), metavar="DIR",
                   help="folder of notebooks to run, in name order (default: the kit's notebooks/)")


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {text}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value


def _date(text: str) -> str:
    try:
        return str(pd.Timestamp(text).date())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def _validate(args: argparse.Namespace) -> int:
    from .history import build_history, trajectory_warnings
    from .params import Params, load_params
    from .snapshots import load_snapshots

    params = load_params(args.params) if args.params else Params()
    folder = args.snapshots or params.snapshots
    snaps = load_snapshots(folder, params.status_labels)
    counts = snaps.status_counts()
    counts.index = counts.index.date
    label = "SYNTHETIC sample - not real data. " if snaps.synthetic else ""
    print(f"{label}{len(snaps.files)} snapshot(s) in {folder}, fingerprint {snaps.fingerprint}\n")
    print(counts.to_string())
    hist = build_history(snaps)
    print(f"\n{len(hist)} tasks in all; at {snaps.dates[-1].date()}: "
          + ", ".join(f"{k} {v}" for k, v in counts.iloc[-1].items()))
    problems = [*snaps.warnings, *trajectory_warnings(snaps)]
    print(f"\n{len(problems)} warning(s)" + (":" if problems else ""))
    for p in problems:
        print(f"  - {p}")
    return 0


def _sample(args: argparse.Namespace) -> int:
    from .sample import write_sample

    written = write_sample(args.out, tasks=args.tasks, seed=args.seed, start=args.start, until=args.until,
                           fmt=args.format, december=args.december)
    print(f"wrote {len(written)} SYNTHETIC snapshot exports to {args.out}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    import json

    from .output import forecast_table, write_table
    from .predict import forecast, forecast_published

    params = _params(args)
    result = forecast_published(params) if args.published else forecast(params)
    if args.tasks_out:
        write_table(result.early_warning(), args.tasks_out)
    print(json.dumps(result.to_json(), ensure_ascii=False, indent=2) if args.json else forecast_table(result))
    return 0


def _backtest(args: argparse.Namespace) -> int:
    import json

    from .backtest import run_backtest, terminal_progress
    from .output import backtest_table, published_backtest_table, write_table
    from .published import load_published
    from .published_model import published_backtest
    from .snapshots import load_snapshots

    params = _params(args)
    models = [m.strip() for m in args.models.split(",") if m.strip()] if args.models else None
    snaps = load_snapshots(params.snapshots, params.status_labels)
    kwargs = {"models": models} if models else {}
    result = run_backtest(snaps, params.horizon_days, sims=params.sims, seed=params.seed,
                          progress=terminal_progress, **kwargs)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    transitions = published_backtest(load_published(params.published), sims=params.sims, seed=params.seed)
    if args.out:
        write_table(result.frame, args.out)
    if args.json:
        records = transitions.assign(cutoff=transitions["cutoff"].dt.strftime("%Y-%m-%d"),
                                     outcome_date=transitions["outcome_date"].dt.strftime("%Y-%m-%d"))
        print(json.dumps({**result.to_json(), "published_transitions": records.round(4).to_dict("records")},
                         indent=2))
    else:
        print(backtest_table(result) + "\n\n" + published_backtest_table(transitions))
    return 0




def _show_params(args: argparse.Namespace) -> int:
    import yaml

    from .params import load_params

    params = load_params(args.show)
    values = {k: v for k, v in params.to_dict().items() if k != "source"}
    print(f"# {args.show}, validated; null = the default (as_of: the last snapshot; deadline: 31 Dec of that year)")
    print(yaml.safe_dump(values, sort_keys=False, allow_unicode=True), end="")
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report.run import run_report

    result = run_report(args.params, args.out, args.notebooks)
    print(f"index: {Path(args.out) / 'index.html'}")
    if result.status != "ok":
        raise ReportError(f"run failed: {result.message}\n  partial report kept in {result.folder}; earlier runs "
                          "are unchanged")
    return 0


def _schedule(args: argparse.Namespace) -> int:
    from functools import partial

    from .report.run import load_run_params, run_report
    from .report.schedule import parse_cron, run_schedule

    load_run_params(args.params)  # a broken file fails now, not at the first run
    parse_cron(args.cron)
    failed = run_schedule(args.cron, partial(run_report, args.params, args.out, args.notebooks), Path(args.out),
                          max_runs=args.max_runs)
    return 1 if failed else 0


def _scenario_parsers(sub) -> None:
    p = sub.add_parser("scenario", help="simulate planner scenarios beside the baseline",
                       description="Apply each scenario file's levers (params/scenarios/*.yaml) to the open set and "
                                   "simulate it beside the baseline with common random numbers; prints each "
                                   "scenario's slips and its difference from the baseline.")
    p.add_argument("files", nargs="*", metavar="FILE", help="scenario files (default: the params file's scenarios)")
    _forecast_args(p)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(run=_scenario)

    p = sub.add_parser("goal", help="find the rate multiplier that meets a slip target",
                       description="Find the smallest uniform completion-rate multiplier (for every agency, or only "
                                   "the listed ones) that makes P(slips <= N) reach the probability, by bisection on "
                                   "common-random-number simulations, and rank the agencies whose acceleration "
                                   "saves the most slips.")
    p.add_argument("--target-slips", required=True, type=_non_negative_int, metavar="N",
                   help="at most this many tasks slipping")
    p.add_argument("--probability", type=_probability, default=0.8, metavar="P",
                   help="with at least this probability (default 0.8)")
    p.add_argument("--agencies", metavar="A,B", help="accelerate only these agencies (comma-separated)")
    p.add_argument("--cap", type=float, default=20.0, metavar="X", help="largest multiplier tried (default 20)")
    _forecast_args(p)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(run=_goal)


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number, 0 or more, not {text}")
    return value


def _probability(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


def _scenario(args: argparse.Namespace) -> int:
    import json

    from .scenarios import compare_scenarios
    from .scenarios.text import comparison_text

    params = _params(args)
    files = args.files or params.scenarios
    if not files:
        raise ForecastError("no scenario files: name them (forecast scenario FILE ...) or list them under "
                            "`scenarios:` in the params file")
    result = compare_scenarios(params, files)
    for r in result.results:
        for warning in r.warnings:
            print(f"forecast scenario: warning: {r.scenario.name}: {warning}", file=sys.stderr)
    print(json.dumps(result.to_json(), ensure_ascii=False, indent=2) if args.json else comparison_text(result))
    return 0


def _goal(args: argparse.Namespace) -> int:
    import json

    from .scenarios.goal import goal_seek
    from .scenarios.text import goal_text

    result = goal_seek(_params(args), args.target_slips, args.probability, args.agencies, args.cap)
    print(json.dumps(result.to_json(), ensure_ascii=False, indent=2) if args.json else goal_text(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
