import datetime as dt
import errno
import os
from pathlib import Path

import pandas as pd
import pytest

from forecast.errors import ForecastError, OutputError
from forecast.present.output import write_table


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_write_table_formats(tmp_path, suffix):
    frame = pd.DataFrame({"task_id": ["T1", "T2"], "p_slip": [0.9, 0.1]})
    path = write_table(frame, tmp_path / f"out{suffix}")
    back = {".csv": pd.read_csv, ".xlsx": pd.read_excel, ".parquet": pd.read_parquet}[suffix](path)
    assert back["task" if suffix == ".xlsx" else "task_id"].tolist() == ["T1", "T2"]  # a workbook's headers in words
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


TASKS = pd.DataFrame(
    {
        "task_id": ["T1", "T2", "T3"],
        "agency": ["Ministry of Finance", "=cmd|' /C calc'!A0", "Bộ Y tế"],
        "deadline": [dt.date(2025, 12, 31), dt.date(2025, 12, 15), dt.date(2025, 11, 30)],
        "status": ["in_progress", "overdue", "in_progress"],
        "title": ["Draft the decree", "+1+2", "Nghị định về dữ liệu"],
        "p_slip": [0.9345, 0.5, 0.07],
        "points_saved": [7.843900000000001, 20.25, 0.0],
        "slip_mean": [7.843900000000001, 2.0, 0.1],
        "open_due": [3, 2, 1],
    }
)


def test_a_workbook_is_ready_for_an_analyst(tmp_path):
    """#25: a named data sheet with headers and statuses in words, percentages as percentages, widths set, the
    header frozen, a filter on, and a README sheet saying what each column means and which run it came from."""
    from openpyxl import load_workbook

    about = {"run": "20251208T060000Z_baseline", "scenario": "baseline", "data as of": "2025-12-04"}
    path = write_table(TASKS, tmp_path / "early_warning.xlsx", about=about)
    book = load_workbook(path)
    assert book.sheetnames == ["Early warning", "README"] and book.active.title == "Early warning"
    sheet = book["Early warning"]
    header = [c.value for c in sheet[1]]
    assert header == [
        "task",
        "agency",
        "deadline",
        "status",
        "title",
        "P(slip)",
        "P(slip) lower by (points)",
        "expected slips",
        "open, due by the deadline",
    ]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[3] for r in rows] == ["in progress", "overdue", "in progress"]  # statuses in words
    first = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert first["P(slip)"].value == 0.93 and first["P(slip)"].number_format == "0%"  # as the pages: 93 %
    assert first["expected slips"].value == 7.8 and first["expected slips"].number_format == "0.0"
    assert (
        first["P(slip) lower by (points)"].value == 7.8 and first["open, due by the deadline"].number_format == "#,##0"
    )
    assert first["deadline"].is_date and first["deadline"].number_format.lower() == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:I4"
    widths = {k: d.width for k, d in sheet.column_dimensions.items()}
    assert widths["E"] > widths["A"] >= 8 and all(w <= 60 for w in widths.values())
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]  # no formulas
    assert rows[1][1] == "'=cmd|' /C calc'!A0" and rows[1][4] == "'+1+2"  # injection neutralised, as before
    readme = list(book["README"].iter_rows(values_only=True))
    assert readme[:3] == [(k, v, None) for k, v in about.items()]  # which run it came from
    columns = {r[2]: r for r in readme if r[2]}
    assert columns["name in the CSV"] == ("column", "what it means", "name in the CSV")
    assert columns["p_slip"][0] == "P(slip)" and "still open after the deadline" in columns["p_slip"][1]
    assert set(TASKS.columns) <= set(columns)


def test_csv_says_what_the_pages_say_without_float_noise(tmp_path):
    path = write_table(TASKS, tmp_path / "by_agency.csv")
    text = path.read_text(encoding="utf-8-sig")
    assert "7.843900000000001" not in text and "0.9345" not in text
    back = pd.read_csv(path)
    assert back["slip_mean"].tolist() == [7.8, 2.0, 0.1] and back["p_slip"].tolist() == [0.93, 0.5, 0.07]
    assert back["points_saved"].tolist() == [7.8, 20.2, 0.0] and back["status"].tolist()[0] == "in_progress"
    assert write_table(TASKS, tmp_path / "raw.parquet").exists()  # Parquet keeps every digit
    assert pd.read_parquet(tmp_path / "raw.parquet")["slip_mean"].iloc[0] == 7.843900000000001


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "out.csv"
    path.write_text("old\n", encoding="utf-8")

    def full_disk(self, target, *a, **k):
        Path(target).write_text("half a ta", encoding="utf-8")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    with pytest.raises(OutputError, match=r"out\.csv: cannot write: No space left on device; nothing was changed"):
        write_table(pd.DataFrame({"a": [1]}), path, force=True)
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_unknown_format_or_folder(tmp_path):
    with pytest.raises(ForecastError, match="unknown table format"):
        write_table(pd.DataFrame(), tmp_path / "out.txt")
    with pytest.raises(ForecastError, match="does not exist"):
        write_table(pd.DataFrame(), tmp_path / "nope" / "out.csv")
