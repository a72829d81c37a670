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

import functools
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from forecast.data import schema
from forecast.data.history import build_history, by_task, open_set
from forecast.data.snapshots import Snapshots, as_of_frame
from forecast.models import design, exposure
from forecast.models.base import agency_codes
from forecast.models.outside_view import YearEndPrior

PARTICLES = 2000  # draws of the pushes' posterior (sequential Monte Carlo)
PACE_GRID = 121  # points of December's pace's posterior when it runs like the autumn
MOVES = 4  # Metropolis steps per tempering step
SEED = (2025, 57)  # the sampler's own stream: a fit is reproducible
A_MAX = 5.0  # the backlog clearance's cap, per day
OVERDUE, DUE, LATER = range(3)


def year_end_day(when: object) -> pd.Timestamp:
    return pd.Timestamp(year=pd.Timestamp(when).year, month=12, day=31)


# -- the data: intervals that overlap a window ---------------------------------------------------------------------
def window_rows(data: Snapshots | pd.DataFrame, as_of: object, window_days: int) -> pd.DataFrame:
    """Every interval between consecutive snapshots (up to ``as_of``) of a task open at its start and due by its
    start's year end, whose last day is in that year's last ``window_days`` days or later. ``outcome``: 0 still open
    (and due by the year end), 1 completed, 2 moved out of the year (reclassified as regular, or its deadline moved
    past the year end). Columns: ``task_id, agency, source, assigned_date, first_seen, deadline, start, end, days,
    outcome``."""
    frame = as_of_frame(data.frame if isinstance(data, Snapshots) else data, as_of)
    cols = ["task_id", "agency", "source", "assigned_date", "first_seen", "deadline", "start", "end", "days", "outcome"]
    if frame.empty or window_days <= 0:
        return pd.DataFrame(columns=cols)
    dates = np.sort(frame["snapshot_date"].unique()).astype("datetime64[D]")
    if len(dates) < 2:
        return pd.DataFrame(columns=cols)
    f, task, ids = by_task(frame, ["snapshot_date", "status", "deadline", "agency", "source", "assigned_date"])
    when = f["snapshot_date"].to_numpy("datetime64[D]")
    first = pd.Series(when).groupby(task).transform("min").to_numpy("datetime64[D]")
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
            "first_seen": first[i].astype("datetime64[ns]"),
            "deadline": due[i].astype("datetime64[ns]"),
            "start": when[i].astype("datetime64[ns]"),
            "end": when[i + 1].astype("datetime64[ns]"),
            "days": (when[i + 1] - when[i]).astype(np.int64),
            "outcome": np.where(done, 1, np.where(regular | later, 2, 0)).astype(np.int64),
        },
        columns=cols,
    )


