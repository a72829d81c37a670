"""Draws from the fitted hazard model (:class:`forecast.models.hazard.HazardModel.sampler`): completion days for
the open tasks, run by run, with the year-end regime's pushes and exits."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from forecast.errors import ForecastError
from forecast.models import exposure, laplace
from forecast.models.exits import ExitSampler
from forecast.models.pushes import Pushes
from forecast.models.year_end import Regime

Z90 = 1.2815515655446004  # standard normal 90th percentile


@dataclass(frozen=True)
class Parts:
    """One chunk of runs of a :class:`HazardSampler` by covariate path, before the scenario multipliers."""

    step_h: np.ndarray  # (patterns x steps x runs) each step's hazard with the row's and the pace's level
    add: np.ndarray | None  # (patterns x steps x runs) the year-end clearance, or None
    scale: np.ndarray  # (agencies x runs) float32 agency multipliers, exp(b)
    exit: np.ndarray | None  # (patterns x runs) float32 the year-end exits, or None without the regime


@dataclass(frozen=True)
class Runs:
    """One chunk's draws of a :class:`HazardSampler` that every covariate path shares (:meth:`HazardSampler.runs`)."""

    beta: np.ndarray  # (runs x p) the rows' coefficients
    theta: np.ndarray  # (runs x day-state effects) with December's free effects at 0 (the regime stands in)
    pace: np.ndarray  # (steps x runs) the pace of each future step
    scale: np.ndarray  # (agencies x runs) float32 agency multipliers, exp(b)
    pushes: Pushes | None  # each run's December (None without the regime)


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
    exits: ExitSampler | RegimeExits | None  # competing exits (extensions past the deadline, reclassifications)
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
        ``rng`` (the same draws in the same order). Samplers with the same run draws (:meth:`runs`) compute the same
        rows for the same path (``X``, ``E``, ``after``), whichever other paths they hold; only :meth:`hazards`
        depends on ``rate`` (the explorer reuses them across lever changes: :mod:`forecast.scenarios.reuse`)."""
        return self.rows(self.runs(rng, size))

    def live(self) -> np.ndarray:
        """The day-states with exposure in the horizon (9 of 72 for December): only their rates are drawn."""
        if self.live_ is None:
            self.live_ = np.flatnonzero(self.E.sum(axis=(0, 1)) > 0)
        return self.live_

    def runs(self, rng: np.random.Generator, size: int) -> Runs:
        """One chunk's draws of what every path shares (all this sampler takes from ``rng``): each run's parameters,
        pace, December and agency effects. They depend on the posterior, the steps, the regime and the number of
        agencies, not on the paths."""
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
        unseen = int(self.agency.max(initial=-1)) + 1 - len(b)
        if unseen > 0:  # agencies with no history (new tasks, transfers) share one draw each from the prior
            b = np.vstack([b, rng.normal(0.0, post.sigma_agency, (unseen, size))])
        pushes = self.regime.runs(luck) if self.regime is not None and luck is not None else None
        return Runs(beta, theta, pace, np.exp(b).astype(np.float32), pushes)

    def rows(self, runs: Runs, which: np.ndarray | None = None) -> Parts:
        """The :class:`Parts` of the paths ``which`` (default: all) for one chunk's :meth:`runs`: each path's rows
        are computed from its own ``X``, ``E`` and ``after`` alone, so they are the same whichever paths are
        computed with it (and whichever other day-states are live: those add exact zeros)."""
        X, E = (self.X, self.E) if which is None else (self.X[which], self.E[which])
        after = self.after if which is None or self.after is None else self.after[which]
        k, m, p = X.shape
        size = runs.pace.shape[1]
        live = self.live()
        state_rate = np.exp(runs.theta @ exposure.state_design()[live].T)  # (size x live states) per-day multiplier
        # einsum returns a runs-major view; the products and the sum over steps below run 10x faster on (k, m, n)
        step_h = np.ascontiguousarray(np.einsum("kms,ns->kmn", E[:, :, live], state_rate, optimize=True))
        linear = (X.reshape(-1, p) @ runs.beta.T).reshape(k, m, size)  # X beta per pattern, step and run
        linear += runs.pace[None, :, :]
        level = np.exp(linear, out=linear)
        add, exit_ = None, None
        if runs.pushes is not None:
            add, exit_ = self._year_end(runs.pushes, state_rate, step_h, E, after)
        step_h *= level
        return Parts(step_h, add, runs.scale, exit_)

    def hazards(self, parts: Parts) -> np.ndarray:
        """Cumulative hazards (profiles x runs) of one chunk's :meth:`parts`, with the scenario multipliers; keeps
        the chunk's year-end exits for :class:`RegimeExits`."""
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
        self, runs: Pushes, state_rate: np.ndarray, step_h: np.ndarray, E: np.ndarray, after_all: np.ndarray | None
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """Each run's December (:mod:`.year_end`): the autumn's, or a push drawn from the regime's posterior. Adds the
        push's pace to ``step_h`` (the row and pace level is applied after) and returns its clearance (patterns x
        steps x runs; the same for every agency; None when nothing clears) and its exits (patterns x runs) for
        :class:`RegimeExits`."""
        assert self.regime is not None and after_all is not None and self.live_ is not None
        window = self.regime.window
        onset = runs.onset  # an autumn run's is the window's end: no day after it
        after = after_all[:, :, :, onset]  # (k, m, 3, runs): days of each class from the run's onset on
        total = np.maximum(after_all[:, :, :, :1], 1.0)
        cls = exposure.ye_part(self.live_) - 1  # the class of each live state, -1 outside the window
        for c in range(3):
            mine = cls == c
            if mine.any():  # the class's hazard in each step, spread evenly over its days: December's pace on every
                # window day, times the push's intensity from its onset on
                part = np.einsum("kms,ns->kmn", E[:, :, self.live_[mine]], state_rate[:, mine], optimize=True)
                every = after_all[:, :, c, :1] / total[:, :, c]
                step_h += part * (
                    (runs.pace - 1.0) * every + runs.pace * (runs.intensity - 1.0) * after[:, :, c] / total[:, :, c]
                )
        push = onset < window
        on_day = after_all[:, :, :2, np.minimum(onset + 1, window)].sum(axis=2)  # open on the onset day: its wave
        on_day = (after[:, :, 0] + after[:, :, 1] - on_day).sum(axis=1)
        exit_ = (np.where(push, runs.exit, 0.0) * on_day).astype(np.float32)
        clear = after[:, :, 0] * runs.clear_o + after[:, :, 1] * runs.clear_d
        return (clear if clear.any() else None), exit_


class RegimeExits:
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
