"""The published-figures forecast: slips among the open tasks for someone who has only the public reports.

From ``data/published/figures.csv`` alone:

* **open tasks** at the latest date with a ``to_finish_by_year_end`` figure: ``due`` on-schedule tasks due by the
  deadline (``in_progress_due_by_year_end``) and ``late`` overdue ones;
* **miss share** p, per published date and scope: the share of tasks that came due and missed their deadline,
  ``(completed_late + overdue) / (completed + overdue)`` (``overdue / (completed + overdue)`` where late completions
  are not published);
* **persistence** q, where published: the share of tasks behind schedule still not done,
  ``overdue / behind_schedule`` (behind schedule = completed late + overdue).

Each share gets a Beta distribution whose mean and variance are those of its published values (method of moments):
the spread between dates is the uncertainty. A run draws p and q, then slips = Binomial(due, p) + Binomial(late, q).
The shares mix tasks of every age and deadline, so this ignores the year-end wall of deadlines the task-level models
see; it is a floor for comparison, not a rival.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ForecastError
from ..question import Provenance
from ..simulate import SlipForecast


def _value(frame: pd.DataFrame, date, scope: str, metric: str) -> float | None:
    hit = frame.loc[(frame["date"] == date) & (frame["scope"] == scope) & (frame["metric"] == metric)
                    & (frame["agency"] == "")]
    return float(hit["value"].iloc[0]) if len(hit) else None


def published_shares(figures: pd.DataFrame) -> pd.DataFrame:
    """Per (date, scope): the miss share and, where published, the persistence of late tasks."""
    rows = []
    for (date, scope), _ in figures.loc[figures["date"].notna()].groupby(["date", "scope"]):
        completed, overdue = (_value(figures, date, scope, m) for m in ("completed", "overdue"))
        late, behind = (_value(figures, date, scope, m) for m in ("completed_late", "behind_schedule"))
        if completed is not None and overdue is not None and completed + overdue > 0:
            rows.append({"date": date, "scope": scope, "share": "miss",
                         "value": ((late or 0) + overdue) / (completed + overdue)})
        behind = behind or ((late + overdue) if late is not None and overdue is not None else None)
        if behind and overdue is not None:
            rows.append({"date": date, "scope": scope, "share": "persistence", "value": overdue / behind})
    return pd.DataFrame(rows, columns=["date", "scope", "share", "value"])


def beta_moments(values: np.ndarray) -> tuple[float, float]:
    """Beta(a, b) with the mean and variance of ``values`` (variance floored so one value still gives a spread)."""
    m = float(np.clip(np.mean(values), 1e-3, 1 - 1e-3))
    v = float(np.var(values, ddof=1)) if len(values) > 1 else 0.0
    v = min(max(v, 0.01 * m * (1 - m)), 0.95 * m * (1 - m))
    strength = m * (1 - m) / v - 1
    return m * strength, (1 - m) * strength


def published_forecast(figures: pd.DataFrame, sims: int, seed: int, provenance: Provenance,
                       deadline="2025-12-31") -> SlipForecast:
    """Simulated slips among the published open tasks, in the same shape as the task-level forecast."""
    dated = figures.loc[(figures["metric"] == "to_finish_by_year_end") & figures["date"].notna()]
    if dated.empty:
        raise ForecastError("the published figures have no dated 'to_finish_by_year_end' figure")
    date = dated["date"].max()
    due = _value(figures, date, "all", "in_progress_due_by_year_end")
    late = _value(figures, date, "all", "overdue")
    if due is None or late is None:
        raise ForecastError(f"published figures of {date.date()} lack in_progress_due_by_year_end or overdue")
    shares = published_shares(figures)
    rng = np.random.default_rng([seed, 2])
    p = rng.beta(*beta_moments(shares.loc[shares["share"] == "miss", "value"].to_numpy()), size=sims)
    q = rng.beta(*beta_moments(shares.loc[shares["share"] == "persistence", "value"].to_numpy()), size=sims)
    totals = rng.binomial(int(due), p) + rng.binomial(int(late), q)
    tasks = pd.DataFrame({"status": ["in_progress"] * int(due) + ["overdue"] * int(late)})
    tasks = tasks.assign(p_slip=np.where(tasks["status"] == "overdue", q.mean(), p.mean()))
    return SlipForecast(model="published", as_of=pd.Timestamp(date), deadline=pd.Timestamp(deadline), seed=seed,
                        tasks=tasks, totals=totals, agencies=(), agency_draws=np.zeros((0, sims), dtype=np.int64),
                        provenance=provenance,
                        meta={"shares": {k: round(float(g.mean()), 3)
                                         for k, g in shares.groupby("share")["value"]}})
