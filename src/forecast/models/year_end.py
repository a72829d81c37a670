"""The year-end regime: what a year-end review does to the open tasks, its prior from the reference class
(:mod:`forecast.models.outside_view`) and what each December snapshot says of it.

**Two Decembers.** Either December runs like the autumn (the hazard model's ordinary-week fit carries on, at a
December pace ``exp(delta)`` that may drift as the fit's pace walk drifts, ``delta ~ N(0, (tau sqrt(weeks))^2)``
from the fit's last period to the window's middle: the *autumn* forecast), or a year-end push acts on the open tasks
on top of that pace (the *year-end* forecast). The prior weight of the second is ``1 - no_push``; the December
snapshots so far update it by Bayes' rule (``weight``), and both the pace and the push.

**A push** starts on an onset day ``t`` of the window (``W`` days, the last of them 31 Dec) and lasts to the year end.
Weekly snapshots cannot tell on which day of a week a push began: the onset days' prior mass (the reference class's
onset weeks, spread evenly over their days) is gathered on the window's first day and on the day after each
snapshot (after the as-of date, on the snapshot cadence), and a push's daily terms are scaled to the prior's mean
onset day ``t0`` (``d = W - t0`` days), not to its own, so its strength does not hang on its onset. On each day from
its onset it acts on an open task by its class on the day (:data:`forecast.models.exposure.YE_CLASSES`):

* the December pace: every class's completion hazard times ``I = 1 + (M - 1) W / d``, so that a push from the
  typical day makes the window as a whole run ``M`` times the autumn's pace;
* the backlog clearance, an added completion hazard per day, the same for every task of a class whatever its own
  pace (a review clears a list): ``2 s a`` for overdue tasks, ``2 (1 - s) a`` for tasks due by the year end (``s``
  the overdue split); tasks due later get none (they are "in time" at a year end);
* exits (carry-over to next year, withdrawal, relabelling): on its onset day (the review) a wave carries a share
  ``q_x`` of the overdue tasks and the tasks due by the year end out of the year.

``a`` is not drawn: it is solved so that a push from the typical day leaves ``rho`` times the overdue tasks at the
window's start still open at the year end, on the portfolio open then (the expected count under the ordinary-week
fit): what the reference class's year-end overdue shares say (a year end's overdue share is ``rho`` times the share
before it). A later push clears less, an earlier one more.

**What the December snapshots say.** Every interval of an open task due by its year end that overlaps a window
(this year's or an earlier year's) has a likelihood under each push: the ordinary-week fit gives its hazard on each
day (``B``, by class and window day, and ``B_0`` outside the window), the push adds to it from its onset, and the
interval ended completed, moved out of the year, or open (competing risks, exact within the interval). The
posterior over pushes is drawn by sequential Monte Carlo from the prior's draws (:func:`_smc`), and the weight of
the year-end forecast is ``(1 - no_push) Z / ((1 - no_push) Z + no_push L_0)``: ``Z`` the push's marginal
likelihood, ``L_0`` the autumn's. The ordinary-week fit is taken at its
posterior mode here (the simulation draws its uncertainty).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from forecast.data import schema
from forecast.data.history import build_history, by_task, open_set
from forecast.data.snapshots import Snapshots, as_of_frame
from forecast.models import exposure
from forecast.models.outside_view import YearEndPrior
from forecast.models.pushes import (
    FIELDS,
    Pushes,
    day_sums,
    log_likelihood,
    observed,
    pushes,
    solve_clearance,
)
from forecast.models.year_end_smc import normalised, smc

PACE_GRID = 121  # points of December's pace's posterior when it runs like the autumn
SEED = (2025, 57)  # the sampler's own stream: a fit is reproducible


def year_end_day(when: object) -> pd.Timestamp:
    return pd.Timestamp(year=pd.Timestamp(when).year, month=12, day=31)


# -- the data: intervals that overlap a window ---------------------------------------------------------------------
def window_rows(data: Snapshots | pd.DataFrame, as_of: object, window_days: int) -> pd.DataFrame:
    """Every interval between consecutive snapshots (up to ``as_of``) of a task open at its start and due by its
    start's year end, whose last day is in that year's last ``window_days`` days or later. ``outcome``: 0 still open
    (and due by the year end), 1 completed, 2 moved out of the year (reclassified as regular, or its deadline moved
    past the year end). Columns: ``task_id, agency, source, assigned_date, first_seen, deadline, start, end, days,
    outcome``."""
    frame = as_of_frame(data.frame if isinstance(data, Snapshots) else data, as_of, levels=False)
    cols = ["task_id", "agency", "source", "assigned_date", "first_seen", "deadline", "start", "end", "days", "outcome"]
    if frame.empty or window_days <= 0:
        return pd.DataFrame(columns=cols)
    if not frame["snapshot_date"].is_monotonic_increasing:
        frame = frame.sort_values("snapshot_date", kind="stable")
    every = frame["snapshot_date"].to_numpy("datetime64[D]")
    dates = np.unique(every)
    # only the snapshots that start or end an interval reaching a year's window are read task by task (a national
    # portfolio's year of weekly exports is 25 million rows; its Decembers, a few million)
    year_end = (dates.astype("datetime64[Y]") + 1).astype("datetime64[D]") - 1
    pair = (dates[:-1] < year_end[:-1]) & (dates[1:] >= year_end[:-1] - (window_days - 1))
    needed = np.isin(every, np.union1d(dates[:-1][pair], dates[1:][pair]))
    if not needed.any():
        return pd.DataFrame(columns=cols)
    first = ~frame["task_id"].duplicated().to_numpy()  # in date order: each task's first row
    first_seen = pd.Series(every[first], index=frame["task_id"].to_numpy()[first])
    f, task, ids = by_task(
        frame.loc[needed], ["snapshot_date", "status", "deadline", "agency", "source", "assigned_date"]
    )
    when = f["snapshot_date"].to_numpy("datetime64[D]")
    status = f["status"]
    due = f["deadline"].to_numpy("datetime64[D]")
    next_date = np.append(dates, np.datetime64("NaT"))[np.searchsorted(dates, when) + 1]
    keep = np.zeros(len(f), dtype=bool)
    keep[:-1] = (task[1:] == task[:-1]) & (when[1:] == next_date[:-1])
    ye = (when.astype("datetime64[Y]") + 1).astype("datetime64[D]") - 1  # 31 Dec of each start's year
    keep &= status.isin(schema.OPEN).to_numpy() & (due <= ye) & (when < ye)
    keep[:-1] &= when[1:] >= ye[:-1] - (window_days - 1)
    keep[-1] = False
    i = np.flatnonzero(keep)
    done = status.iloc[i + 1].isin(schema.COMPLETED).to_numpy()
    regular = status.iloc[i + 1].eq(schema.REGULAR).to_numpy()
    later = (due[i + 1] > ye[i]) & status.iloc[i + 1].isin(schema.OPEN).to_numpy()
    return pd.DataFrame(
        {
            "task_id": ids.at(i).array,
            "agency": f["agency"].iloc[i].astype(str).to_numpy(),
            "source": f["source"].iloc[i].to_numpy(),
            "assigned_date": f["assigned_date"].iloc[i].to_numpy(),
            "first_seen": first_seen.reindex(ids.at(i).array).to_numpy("datetime64[ns]"),
            "deadline": due[i].astype("datetime64[ns]"),
            "start": when[i].astype("datetime64[ns]"),
            "end": when[i + 1].astype("datetime64[ns]"),
            "days": (when[i + 1] - when[i]).astype(np.int64),
            "outcome": np.where(done, 1, np.where(regular | later, 2, 0)).astype(np.int64),
        },
        columns=cols,
    )


# -- the ordinary-week fit's hazards, by class and window day ------------------------------------------------------


@dataclass
class Regime:
    """The year-end regime's posterior: push draws with their probabilities, and the weight of the year-end
    forecast against the autumn one. ``mode`` picks what the sampler draws: ``"blend"`` (the autumn with
    probability ``1 - weight``), ``"autumn"``, ``"year_end"``."""

    weight: float
    prior_weight: float
    window: int
    pushes: Pushes
    probs: np.ndarray  # (draws,) posterior probability of each draw
    draws: dict[str, np.ndarray]
    autumn_pace: np.ndarray  # log pace grid of a December like the autumn ...
    autumn_probs: np.ndarray  # ... and its posterior probabilities
    rows: int
    evidence: dict[str, Any] = field(default_factory=dict)
    mode: str = "blend"

    def with_mode(self, mode: str) -> Regime:
        return replace(self, mode=mode)

    def runs(self, u: np.ndarray) -> Pushes:
        """Each run's December (``u`` uniform per run): a push drawn from the posterior, or the autumn (no push) at a
        pace drawn from its posterior, by the mode: ``"blend"`` (a push when ``u < weight``), ``"autumn"``,
        ``"year_end"``."""
        w = {"autumn": 0.0, "year_end": 1.0}.get(self.mode, self.weight)
        push = u < w
        v = np.where(push, u / max(w, 1e-12), (u - w) / max(1.0 - w, 1e-12))  # uniform again within its branch
        idx = np.minimum(
            np.searchsorted(np.cumsum(self.probs) / self.probs.sum(), v, side="right"), len(self.probs) - 1
        )
        cum = np.cumsum(self.autumn_probs) / self.autumn_probs.sum()
        pace = self.autumn_pace[np.minimum(np.searchsorted(cum, v, side="right"), len(cum) - 1)]
        autumn = Pushes.autumn(pace, self.window)
        drawn = self.pushes.take(idx)
        return Pushes(*(np.where(push, getattr(drawn, f), getattr(autumn, f)) for f in FIELDS))

    def summary(self) -> dict[str, Any]:
        """The posterior in a reader's numbers."""
        p = self.probs

        def q(values: np.ndarray, level: float) -> float:
            order = np.argsort(values)
            at = min(int(np.searchsorted(np.cumsum(p[order]), level)), len(p) - 1)
            return float(values[order][at])

        return {
            "weight": round(self.weight, 4),
            "prior_weight": round(self.prior_weight, 4),
            "december_intervals": self.rows,
            "multiplier_median": round(q(self.draws["multiplier"], 0.5), 3),
            "backlog_median": round(q(self.draws["backlog"], 0.5), 3),
            "onset_median": int(q(self.draws["onset"], 0.5)) + 1,
            "carry_over_median": round(q(self.draws["carry_over"], 0.5), 4),
            "overdue_split_median": round(q(self.draws["overdue_split"], 0.5), 3),
            "december_pace_median": round(float(np.exp(q(self.draws["delta"], 0.5))), 3),
            "autumn_december_pace": round(float(np.exp(self.autumn_pace @ self.autumn_probs)), 3),
            "distinct_draws": len(np.unique(self.draws["multiplier"])),
        }


