import numpy as np
import pandas as pd
import pytest

from forecast import load_snapshots, paths, sample
from forecast.data.published import figure, load_published
from forecast.sample import files as sample_files
from forecast.sample.flows import TARGETS, flow_table, markdown

DEC4 = pd.Timestamp("2025-12-04")


def _counts(frame, date, sources=None):
    snap = frame.loc[frame["snapshot_date"] == pd.Timestamp(date)]
    if sources:
        snap = snap.loc[snap["source"].isin(sources)]
    c = snap["status"].value_counts()
    return {
        "assigned": len(snap),
        "completed": c.get("completed_on_time", 0) + c.get("completed_late", 0),
        **c.to_dict(),
    }


def test_matches_the_4_december_figures_exactly(sample_frame):
    pub = load_published()
    got = _counts(sample_frame, DEC4)
    for metric in ("assigned", "completed", "in_progress", "overdue", "regular"):
        assert got[metric] == figure(pub, "2025-12-04", "all", metric), metric
    snap = sample_frame.loc[sample_frame["snapshot_date"] == DEC4]
    due = (snap["status"] == "in_progress") & (snap["deadline"] <= pd.Timestamp("2025-12-31"))
    assert due.sum() == 368
    assert due.sum() + got["overdue"] == 472


def test_every_published_flow_and_stock_within_tolerance(bundled):
    """The bundled sample against every target of forecast.sample.flows: each flow or stock within 10 % when 50 or
    more, else within 5 tasks (shares: 5 tasks on their numerator); the 4 Dec stocks exactly."""
    snaps, _ = bundled
    table = flow_table(snaps.frame)
    assert len(table) == len(TARGETS)
    missed = table.loc[~table["within"]]
    assert missed.empty, "\n" + missed.to_string()
    dec4 = table.loc[table["target"].str.startswith("All, 4 Dec")]
    assert (dec4["sample"] == dec4["published"]).all() and len(dec4) == 6


def test_the_readme_shows_the_sample_flows_table(bundled):
    snaps, _ = bundled
    readme = (paths.SAMPLE_DIR.parent / "README.md").read_text(encoding="utf-8")
    assert markdown(flow_table(snaps.frame)) in readme


def test_extensions_and_reclassifications_show_in_the_exports(sample_frame):
    f = sample_frame.sort_values(["task_id", "snapshot_date"])
    same = f["task_id"].eq(f["task_id"].shift())
    moved = same & f["deadline"].ne(f["deadline"].shift()) & f["deadline"].notna()
    assert moved.sum() >= 10
    assert (f.loc[moved, "deadline"] > f["deadline"].shift()[moved]).all()  # extended, never brought forward
    # only a task whose deadline had passed is extended (it may have fallen overdue since the last snapshot)
    assert (f["deadline"].shift()[moved] < f.loc[moved, "snapshot_date"]).all()
    assert (f.loc[moved, "status"] != "overdue").any()  # an extended task is back in progress
    reclassified = same & (f["status"] == "regular") & f["status"].shift().isin(["overdue", "in_progress"])
    assert reclassified.sum() >= 5
    assert (f["deadline"].shift()[reclassified] < f.loc[reclassified, "snapshot_date"]).all()  # only late ones
    ever_regular = f.loc[f["status"] == "regular", "task_id"].unique()
    later = (
        f.loc[f["task_id"].isin(ever_regular)]
        .groupby("task_id")["status"]
        .apply(lambda s: s.iloc[(s == "regular").to_numpy().argmax() :])
    )
    assert (later == "regular").all()  # regular stays regular


def test_december_regime_changes_only_december(sample_frame):
    pushed = sample.generate(until="2026-01-08", december=3.0)
    like_history = sample.generate(until="2026-01-08", december=1.0)
    up_to = sample_frame["snapshot_date"] <= DEC4
    pd.testing.assert_frame_equal(
        pushed.loc[pushed["snapshot_date"] <= DEC4].reset_index(drop=True),
        sample_frame.loc[up_to].reset_index(drop=True),
    )
    open_dec4 = set(
        sample_frame.loc[
            (sample_frame["snapshot_date"] == DEC4) & sample_frame["status"].isin(["in_progress", "overdue"]), "task_id"
        ]
    )

    def still_open(frame):
        last = frame.loc[frame["snapshot_date"] == pd.Timestamp("2026-01-01")]
        return int((last["task_id"].isin(open_dec4) & last["status"].isin(["in_progress", "overdue"])).sum())

    assert still_open(pushed) < still_open(like_history) - 30
    default = sample.generate(until="2026-01-08")  # a push drawn from the reference class: it changes no more
    pd.testing.assert_frame_equal(
        default.loc[default["snapshot_date"] <= DEC4].reset_index(drop=True),
        like_history.loc[like_history["snapshot_date"] <= DEC4].reset_index(drop=True),
    )
    from forecast.errors import ForecastError

    with pytest.raises(ForecastError, match="positive"):
        sample.generate(tasks=100, december=0)


