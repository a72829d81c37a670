"""The machine-learning challenger: a discrete-time completion hazard fitted by gradient-boosted trees.

Data: the person-period table (:func:`forecast.data.history.intervals`), one row per task per inter-snapshot interval
while open, from the first snapshot the task is seen. Target: completed by the interval's end (``event``). Features,
all known at the interval's **start** (nothing from later snapshots):

* ``days_to_deadline`` (negative when overdue) and ``days`` (the interval's length);
* ``age``: days since the task was assigned (since first seen when the export has no assigned date);
* ``agency`` (categorical): agencies with fewer than ``min_agency_intervals`` rows share one level; an agency the
  fit never saw is a missing value, which follows, at every split on agency, the branch most training rows took
  (a typical agency);
* ``source`` (categorical): the assigning document, rare or missing sources pooled (:mod:`.design`); an export
  without the column gives one level, which the trees ignore.

The classifier is scikit-learn's ``HistGradientBoostingClassifier`` (log loss, a small fixed model, no early
stopping, deterministic): its probability ``p`` that a task completes within an interval of the fitted length
``L`` (the snapshot spacing) is a cumulative hazard ``-log(1 - p)`` over those ``L`` days.

**Forecast.** The horizon is cut into steps of ``L`` days (:func:`forecast.models.base.horizon_steps`); each step's
hazard comes from the features at its start (days to deadline shrinking, age growing), a shorter last step of ``d``
days gets ``-log(1 - p) * d / L``, and ``H`` is the sum over steps (a scenario's ``rate`` multiplies each step's).

**Uncertainty.** One fitted classifier is one point estimate: its intervals would hold only each task's coin flip.
Two sources are added, both measured on the history:

* *the fit*: besides the fit on every task, ``bags`` fits on random halves of the **tasks** (a task's rows stay
  together, so its weeks do not count as independent evidence). An estimate's variance falls as 1/n, so a fit on
  all tasks varies about half as much as a fit on half of them: each run takes the full fit's step hazards times one
  half-sample fit's deviation from the halves' geometric mean, on the log scale scaled by ``sqrt(B / (2 (B - 1)))``
  (B / (B - 1): the halves' own spread estimated from B of them; 1/2: from half to all the tasks). (Half-sampling
  theory, which treats the halves as drawn from this one sample, would leave out the 1/2; the trees' spread then
  made the backtest's intervals too wide: 86 % of outcomes inside the central 50 %.)
* *the pace*: nothing in the trees can see time, so a December unlike the year before it would be invisible to
  them. Every period's completions are compared with what the trees expected **out of sample**: the last ``recent``
  periods are held out of every fit (out of time), and each earlier row is predicted by the half-sample fits that
  did not see its task (out of bag). The ratio's local level (:mod:`.pace`: a Student-t random walk plus period
  noise) multiplies the forecast's step hazards: the newest snapshots' pace, its uncertainty, a shock per step.

Each run draws its half-sample fit, then its pace step by step, so a later deadline only adds hazard (never more
slips, run by run) and a scenario shares every draw with its baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from forecast.core.threads import one_thread
from forecast.data.history import intervals
from forecast.errors import ForecastError
from forecast.models import design
from forecast.models.base import horizon_steps
from forecast.models.exits import ExitModel, ExitSampler
from forecast.models.pace import STILL, Pace, fit_pace

FEATURES = ("days_to_deadline", "days", "age", "agency", "source")
CATEGORICAL = np.array([False, False, False, True, True])
OTHER_AGENCY = "other (few intervals)"
MAX_LEVELS = 254  # HistGradientBoosting's categorical features take at most max_bins - 1 = 254 levels
P_MAX = 1 - 1e-9


@dataclass(eq=False)
class BoostingModel:
    """Discrete-time completion hazard by gradient-boosted trees, with half-sample fits and a local-level pace.

    Its settings are its fields; the classifier's (``max_iter`` to ``l2_regularization``) are small and fixed, so a
    fit takes a fraction of a second.
    """

    name = "boosting"

    bags: int = 3  # half-sample fits, at least 2
    max_iter: int = 20  # the classifier's boosting iterations
    learning_rate: float = 0.3  # ... its shrinkage
    max_leaf_nodes: int = 8  # ... leaves per tree
    min_samples_leaf: int = 40  # ... rows per leaf at least
    l2_regularization: float = 1.0  # ... penalty on leaf values
    min_agency_intervals: int = 20  # rarer agencies share one level
    min_source_intervals: int = 200  # rarer sources are pooled
    pace: bool = True  # False: no pace, the trees' hazards as they are
    recent: int = 2  # periods held out of the trees so the pace sees them out of time
    exits: bool = True  # False: no competing exits (extensions, reclassifications: .exits)
    seed: int = 0  # which halves

    def __post_init__(self) -> None:
        if self.bags < 2 or self.max_iter < 1 or self.recent < 0:
            raise ValueError("bags must be at least 2, max_iter at least 1 and recent at least 0")

    def fit(self, data, as_of=None) -> BoostingModel:
        iv = intervals(data, as_of)
        y = iv["event"].to_numpy(np.int64)
        if iv.empty or y.sum() == 0 or y.all():
            raise ForecastError(
                "the boosting model needs at least two snapshots, and intervals that end in a "
                "completion and intervals that do not"
            )
        self.as_of_ = pd.Timestamp(iv["end"].max())
        self.step_days_ = int(np.median(iv["days"]))
        self.agencies_ = agency_levels(iv["agency"], self.min_agency_intervals)
        self.pooled_ = frozenset(iv["agency"].astype(str).unique()) - set(self.agencies_)
        self.sources_ = design.source_levels(iv["source"], self.min_source_intervals)
        start = _days(iv["start"])
        X = self._features(
            _days(iv["deadline"]) - start,
            iv["days"].to_numpy(float),
            start - _days(design.task_origin(iv)),
            iv["agency"],
            iv["source"],
        )
        train = self._training_rows(iv["start"], y)
        task = pd.factorize(iv["task_id"])[0]
        expected, fits = np.zeros(len(y)), np.zeros(len(y))  # out-of-sample P(complete) of each row, summed
        rng = np.random.default_rng([self.seed, 11])
        with one_thread("openmp"):  # small fits: one thread beats two on a busy machine
            self.full_ = self._classifier().fit(X[train], y[train])
            expected[~train] = self.full_.predict_proba(X[~train])[:, 1] if (~train).any() else 0.0
            fits[~train] = 1
            self.halves_ = []
            for _ in range(4 * self.bags):  # a half with one class only cannot be fitted: draw another
                inside = half_of(rng, task) & train
                if 0 < y[inside].sum() < inside.sum():
                    self.halves_.append(self._classifier().fit(X[inside], y[inside]))
                    out = train & ~inside
                    expected[out] += self.halves_[-1].predict_proba(X[out])[:, 1]
                    fits[out] += 1
                if len(self.halves_) == self.bags:
                    break
        if len(self.halves_) < 2:
            raise ForecastError("the boosting model needs completions in random halves of the tasks: too few tasks")
        seen = fits > 0
        p = expected[seen] / fits[seen]
        self.periods_ = (
            pd.DataFrame(
                {"start": iv["start"].to_numpy()[seen], "observed": y[seen], "expected": p, "variance": p * (1 - p)}
            )
            .groupby("start")
            .sum()
            .reset_index()
        )
        gaps = np.diff(self.periods_["start"].to_numpy("datetime64[D]").astype(np.int64)).astype(float)
        self.pace_ = (
            fit_pace(self.periods_["observed"], self.periods_["expected"], self.periods_["variance"], gaps)
            if self.pace
            else STILL
        )
        self.exits_ = ExitModel().fit(data, as_of) if self.exits else None
        return self

    def _training_rows(self, starts: pd.Series, y: np.ndarray) -> np.ndarray:
        """Rows the trees learn from (bool): all but the last ``recent`` periods when the pace is on and at least
        three periods remain before them (and hold a completion)."""
        periods = np.sort(starts.unique())
        if not self.pace or self.recent <= 0 or len(periods) - self.recent < 3:
            return np.ones(len(y), dtype=bool)
        train = (starts < periods[-self.recent]).to_numpy()
        return train if y[train].any() and not y[train].all() else np.ones(len(y), dtype=bool)

    def _classifier(self) -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            categorical_features=CATEGORICAL,
            early_stopping=False,
            random_state=self.seed,
        )

    def _features(
        self, ttd: np.ndarray, days: np.ndarray, age: np.ndarray, agency: pd.Series, source: pd.Series
    ) -> np.ndarray:
        """The feature matrix (rows x :data:`FEATURES`), float64."""
        return np.column_stack(
            [
                ttd,
                days,
                age,
                agency_code(agency, self.agencies_, self.pooled_),
                design.source_code(source, self.sources_),
            ]
        ).astype(float)

    def sampler(self, tasks: pd.DataFrame, as_of, deadline, rate: np.ndarray | None = None) -> BoostingSampler:
        """Step hazards of ``tasks`` from ``as_of`` to the end of ``deadline``, ready to draw.

        ``rate`` (tasks x steps) multiplies each task's hazard in each step (scenario levers); steps are
        :func:`forecast.models.base.horizon_steps` of this model's snapshot spacing.
        """
        starts, days = horizon_steps(as_of, deadline, self.step_days_)
        n, m = len(tasks), len(starts)
        as_of_day = float(np.datetime64(pd.Timestamp(as_of).date(), "D").astype(np.int64))
        offset = starts.astype(np.int64) - as_of_day  # days from the as-of date to each step's start
        at_as_of = self._features(
            _days(tasks["deadline"]) - as_of_day,
            np.full(n, float(self.step_days_)),
            as_of_day - _days(design.task_origin(tasks)),
            tasks["agency"],
            tasks["source"],
        )
        if rate is None:  # a profile = a distinct feature row at the as-of date; its path follows from it
            _, first, profile = np.unique(
                np.nan_to_num(at_as_of, nan=-1e12), axis=0, return_index=True, return_inverse=True
            )
            rows = at_as_of[first]
        else:  # scenario multipliers differ task by task
            rows, profile = at_as_of, np.arange(n)
        k = len(rows)
        path = np.repeat(rows[:, None, :], m, axis=1)  # (profiles x steps x features)
        path[:, :, 0] -= offset
        path[:, :, 2] += offset
        flat = path.reshape(k * m, len(FEATURES))
        fraction = days / self.step_days_
        if k * m == 0:
            step_h = np.zeros((len(self.halves_), k, m))
        else:
            with one_thread("openmp"):
                full = self.full_.predict_proba(flat)[:, 1].reshape(k, m)
                halves = np.stack([h.predict_proba(flat)[:, 1] for h in self.halves_]).reshape(-1, k, m)
            step_h = step_hazard(full, fraction)[None] * half_sample_deviation(step_hazard(halves, 1.0))
        if rate is not None:
            step_h = step_h * np.asarray(rate, float)[None]
        exits = self.exits_.sampler(tasks, as_of, deadline) if self.exits_ is not None else None
        return BoostingSampler(step_h.astype(np.float32), profile.reshape(-1), days, self.pace_, exits)


@dataclass
class BoostingSampler:
    """Draws of each profile's cumulative hazard: one half-sample fit and one pace path per run."""

    step_h: np.ndarray  # (half-sample fits x profiles x steps) hazard of each step
    profile: np.ndarray  # (tasks,) row of draw()'s result for each task
    days: np.ndarray  # (steps,) length of each step
    pace: Pace
    exits: ExitSampler | None  # competing exits (extensions past the deadline, reclassifications)

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Cumulative hazards (profiles x size), float32; ``exp(-H)`` is the chance a task is still open."""
        member = rng.integers(0, len(self.step_h), size)
        pace = np.exp(self.pace.draw(rng, self.days, size)).astype(np.float32)  # (steps x size)
        H = np.zeros((self.step_h.shape[1], size), dtype=np.float32)
        for b in range(len(self.step_h)):
            runs = np.flatnonzero(member == b)
            H[:, runs] = self.step_h[b] @ pace[:, runs]
        return H


def half_of(rng: np.random.Generator, task: np.ndarray) -> np.ndarray:
    """Rows (bool) of a random half of the tasks; ``task`` holds each row's task index 0..T-1."""
    n_tasks = int(task.max()) + 1
    chosen = np.zeros(n_tasks, dtype=bool)
    chosen[rng.permutation(n_tasks)[: n_tasks // 2]] = True
    return chosen[task]


def step_hazard(p: np.ndarray, fraction) -> np.ndarray:
    """Cumulative hazard of a step from the probability ``p`` of completing within one fitted interval:
    ``-log(1 - p) * fraction``, ``fraction`` = the step's days / the fitted interval's (1 for a full step).
    Unitless; ``p`` is clipped below 1 so the hazard stays finite."""
    return -np.log1p(-np.clip(p, 0.0, P_MAX)) * np.asarray(fraction, float)


def half_sample_deviation(h: np.ndarray) -> np.ndarray:
    """Multiplicative deviation of each half-sample fit's hazards ``h`` (fits x ...) from their geometric mean,
    ``exp(sqrt(B / (2 (B - 1))) * (log h_b - mean_b log h_b))`` for B fits: its log has about the variance of a fit
    on all the tasks (half that of a fit on half of them, estimated from B)."""
    log_h = np.log(np.maximum(h, 1e-12))
    B = len(h)
    return np.exp(np.sqrt(B / (2 * (B - 1))) * (log_h - log_h.mean(axis=0)))


def agency_levels(agencies: pd.Series, min_count: int) -> tuple[str, ...]:
    """Agencies with at least ``min_count`` rows, most frequent first (at most :data:`MAX_LEVELS` - 1), then
    :data:`OTHER_AGENCY` for the rest when there are any."""
    counts = agencies.astype(str).value_counts()
    keep = tuple(counts.index[counts >= min_count][: MAX_LEVELS - 1])
    return keep if len(keep) == len(counts) else (*keep, OTHER_AGENCY)


def agency_code(agencies: pd.Series, levels: tuple[str, ...], pooled: frozenset[str]) -> np.ndarray:
    """Index of each agency in ``levels``; an agency in ``pooled`` gets :data:`OTHER_AGENCY`'s, one never seen NaN
    (missing: the trees send it down the branch most training rows took)."""
    lookup = {name: float(i) for i, name in enumerate(levels)}
    if pooled:
        lookup |= dict.fromkeys(pooled, float(levels.index(OTHER_AGENCY)))
    return agencies.astype(str).map(lookup).to_numpy(float)


def _days(dates: pd.Series) -> np.ndarray:
    """Dates as days since 1970-01-01 (float; NaT as NaN)."""
    values = pd.to_datetime(dates).to_numpy("datetime64[D]")
    return np.where(np.isnat(values), np.nan, values.astype(np.int64)).astype(float)
