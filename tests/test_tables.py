import pandas as pd
import pytest

from forecast import load_snapshots, paths
from forecast.config.params import DEFAULT_SCOPE_SOURCES
from forecast.data import schema
from forecast.data.history import build_history, open_set
from forecast.data.published import load_published
from forecast.errors import Problem
from forecast.present import tables
from forecast.sample import process as sample_process

AS_OF, DEADLINE = "2025-12-04", "2025-12-31"


@pytest.fixture(scope="module")
def snaps():
    return load_snapshots(paths.SAMPLE_DIR)


@pytest.fixture(scope="module")
def history(snaps):
    return build_history(snaps, AS_OF)


def _history(rows):
    """A hand-made history: (agency, status, deadline, present) per task."""
    frame = pd.DataFrame(rows, columns=["agency", "status", "deadline", "present"])
    frame["deadline"] = pd.to_datetime(frame["deadline"])
    frame["title"] = "t"
    frame.index = pd.Index([f"T{i}" for i in range(len(frame))], name="task_id")
    return frame


def test_agency_table_counts_each_kind_of_task():
    hist = _history(
        [
            ("Finance", schema.IN_PROGRESS, "2025-12-20", True),  # open, due by the deadline
            ("Finance", schema.IN_PROGRESS, "2026-03-31", True),  # open, due later
            ("Finance", schema.OVERDUE, "2025-10-31", True),  # open, overdue, due
            ("Finance", schema.COMPLETED_LATE, "2025-09-30", True),
            ("Finance", schema.OVERDUE, "2025-10-31", False),  # gone from the latest snapshot: not counted
            ("Health", schema.REGULAR, None, True),
            ("Health", schema.COMPLETED_ON_TIME, "2025-11-30", True),
        ]
    )
    table = tables.agency_table(hist, DEADLINE)
    assert table.loc["Finance"].to_dict() == {"tasks": 4, "completed": 1, "open": 3, "overdue": 1, "due_by_deadline": 2}
    assert table.loc["Health"].to_dict() == {"tasks": 2, "completed": 1, "open": 0, "overdue": 0, "due_by_deadline": 0}
    assert list(table.index) == ["All agencies", "Finance", "Health"]
    assert table.loc["All agencies", "tasks"] == 6


def test_agency_totals_match_the_open_set_and_the_published_figures(history):
    total = tables.agency_table(history, DEADLINE).loc["All agencies"]
    assert total["due_by_deadline"] == len(open_set(history, DEADLINE)) == 472
    assert (total["tasks"], total["completed"], total["overdue"]) == (1287, 601, 104)


def test_overdue_tasks_longest_overdue_first(history):
    table = tables.overdue_tasks(history, AS_OF, limit=10)
    assert len(table) == 10 and list(table.columns) == ["agency", "title", "deadline", "days_overdue"]
    assert table["days_overdue"].is_monotonic_decreasing and (table["days_overdue"] > 0).all()
    assert (history.loc[table.index, "status"] == schema.OVERDUE).all()
    every = tables.overdue_tasks(history, AS_OF, limit=1000)
    assert len(every) == 104 and every["days_overdue"].max() == table["days_overdue"].iloc[0]


def test_published_comparison_counts_each_figure_in_the_nearest_snapshot(snaps):
    comparison = tables.published_comparison(load_published(), snaps.frame, DEFAULT_SCOPE_SOURCES)
    dec4 = comparison.loc[comparison["date"] == pd.Timestamp("2025-12-04").date()].set_index("metric")
    for metric in (
        "assigned",
        "completed",
        "in_progress",
        "overdue",
        "regular",
        "in_progress_due_by_year_end",
        "to_finish_by_year_end",
    ):
        assert dec4.loc[metric, "task_level"] == dec4.loc[metric, "published"], metric
        assert (dec4["difference"] == 0).all()
    late_oct = comparison.loc[comparison["date"] == pd.Timestamp("2025-10-28").date()].iloc[0]
    assert late_oct["snapshot"] == pd.Timestamp("2025-10-30").date()  # the nearest Thursday, two days later
    assert not {"res71_databases", "plan02_databases"} & set(comparison["scope"])  # not countable from exports
    assert "agencies_behind" not in set(comparison["metric"])


def test_published_comparison_stays_as_of_a_date(snaps):
    comparison = tables.published_comparison(load_published(), snaps.until("2025-08-28").frame, DEFAULT_SCOPE_SOURCES)
    later = comparison.loc[comparison["date"] > pd.Timestamp("2025-09-04").date()]
    assert len(later) and later["task_level"].isna().all() and later["snapshot"].isna().all()
    earlier = comparison.loc[comparison["date"] == pd.Timestamp("2025-08-28").date()]
    assert earlier["task_level"].notna().all()


def test_published_comparison_counts_a_real_exports_labels_from_the_params(snaps):
    # a real export names its sources differently: the sample's mapping finds nothing, the params' mapping does
    frame = snaps.frame.assign(
        source=snaps.frame["source"].astype(str).replace({sample_process.RES71: "NQ 71/NQ-CP (2025)"})
    )
    default = tables.published_comparison(load_published(), frame, DEFAULT_SCOPE_SOURCES)
    mapped = tables.published_comparison(
        load_published(), frame, {**DEFAULT_SCOPE_SOURCES, "res71": ("NQ 71/NQ-CP (2025)",)}
    )
    res71 = (default["scope"] == "res71") & default["date"].notna()
    assert default.loc[res71, "task_level"].isna().all()  # missing, never counted as zero
    assert mapped.loc[res71, "task_level"].notna().any()
    original = tables.published_comparison(load_published(), snaps.frame, DEFAULT_SCOPE_SOURCES)
    pd.testing.assert_series_equal(mapped.loc[res71, "task_level"], original.loc[res71, "task_level"])
    only_all = tables.published_comparison(load_published(), snaps.frame, {"all": None})
    assert set(only_all["scope"]) == {"all"}


def test_the_default_scope_labels_are_the_samples_and_tables_do_not_import_the_sample():
    import ast

    assert DEFAULT_SCOPE_SOURCES["res71"] == (sample_process.RES71,)
    assert DEFAULT_SCOPE_SOURCES["conclusions"] == (sample_process.CONCLUSIONS,)
    assert set(DEFAULT_SCOPE_SOURCES["res71+conclusions"]) == {sample_process.RES71, sample_process.CONCLUSIONS}
    tree = ast.parse((paths.PACKAGE_DIR / "present" / "tables.py").read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom | ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any("sample" in name for name in imported)


def test_problems_table_lists_every_problem_in_order():
    problems = [
        Problem("bad date", file="a.csv", rows=(2, 5), column="deadline"),
        Problem("3 task(s) changed agency", severity="warning", column="agency"),
    ]
    table = tables.problems_table(problems)
    assert table.to_dict("records") == [
        {"severity": "error", "file": "a.csv", "rows": "2, 5", "column": "deadline", "message": "bad date"},
        {"severity": "warning", "file": "", "rows": "", "column": "agency", "message": "3 task(s) changed agency"},
    ]
    assert tables.problems_table([]).empty
