"""The portfolio's pace as a local level, from the completions each snapshot period saw against those a model
expected: for a model with no time in it (the boosting challenger), the part of the uncertainty, and of the
newest snapshots' news, that its covariates cannot carry.

Per period t (one per inter-snapshot interval, ``gaps`` days apart), ``O_t`` completions were seen where the model
expected ``E_t`` (out of sample), with binomial variance ``V_t = sum p(1 - p)``. On the log scale::

    r_t = log((O_t + 0.5) / (E_t + 0.5)) = w_t + e_t + eps_t,   eps_t ~ N(0, max(V_t, 0.25) / (E_t + 0.5)^2)

(``eps``: the coin flips of the period's tasks.) ``w`` is a random walk whose steps are Student-t,
``(w_t - w_{t-1}) / sqrt(gap_t / 7) ~ tau * t_NU`` (the same local level as the hazard model's pace,
:mod:`.laplace`: a regime change that one or two snapshots show moves the level at once), and ``e_t ~ N(0,
sigma_noise^2)`` a period's own noise. ``w_1 ~ N(0, 1)``: the level starts where the data put it. ``tau`` and the t
weights, and ``sigma_noise``, are fitted by EM; given them the level at the last period is Gaussian.
:meth:`Pace.draw` continues the walk over the forecast's steps and adds fresh noise to each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecast.models.laplace import BOUNDS, NU, rw_precision


@dataclass(frozen=True)
class Pace:
    """The fitted pace: ``level`` and ``level_sd`` (log multiplier at the last period, posterior), ``tau`` (the
    walk's scale per 7 days), ``sigma_noise`` (a period's own noise). :data:`STILL` is no pace at all."""

    level: float
    level_sd: float
    tau: float
    sigma_noise: float

    def draw(self, rng: np.random.Generator, step_days: np.ndarray, size: int) -> np.ndarray:
        """Log pace multipliers (steps x size): the level, the walk continued one step per forecast step (scaled by
        ``sqrt(step_days / 7)``) and each step's noise. Step j's draws do not depend on how many steps follow."""
        level = self.level + self.level_sd * rng.standard_normal(size)
        out = np.empty((len(step_days), size))
        for j, days in enumerate(np.asarray(step_days, float)):
            z = rng.standard_normal((2, size))
            level = level + self.tau * np.sqrt(days / 7.0) * z[0] / np.sqrt(rng.gamma(NU / 2, 2 / NU, size))
            out[j] = level + self.sigma_noise * z[1]
        return out


STILL = Pace(0.0, 0.0, 0.0, 0.0)


def fit_pace(
    observed: np.ndarray, expected: np.ndarray, variance: np.ndarray, gaps: np.ndarray, iterations: int = 100
) -> Pace:
    """The local level of the log ratio of ``observed`` to ``expected`` completions per period (``variance``: their
    binomial variance; ``gaps``: days between consecutive periods). Fewer than three periods: :data:`STILL`."""
    seen, expect, var = (np.asarray(a, float) for a in (observed, expected, variance))
    W = len(seen)
    if W < 3:
        return STILL
    r = np.log((seen + 0.5) / (expect + 0.5))
    flips = np.maximum(var, 0.25) / (expect + 0.5) ** 2
    gaps = np.maximum(np.asarray(gaps, float), 1.0)
    D = np.diff(np.eye(W), axis=0)
    tau, noise, weights = 0.1, 0.1, np.ones(W - 1)
    for _ in range(iterations):
        precision = 1.0 / (flips + noise**2)
        cov = np.linalg.inv(rw_precision(gaps, tau, weights, first_sd=1.0) + np.diag(precision))
        w = cov @ (precision * r)
        step2 = ((D @ w) ** 2 + np.einsum("ij,jk,ik->i", D, cov, D)) / (gaps / 7.0)  # E[step^2] per 7 days
        weights = (NU + 1) / (NU + step2 / tau**2)
        new_tau = float(np.clip(np.sqrt(np.sum(weights * step2) / (W - 1)), *BOUNDS["tau"]))
        share = noise**2 / (noise**2 + flips)  # E[e_t | r_t, w_t] = share * (r_t - w_t)
        e2 = share**2 * ((r - w) ** 2 + np.diag(cov)) + share * flips
        new_noise = float(np.clip(np.sqrt(np.mean(e2)), *BOUNDS["sigma_noise"]))
        settled = abs(new_tau - tau) < 1e-6 and abs(new_noise - noise) < 1e-6
        tau, noise = new_tau, new_noise
        if settled:
            break
    return Pace(float(w[-1]), float(np.sqrt(cov[-1, -1])), tau, noise)
