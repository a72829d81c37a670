"""The forecast as a user asks for it: from a snapshot folder (or the published figures) to a :class:`SlipForecast`.

The open set at the as-of date T is every non-regular task open in the latest snapshot on or before T whose own
deadline is on or before the deadline D (on-schedule tasks due by D plus every overdue one). A task slips if it is
not completed by the end of D.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from .errors import ForecastError
from .history import build_history, open_set
from .models import MODELS, make_model
from .models.base import SlipModel
from .params import Params
from .published import load_published
from .published_model import published_forecast
from .simulate import SlipForecast, simulate
from .snapshots import Snapshots, fingerprint, load_snapshots


@dataclass(frozen=True)
class Problem:
    """What is being forecast: the open set at ``as_of`` and the deadline it must be finished by."""

    snapshots: Snapshots
    as_of: pd.Timestamp
    deadline: pd.Timestamp
    tasks: pd.DataFrame


def resolve_dates(snaps: Snapshots, as_of=None, deadline=None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(as-of snapshot, deadline): the last snapshot on or before ``as_of`` (default: the last one) and
    ``deadline`` (default: 31 Dec of that snapshot's year). The one place these defaults live."""
    dates = snaps.dates
    asked = pd.Timestamp(as_of) if as_of is not None else dates[-1]
    if asked < dates[0]:
        raise ForecastError(f"as_of {asked.date()} is before the first snapshot ({dates[0].date()})")
    when = dates[dates <= asked][-1]
    due = pd.Timestamp(deadline) if deadline is not None else pd.Timestamp(year=when.year, month=12, day=31)
    if due < when:
        raise ForecastError(f"deadline {due.date()} is before the as-of snapshot {when.date()}")
    return when, due


def resolve(snaps: Snapshots, as_of=None, deadline=None) -> Problem:
    """The open set at the as-of snapshot, due by the deadline (see :func:`resolve_dates`)."""
    when, due = resolve_dates(snaps, as_of, deadline)
    return Problem(snaps, when, due, open_set(build_history(snaps, when), due))


def fit(params: Params, snaps: Snapshots, model: str | None = None) -> tuple[Problem, SlipModel]:
    """The forecast problem and ``model`` (default ``params.model``) fitted on the snapshots up to its as-of date."""
    problem = resolve(snaps, params.as_of, params.deadline)
    return problem, make_model(model or params.model).fit(snaps, problem.as_of)


def forecast(params: Params, snaps: Snapshots | None = None, model: str | None = None) -> SlipForecast:
    """Fit ``model`` (default ``params.model``) on the snapshots up to the as-of date and simulate the open set to
    the deadline."""
    snaps = snaps if snaps is not None else load_snapshots(params.snapshots, params.status_labels)
    problem, fitted = fit(params, snaps, model)
    return forecast_fitted(problem, fitted, params, snaps)


def forecast_fitted(problem: Problem, model: SlipModel, params: Params, snaps: Snapshots) -> SlipForecast:
    """Simulate ``problem``'s open set with an already fitted ``model`` (``params.sims`` runs, ``params.seed``)."""
    sampler = model.sampler(problem.tasks, problem.as_of, problem.deadline)
    result = simulate(sampler, problem.tasks, params.sims, params.seed, model=model.name, as_of=problem.as_of,
                      deadline=problem.deadline, data_fingerprint=snaps.fingerprint)
    return _with_meta(result, synthetic=snaps.synthetic)


def open_over_time(problem: Problem, model: SlipModel, sims: int, seed: int, every_days: int = 7) -> pd.DataFrame:
    """The fan: how many of the open tasks are still open at dates from the as-of date to the deadline.

    One simulation per date with the same seed: with the hazard model a later date shares every earlier draw, so
    the fan narrows consistently. Columns ``date, mean, p10, p50, p90``.
    """
    dates = [*pd.date_range(problem.as_of, problem.deadline, freq=f"{every_days}D"), problem.deadline]
    rows = []
    for when in sorted(set(dates)):
        fc = simulate(model.sampler(problem.tasks, problem.as_of, when), problem.tasks, sims, seed,
                      model=model.name, as_of=problem.as_of, deadline=when)
        rows.append({"date": when, **fc.summary()})
    return pd.DataFrame(rows)


def compare_models(params: Params, snaps: Snapshots, models: tuple[str, ...] = tuple(MODELS)) -> pd.DataFrame:
    """Every task-level model and the published-figures forecast on the same question: one row each, with
    ``model, open_tasks, mean, p10, p50, p90``."""
    results = [forecast(params, snaps, name) for name in models]
    results.append(forecast_published(params))
    return pd.DataFrame([{"model": r.model, "open_tasks": len(r.tasks), **r.summary()} for r in results])


def forecast_published(params: Params) -> SlipForecast:
    """The forecast from the published aggregate figures alone."""
    figures = load_published(params.published)
    result = published_forecast(figures, params.sims, params.seed,
                                deadline=params.deadline or pd.Timestamp("2025-12-31"))
    return _with_meta(result, data_fingerprint=fingerprint([params.published]))


def _with_meta(result: SlipForecast, **extra) -> SlipForecast:
    meta = {**result.meta, **{k: v for k, v in extra.items() if k != "data_fingerprint"}}
    return replace(result, meta=meta, data_fingerprint=extra.get("data_fingerprint", result.data_fingerprint))

