import json
from dataclasses import replace
from datetime import date

import pytest

from forecast import load_snapshots, paths
from forecast.combine import combined_forecast, forecast
from forecast.config.params import load_params, parse_params
from forecast.evaluation.stacking import COMPONENTS
from forecast.present.headline import headline, run_dates


@pytest.mark.slow
def test_headline_of_the_baseline_is_the_published_472():
    params = replace(load_params(paths.PARAMS_DIR / "baseline.yaml"), sims=500)
    result = combined_forecast(params)
    head = headline(result)
    assert list(head) == [
        "as_of",
        "deadline",
        "open_tasks",
        "model",
        "slip_mean",
        "slip_p10",
        "slip_p90",
        "completed_mean",
        "moved_mean",
        "year_end_weight",
        "year_end_mean",
        "autumn_mean",
        "weights",
        "synthetic",
    ]
    assert (head["as_of"], head["deadline"], head["open_tasks"], head["model"], head["synthetic"]) == (
        "2025-12-04",
        "2025-12-31",
        472,
        "combined",
        True,
    )
    # the same numbers as `forecast predict` (the combined headline) with these params
    assert (head["slip_mean"], head["slip_p10"], head["slip_p90"]) == (
        round(result.summary()["mean"], 1),
        *result.interval(0.8),
    )
    assert head["completed_mean"] + head["moved_mean"] + head["slip_mean"] == pytest.approx(472, abs=0.2)
    assert [w.split()[0] for w in head["weights"].split(", ")] == list(COMPONENTS)
    assert json.loads(json.dumps(head)) == head  # JSON-able as run.json needs


def test_headline_uses_only_snapshots_up_to_as_of():
    snaps = load_snapshots(paths.SAMPLE_DIR)
    early = headline(forecast(parse_params({"as_of": "2025-08-28", "deadline": "2025-09-30", "sims": 200}), snaps))
    later = headline(forecast(parse_params({"as_of": "2025-12-04", "deadline": "2025-12-31", "sims": 200}), snaps))
    assert early["as_of"] == "2025-08-28" and early["open_tasks"] != later["open_tasks"]


def test_dates_default_to_the_last_snapshot_and_its_year_end():
    snaps = load_snapshots(paths.SAMPLE_DIR)
    assert run_dates(parse_params({}), snaps) == (date(2025, 12, 4), date(2025, 12, 31))
    assert run_dates(parse_params({"as_of": "2025-10-02"}), snaps) == (date(2025, 10, 2), date(2025, 12, 31))