def test_deterministic_for_a_seed(small_frame):
    again = sample.generate(tasks=200, seed=3, start="2025-09-04", until="2025-12-04")
    pd.testing.assert_frame_equal(small_frame, again)
    other = sample.generate(tasks=200, seed=4, start="2025-09-04", until="2025-12-04")
    assert not other["agency"].equals(small_frame["agency"])


def test_real_agencies_with_a_skewed_spread(sample_frame):
    per = sample_frame.loc[sample_frame["snapshot_date"] == DEC4].groupby("agency").size()
    assert per.max() >= 100 and per.min() <= 4
    assert {"Ministry of Finance", "Ministry of Public Security", "State Bank of Vietnam", "Ha Noi"} <= set(per.index)


def test_status_follows_completion_and_deadline(sample_frame):
    done = sample_frame["status"].isin(["completed_on_time", "completed_late"])
    overdue = sample_frame["status"] == "overdue"
    assert (sample_frame.loc[overdue, "deadline"] < sample_frame.loc[overdue, "snapshot_date"]).all()
    # a completed task stays completed in every later snapshot
    first_done = sample_frame.loc[done].groupby("task_id")["snapshot_date"].min()
    later = sample_frame["snapshot_date"] > sample_frame["task_id"].map(first_done)
    assert done[later].all()


def test_written_sample_says_it_is_synthetic_and_loads(tmp_path):
    sample_files.write_sample(tmp_path, tasks=300, seed=5, start="2025-10-02", until="2025-12-04")
    snaps = load_snapshots(tmp_path)
    assert snaps.synthetic
    assert "SYNTHETIC" in (tmp_path / "README.md").read_text(encoding="utf-8")
    for path in snaps.files:
        assert "SYNTHETIC" in path.read_text(encoding="utf-8").splitlines()[1]


def test_the_bundled_sample_is_the_generator_output():
    snaps = load_snapshots(paths.SAMPLE_DIR)
    counts = snaps.status_counts().loc[DEC4]
    assert (
        counts["completed_on_time"] + counts["completed_late"],
        counts["in_progress"],
        counts["overdue"],
        counts["regular"],
        counts["total"],
    ) == (601, 404, 104, 178, 1287)
    assert snaps.synthetic
    fresh = sample.generate()
    assert np.array_equal(np.sort(fresh["task_id"].unique()), np.sort(snaps.frame["task_id"].unique()))


@pytest.mark.slow
def test_scales_to_many_tasks():
    big = sample.generate(tasks=20000, seed=1, start="2025-11-20", until="2025-12-04")
    last = big.loc[big["snapshot_date"] == DEC4]
    assert len(last) == pytest.approx(20000, rel=0.001)
    share_done = last["status"].isin(["completed_on_time", "completed_late"]).mean()
    assert share_done == pytest.approx(601 / 1287, abs=0.01)


def test_never_overwrites_a_folder_of_real_exports(tmp_path):
    from forecast.errors import ForecastError

    real = tmp_path / "exports"
    real.mkdir()
    (real / "bao-cao_2025-12-04.csv").write_text("task_id,agency,deadline,status\n", encoding="utf-8")
    with pytest.raises(ForecastError, match="not a synthetic sample"):
        sample_files.write_sample(real, tasks=100, start="2025-11-27")
    assert [p.name for p in real.iterdir()] == ["bao-cao_2025-12-04.csv"]


