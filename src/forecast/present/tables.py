"""Tables the notebooks show, shaped here so cells stay one line and the shaping is tested, and the exploration
tables behind them (Kaplan-Meier curves of time to completion, statsmodels ``SurvfuncRight``).

Every function takes the kit's own frames (a task history from :func:`forecast.data.history.build_history`, the
long snapshot frame, the published figures) and returns a plain DataFrame. Plain frames render through pandas'
escaped HTML, so text from the exports (titles, agency names) always appears as text in a report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from forecast.data import schema
from forecast.data.history import build_history
from forecast.data.question import year_end
from forecast.errors import Problem
from forecast.models import design
from forecast.present.i18n import N_, agency_name, number, problem_words
from forecast.present.i18n import gettext as _
from forecast.scenarios.compare import AGENCY_EFFECT_COLUMNS

MATCH_DAYS = 7  # a published figure is compared with the nearest snapshot at most this many days away
MIN_AT_RISK = 5  # a Kaplan-Meier curve stops where fewer tasks than this remain at risk


def agency_table(history: pd.DataFrame, deadline: object) -> pd.DataFrame:
    """Per agency at the history's as-of date: tasks, completed, open, overdue and open tasks due by ``deadline``.

    Only tasks in the latest snapshot count (as in :func:`forecast.open_set`); regular tasks count in ``tasks``
    alone. An "All agencies" total row first (a table cut to its first rows keeps it), then the agencies by
    ``due_by_deadline`` then ``open``, largest first.
    """
    hist = history.loc[history["present"]]
    is_open = hist["status"].isin(schema.OPEN)
    due = schema.open_and_due(hist, deadline)
    flags = pd.DataFrame(
        {
            "agency": hist["agency"].astype(str),
            "tasks": 1,
            "completed": hist["status"].isin(schema.COMPLETED),
            "open": is_open,
            "overdue": hist["status"] == schema.OVERDUE,
            "due_by_deadline": due,
        }
    )
    table = flags.groupby("agency").sum().astype("int64")
    table = table.sort_values(["due_by_deadline", "open", "tasks"], ascending=False)
    total = table.sum().to_frame("All agencies").T.astype("int64")
    return pd.concat([total, table]).rename_axis("agency")


def overdue_tasks(history: pd.DataFrame, as_of: object, limit: int = 20) -> pd.DataFrame:
    """The ``limit`` overdue tasks of the latest snapshot that are longest past their deadline.

    Columns ``agency, title, deadline, days_overdue`` (whole days from deadline to ``as_of``), indexed by task id.
    """
    hist = history.loc[history["present"] & (history["status"] == schema.OVERDUE)]
    out = hist[["agency", "title", "deadline"]].copy()
    out["agency"] = out["agency"].astype(str)
    out["days_overdue"] = (pd.Timestamp(as_of) - out["deadline"]).dt.days
    out["deadline"] = out["deadline"].dt.date
    return out.sort_values(["days_overdue", "agency"], ascending=[False, True]).head(limit)


def agency_status_counts(history: pd.DataFrame, agency: str) -> pd.DataFrame:
    """One agency's tasks by status at each snapshot, shaped as
    :meth:`forecast.data.snapshots.Snapshots.status_counts` (a row per snapshot date, a column per status and
    ``total``). ``history`` is
    :attr:`forecast.present.rundata.RunData.agency_history` (``snapshot_date, agency, status, tasks``)."""
    rows = history.loc[history["agency"] == agency]
    counts = rows.pivot_table(index="snapshot_date", columns="status", values="tasks", aggfunc="sum", fill_value=0)
    counts.columns = [str(c) for c in counts.columns]
    counts["total"] = counts.sum(axis=1)
    return counts


def scenario_effects(comparison) -> pd.DataFrame:
    """Per planner scenario and agency (every agency with open tasks in the baseline or the scenario): open tasks
    and expected slips in both, and the mean, P10 and P90 of the per-run change (zeros where the scenario leaves
    the agency alone). ``comparison`` is :class:`forecast.scenarios.compare.Comparison`."""
    columns = list(AGENCY_EFFECT_COLUMNS)
    frames = []
    for result in comparison.results:
        changed = result.agency_differences()
        base = result.baseline.by_agency()
        same = base.loc[~base["agency"].isin(changed["agency"])]
        alone = pd.DataFrame(
            {
                "agency": same["agency"],
                "open_baseline": same["open"],
                "open_scenario": same["open"],
                "slip_baseline": same["slip_mean"],
                "slip_scenario": same["slip_mean"],
                "difference": 0.0,
                "difference_p10": 0,
                "difference_p90": 0,
            }
        )
        frames.append(pd.concat([changed, alone], ignore_index=True).assign(scenario=result.scenario.name))
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


_SPLIT = {
    "completed": N_("completed by the deadline"),
    "moved": N_("moved out of the window"),
    "slipped": N_("slipped past the deadline"),
}
_DECEMBERS = {
    "year_end": N_("if December runs like past year-end reviews"),
    "autumn": N_("if December runs like the autumn"),
}


def split_table(split: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """What happens to the open tasks (:meth:`forecast.engine.simulate.SlipForecast.split`), a row per part in words:
    ``part, tasks_mean, p10, p50, p90`` (tasks, not slips: the parts add up to the open tasks)."""
    rows = [
        {"part": _SPLIT.get(k, k), "tasks_mean": v["mean"], **{q: v[q] for q in ("p10", "p50", "p90")}}
        for k, v in split.items()
    ]
    return pd.DataFrame(rows, columns=["part", "tasks_mean", "p10", "p50", "p90"])


def year_end_table(year_end: Mapping[str, Any]) -> pd.DataFrame:
    """The headline's two Decembers (the combined forecast's ``meta["year_end"]``), a row each in words:
    ``forecast, weight`` (its share of the headline), slipped ``mean, p10, p90`` and the means of the tasks
    ``completed_mean`` and ``moved_mean``."""
    cols = ["forecast", "weight", "mean", "p10", "p90", "completed_mean", "moved_mean"]
    if not year_end.get("applied"):
        return pd.DataFrame(columns=cols)
    rows = []
    for key, words in _DECEMBERS.items():
        part = year_end[key]
        weight = year_end["weight"] if key == "year_end" else 1 - year_end["weight"]
        split = part["split"]
        rows.append(
            {
                "forecast": words,
                "weight": weight,
                "mean": part["mean"],
                "p10": part["p10"],
                "p90": part["p90"],
                "completed_mean": split["completed"]["mean"],
                "moved_mean": split["moved"]["mean"],
            }
        )
    return pd.DataFrame(rows, columns=cols)


_KINDS = {
    "december_multiplier": N_("a push's December pace against an ordinary month"),
    "year_end_overdue": N_("the overdue share at a year end against the share before it"),
    "onset": N_("how far into the month the push began (share of the month)"),
    "carry_over": N_("tasks that left the programme against those still overdue"),
    "no_push": N_("a regime with no year-end push"),
    "context": N_("shown for context, not used"),
}


def reference_table(prior: Any) -> pd.DataFrame:
    """The reference class behind the year-end prior (:func:`forecast.models.outside_view.contributions`), a row per
    figure in words: ``population, date, says`` (what kind of figure), ``figure`` (its number by the unit's
    formula), ``prior_percentile`` (where it falls in the fitted prior) and ``source_url``."""
    from forecast.models.outside_view import contributions

    rows = contributions(prior)
    return pd.DataFrame(
        {
            "population": rows["population"],
            "date": rows["date"],
            "says": rows["kind"].map(_KINDS),
            "figure": rows["evidence"].round(3),
            "prior_percentile": rows["prior_percentile"],
            "source_url": rows["source_url"],
        }
    )


def regime_table(prior: Any, regime: Any) -> pd.DataFrame:
    """The year-end regime before and after the December snapshots: a row per quantity, ``quantity, prior,
    with_december`` (``prior``: :class:`forecast.models.outside_view.YearEndPrior`; ``regime``: a fitted hazard model's
    ``regime_``)."""
    before, now = prior.summary(), regime.summary()
    return pd.DataFrame(
        [
            (N_("chance of a year-end push"), 1 - before["no_push_weight"], now["weight"]),
            (
                N_("a push's December pace against the autumn (median)"),
                before["multiplier_median"],
                now["multiplier_median"],
            ),
            (
                N_("year-end overdue share against the share before it (median)"),
                before["backlog_median"],
                now["backlog_median"],
            ),
            (
                N_("share carried over at the year-end review (mean; median now)"),
                before["carry_over_mean"],
                now["carry_over_median"],
            ),
        ],
        columns=["quantity", "prior", "with_december"],
    )


CONFIDENCE = (0.5, 0.7, 0.85, 0.95)  # the planner's levels (Magennis; ActionableAgile's "with 85 % confidence")


def confidence_levels(totals: np.ndarray, levels: Iterable[float] = CONFIDENCE) -> pd.DataFrame:
    """ "At most N slip with c confidence": for each level c, the smallest N with P(slips <= N) >= c over the
    simulation runs (``totals``: slips per run). Columns ``confidence, at_most``."""
    values, levels = np.asarray(totals), list(levels)
    at_most = np.quantile(values, levels, method="inverted_cdf").astype(int) if len(values) else [None] * len(levels)
    return pd.DataFrame({"confidence": levels, "at_most": at_most})


def target_chances(totals: np.ndarray, targets: Iterable[int]) -> pd.DataFrame:
    """For each target, the chance that at most that many tasks slip: ``target, probability`` (``totals``: slips
    per simulation run)."""
    values = np.asarray(totals)
    rows = [
        {"target": int(t), "probability": float(np.mean(values <= t)) if len(values) else float("nan")} for t in targets
    ]
    return pd.DataFrame(rows, columns=["target", "probability"])


def open_due_history(snaps, as_of: object, deadline: object, last: int = 12) -> pd.DataFrame:
    """At each of the ``last`` snapshots up to ``as_of``: ``date`` and ``open``, the tasks open (in progress or
    overdue, not regular) and due by ``deadline`` then; at the as-of snapshot this is the forecast's open set."""
    frame = snaps.until(as_of).frame
    due = schema.open_and_due(frame, deadline)
    counts = due.groupby(frame["snapshot_date"]).sum().astype("int64")
    return counts.rename("open").rename_axis("date").reset_index().tail(last).reset_index(drop=True)


