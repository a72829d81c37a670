import numpy as np
import pandas as pd

from forecast.data.snapshots import from_frame
from forecast.present.tables import completion_times, kaplan_meier


def _frame(rows):
    return from_frame(
        pd.DataFrame(
            rows, columns=["snapshot_date", "task_id", "agency", "deadline", "status", "assigned_date"]
        ).assign(
            snapshot_date=lambda f: pd.to_datetime(f["snapshot_date"]),
            deadline=lambda f: pd.to_datetime(f["deadline"]),
            assigned_date=lambda f: pd.to_datetime(f["assigned_date"]),
        )
    )


def test_times_count_from_assignment_with_late_entry():
    snaps = _frame(
        [
            ("2025-03-06", "A", "F", "2025-06-30", "in_progress", "2025-01-06"),
            ("2025-03-13", "A", "F", "2025-06-30", "completed_on_time", "2025-01-06"),
            ("2025-03-06", "B", "F", "2025-06-30", "in_progress", "2025-03-01"),
            ("2025-03-13", "B", "F", "2025-06-30", "in_progress", "2025-03-01"),
        ]
    )
    t = completion_times(snaps).set_index(completion_times(snaps).index)
    assert t.loc["A", "entry"] == 59 and t.loc["A", "time"] == 66 and t.loc["A", "completed"] == 1
    assert t.loc["B", "time"] == 12 and t.loc["B", "completed"] == 0


def test_curves_fall_and_stay_in_bounds(bundled):
    snaps, _ = bundled
    km = kaplan_meier(snaps)
    assert "All tasks" in set(km["group"])
    assert km["group"].nunique() > 5
    for _, g in km.groupby("group"):
        assert np.all(np.diff(g["survival"].to_numpy()) <= 1e-12)
        assert ((g["lower"] <= g["survival"] + 1e-12) & (g["survival"] <= g["upper"] + 1e-12)).all()