def test_an_earlier_sample_with_a_users_files_in_it_is_left_alone(tmp_path):
    from forecast.errors import ForecastError

    folder = tmp_path / "s"
    sample_files.write_sample(folder, tasks=100, start="2025-11-27")
    mine = {"my_notes.txt": "notes", "real_export_2025-12-11.csv": "task_id,agency,deadline,status\n"}
    for name, text in mine.items():
        (folder / name).write_text(text, encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(ForecastError, match=r"my_notes\.txt, real_export_2025-12-11\.csv"):
        sample_files.write_sample(folder, tasks=100, start="2025-11-20")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_writes_into_an_empty_folder_and_refuses_a_file(tmp_path):
    from forecast.errors import OutputError

    empty = tmp_path / "empty"
    empty.mkdir()
    written = sample_files.write_sample(empty, tasks=100, start="2025-11-27")
    assert [p.name for p in written] == ["snapshot_2025-11-27.csv", "snapshot_2025-12-04.csv"]
    assert sorted(p.name for p in empty.iterdir()) == ["README.md", *[p.name for p in written]]
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        sample_files.write_sample(afile, tasks=100, start="2025-11-27")
    assert afile.read_text(encoding="utf-8") == "x"


def test_replaces_an_earlier_sample_whole_and_keeps_it_on_failure(tmp_path):
    from forecast.errors import ForecastError

    folder = tmp_path / "s"
    sample_files.write_sample(folder, tasks=100, start="2025-11-20")
    assert len(list(folder.glob("*.csv"))) == 3
    sample_files.write_sample(folder, tasks=100, start="2025-11-27", fmt="parquet")
    assert sorted(p.suffix for p in folder.iterdir()) == [".md", ".parquet", ".parquet"]
    with pytest.raises(ForecastError, match="start on or after"):
        sample_files.write_sample(folder, tasks=100, start="2024-12-05")
    assert len(list(folder.glob("*.parquet"))) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["s"]  # no temporary folder left behind


def test_the_year_end_push_is_drawn_from_the_reference_class():
    """Over seeds, the sample's December has no push at the reference class's no-push chance, and a push starts on
    or after 5 Dec (the bundled snapshots to 4 Dec show none)."""
    from forecast.models.outside_view import fit_prior
    from forecast.sample.process import day_of

    pushes = [sample.year_end_push(seed) for seed in range(400)]
    none = sum(p is None for p in pushes) / len(pushes)
    assert abs(none - fit_prior().no_push) < 3 * np.sqrt(0.25 / len(pushes))
    onsets = [p.onset for p in pushes if p is not None]
    assert min(onsets) >= day_of(pd.Timestamp("2025-12-05"))[0] and max(onsets) <= day_of(sample.YEAR_END)[0]


def test_a_solved_push_leaves_its_target_open_in_expectation():
    """The clearance solved for a push makes the expected count still open at the year end its backlog target."""
    from forecast.sample.process import YearEndPush, solve_push

    rng = np.random.default_rng(3)
    H, X = rng.gamma(1, 0.02, (300, 34)), np.full((300, 34), 0.001)
    C = np.where(rng.random((300, 34)) < 0.5, 0.8, 1.2)
    open_due = rng.random(300) < 0.9
    push = YearEndPush(onset=0, split=0.4, backlog=0.5)
    solved = solve_push(push, lambda p: (H, X, C), open_due, overdue=80)
    left = np.exp(-(H + X + solved.clearance * C)[open_due].sum(axis=1)).sum()
    assert solved.clearance > 0 and left == pytest.approx(40, rel=1e-4)
    assert solve_push(YearEndPush(onset=0, backlog=50.0), lambda p: (H, X, C), open_due, 80).clearance == 0


def test_a_process_without_exits_still_meets_the_4_december_stocks():
    from dataclasses import replace

    from forecast.sample.process import FITTED

    frame = sample.generate(tasks=300, seed=4, start="2025-11-27", process=replace(FITTED, exit_rate=0.0))
    last = frame.loc[frame["snapshot_date"] == DEC4, "status"].value_counts()
    assert last["regular"] == round(178 * 300 / 1287) and abs(last.sum() - 300) <= 2  # each stock rounded
    assert last["overdue"] == round(104 * 300 / 1287)


def test_sample_command_writes_another_december(tmp_path):
    from forecast.cli import main

    out = tmp_path / "push"
    assert (
        main(
            [
                "sample",
                "--out",
                str(out),
                "--tasks",
                "150",
                "--start",
                "2025-11-27",
                "--until",
                "2025-12-18",
                "--december",
                "3",
            ]
        )
        == 0
    )
    assert "--december 3.0" in (out / "README.md").read_text(encoding="utf-8")
    pushed = load_snapshots(out).frame
    same = sample.generate(tasks=150, start="2025-11-27", until="2025-12-18", december=3.0)
    assert (
        pushed.groupby("snapshot_date")["status"].value_counts().to_numpy()
        == same.groupby("snapshot_date")["status"].value_counts().to_numpy()
    ).all()
    with pytest.raises(SystemExit) as stop:
        main(["sample", "--out", str(tmp_path / "bad"), "--december", "0"])
    assert stop.value.code == 2
