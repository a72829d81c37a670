"""What changed since the previous run, from two runs' records."""

from __future__ import annotations

import math

from forecast.present import changes


def _record(
    as_of,
    mean,
    assigned,
    completed,
    open_due,
    agencies,
    started="2025-12-08T06:00:00Z",
    status="ok",
    scenario="baseline",
):
    return {
        "status": status,
        "scenario": scenario,
        "started": started,
        "headline": {"as_of": as_of, "slip_mean": mean, "open_tasks": open_due},
        "summary": {
            "tasks": {"assigned": assigned, "completed": completed, "open": open_due + 30, "open_due": open_due},
            "agencies": [{"agency": a, "open_due": o, "completed": c, "slip_mean": s} for a, o, c, s in agencies],
        },
    }


BEFORE = _record(
    "2025-11-27",
    301.9,
    1250,
    570,
    510,
    [("Finance", 70, 25, 50.0), ("Health", 22, 14, 16.0), ("Gone", 3, 1, 2.5)],
    started="2025-12-01T06:00:00Z",
)
NOW = _record(
    "2025-12-04", 314.2, 1287, 601, 472, [("Finance", 67, 30, 52.7), ("Health", 22, 16, 16.3), ("New", 4, 0, 3.0)]
)


def test_the_previous_run_is_the_latest_good_one_with_earlier_data():
    rerun = {**BEFORE, "started": "2025-12-09T06:00:00Z", "headline": {**BEFORE["headline"], "slip_mean": 302.5}}
    older = _record("2025-11-20", 290.0, 1200, 540, 520, [], started="2025-12-10T06:00:00Z")
    failed = {**_record("2025-12-01", 1.0, 1, 1, 1, []), "status": "failed"}
    other = _record("2025-12-01", 1.0, 1, 1, 1, [], scenario="whatif")
    same_day = _record("2025-12-04", 1.0, 1, 1, 1, [], started="2025-12-07T06:00:00Z")
    runs = [BEFORE, rerun, older, failed, other, same_day]
    assert changes.previous_run(runs, "baseline", "2025-12-04") == rerun  # latest as-of first, then latest run
    assert changes.previous_run(runs, "baseline", "2025-11-27") == older
    assert changes.previous_run(runs, "baseline", "2025-11-20") is None
    assert (
        changes.previous_run([{"status": "ok", "scenario": "baseline", "headline": None}], "baseline", "2025-12-04")
        is None
    )  # a run without a headline is no comparison


def test_overall_changes():
    table = changes.overall(BEFORE, NOW).set_index("figure")
    assert table.loc["tasks assigned (net new)", "change"] == 37
    assert table.loc["completed", "change"] == 31
    assert table.loc["open and due by the deadline", "change"] == -38
    assert math.isclose(table.loc["expected slips", "change"], 12.3)
    first = changes.overall(None, NOW)
    assert first["previous"].isna().all() and first["change"].isna().all() and first["now"].notna().all()


def test_agencies_that_moved_most_come_first_including_new_and_gone_ones():
    table = changes.by_agency(BEFORE, NOW)
    assert table["agency"].tolist() == ["New", "Finance", "Gone", "Health"]  # |change in expected slips|: 3, 2.7, 2.5
    gone = table.set_index("agency").loc["Gone"]
    assert (gone["open_due_now"], gone["slip_mean_change"]) == (0, -2.5)
    assert changes.by_agency(BEFORE, NOW, top=2)["agency"].tolist() == ["New", "Finance"]
    assert changes.by_agency(None, NOW).empty  # nothing to compare with


def test_the_change_in_words():
    assert changes.sentence(BEFORE, NOW) == (
        "Since the run as of 27 Nov 2025: expected slips +12.3 (301.9 → 314.2); "
        "+31 tasks completed; +37 tasks assigned."
    )
    assert "No earlier run" in changes.sentence(None, NOW)


def test_a_same_week_rerun_is_named_and_still_compared_with_the_week_before():
    """#25: a second run on the same as-of date said "No earlier run of this scenario to compare with"."""
    first = {**NOW, "started": "2025-12-08T06:00:00Z"}
    failed = {**NOW, "started": "2025-12-08T07:00:00Z", "status": "failed"}
    other = {**NOW, "started": "2025-12-08T08:00:00Z", "scenario": "whatif"}
    runs = [BEFORE, first, failed, other]
    assert changes.rerun_of(runs, "baseline", "2025-12-04") == first
    assert changes.rerun_of(runs, "baseline", "2025-12-04", before="2025-12-08T06:00:00Z") is None  # the first itself
    assert changes.rerun_of(runs, "baseline", "2025-12-11") is None
    said = changes.sentence(BEFORE, NOW, first)
    assert said.startswith(
        "This is a rerun of the run of 8 Dec 2025 06:00 UTC, on data as of the same date (4 Dec 2025). "
    )
    assert said.endswith(changes.sentence(BEFORE, NOW))  # and the change since the week before
    alone = changes.sentence(None, NOW, first)
    assert "no run of this scenario on earlier data to compare with" in alone and "No earlier run" not in alone
    assert changes.rerun_words({**first, "started": "not a time"}) == "a rerun"  # a hand-edited run.json: no error
