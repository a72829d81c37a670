"""The subcommands of ``forecast``: each assembles the parsed arguments and calls library functions.

They print results on stdout and everything else (progress on a terminal, notes, a line for every file written)
on stderr, so ``--json`` output stays clean. User errors are raised as :class:`forecast.errors.ForecastError`;
:func:`forecast.cli.app` prints them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from forecast.core.extras import require
from forecast.data.question import SYNTHETIC_WARNING
from forecast.errors import ForecastError, ReportError, one_line


def _params(args: argparse.Namespace):
    """The params file (or defaults) with the command-line options on top, validated once."""
    from forecast.config.params import Params, load_params, parse_params

    base = load_params(args.params) if args.params else Params()
    values = {k: v for k, v in base.to_dict().items() if k != "source"}
    cli = {
        "snapshots": args.snapshots,
        "as_of": getattr(args, "as_of", None),
        "deadline": getattr(args, "deadline", None),
        "model": getattr(args, "model", None),
        "sims": args.sims,
        "seed": args.seed,
        "published": getattr(args, "published", None),
        "horizon_days": getattr(args, "horizon", None),
    }
    values.update({k: v for k, v in cli.items() if v is not None})
    return parse_params(values, base=Path.cwd(), origin=base.source)


def _progress(done: int, total: int, name: str) -> None:
    """Loading progress on stderr, only when it is a terminal (logs and pipes stay clean)."""
    if sys.stderr.isatty():
        end = "\r\033[K" if done == total else ""
        print(f"\r\033[Kloading snapshot {done}/{total}: {name}", end=end, file=sys.stderr, flush=True)


def _step(text: str) -> None:
    """A long step's name on stderr, only on a terminal; the next step or the output overwrites it."""
    if sys.stderr.isatty():
        print(f"\r\033[K{text}", end="", file=sys.stderr, flush=True)


def _load(params):
    """The params' snapshots, with progress on a terminal."""
    from forecast.data.snapshots import load_snapshots

    snaps = load_snapshots(params.snapshots, params.status_labels, progress=_progress)
    _note_as_of(params, snaps)
    _step(f"building the task history of {len(snaps.frame):,} rows, fitting, simulating")
    return snaps


def _note_as_of(params, snaps) -> None:
    """Say so when the asked as-of date is not a snapshot date and the forecast moves to the snapshot before it."""
    if params.as_of is None:
        return
    asked, dates = pd.Timestamp(params.as_of), snaps.dates
    if asked >= dates[0] and asked not in dates:
        used = dates[dates <= asked][-1]
        print(
            f"forecast: note: as-of {asked.date()} is not a snapshot date; using the last snapshot before it, "
            f"{used.date()}",
            file=sys.stderr,
        )


def _wrote(path: Path, rows: int | None = None) -> None:
    print(f"wrote {rows:,} rows to {path}" if rows is not None else f"wrote {path}", file=sys.stderr)


