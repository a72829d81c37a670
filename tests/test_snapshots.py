import pandas as pd
import pytest

from forecast import load_snapshots
from forecast.data.history import build_history
from forecast.errors import DataError
from tests.helpers import csv_export, write_exports

HEADER = "task_id,agency,deadline,status,assigned_date\n"


def _problem(exc: DataError, column: str):
    hits = [p for p in exc.problems if p.column == column]
    assert hits, f"no problem about column {column}: {exc}"
    return hits[0]


@pytest.mark.parametrize("dialect", ["vietnamese", "english"])
def test_every_dialect_loads_to_the_same_histories(tmp_path, small_frame, dialect):
    canonical = load_snapshots(write_exports(small_frame, tmp_path / "canonical", "canonical"))
    other = load_snapshots(write_exports(small_frame, tmp_path / dialect, dialect))
    cols = [
        "agency",
        "deadline",
        "assigned_date",
        "status",
        "first_seen",
        "last_seen",
        "trajectory",
        "completed_lo",
        "completed_hi",
    ]
    a, b = build_history(canonical)[cols], build_history(other)[cols]
    pd.testing.assert_frame_equal(a.astype({"agency": str}), b.astype({"agency": str}))
    assert len(canonical.dates) == small_frame["snapshot_date"].nunique()


def test_snapshot_date_column_wins_over_file_name(tmp_path):
    csv_export(tmp_path, "weekly.csv", "Snapshot Date," + HEADER + "2025-11-06,T1,Finance,2025-12-31,In progress,\n")
    snaps = load_snapshots(tmp_path)
    assert snaps.dates.tolist() == [pd.Timestamp("2025-11-06")]


def test_snapshot_date_from_file_name(tmp_path):
    csv_export(tmp_path, "export_2025-11-06_final.csv", HEADER + "T1,Finance,31/12/2025,Quá hạn,\n")
    snaps = load_snapshots(tmp_path)
    assert snaps.dates.tolist() == [pd.Timestamp("2025-11-06")]
    assert snaps.frame["deadline"].iloc[0] == pd.Timestamp("2025-12-31")


def test_no_snapshot_date_anywhere(tmp_path):
    path = csv_export(tmp_path, "export.csv", HEADER + "T1,Finance,2025-12-31,In progress,\n")
    with pytest.raises(DataError) as exc:
        load_snapshots(tmp_path)
    p = _problem(exc.value, "snapshot_date")
    assert p.file == str(path)


def test_missing_required_column_names_file_header_row_and_column(tmp_path):
    path = csv_export(tmp_path, "s_2025-11-06.csv", "task_id,agency,status\nT1,Finance,In progress\n")
    with pytest.raises(DataError) as exc:
        load_snapshots(tmp_path)
    p = _problem(exc.value, "deadline")
    assert (p.file, p.rows) == (str(path), (1,))
    assert "Thời hạn" in p.message  # tells the analyst which headers would do


def test_unparseable_date_names_rows_and_column(tmp_path):
    path = csv_export(
        tmp_path,
        "s_2025-11-06.csv",
        HEADER + "T1,Finance,2025-12-31,In progress,\nT2,Finance,12/31/2025,In progress,\nT3,Health,soon,Overdue,\n",
    )
    with pytest.raises(DataError) as exc:
        load_snapshots(tmp_path)
    p = _problem(exc.value, "deadline")
    assert (p.file, p.rows) == (str(path), (3, 4))
    assert "'12/31/2025'" in p.message and "'soon'" in p.message
    assert f"{path}, rows 3, 4, column 'deadline'" in str(exc.value)


def test_unknown_status_labels_are_listed(tmp_path):
    path = csv_export(
        tmp_path,
        "s_2025-11-06.csv",
        HEADER + "T1,Finance,2025-12-31,Done-ish,\n"
        "T2,Finance,2025-12-31,In progress,\nT3,Health,2025-12-31,Paused,\n"
        "T4,Health,2025-12-31,Paused,\n",
    )
    with pytest.raises(DataError) as exc:
        load_snapshots(tmp_path)
    p = _problem(exc.value, "status")
    assert (p.file, p.rows) == (str(path), (2, 4, 5))
    assert "'Done-ish'" in p.message and "'Paused'" in p.message


def test_extra_status_labels_from_params(tmp_path):
    csv_export(tmp_path, "s_2025-11-06.csv", HEADER + "T1,Finance,2025-12-31,Paused,\n")
    snaps = load_snapshots(tmp_path, status_labels={"paused": "in_progress"})
    assert snaps.frame["status"].tolist() == ["in_progress"]


