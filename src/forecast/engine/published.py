"""The published-figures model: slips among the open tasks from the public reports alone, built on their flows.

At a report date A the open tasks are ``late`` overdue ones and ``due`` ones in progress whose deadline falls by the
deadline D (``h = D - A`` days). Two shares describe what happens to them:

* **done** ``p``: of tasks still in progress before their deadline, the share done by it;
* **cleared** ``c``: of overdue tasks, the share cleared (completed, extended or reclassified) within 28 days. An
  overdue task is still overdue ``t`` days later with probability ``s^(t/28)``, ``s = 1 - c``.

A task due at a day uniform in a window ending ``e`` days before D (``e = 0`` when the window reaches D) slips when
it misses its deadline and is not cleared by D::

    P(slip | due) = (1 - p) * (s^(e/28) - s^(h/28)) / (ln(1/s) * (h - e) / 28)     (mean of s^(t/28) over the window)
    P(slip | overdue) = s^(h/28)

**Evidence** is the published overdue stock, report to report (:data:`TRANSITIONS`): ``overdue(B) =
Binomial(overdue(A), P(slip | overdue)) + Binomial(due(A, B), P(slip | due))``, where ``due(A, B)`` is read from the
published in-progress count as each transition's ``reading`` says. Every count enters through this likelihood, so
shares are weighted by the numbers of tasks behind them, and a share comes only from tasks in the matching state.
**Between-report overdispersion**: each report period has its own ``p', c'`` ~ Beta with means ``p, c`` and
intra-class correlation ``rho``. The posterior of ``(p, c, rho)`` is computed on a grid (uniform priors on ``p, c``
in (0, 1) and on :data:`RHO_GRID`); a forecast draws ``(p, c, rho)`` from it, then the forecast period's own
``p', c'``, then the two binomials. So the intervals carry both the sampling error of small counts and the
disagreement between reports (the July stall and the August clearing of Res 71's overdue tasks), not an unweighted
spread of shares.

:mod:`forecast.evaluation.published_scores` scores it on the published transitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from scipy import special, stats

from forecast.core.threads import one_thread
from forecast.data import schema
from forecast.data.question import Provenance, Question, default_deadline, year_end
from forecast.engine.simulate import SlipForecast
from forecast.errors import ForecastError

GRID = np.linspace(0.005, 0.995, 100)
RHO_GRID = np.array([0.002, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5])
PERIOD = 28  # days of the cleared share
PARTS = {"res71+conclusions": ("res71", "conclusions")}


@dataclass(frozen=True)
class Transition:
    """The overdue stock from report ``start`` (scope ``scope``) to report ``end`` (scope ``end_scope``).

    ``due_rule`` says how many tasks in progress at ``start`` fell due by ``end``: ``all`` (every one, with deadlines
    up to ``due_by``), ``none``, or ``uniform`` (the last published in-progress count of the scope, deadlines
    uniform from that report to 31 Dec 2025)."""

    start: str
    end: str
    scope: str
    end_scope: str
    due_rule: str
    due_by: str
    reading: str


TRANSITIONS = (
    Transition(
        "2025-06-20",
        "2025-07-31",
        "res71",
        "res71",
        "all",
        "2025-07-31",
        "the June report counts the 86 first-phase Res 71 tasks; its 22 in progress fell due by 31 Jul "
        "(33 were behind schedule on 31 Jul, which needs them all)",
    ),
    Transition(
        "2025-07-31",
        "2025-08-28",
        "res71",
        "res71",
        "none",
        "2025-07-31",
        "the first phase had fallen due; the second wave, loaded from July, was due from September",
    ),
    Transition(
        "2025-08-28",
        "2025-10-28",
        "res71+conclusions",
        "res71+conclusions",
        "uniform",
        "2025-10-28",
        "deadlines of the 392 tasks in progress on 28 Aug are not published: uniform to 31 Dec",
    ),
    Transition(
        "2025-10-28",
        "2025-12-04",
        "res71+conclusions",
        "all",
        "uniform",
        "2025-12-04",
        "no in-progress count on 28 Oct: the 28 Aug one less those due by 28 Oct; the 4 Dec count adds "
        "Plan 02, which no earlier report covers (so this transition is scored, never used as evidence)",
    ),
)


def _value(figures: pd.DataFrame, date: str, scope: str, metric: str) -> float | None:
    if scope in PARTS:
        parts = [_value(figures, date, s, metric) for s in PARTS[scope]]
        known = [v for v in parts if v is not None]
        if len(known) == len(parts):
            return float(sum(known))
    hit = figures.loc[
        (figures["date"] == pd.Timestamp(date))
        & (figures["scope"] == scope)
        & (figures["metric"] == metric)
        & (figures["agency"] == "")
    ]
    return float(hit["value"].iloc[0]) if len(hit) else None


def _in_progress(figures: pd.DataFrame, date: str, scope: str) -> float | None:
    """Tasks in progress (on schedule) in ``scope`` at ``date``: published, or assigned - completed - overdue."""
    direct = _value(figures, date, scope, "in_progress")
    if direct is not None:
        return direct
    assigned, completed, overdue = (_value(figures, date, scope, m) for m in ("assigned", "completed", "overdue"))
    if assigned is None or completed is None or overdue is None:
        return None
    return assigned - completed - overdue


def at_risk(figures: pd.DataFrame, t: Transition) -> tuple[int, int]:
    """(overdue at the start, tasks in progress at the start that fall due by the end) of transition ``t``."""
    late = _value(figures, t.start, t.scope, "overdue")
    if late is None:
        raise ForecastError(f"the published figures have no overdue count for {t.scope} on {t.start}")
    if t.due_rule == "none":
        return int(late), 0
    if t.due_rule == "all":
        return int(late), int(_in_progress(figures, t.start, t.scope) or 0)
    dated = (
        figures.loc[
            figures["scope"].isin([t.scope, *PARTS.get(t.scope, ())])
            & figures["date"].notna()
            & (figures["date"] <= pd.Timestamp(t.start)),
            "date",
        ]
        .drop_duplicates()
        .sort_values()
    )
    for when in dated[::-1]:
        count = _in_progress(figures, str(when.date()), t.scope)
        if count is not None:
            share = (pd.Timestamp(t.end) - pd.Timestamp(t.start)).days / (year_end(when) - when).days
            return int(late), round(count * share)
    raise ForecastError(f"the published figures have no in-progress count for {t.scope} by {t.start}")


def overdue_at_end(figures: pd.DataFrame, t: Transition) -> int:
    """The published overdue count at ``t``'s end (:func:`usable` checks it is there)."""
    value = _value(figures, t.end, t.end_scope, "overdue")
    if value is None:
        raise ForecastError(f"the published figures hold no overdue count of {t.end_scope} on {t.end}")
    return int(value)


