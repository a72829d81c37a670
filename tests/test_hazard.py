import numpy as np
import pandas as pd
import pytest

from forecast.models.hazard import HazardModel
from forecast.sample_process import FITTED, pull
from forecast.simulate import simulate
from tests.conftest import DEC4, YEAR_END


@pytest.fixture(scope="module")
def fitted(bundled):
    snaps, problem = bundled
    return HazardModel().fit(snaps, problem.as_of), problem


def _process_ratio(band: tuple[int, int], reference: tuple[int, int]) -> float:
    """The sample process's deadline pull in a days-to-deadline band over that in ``reference``, averaged like the
    model sees it: over interval starts in the band and the week each interval spans."""
    def mean_pull(lo, hi):
        start = np.arange(lo, hi + 1)
        return np.mean([pull(start - d, FITTED) for d in range(7)])
    return mean_pull(*band) / mean_pull(*reference)


def test_deadline_pull_is_recovered(fitted):
    model, _ = fitted
    hr = model.coefficients().set_index("term")["hazard_ratio"]
    # the process pushes in the last week before a deadline (x2.06 to x4.12 of the 8-30 day level, 0.82 beyond)
    push = hr["due 0-7d"] / hr["due 61-90d"]
    truth = _process_ratio((0, 7), (61, 90))
    assert truth / 1.5 < push < truth * 1.5
    assert hr["due 0-7d"] > hr["due 8-14d"] > hr["due 31-60d"] > hr["due 61-90d"]
    assert hr["due 15-30d"] > hr["due 61-90d"]


def test_small_agencies_are_pooled_not_extreme(fitted):
    model, _ = fitted
    table = model.agency_table()
    small = table.loc[table["expected"] < 3]
    assert len(small) > 0
    assert small["pooled_multiplier"].between(0.25, 4).all()
    assert (small["raw_multiplier"] == 0).any()  # the raw rate of some is zero; pooled they are not
    big = table.loc[table["expected"] > 40]
    # well-measured agencies stay near their own rate
    assert np.allclose(np.log(big["pooled_multiplier"]), np.log(big["raw_multiplier"]), atol=0.35)


def test_no_pooling_gives_every_agency_the_portfolio_rate(bundled):
    snaps, problem = bundled
    flat = HazardModel(pooling=False).fit(snaps, problem.as_of)
    assert np.allclose(flat.agency_table()["pooled_multiplier"], 1.0)


def test_a_later_deadline_never_raises_slips(fitted):
    model, problem = fitted
    previous = None
    for deadline in pd.date_range(DEC4, "2026-03-31", freq="9D"):
        fc = simulate(model.sampler(problem.tasks, DEC4, deadline), problem.tasks, 400, 11, model="hazard",
                      as_of=DEC4, deadline=deadline)
        if previous is not None:
            assert (fc.totals <= previous).all()  # run by run, not only on average
        previous = fc.totals


def test_the_deadline_itself_leaves_no_time(fitted):
    model, problem = fitted
    fc = simulate(model.sampler(problem.tasks, DEC4, DEC4), problem.tasks, 50, 1, model="hazard", as_of=DEC4,
                  deadline=DEC4)
    assert (fc.totals == len(problem.tasks)).all()


def test_an_agency_the_model_never_saw_draws_from_the_prior(fitted):
    model, problem = fitted
    tasks = problem.tasks.head(30).assign(agency="Brand-new Agency")
    H = model.sampler(tasks, DEC4, YEAR_END).draw(np.random.default_rng(0), 2000)
    assert np.isfinite(H).all() and (H > 0).all()
    # one shared draw per agency per run: its 30 tasks move together
    assert np.corrcoef(np.log(H[0]), np.log(H[1]))[0, 1] > 0.5


def test_fit_rejects_data_without_completions(small_frame):
    from forecast.errors import ForecastError
    from forecast.snapshots import from_frame

    first = small_frame.loc[small_frame["snapshot_date"] == small_frame["snapshot_date"].min()]
    with pytest.raises(ForecastError, match="at least two snapshots"):
        HazardModel().fit(from_frame(first))


def test_exports_without_a_source_column_fit_and_simulate(small_frame):
    """A real export often lacks the optional columns: an all-missing source is one level, not a crash."""
    from forecast.history import build_history, open_set
    from forecast.snapshots import from_frame

    snaps = from_frame(small_frame.drop(columns=["source", "title", "agency_type", "assigned_date"]))
    model = HazardModel().fit(snaps, DEC4)
    assert model.sources_ == ("other / unspecified",)
    tasks = open_set(build_history(snaps, DEC4), YEAR_END)
    fc = simulate(model.sampler(tasks, DEC4, YEAR_END), tasks, 200, 1, model="hazard", as_of=DEC4, deadline=YEAR_END)
    assert 0 < fc.summary()["mean"] <= len(tasks)
