"""The year-end pushes' posterior by sequential Monte Carlo (:func:`smc`) for
:func:`forecast.models.year_end.fit_regime`: the prior's draws tempered to the posterior, resampled, and moved by
Metropolis steps."""

from __future__ import annotations

from typing import Any

import numpy as np

from forecast.models.outside_view import YearEndPrior

PARTICLES = 2000  # draws of the pushes' posterior (sequential Monte Carlo)
MOVES = 4  # Metropolis steps per tempering step


def log_prior(prior: YearEndPrior, draws: dict[str, np.ndarray], onset_p: np.ndarray, pace_sd: float) -> np.ndarray:
    """The prior's log density of push draws with the onset on the grid ``onset_p`` and December's pace ``delta``
    normal with sd ``pace_sd``."""
    with np.errstate(divide="ignore"):
        onset = np.log(onset_p[draws["onset"].astype(int)])
    return prior.log_density(draws, onset=False) + onset - 0.5 * (draws["delta"] / pace_sd) ** 2


def smc(
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
        keep = _systematic(normalised(inc), rng)
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
    old_t = log_prior(prior, draws, onset_p, pace_sd) - _log_jacobian(draws) + beta * ll
    new_t = log_prior(prior, new, onset_p, pace_sd) - _log_jacobian(new) + beta * new_ll
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


def normalised(log_w: np.ndarray) -> np.ndarray:
    w = np.exp(log_w - log_w.max())
    return w / w.sum()


def _ess(log_w: np.ndarray) -> float:
    return float(1.0 / np.sum(normalised(log_w) ** 2))


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