def usable(figures: pd.DataFrame, t: Transition) -> bool:
    """Whether ``figures`` hold every count transition ``t`` needs."""
    try:
        at_risk(figures, t)
    except ForecastError:
        return False
    return _value(figures, t.end, t.end_scope, "overdue") is not None


def slip_probabilities(p: np.ndarray, c: np.ndarray, horizon: float, early: float) -> tuple[np.ndarray, np.ndarray]:
    """(P(slip | due), P(slip | overdue)) for done share ``p``, 28-day cleared share ``c``, ``horizon`` days to D
    and deadlines uniform over a window ending ``early`` days before D (formulas in the module docstring)."""
    rate = -np.log1p(-np.clip(c, 1e-9, 1 - 1e-9)) / PERIOD  # clearing hazard per day
    spread = rate * max(horizon - early, 0.0)
    mean_stay = np.where(spread > 1e-12, -np.expm1(-spread) / np.maximum(spread, 1e-12), 1.0)
    return (1 - p) * np.exp(-rate * early) * mean_stay, np.exp(-rate * horizon)


def window(t: Transition) -> tuple[float, float]:
    start, end, due_by = (pd.Timestamp(d) for d in (t.start, t.end, t.due_by))
    return float((end - start).days), float((end - min(due_by, end)).days)


