"""The ``forecast`` command: arguments parsed and checked here (dates by the kit's one parser, numbers within
:mod:`forecast.core.limits`), then one function of :mod:`forecast.cli.commands` per subcommand.

User errors (:class:`forecast.errors.ForecastError`) print one message and exit with status 2, no traceback.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
from collections.abc import Sequence
from datetime import date

from forecast import __version__
from forecast.cli import commands
from forecast.core import limits
from forecast.core.languages import LANGUAGES
from forecast.data.cache import summaries as cache_summaries
from forecast.data.schema import ACCEPTED_DATES, parse_date
from forecast.errors import ForecastError
from forecast.models import MODELS

# Each subcommand's one-line help (the command list) and its description (its own --help).
_TEXTS: dict[str, tuple[str, str]] = {
    "validate": (
        "load snapshot exports, show counts by status and every problem found",
        "Load every export in a folder and report what is in it. Exit status 0 only when the data is usable.",
    ),
    "sample": (
        "write the calibrated SYNTHETIC sample portfolio",
        "Write weekly snapshot exports of a synthetic portfolio calibrated to the "
        "published figures of 4 Dec 2025. Deterministic for a seed.",
    ),
    "predict": (
        "forecast how many open tasks slip past the deadline",
        "Fit a completion model on the snapshots up to the as-of date and simulate the "
        "open tasks (open, not regular, due by the deadline) to the end of the deadline.",
    ),
    "backtest": (
        "score every model on past snapshots (rolling origin)",
        "At every past snapshot, fit each model on the data up to it, forecast the "
        "then-open tasks HORIZON days ahead and score the forecast against what the "
        "later snapshot shows.",
    ),
    "prior": (
        "fit the year-end prior on the reference class and show what each row contributes",
        "Fit the year-end regime's prior on the reference class of past year ends (data/reference/year_end.csv, or "
        "--reference FILE), print it, what each row contributes and a leave-one-out table; with data (the params' "
        "snapshots, or the bundled sample), also what each leave-one-out prior makes of the forecast.",
    ),
    "params": (
        "validate a params file and print its resolved parameters",
        "Validate a params file and print every parameter, defaults filled in and paths resolved, as YAML.",
    ),
    "report": (
        "run every notebook into a new run folder of offline HTML reports",
        "Execute the notebooks with papermill into OUT/<UTC time>_<scenario>/ (HTML "
        "reports, executed notebooks, run.json) and rebuild OUT/index.html. Exit status "
        "2 when the run failed; earlier runs are never changed.",
    ),
    "schedule": (
        "run reports on a cron schedule until stopped",
        "Run `forecast report` at every time a cron expression names (local time), "
        "logging each run to stdout and OUT/schedule.log. A failed run does not stop it.",
    ),
    "scenario": (
        "simulate planner scenarios beside the baseline",
        "Apply each scenario file's levers (params/scenarios/*.yaml) to the open set and "
        "simulate it beside the baseline with common random numbers; prints each "
        "scenario's slips and its difference from the baseline.",
    ),
    "goal": (
        "find the rate multiplier that meets a slip target",
        "Find the smallest uniform completion-rate multiplier (for every agency, or only "
        "the listed ones) that makes P(slips <= N) reach the probability, by bisection on "
        "common-random-number simulations, and rank the agencies whose acceleration "
        "saves the most slips.",
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    # A shell starts background jobs with SIGINT ignored, and Python then never raises KeyboardInterrupt: restore
    # it, so Ctrl-C or `kill -INT` always stops a run cleanly (exit 130), however the command was started.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is printed escaped, not a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code = args.run(args) or 0
        for line in cache_summaries():  # hits and misses of the fitted models and backtest cutoffs it kept
            print(f"forecast {args.command}: {line}", file=sys.stderr)
        return code
    except ForecastError as exc:
        print(f"forecast {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except OSError as exc:  # a disk or permission error the kit did not foresee: one line naming the path
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"forecast {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("forecast: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="forecast", description=("Forecast how many Resolution 57 programme tasks will slip past their deadline.")
    )
    parser.add_argument("--version", action="version", version=f"forecast {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _command(sub, "validate", commands.validate)
    _data_args(p, "params file (snapshot folder, extra status_labels)")

    p = _command(sub, "sample", commands.sample)
    p.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder, or an earlier sample's")
    p.add_argument(
        "--tasks", type=_whole(limits.SAMPLE_TASKS), default=1287, metavar="N", help="number of tasks (default 1287)"
    )
    p.add_argument("--seed", type=_whole(limits.SEED), default=37, metavar="S", help="random seed (default 37)")
    p.add_argument("--start", type=_date, default=date(2025, 3, 6), metavar="DATE", help="first snapshot")
    p.add_argument("--until", type=_date, default=date(2025, 12, 4), metavar="DATE", help="last snapshot")
    p.add_argument("--format", choices=("csv", "parquet", "xlsx"), default="csv", help="file format")
    p.add_argument(
        "--december",
        type=_number(limits.DECEMBER),
        metavar="X",
        help="December: completion hazard x X from 5 to 31 Dec 2025 (1: like the history); default: a year-end "
        "push drawn from the reference class of past year ends for the seed (none at the chance it gives a "
        "December like the autumn; see forecast.sample)",
    )

    p = _command(sub, "predict", commands.predict)
    _forecast_args(p)
    p.add_argument("--published", metavar="FILE", help="forecast from the published figures file alone instead")
    _json_arg(p)
    _table_file_args(p, "--tasks-out", "the early-warning list (every open task, P(slip))")

    p = _command(sub, "backtest", commands.backtest)
    _data_args(p, "params file (snapshots, horizon_days, seed, status_labels)")
    p.add_argument(
        "--horizon", type=_whole(limits.HORIZON_DAYS), metavar="DAYS", help="forecast horizon (default 27: 4 -> 31 Dec)"
    )
    p.add_argument("--models", metavar="A,B", help=f"models to score, of {', '.join(MODELS)}, published (default: all)")
    p.add_argument(
        "--sims", type=_whole(limits.SIMS), default=2000, metavar="N", help="runs per forecast (default 2000)"
    )
    p.add_argument("--seed", type=_whole(limits.SEED), metavar="S", help="random seed")
    _json_arg(p)
    _table_file_args(p, "--out", "the per-cutoff scores")

    p = _command(sub, "prior", commands.prior)
    _data_args(p, "params file (snapshots, as_of, year_end.reference)")
    p.add_argument("--reference", metavar="FILE", help="reference class CSV (default: the params', else the kit's)")
    p.add_argument("--as-of", type=parse_date, metavar="DATE", help="as-of date of the forecast effects")
    p.add_argument("--sims", type=_whole(limits.SIMS), metavar="N", help=argparse.SUPPRESS)
    p.add_argument("--seed", type=_whole(limits.SEED), metavar="S", help=argparse.SUPPRESS)
    p.add_argument("--no-forecast", action="store_true", help="the prior and its tables only (no data read)")
    _json_arg(p)

    p = _command(sub, "params", commands.show_params)
    p.add_argument("file", nargs="?", metavar="FILE", help="params file")
    p.add_argument("--show", metavar="FILE", help="the same, as an option")

    p = _command(sub, "report", commands.report)
    _report_arguments(p)

    p = _command(sub, "schedule", commands.schedule)
    _report_arguments(p)
    p.add_argument("--cron", required=True, metavar="EXPR", help='five-field cron expression, e.g. "0 6 * * MON"')
    p.add_argument("--max-runs", type=_whole((1, 10**9)), metavar="N", help="stop after N runs (default: never)")
    _scenario_parsers(sub)
    return parser


def _command(sub, name: str, run) -> argparse.ArgumentParser:
    """The subcommand ``name``, with its texts from ``_TEXTS``, that runs ``run(args)``."""
    help_text, description = _TEXTS[name]
    p = sub.add_parser(name, help=help_text, description=description)
    p.set_defaults(run=run)
    return p


def _data_args(p: argparse.ArgumentParser, params_help: str) -> None:
    p.add_argument(
        "--snapshots",
        metavar="DIR",
        help="folder of snapshot exports (default: the params file's, else the bundled synthetic sample)",
    )
    p.add_argument("--params", metavar="FILE", help=params_help)


def _json_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")


def _table_file_args(p: argparse.ArgumentParser, option: str, what: str) -> None:
    """``option FILE`` writing ``what`` as a table file, and ``--force`` to replace it."""
    p.add_argument(option, metavar="FILE", help=f"write {what} as .csv, .xlsx or .parquet")
    p.add_argument("--force", action="store_true", help=f"replace {option} if it exists")


def _forecast_args(p: argparse.ArgumentParser) -> None:
    _data_args(p, "params file; the options below override it")
    p.add_argument(
        "--as-of",
        type=_date,
        metavar="DATE",
        help="forecast date, YYYY-MM-DD or dd/mm/yyyy (default: the last snapshot)",
    )
    p.add_argument(
        "--deadline",
        type=_date,
        metavar="DATE",
        help="deadline, YYYY-MM-DD or dd/mm/yyyy (default: 31 Dec of the as-of year)",
    )
    p.add_argument(
        "--model",
        metavar="NAME",
        help=f"combined (the models pooled: the headline) or one of {', '.join(MODELS)} "
        "(default: the params file's, else combined)",
    )
    p.add_argument("--sims", type=_whole(limits.SIMS), metavar="N", help="Monte Carlo runs (default 10000)")
    p.add_argument("--seed", type=_whole(limits.SEED), metavar="S", help="random seed (default 2025)")


def _report_arguments(p: argparse.ArgumentParser) -> None:
    from forecast import paths

    p.add_argument("--params", required=True, metavar="FILE", help="params file, e.g. params/baseline.yaml")
    p.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter in place of the params file's (repeatable; the value is YAML, e.g. -p as_of=2025-11-27 "
        "-p scenario=finance -p sims=2000), validated as the file is",
    )
    p.add_argument(
        "--language",
        choices=LANGUAGES,
        help="the report's language: en (English) or vi (Vietnamese) (default: the params file's, else en)",
    )
    p.add_argument(
        "--out",
        default=str(paths.REPORTS_DIR),
        metavar="DIR",
        help="folder of run folders and index.html (default: the kit's reports/)",
    )
    p.add_argument(
        "--notebooks",
        default=str(paths.NOTEBOOKS_DIR),
        metavar="DIR",
        help="folder of notebooks to run, in name order (default: the kit's notebooks/)",
    )


def _date(text: str) -> date:
    """An argparse type: a date by the kit's one parser; an empty one is refused (it is not "the default")."""
    if (day := parse_date(text)) is None:
        raise argparse.ArgumentTypeError(f"{text!r} is an empty date ({ACCEPTED_DATES}); leave out the option")
    return day


