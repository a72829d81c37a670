"""The completion-hazard model's likelihood, priors and Laplace fit: small pure functions, no pandas.

**Model.** Row i is ``n_i`` task-intervals sharing covariates, of which ``y_i`` ended in a completion. A task of row
i spends ``E[i, s]`` days of the interval in day-state s (:mod:`.exposure`); its hazard per day in state s is
``exp(u_i + S[s] @ theta)``, with the row part ``u_i = X[i] @ beta + b[agency_i] + w[period_i] + e[period_i]``::

    H_i = exp(u_i) * sum_s E[i, s] * exp(S[s] @ theta)          (cumulative hazard over the interval)
    P(completed in the interval) = 1 - exp(-H_i)                 (interval-censored, exact)
    log L = sum_i  y_i * log(1 - exp(-H_i)) - (n_i - y_i) * H_i

**Priors** (Gaussian, so the posterior mode is a penalised likelihood and its curvature a Laplace posterior):
``beta ~ N(beta_mean, beta_sd^2)``; ``theta ~ N(theta_mean, Q_theta^-1)`` (the caller's band smoothing and
year-end prior); agency effects ``b_a ~ N(0, sigma_agency^2)`` (partial pooling: a 3-task agency is pulled to the
portfolio rate). The portfolio's pace per snapshot period is a **local level**: a random walk ``w`` (``w_1 ~ N(0,
0.01^2)``) plus period noise ``e_t ~ N(0, sigma_noise^2)``. The walk's steps are Student-t with ``NU`` degrees of
freedom, ``(w_t - w_{t-1}) / sqrt(gap_t / 7) ~ tau * t_NU`` (gap in days): most weeks the pace drifts a little, but
a regime change (a push after a review meeting, a December unlike the year before it) is a large step the newest
snapshots can show at once, and the forecast starts from it. The walk carries the recent pace into the forecast; the
noise is a fresh draw in every future period. ``sigma_agency`` and ``sigma_noise`` are fitted by empirical Bayes
(MacKay's fixed-point updates of the Laplace evidence: ``sigma^2 = sum b^2 / gamma``, gamma the effective number of
well-determined effects); ``tau`` and the steps' t weights by EM (the t as a scale mixture of normals: a step far
out gets weight ``(NU + 1) / (NU + step^2 / tau^2) < 1``, so its prior no longer holds it back).

:func:`fit` returns the posterior mode and covariance (the inverse of the negative Hessian at the mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.sparse import csr_matrix

from forecast.core.threads import one_thread

H_MIN, H_MAX = 1e-12, 50.0
BOUNDS = {"sigma_agency": (0.02, 3.0), "tau": (0.005, 1.5), "sigma_noise": (0.005, 1.5)}
NU = 3.0  # degrees of freedom of the pace walk's steps
PINNED = 1e8  # prior precision of an effect switched off
BLOCKS = ("beta", "theta", "b", "w", "e")


@dataclass(frozen=True)
class Rows:
    """Collapsed task-intervals: ``X`` (rows x p) row design, ``E`` (rows x states) exposure days, ``agency`` and
    ``period`` indices, ``events`` and ``trials``; ``gaps`` (periods - 1) days between consecutive periods."""

    X: np.ndarray
    E: np.ndarray
    agency: np.ndarray
    period: np.ndarray
    events: np.ndarray
    trials: np.ndarray
    n_agencies: int
    gaps: np.ndarray


@dataclass(frozen=True)
class Priors:
    beta_mean: np.ndarray
    beta_sd: np.ndarray
    theta_mean: np.ndarray
    theta_precision: np.ndarray
    pooling: bool = True  # False: no agency effects (every agency at the portfolio rate)
    periods: bool = True  # False: no pace walk and no period noise


@dataclass(frozen=True)
class Posterior:
    """Laplace posterior over ``[beta, theta, b, w, e]``: ``mode`` and ``cov``, and the fitted variances."""

    mode: np.ndarray
    cov: np.ndarray
    sizes: tuple[int, int, int, int, int]  # p, q, A, W, W
    sigma_agency: float
    tau: float
    sigma_noise: float

    def block(self, name: str) -> slice:
        k = BLOCKS.index(name)
        start = sum(self.sizes[:k])
        return slice(start, start + self.sizes[k])

    @property
    def n_agencies(self) -> int:
        return self.sizes[2]

    def sd(self) -> np.ndarray:
        return np.sqrt(np.maximum(np.diag(self.cov), 0.0))


def rw_precision(gaps: np.ndarray, tau: float, weights: np.ndarray | None = None, first_sd: float = 0.01) -> np.ndarray:
    """Precision matrix of a random walk with increments ``N(0, tau^2 * gap / 7 / weight)`` and ``w_1 ~ N(0,
    first_sd^2)``; the weights are the t steps' scale-mixture weights (1: a normal step)."""
    W = len(gaps) + 1
    weights = np.ones(W - 1) if weights is None else weights
    D = np.diff(np.eye(W), axis=0)  # (W-1) x W first differences
    Q = D.T @ (D * (weights / (tau**2 * np.asarray(gaps, float) / 7.0))[:, None])
    Q[0, 0] += 1.0 / first_sd**2
    return Q