def window_start_snapshot(data: Snapshots | pd.DataFrame, as_of: object, window: int) -> pd.Timestamp:
    """The last snapshot before the year-end window of ``as_of``'s year (the first snapshot when there is none), or
    ``as_of`` when that is earlier: where the regime's portfolio is taken and the ordinary weeks end."""
    frame = data.frame if isinstance(data, Snapshots) else data
    dates = pd.DatetimeIndex(np.sort(frame["snapshot_date"].unique()))
    before = dates[dates < year_end_day(as_of) - pd.Timedelta(days=window - 1)]
    return min(before[-1] if len(before) else dates[0], pd.Timestamp(as_of))


def fit_regime(model: Any, data: Snapshots | pd.DataFrame, as_of: pd.Timestamp, prior: YearEndPrior) -> Regime:
    """The regime of the year end of ``as_of``'s year for a fitted hazard model (module docstring)."""
    window = model.year_end_days
    ye = year_end_day(as_of)
    t0 = window_start_snapshot(data, as_of, window)
    portfolio = open_set(build_history(data, t0), ye).reset_index()
    overdue = int((portfolio["deadline"] < t0).sum())
    n = len(portfolio)
    day0 = np.datetime64(t0.date(), "D").astype(np.int64)
    ye_day = np.datetime64(ye.date(), "D").astype(np.int64)
    start_sums = day_sums(model, portfolio, np.full(n, day0), np.full(n, ye_day - day0), np.full(n, ye_day))
    rows = window_rows(data, as_of, window)
    seen = None
    if len(rows):
        start = rows["start"].to_numpy("datetime64[D]").astype(np.int64)
        until = (rows["start"].to_numpy("datetime64[Y]") + 1).astype("datetime64[D]").astype(np.int64) - 1
        seen = observed(
            day_sums(model, rows, start, rows["days"].to_numpy(np.int64), until), rows["outcome"].to_numpy()
        )
    rng = np.random.default_rng(list(SEED))
    typical = round(float(np.arange(window) @ prior.onset_days(window)))  # the prior's mean onset day
    onset_p = onset_grid(prior.onset_days(window), data, as_of, window, model.step_days_)

    def loglik(draws: dict[str, np.ndarray]) -> np.ndarray:
        a = solve_clearance(start_sums, draws, window, draws["backlog"] * overdue, typical)
        draws["clearance"] = a
        return log_likelihood(seen, pushes(draws, window, a, typical)) if seen is not None else np.zeros(len(a))

    # December's pace, push or not: the pace walk's drift from the fit's last period to the window's middle
    weeks = max((ye - pd.Timedelta(days=window // 2) - pd.Timestamp(model.fitted_until_)).days / 7.0, 1.0)
    pace_sd = float(model.posterior_.tau * np.sqrt(weeks))
    draws, log_z = smc(prior, onset_p, loglik, rng, pace_sd)
    p = pushes(draws, window, draws["clearance"], typical)
    grid = np.linspace(-6.0 * pace_sd, 6.0 * pace_sd, PACE_GRID)  # the autumn's pace: its posterior on a grid
    log_prior = -0.5 * (grid / pace_sd) ** 2
    log_prior -= np.log(np.exp(log_prior - log_prior.max()).sum()) + log_prior.max()
    log_post = log_prior + (
        log_likelihood(seen, Pushes.autumn(grid, window)) if seen is not None else np.zeros(len(grid))
    )
    top = log_post.max()
    autumn = float(top + np.log(np.exp(log_post - top).sum()))  # the autumn's marginal likelihood
    prior_weight = 1.0 - prior.no_push
    if prior.no_push <= 0:
        weight = 1.0
    elif prior_weight <= 0:
        weight = 0.0
    else:
        log_odds = np.log(prior_weight) + log_z - np.log(prior.no_push) - autumn
        weight = float(1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700))))
    return Regime(
        weight=weight,
        prior_weight=prior_weight,
        window=window,
        pushes=p,
        probs=np.full(len(p.onset), 1.0 / len(p.onset)),
        draws=draws,
        autumn_pace=grid,
        autumn_probs=normalised(log_post),
        rows=len(rows),
        evidence={
            "log_z_push": round(log_z, 3),
            "log_l_autumn": round(autumn, 3),
            "overdue_at_start": overdue,
            "start": str(t0.date()),
        },
    )