def _likelihood(figures: pd.DataFrame, t: Transition) -> np.ndarray:
    """P(published overdue at the end | p', c') on GRID x GRID."""
    late, due = at_risk(figures, t)
    observed = overdue_at_end(figures, t)
    horizon, early = window(t)
    q_due, q_late = slip_probabilities(GRID[:, None], GRID[None, :], horizon, early)
    j = np.arange(observed + 1)
    from_late = _binom_pmf(j[None, :], late, q_late[0][:, None])  # (c', j)
    from_due = _binom_pmf(observed - j[None, None, :], due, q_due[:, :, None])  # (p', c', j)
    return np.einsum("kj,ikj->ik", from_late, from_due)


def _binom_pmf(k: np.ndarray, n: int, q: np.ndarray) -> np.ndarray:
    """Binomial(n, q) probability of k (0 outside 0..n): the log form, vectorised (scipy's is slow on 10^7 cells)."""
    inside = (k >= 0) & (k <= n)
    kk = np.clip(k, 0, n)
    log_choose = special.gammaln(n + 1) - special.gammaln(kk + 1) - special.gammaln(n - kk + 1)
    q = np.clip(q, 1e-300, 1 - 1e-16)
    return np.where(inside, np.exp(log_choose + kk * np.log(q) + (n - kk) * np.log1p(-q)), 0.0)


@cache
def _mixing(rho: float) -> np.ndarray:
    """Row i: the Beta(mean GRID[i], ICC rho) weights of a period's own share over GRID."""
    a, b = GRID * (1 - rho) / rho, (1 - GRID) * (1 - rho) / rho
    w = stats.beta.pdf(GRID[None, :], a[:, None], b[:, None])
    return w / w.sum(axis=1, keepdims=True)


def posterior(figures: pd.DataFrame, cutoff) -> tuple[np.ndarray, list[Transition]]:
    """Posterior weights on RHO_GRID x GRID (p) x GRID (c) from the transitions ending by ``cutoff`` whose two
    counts share a scope; and those transitions."""
    used = [
        t
        for t in TRANSITIONS
        if pd.Timestamp(t.end) <= pd.Timestamp(cutoff) and t.scope == t.end_scope and usable(figures, t)
    ]
    post = np.ones((len(RHO_GRID), len(GRID), len(GRID)))
    digest = int(pd.util.hash_pandas_object(figures, index=False).sum())
    with one_thread():  # 100 x 100 products: one BLAS thread is several times faster on a busy machine
        for t in used:
            post *= _evidence(figures, digest, t)
    return post / post.sum(), used


_EVIDENCE: dict[tuple[int, Transition], np.ndarray] = {}  # the last figures' factors (a backtest asks each cutoff)


def _evidence(figures: pd.DataFrame, digest: int, t: Transition) -> np.ndarray:
    """Transition ``t``'s likelihood of (rho, p, c): per rho, ``W @ like @ W.T`` with ``W`` its mixing weights.
    Kept for the figures of ``digest`` (their content's hash) only, so the memory stays a few MB."""
    if (digest, t) not in _EVIDENCE:
        if any(key[0] != digest for key in _EVIDENCE):
            _EVIDENCE.clear()
        like = _likelihood(figures, t)
        _EVIDENCE[digest, t] = np.stack([_mixing(float(rho)) @ like @ _mixing(float(rho)).T for rho in RHO_GRID])
    return _EVIDENCE[digest, t]


def _draws(post: np.ndarray, rng: np.random.Generator, sims: int) -> tuple[np.ndarray, np.ndarray]:
    """The forecast period's own (p', c'), ``sims`` of each: (p, c, rho) from the posterior, then Beta draws."""
    flat = rng.choice(post.size, size=sims, p=post.ravel())
    r, i, k = np.unravel_index(flat, post.shape)
    rho = RHO_GRID[r]
    p, c = GRID[i], GRID[k]
    strength = (1 - rho) / rho
    return rng.beta(p * strength, (1 - p) * strength), rng.beta(c * strength, (1 - c) * strength)


