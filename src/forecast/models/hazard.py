"""The main model: a completion hazard by day-state, with pooled agency effects, a random-walk pace and a year-end
regime (the maths is in :mod:`.laplace`; the day-states in :mod:`.exposure`).

Data: the person-period table (:func:`forecast.data.history.intervals`), one row per task per inter-snapshot interval
while open, from the first snapshot the task is seen (left truncation). A task's hazard **per day** is::

    h(day) = exp(x'beta + b_agency + w_period + theta[days to deadline] + theta[days to next milestone]
                 + theta_year_end * [day in the year-end window])

``x`` holds the task's age band and source; ``b`` is the agency's log multiplier (pooled, N(0, sigma^2));
``w`` is the portfolio's pace in each snapshot period, a random walk, so the newest snapshots set the pace the
forecast starts from; the theta terms change day by day inside an interval and enter through each interval's
exposure days (exact interval censoring, :mod:`.laplace`). The deadline bands are finer in the last week (the
deadline day, 1-2 days, 3-7 days, first week overdue) and smoothed towards their neighbours (a random-walk prior of
sd ``band_smoothing`` across adjacent bands) so a band the snapshots cannot identify is pooled, not wild.

**Milestones** (``milestones``: dates of review meetings, directives, conferences) give two bands, 0-6 and 7-13 days
before the next one; their effects are learned from the milestones inside the history and applied to those in the
horizon. **The year end** (the last ``year_end_days`` days of a year) is the one thing ordinary weeks cannot show.
Its days get year-end states (:mod:`.exposure`) with free effects in this fit, so what December snapshots show does
not move the ordinary-week effects or the pace walk; the forecast replaces them with the year-end regime
(:mod:`.year_end`): with the posterior weight ``regime_.weight`` a push drawn from its posterior (its prior from the
reference class, ``year_end_prior``), otherwise December as the autumn (``year_end_mode``: ``"blend"``, or one of
the two conditional forecasts, ``"autumn"`` and ``"year_end"``). ``year_end=False`` fits December days as ordinary
days and has no regime: the forecast "from the history alone".

Simulation draws, per run, all parameters jointly from the Laplace posterior, the pace of each future week as the
random walk continued from the last period (``w_T`` plus N(0, tau^2) per week), agency effects for agencies never
seen from N(0, sigma^2), and integrates the day-state hazards over each future step.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.data.history import intervals
from forecast.errors import ForecastError
from forecast.models import design, exposure, laplace
from forecast.models.base import agency_codes, distinct_rows, horizon_steps, sorted_rows
from forecast.models.exits import ExitModel, ExitSampler
from forecast.models.outside_view import YearEndPrior, fit_prior
from forecast.models.year_end import Regime, fit_regime, window_start_snapshot

Z90 = 1.2815515655446004  # standard normal 90th percentile
DAY_NS = 86_400_000_000_000


@dataclass(eq=False)
class HazardModel:
    """Day-state completion hazard with pooled agencies, a random-walk pace, milestones and a year-end regime.
    Its settings are its fields."""

    name = "hazard"

    milestones: tuple = ()  # dates (review meetings, directives, conferences)
    year_end: bool = True  # False: no year-end regime
    year_end_days: int = 31  # the regime's window, the last days of a year
    year_end_prior: YearEndPrior | None = None  # the regime's prior (None: from data/reference/, outside_view)
    year_end_mode: str = "blend"  # "blend", "autumn" or "year_end": what the forecast draws (module docstring)
    exits: bool = True  # False: no competing exits; True: extensions and reclassifications (.exits) fitted beside
    pooling: bool = True  # False: every agency at the portfolio rate
    period_effect: bool = True  # False: no pace random walk
    band_smoothing: float = 1.0  # prior sd of the step between adjacent deadline bands, log scale
    min_source_intervals: int = 200  # rarer sources are pooled

    def __post_init__(self) -> None:
        if self.year_end_mode not in ("blend", "autumn", "year_end"):
            raise ValueError("year_end_mode is blend, autumn or year_end")
        if self.band_smoothing <= 0:
            raise ValueError("band_smoothing must be positive")
        self.milestones = tuple(pd.Timestamp(m) for m in self.milestones)

    # -- fitting -------------------------------------------------------------------------------------------------
    def fit(self, data, as_of=None) -> HazardModel:
        iv = intervals(data, as_of)
        if iv.empty or iv["event"].sum() == 0:
            raise ForecastError("the hazard model needs at least two snapshots with completions between them")
        self.as_of_ = pd.Timestamp(iv["end"].max())
        # with the regime, the ordinary weeks end at the last snapshot before this year's window: what December has
        # shown so far is the regime's to explain (a pace walk would take it up as an ordinary week's)
        self.fitted_until_ = window_start_snapshot(data, self.as_of_, self.year_end_days) if self.year_end else None
        if self.fitted_until_ is not None and self.fitted_until_ < self.as_of_:
            iv = intervals(data, self.fitted_until_)
            if iv.empty or iv["event"].sum() == 0:
                raise ForecastError(
                    "the hazard model needs two snapshots before the year-end window "
                    f"({self.fitted_until_.date()} is the last), with completions between them; "
                    "year_end: false in params fits December as ordinary weeks"
                )
        self.fitted_until_ = pd.Timestamp(iv["end"].max())
        self.step_days_ = int(np.median(iv["days"]))
        self.sources_ = design.source_levels(iv["source"], self.min_source_intervals)
        self.agencies_ = tuple(sorted(pd.Series(iv["agency"].unique()).astype(str).unique()))
        self.periods_ = pd.DatetimeIndex(sorted(iv["start"].unique()))
        rows, self.collapsed_ = _rows(
            iv, self.sources_, self.agencies_, self.periods_, self._milestone_days(), self._window()
        )
        self.posterior_ = laplace.fit(rows, exposure.state_design(), self._priors(rows))
        self.collapsed_["H"] = laplace.interval_hazard(rows, exposure.state_design(), self.posterior_)
        self.names_ = design.design_names(self.sources_)
        self.exits_ = ExitModel(self._window()).fit(data, self.fitted_until_) if self.exits else None
        self.regime_: Regime | None = None
        if self.year_end:
            prior = self.year_end_prior if self.year_end_prior is not None else fit_prior()
            self.regime_ = fit_regime(self, data, self.as_of_, prior).with_mode(self.year_end_mode)
        return self

    def with_year_end_mode(self, mode: str) -> HazardModel:
        """This fitted model forecasting ``mode`` (``"blend"``, ``"autumn"``: December as the autumn, ``"year_end"``:
        a year-end push drawn from its posterior); the fit is shared."""
        other = copy.copy(self)
        other.year_end_mode = mode
        if self.regime_ is not None:
            other.regime_ = self.regime_.with_mode(mode)
        return other

    def without_year_end(self) -> HazardModel:
        """The autumn forecast: this fitted model with December as the ordinary weeks before it."""
        return self.with_year_end_mode("autumn")

    def _window(self) -> int:
        return self.year_end_days if self.year_end else 0

    def _milestone_days(self) -> np.ndarray:
        return np.array([m.value // DAY_NS for m in self.milestones], dtype=np.int64)

    def _priors(self, rows: laplace.Rows) -> laplace.Priors:
        p = rows.X.shape[1]
        exposure_days = float((rows.E.sum(axis=1) * rows.trials).sum())
        base = np.log(max(rows.events.sum(), 0.5) / max(exposure_days, 1.0))
        beta_mean = np.zeros(p)
        beta_mean[0] = base
        beta_sd = np.full(p, 1.5)
        beta_sd[0] = 5.0
        q = len(exposure.THETA_NAMES)
        theta_mean = np.zeros(q)
        precision = np.zeros((q, q))
        n_ttd = len(exposure.TTD_LABELS) - 1  # the chain band 0 .. band 10, then the reference (0)
        D = np.diff(np.eye(n_ttd + 1), axis=0)[:, :n_ttd]
        precision[:n_ttd, :n_ttd] = D.T @ D / self.band_smoothing**2 + np.eye(n_ttd) * 1e-4
        ye = exposure.YEAR_END_SLICE
        for k in range(n_ttd, ye.start):
            precision[k, k] = 1.0  # milestone bands: N(0, 1)
        for k in range(ye.start, ye.stop):  # year-end states: free (sd 5 on the log scale), or off
            precision[k, k] = 1 / 25.0 if self.year_end else 1e8
        return laplace.Priors(beta_mean, beta_sd, theta_mean, precision, self.pooling, self.period_effect)

    # -- what the notebooks show ---------------------------------------------------------------------------------
    def coefficients(self) -> pd.DataFrame:
        """Every ordinary-week effect as a hazard ratio with its 95 % interval: ``group`` (deadline, milestone, age,
        source), ``term``, ``coef``, ``se``, ``hazard_ratio``, ``hr_low``, ``hr_high``. The year-end states' free
        effects are left out: the forecast replaces them by the regime (``regime_``)."""
        post = self.posterior_
        sd = post.sd()
        n_ttd = len(exposure.TTD_LABELS) - 1
        groups = ["deadline"] * n_ttd + ["milestone"] * (len(exposure.MILESTONE_LABELS) - 1)
        start = post.block("theta").start
        theta, beta = slice(start, start + exposure.YEAR_END_SLICE.start), post.block("beta")
        frame = pd.DataFrame(
            {
                "group": groups
                + ["intercept"]
                + ["age"] * (len(design.AGE_LABELS) - 1)
                + ["source"] * (len(self.sources_) - 1),
                "term": list(exposure.THETA_NAMES[: exposure.YEAR_END_SLICE.start]) + self.names_,
                "coef": np.concatenate([post.mode[theta], post.mode[beta]]),
                "se": np.concatenate([sd[theta], sd[beta]]),
            }
        )
        frame["hazard_ratio"] = np.exp(frame["coef"])
        frame["hr_low"] = np.exp(frame["coef"] - 1.96 * frame["se"])
        frame["hr_high"] = np.exp(frame["coef"] + 1.96 * frame["se"])
        return frame

    def agency_table(self) -> pd.DataFrame:
        """Per agency: completions observed vs expected at the portfolio rate (b = 0), raw and pooled multipliers."""
        post, c = self.posterior_, self.collapsed_
        b = post.mode[post.block("b")]
        H = np.exp(-b[c["agency"]]) * c["H"]  # each row's interval hazard without its agency's effect
        expected = np.bincount(c["agency"], weights=c["trials"] * -np.expm1(-H), minlength=post.n_agencies)
        observed = np.bincount(c["agency"], weights=c["events"], minlength=post.n_agencies)
        return pd.DataFrame(
            {
                "agency": self.agencies_,
                "completions": observed.astype(int),
                "expected": expected,
                "raw_multiplier": observed / np.maximum(expected, 1e-9),
                "pooled_multiplier": np.exp(b),
                "pooled_sd": post.sd()[post.block("b")],
            }
        )

    def pace(self) -> pd.DataFrame:
        """The portfolio's pace in each snapshot period relative to the first: ``start``, ``multiplier`` (exp of
        the random walk w, the part the forecast carries on) with its 80 % interval, and ``with_noise`` (exp(w +
        e), that period's own pace)."""
        post = self.posterior_
        w, sd = post.mode[post.block("w")], post.sd()[post.block("w")]
        e = post.mode[post.block("e")]
        return pd.DataFrame(
            {
                "start": self.periods_,
                "multiplier": np.exp(w),
                "low": np.exp(w - Z90 * sd),
                "high": np.exp(w + Z90 * sd),
                "with_noise": np.exp(w + e),
            }
        )

    # -- simulation ----------------------------------------------------------------------------------------------
    def sampler(self, tasks: pd.DataFrame, as_of, deadline, rate: np.ndarray | None = None) -> HazardSampler:
        """Cumulative hazards of ``tasks`` from ``as_of`` to the end of ``deadline``, ready to draw.

        ``rate`` (tasks x steps) multiplies each task's hazard in each step (scenario levers); steps are
        :func:`forecast.models.base.horizon_steps` of this model's snapshot spacing.
        """
        starts, days = horizon_steps(as_of, deadline, self.step_days_)
        m = len(starts)
        due = tasks["deadline"].to_numpy("datetime64[D]").astype(np.int64)
        origin = design.task_origin(tasks).to_numpy("datetime64[D]").astype(np.int64)
        src = design.source_code(tasks["source"], self.sources_)
        # a task's covariate path depends only on (deadline, origin, source): build the exposure array (u x steps x
        # states) once per distinct triple, not per task (a national portfolio shares a few thousand of them)
        keys, of_task = np.unique(np.column_stack([due, origin, src.astype(np.int64)]), axis=0, return_inverse=True)
        u = len(keys)
        E = np.zeros((u, m, exposure.N_STATES))
        age = np.zeros((u, m), dtype=np.int64)
        for j, (s, d) in enumerate(zip(starts.astype(np.int64), days.astype(int), strict=True)):
            E[:, j] = exposure.exposure(
                np.full(u, s), np.full(u, d), keys[:, 0], self._milestone_days(), self._window()
            )
            age[:, j] = design.age_band(s - keys[:, 1])
        patterns, key_pattern = sorted_rows(np.column_stack([E.reshape(u, m * exposure.N_STATES), age, keys[:, 2]]))
        inverse = key_pattern.reshape(-1)[of_task.reshape(-1)]
        k = len(patterns)
        ages = patterns[:, m * exposure.N_STATES : -1].astype(np.int64)
        X = design.design_matrix(
            ages.reshape(-1), np.repeat(patterns[:, -1].astype(np.int64), m), len(self.sources_)
        ).reshape(k, m, len(self.names_))
        agency = agency_codes(tasks["agency"], self.agencies_)
        # a profile = (covariate path, agency) and, under a scenario, the task's multipliers (most tasks share them)
        by = [inverse.reshape(-1), agency] + ([] if rate is None else [np.asarray(rate, float)])
        combos, profile = np.unique(np.column_stack(by), axis=0, return_inverse=True)
        exits = self.exits_.sampler(tasks, as_of, deadline) if self.exits_ is not None else None
        regime = self.regime_ if self.year_end else None
        after = None
        if regime is not None:  # days each pattern spends in each class on each window day, summed from each onset on
            owner = np.empty(k, dtype=np.int64)  # a key of each pattern (its exposure fixes its window days)
            owner[key_pattern.reshape(-1)] = np.arange(u)
            after = _window_days(starts, days, keys[owner, 0], regime.window)
            if not after.any():  # a horizon of ordinary weeks: no December to draw (and the same runs as without)
                regime, after = None, None
        sampler = HazardSampler(
            self.posterior_,
            X,
            patterns[:, : m * exposure.N_STATES].reshape(k, m, exposure.N_STATES),
            combos[:, 0].astype(np.int64),
            combos[:, 1].astype(np.int64),
            profile.reshape(-1),
            self.step_days_,
            None if rate is None else combos[:, 2:],
            exits,
            regime,
            after,
        )
        if regime is not None and regime.pushes.exit.any():
            sampler.exits = _RegimeExits(exits, sampler)
        return sampler


def _window_days(starts: np.ndarray, days: np.ndarray, due: np.ndarray, window: int) -> np.ndarray:
    """(patterns x steps x 3 x window + 1), float32: the days a task due ``due`` spends in each class (overdue, due by
    the year end, due later) in each step on the window's days from each onset day on (suffix sums over the day)."""
    F = np.zeros((len(due), len(starts), 3, window + 1), dtype=np.float32)
    for j, (s, d) in enumerate(zip(starts.astype(np.int64), days.astype(int), strict=True)):
        for t in range(1, d + 1):
            wd = int(exposure.window_day(np.array([s + t]), window)[0])
            if wd >= 0:
                F[np.arange(len(due)), j, exposure.year_end_class(s + t, due), wd] += 1.0
    return np.cumsum(F[..., ::-1], axis=-1)[..., ::-1].copy()


def _rows(
    iv: pd.DataFrame,
    sources,
    agencies,
    periods: pd.DatetimeIndex,
    milestones: np.ndarray,
    window: int,
) -> tuple[laplace.Rows, dict[str, np.ndarray]]:
    """Person-period rows collapsed to (agency, period, age, source, exposure pattern): intervals that spend the
    same days in the same day-states are one row with a count, whatever their exact deadlines."""
    start = iv["start"].to_numpy("datetime64[D]").astype(np.int64)
    origin = design.task_origin(iv).to_numpy("datetime64[D]").astype(np.int64)
    due = iv["deadline"].to_numpy("datetime64[D]").astype(np.int64)
    days = iv["days"].to_numpy(np.int64)
    # distinct (start, days, days to deadline) first: the exposure of each, then its pattern among all of them
    trip, trip_of = distinct_rows([start, days, due - start])  # their order does not matter: patterns are sorted
    E_trip = exposure.exposure(trip[:, 0], trip[:, 1], trip[:, 0] + trip[:, 2], milestones, window)
    patterns, pattern_of = sorted_rows(E_trip)
    codes = pd.DataFrame(
        {
            "agency": agency_codes(iv["agency"], agencies),
            "period": periods.get_indexer(iv["start"]),
            "age": design.age_band(start - origin),
            "source": design.source_code(iv["source"], sources),
            "pattern": pattern_of.reshape(-1)[trip_of.reshape(-1)],
            "event": iv["event"].to_numpy(np.int64),
        }
    )
    keys = ["agency", "period", "age", "source", "pattern"]
    g = codes.groupby(keys, sort=False)["event"].agg(["sum", "size"]).reset_index()
    col = {c: g[c].to_numpy(np.int64) for c in keys}
    gaps = np.diff(periods.to_numpy("datetime64[D]").astype(np.int64)).astype(float)
    rows = laplace.Rows(
        design.design_matrix(col["age"], col["source"], len(sources)),
        patterns[col["pattern"]],
        col["agency"],
        col["period"],
        g["sum"].to_numpy(float),
        g["size"].to_numpy(float),
        len(agencies),
        np.maximum(gaps, 1.0),
    )
    return rows, {"agency": rows.agency, "events": rows.events, "trials": rows.trials}


@dataclass(frozen=True)
class Parts:
    """One chunk of runs of a :class:`HazardSampler` by covariate path, before the scenario multipliers."""

    step_h: np.ndarray  # (patterns x steps x runs) each step's hazard with the row's and the pace's level
    add: np.ndarray | None  # (patterns x steps x runs) the year-end clearance, or None
    scale: np.ndarray  # (agencies x runs) float32 agency multipliers, exp(b)
    exit: np.ndarray | None  # (patterns x runs) float32 the year-end exits, or None without the regime


@dataclass
class HazardSampler:
    """Draws of each task's cumulative hazard from the forecast date to the deadline."""

    posterior: laplace.Posterior
    X: np.ndarray  # (patterns x steps x p) row design along each distinct covariate path
    E: np.ndarray  # (patterns x steps x states) exposure days of each step
    pattern: np.ndarray  # (profiles,) covariate path of each profile
    agency: np.ndarray  # (profiles,) index into the model's agencies; agencies it has not seen come after them
    profile: np.ndarray  # (tasks,) profile of each task
    step_days: int
    rate: np.ndarray | None  # (profiles x steps) scenario multipliers
    exits: ExitSampler | _RegimeExits | None  # competing exits (extensions past the deadline, reclassifications)
    regime: Regime | None = None  # the year-end regime (None: none; its mode says blend, autumn or year end)
    after: np.ndarray | None = None  # (patterns x steps x 3 x W + 1) window days per class from each onset day on
    chol_: np.ndarray | None = field(default=None, init=False, repr=False)  # rows of the covariance's factor, used
    live_: np.ndarray | None = field(default=None, init=False, repr=False)  # day-states with exposure in the horizon
    regime_exit_: np.ndarray | None = field(default=None, init=False, repr=False)  # the last chunk's year-end exits

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Cumulative hazards (profiles x size), float32; ``exp(-H)`` is the chance a task is still open."""
        n, m = len(self.pattern), self.E.shape[1]
        if m == 0:
            self.regime_exit_ = np.zeros((n, size), dtype=np.float32)
            return np.zeros((n, size))
        return self.hazards(self.parts(rng, size))

    def parts(self, rng: np.random.Generator, size: int) -> Parts:
        """One chunk's runs by covariate path, before the scenario multipliers: everything :meth:`draw` takes from
        ``rng`` (the same draws in the same order). Samplers with the same paths (``X``, ``E``, ``after``) and
        agencies draw the same parts; only :meth:`hazards` depends on ``rate`` (the planner's explorer reuses them
        across lever changes: :mod:`forecast.present.explorer`)."""
        post = self.posterior
        m = self.E.shape[1]
        # one joint parameter draw, then one pace step per future step, then agencies with no history: a later
        # deadline only appends pace steps and a scenario only appends new agencies, so their runs share every
        # other draw with the baseline
        used = np.r_[post.block("beta"), post.block("theta"), post.block("b"), post.block("w").stop - 1]
        if self.chol_ is None:  # one factorisation per sampler, not per chunk of runs; only the rows drawn are used
            self.chol_ = np.ascontiguousarray(_cholesky(post.cov)[used].T)
        # the joint draw is mode + L z; the runs need beta, theta, b and the walk's last level, so only those rows of
        # L are multiplied (the period noise and the earlier walk are drawn in z, so the stream stays the same); beta,
        # theta and b lead ``used`` in the posterior's order, so their blocks index phi as they index the mode
        phi = post.mode[used][None, :] + rng.standard_normal((size, len(post.mode))) @ self.chol_
        luck = rng.random(size) if self.regime is not None else None  # each run's December, before the steps' draws
        step = np.empty((m, size))
        noise = np.empty((m, size))
        for j in range(m):  # per future step: the walk's t step, the period's noise (same draws for a later deadline)
            z = rng.standard_normal((2, size))
            step[j] = z[0] / np.sqrt(rng.gamma(laplace.NU / 2, 2 / laplace.NU, size))
            noise[j] = z[1]
        walk = phi[:, -1][None, :] + np.cumsum(step, axis=0) * post.tau * np.sqrt(self.step_days / 7.0)
        pace = walk + noise * post.sigma_noise  # (steps x size); December's level is the regime's (its pace)
        beta, theta, b = phi[:, post.block("beta")], phi[:, post.block("theta")], phi[:, post.block("b")].T
        theta[:, exposure.YEAR_END_SLICE] = 0.0  # the fit's free December effects: the regime stands in for them
        if self.live_ is None:  # the day-states the horizon reaches (9 of 72 for December): only their rates count
            self.live_ = np.flatnonzero(self.E.sum(axis=(0, 1)) > 0)
        state_rate = np.exp(theta @ exposure.state_design()[self.live_].T)  # (size x live states) per-day multiplier
        # einsum returns a runs-major view; the products and the sum over steps below run 10x faster on (k, m, n)
        step_h = np.ascontiguousarray(np.einsum("kms,ns->kmn", self.E[:, :, self.live_], state_rate, optimize=True))
        k, _, p = self.X.shape
        linear = (self.X.reshape(-1, p) @ beta.T).reshape(k, m, size)  # X beta per pattern, step and run
        linear += pace[None, :, :]
        level = np.exp(linear, out=linear)
        add, exit_ = self._year_end(luck, state_rate, step_h) if luck is not None else (None, None)
        step_h *= level
        unseen = int(self.agency.max(initial=-1)) + 1 - len(b)
        if unseen > 0:  # agencies with no history (new tasks, transfers) share one draw each from the prior
            b = np.vstack([b, rng.normal(0.0, post.sigma_agency, (unseen, size))])
        return Parts(step_h, add, np.exp(b).astype(np.float32), exit_)

    def hazards(self, parts: Parts) -> np.ndarray:
        """Cumulative hazards (profiles x runs) of one chunk's :meth:`parts`, with the scenario multipliers; keeps
        the chunk's year-end exits for :class:`_RegimeExits`."""
        step_h, add = parts.step_h, parts.add
        if parts.exit is not None:
            self.regime_exit_ = parts.exit[self.pattern]
        if self.rate is None:
            H = step_h.sum(axis=1).astype(np.float32)[self.pattern]
            H *= parts.scale[self.agency]
            if add is not None:  # the year-end clearance: the same for every task of a class, whatever its agency
                H += add.sum(axis=1).astype(np.float32)[self.pattern]
        else:
            H = _rated(self.rate, step_h, self.pattern)
            H *= parts.scale[self.agency]
            if add is not None:
                H += _rated(self.rate, add, self.pattern)
        return H

    def _year_end(
        self, luck: np.ndarray, state_rate: np.ndarray, step_h: np.ndarray
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """Each run's December (:mod:`.year_end`): the autumn's, or a push drawn from the regime's posterior. Adds the
        push's pace to ``step_h`` (the row and pace level is applied after) and returns its clearance (patterns x
        steps x runs; the same for every agency; None when nothing clears) and its exits (patterns x runs) for
        :class:`_RegimeExits`."""
        assert self.regime is not None and self.after is not None and self.live_ is not None
        runs = self.regime.runs(luck)
        window = self.regime.window
        onset = runs.onset  # an autumn run's is the window's end: no day after it
        after = self.after[:, :, :, onset]  # (k, m, 3, runs): days of each class from the run's onset on
        total = np.maximum(self.after[:, :, :, :1], 1.0)
        cls = exposure.ye_part(self.live_) - 1  # the class of each live state, -1 outside the window
        for c in range(3):
            mine = cls == c
            if mine.any():  # the class's hazard in each step, spread evenly over its days: December's pace on every
                # window day, times the push's intensity from its onset on
                part = np.einsum("kms,ns->kmn", self.E[:, :, self.live_[mine]], state_rate[:, mine], optimize=True)
                every = self.after[:, :, c, :1] / total[:, :, c]
                step_h += part * (
                    (runs.pace - 1.0) * every + runs.pace * (runs.intensity - 1.0) * after[:, :, c] / total[:, :, c]
                )
        push = onset < window
        on_day = self.after[:, :, :2, np.minimum(onset + 1, window)].sum(axis=2)  # open on the onset day: its wave
        on_day = (after[:, :, 0] + after[:, :, 1] - on_day).sum(axis=1)
        exit_ = (np.where(push, runs.exit, 0.0) * on_day).astype(np.float32)
        clear = after[:, :, 0] * runs.clear_o + after[:, :, 1] * runs.clear_d
        return (clear if clear.any() else None), exit_


class _RegimeExits:
    """Competing exits with the year-end regime's carry-over added: each run's exit hazard is the ordinary-week
    exits' (if any) plus the regime's for that run, which the completion sampler drew with the same run's push (it
    runs first in every chunk)."""

    def __init__(self, base: ExitSampler | None, sampler: HazardSampler):
        self.base, self.sampler = base, sampler

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        regime = self.sampler.regime_exit_
        if regime is None or regime.shape[1] != size:
            raise RuntimeError("the year-end exits are drawn after the completion hazards of the same runs")
        out = regime[self.sampler.profile]
        return out + self.base.draw(rng, size) if self.base is not None else out


def _rated(rate: np.ndarray, step_h: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """Cumulative hazards (tasks x runs), float32: ``sum_j rate[i, j] * step_h[pattern[i], j]`` over the steps j,
    a step at a time (no tasks x steps x runs array), once per distinct (path, multipliers): profiles that differ
    only by agency share it (the same products and sums, so the same numbers)."""
    rows, back = np.unique(np.column_stack([pattern, rate]), axis=0, return_inverse=True)
    path, rate = rows[:, 0].astype(np.int64), rows[:, 1:]
    H = rate[:, :1] * step_h[path, 0]
    for j in range(1, step_h.shape[1]):
        H += rate[:, j : j + 1] * step_h[path, j]
    return H.astype(np.float32)[back.reshape(-1)]


def _cholesky(cov: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor of a covariance, with jitter if rounding made it indefinite."""
    jitter = 0.0
    for _ in range(8):
        try:
            return np.linalg.cholesky(cov + jitter * np.eye(len(cov)))
        except np.linalg.LinAlgError:
            jitter = max(jitter * 10, 1e-10 * float(np.mean(np.diag(cov))))
    raise ForecastError("the hazard model's posterior covariance is not positive definite")