def onset_grid(days: np.ndarray, data: Snapshots | pd.DataFrame, as_of: object, window: int, step: int) -> np.ndarray:
    """The onset days' prior (``days``, per window day) gathered on the days a push can be told to start on: the
    window's first day, the day after each snapshot in the window up to ``as_of``, and after it every ``step`` days
    (the snapshot cadence): each takes the mass of the days up to the next."""
    frame = data.frame if isinstance(data, Snapshots) else data
    dates = pd.DatetimeIndex(np.sort(frame["snapshot_date"].unique()))
    dates = dates[dates <= pd.Timestamp(as_of)]
    seen = exposure.window_day(dates.to_numpy("datetime64[D]").astype(np.int64), window)
    last = int(
        exposure.window_day(np.array([np.datetime64(pd.Timestamp(as_of).date(), "D").astype(np.int64)]), window)[0]
    )
    if last < 0:  # the as-of date is before the window: count back from the window's first day
        gap = (year_end_day(as_of) - pd.Timedelta(days=window - 1) - pd.Timestamp(as_of)).days
        last = -gap
    ahead = last + np.arange(0, window + step, max(step, 1))
    cand = np.unique(np.r_[0, seen[seen >= 0] + 1, ahead + 1])
    cand = cand[(cand >= 0) & (cand < window)]
    out = np.zeros(window)
    out[cand] = np.add.reduceat(days, cand)
    return out / out.sum()
