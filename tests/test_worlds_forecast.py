"""The hazard model (the headline's structural component) on worlds it does not assume (issue #11's targets).

The worlds come from ``tests/worlds``, written apart from the kit and from :mod:`forecast.sample`: piecewise and
spike deadline pulls that change within a week, log-normal agencies, arrivals in waves, a December push from 5 Dec
that nothing before it shows, competing extensions and reclassifications. Per family, over :data:`SEEDS` worlds of
1,000-1,500 tasks, forecasting 31 Dec from the kit's public path (``forecast.predict.forecast``):

* from the history alone (``year_end: false``), at 4 Dec: |bias| <= 5 % of the mean outcome, and the P10-P90
  interval is not too narrow (10 or more of the 18 worlds: the binomial bound of 70 % coverage) and covers at least
  half of each family's;
* in the december worlds, with the kit's year-end prior: the interval as of 18 Dec covers the outcome in at least
  70 % of the worlds, and at 4 Dec it reaches towards the push's outcome as far as the prior says (its P10 falls
  below the history-only P10 by at least a third of the prior's pull).

``bench/worlds.py`` measures the same figures over more seeds for the README.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.params import parse_params
from forecast.predict import forecast
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
    (92 %, piecewise and spike), consistent with 80-90 % (README, "Worlds the model does not assume")."""
    covered = int(history_only["covered"].sum())
    assert covered >= 10, f"P10-P90 covered {covered} of {len(history_only)} outcomes"
    per_family = history_only.groupby("family")["covered"].mean()
    assert (per_family >= 0.5).all(), per_family.to_dict()


@pytest.fixture(scope="module")
def december():
    with_prior = evaluate(forecaster(), "december", SEEDS, DECEMBER_AS_OF, sims=SIMS)
    without = evaluate(forecaster(year_end=False), "december", SEEDS, DECEMBER_AS_OF[:1], sims=SIMS)
    return with_prior, without


def test_in_december_the_forecast_catches_up_with_the_push(december):
    with_prior, _ = december
    by_date = with_prior.groupby("as_of")
    assert by_date["covered"].mean()[DECEMBER_AS_OF[2]] >= 0.7
    error = by_date["rel_error"].apply(lambda e: e.abs().mean())
    assert error[DECEMBER_AS_OF[2]] < error[DECEMBER_AS_OF[1]] < error[DECEMBER_AS_OF[0]]  # each snapshot moves it


def test_at_4_december_the_interval_reaches_towards_the_push_as_far_as_the_prior_says(december):
    """The prior (median 1, P90 2 x the history's pace) cannot know the push; its P10 end must stretch down
    towards the push's outcome, which the history-only interval does not."""
    with_prior, without = december
    at4 = with_prior.loc[with_prior["as_of"] == DECEMBER_AS_OF[0]].reset_index(drop=True)
    reach = without["p10"] - at4["p10"]
    gap = without["p10"] - at4["truth"]  # how far the history-only P10 is from the outcome
    assert (gap > 0).all()  # the push is out of the history's sight
    assert np.median(reach / gap) > 1 / 3
    assert (at4["p90"] >= without["p90"] - 0.05 * without["p90"]).all()  # and it does not give up the top