def _bounded(cast: type, bounds: tuple[float, float]):
    """An argparse type: a whole number (``cast`` int) in ``[lo, hi]``, or a finite number (float) in ``(lo, hi]``."""
    lo, hi = bounds
    whole = cast is int
    meaning = f"a whole number from {lo:,} to {hi:,}" if whole else f"a number greater than {lo:g} and at most {hi:g}"

    def parse(text: str):
        try:
            value = cast(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and (lo <= value if whole else lo < value) and value <= hi):
            raise argparse.ArgumentTypeError(f"must be {meaning}, not {text!r}")
        return value

    return parse


def _whole(bounds: tuple[int, int]):
    return _bounded(int, bounds)


def _number(bounds: tuple[float, float]):
    return _bounded(float, bounds)


def _scenario_parsers(sub) -> None:
    p = _command(sub, "scenario", commands.scenario)
    p.add_argument("files", nargs="*", metavar="FILE", help="scenario files (default: the params file's scenarios)")
    p.add_argument("--check", action="store_true", help="only validate the scenario files (no data needed)")
    _forecast_args(p)
    _json_arg(p)
    p.add_argument("--wide", action="store_true", help="print every column (default: tables under 100 characters)")

    p = _command(sub, "goal", commands.goal)
    p.add_argument(
        "--target-slips",
        required=True,
        type=_whole(limits.TARGET_SLIPS),
        metavar="N",
        help="at most this many tasks slipping",
    )
    p.add_argument(
        "--probability",
        type=_number((0.0, 0.999999)),
        default=0.8,
        metavar="P",
        help="with at least this probability, between 0 and 1 (default 0.8)",
    )
    p.add_argument("--agencies", metavar="A,B", help="accelerate only these agencies (comma-separated)")
    cap_help = "largest multiplier tried, more than 1 and at most 1000 (default 20)"
    p.add_argument("--cap", type=_number(limits.GOAL_CAP), default=20.0, metavar="X", help=cap_help)
    _forecast_args(p)
    _json_arg(p)
    p.add_argument("--wide", action="store_true", help="print every column (default: tables under 100 characters)")


if __name__ == "__main__":
    sys.exit(main())