def test_duplicate_task_id_within_a_snapshot(tmp_path):
    path = csv_export(
        tmp_path,
        "s_2025-11-06.csv",
        HEADER + "T1,Finance,2025-12-31,In progress,\n"
        "T2,Finance,2025-12-31,In progress,\nT1,Health,2025-12-31,Overdue,\n",
    )
    with pytest.raises(DataError) as exc:
        load_snapshots(tmp_path)
    p = _problem(exc.value, "task_id")
    assert (p.file, p.rows) == (str(path), (2, 4))
    assert "T1" in p.message


@pytest.mark.parametrize("text", ["", HEADER, "\n\n"])
def test_empty_file(tmp_path, text):
    path = csv_export(tmp_path, "s_2025-11-06.csv", text)
    with pytest.raises(DataError) as exc:
        load_snapshots(tmp_path)
    assert exc.value.problems[0].file == str(path)
    assert "empty" in str(exc.value) or "no data rows" in str(exc.value)


def test_file_not_in_utf8(tmp_path):
    path = csv_export(tmp_path, "s_2025-11-06.csv", HEADER + "T1,Finance,2025-12-31,Overdue,\n", encoding="utf-16")
    legacy = HEADER + "T1,Finance,2025-12-31,In progress,\nT2,Ministère,2025-12-31,Overdue,\n"
    csv_export(tmp_path, "s_2025-11-13.csv", legacy, encoding="cp1252")  # a Windows code page
    with pytest.raises(DataError) as exc:
        load_snapshots(tmp_path)
    assert len(exc.value.problems) == 2
    first, second = exc.value.problems
    assert (first.file, first.rows) == (str(path), (1,))
    assert second.rows == (3,)  # the first line that is not UTF-8
    assert "not UTF-8" in first.message


def test_deadline_before_assigned_date(tmp_path):
    path = csv_export(
        tmp_path,
        "s_2025-11-06.csv",
        HEADER + "T1,Finance,2025-12-31,In progress,2025-01-05\nT2,Finance,2025-03-01,In progress,2025-04-16\n",
    )
    with pytest.raises(DataError) as exc:
        load_snapshots(tmp_path)
    p = _problem(exc.value, "deadline")
    assert (p.file, p.rows) == (str(path), (3,))
    assert "before the assigned date" in p.message


def test_empty_cells_in_required_columns(tmp_path):
    csv_export(
        tmp_path,
        "s_2025-11-06.csv",
        HEADER + ",Finance,2025-12-31,In progress,\n"
        "T2,,2025-12-31,In progress,\nT3,Health,,Overdue,\nT4,Health,,Regular,\n",
    )
    with pytest.raises(DataError) as exc:
        load_snapshots(tmp_path)
    assert _problem(exc.value, "task_id").rows == (2,)
    assert _problem(exc.value, "agency").rows == (3,)
    assert _problem(exc.value, "deadline").rows == (4,)  # a regular task (row 5) may have no deadline


def test_every_bad_file_is_reported_not_just_the_first(tmp_path):
    csv_export(tmp_path, "s_2025-11-06.csv", HEADER + "T1,Finance,bad,In progress,\n")
    csv_export(tmp_path, "s_2025-11-13.csv", HEADER + "T1,Finance,2025-12-31,Weird,\n")
    with pytest.raises(DataError) as exc:
        load_snapshots(tmp_path)
    assert {p.column for p in exc.value.problems} == {"deadline", "status"}


def test_two_files_for_one_date(tmp_path):
    csv_export(tmp_path, "a_2025-11-06.csv", HEADER + "T1,Finance,2025-12-31,In progress,\n")
    csv_export(tmp_path, "b_2025-11-06.csv", HEADER + "T1,Finance,2025-12-31,In progress,\n")
    with pytest.raises(DataError, match="same snapshot date 2025-11-06"):
        load_snapshots(tmp_path)


def test_other_files_are_reported_not_silently_skipped(tmp_path):
    csv_export(tmp_path, "s_2025-11-06.csv", HEADER + "T1,Finance,2025-12-31,In progress,\n")
    csv_export(tmp_path, "old_2025-10-30.xls", "binary")
    snaps = load_snapshots(tmp_path)
    assert any("old_2025-10-30.xls" in str(w) for w in snaps.warnings)


def test_excel_integer_ids_keep_their_text_form(tmp_path):
    frame = pd.DataFrame(
        {
            "ID": [101, 102],
            "Ministry": ["Finance", "Health"],
            "Due date": pd.to_datetime(["2025-12-31", "2025-12-15"]),
            "Status": ["Overdue", "Regular"],
        }
    )
    frame.to_excel(tmp_path / "x_2025-11-06.xlsx", index=False)
    snaps = load_snapshots(tmp_path)
    assert snaps.frame["task_id"].tolist() == ["101", "102"]


