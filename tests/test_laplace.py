"""The hazard model's likelihood and Laplace fit: derivatives against finite differences, and parameters recovered
from rows simulated from the model itself."""

import numpy as np

from forecast.models import laplace


def _rows(rng, n=400, A=6, W=5, p=2, states=4):
    X = np.column_stack([np.ones(n), rng.integers(0, 2, n)]).astype(float)[:, :p]
    E = rng.multinomial(7, np.full(states, 1 / states), size=n).astype(float)
    return laplace.Rows(
        X,
        E,
        rng.integers(0, A, n),
        rng.integers(0, W, n),
        np.zeros(n),
        rng.integers(1, 30, n).astype(float),
        A,
        np.full(W - 1, 7.0),
    )


def test_gradient_and_hessian_match_finite_differences():
    rng = np.random.default_rng(0)
    rows = _rows(rng)
    S = np.eye(4)[:, 1:]  # state 0 is the reference
    events = rng.binomial(rows.trials.astype(int), 0.3).astype(float)
    rows = laplace.Rows(rows.X, rows.E, rows.agency, rows.period, events, rows.trials, rows.n_agencies, rows.gaps)
    sizes = (2, 3, 6, 5, 5)
    lik = laplace._Likelihood(rows, rows.E, S, sizes)
    x = rng.normal(0, 0.3, sum(sizes))
    x[0] = -3.0
    g, neg = lik.derivatives(x)
    h = 1e-5
    num_g = np.array([(lik.value(x + h * e) - lik.value(x - h * e)) / (2 * h) for e in np.eye(len(x))])
    assert np.allclose(g, num_g, rtol=1e-4, atol=1e-3)
    num_h = np.stack(
        [(lik.derivatives(x + h * e)[0] - lik.derivatives(x - h * e)[0]) / (2 * h) for e in np.eye(len(x))]
    )
    assert np.allclose(-neg, num_h, rtol=1e-3, atol=1e-2)


def test_the_fit_recovers_state_and_agency_effects_it_simulated():
    rng = np.random.default_rng(1)
    n, A, W = 6000, 8, 10
    rows = _rows(rng, n=n, A=A, W=W)
    S = np.eye(4)[:, 1:]
    beta, theta = np.array([-4.0, 0.3]), np.array([1.0, -0.5, 0.6])
    b = rng.normal(0, 0.5, A)
    u = rows.X @ beta + b[rows.agency]
    H = np.exp(u) * (rows.E @ np.exp(S @ theta))
    events = rng.binomial(rows.trials.astype(int), -np.expm1(-H)).astype(float)
    data = laplace.Rows(rows.X, rows.E, rows.agency, rows.period, events, rows.trials, A, rows.gaps)
    priors = laplace.Priors(np.array([-4.0, 0.0]), np.array([5.0, 2.0]), np.zeros(3), np.eye(3) * 0.01)
    post = laplace.fit(data, S, priors)
    est_theta, sd = post.mode[post.block("theta")], post.sd()[post.block("theta")]
    assert np.all(np.abs(est_theta - theta) < 3 * sd + 0.05)
    assert abs(post.mode[1] - beta[1]) < 3 * post.sd()[1] + 0.05
    est_b = post.mode[post.block("b")]
    assert np.corrcoef(est_b, b)[0, 1] > 0.9  # agencies in the right order and spread
    assert 0.2 < post.sigma_agency < 1.0
    assert post.tau < 0.1 and post.sigma_noise < 0.1  # no period effect was simulated
