"""The December intervals' likelihood (forecast.models.pushes): the prepared form (open rows summed, each distinct
ended row once with its count) is the row-by-row competing-risks likelihood."""

from __future__ import annotations

import numpy as np

from forecast.models.pushes import DaySums, Pushes, hazards, log_likelihood, observed


def _row_by_row(sums: DaySums, outcome: np.ndarray, p: Pushes) -> np.ndarray:
    """Each row's term summed one row at a time: -H if still open, else log(1 - e^-H) + log(share of H)."""
    Hc, Hx = hazards(sums, p)
    H = np.maximum(Hc + Hx, 1e-12)
    out = np.zeros(len(p.onset))
    for i, o in enumerate(outcome):
        if o == 0:
            out -= Hc[i] + Hx[i]
        else:
            out += np.log(-np.expm1(-H[i])) + np.log(np.maximum(Hc[i] if o == 1 else Hx[i], 1e-300) / H[i])
    return out


def test_the_prepared_likelihood_is_the_row_by_row_one():
    rng = np.random.default_rng(7)
    w, n = 8, 60
    by_day = (rng.random((12, w + 1)) for _ in range(3))
    distinct = DaySums(rng.random(12), rng.random(12), *by_day, rng.random(12))
    pick = rng.integers(0, 12, n)  # many rows share their terms, as a national portfolio's do
    sums = distinct.take(pick)
    outcome = rng.integers(0, 3, 12)[pick]
    draws = 25
    p = Pushes(
        rng.integers(0, w + 1, draws),
        1 + 3 * rng.random(draws),
        rng.random(draws),
        rng.random(draws),
        rng.random(draws),
        0.5 + rng.random(draws),
    )
    seen = observed(sums, outcome)
    assert len(seen.count) < (outcome != 0).sum() and seen.count.sum() == (outcome != 0).sum()
    np.testing.assert_allclose(log_likelihood(seen, p), _row_by_row(sums, outcome, p), rtol=1e-12)
