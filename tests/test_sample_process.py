from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from forecast.sample.process import (
    CONCLUSIONS,
    MEETING_WINDOW,
    MILESTONES,
    NEVER,
    RECLASSIFY_SHARE,
    RES71,
    Process,
    calendar,
    date_of,
    day_of,
    draw_luck,
    meeting_days,
    pull,
    simulate_tasks,
)

FLAT = Process()  # no pull, push, frailty or exits


def _run(p: Process, n: int = 40_000, start="2025-06-01", end="2025-12-31", deadline="2025-05-01", rate=0.01):
    """``n`` identical tasks, overdue since ``deadline``, in the system from ``start``."""
    first, last = day_of(start)[0], day_of(end)[0]
    days = date_of(np.arange(first, last + 1))
    out = simulate_tasks(
        np.full(n, first),
        np.full(n, day_of(deadline)[0]),
        np.full(n, rate),
        np.full(n, RES71),
        draw_luck(np.random.default_rng(1), n),
        p,
        calendar(days, p),
        first,
    )
    return out, np.arange(first, last + 1)


def test_deadline_pull_bands():
    p = Process(far=0.5, push=3.0, catch_up=1.7, stall=0.4)
    to_deadline = np.array([100, 31, 30, 8, 7, 3, 2, 1, 0, -1, -30, -31, -200])
    expected = [0.5, 0.5, 1, 1, 3, 3, 4.5, 4.5, 6, 1.7, 1.7, 0.4, 0.4]
    assert pull(to_deadline, p).tolist() == pytest.approx(expected)


def test_meeting_push_multiplies_the_overdue_hazard_in_the_windows_around_meetings():
    out, days = _run(replace(FLAT, meeting_push=3.0))
    window = meeting_days(days, RES71)
    expected = set()
    for when, reviewed, _ in MILESTONES:
        if RES71 in reviewed:
            d = day_of(when)[0]
            expected |= set(range(d - MEETING_WINDOW, d + MEETING_WINDOW))
    assert set(days[window]) == expected & set(days)
    assert meeting_days(days, CONCLUSIONS).sum() < window.sum()  # not every meeting reviews every source
    done = out["done"][out["done"] < NEVER]
    at_risk = np.array([(out["done"] >= d).sum() for d in days])
    events = np.array([(done == d).sum() for d in days])
    inside, outside = events[window].sum() / at_risk[window].sum(), events[~window].sum() / at_risk[~window].sum()
    assert inside / outside == pytest.approx(3.0, rel=0.08)
    assert outside == pytest.approx(0.01, rel=0.08)


def test_overdue_tasks_exit_by_extension_or_reclassification():
    out, _ = _run(replace(FLAT, exit_rate=0.05), n=20_000, rate=0.0)
    assert (out["done"] == NEVER).all()
    extended = out["extended"] < NEVER
    reclassified_first = (out["reclassified"] < NEVER) & ~extended
    share = reclassified_first.sum() / (reclassified_first.sum() + extended.sum())
    assert share == pytest.approx(RECLASSIFY_SHARE, abs=0.03)
    new = date_of(out["new_deadline"][extended])
    when = date_of(out["extended"][extended])
    months = (new.year - when.year) * 12 + new.month - when.month
    assert set(months) == {1, 2, 3} and (new == new + pd.offsets.MonthEnd(0)).all()  # month-ends 1-3 months on
    # after an extension a task is in progress again: it is not reclassified before its new deadline has passed
    again = extended & (out["reclassified"] < NEVER)
    assert (out["reclassified"][again] > out["new_deadline"][again]).all()


def test_december_regime_leaves_everything_before_5_december_alone():
    base, _ = _run(FLAT, end="2026-01-31")
    pushed, _ = _run(replace(FLAT, december=4.0), end="2026-01-31")
    dec5 = day_of("2025-12-05")[0]
    before = base["done"] < dec5
    assert (pushed["done"][before] == base["done"][before]).all() and ((pushed["done"] < dec5) == before).all()
    in_december = lambda out: ((out["done"] >= dec5) & (out["done"] <= day_of("2025-12-31")[0])).sum()  # noqa: E731
    assert in_december(pushed) > 2.5 * in_december(base)
