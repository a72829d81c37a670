import numpy as np
import properscoring
import pytest

from forecast.evaluation import scores


def test_crps_by_hand():
    # E|X - 3| = (2 + 1 + 2 + 4) / 4 = 2.25; E|X - X'| = 42 / 16 = 2.625; CRPS = 2.25 - 1.3125
    assert scores.crps(np.array([1, 2, 5, 7]), 3) == pytest.approx(0.9375)
    assert scores.crps(np.array([4, 4, 4]), 4) == 0.0
    assert scores.crps(np.array([4]), 6) == 2.0  # a point forecast: CRPS is the absolute error


@pytest.mark.parametrize("seed", range(5))
def test_crps_agrees_with_properscoring(seed):
    rng = np.random.default_rng(seed)
    draws = rng.poisson(rng.uniform(1, 80), size=int(rng.integers(1, 3000)))
    outcome = int(rng.integers(0, 100))
    assert scores.crps(draws, outcome) == pytest.approx(properscoring.crps_ensemble(outcome, draws), rel=1e-9)


def test_crps_equals_the_integral_over_the_cdf():
    draws = np.random.default_rng(1).poisson(20, 500)
    y = 17
    k = np.arange(-1, 200)
    F = np.array([np.mean(draws <= v) for v in k])
    assert scores.crps(draws, y) == pytest.approx(np.sum((F - (k >= y)) ** 2))


def test_interval_coverage():
    draws = np.arange(1, 101)
    assert scores.interval_covers(draws, 50, 0.8) and not scores.interval_covers(draws, 95, 0.8)
    assert scores.interval_covers(draws, 95, 0.9)


def test_pit_bounds_and_flat_histogram_when_calibrated():
    rng = np.random.default_rng(2)
    assert scores.pit_bounds(np.array([0, 1, 1, 2]), 1) == (0.25, 0.75)
    lows, highs = [], []
    for _ in range(400):
        mu = rng.uniform(5, 50)
        lo, hi = scores.pit_bounds(rng.poisson(mu, 4000), rng.poisson(mu))
        lows.append(lo)
        highs.append(hi)
    hist = scores.pit_histogram(np.array(lows), np.array(highs))
    assert hist["share"].sum() == pytest.approx(1.0)
    assert np.all(np.abs(hist["share"] - 0.1) < 0.05)


def test_pit_histogram_shows_overconfidence_as_a_u():
    rng = np.random.default_rng(3)
    lo_hi = [scores.pit_bounds(rng.poisson(30, 4000), rng.poisson(30) + rng.integers(-15, 16)) for _ in range(300)]
    hist = scores.pit_histogram(*map(np.array, zip(*lo_hi, strict=True)))
    assert hist["share"].iloc[0] + hist["share"].iloc[-1] > 0.35


def test_brier_and_reliability_by_hand():
    p = np.array([0.05, 0.15, 0.95, 0.85, 0.9])
    o = np.array([0, 1, 1, 1, 0])
    assert scores.brier(p, o) == pytest.approx(np.mean((p - o) ** 2))
    table = scores.reliability(p, o, bins=10)
    assert len(table) == 10 and table["tasks"].sum() == 5
    top = table.iloc[-1]
    assert (top["tasks"], top["predicted"], top["observed"]) == (2, pytest.approx(0.925), 0.5)
