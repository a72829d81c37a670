"""The machine-learning challenger: a discrete-time completion hazard fitted by gradient-boosted trees.

Data: the person-period table (:func:`forecast.history.intervals`), one row per task per inter-snapshot interval
while open, from the first snapshot the task is seen. Target: completed by the interval's end (``event``). Features,
all known at the interval's **start** (nothing from later snapshots):

* ``days_to_deadline`` (negative when overdue) and ``days`` (the interval's length);
* ``age``: days since the task was assigned (since first seen when the export has no assigned date);
* ``agency`` (categorical): agencies with fewer than ``min_agency_intervals`` rows are pooled into one level; an
  agency the fit never saw is a missing value, which follows, at every split on agency, the branch most training
  rows took (a typical agency);
* ``source`` (categorical): the assigning document, rare or missing sources pooled (:mod:`.design`); an export
  without the column gives one level, which the trees ignore.

The classifier is scikit-learn's ``HistGradientBoostingClassifier`` (log loss, a small fixed model, no early
stopping, deterministic): its probability ``p`` that a task completes within an interval of the fitted length
``L`` (the snapshot spacing) is turned into a cumulative hazard ``-log(1 - p)``.

**Forecast.** The horizon is cut into steps of ``L`` days (:func:`forecast.models.base.horizon_steps`); each step's
hazard comes from the features at its start (days to deadline shrinking, age growing), a shorter last step of ``d``
days gets ``-log(1 - p) * d / L``, and ``H`` is the sum over steps (a scenario's ``rate`` multiplies each step's).

**Uncertainty.** A single fitted classifier is one point estimate: its intervals would hold only the coin flips of
each task. Two cheap sources are added, both estimated from the history:

* *parameters*: ``bags`` classifiers, each fitted on a bootstrap resample of **tasks** (all rows of a task go
  together, so a task's weeks are not treated as independent evidence); each run uses one, chosen at random;
* *pace*: a portfolio-wide log-normal multiplier per run, ``exp(z)``, ``z ~ N(-s^2/2, s^2)`` (mean 1), with ``s``
  the spread of the history's completion pace over windows as long as the horizon (:func:`pace_sd`), measured
  against the bag's out-of-bag expectations so the trees' own fit does not hide it.

Each run draws its bag member and its pace before anything that depends on the horizon or the tasks, so a later
deadline only adds hazard (never more slips, run by run) and a scenario shares every draw with its baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from ..errors import ForecastError
from ..history import intervals
from . import design
from .base import horizon_steps

FEATURES = ("days_to_deadline", "days", "age", "agency", "source")
CATEGORICAL = np.array([False, False, False, True, True])
OTHER_AGENCY = "other (few intervals)"
MAX_LEVELS = 254  # HistGradientBoosting's categorical features take at most max_bins - 1 = 254 levels


class BoostingModel:
    """Discrete-time completion hazard by gradient-boosted trees, bagged over tasks, with a pace shock per run.

    Settings: ``bags`` (classifiers on bootstrap resamples of tasks; 1 = no parameter uncertainty), ``max_iter``,
    ``learning_rate``, ``max_leaf_nodes``, ``min_samples_leaf``, ``l2_regularization`` (each classifier's; small
    and fixed so a fit takes a fraction of a second), ``min_agency_intervals`` (rarer agencies share one level),
    ``min_source_intervals`` (rarer sources are pooled), ``pace`` (False: no pace shock), ``seed`` (bootstrap).
    """

    name = "boosting"

    def __init__(self, bags: int = 5, max_iter: int = 60, learning_rate: float = 0.1, max_leaf_nodes: int = 8,
                 min_samples_leaf: int = 40, l2_regularization: float = 1.0, min_agency_intervals: int = 20,
                 min_source_intervals: int = 200, pace: bool = True, seed: int = 0):
        if bags < 1 or max_iter < 1:
            raise ValueError("bags and max_iter must be at least 1")
        self.bags = bags
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.min_agency_intervals = min_agency_intervals
        self.min_source_intervals = min_source_intervals
        self.pace = pace
        self.seed = seed

    def fit(self, data, as_of=None) -> BoostingModel:
        iv = intervals(data, as_of)
        if iv.empty or iv["event"].sum() == 0:
            raise ForecastError("the boosting model needs at least two snapshots with completions between them")
        self.as_of_ = pd.Timestamp(iv["end"].max())
        self.step_days_ = int(np.median(iv["days"]))
        self.agencies_ = agency_levels(iv["agency"], self.min_agency_intervals)
        self.pooled_ = frozenset(iv["agency"].astype(str).unique()) - set(self.agencies_)
        self.sources_ = design.source_levels(iv["source"], self.min_source_intervals)
        start = _days(iv["start"])
        X = self._features(_days(iv["deadline"]) - start, iv["days"].to_numpy(float),
                           start - _days(design.task_origin(iv)), iv["agency"], iv["source"])
        y = iv["event"].to_numpy(np.int64)
        task = pd.factorize(iv["task_id"])[0]
        n_tasks = task.max() + 1
        rng = np.random.default_rng([self.seed, 11])
        oob_p, oob_n = np.zeros(len(y)), np.zeros(len(y))
        self.members_ = []
        with threadpool_limits(limits=1, user_api="openmp"):  # small fits: one thread beats two on a busy machine
            for _ in range(self.bags):
                weight = (np.bincount(rng.integers(0, n_tasks, n_tasks), minlength=n_tasks)[task] if self.bags > 1
                          else np.ones(n_tasks, dtype=np.int64)[task])
                inbag = weight > 0
                if y[inbag].sum() == 0:  # a resample without completions cannot be fitted; draw again next time
                    continue
                rows = np.repeat(np.arange(len(y)), weight)  # the resample itself: weights would make binning slow
                member = self._classifier().fit(X[rows], y[rows])
                self.members_.append(member)
                out = ~inbag if self.bags > 1 else np.ones(len(y), dtype=bool)
                if out.any():
                    oob_p[out] += member.predict_proba(X[out])[:, 1]
                    oob_n[out] += 1
        if not self.members_:
            raise ForecastError("the boosting model found no bootstrap resample with completions to fit")
        seen = oob_n > 0
        p = oob_p[seen] / oob_n[seen]
        frame = pd.DataFrame({"start": iv["start"].to_numpy()[seen], "observed": y[seen], "expected": p,
                              "variance": p * (1 - p)})
        self.pace_ = frame.groupby("start").sum().reset_index()
        return self

    def _classifier(self) -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf, l2_regularization=self.l2_regularization,
            categorical_features=CATEGORICAL, early_stopping=False, random_state=self.seed)

    def _features(self, ttd: np.ndarray, days: np.ndarray, age: np.ndarray, agency: pd.Series,
                  source: pd.Series) -> np.ndarray:
        """The feature matrix (rows x :data:`FEATURES`), float64; an agency not in ``agencies_`` is missing."""
        return np.column_stack([ttd, days, age, agency_code(agency, self.agencies_, self.pooled_),
                                design.source_code(source, self.sources_)]).astype(float)

    def sampler(self, tasks: pd.DataFrame, as_of, deadline, rate: np.ndarray | None = None) -> BoostingSampler:
        """Cumulative hazards of ``tasks`` from ``as_of`` to the end of ``deadline`` for every bag member.

        ``rate`` (tasks x steps) multiplies each task's hazard in each step (scenario levers); steps are
        :func:`forecast.models.base.horizon_steps` of this model's snapshot spacing.
        """
        starts, days = horizon_steps(as_of, deadline, self.step_days_)
        n, m = len(tasks), len(starts)
        as_of_day = float(np.datetime64(pd.Timestamp(as_of).date(), "D").astype(np.int64))
        offset = starts.astype(np.int64) - as_of_day  # days from the as-of date to each step's start
        ttd0 = _days(tasks["deadline"]) - as_of_day
        age0 = as_of_day - _days(design.task_origin(tasks))
        per_task = self._features(ttd0, np.full(n, float(self.step_days_)), age0, tasks["agency"], tasks["source"])
        if rate is None:  # a profile = one distinct feature row at the as-of date: its path follows from it
            _, first, profile = np.unique(np.nan_to_num(per_task, nan=-1e12), axis=0, return_index=True,
                                          return_inverse=True)
            rows = per_task[first]
        else:  # scenario multipliers differ task by task
            rows, profile = per_task, np.arange(n)
        k = len(rows)
        if m == 0 or k == 0:
            return BoostingSampler(np.zeros((len(self.members_), k)), profile.reshape(-1), 0.0)
        path = np.repeat(rows[:, None, :], m, axis=1)  # (profiles x steps x features)
        path[:, :, 0] -= offset[None, :]
        path[:, :, 2] += offset[None, :]
        flat = path.reshape(k * m, -1)
        with threadpool_limits(limits=1, user_api="openmp"):
            p = np.stack([member.predict_proba(flat)[:, 1] for member in self.members_]).reshape(-1, k, m)
        step_h = step_hazard(p, days / self.step_days_)
        H = step_h.sum(axis=2) if rate is None else np.einsum("nm,bnm->bn", np.asarray(rate, float), step_h)
        sd = pace_sd(self.pace_["observed"].to_numpy(float), self.pace_["expected"].to_numpy(float),
                     self.pace_["variance"].to_numpy(float), m) if self.pace else 0.0
        return BoostingSampler(H, profile.reshape(-1), sd)


@dataclass
class BoostingSampler:
    """Draws of each profile's cumulative hazard: a bag member and a pace multiplier per run."""

    H: np.ndarray  # (bag members x profiles) cumulative hazard to the deadline
    profile: np.ndarray  # (tasks,) row of draw()'s result for each task
    pace_sd: float  # sd of the log pace multiplier over the horizon

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Cumulative hazards (profiles x size), float32; ``exp(-H)`` is the chance a task is still open."""
        member = rng.integers(0, len(self.H), size)
        pace = np.exp(rng.normal(-self.pace_sd**2 / 2, self.pace_sd, size))
        return (self.H[member].T * pace[None, :]).astype(np.float32)


def step_hazard(p: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """Cumulative hazard of each step from the probability ``p`` of completing within one fitted interval:
    ``-log(1 - p) * fraction``, ``fraction`` = the step's days / the fitted interval's days (1 for a full step).
    Unitless; ``p`` is clipped below 1 so the hazard stays finite."""
    return -np.log1p(-np.clip(p, 0.0, 1 - 1e-9)) * np.asarray(fraction, float)


def pace_sd(observed: np.ndarray, expected: np.ndarray, variance: np.ndarray, steps: int) -> float:
    """Spread of the portfolio's pace over a horizon of ``steps`` periods, on the log scale (unitless).

    Per window of ``w`` consecutive past periods (``w`` = ``steps``, shortened so there are at least three
    windows): ``r = log((O + 0.5) / (E + 0.5))``, O the completions seen, E those expected (out of bag). Its
    variance across windows is the pace's variance plus the coin flips' ``V / (E + 0.5)^2`` (V = sum of p(1 - p));
    the estimate is ``sqrt(max(0, var(r) - mean(V / (E + 0.5)^2)))``, and 0 with fewer than three periods.
    """
    n = len(observed)
    if n < 3:
        return 0.0
    w = int(np.clip(steps, 1, n - 2))
    kernel = np.ones(w)
    O, E, V = (np.convolve(np.asarray(a, float), kernel, mode="valid") for a in (observed, expected, variance))
    r = np.log((O + 0.5) / (E + 0.5))
    return float(np.sqrt(max(0.0, r.var(ddof=1) - np.mean(V / (E + 0.5) ** 2))))


def agency_levels(agencies: pd.Series, min_count: int) -> tuple[str, ...]:
    """Agencies with at least ``min_count`` rows, most frequent first (at most :data:`MAX_LEVELS` - 1), then
    :data:`OTHER_AGENCY` for the rest when there are any."""
    counts = agencies.astype(str).value_counts()
    keep = tuple(counts.index[counts >= min_count][:MAX_LEVELS - 1])
    return keep if len(keep) == len(counts) else (*keep, OTHER_AGENCY)


def agency_code(agencies: pd.Series, levels: tuple[str, ...], pooled: frozenset[str]) -> np.ndarray:
    """Index of each agency in ``levels``; an agency in ``pooled`` gets :data:`OTHER_AGENCY`'s, one never seen NaN
    (missing: the trees send it down the branch most training rows took)."""
    names = agencies.astype(str)
    codes = pd.Categorical(names, categories=list(levels)).codes.astype(float)
    if pooled:
        codes[names.isin(pooled).to_numpy()] = levels.index(OTHER_AGENCY)
    return np.where(codes < 0, np.nan, codes)


def _days(dates: pd.Series) -> np.ndarray:
    """Dates as days since 1970-01-01 (float; NaT as NaN)."""
    values = pd.to_datetime(dates).to_numpy("datetime64[D]")
    return np.where(np.isnat(values), np.nan, values.astype(np.int64)).astype(float)
