import numpy as np
import pytest

from forecast import load_published
from forecast.models.public import beta_moments, published_forecast, published_shares
from forecast.question import Provenance


def test_shares_come_from_the_published_figures():
    shares = published_shares(load_published())
    miss = shares.loc[shares["share"] == "miss"].set_index(["scope"])
    assert miss.loc["all", "value"] == pytest.approx(104 / 705)
    persistence = sorted(shares.loc[shares["share"] == "persistence", "value"].round(3))
    assert persistence == [round(4 / 29, 3), round(21 / 33, 3)]


def test_beta_matches_the_moments():
    a, b = beta_moments(np.array([0.1, 0.2, 0.3]))
    assert a / (a + b) == pytest.approx(0.2)
    assert a * b / ((a + b) ** 2 * (a + b + 1)) == pytest.approx(np.var([0.1, 0.2, 0.3], ddof=1))


def test_forecast_shape_and_bounds():
    fc = published_forecast(load_published(), 5000, 1, Provenance("test", False))
    out = fc.to_json()
    assert out["open_tasks"] == 472 and out["by_agency"] == [] and out["model"] == "published"
    assert 0 <= out["slip"]["p10"] <= out["slip"]["p50"] <= out["slip"]["p90"] <= 472
    again = published_forecast(load_published(), 5000, 1, Provenance("test", False))
    assert (again.totals == fc.totals).all()
