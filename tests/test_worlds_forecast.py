"""The hazard model (the headline's structural component) on worlds it does not assume (issue #11's targets).

The worlds come from ``tests/worlds``, written apart from the kit and from :mod:`forecast.sample`: piecewise and
spike deadline pulls that change within a week, log-normal agencies, arrivals in waves, a December push from 5 Dec
that nothing before it shows, competing extensions and reclassifications. Per family, over :data:`SEEDS` worlds of
1,000-1,500 tasks, forecasting 31 Dec from the kit's public path (``forecast.engine.predict.forecast``):

* from the history alone (``year_end: false``), at 4 Dec: |bias| <= 5 % of the mean outcome, and the P10-P90
  interval is not too narrow (10 or more of the 18 worlds: the binomial bound of 70 % coverage) and covers at least
  half of each family's;
The year-end regime on December worlds of shapes it does not assume is ``tests/test_worlds_december.py``.
``bench/worlds.py`` measures the same figures over more seeds for docs/worlds.md.
"""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.config.params import parse_params
from forecast.engine.predict import forecast
from tests.worlds import exits
from tests.worlds.harness import DECEMBER_AS_OF, evaluate, summarise

SEEDS = range(21, 27)
SIMS = 1000
pytestmark = pytest.mark.slow


def forecaster(**settings):
    def run(snaps, as_of, deadline, sims, seed):
        params = parse_params(
            {"as_of": str(as_of.date()), "deadline": str(deadline.date()), "sims": sims, "seed": seed, **settings}
        )
        return forecast(params, snaps, "hazard").totals

    return run


def no_surge(seed, **settings):
    return exits(seed, surge=1.0, extend_surge=1.0, **settings)


@pytest.fixture(scope="module")
def history_only():
    dec4 = [DECEMBER_AS_OF[0]]
    rows = [
        evaluate(forecaster(year_end=False), family, SEEDS, dec4, sims=SIMS)
        for family in ("piecewise", "spike", no_surge)
    ]
    return pd.concat(rows, ignore_index=True)


def test_from_the_history_alone_the_forecast_is_unbiased_on_every_family(history_only):
    table = summarise(history_only)
    assert len(table) == 3 and (table["worlds"] == len(SEEDS)).all()
    for row in table.itertuples():
        assert abs(row.bias_pct) <= 5, f"{row.family}: bias {row.bias:.1f} slips ({row.bias_pct:.1f} %)"


def test_from_the_history_alone_the_interval_is_not_too_narrow(history_only):
    """The P10-P90 interval should cover 70-90 % of outcomes. 18 worlds can test the lower end only: at 70 %
    coverage, 10 or more of 18 happen 94 % of the time, while at 90 % even 18 of 18 happen 15 % of the time. The
    upper end needs more worlds than a test affords: ``bench/worlds.py --history-only --seeds 12`` measured 22 of 24
    (92 %, piecewise and spike), consistent with 80-90 % (docs/methods.md, "Worlds the model does not assume")."""
    covered = int(history_only["covered"].sum())
    assert covered >= 10, f"P10-P90 covered {covered} of {len(history_only)} outcomes"
    per_family = history_only.groupby("family")["covered"].mean()
    assert (per_family >= 0.5).all(), per_family.to_dict()