@contextmanager
def _bar(total: int | None, unit: str) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr while the block runs, only on a terminal (logs and pipes stay clean); yields the
    function each finished step calls with its name."""
    if not sys.stderr.isatty():
        yield lambda _: None
        return
    from tqdm import tqdm

    _step("")
    with tqdm(
        total=total, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True, mininterval=0, miniters=1
    ) as bar:  # every step shown: a handful of slow steps, not thousands

        def tick(name: str) -> None:
            bar.set_postfix_str(name, refresh=False)
            bar.update(1)

        yield tick


def validate(args: argparse.Namespace) -> int:
    from forecast.config.params import Params, load_params
    from forecast.data.history import build_history, trajectory_warnings
    from forecast.data.snapshots import load_snapshots

    params = load_params(args.params) if args.params else Params()
    folder = args.snapshots or params.snapshots
    snaps = load_snapshots(folder, params.status_labels, progress=_progress)
    counts = snaps.status_counts()
    counts.index = counts.index.date
    label = f"{SYNTHETIC_WARNING} " if snaps.synthetic else ""
    print(f"{label}{len(snaps.files)} snapshot(s) in {folder}, fingerprint {snaps.fingerprint}\n")
    print(counts.to_string())
    _step(f"building the task history of {len(snaps.frame):,} rows")
    hist = build_history(snaps)
    problems = [*snaps.warnings, *trajectory_warnings(snaps, history=hist)]
    _step("")
    print(
        f"\n{len(hist)} tasks in all; at {snaps.dates[-1].date()}: "
        + ", ".join(f"{k} {v}" for k, v in counts.iloc[-1].items())
    )
    warnings = [p for p in problems if p.severity != "note"]
    print(f"\n{len(warnings)} warning(s)" + (":" if warnings else ""))
    for p in warnings:
        print(f"  - {p}")
    for p in problems:
        if p.severity == "note":
            print(f"note: {p}")
    return 0


def sample(args: argparse.Namespace) -> int:
    from forecast.sample.files import write_sample

    written = write_sample(
        args.out,
        tasks=args.tasks,
        seed=args.seed,
        start=str(args.start),
        until=str(args.until),
        fmt=args.format,
        december=args.december,
    )
    print(f"wrote {len(written)} SYNTHETIC snapshot exports and a README to {args.out}")
    return 0


def predict(args: argparse.Namespace) -> int:
    import json

    from forecast.cli.text import forecast_table
    from forecast.combine import forecast
    from forecast.core.atomic import check_target
    from forecast.engine.predict import forecast_published
    from forecast.present.output import about, write_table

    params = _params(args)
    protect = [params.snapshots]
    if args.tasks_out:
        check_target(args.tasks_out, force=args.force, protected=protect)  # before the work, not after it
    result = forecast_published(params) if args.published else forecast(params, _load(params))
    if args.tasks_out:
        table = result.early_warning()
        _step("")
        written = write_table(table, args.tasks_out, force=args.force, protected=protect, about=about(result))
        _wrote(written, len(table))
    _step("")
    print(json.dumps(result.to_json(), ensure_ascii=False, indent=2) if args.json else forecast_table(result))
    return 0


def backtest(args: argparse.Namespace) -> int:
    import json

    from forecast.cli.text import backtest_table, published_backtest_table
    from forecast.core.atomic import check_target
    from forecast.data.cache import open_cache
    from forecast.data.published import load_published
    from forecast.data.snapshot_dates import require_intact, require_no_gap
    from forecast.evaluation.backtest import run_backtest
    from forecast.evaluation.published_scores import published_backtest
    from forecast.evaluation.stacking import pool_backtest
    from forecast.present.output import write_table

    params = _params(args)
    if args.out:
        check_target(args.out, force=args.force, protected=[params.snapshots])
    models = [m.strip() for m in args.models.split(",") if m.strip()] if args.models else None
    snaps = _load(params)
    require_no_gap(snaps, snaps.dates[-1])
    require_intact(snaps, snaps.dates[-1])
    kwargs: dict[str, Any] = {"models": models} if models else {}
    figures = load_published(params.published)
    if models:  # "published" among --models asks for the published-figures model on the same cutoffs
        kwargs["models"] = [m for m in models if m != "published"]
    result = run_backtest(
        snaps,
        params.horizon_days,
        sims=params.sims,
        seed=params.seed,
        progress=_step,
        settings=params.model_settings(),
        cache=open_cache(params),
        figures=figures if not models or "published" in models else None,
        **kwargs,
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    result = pool_backtest(result, params.seed)
    transitions = published_backtest(figures, sims=params.sims, seed=params.seed)
    if args.out:
        _wrote(write_table(result.frame, args.out, force=args.force, protected=[params.snapshots]), len(result.frame))
    if args.json:
        records = transitions.assign(
            cutoff=transitions["cutoff"].dt.strftime("%Y-%m-%d"),
            outcome_date=transitions["outcome_date"].dt.strftime("%Y-%m-%d"),
        )
        print(json.dumps({**result.to_json(), "published_transitions": records.round(4).to_dict("records")}, indent=2))
    else:
        print(backtest_table(result) + "\n\n" + published_backtest_table(transitions))
    return 0


def show_params(args: argparse.Namespace) -> int:
    import yaml

    from forecast.config.params import load_params

    if (args.file is None) == (args.show is None):
        raise ForecastError("give one params file: forecast params FILE")
    file = args.file or args.show
    params = load_params(file)
    values = {k: v for k, v in params.to_dict().items() if k != "source"}
    print(f"# {file}, validated; null = the default (as_of: the last snapshot; deadline: 31 Dec of that year)")
    print(yaml.safe_dump(values, sort_keys=False, allow_unicode=True), end="")
    return 0


def prior(args: argparse.Namespace) -> int:
    import json

    from forecast.cli.text import prior_text
    from forecast.engine.predict import prior_effects
    from forecast.models import outside_view

    params = _params(args)
    reference = outside_view.load_reference(args.reference or params.year_end.reference)
    fitted = outside_view.fit_prior(reference)
    contributions = outside_view.contributions(fitted)
    loo = outside_view.leave_one_out(reference)
    effects = None
    if not args.no_forecast:
        priors = {"(none)": fitted}
        for _, r in reference.loc[reference["id"].isin(loo["left_out"])].iterrows():
            try:
                priors[r["id"]] = outside_view.fit_prior(reference.loc[reference["id"] != r["id"]])
            except ForecastError:
                continue
        effects = prior_effects(params, _load(params), priors)
        loo = loo.merge(effects.rename(columns={"prior": "left_out"}), on="left_out", how="left")
    _step("")
    if args.json:
        out = {
            "reference": str(args.reference or params.year_end.reference),
            "prior": fitted.summary(),
            "contributions": json.loads(contributions.to_json(orient="records")),
            "leave_one_out": json.loads(loo.to_json(orient="records")),
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(prior_text(args.reference or params.year_end.reference, len(reference), fitted, contributions, loo, effects))
    return 0


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The ``-p KEY=VALUE`` options of ``report`` and ``schedule``, in order (a key given twice: the last)."""
    from forecast.config.params import parse_override

    given = dict(parse_override(text) for text in args.param)
    if getattr(args, "language", None):  # --language: over the params file's and any -p language=
        given["language"] = args.language
    return given