def published_comparison(
    published: pd.DataFrame, frame: pd.DataFrame, scope_sources: Mapping[str, tuple[str, ...] | None]
) -> pd.DataFrame:
    """Each published figure that task-level data can reproduce, beside the count in the nearest snapshot.

    ``frame`` is the long snapshot frame (pass ``snaps.until(as_of).frame`` to stay as of a date);
    ``scope_sources`` maps each published scope to the export `source` labels it covers (None: every task), as the
    params file's ``scope_sources`` (:data:`forecast.config.params.DEFAULT_SCOPE_SOURCES`: the bundled sample's).
    Columns: ``date, scope, agency, metric, published, snapshot, task_level, difference`` (task level minus published);
    ``date`` and ``snapshot`` are dates. Figures of a scope not in ``scope_sources`` are left out; figures without a
    date, with a metric the data cannot count, whose labels match no task, or with no snapshot within :data:`MATCH_DAYS`
    days get ``task_level`` missing."""
    dates = pd.DatetimeIndex(sorted(frame["snapshot_date"].unique()))
    rows = []
    for fig in published.itertuples(index=False):
        if fig.scope not in scope_sources or fig.metric not in _METRICS:
            continue
        snapshot, count = pd.NaT, float("nan")
        if pd.notna(fig.date) and len(dates):
            nearest = dates[abs(dates - fig.date).argmin()]
            if abs((nearest - fig.date).days) <= MATCH_DAYS:
                snapshot = nearest
                count = _count(frame, nearest, scope_sources[fig.scope], fig.agency, fig.metric)
        rows.append(
            {
                "date": fig.date,
                "scope": fig.scope,
                "agency": fig.agency,
                "metric": fig.metric,
                "published": fig.value,
                "snapshot": snapshot,
                "task_level": count,
            }
        )
    out = pd.DataFrame(rows, columns=["date", "scope", "agency", "metric", "published", "snapshot", "task_level"])
    out["task_level"] = out["task_level"].astype("Int64")
    out["difference"] = out["task_level"] - out["published"]
    for col in ("date", "snapshot"):
        out[col] = pd.to_datetime(out[col]).dt.date
    return out


