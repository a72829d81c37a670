import numpy as np
import pandas as pd

from forecast.models.reference import CLASSES, ReferenceClassModel, situation_class


def test_classes():
    assert [CLASSES[c] for c in situation_class(np.array([-100, -30, -1, 0, 13, 14, 27]))] == [
        "overdue >30d",
        "overdue 1-30d",
        "overdue 1-30d",
        "due 0-13d",
        "due 0-13d",
        "due 14d+",
        "due 14d+",
    ]


def test_situations_only_look_as_far_as_the_as_of_date(bundled):
    snaps, _ = bundled
    early = ReferenceClassModel().fit(snaps, "2025-10-02")
    later = ReferenceClassModel().fit(snaps, "2025-12-04")
    s_early, s_later = early.situations(27), later.situations(27)
    assert len(s_later) > len(s_early) > 0
    # an as-of view sees none of the outcomes after it
    assert early.frame_["snapshot_date"].max() == pd.Timestamp("2025-10-02")


def test_shares_are_pooled_towards_the_class_share(bundled):
    snaps, _ = bundled
    cells = ReferenceClassModel().fit(snaps).shares(27)
    posterior = cells["alpha"] / (cells["alpha"] + cells["beta"])
    prior = cells.attrs["p_class"][cells["cls"]]
    # the posterior mean lies between the raw share and the class share
    lo = np.minimum(cells["raw_share"], prior) - 1e-9
    hi = np.maximum(cells["raw_share"], prior) + 1e-9
    assert ((posterior >= lo) & (posterior <= hi)).all()
    assert cells.attrs["kappa"] > 0.5


def test_forecast_for_the_sample(bundled):
    from forecast.engine.simulate import simulate

    snaps, question = bundled
    model = ReferenceClassModel().fit(snaps)
    fc = simulate(model, question, 2000, 1)
    assert 0.5 * len(question.tasks) < fc.summary()["mean"] < len(question.tasks)
