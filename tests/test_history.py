import pandas as pd
import pytest

from forecast import load_snapshots
from forecast.data.history import build_history, intervals, open_set, trajectory_warnings
from tests.helpers import csv_export, write_exports

HEADER = "task_id,agency,deadline,status\n"


def _week(folder, day, rows, extra_header="", name=None):
    header = HEADER.strip() + extra_header + "\n"
    return csv_export(folder, name or f"s_{day}.csv", header + "".join(r + "\n" for r in rows))


@pytest.fixture
def trio(tmp_path):
    """Three weekly snapshots with a task completed, one overdue, one that vanishes and one that reopens."""
    _week(
        tmp_path,
        "2025-11-06",
        [
            "A,Finance,2025-11-30,In progress",
            "B,Health,2025-11-10,In progress",
            "C,Health,2025-12-31,In progress",
            "D,Justice,2025-12-31,Completed on time",
        ],
    )
    _week(
        tmp_path,
        "2025-11-13",
        [
            "A,Finance,2025-11-30,Completed on time",
            "B,Health,2025-11-10,Overdue",
            "D,Justice,2025-12-31,In progress",
            "E,Justice,2025-12-20,In progress",
        ],
    )
    _week(
        tmp_path,
        "2025-11-20",
        [
            "A,Finance,2025-11-30,Completed on time",
            "B,Health,2025-11-10,Overdue",
            "D,Justice,2025-12-31,In progress",
            "E,Justice,2026-01-20,In progress",
            "F,Justice,,Regular",
        ],
    )
    return load_snapshots(tmp_path)


def test_completion_is_known_as_an_interval(trio):
    hist = build_history(trio)
    a = hist.loc["A"]
    assert a["completed"] and a["status"] == "completed_on_time"
    assert (a["completed_lo"], a["completed_hi"]) == (pd.Timestamp("2025-11-06"), pd.Timestamp("2025-11-13"))
    assert hist.loc["B", "trajectory"] == "in_progress>overdue"
    assert not hist.loc["B", "completed"] and pd.isna(hist.loc["B", "completed_hi"])
    assert hist.loc["F", "regular"]


def test_exact_completed_date_replaces_the_interval(tmp_path):
    _week(tmp_path, "2025-11-06", ["A,Finance,2025-11-30,In progress,"], ",completed_date")
    _week(tmp_path, "2025-11-13", ["A,Finance,2025-11-30,Hoàn thành đúng hạn,10/11/2025"], ",Ngày hoàn thành")
    a = build_history(load_snapshots(tmp_path)).loc["A"]
    assert a["completed_lo"] == a["completed_hi"] == pd.Timestamp("2025-11-10")


def test_history_as_of_uses_only_earlier_snapshots(trio):
    early = build_history(trio, as_of="2025-11-13")
    assert early["last_seen"].max() == pd.Timestamp("2025-11-13")
    assert "F" not in early.index
    assert early.loc["E", "deadline"] == pd.Timestamp("2025-12-20")  # before it was moved


def test_history_as_of_ignores_edits_to_later_files(tmp_path, small_frame):
    folder = write_exports(small_frame, tmp_path / "s")
    as_of = small_frame["snapshot_date"].unique()[5]
    before = build_history(load_snapshots(folder), as_of=as_of)
    last = sorted(folder.glob("*.parquet"))[-1]
    edited = pd.read_parquet(last).assign(agency="Someone else", title="edited")
    edited.to_parquet(last, index=False)
    after = build_history(load_snapshots(folder), as_of=as_of)
    pd.testing.assert_frame_equal(before, after)


def test_warnings_name_vanished_reopened_moved_tasks(trio):
    text = "\n".join(str(w) for w in trajectory_warnings(trio))
    assert "1 open task(s) missing from later snapshots" in text and ": C" in text
    assert "completed back to open: D" in text
    assert "deadline moved between snapshots: E" in text


def test_intervals_start_at_first_sighting_and_mark_completions(trio):
    iv = intervals(trio).set_index(["task_id", "start"])
    assert iv.loc[("A", pd.Timestamp("2025-11-06")), "event"] == 1
    assert iv.loc[("B", pd.Timestamp("2025-11-13")), "event"] == 0
    assert ("C", pd.Timestamp("2025-11-06")) not in iv.index  # vanished: censored, no row
    assert iv.loc[("E", pd.Timestamp("2025-11-13")), "first_seen"] == pd.Timestamp("2025-11-13")
    assert set(iv["days"]) == {7}
    assert not iv.reset_index()["status"].isin(["completed_on_time", "regular"]).any()


def test_intervals_count_every_completion_of_the_sample(tmp_path, small_frame):
    snaps = load_snapshots(write_exports(small_frame, tmp_path / "s"))
    iv = intervals(snaps)
    hist = build_history(snaps)
    # every completion observed after a sighting while open is one event row
    seen_open_first = hist["completed"] & hist["completed_lo"].notna()
    assert iv["event"].sum() == seen_open_first.sum()


def test_open_set_is_open_tasks_due_by_the_deadline(trio):
    hist = build_history(trio)
    assert sorted(open_set(hist, "2025-12-31").index) == ["B", "D"]  # E now due in 2026; C vanished
    assert sorted(open_set(hist, "2026-01-31").index) == ["B", "D", "E"]
    assert list(open_set(hist, "2025-11-20").index) == ["B"]  # overdue tasks are always in


@pytest.mark.slow
def test_intervals_and_transitions_cut_from_all_snapshots_equal_those_built_as_of_every_cutoff(bundled):
    """The backtest builds the tables once from every snapshot and cuts them at each cutoff: the cut must be exactly
    what building from the snapshots up to the cutoff gives (rows, values, dtypes and category levels)."""
    from forecast.data.history import _intervals
    from forecast.data.snapshots import as_of_frame
    from forecast.evaluation.backtest import cutoffs
    from forecast.models.exits import transitions

    snaps, _ = bundled
    fresh = load_snapshots(snaps.files[0].parent)  # its own tables, not ones other tests built
    pairs = cutoffs(fresh, 27, min_history=2)
    assert len(pairs) >= 30
    for cutoff, _ in pairs:
        until = as_of_frame(fresh.frame, cutoff)
        pd.testing.assert_frame_equal(intervals(fresh, cutoff), _intervals(until))
        cut = fresh.rows_until(fresh.memo("transitions", transitions), "end", cutoff)
        pd.testing.assert_frame_equal(cut, transitions(until))
    assert set(fresh.derived) >= {"intervals", "transitions"}  # they were built once and reused


def test_a_cut_drops_category_levels_first_seen_after_the_cutoff(small_frame):
    from forecast.data.snapshots import from_frame

    frame = small_frame.copy()
    last = frame["snapshot_date"].max()
    frame["agency"] = frame["agency"].astype(str)
    frame.loc[frame["snapshot_date"] == last, "agency"] = "Agency first seen last"
    snaps = from_frame(frame)
    before = snaps.dates[-2]
    cut = intervals(snaps, before)
    assert "Agency first seen last" not in cut["agency"].cat.categories
    assert "Agency first seen last" in intervals(snaps)["agency"].cat.categories
    assert cut["end"].max() == before
