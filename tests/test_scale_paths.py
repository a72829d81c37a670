"""The national-scale paths (#14) give what the plain ones give: Parquet's dictionary-encoded text is tidied like
CSV text, the long frame is in (date, task) order whatever order the files and rows come in, and the group-bys on
integer codes equal the sorts and np.unique they replace."""

import numpy as np
import pandas as pd
import pytest

from forecast import load_snapshots
from forecast.data.history import by_task
from forecast.models.base import agency_codes, distinct_rows, sorted_rows
from tests.helpers import nfd

UNTIDY = ["  Bộ Tài chính ", nfd("Bộ Tài chính"), "Bộ\u00a0 Tài  chính", "", "Tỉnh Bắc Ninh"]


def _exports(folder, fmt: str) -> None:
    """Three weekly exports, rows in descending task order, agency and source cells untidy (NFD, non-breaking and
    doubled spaces, an empty source); written newest first."""
    folder.mkdir()
    for week, date in enumerate(["2025-11-20", "2025-11-13", "2025-11-06"]):
        n = 6 + week
        frame = pd.DataFrame(
            {
                "task_id": [f"T{i:02d}" for i in range(n, 0, -1)],
                "agency": [UNTIDY[i % 3] if i % 5 else UNTIDY[4] for i in range(n)],
                "source": [UNTIDY[(i + week) % 5] for i in range(n)],
                "deadline": ["31/12/2025"] * n,
                "status": ["Đang thực hiện" if i % 2 else "completed_on_time" for i in range(n)],
                "title": [f"Nhiệm vụ {i}" for i in range(n)],
            }
        )
        path = folder / f"snapshot_{date}.{fmt}"
        frame.to_parquet(path) if fmt == "parquet" else frame.to_csv(path, index=False)


def test_parquet_text_is_tidied_per_value_as_csv_text_is_per_cell(tmp_path):
    _exports(tmp_path / "csv", "csv")
    _exports(tmp_path / "parquet", "parquet")
    a, b = load_snapshots(tmp_path / "csv").frame, load_snapshots(tmp_path / "parquet").frame
    assert isinstance(b["agency"].dtype, pd.CategoricalDtype)
    assert set(b["agency"].cat.categories) == {"Bộ Tài chính", "Tỉnh Bắc Ninh"}  # the three spellings are one
    assert b["source"].isna().any()  # an empty cell is missing, not ""
    cols = [c for c in a.columns if c != "file"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


def test_the_long_frame_is_in_date_then_task_order_whatever_the_files_order(tmp_path):
    _exports(tmp_path / "p", "parquet")
    frame = load_snapshots(tmp_path / "p").frame
    expected = frame.sort_values(["snapshot_date", "task_id"], kind="stable", ignore_index=True)
    pd.testing.assert_frame_equal(frame, expected)
    assert frame["task_id"].iloc[0] == "T01" and frame["snapshot_date"].is_monotonic_increasing
    assert frame["file"].cat.categories.tolist() == sorted(frame["file"].astype(str).unique())
    for col in ("agency", "source", "title"):  # categories as astype("category") would make them
        assert frame[col].cat.categories.tolist() == sorted(frame[col].dropna().astype(str).unique())


def test_by_task_equals_a_sort_by_task_then_date(tmp_path):
    _exports(tmp_path / "p", "parquet")
    frame = load_snapshots(tmp_path / "p").frame.sample(frac=1.0, random_state=4)
    sorted_, task, ids = by_task(frame, ["snapshot_date", "status"])
    expected = frame.sort_values(["task_id", "snapshot_date"], kind="stable")
    pd.testing.assert_frame_equal(sorted_, expected[["snapshot_date", "status"]])
    assert (np.diff(task) >= 0).all() and len(np.unique(task)) == frame["task_id"].nunique()
    assert ids.at(np.arange(len(task))).tolist() == expected["task_id"].tolist()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_distinct_rows_are_np_unique_by_hashing(seed):
    rng = np.random.default_rng(seed)
    cols = [rng.integers(-3, 4, 5000), rng.integers(0, 3, 5000), rng.integers(-(2**40), -(2**40) + 5, 5000)]
    rows, of = distinct_rows(cols)
    stacked = np.column_stack(cols)
    np.testing.assert_array_equal(rows[of], stacked)  # each row is its distinct row
    assert len(rows) == len(np.unique(stacked, axis=0))  # and no two distinct rows are equal
    np.testing.assert_array_equal(pd.unique(of), np.arange(len(rows)))  # numbered in order of first appearance


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sorted_rows_are_np_unique_along_rows(seed):
    """Wide rows of exposure-like values (whole and half days, negatives, repeats): the same distinct rows in the
    same order, and the same index of each row, as ``np.unique(axis=0)``."""
    rng = np.random.default_rng(seed)
    rows = rng.integers(-2, 3, (400, 150)) / 2.0
    rows = np.vstack([rows, rows[rng.integers(0, 400, 300)]])[rng.permutation(700)]
    rows[:, :140] *= rng.random(700)[:, None] < 0.9  # rows that differ in few columns, and zeros that are +0.0
    rows += 0.0  # -0.0 (a negative times zero) to +0.0: equal rows are then equal byte for byte
    expected, expected_of = np.unique(rows, axis=0, return_inverse=True)
    distinct, of = sorted_rows(rows)
    np.testing.assert_array_equal(distinct, expected)
    np.testing.assert_array_equal(of, expected_of.reshape(-1))


def test_agency_codes_number_unseen_agencies_after_the_known_in_order_of_appearance():
    agencies = pd.Series(["B", "Z", "A", "Y", "Z", "B"], dtype="category")
    np.testing.assert_array_equal(agency_codes(agencies, ("A", "B")), [1, 2, 0, 3, 2, 1])
    np.testing.assert_array_equal(agency_codes(agencies.astype(str), ("A", "B")), [1, 2, 0, 3, 2, 1])
