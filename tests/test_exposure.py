"""Day-states: bands of days to the deadline and to the next milestone, the year-end window, and the exposure
days each interval spends in them."""

import numpy as np
import pandas as pd

from forecast.models import exposure as ex


def _day(text: str) -> int:
    return int(pd.Timestamp(text).value // 86_400_000_000_000)


def test_deadline_bands_have_the_documented_edges():
    ttd = np.array([-91, -90, -31, -30, -8, -7, -1, 0, 1, 2, 3, 7, 8, 14, 15, 30, 31, 60, 61, 90, 91, 400])
    labels = [ex.TTD_LABELS[b] for b in ex.ttd_band(ttd)]
    assert labels == [
        "overdue >90d",
        "overdue 31-90d",
        "overdue 31-90d",
        "overdue 8-30d",
        "overdue 8-30d",
        "overdue 1-7d",
        "overdue 1-7d",
        "deadline day",
        "due 1-2d",
        "due 1-2d",
        "due 3-7d",
        "due 3-7d",
        "due 8-14d",
        "due 8-14d",
        "due 15-30d",
        "due 15-30d",
        "due 31-60d",
        "due 31-60d",
        "due 61-90d",
        "due 61-90d",
        "due >90d",
        "due >90d",
    ]


def test_milestone_bands_count_days_to_the_next_milestone():
    ms = np.array([_day("2025-08-01"), _day("2025-11-06")])
    days = np.array(
        [
            _day(d)
            for d in (
                "2025-07-18",
                "2025-07-25",
                "2025-07-26",
                "2025-08-01",
                "2025-08-02",
                "2025-10-24",
                "2025-11-06",
                "2025-12-01",
            )
        ]
    )
    assert ex.milestone_band(days, ms).tolist() == [2, 1, 0, 0, 2, 1, 0, 2]
    assert (ex.milestone_band(days, np.array([], dtype=np.int64)) == ex.MILESTONE_REFERENCE).all()


def test_year_end_window_is_the_last_days_of_the_year_told_apart_by_the_task_class():
    days = np.array([_day(d) for d in ("2024-11-30", "2024-12-01", "2024-12-31", "2025-01-01", "2025-12-15")])
    assert ex.window_day(days, 31).tolist() == [-1, 0, 30, -1, 14]
    assert ex.window_day(days, 7).tolist() == [-1, -1, 6, -1, -1]
    due = np.array([_day(d) for d in ("2024-12-31", "2024-11-15", "2024-12-31", "2025-03-01", "2026-01-05")])
    assert ex.year_end_class(days, due).tolist() == [1, 0, 1, 1, 2]  # overdue 0, due by its year end 1, later 2
    states = ex.year_end_state(days, due, 31)
    assert states.tolist() == [0, 1 + 0, 1 + 1, 0, 1 + 2]
    assert (ex.year_end_state(days, due, 0) == 0).all()


def test_exposure_splits_a_week_across_the_deadline_day_by_day():
    start, deadline = _day("2025-07-24"), _day("2025-07-28")  # the days 25 .. 31 July
    E = ex.exposure(np.array([start]), np.array([7]), np.array([deadline]), [], 31)
    assert E.sum() == 7
    by_band = {}
    for s in np.flatnonzero(E[0]):
        band = ex.TTD_LABELS[s // (ex.N_YE * len(ex.MILESTONE_LABELS))]
        by_band[band] = by_band.get(band, 0) + E[0, s]
    assert by_band == {"due 3-7d": 1.0, "due 1-2d": 2.0, "deadline day": 1.0, "overdue 1-7d": 3.0}


def test_the_state_design_adds_the_three_parts():
    S = ex.state_design()
    assert S.shape == (ex.N_STATES, len(ex.THETA_NAMES))
    ref = (ex.TTD_REFERENCE * len(ex.MILESTONE_LABELS) + ex.MILESTONE_REFERENCE) * ex.N_YE
    assert not S[ref].any()  # far from the deadline, no milestone, outside the year-end: the reference
    state = (0 * len(ex.MILESTONE_LABELS) + 0) * ex.N_YE + 1  # overdue >90d, milestone in 0-6d, year-end: overdue
    assert S[state].sum() == 3 and S[state, ex.YEAR_END_SLICE.start] == 1
    assert ex.ye_part(np.array([state, ref])).tolist() == [1, 0]
