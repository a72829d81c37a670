"""Issue #24: no silent data loss, no traceback, whatever the export or the disk does. A test per row of the issue's
table (``test_NN_...``, NN the row), each run through the command line as a user would: the exit status, the one
message naming the file, row, line, column, task or limit, and nothing silently dropped or changed.

Row 7 (a full disk during a report) is in ``tests/test_hardening_report.py`` with the other report runs; the
property-based and fuzz tests are in ``tests/test_unicode_outputs.py`` and ``tests/test_loader_fuzz.py``.
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from forecast.cli import main
from forecast.core import limits
from tests.disk_helpers import full_disk_for_commands
from tests.report_helpers import write_params, write_portfolio

SCENARIO = (
    "name: Finance faster\nlevers:\n  - lever: rate_multiplier\n    agency: Ministry of Finance\n    multiplier: 2\n"
)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A workspace: 14 weekly CSV exports of a 200-task portfolio (Sep - 4 Dec 2025, four agencies), a params file
    (as of 4 Dec, 200 runs) and a scenario file."""
    root = tmp_path_factory.mktemp("base")
    write_portfolio(root / "exports")
    write_params(root / "params.yaml", Path("exports"))
    (root / "finance.yaml").write_text(SCENARIO, encoding="utf-8")
    return root


@pytest.fixture
def world(base, tmp_path) -> Path:
    shutil.copytree(base, tmp_path / "w")
    return tmp_path / "w"


