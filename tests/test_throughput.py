import numpy as np
import pandas as pd

from forecast.engine.simulate import simulate
from forecast.models.throughput import ThroughputModel
from tests.helpers import DEC4, YEAR_END


def test_uses_the_recent_window_of_completions(bundled):
    snaps, _ = bundled
    model = ThroughputModel(window=6).fit(snaps)
    assert len(model.periods_) == 6
    assert model.periods_.index.max() == DEC4
    assert model.periods_.to_numpy().sum() > 0


def test_agencies_that_finish_more_than_they_hold_slip_nothing(bundled):
    snaps, question = bundled
    model = ThroughputModel().fit(snaps)
    busiest = model.periods_.sum().idxmax()
    tasks = question.tasks.loc[question.tasks["agency"] == busiest].head(1)
    fc = simulate(model, question.with_tasks(tasks), 500, 1)
    assert fc.summary()["mean"] < 0.2


def test_an_agency_with_no_completions_slips_everything(bundled):
    snaps, question = bundled
    model = ThroughputModel().fit(snaps)
    tasks = question.tasks.head(5).assign(agency="Nobody")
    fc = simulate(model, question.with_tasks(tasks), 100, 1)
    assert (fc.totals == 5).all()


def test_ignores_the_mix_of_open_work(bundled):
    """Same agencies, same count: due next week or next year makes no difference to it."""
    snaps, question = bundled
    model = ThroughputModel().fit(snaps)
    soon = question.tasks.copy()
    late = soon.assign(deadline=pd.Timestamp("2026-12-31"))
    a = model.sampler(soon, DEC4, YEAR_END).draw(np.random.default_rng(0), 200)
    b = model.sampler(late, DEC4, YEAR_END).draw(np.random.default_rng(0), 200)
    assert np.array_equal(a, b)