def simulate_slips(post, late: int, due: int, horizon: float, early: float, sims: int, seed: int):
    rng = np.random.default_rng([seed, 2])
    p, c = _draws(post, rng, sims)
    q_due, q_late = slip_probabilities(p, c, horizon, early)
    return rng.binomial(due, q_due) + rng.binomial(late, q_late), q_due, q_late, p, c


def published_forecast(
    figures: pd.DataFrame, sims: int, seed: int, provenance: Provenance, deadline=None
) -> SlipForecast:
    """Simulated slips among the published open tasks (``in_progress_due_by_year_end`` + ``overdue`` at the last
    report that gives them) to ``deadline`` (default: 31 Dec of that report's year), in the same shape as the
    task-level forecast."""
    dated = figures.loc[(figures["metric"] == "to_finish_by_year_end") & figures["date"].notna()]
    if dated.empty:
        raise ForecastError("the published figures have no dated 'to_finish_by_year_end' figure")
    date = dated["date"].max()
    due, late = (_value(figures, str(date.date()), "all", m) for m in ("in_progress_due_by_year_end", "overdue"))
    if due is None or late is None:
        raise ForecastError(f"published figures of {date.date()} lack in_progress_due_by_year_end or overdue")
    deadline = default_deadline(deadline, date)
    post, used = posterior(figures, date)
    totals, q_due, q_late, p, c = simulate_slips(
        post, int(late), int(due), float((deadline - date).days), 0.0, sims, seed
    )
    tasks = pd.DataFrame({"status": ["in_progress"] * int(due) + ["overdue"] * int(late)})
    tasks = tasks.assign(p_slip=np.where(tasks["status"] == "overdue", q_late.mean(), q_due.mean()))
    meta = {
        "flows": {"done_by_deadline": _summary(p), "cleared_in_28_days": _summary(c)},
        "evidence": [f"{t.start} -> {t.end} {t.scope}" for t in used],
    }
    return SlipForecast(
        model="published",
        as_of=date,
        deadline=deadline,
        seed=seed,
        tasks=tasks,
        totals=totals,
        agencies=(),
        agency_draws=np.zeros((0, sims), dtype=np.int64),
        provenance=provenance,
        meta=meta,
    )


def question_forecast(
    figures: pd.DataFrame, question: Question, sims: int, seed: int, active: np.ndarray | None = None
) -> SlipForecast:
    """The published-figures model asked a task-level question: of the question's open tasks (those ``active``),
    ``late`` are overdue and ``due`` in progress, due within ``h = deadline - as_of`` days (``e = 0``); the flows'
    posterior comes from the published transitions ending on or before the as-of date. Each task's ``p_slip`` is its
    state's mean slip probability; the published figures break nothing down by agency."""
    tasks = question.tasks if active is None else question.tasks.loc[np.asarray(active, bool)]
    late = (tasks["status"] == schema.OVERDUE).to_numpy()
    post, used = posterior(figures, question.as_of)
    horizon = float((question.deadline - question.as_of).days)
    totals, q_due, q_late, p, c = simulate_slips(post, int(late.sum()), int((~late).sum()), horizon, 0.0, sims, seed)
    meta = {
        "flows": {"done_by_deadline": _summary(p), "cleared_in_28_days": _summary(c)},
        "evidence": [f"{t.start} -> {t.end} {t.scope}" for t in used],
    }
    return SlipForecast(
        model="published",
        as_of=question.as_of,
        deadline=question.deadline,
        seed=seed,
        tasks=tasks.assign(p_slip=np.where(late, q_late.mean(), q_due.mean())),
        totals=totals,
        agencies=(),
        agency_draws=np.zeros((0, sims), dtype=np.int64),
        provenance=question.provenance,
        meta=meta,
    )


def _summary(draws: np.ndarray) -> dict[str, float]:
    lo, mid, hi = np.quantile(draws, [0.1, 0.5, 0.9])
    return {
        "mean": round(float(draws.mean()), 3),
        "p10": round(float(lo), 3),
        "p50": round(float(mid), 3),
        "p90": round(float(hi), 3),
    }