# -- the ordinary-week fit's hazards, by class and window day ------------------------------------------------------
@dataclass(frozen=True, eq=False)
class DaySums:
    """Per row (an interval, or a task over a horizon), at the ordinary-week fit: the completion hazard outside the
    window ``B0`` and its total inside ``B_total``; suffix sums over the window's days from each onset day t =
    0 .. W of the hazard inside (``SB``, all classes) and of the overdue and due-by-year-end days (``SD_o``,
    ``SD_d``), (rows x W + 1) each; and the exit hazard of leaving the year ``X0``."""

    B0: np.ndarray
    B_total: np.ndarray
    SB: np.ndarray
    SD_o: np.ndarray
    SD_d: np.ndarray
    X0: np.ndarray

    def at(self, onset: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(hazard, overdue days, due days) from each draw's onset day on: (rows x draws) each."""
        return self.SB[:, onset], self.SD_o[:, onset], self.SD_d[:, onset]

    def on(self, onset: np.ndarray) -> np.ndarray:
        """1 where a row is open, overdue or due by the year end, on each draw's onset day (rows x draws)."""
        return self.on_day[:, onset]

    @functools.cached_property
    def on_day(self) -> np.ndarray:
        """(rows x W + 1): 1 where a row is open, overdue or due by the year end, on each day of the window."""
        both = self.SD_o + self.SD_d
        return both - np.concatenate([both[:, 1:], np.zeros((len(both), 1))], axis=1)

    def take(self, rows: np.ndarray) -> DaySums:
        return DaySums(
            self.B0[rows], self.B_total[rows], self.SB[rows], self.SD_o[rows], self.SD_d[rows], self.X0[rows]
        )

    def total_hazard(self, p: Pushes) -> np.ndarray:
        """Per draw, the sum over the rows of their completion and exit hazards (they are linear in the push's terms:
        the rows' sums by onset day, then one term per draw)."""
        base, total = float((self.B0 + self.X0).sum()), float(self.B_total.sum())
        sb, so, sd, on = (a.sum(axis=0)[p.onset] for a in (self.SB, self.SD_o, self.SD_d, self.on_day))
        return base + p.pace * (total + (p.intensity - 1.0) * sb) + p.clear_o * so + p.clear_d * sd + p.exit * on


def day_sums(model: Any, rows: pd.DataFrame, start: np.ndarray, days: np.ndarray, until: np.ndarray) -> DaySums:
    """:class:`DaySums` of ``rows`` (``agency, source, assigned_date, first_seen, deadline``) over the days ``start +
    1 .. start + days`` (days since the epoch), at the hazard model's posterior mode: the pace at the walk's level of
    the period each row starts in (the last one after the fit's periods), no year-end effect."""
    window = model.year_end_days
    post = model.posterior_
    x = post.mode
    due = rows["deadline"].to_numpy("datetime64[D]").astype(np.int64)
    theta = x[post.block("theta")].copy()
    theta[exposure.YEAR_END_SLICE] = 0.0
    rate = np.exp(exposure.state_design() @ theta)
    origin = design.task_origin(rows).to_numpy("datetime64[D]").astype(np.int64)
    X = design.design_matrix(
        design.age_band(start - origin), design.source_code(rows["source"], model.sources_), len(model.sources_)
    )
    b = np.r_[x[post.block("b")], 0.0]
    agency = np.minimum(agency_codes(rows["agency"], model.agencies_), len(model.agencies_))
    periods = model.periods_.to_numpy("datetime64[D]").astype(np.int64)
    period = np.clip(np.searchsorted(periods, start, side="right") - 1, 0, len(periods) - 1)
    level = np.exp(X @ x[post.block("beta")] + b[agency] + x[post.block("w")][period])
    n = len(rows)
    B0 = np.zeros(n)
    B = np.zeros((n, 3, window + 1))  # the last day index (W) stays empty: the suffix sum from no onset
    D = np.zeros((n, 3, window + 1))
    for k in range(1, int(np.max(days, initial=0)) + 1):
        live = np.flatnonzero(days >= k)
        day = start[live] + k
        h = level[live] * rate[exposure.state_of(day, due[live], model._milestone_days(), window)]
        wd = exposure.window_day(day, window)
        inside = wd >= 0
        B0[live[~inside]] += h[~inside]
        at = (live[inside], exposure.year_end_class(day[inside], due[live][inside]), wd[inside])
        np.add.at(B, at, h[inside])
        np.add.at(D, at, 1.0)
    suffix = lambda a: np.cumsum(a[..., ::-1], axis=-1)[..., ::-1]  # noqa: E731
    X0 = model.exits_.move_hazard(due, start, days, until) if model.exits_ is not None else np.zeros(n)
    SB = suffix(B).sum(axis=1)
    SD = suffix(D)
    return DaySums(B0, SB[:, 0].copy(), SB, SD[:, OVERDUE], SD[:, DUE], X0)


# -- a push's terms --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pushes:
    """Per draw: onset day (0 .. W - 1, ``W``: none), intensity ``I``, clearance per day on overdue tasks and on tasks
    due by the year end, the exit hazard of the onset day's wave, and December's pace ``exp(delta)`` (every window
    day's ordinary hazard times it, push or not)."""

    onset: np.ndarray
    intensity: np.ndarray
    clear_o: np.ndarray
    clear_d: np.ndarray
    exit: np.ndarray
    pace: np.ndarray

    def take(self, index: np.ndarray) -> Pushes:
        return Pushes(*(getattr(self, f)[index] for f in _FIELDS))

    @classmethod
    def autumn(cls, delta: np.ndarray, window: int) -> Pushes:
        """No push, December's pace ``exp(delta)``."""
        n = len(delta)
        zero = np.zeros(n)
        return cls(np.full(n, window, dtype=np.int64), np.ones(n), zero, zero, zero, np.exp(delta))


def pushes(draws: dict[str, np.ndarray], window: int, clearance: np.ndarray, typical: int) -> Pushes:
    """The per-day terms of each drawn push (module docstring), ``clearance`` its ``a``; the pace and the exits are
    scaled to the ``typical`` onset day, so a push's daily terms do not depend on its own onset (weekly snapshots
    cannot tell which day of a week a push began)."""
    onset = draws["onset"].astype(np.int64)
    after = np.full(len(onset), float(max(window - typical, 1)))
    intensity = np.maximum(1.0 + (draws["multiplier"] - 1.0) * window / after, 0.0)
    split = draws["overdue_split"]
    wave = -np.log1p(-np.clip(draws["carry_over"], 0.0, 1 - 1e-9))
    pace = np.exp(draws["delta"]) if "delta" in draws else np.ones(len(onset))
    return Pushes(onset, intensity, 2 * split * clearance, 2 * (1 - split) * clearance, wave, pace)


def hazards(sums: DaySums, p: Pushes) -> tuple[np.ndarray, np.ndarray]:
    """(completion hazard, exit hazard) of each row under each push: (rows x draws) each."""
    SB, SDo, SDd = sums.at(p.onset)
    Hc = (
        sums.B0[:, None]
        + p.pace * (sums.B_total[:, None] + (p.intensity - 1.0) * SB)
        + p.clear_o * SDo
        + p.clear_d * SDd
    )
    Hx = sums.X0[:, None] + p.exit * sums.on(p.onset)
    return np.maximum(Hc, 0.0), Hx


def solve_clearance(
    sums: DaySums, draws: dict[str, np.ndarray], window: int, target: np.ndarray, typical: int
) -> np.ndarray:
    """Per draw, the clearance ``a >= 0`` (per day) whose expected count still open at the year end, ``S(a) = sum_i
    exp(-(H_i + a C_i))``, is its ``target`` for a push from the ``typical`` onset day: Newton's method on ``log S(a)
    - log target`` from 0 (a log-sum-exp of lines in ``a``: convex and decreasing, so the steps never pass the root,
    and on the log scale they take a few iterations); 0 when the pace alone leaves fewer, :data:`A_MAX` when no
    clearance reaches it."""
    at = {k: v for k, v in draws.items() if k != "delta"}  # at the autumn's pace: rho is against the autumn
    p = pushes({**at, "onset": np.full(len(target), typical)}, window, np.ones(len(target)), typical)
    # the onset is the same for every draw here: the rows' terms are vectors (the same rows counted once, with their
    # number), each draw's matrix an outer product
    terms = np.column_stack(
        [
            sums.B0 + sums.B_total + sums.X0,
            sums.SB[:, typical],
            sums.on_day[:, typical],
            sums.SD_o[:, typical],
            sums.SD_d[:, typical],
        ]
    )
    terms, count = np.unique(terms, axis=0, return_counts=True)
    H0 = terms[:, :1] + np.outer(terms[:, 1], p.intensity - 1.0) + np.outer(terms[:, 2], p.exit)
    C = np.outer(terms[:, 3], p.clear_o) + np.outer(terms[:, 4], p.clear_d)
    count = count[:, None].astype(float)
    a = np.zeros(len(target))
    log_target = np.log(np.maximum(target, 1e-9))
    live = np.ones(len(target), dtype=bool)
    for _ in range(60):
        s = count * np.exp(-(H0[:, live] + a[live] * C[:, live]))
        total = s.sum(axis=0)
        gap = np.log(np.maximum(total, 1e-300)) - log_target[live]
        slope = (C[:, live] * s).sum(axis=0) / np.maximum(total, 1e-300)  # -d log S / da
        step = np.where((gap > 1e-4) & (slope > 1e-12), gap / np.maximum(slope, 1e-12), 0.0)
        a[live] = np.minimum(a[live] + step, A_MAX)
        live[live] = (step > 0) & (a[live] < A_MAX)
        if not live.any():
            break
    return a


def log_likelihood(sums: DaySums, outcome: np.ndarray, p: Pushes) -> np.ndarray:
    """Per draw, the log-likelihood of the window rows (competing risks within each interval): ``-H`` for a row
    still open (summed over those rows at once: :meth:`DaySums.total_hazard`), ``log(1 - exp(-H))`` plus the log of
    the exit's or the completion's share of ``H`` for a row that ended."""
    still = outcome == 0
    out = -sums.take(np.flatnonzero(still)).total_hazard(p) if still.any() else np.zeros(len(p.onset))
    ended = np.flatnonzero(~still)
    if len(ended):
        Hc, Hx = hazards(sums.take(ended), p)
        H = np.maximum(Hc + Hx, 1e-12)
        done = outcome[ended, None] == 1
        out = out + (np.log(-np.expm1(-H)) + np.log(np.maximum(np.where(done, Hc, Hx), 1e-300) / H)).sum(axis=0)
    return out


# -- the posterior ------------------------------------------------------------------------------------------------
_FIELDS = ("onset", "intensity", "clear_o", "clear_d", "exit", "pace")


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
        return Pushes(*(np.where(push, getattr(drawn, f), getattr(autumn, f)) for f in _FIELDS))

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
        seen = day_sums(model, rows, start, rows["days"].to_numpy(np.int64), until)
        outcome = rows["outcome"].to_numpy(np.int64)
    rng = np.random.default_rng(list(SEED))
    typical = round(float(np.arange(window) @ prior.onset_days(window)))  # the prior's mean onset day
    onset_p = onset_grid(prior.onset_days(window), data, as_of, window, model.step_days_)

    def loglik(draws: dict[str, np.ndarray]) -> np.ndarray:
        a = solve_clearance(start_sums, draws, window, draws["backlog"] * overdue, typical)
        draws["clearance"] = a
        return (
            log_likelihood(seen, outcome, pushes(draws, window, a, typical)) if seen is not None else np.zeros(len(a))
        )

    # December's pace, push or not: the pace walk's drift from the fit's last period to the window's middle
    weeks = max((ye - pd.Timedelta(days=window // 2) - pd.Timestamp(model.fitted_until_)).days / 7.0, 1.0)
    pace_sd = float(model.posterior_.tau * np.sqrt(weeks))
    draws, log_z = _smc(prior, onset_p, loglik, rng, pace_sd)
    p = pushes(draws, window, draws["clearance"], typical)
    grid = np.linspace(-6.0 * pace_sd, 6.0 * pace_sd, PACE_GRID)  # the autumn's pace: its posterior on a grid
    log_prior = -0.5 * (grid / pace_sd) ** 2
    log_prior -= np.log(np.exp(log_prior - log_prior.max()).sum()) + log_prior.max()
    log_post = log_prior + (
        log_likelihood(seen, outcome, Pushes.autumn(grid, window)) if seen is not None else np.zeros(len(grid))
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
        autumn_probs=_normalised(log_post),
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


def _log_prior(prior: YearEndPrior, draws: dict[str, np.ndarray], onset_p: np.ndarray, pace_sd: float) -> np.ndarray:
    """The prior's log density of push draws with the onset on the grid ``onset_p`` and December's pace ``delta``
    normal with sd ``pace_sd``."""
    with np.errstate(divide="ignore"):
        onset = np.log(onset_p[draws["onset"].astype(int)])
    return prior.log_density(draws, onset=False) + onset - 0.5 * (draws["delta"] / pace_sd) ** 2


def _smc(
    prior: YearEndPrior, onset_p: np.ndarray, loglik: Any, rng: np.random.Generator, pace_sd: float
) -> tuple[dict[str, np.ndarray], float]:
    """Draws from the pushes' posterior and the log of their marginal likelihood, by sequential Monte Carlo: the
    prior's draws moved to the posterior through likelihoods raised to powers rising from 0 to 1 (each step as far
    as keeps half the draws' weight effective), resampled, and moved by Metropolis steps (a random walk in log M,
    log rho and the shares' logits, scaled to the draws' spread; the onset redrawn from its prior now and then) that
    keep each tempered posterior. The marginal likelihood is the product of the steps' mean weights."""
    n = PARTICLES
    draws = {
        **prior.draw(rng, n),
        "onset": rng.choice(len(onset_p), size=n, p=onset_p),
        "delta": rng.normal(0.0, pace_sd, n),
    }
    ll = loglik(draws)
    beta, log_z = 0.0, 0.0
    while beta < 1.0:
        step = ll - ll.max()
        nxt = 1.0
        if _ess((1.0 - beta) * step) < n / 2:
            lo, hi = beta, 1.0
            for _ in range(50):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if _ess((mid - beta) * step) >= n / 2 else (lo, mid)
            nxt = max(lo, beta + 1e-6)
        inc = (nxt - beta) * ll
        top = inc.max()
        log_z += float(top + np.log(np.mean(np.exp(inc - top))))
        keep = _systematic(_normalised(inc), rng)
        draws = {k: v[keep] for k, v in draws.items()}
        ll = ll[keep]
        beta = nxt
        for _ in range(MOVES):
            draws, ll = _move(draws, ll, beta, prior, onset_p, loglik, rng, pace_sd)
    return draws, log_z


def _move(
    draws: dict[str, np.ndarray],
    ll: np.ndarray,
    beta: float,
    prior: YearEndPrior,
    onset_p: np.ndarray,
    loglik: Any,
    rng: np.random.Generator,
    pace_sd: float,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """One Metropolis step of every draw, keeping prior x likelihood ** beta."""
    z = _to_z(draws)
    n, d = z.shape
    cov = np.cov(z.T) * (2.38**2 / d) + np.eye(d) * 1e-6
    new = _from_z(z + rng.standard_normal((n, d)) @ np.linalg.cholesky(cov).T)
    redraw = rng.random(n) < 0.2
    new["onset"] = np.where(redraw, rng.choice(len(onset_p), size=n, p=onset_p), draws["onset"])
    new_ll = loglik(new)
    # the target in the random walk's coordinates (z), where the step is symmetric; a redrawn onset comes from its
    # prior, whose terms then cancel against the proposal's
    old_t = _log_prior(prior, draws, onset_p, pace_sd) - _log_jacobian(draws) + beta * ll
    new_t = _log_prior(prior, new, onset_p, pace_sd) - _log_jacobian(new) + beta * new_ll
    with np.errstate(divide="ignore"):
        correction = np.where(redraw, np.log(onset_p[draws["onset"]]) - np.log(onset_p[new["onset"]]), 0.0)
    accept = (np.log(rng.random(n)) < new_t - old_t + correction) & np.isfinite(new_t)
    return {k: np.where(accept, new[k], draws[k]) for k in draws}, np.where(accept, new_ll, ll)


def _systematic(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Systematic resampling: indices of ``len(p)`` draws, each kept about ``p * len(p)`` times."""
    n = len(p)
    cum = np.cumsum(p)
    cum[-1] = 1.0
    return np.searchsorted(cum, (rng.random() + np.arange(n)) / n)


def _normalised(log_w: np.ndarray) -> np.ndarray:
    w = np.exp(log_w - log_w.max())
    return w / w.sum()


def _ess(log_w: np.ndarray) -> float:
    return float(1.0 / np.sum(_normalised(log_w) ** 2))


def _logit(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 1e-9, 1 - 1e-9)
    return np.log(v) - np.log1p(-v)


def _to_z(draws: dict[str, np.ndarray]) -> np.ndarray:
    return np.column_stack(
        [
            np.log(draws["multiplier"]),
            np.log(draws["backlog"]),
            _logit(draws["carry_over"]),
            _logit(draws["overdue_split"]),
            draws["delta"],
        ]
    )


def _from_z(z: np.ndarray) -> dict[str, np.ndarray]:
    z = np.clip(z, -30, 30)
    return {
        "multiplier": np.exp(z[:, 0]),
        "backlog": np.exp(z[:, 1]),
        "carry_over": 1 / (1 + np.exp(-z[:, 2])),
        "overdue_split": 1 / (1 + np.exp(-z[:, 3])),
        "delta": z[:, 4],
    }


def _log_jacobian(draws: dict[str, np.ndarray]) -> np.ndarray:
    """log |dz/dx| of :func:`_to_z` (a density in z as a density in the draws' own units)."""
    q, s = (np.clip(draws[k], 1e-9, 1 - 1e-9) for k in ("carry_over", "overdue_split"))
    return -(np.log(draws["multiplier"]) + np.log(draws["backlog"]) + np.log(q * (1 - q)) + np.log(s * (1 - s)))