def run(capsys, *args: object) -> tuple[int, str, str]:
    """The CLI in-process: (exit status, stdout, stderr), never a traceback."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out, err
    return code, out, err


def refused(capsys, *args: object, says: tuple[str, ...] = ()) -> str:
    """A command that must stop: exit status 2, one line on stderr holding every one of ``says``."""
    code, _, err = run(capsys, *args)
    assert code == 2, err
    lines = [line for line in err.splitlines() if not line.startswith("usage:") and not line.startswith(" ")]
    assert len(lines) == 1, err
    for words in says:
        assert words in err, err
    return err


def last_export(world: Path) -> Path:
    return sorted((world / "exports").glob("*.csv"))[-1]


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def open_due_row(frame: pd.DataFrame) -> int:
    """The first task in progress due by 31 Dec: in the open set, so in the early-warning list."""
    return int(frame.index[(frame["status"] == "in_progress") & (frame["deadline"] <= "2025-12-31")][0])


# --- 1: a control character in a title ------------------------------------------------------------------------------


def test_01_a_control_character_in_a_title_is_removed_with_a_warning_and_the_xlsx_is_written(capsys, world):
    last = last_export(world)
    frame = read(last)
    row = open_due_row(frame)
    task = frame.loc[row, "task_id"]
    frame.loc[row, "title"] = "bell\x07title"
    frame.to_csv(last, index=False)
    code, out, _ = run(capsys, "validate", "--snapshots", world / "exports")
    assert code == 0
    assert (
        f"{last}, row {row + 2}, column 'title', task {task}: control or invisible characters removed (U+0007)" in out
    )
    code, _, err = run(capsys, "predict", "--params", world / "params.yaml", "--tasks-out", world / "ew.xlsx")
    assert code == 0, err
    cells = [c.value for r in openpyxl.load_workbook(world / "ew.xlsx").active.iter_rows() for c in r]
    assert "belltitle" in cells and not [c for c in cells if isinstance(c, str) and "\x07" in c]


# --- 2: XLSX read by its cells, not its <dimension> tag --------------------------------------------------------------


def xlsx_with_dimension(frame: pd.DataFrame, path: Path, dimension: str, far_cell: str = "") -> Path:
    """``frame`` as an XLSX whose sheet states ``dimension`` in its ``<dimension ref=...>`` tag (a stale tag, as
    some exporters leave), and holds a formatted empty cell at ``far_cell`` (e.g. ``XFD1048576``)."""
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>'.encode(), data)
                assert n == 1
                if far_cell:
                    row = re.sub("[A-Z]", "", far_cell)
                    cell = f'<row r="{row}"><c r="{far_cell}" s="0"/></row></sheetData>'.encode()
                    data = data.replace(b"</sheetData>", cell)
            target.writestr(item, data)
    return path


@pytest.mark.parametrize("dimension", ["A1:I100", "A1", "B3:C4"])
def test_02_an_xlsx_with_a_stale_dimension_tag_is_read_whole(capsys, world, dimension):
    last = last_export(world)
    frame = read(last).assign(title="a title")  # not the portfolio's formula titles: Excel would run them
    frame.to_csv(last, index=False)
    code, before, _ = run(capsys, "predict", "--params", world / "params.yaml", "--json")
    assert code == 0
    last.unlink()
    xlsx_with_dimension(frame, last.with_suffix(".xlsx"), dimension)
    code, out, err = run(capsys, "validate", "--snapshots", world / "exports")
    assert code == 0, err
    counts = [line for line in out.splitlines() if line.startswith("2025-12-04 ")]
    assert counts and counts[0].split()[-1] == str(len(frame))  # every row: 200, not 99, nor "no data rows"
    code, after, _ = run(capsys, "predict", "--params", world / "params.yaml", "--json")
    assert code == 0
    assert json.loads(after)["open_tasks"] == json.loads(before)["open_tasks"]


def _memory_limit(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def test_02_a_dimension_tag_claiming_the_whole_sheet_costs_no_memory(tmp_path):
    """``A1:XFD1048576`` over two rows and a formatted empty cell at XFD1048576 (a whole sheet formatted): read by
    its stated size, 1,048,576 rows of 16,384 cells. Run under a 1 GiB address-space limit, which that read exceeds
    within seconds (the kit itself needs a fraction of it)."""
    exports = tmp_path / "exports"
    exports.mkdir()
    frame = pd.DataFrame(
        {"task_id": ["T1", "T2"], "agency": ["A", "B"], "deadline": ["2025-12-31"] * 2, "status": ["In progress"] * 2}
    )
    xlsx_with_dimension(frame, exports / "snapshot_2025-12-04.xlsx", "A1:XFD1048576", "XFD1048576")
    done = subprocess.run(
        [sys.executable, "-m", "forecast.cli", "validate", "--snapshots", str(exports)],
        capture_output=True,
        text=True,
        preexec_fn=_memory_limit(2**30),
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "2 tasks in all" in done.stdout


# --- 3: bounds on what one export may expand to ----------------------------------------------------------------------


def _rows_sheet(path: Path, rows: int, columns: int = 4) -> Path:
    """An XLSX of a header and ``rows`` tiny rows, its sheet written as XML straight into the zip (deflated: a few
    kilobytes of file for megabytes of XML)."""
    book = openpyxl.Workbook()
    book.active.append(["task_id", "agency", "deadline", "status"][:columns])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = "<row><c><v>1</v></c></row>" * rows  # no r="": optional, and every row alike
                data = data.replace(b"</row></sheetData>", b"</row>" + body.encode() + b"</sheetData>")
            target.writestr(item, data)
    return path


def test_03_an_xlsx_zip_bomb_is_refused_before_it_is_expanded(capsys, tmp_path, monkeypatch):
    exports = tmp_path / "exports"
    exports.mkdir()
    bomb = _rows_sheet(exports / "snapshot_2025-12-04.xlsx", 30_000)
    monkeypatch.setattr(limits, "EXPORT_ROWS", 20_000, raising=False)

    def expanded(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(openpyxl, "load_workbook", expanded)
    refused(
        capsys,
        "validate",
        "--snapshots",
        exports,
        says=(str(bomb), "more than 20,000 rows", "limit of 20,000 (forecast.core.limits.EXPORT_ROWS)"),
    )
    monkeypatch.setattr(limits, "EXPORT_ROWS", 2_000_000, raising=False)
    unzipped = sum(i.file_size for i in zipfile.ZipFile(bomb).infolist())
    assert unzipped > 10 * bomb.stat().st_size  # it is a bomb: the XML is many times the file
    monkeypatch.setattr(limits, "EXPORT_BYTES", unzipped - 1, raising=False)
    refused(
        capsys,
        "validate",
        "--snapshots",
        exports,
        says=(
            str(bomb),
            f"expands to {unzipped:,} bytes",
            f"limit of {unzipped - 1:,} (forecast.core.limits.EXPORT_BYTES)",
        ),
    )


def test_03_csv_and_parquet_exports_have_the_same_bounds(capsys, tmp_path, monkeypatch):
    exports = tmp_path / "exports"
    exports.mkdir()
    rows = pd.DataFrame(
        {"task_id": [f"T{i}" for i in range(3000)], "agency": "A", "deadline": "2025-12-31", "status": "In progress"}
    )
    monkeypatch.setattr(limits, "EXPORT_ROWS", 2000, raising=False)
    for suffix in (".csv", ".parquet"):
        path = exports / f"snapshot_2025-12-04{suffix}"
        rows.to_csv(path, index=False) if suffix == ".csv" else rows.to_parquet(path, index=False)
        refused(
            capsys,
            "validate",
            "--snapshots",
            exports,
            says=(str(path), "3,000 rows", "limit of 2,000 (forecast.core.limits.EXPORT_ROWS)"),
        )
        path.unlink()
    monkeypatch.setattr(limits, "EXPORT_ROWS", 2_000_000, raising=False)
    wide = rows.head(2).assign(**{f"extra_{i}": "x" for i in range(limits.EXPORT_COLUMNS)})
    for suffix in (".csv", ".parquet"):
        path = exports / f"snapshot_2025-12-04{suffix}"
        wide.to_csv(path, index=False) if suffix == ".csv" else wide.to_parquet(path, index=False)
        refused(
            capsys,
            "validate",
            "--snapshots",
            exports,
            says=(str(path), f"{wide.shape[1]:,} columns", "(forecast.core.limits.EXPORT_COLUMNS)"),
        )
        path.unlink()
    path = exports / "snapshot_2025-12-04.csv"
    rows.to_csv(path, index=False)
    monkeypatch.setattr(limits, "EXPORT_BYTES", 1000, raising=False)
    refused(
        capsys,
        "validate",
        "--snapshots",
        exports,
        says=(str(path), f"{path.stat().st_size:,} bytes", "limit of 1,000 (forecast.core.limits.EXPORT_BYTES)"),
    )


# --- 4: one, two or three snapshots ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kept", [1, 2, 3])
def test_04_with_one_two_or_three_snapshots_every_command_answers_or_refuses_in_one_line(capsys, world, kept):
    for path in sorted((world / "exports").glob("*.csv"))[:-kept]:
        path.unlink()
    params, sims = world / "params.yaml", ("--sims", "100")
    commands = {
        "validate": ("validate", "--params", params),
        "predict": ("predict", "--params", params, *sims),
        "predict hazard": ("predict", "--params", params, "--model", "hazard", "--json", *sims),
        "backtest": ("backtest", "--params", params, *sims),
        "scenario": ("scenario", world / "finance.yaml", "--params", params, *sims),
        "goal": ("goal", "--target-slips", "10", "--params", params, *sims),
    }
    answered = set()
    for name, args in commands.items():
        code, _, err = run(capsys, *args)
        assert code in (0, 2), (name, err)
        if code == 2:
            assert len(err.strip().splitlines()) == 1 and "error:" in err, (name, err)
        else:
            answered.add(name)
    assert "validate" in answered
    if kept >= 2:  # the combined forecast needs a component that can answer: boosting, from two snapshots
        assert "predict" in answered
    if kept == 2:  # 27 Nov and 4 Dec: no ordinary week before the year-end window for the hazard model to learn from
        assert "predict hazard" not in answered
        assert "needs two snapshots before the year-end window" in run(capsys, *commands["predict hazard"])[2]
    if kept >= 3:  # the hazard model, and the scenarios and goals on it, need one ordinary week
        assert {"predict", "predict hazard", "scenario", "goal"} <= answered


# --- 5: damaged CSVs -------------------------------------------------------------------------------------------------


def test_05_a_last_export_cut_at_a_line_break_stops_predict_naming_the_file_and_its_last_row(capsys, world):
    last = last_export(world)
    lines = last.read_text(encoding="utf-8").splitlines(keepends=True)
    last.write_text("".join(lines[:41]), encoding="utf-8")  # as `head -41`: the header and 40 tasks of 200
    code, out, _ = run(capsys, "validate", "--snapshots", world / "exports")
    assert code == 0
    assert f"{last}: " in out and "the export looks cut short or partial" in out
    for command in (("predict",), ("scenario", world / "finance.yaml"), ("goal", "--target-slips", "10")):
        refused(
            capsys,
            *command,
            "--params",
            world / "params.yaml",
            says=(last.name, "its last row is row 41", "looks cut short", "--as-of"),
        )
    refused(capsys, "backtest", "--params", world / "params.yaml", says=(last.name, "looks cut short"))
    code, _, err = run(capsys, "predict", "--params", world / "params.yaml", "--as-of", "2025-11-27")
    assert code == 0, err  # the as-of date the message offers works


def test_05_a_last_export_cut_mid_line_is_refused_naming_the_line(capsys, world):
    last = last_export(world)
    lines = last.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = lines[40].index(",", lines[40].index(",") + 1)  # line 41 ends after its second field
    last.write_text("".join(lines[:40]) + lines[40][:cut], encoding="utf-8")
    for command in ("validate", "--snapshots", world / "exports"), ("predict", "--params", world / "params.yaml"):
        refused(capsys, *command, says=(f"{last}, row 41: line 41 has 2 fields where the header has 9",))


def test_05_a_stray_quote_is_refused_not_absorbed(capsys, world):
    last = last_export(world)
    frame = read(last)
    frame.loc[40, "agency"] = "Ministry of Culture, Sports and Tourism"  # a quoted field after the damage
    frame.to_csv(last, index=False)
    lines = last.read_text(encoding="utf-8").splitlines(keepends=True)
    task, rest = lines[30].split(",", 1)
    lines[30] = f'{task},"{rest}'  # a stray quote before the title on line 31
    last.write_text("".join(lines), encoding="utf-8")
    for command in ("validate", "--snapshots", world / "exports"), ("predict", "--params", world / "params.yaml"):
        refused(capsys, *command, says=(f"{last}, row 31: line 31 to 42: a quote out of place",))


# --- 8: a file name that is not UTF-8 --------------------------------------------------------------------------------


def test_08_a_file_name_that_is_not_utf8_is_read_and_shown_escaped(capsys, world):
    last = last_export(world)
    frame = read(last)
    frame.loc[0, "title"] = "a\x07b"  # a warning naming the file
    name = os.fsdecode(b"snapshot_2025-12-11_\xff\xfe.csv")
    frame.to_csv(last.parent / name, index=False)
    code, out, err = run(capsys, "validate", "--snapshots", world / "exports")
    assert code == 0, err
    assert "15 snapshot(s)" in out and "snapshot_2025-12-11_\\xff\\xfe.csv, row 2, column 'title'" in out
    code, out, err = run(capsys, "predict", "--params", world / "params.yaml", "--as-of", "2025-12-11", "--json")
    assert code == 0, err
    assert json.loads(out)["as_of"] == "2025-12-11"


# --- 9: a params file nested 50,000 deep -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["sims: " + "[" * 50_000, "sims: " + "[" * 60 + "]" * 60])
def test_09_yaml_nested_too_deep_is_one_line(capsys, tmp_path, text):
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    for command in (("params", path), ("scenario", "--check", path)):
        refused(capsys, *command, says=(str(path), f"nested more than {limits.YAML_DEPTH} deep"))


# --- 10: an XLSX onto a full disk ------------------------------------------------------------------------------------


def test_10_an_xlsx_onto_a_full_disk_is_one_line_and_nothing_ignored(world, tmp_path):
    params = write_params(world / "uncached.yaml", Path("exports"), cache=False)  # nothing written but the xlsx
    with full_disk_for_commands(tmp_path / "full") as (full, runner):
        for args in (
            ("predict", "--params", str(params), "--tasks-out", str(full / "x.xlsx")),
            ("sample", "--out", str(full / "s"), "--tasks", "100", "--start", "2025-11-27", "--format", "xlsx"),
        ):
            done = runner([sys.executable, "-m", "forecast.cli", *args])
            assert done.returncode == 2, done.stderr
            assert len(done.stderr.strip().splitlines()) == 1, done.stderr  # no "Exception ignored in ..."
            assert str(full) in done.stderr and "Traceback" not in done.stderr
        assert not [p for p in full.iterdir() if not p.name.startswith(".filler")]


# --- 11: a cron expression that never fires --------------------------------------------------------------------------


@pytest.mark.parametrize("cron", ["0 0 30 2 *", "0 0 31 4 *"])
def test_11_a_cron_expression_that_never_fires_is_refused(capsys, world, cron):
    refused(
        capsys,
        "schedule",
        "--params",
        world / "params.yaml",
        "--cron",
        cron,
        "--out",
        world / "r",
        says=(repr(cron), "names no date that exists"),
    )
    assert not (world / "r").exists()


# --- 12: dangling and looping links ----------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/nonexistent/x.csv", "snapshot_2025-12-11.csv", "folder"])
def test_12_a_dangling_looping_or_folder_export_is_named_not_skipped(capsys, world, target):
    link = world / "exports" / "snapshot_2025-12-11.csv"
    if target == "folder":
        link.mkdir()
        says = "a folder, not a file"
    else:
        link.symlink_to(target)
        says = "a link that loops" if target == link.name else f"a link to {target}, which does not exist"
    for command in ("validate", "--snapshots", world / "exports"), ("predict", "--params", world / "params.yaml"):
        refused(capsys, *command, says=(f"{link}: {says}",))


# --- 13: a file-name date out of range -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("snapshot_2300-01-04.csv", "'2300-01-04' is out of range (1900-01-01 to 2262-04-11)"),
        ("snapshot_2025-02-30.csv", "'2025-02-30' is not a date (day is out of range for month"),
    ],
)
def test_13_a_file_name_date_that_is_no_date_says_why(capsys, world, name, says):
    shutil.copy(last_export(world), world / "exports" / name)
    err = refused(capsys, "validate", "--snapshots", world / "exports", says=(name, says))
    assert "put YYYY-MM-DD in the file name" not in err


# --- 14: an empty date -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--as-of", "--deadline"])
def test_14_an_empty_date_on_the_command_line_is_refused(capsys, world, option):
    refused(capsys, "predict", "--params", world / "params.yaml", option, "", says=(f"argument {option}", "empty date"))
    refused(capsys, "predict", "--params", world / "params.yaml", option, " ", says=(f"argument {option}",))


# --- 15: never echo a file the user did not write --------------------------------------------------------------------

SECRET = "s3cr3t-HASH"
NOT_OURS = {
    "shadow": f"root:$6${SECRET}$x:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n",
    "yaml_error": f"password: {SECRET}\n  - [unclosed: {SECRET}\n",
    "mapping": f"database:\n  password: {SECRET}\n  {SECRET}: 1\n",
    "deep": f"{SECRET}: " + "[" * 100 + "]" * 100 + "\n",
}


@pytest.mark.parametrize("kind", NOT_OURS)
def test_15_a_file_given_as_params_or_scenario_is_never_echoed(capsys, world, kind):
    secret = world / "secret"
    secret.write_text(NOT_OURS[kind], encoding="utf-8")
    (world / "with_secret.yaml").write_text(f"snapshots: exports\nscenarios: [{secret}]\n", encoding="utf-8")
    for args in (
        ("scenario", "--check", secret),
        ("params", secret),
        ("predict", "--params", secret),
        ("scenario", "--params", world / "with_secret.yaml"),
        ("report", "--params", world / "with_secret.yaml", "--out", world / "r"),
    ):
        err = refused(capsys, *args, says=(str(secret),))
        assert SECRET not in err and "root:" not in err and "database" not in err


# --- 16: one agency is one agency ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "Ministry of\u200b Finance",
        "\u202eMinistry of Finance",
        "Ministry of Fi\u00adnance\ufeff",
        "Ministry\u2060 of Finance",
    ],
)
def test_16_an_agency_name_with_invisible_characters_is_the_same_agency(capsys, world, spelling):
    last = last_export(world)
    frame = read(last)
    rows = frame.index[frame["agency"] == "Ministry of Finance"][:3]
    frame.loc[rows, "agency"] = spelling
    frame.to_csv(last, index=False)
    code, out, err = run(capsys, "predict", "--params", world / "params.yaml", "--json")
    assert code == 0, err
    agencies = [a["agency"] for a in json.loads(out)["by_agency"]]
    assert sorted(agencies) == sorted(set(agencies)) and "Ministry of Finance" in agencies
    assert not [a for a in agencies if a != a.strip() or re.search("[\u200b-\u200f\u202a-\u202e\u00ad\ufeff\u2060]", a)]
    code, out, _ = run(capsys, "validate", "--snapshots", world / "exports")
    assert code == 0 and "column 'agency'" in out and "control or invisible characters removed" in out
    assert "changed agency" not in out  # the same agency before and after


def test_16_a_scenario_naming_an_agency_with_invisible_characters_finds_it(capsys, world):
    (world / "zw.yaml").write_text(SCENARIO.replace("Ministry of Finance", "Ministry\u200b of Finance"), "utf-8")
    code, _, err = run(capsys, "scenario", world / "zw.yaml", "--params", world / "params.yaml", "--sims", "100")
    assert code == 0, err