# metric -> rows of one snapshot (a frame) that it counts
_METRICS = {
    "assigned": lambda s: pd.Series(True, index=s.index),
    "completed": lambda s: s["status"].isin(schema.COMPLETED),
    schema.COMPLETED_ON_TIME: lambda s: s["status"] == schema.COMPLETED_ON_TIME,
    schema.COMPLETED_LATE: lambda s: s["status"] == schema.COMPLETED_LATE,
    schema.IN_PROGRESS: lambda s: s["status"] == schema.IN_PROGRESS,
    schema.OVERDUE: lambda s: s["status"] == schema.OVERDUE,
    schema.REGULAR: lambda s: s["status"] == schema.REGULAR,
    "behind_schedule": lambda s: s["status"].isin([schema.COMPLETED_LATE, schema.OVERDUE]),
    "in_progress_due_by_year_end": lambda s: (
        (s["status"] == schema.IN_PROGRESS) & (s["deadline"] <= year_end(s["snapshot_date"].iloc[0]))
    ),
    "to_finish_by_year_end": lambda s: schema.open_and_due(s, year_end(s["snapshot_date"].iloc[0])),
}


def _count(frame: pd.DataFrame, when: pd.Timestamp, sources: tuple[str, ...] | None, agency: str, metric: str) -> float:
    snap = frame.loc[frame["snapshot_date"] == when]
    if sources is not None:
        snap = snap.loc[snap["source"].isin(sources)]
    if agency:
        snap = snap.loc[snap["agency"] == agency]
    if snap.empty:
        return float("nan")
    return float(_METRICS[metric](snap).sum())