def fit(rows: Rows, S: np.ndarray, priors: Priors, max_iter: int = 12) -> Posterior:
    """Posterior mode and Laplace covariance of ``[beta, theta, b, w, e]``, with the three variances by empirical
    Bayes: Newton steps on the mode interleaved with the variances' fixed-point updates, until both settle.

    The matrices are small (a few hundred parameters): one BLAS thread is fastest, and on a busy machine several
    threads on too few cores are many times slower, so the fit runs single-threaded."""
    with one_thread():
        return _fit(rows, S, priors, max_iter)


def interval_hazard(rows: Rows, S: np.ndarray, post: Posterior) -> np.ndarray:
    """Each row's cumulative hazard over its interval at the posterior mode, ``H_i``."""
    x = post.mode
    u = (
        rows.X @ x[post.block("beta")]
        + x[post.block("b")][rows.agency]
        + x[post.block("w")][rows.period]
        + x[post.block("e")][rows.period]
    )
    return np.exp(u) * (rows.E @ np.exp(S @ x[post.block("theta")]))


def _fit(rows: Rows, S: np.ndarray, priors: Priors, max_iter: int) -> Posterior:
    p, q, A, W = rows.X.shape[1], S.shape[1], rows.n_agencies, len(rows.gaps) + 1
    sizes = (p, q, A, W, W)
    live = rows.E.sum(axis=0) > 0  # states no interval visits add nothing to the likelihood
    model = _Likelihood(rows, rows.E[:, live], S[live], sizes)
    var: dict[str, Any] = {"sigma_agency": 0.5, "tau": 0.1, "sigma_noise": 0.1, "weights": np.ones(W - 1)}
    x = np.concatenate([priors.beta_mean, priors.theta_mean, np.zeros(A + 2 * W)])
    Q, mean = _prior(priors, rows.gaps, sizes, var)
    f = model.value(x) - 0.5 * (x - mean) @ Q @ (x - mean)
    for _ in range(max_iter):
        g, neg = model.derivatives(x)
        neg = neg + Q
        x, f_new = _step(model, x, _solve(neg, g - Q @ (x - mean)), Q, mean, f)
        new = _update_variances(x, _inverse(neg), sizes, rows.gaps, var, priors)
        # initial: with two snapshots there is one period, and no walk weights to compare
        settled = all(np.max(np.abs(np.log(new[k] / var[k])), initial=0.0) < 0.02 for k in var)
        var = new
        Q, mean = _prior(priors, rows.gaps, sizes, var)
        f_at_new = model.value(x) - 0.5 * (x - mean) @ Q @ (x - mean)
        if settled and abs(f_new - f) < 1e-7 * (1 + abs(f)):
            break
        f = f_at_new
    for _ in range(10):  # polish the mode at the final variances
        g, neg = model.derivatives(x)
        neg = neg + Q
        x, f_new = _step(model, x, _solve(neg, g - Q @ (x - mean)), Q, mean, f)
        done, f = abs(f_new - f) < 1e-9 * (1 + abs(f)), f_new
        if done:
            break
    neg = model.derivatives(x)[1] + Q
    return Posterior(x, _inverse(neg), sizes, var["sigma_agency"], var["tau"], var["sigma_noise"])


def _step(model: _Likelihood, x, step, Q, mean, f):
    """A Newton step, halved until the penalised log-likelihood does not fall."""
    t = 1.0
    while True:
        cand = x + t * step
        f_new = model.value(cand) - 0.5 * (cand - mean) @ Q @ (cand - mean)
        if np.isfinite(f_new) and f_new >= f - 1e-10:
            return cand, f_new
        if t < 1e-6:
            return x, f
        t /= 2


