import copy

import numpy as np
import pandas as pd
import pytest

from forecast.engine.simulate import simulate
from forecast.models.hazard import HazardModel
from forecast.sample.process import FITTED, pull
from tests.helpers import DEC4, YEAR_END


@pytest.fixture(scope="module")
def fitted(bundled):
    snaps, question = bundled
    return HazardModel().fit(snaps, question.as_of), question


def test_deadline_pull_is_recovered(fitted):
    model, _ = fitted
    hr = model.coefficients().set_index("term")["hazard_ratio"]
    # the process pushes in the last week before a deadline (push x1 3-7 days before, x1.5 1-2 days, x2 on the day)
    push = hr["due 3-7d"] / hr["due 8-14d"]
    truth = pull(np.array([5]), FITTED)[0] / pull(np.array([10]), FITTED)[0]
    assert truth / 1.5 < push < truth * 1.5
    assert hr["due 3-7d"] > hr["due 8-14d"] and hr["due 15-30d"] > hr["due 61-90d"]


def test_small_agencies_are_pooled_not_extreme(fitted):
    model, _ = fitted
    table = model.agency_table()
    small = table.loc[table["expected"] < 3]
    assert len(small) > 0
    assert small["pooled_multiplier"].between(0.25, 4).all()
    assert (small["raw_multiplier"] == 0).any()  # the raw rate of some is zero; pooled they are not
    # well-measured agencies (30 completions or more: a raw log rate within about 0.2) stay near their own rate; an
    # agency expected to finish many but seen finishing few (the Government Office: 8 of about 50) is measured by
    # its completions, not its exposure, and is pooled like the few it has
    big = table.loc[table["completions"] >= 30]
    assert len(big) >= 4
    assert np.allclose(np.log(big["pooled_multiplier"]), np.log(big["raw_multiplier"]), atol=0.35)


def test_no_pooling_gives_every_agency_the_portfolio_rate(bundled):
    snaps, question = bundled
    flat = HazardModel(pooling=False).fit(snaps, question.as_of)
    assert np.allclose(flat.agency_table()["pooled_multiplier"], 1.0)


def test_a_later_deadline_never_raises_slips(fitted):
    """Run by run, with the completions alone: with exits, an extension that takes a task past an early deadline
    can land inside a later one, where it may slip (the exit hazard of leaving the window is not monotone in the
    deadline), so the model is asked without them."""
    model, question = fitted
    model = copy.copy(model)
    model.exits_ = None
    previous = None
    for deadline in pd.date_range(DEC4, "2026-03-31", freq="9D"):
        fc = simulate(model, question.until(deadline), 400, 11)
        if previous is not None:
            assert (fc.totals <= previous).all()  # run by run, not only on average
        previous = fc.totals


def test_the_deadline_itself_leaves_no_time(fitted):
    model, question = fitted
    fc = simulate(model, question.until(DEC4), 50, 1)
    assert (fc.totals == len(question.tasks)).all()


def test_an_agency_the_model_never_saw_draws_from_the_prior(fitted):
    model, question = fitted
    tasks = question.tasks.head(30).assign(agency="Brand-new Agency")
    H = model.sampler(tasks, DEC4, YEAR_END).draw(np.random.default_rng(0), 2000)
    assert np.isfinite(H).all() and (H > 0).all()
    # one shared draw per agency per run: its 30 tasks move together
    assert np.corrcoef(np.log(H[0]), np.log(H[1]))[0, 1] > 0.5


def test_fit_rejects_data_without_completions(small_frame):
    from forecast.data.snapshots import from_frame
    from forecast.errors import ForecastError

    first = small_frame.loc[small_frame["snapshot_date"] == small_frame["snapshot_date"].min()]
    with pytest.raises(ForecastError, match="at least two snapshots"):
        HazardModel().fit(from_frame(first))


def test_exports_without_a_source_column_fit_and_simulate(small_frame):
    """A real export often lacks the optional columns: an all-missing source is one level, not a crash."""
    from forecast.data.question import ask
    from forecast.data.snapshots import from_frame

    snaps = from_frame(small_frame.drop(columns=["source", "title", "agency_type", "assigned_date"]))
    model = HazardModel().fit(snaps, DEC4)
    assert model.sources_ == ("other / unspecified",)
    question = ask(snaps, DEC4, YEAR_END)
    fc = simulate(model, question, 200, 1)
    assert 0 < fc.summary()["mean"] <= len(question.tasks)