def problems_table(problems: Iterable[Problem]) -> pd.DataFrame:
    """One row per data problem: ``severity, file, rows, column, message``, in the order found."""
    rows = [
        {
            "severity": p.severity,
            "file": p.file or "",
            "rows": ", ".join(map(str, p.rows)),
            "column": p.column or "",
            "message": problem_words(p),
        }
        for p in problems
    ]
    return pd.DataFrame(rows, columns=["severity", "file", "rows", "column", "message"])


def completion_times(data, as_of=None) -> pd.DataFrame:
    """Per non-regular task observed at risk: ``agency, entry, time, completed`` in days since assignment."""
    hist = build_history(data, as_of)
    hist = hist.loc[~hist["regular"] & hist["deadline"].notna()]
    origin = design.task_origin(hist)
    end = hist["completed_hi"].where(hist["completed"], hist["last_seen"])
    time = (end - origin).dt.days.clip(lower=0)
    entry = (hist["first_seen"] - origin).dt.days.clip(lower=0)
    out = pd.DataFrame(
        {"agency": hist["agency"].astype(str), "entry": entry, "time": time, "completed": hist["completed"].astype(int)}
    )
    return out.loc[out["time"] > out["entry"]]  # seen only once, or first seen completed: no time at risk


def kaplan_meier(data, as_of=None, min_tasks: int = 15) -> pd.DataFrame:
    """Tidy KM curves: ``group, tasks, days, at_risk, survival, lower, upper`` (pointwise 95 %). One group per
    agency with at least ``min_tasks`` tasks, plus "All tasks"; ``tasks`` is the group's size. Each curve stops
    before the first time fewer than :data:`MIN_AT_RISK` tasks are at risk: past that a single task moves the curve
    to 0 or leaves it flat, which reads as a finding and is not one."""
    from statsmodels.duration.survfunc import SurvfuncRight  # statsmodels is slow to import: only when asked

    times = completion_times(data, as_of)
    groups = [("All tasks", times)]
    sizes = times["agency"].value_counts()
    groups += [(a, times.loc[times["agency"] == a]) for a in sizes.index[sizes >= min_tasks]]
    frames = []
    for name, g in groups:
        if g["completed"].sum() == 0:
            continue
        sf = SurvfuncRight(g["time"].to_numpy(float), g["completed"].to_numpy(), entry=g["entry"].to_numpy(float))
        half = 1.96 * np.nan_to_num(sf.surv_prob_se)
        curve = pd.DataFrame(
            {
                "group": name,
                "tasks": len(g),
                "days": sf.surv_times,
                "at_risk": sf.n_risk,
                "survival": sf.surv_prob,
                "lower": np.clip(sf.surv_prob - half, 0, 1),
                "upper": np.clip(sf.surv_prob + half, 0, 1),
            }
        )
        few = np.flatnonzero(curve["at_risk"].to_numpy() < MIN_AT_RISK)
        frames.append(curve.iloc[: few[0]] if len(few) else curve)
    columns = ["group", "tasks", "days", "at_risk", "survival", "lower", "upper"]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def at_risk(km: pd.DataFrame, days: Iterable[int] = (0, 60, 120, 180, 240, 300)) -> pd.DataFrame:
    """Tasks still at risk (assigned, seen and not yet completed) at each of ``days``, one row per curve of
    ``km`` (:func:`kaplan_meier`); missing where the curve has stopped."""
    rows = {}
    for name, group in km.groupby("group", sort=False):
        curve = group.sort_values("days")
        # at risk at day d: those at risk at the first completion on or after d
        values = {}
        for d in days:
            later = curve.loc[curve["days"] >= d, "at_risk"]
            values[_("day {d}").format(d=number(d))] = int(later.iloc[0]) if len(later) else None
        shown = _("All tasks") if name == "All tasks" else agency_name(name)
        rows[_("{group} ({n} tasks)").format(group=shown, n=number(int(curve["tasks"].iloc[0])))] = values
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("curve").reset_index()
