import numpy as np

from forecast.models.pooling import GRID, fit_group_effects


def _simulated(sigma, groups=80, rows=400, seed=0):
    rng = np.random.default_rng(seed)
    b = rng.normal(0, sigma, groups)
    group = np.repeat(np.arange(groups), rows)
    hazard = rng.uniform(0.02, 0.3, len(group))
    events = (rng.random(len(group)) < -np.expm1(-np.exp(b[group]) * hazard)).astype(float)
    return group, events, hazard, b


def test_recovers_the_spread_of_group_effects():
    for sigma in (0.3, 0.8):
        group, events, hazard, b = _simulated(sigma)
        fit = fit_group_effects(group, events, np.ones_like(events), hazard, 80)
        assert abs(fit.sigma - sigma) < 0.15
        assert np.corrcoef(fit.mean, b)[0, 1] > 0.8


def test_collapsed_rows_give_the_same_fit():
    group, events, hazard, _ = _simulated(0.5, groups=10, rows=50)
    hazard = np.round(hazard, 1) + 0.1
    full = fit_group_effects(group, events, np.ones_like(events), hazard, 10)
    keys, inverse = np.unique(np.column_stack([group, hazard]), axis=0, return_inverse=True)
    ev = np.bincount(inverse, weights=events)
    tr = np.bincount(inverse).astype(float)
    collapsed = fit_group_effects(keys[:, 0].astype(int), ev, tr, keys[:, 1], 10)
    assert abs(full.sigma - collapsed.sigma) < 1e-6
    assert np.allclose(full.posterior, collapsed.posterior)


def test_a_tiny_group_without_events_is_shrunk_to_the_prior():
    group, events, hazard, _ = _simulated(0.5)
    group = np.append(group, [80, 80, 80])
    events = np.append(events, [0, 0, 0])
    hazard = np.append(hazard, [0.1, 0.1, 0.1])
    fit = fit_group_effects(group, events, np.ones_like(events), hazard, 81)
    assert -0.5 < fit.mean[80] < 0  # a little slower than average, nowhere near "never completes"
    assert fit.sd[80] > 0.8 * fit.sigma


def test_draws_follow_the_posterior():
    group, events, hazard, _ = _simulated(0.5, groups=5)
    fit = fit_group_effects(group, events, np.ones_like(events), hazard, 5)
    draws = fit.draw(np.random.default_rng(1), 20000)
    assert draws.shape == (5, 20000)
    assert np.allclose(draws.mean(axis=1), fit.mean, atol=0.02)
    assert set(np.unique(draws)) <= set(GRID)