def _update_variances(x, cov, sizes, gaps, var, priors: Priors) -> dict:
    """MacKay's fixed point for each variance, ``sum(effect^2) / gamma`` with gamma = effects - trace(V)/variance;
    EM for the walk's scale and t weights."""
    p, q, A, W, _ = sizes
    out = dict(var)
    if priors.pooling and A:
        sl = slice(p + q, p + q + A)
        gamma = max(A - np.trace(cov[sl, sl]) / var["sigma_agency"] ** 2, 1e-3)
        out["sigma_agency"] = float(np.sqrt(np.sum(x[sl] ** 2) / gamma))
    if priors.periods and W > 1:
        sl = slice(p + q + A, p + q + A + W)
        D = np.diff(np.eye(W), axis=0)
        step2 = ((D @ x[sl]) ** 2 + np.einsum("ij,jk,ik->i", D, cov[sl, sl], D)) / (gaps / 7.0)  # E[step^2], scaled
        out["weights"] = (NU + 1) / (NU + step2 / var["tau"] ** 2)
        out["tau"] = float(np.sqrt(np.sum(out["weights"] * step2) / (W - 1)))
        sl = slice(p + q + A + W, p + q + A + 2 * W)
        gamma = max(W - np.trace(cov[sl, sl]) / var["sigma_noise"] ** 2, 1e-3)
        out["sigma_noise"] = float(np.sqrt(np.sum(x[sl] ** 2) / gamma))
    return {k: v if k == "weights" else float(np.clip(v, *BOUNDS[k])) for k, v in out.items()}


def _prior(priors: Priors, gaps: np.ndarray, sizes, var: dict[str, Any]):
    """Prior precision (block diagonal) and mean over ``[beta, theta, b, w, e]``."""
    p, q, A, W, _ = sizes
    n = sum(sizes)
    Q = np.zeros((n, n))
    Q[:p, :p] = np.diag(1.0 / np.asarray(priors.beta_sd, float) ** 2)
    Q[p : p + q, p : p + q] = priors.theta_precision
    o = p + q
    Q[o : o + A, o : o + A] = np.eye(A) * (1.0 / var["sigma_agency"] ** 2 if priors.pooling else PINNED)
    o += A
    Q[o : o + W, o : o + W] = rw_precision(gaps, var["tau"], var["weights"]) if priors.periods else np.eye(W) * PINNED
    o += W
    Q[o : o + W, o : o + W] = np.eye(W) * (1.0 / var["sigma_noise"] ** 2 if priors.periods else PINNED)
    mean = np.concatenate([priors.beta_mean, priors.theta_mean, np.zeros(A + 2 * W)])
    return Q, mean