def test_fingerprint_tracks_content(tmp_path):
    path = csv_export(tmp_path, "s_2025-11-06.csv", HEADER + "T1,Finance,2025-12-31,In progress,\n")
    first = load_snapshots(tmp_path).fingerprint
    assert load_snapshots(tmp_path).fingerprint == first
    path.write_text(HEADER + "T1,Finance,2025-12-31,Overdue,\n", encoding="utf-8")
    assert load_snapshots(tmp_path).fingerprint != first


def test_the_same_files_are_parsed_once_and_each_caller_gets_its_own_copy(tmp_path):
    """A process remembers the last folder it read by its files' bytes: read again, the same folder is not parsed
    (the progress callback hears it is done), a changed file of the same size and time is, and what one caller
    changes in its frame no other caller sees."""
    import os

    from forecast.data import snapshots

    csv_export(
        tmp_path, "s_2025-11-06.csv", HEADER + "T1,Finance,2025-12-31,In progress,\nT2,Health,2025-12-31,Overdue,\n"
    )
    path = csv_export(tmp_path, "s_2025-11-13.csv", HEADER + "T1,Finance,2025-12-31,Overdue,\n")
    first = load_snapshots(tmp_path)
    assert [s.fingerprint for s in snapshots._LAST.values()] == [first.fingerprint]
    heard = []
    again = load_snapshots(tmp_path, progress=lambda done, total, name: heard.append((done, total)))
    assert again is not first and again.frame is not first.frame and again.fingerprint == first.fingerprint
    pd.testing.assert_frame_equal(again.frame, first.frame)
    assert heard == [(2, 2)]
    first.frame.loc[0, "task_id"] = "T9"  # one caller edits its copy ...
    first.frame["extra"] = 1
    third = load_snapshots(tmp_path)
    assert "extra" not in third.frame and third.frame.loc[0, "task_id"] == "T1"  # ... and no other caller sees it
    stat = path.stat()
    path.write_text(HEADER + "T1,Finance,2025-12-31,Xverdue,\n", encoding="utf-8")  # same size, other bytes
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same modification time
    assert path.stat().st_size == stat.st_size
    with pytest.raises(DataError, match="Xverdue"):
        load_snapshots(tmp_path)  # read again: the new bytes hold an unknown status


def test_status_counts_per_snapshot(tmp_path, small_frame):
    snaps = load_snapshots(write_exports(small_frame, tmp_path / "c"))
    counts = snaps.status_counts()
    expected = small_frame.groupby("snapshot_date").size()
    assert counts["total"].tolist() == expected.tolist()


def test_date_warnings_gap_future_and_jump():
    from forecast.data.snapshot_dates import date_warnings

    def snap(day, n):
        return pd.DataFrame({"snapshot_date": pd.Timestamp(day), "file": f"s_{day}.csv", "task_id": range(n)})

    frames = [snap("2025-09-04", 10), snap("2025-09-11", 15), snap("2025-12-04", 16), snap("2026-01-08", 30)]
    warnings = [str(w) for w in date_warnings(frames, today=pd.Timestamp("2025-12-20").date())]
    assert warnings == [
        "s_2025-12-04.csv, column 'snapshot_date': snapshot 2025-12-04 comes 84 days after the one before "
        "(2025-09-11); forecasts cannot be made across a gap of more than 8 weeks: check the date",
        "s_2026-01-08.csv: 30 tasks against 16 in the snapshot before (2025-12-04): more than 50% up in one step; "
        "check the export",
        "s_2026-01-08.csv, column 'snapshot_date': snapshot dated 2026-01-08, after today (2025-12-20)",
    ]


def test_a_forecast_across_a_gap_is_refused_but_one_before_it_is_not(tmp_path, small_frame):
    from forecast.data.snapshot_dates import require_no_gap
    from forecast.errors import ForecastError

    moved = small_frame.copy()
    last = moved["snapshot_date"].max()
    moved.loc[moved["snapshot_date"] == last, "snapshot_date"] = last + pd.Timedelta(days=365)
    snaps = load_snapshots(write_exports(moved, tmp_path / "c"))
    before = snaps.dates[-2]
    require_no_gap(snaps, before)  # the data up to the gap is fine
    with pytest.raises(ForecastError, match=f"comes 372 days after the one before \\({before.date()}\\)"):
        require_no_gap(snaps, snaps.dates[-1])