def report(args: argparse.Namespace) -> int:
    require("report", "forecast report")
    from forecast.report.run import run_report

    result = run_report(args.params, args.out, args.notebooks, overrides=_overrides(args))
    index = Path(args.out) / "index.html"
    if result.status != "ok":  # one line: the cause, and where the failed run is listed
        raise ReportError(
            f"run failed: {one_line(result.message)} (marked failed in {index}: {result.folder}; earlier runs are "
            "unchanged)"
        )
    for name in result.record.get("downloads", []):
        _wrote(result.folder / name)
    states = result.record["notebooks"] + result.record.get("agency_pages", [])
    print(f"wrote {sum(1 for s in states if s.get('html'))} pages to {result.folder}", file=sys.stderr)
    _wrote(index)
    print(f"index: {index}")
    return 0


def schedule(args: argparse.Namespace) -> int:
    from functools import partial

    require("report", "forecast schedule")
    from forecast.report.run import load_run_params, run_report
    from forecast.report.schedule import LOG_NAME, parse_cron, run_schedule

    overrides = _overrides(args)
    load_run_params(args.params, overrides)  # a broken file fails now, not at the first run
    parse_cron(args.cron)
    failures: list[str] = []
    runs = partial(run_report, args.params, args.out, args.notebooks, overrides=overrides)
    failed = run_schedule(args.cron, runs, Path(args.out), max_runs=args.max_runs, failures=failures)
    if failed:
        raise ReportError(
            f"{failed} run(s) failed; the last: {one_line(failures[-1])} (every run is logged in "
            f"{Path(args.out) / LOG_NAME})"
        )
    return 0


def scenario(args: argparse.Namespace) -> int:
    import json

    from forecast.scenarios.levers import load_scenario

    if args.check:
        if not args.files:
            raise ForecastError("name the scenario files to check: forecast scenario --check FILE ...")
        for file in args.files:
            scenario = load_scenario(file)
            print(f"{file}: valid scenario {scenario.name!r}, {len(scenario.levers)} lever(s):")
            print("".join(f"  - {line}\n" for line in scenario.describe()), end="")
        return 0
    from forecast.cli.text import comparison_text
    from forecast.scenarios.compare import compare_scenarios

    params = _params(args)
    files = args.files or params.scenarios
    if not files:
        raise ForecastError(
            "no scenario files: name them (forecast scenario FILE ...) or list them under "
            "`scenarios:` in the params file"
        )
    for file in files:
        load_scenario(file)  # a broken file fails now, before the data is loaded
    snaps = _load(params)
    with _bar(2 * len(files) + 1, "simulation") as tick:
        result = compare_scenarios(params, files, snaps=snaps, progress=tick)
    _step("")
    for r in result.results:
        for warning in r.warnings:
            print(f"forecast scenario: warning: {r.scenario.name}: {warning}", file=sys.stderr)
    print(
        json.dumps(result.to_json(), ensure_ascii=False, indent=2)
        if args.json
        else comparison_text(result, wide=args.wide)
    )
    return 0


def goal(args: argparse.Namespace) -> int:
    import json

    from forecast.cli.text import goal_text
    from forecast.scenarios.goal import goal_seek

    params = _params(args)
    snaps = _load(params)
    with _bar(None, "simulation") as tick:
        result = goal_seek(
            params, args.target_slips, args.probability, args.agencies, args.cap, snaps=snaps, progress=tick
        )
    _step("")
    print(
        json.dumps(result.to_json(), ensure_ascii=False, indent=2) if args.json else goal_text(result, wide=args.wide)
    )
    return 0