class _Likelihood:
    """log L of the rows, and its gradient and negative Hessian, in x = ``[beta, theta, b, w, e]``.

    The linear part ``u = X beta + b[agency] + w[period] + e[period]`` is never built as a matrix: its blocks of
    ``Z' diag(v) Z`` are sums by agency and period (``np.bincount``), O(rows x (p + q)) per Newton step."""

    def __init__(self, rows: Rows, E: np.ndarray, S: np.ndarray, sizes):
        self.X, self.E, self.S, self.y, self.n = rows.X, E, S, rows.events, rows.trials
        self.agency, self.period = rows.agency, rows.period
        self.p, self.q, self.A, self.W, _ = sizes
        self.cell = rows.agency * self.W + rows.period
        self._groups = {"agency": (self.agency, self.A), "period": (self.period, self.W)}
        self._sums = {name: _summer(codes, k) for name, (codes, k) in self._groups.items()}

    def _u(self, x):
        p, q, A, W = self.p, self.q, self.A, self.W
        o = p + q
        return (
            self.X @ x[:p]
            + x[o : o + A][self.agency]
            + x[o + A : o + A + W][self.period]
            + x[o + A + W : o + A + 2 * W][self.period]
        )

    def _hazard(self, x):
        eu = np.exp(np.clip(self._u(x), -50, 50))
        Ew = self.E * np.exp(np.clip(self.S @ x[self.p : self.p + self.q], -50, 50))[None, :]
        return eu, Ew, np.clip(eu * Ew.sum(axis=1), H_MIN, H_MAX)

    def value(self, x) -> float:
        H = self._hazard(x)[2]
        return float(np.sum(self.y * np.log(-np.expm1(-H)) - (self.n - self.y) * H))

    def _by(self, group: str, values: np.ndarray) -> np.ndarray:
        """Sums of ``values`` (rows,) or (rows x c) by ``group`` ("agency" or "period"): (k,) or (k x c). Either
        way each sum adds its rows in row order from zero (a bincount; a sparse 0/1 product): the same bits."""
        if values.ndim == 1:
            codes, k = self._groups[group]
            return np.bincount(codes, weights=values, minlength=k)
        return self._sums[group] @ values

    def derivatives(self, x):
        """(gradient, negative Hessian) of log L."""
        eu, Ew, H = self._hazard(x)
        y, n, S, X = self.y, self.n, self.S, self.X
        p, q, A, W = self.p, self.q, self.A, self.W
        a = y / np.expm1(H) - (n - y)  # d logL / dH
        c = -y / (np.expm1(H) * -np.expm1(-H))  # d2 logL / dH2
        Gk = Ew @ S  # rows x q: d G / d theta, G = sum_s Ew
        gu, v = a * H, c * H**2 + a * H  # d logL / du and d2 logL / du2
        cross = Gk * ((c * H + a) * eu)[:, None]  # d2 logL / du dtheta
        sl = {
            "beta": slice(0, p),
            "theta": slice(p, p + q),
            "b": slice(p + q, p + q + A),
            "w": slice(p + q + A, p + q + A + W),
            "e": slice(p + q + A + W, p + q + A + 2 * W),
        }
        g = np.zeros(len(x))
        g[sl["beta"]] = X.T @ gu
        g[sl["theta"]] = Gk.T @ (a * eu)
        g[sl["b"]] = self._by("agency", gu)
        g[sl["w"]] = g[sl["e"]] = self._by("period", gu)
        Hm = np.zeros((len(x), len(x)))

        def put(r, c_, block):
            Hm[sl[r], sl[c_]] = block
            if r != c_:
                Hm[sl[c_], sl[r]] = block.T

        put("beta", "beta", X.T @ (X * v[:, None]))
        put("theta", "theta", Gk.T @ (Gk * (c * eu**2)[:, None]) + S.T @ (S * (Ew.T @ (a * eu))[:, None]))
        put("beta", "theta", X.T @ cross)
        by_agency = self._by("agency", np.column_stack([X * v[:, None], cross]))
        by_period = self._by("period", np.column_stack([X * v[:, None], cross]))
        put("b", "beta", by_agency[:, :p])
        put("b", "theta", by_agency[:, p:])
        bw = np.bincount(self.cell, weights=v, minlength=A * W).reshape(A, W)
        dw = np.diag(self._by("period", v))
        for name in ("w", "e"):
            put(name, "beta", by_period[:, :p])
            put(name, "theta", by_period[:, p:])
            put("b", name, bw)
        put("b", "b", np.diag(self._by("agency", v)))
        put("w", "w", dw)
        put("e", "e", dw)
        put("w", "e", dw)
        return g, -Hm


def _summer(codes: np.ndarray, k: int) -> csr_matrix:
    """The (k x rows) 0/1 matrix whose product with a (rows x c) array sums its rows by ``codes``."""
    return csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(k, len(codes)))


def _inverse(neg_hess: np.ndarray) -> np.ndarray:
    """The covariance: inverse of the negative Hessian, through its Cholesky factor; away from the mode (where it
    may not be positive definite yet) through its eigenvalues, clipped at a small positive floor."""
    try:
        return cho_solve(cho_factor(neg_hess), np.eye(len(neg_hess)))
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh((neg_hess + neg_hess.T) / 2)
        floor = 1e-8 * max(float(np.abs(values).max()), 1.0)
        return (vectors / np.maximum(values, floor)) @ vectors.T


def _solve(neg_hess: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Newton step ``neg_hess^-1 g``, damped until ``neg_hess`` is positive definite."""
    damp = 0.0
    scale = float(np.mean(np.abs(np.diag(neg_hess)))) or 1.0
    for _ in range(20):
        try:
            return cho_solve(cho_factor(neg_hess + damp * np.eye(len(g))), g)
        except np.linalg.LinAlgError:
            damp = max(damp * 10, 1e-8 * scale)
    return g / scale
